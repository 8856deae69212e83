/* Internal to the engine: the module facts the detectors read. */
#ifndef GILCHECK_ENGINE_INT_H
#define GILCHECK_ENGINE_INT_H

#include "engine.h"

#define NO_CODE UINT32_MAX

/* What the engine knows about one code object. */
typedef struct eng_code {
    ir_func c_ir;              /* blocks and events */
    const char *c_qualname;    /* "Counter.incr", "main.<locals>.worker" */
    uint32_t c_class;          /* code index of the class body it is a method of, or NO_CODE */
    const char *c_self;        /* name of the first parameter of a method ("self"), or NULL */
    uint32_t c_nparams;        /* positional and keyword-only parameters */
    uint8_t c_is_class_body;
    uint8_t c_is_module;
    uint8_t c_is_init;         /* a method named __init__ (state set before sharing) */
} eng_code;

/* A window found by the detectors, beside its candidate finding (same index). */
typedef struct eng_window {
    uint32_t w_code;           /* code object */
    const ir_path *w_state;    /* the state it is about (a container item: with its key) */
    uint8_t w_breaks;          /* sum_breaks: which writes of another thread break it */
    uint32_t w_first, w_last;  /* instruction indexes of its first and last access */
    uint64_t w_locks;          /* acquisitions held over all of it */
    const char *w_method;      /* the act's method when it is a call on the state (`L.pop()`) */
    uint8_t w_recv;            /* w_method: RECV_CONT or RECV_MAYBE (mod_container_call) */
} eng_window;

/* A set of strings (normalized state names), open addressing in the module's arena. */
typedef struct strset {
    const char **ss_slots;
    int32_t *ss_vals;            /* a number kept with each string (a line) */
    uint32_t ss_cap;             /* a power of two, or 0 */
    uint32_t ss_used;
} strset;

int set_add(strset *s, arena *a, const char *key, int32_t val);
int set_has(const strset *s, const char *key, int32_t *val);
/* The value of key when it is there (returns 0), else adds it with val (returns 1); *out gets
 * the value either way.  G_ENOMEM when it cannot grow.  key is not NULL. */
int set_find_add(strset *s, arena *a, const char *key, int32_t val, int32_t *out);
int set_or(strset *s, arena *a, const char *key, int32_t bits);  /* adds a copy of key, or ORs */

typedef struct eng_mod {
    const pyc_file *m_pyc;
    const bc_file *m_bf;
    const eng_kb *m_kb;
    const eng_options *m_opt;  /* the run's options (configured locks and entry points) */
    eng_code *m_codes;         /* one per code object of bf, same order */
    uint32_t m_ncodes;
    ir_paths *m_paths;
    arena *m_arena;
    /* module-level names: imports ("th" -> "threading"), what globals are bound to */
    const char **m_bind_name;  /* global name */
    const char **m_bind_what;  /* resolved dotted import, or callee of the call it holds */
    uint8_t *m_bind_kind;      /* VAL_IMPORT / VAL_CALL / VAL_FUNC / VAL_CLASS */
    int32_t *m_bind_aux;       /* code index for VAL_FUNC / VAL_CLASS */
    uint32_t *m_bind_block;    /* the module code's block of the store that bound it */
    uint32_t m_nbind;
    strset m_bind_index;       /* global name -> its index in m_bind_name */
    const char **m_local_attrs; /* attribute names bound to threading.local() */
    uint32_t m_nlocal_attrs;
    strset m_types;            /* "g:NAME" / "a:NAME" / "c:NAME" -> what its stores held
                                * (eng_types.c) */
    eng_window *m_win;         /* the detectors' windows, parallel to their findings */
    uint32_t m_nwin;
    uint32_t m_capwin;
} eng_mod;

/* eng_module.c */
int mod_build(eng_mod *m, const pyc_file *pf, const bc_file *bf, const eng_kb *kb,
              const eng_options *opt, arena *a, diag_ctx *d, const char *name);
const char *mod_resolve(const eng_mod *m, const char *dotted);
int32_t mod_binding(const eng_mod *m, const char *name);
int mod_may_share(const eng_mod *m, const eng_code *c, const ir_path *p);
int mod_self_is_container(const eng_mod *m, const eng_code *c);

/* eng_types.c: is a receiver a built-in container? */
int mod_types_build(eng_mod *m);
int mod_is_container_ctor(const eng_mod *m, const char *dotted);
int mod_value_kind(const eng_mod *m, const ir_event *e);
int mod_recv_type(const eng_mod *m, const eng_code *c, const ir_path *recv);
/* Is a RECV_CONT receiver list-like (only TY_SEQ containers were stored to it)? */
int mod_recv_seq(const eng_mod *m, const eng_code *c, const ir_path *recv);
/* A mutating call of the knowledge base (`D.pop(k)`, `L.append(x)`) on a receiver that is a
 * container (RECV_CONT), may be one (RECV_MAYBE: the composition decides) or is not (RECV_NOT,
 * also for any other call).  `self.clear()` is the class's own method unless the class derives
 * from a container. */
int mod_container_call(const eng_mod *m, const eng_code *c, const ir_event *e);
int mod_param_index(const eng_code *c, const ir_path *root);
int mod_list_has(const char *const *list, uint32_t n, const char *s);
int kb_has(const char *const *sorted, size_t n, const char *s);  /* binary search */
uint32_t mod_method_of(const eng_mod *m, uint32_t cls, const char *name);
int mod_is_lock_name(const char *name);
int mod_is_configured_lock(const eng_mod *m, const ir_path *p);

/* eng_pycode.c: Python code inside f's window, its caveats and its target's type (target: the
 * path written); adds the Python code's offsets to f_switch.  G_OK or G_ENOMEM. */
int pycode_fill(eng_mod *m, uint32_t ci, finding *f, const ir_path *target);
/* next(it) on a shared iterator that is a generator or of unknown type: the load of `it` (the
 * window's start), or NULL. */
const ir_event *shape_next_iter(const eng_mod *m, uint32_t ci, const ir_event *call);
/* A store or delete of D[k] in a KeyError handler whose try body reads D[k]: that read (the
 * check: it raised), or NULL. */
const ir_event *shape_handler_check(const eng_mod *m, uint32_t ci, const ir_event *act);
/* Is act inside a `try:` whose handler catches KeyError (a delete that may find the key gone)? */
int shape_key_error_caught(const eng_mod *m, uint32_t ci, const ir_event *act);
/* Does the function return, right after store act (`D[k] = v`), what it stored (`return v`,
 * `return D[k]`) or read it back (`v = D[k]`), with nothing but loads in between: a getter
 * filling its cache? */
int shape_returns_stored(const eng_mod *m, uint32_t ci, const ir_event *act);

/* eng_detect.c */
int detect_code(eng_result *res, eng_mod *m, uint32_t ci, diag_ctx *d, const char *name);
void eng_position(const bc_instr *in, int32_t *line, int32_t *col, int32_t *end_line,
                  int32_t *end_col);

#endif
