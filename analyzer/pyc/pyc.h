/* The pyc stage: .pyc headers, our own marshal reader, and code objects of CPython 3.6-3.14. */
#ifndef GILCHECK_PYC_H
#define GILCHECK_PYC_H

#include <stddef.h>
#include <stdint.h>

#include "../common/arena.h"
#include "../common/diag.h"

/* What a marshalled object is.  Booleans, None, Ellipsis and StopIteration carry no data. */
typedef enum pyc_kind {
    PYC_NULL = 0,   /* marshal's '0': only ever a dict terminator, never in a finished tree */
    PYC_NONE,
    PYC_FALSE,
    PYC_TRUE,
    PYC_ELLIPSIS,
    PYC_STOPITER,
    PYC_INT,        /* fits in 64 bits: 'i' and legacy 'I' */
    PYC_LONG,       /* 'l': arbitrary precision, in 15-bit digits */
    PYC_FLOAT,
    PYC_COMPLEX,
    PYC_BYTES,
    PYC_STR,
    PYC_TUPLE,
    PYC_LIST,
    PYC_DICT,
    PYC_SET,
    PYC_FROZENSET,
    PYC_CODE,
    PYC_SLICE       /* 3.14 (marshal version 5) */
} pyc_kind;

typedef struct pyc_obj pyc_obj;
typedef struct pyc_code pyc_code;

struct pyc_obj {
    uint8_t o_kind;      /* pyc_kind */
    uint8_t o_type;      /* marshal type code it was read from, FLAG_REF cleared */
    uint32_t o_offset;   /* byte offset of its type code in the file */
    union {
        int64_t o_int;                                  /* PYC_INT */
        struct { int32_t n; const uint16_t *digits; } o_long;
        /* PYC_LONG: |n| digits of 15 bits, least significant first; the sign of n is the sign */
        double o_float;                                 /* PYC_FLOAT */
        struct { double re, im; } o_complex;            /* PYC_COMPLEX */
        struct { const char *s; uint32_t len; } o_str;
        /* PYC_BYTES raw bytes; PYC_STR UTF-8 (lone surrogates allowed, as marshal writes them).
         * Not NUL-terminated: the bytes point into the file's buffer. */
        struct { const pyc_obj **items; uint32_t n; } o_seq;
        /* PYC_TUPLE/LIST/SET/FROZENSET: n items; PYC_DICT: n pairs as 2n items key, value;
         * PYC_SLICE: start, stop, step */
        const pyc_code *o_code;                         /* PYC_CODE */
    } u;
};

/* Kinds of entries in co_localnames / co_derefnames (3.11's CO_FAST_* bits). */
#define PYC_FAST_HIDDEN 0x10
#define PYC_FAST_LOCAL  0x20
#define PYC_FAST_CELL   0x40
#define PYC_FAST_FREE   0x80

/* A code object of any version, with the version-dependent layout already resolved: the two name
 * arrays are what LOAD_FAST-like and LOAD_DEREF-like arguments index, in every version. */
struct pyc_code {
    int32_t co_argcount;         /* positional parameters, including positional-only */
    int32_t co_posonlyargcount;  /* 3.8+, else 0 */
    int32_t co_kwonlyargcount;
    int32_t co_nlocals;          /* ≤3.10 field; 3.11+ the count of local (non-cell/free) names */
    int32_t co_stacksize;
    int32_t co_flags;            /* CO_* flags as stored */
    int32_t co_firstlineno;
    const pyc_obj *co_code;      /* bytes: the instructions */
    const pyc_obj *co_consts;    /* tuple */
    const pyc_obj *co_names;     /* tuple of str */
    const pyc_obj *co_filename;  /* str */
    const pyc_obj *co_name;      /* str */
    const pyc_obj *co_qualname;  /* str, 3.11+; NULL before */
    const pyc_obj *co_linetable; /* bytes: co_lnotab (≤3.9), co_linetable (3.10+) */
    const pyc_obj *co_exceptiontable; /* bytes, 3.11+; NULL before */
    const pyc_obj *co_varnames;  /* tuple, ≤3.10; NULL after */
    const pyc_obj *co_freevars;  /* tuple, ≤3.10; NULL after */
    const pyc_obj *co_cellvars;  /* tuple, ≤3.10; NULL after */
    const pyc_obj *co_localsplusnames; /* tuple, 3.11+; NULL before */
    const pyc_obj *co_localspluskinds; /* bytes, 3.11+; NULL before */
    uint32_t co_nlocalnames;     /* entries of co_localnames */
    const pyc_obj **co_localnames;  /* what LOAD_FAST's argument indexes (varnames / localsplus) */
    const uint8_t *co_localkinds;   /* PYC_FAST_* per co_localnames entry */
    uint32_t co_nderefnames;     /* entries of co_derefnames */
    const pyc_obj **co_derefnames;  /* what LOAD_DEREF's argument indexes (cell+free / localsplus) */
    const uint8_t *co_derefkinds;   /* PYC_FAST_CELL (this code owns it) / PYC_FAST_FREE per entry */
};

