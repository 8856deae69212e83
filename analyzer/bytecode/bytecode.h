/* The bytecode stage: instructions, lines, positions and exception tables of any version, and
 * their version-neutral form.  The last stage that knows which Python produced the code. */
#ifndef GILCHECK_BYTECODE_H
#define GILCHECK_BYTECODE_H

#include <stdint.h>

#include "../common/arena.h"
#include "../common/diag.h"
#include "../common/strbuf.h"
#include "../pyc/pyc.h"
#include "op.h"

/* A source span; -1 in a field means CPython reports None there. */
typedef struct bc_pos {
    int32_t p_line;      /* first line */
    int32_t p_end_line;  /* last line */
    int32_t p_col;       /* 0-based UTF-8 byte column of the start */
    int32_t p_end_col;   /* 0-based UTF-8 byte column one past the end */
} bc_pos;

/* One instruction as dis.get_instructions yields it (EXTENDED_ARG included, caches not), with
 * its version-neutral meaning. */
typedef struct bc_instr {
    uint32_t in_offset;  /* byte offset of the opcode unit */
    int32_t in_arg;      /* argument as dis gives it, EXTENDED_ARG prefixes folded in */
    int32_t in_target;   /* jump target offset as dis reports it; -1 when not a jump */
    int32_t in_line;     /* source line per co_lines()/findlinestarts; -1 when none */
    bc_pos in_pos;       /* co_positions() of the offset (3.11+), all -1 before */
    int32_t in_a;        /* first decoded operand (see op_sem) */
    int32_t in_b;        /* second decoded operand (see op_sem) */
    uint32_t in_flags;   /* OPF_* of the opcode */
    uint8_t in_opcode;   /* raw opcode number */
    uint8_t in_sem;      /* op_sem */
    uint8_t in_hasarg;   /* 1 when dis gives an argument */
    uint8_t in_ncache;   /* inline CACHE units that follow (3.11+) */
} bc_instr;

/* One 3.11+ exception-table entry, offsets in bytes, end exclusive. */
typedef struct bc_handler {
    uint32_t h_start;    /* first covered byte offset */
    uint32_t h_end;      /* one past the last covered byte offset */
    uint32_t h_target;   /* handler offset */
    uint32_t h_depth;    /* stack depth at the handler */
    uint8_t h_lasti;     /* push the offset of the raising instruction */
} bc_handler;

/* A decoded code object. */
typedef struct bc_code {
    const pyc_code *bc_src;     /* the code object (names, constants) */
    const op_version *bc_ver;   /* opcode facts of its version: bytecode-stage use only */
    bc_instr *bc_instrs;        /* instructions in offset order */
    uint32_t bc_ninstrs;
    bc_handler *bc_handlers;    /* exception table (3.11+); empty before */
    uint32_t bc_nhandlers;
    int32_t *bc_at;             /* byte offset / 2 -> index into bc_instrs, -1 for cache units */
    uint32_t bc_nunits;         /* code units in the bytecode */
    int bc_has_positions;       /* co_positions() exists (3.11+) */
    int32_t bc_parent;          /* index of the enclosing code object in bc_file, -1 for the module */
} bc_code;

/* Every code object of a file in pre-order: a code object, then the code objects in its
 * co_consts, recursively. */
typedef struct bc_file {
    const pyc_file *bf_pyc;     /* the decoded file */
    bc_code *bf_codes;
    uint32_t bf_ncodes;
    struct bc_src_index *bf_by_src; /* (bc_src, index) sorted by address (bc_code_index) */
} bc_file;

typedef struct bc_src_index {
    const pyc_code *si_src;     /* a code object */
    uint32_t si_index;          /* its index in bf_codes */
} bc_src_index;

/* Looks up the opcode facts of Python 3.<minor>; NULL when unknown. */
const op_version *bc_version(int minor);

/* Decodes one code object of Python 3.<minor> into *out (allocated in a).  Fails with G_EBAD and
 * "bad bytecode at offset N (reason)" for unknown or specialized opcodes, truncated instructions,
 * jumps out of range, argument indexes out of range and malformed line or exception tables;
 * G_ENOMEM when memory runs out.  `name` is the file named in messages. */
int bc_decode(bc_code *out, const pyc_code *c, int minor, arena *a, const char *name,
              diag_ctx *d);

/* Decodes every code object of f (allocations in f's arena).  *out is valid until f is freed. */
int bc_decode_file(bc_file **out, const pyc_file *f, const char *name, diag_ctx *d);

/* Line, position and exception tables (bc_lines.c, bc_exctable.c), used by bc_decode. */
int bc_lines(bc_code *bc, const pyc_code *c, int flags, arena *a, const char *name, diag_ctx *d);
int bc_exctable(bc_code *bc, const pyc_code *c, arena *a, const char *name, diag_ctx *d);

/* Version-neutral operands (bc_neutral.c): fills in_sem, in_a and in_b of every instruction. */
int bc_neutral(bc_code *bc, const pyc_code *c, const char *name, diag_ctx *d);

/* Name helpers over the version-neutral arrays; NULL when the index is out of range. */
const pyc_obj *bc_name(const bc_code *bc, int32_t i);      /* co_names[i] */
const pyc_obj *bc_local(const bc_code *bc, int32_t i);     /* local variable i */
const pyc_obj *bc_deref(const bc_code *bc, int32_t i);     /* cell/free variable i */
const pyc_obj *bc_const(const bc_code *bc, int32_t i);     /* co_consts[i] */

/* Is co_consts[i] falsy: BC_NONE for None, BC_FALSY for False, 0, "", b"", (), frozenset();
 * 0 for anything else (or no such constant). */
enum { BC_NONE = 1, BC_FALSY = 2 };
int bc_const_falsy(const bc_code *bc, int32_t i);

/* When co_consts[i] is a tuple (a function's defaults): bit j set when its item j counted from
 * the end is None (the default of the j-th positional parameter counted from the last); 0 for
 * anything else. */
uint32_t bc_const_none_tail(const bc_code *bc, int32_t i);

/* Net stack effect of an instruction as CPython's compiler models it (dis.stack_effect): on the
 * fall-through edge, or with jump set on the jump edge (the handler edge of pre-3.11 SETUP_*). */
/* The index in bf->bf_codes of the code object co, or -1 (a binary search: files with many
 * functions make a linear one quadratic). */
int32_t bc_code_index(const bc_file *bf, const pyc_code *co);

int bc_stack_effect(const bc_code *bc, const bc_instr *in, int jump);

/* The opcode name of an instruction. */
const char *bc_opname(const bc_code *bc, const bc_instr *in);

/* A text that tells co_consts[i] from other constants of the simple kinds ("None", "True",
 * "i:3", "s:closed", "b:..."), written to buf; 0, or -1 for another kind (a tuple, a float, a
 * code object) or a text longer than size. */
int bc_const_key(const bc_code *bc, int32_t i, char *buf, size_t size);

/* 1 when instruction i pushes AssertionError: what an `assert` raises when its test fails
 * (LOAD_ASSERTION_ERROR from 3.9, LOAD_GLOBAL AssertionError before). */
int bc_loads_assertion_error(const bc_code *bc, uint32_t i);

/* Index in bc_instrs of the instruction at byte offset `offset`, or -1. */
int32_t bc_index_at(const bc_code *bc, int64_t offset);

/***** switch points on edges (bc_switch.c) *****/

/* The ways out of an instruction. */
typedef enum bc_edge {
    BC_EDGE_NEXT = 0,   /* to the following instruction (after a call: when it returns) */
    BC_EDGE_JUMP,       /* to the jump target (not a pre-3.11 SETUP_*'s handler) */
    BC_EDGE_RAISE       /* to the exception handler covering the instruction */
} bc_edge;

/* Index of the instruction the edge leads to, or -1 when instruction i has no such edge (no
 * fall-through, no jump, cannot raise or no handler covers it). */
int32_t bc_edge_target(const bc_code *bc, uint32_t i, bc_edge e);

/* Index of the first instruction of the exception handler covering instruction i, or -1: the
 * 3.11+ exception table, or before 3.11 the innermost SETUP_* whose body holds i. */
int32_t bc_handler_index(const bc_code *bc, uint32_t i);

/* 1 when a GIL build of the code's version can hand the GIL to another thread between
 * instruction i and the instruction edge e leads to: its eval loop checks the eval breaker on
 * that edge (a conditional jump of 3.6-3.9 testing a value that is a bool does not; 3.10's
 * conditional jumps only on the jump edge; an exception enters its handler through a check up to
 * 3.10), or i runs other Python code by design (a call, a generator step, __enter__ / __exit__,
 * an import).  0 otherwise, and when i has no such edge.  Python code that only the types show
 * (a property, __eq__ / __hash__, __missing__, __del__) is the engine's to judge. */
int bc_switch_on_edge(const bc_code *bc, uint32_t i, bc_edge e);

/* 1 when any edge out of instruction i can switch (bc_switch_on_edge). */
int bc_switch_any(const bc_code *bc, uint32_t i);

/* 1 when instruction i runs other Python code by design (OPF_RUNS_CODE). */
int bc_runs_code(const bc_code *bc, uint32_t i);

/* "next", "jump", "raise". */
const char *bc_edge_name(bc_edge e);

/***** the view of an instruction (bc_view.c): the one renderer the front ends share *****/

typedef enum bc_argstyle {
    BC_ARG_DIS = 0,     /* as CPython's dis prints it in parentheses ("to 24", "NULL + len",
                         * "'k'", "+=", "[]") */
    BC_ARG_VALUE        /* the plain value by the instruction's kind: a name, a constant's repr,
                         * an operator, a count; nothing for other kinds */
} bc_argstyle;

/* Appends the argument of `in` in words to sb (nothing when there is none to show). */
void bc_argtext(strbuf *sb, const bc_code *bc, const bc_instr *in, bc_argstyle style);

/* What an instruction does to state other threads can see, by its kind alone. */
typedef enum bc_access {
    BC_ACC_NONE = 0,    /* locals, constants, the stack */
    BC_ACC_READ,        /* a global, closure cell, attribute, item or slice is read */
    BC_ACC_WRITE,       /* ... written */
    BC_ACC_DELETE,      /* ... deleted */
    BC_ACC_TEST,        /* a membership test */
    BC_ACC_CALL         /* a call: the callee may read or write anything */
} bc_access;

bc_access bc_access_of(const bc_instr *in);

/* The access in words ("reads a global", "writes an item", "tests membership"), or NULL. */
const char *bc_access_words(const bc_instr *in);

/* Version-neutral name of an instruction kind ("load_global", "binary", "store_subscr"). */
const char *bc_sem_name(int sem);

/* Appends where a GIL build can switch after instruction i: the edges ("next", "jump",
 * "next+raise", ...) or "runs code"; nothing when it cannot. */
void bc_switch_words(strbuf *sb, const bc_code *bc, uint32_t i);

#endif