/* A decoded .pyc file.  Everything it points to lives in f_arena. */
typedef struct pyc_file {
    arena *f_arena;          /* holds the file bytes and every decoded object */
    int f_owns_arena;        /* pyc_file_free frees f_arena (not for pyc_load_path_in) */
    int f_minor;             /* Python 3.<f_minor> */
    int f_magic;             /* magic number (little-endian u16) */
    uint32_t f_flags;        /* PEP 552 flags (0 for 3.6 and timestamp pycs) */
    uint32_t f_mtime;        /* source mtime (timestamp pycs) */
    uint32_t f_srcsize;      /* source size (timestamp pycs) */
    uint8_t f_hash[8];       /* source hash (hash-based pycs) */
    size_t f_header_size;    /* 12 or 16 */
    const uint8_t *f_data;   /* the whole file */
    size_t f_size;
    const pyc_obj *f_root;   /* the module's code object (PYC_CODE), validated */
    uint32_t f_nrefs;        /* FLAG_REF entries registered while reading */
} pyc_file;

#define PYC_FLAG_HASH  0x1   /* hash-based pyc */
#define PYC_FLAG_CHECK 0x2   /* check_source */

/* Maps a magic number to its Python minor version (3.<minor>), release and pre-release numbers
 * alike.  Returns G_OK or G_EVERSION. */
int pyc_magic_minor(int *out_minor, int magic);

/* The magic number of the release of Python 3.<minor>, or -1 for a version not in the table. */
int pyc_magic_final(int minor);

/* Parses the header at data[0..len): sets f_minor, f_magic, f_flags, timestamps or hash and
 * f_header_size.  Returns G_OK, G_ETRUNC, G_EVERSION or G_EBAD, with a message naming `name`. */
int pyc_read_header(pyc_file *f, const uint8_t *data, size_t len, const char *name, diag_ctx *d);

/* Unmarshals one object from data[0..len) with the layouts of Python 3.<minor>.  Objects go into
 * `a`; strings point into `data`, which must outlive them.  Returns G_OK and the object in *out,
 * or a negative code with a message "bad marshal data at offset N (reason)" in d.  On failure the
 * partial objects stay in the arena, which the caller frees. */
int pyc_unmarshal(const pyc_obj **out, uint32_t *out_nrefs, arena *a, const uint8_t *data,
                  size_t len, size_t base_offset, int minor, const char *name, diag_ctx *d);

/* Decodes a whole .pyc image (copied into the new file's arena).  The root must be a code
 * object.  Returns G_OK with *out owned by the caller (pyc_file_free), or a negative code with a
 * message naming `name` in d and *out NULL. */
int pyc_load_bytes(pyc_file **out, const uint8_t *data, size_t len, const char *name, diag_ctx *d);

/* pyc_load_bytes of a file read from disk; G_EIO when it cannot be read. */
int pyc_load_path(pyc_file **out, const char *path, diag_ctx *d);

/* pyc_load_path into a caller's arena, which keeps everything (pyc_file_free then frees
 * nothing): a loop over many files resets one arena instead of creating one per file. */
int pyc_load_path_in(pyc_file **out, arena *a, const char *path, diag_ctx *d);

/* Frees the file's arena when the file owns it.  NULL is allowed. */
void pyc_file_free(pyc_file *f);

/* Appends a Python-like repr of o to sb ('abc', 12, 1.5, (1, 2), frozenset({...}),
 * <code object f, line 3>), cut short with "..." after about `limit` bytes (0 = no limit). */
struct strbuf;
void pyc_repr(struct strbuf *sb, const pyc_obj *o, size_t limit);

/* True when o is a str equal to the NUL-terminated s. */
int pyc_str_eq(const pyc_obj *o, const char *s);

#endif
