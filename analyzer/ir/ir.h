/* The ir stage: basic blocks, and an abstract interpretation of the value stack that turns a code
 * object's instructions into access events on access paths (`global:D[local:k]`).  Reads only the
 * version-neutral form of the bytecode stage. */
#ifndef GILCHECK_IR_H
#define GILCHECK_IR_H

#include <stdint.h>

#include "../bytecode/bytecode.h"
#include "../common/arena.h"
#include "../common/diag.h"

/***** access paths *****/

typedef enum ir_pathkind {
    PATH_GLOBAL = 1,  /* module global (or a module-level name): p_name */
    PATH_LOCAL,       /* a function's local or parameter: p_name, p_version */
    PATH_DEREF,       /* a cell or free variable (closure): p_name */
    PATH_CONST,       /* a constant: p_name is its repr */
    PATH_ATTR,        /* p_base.p_name */
    PATH_ITEM,        /* p_base[p_key] */
    PATH_FRESH        /* an object created in this function: p_version numbers it */
} ir_pathkind;

/* An access path.  Paths are interned per module: equal paths are the same pointer. */
typedef struct ir_path {
    uint8_t p_kind;               /* ir_pathkind */
    uint32_t p_version;           /* PATH_LOCAL: assignment count; PATH_FRESH: id */
    const char *p_name;           /* NUL-terminated name / attribute / constant repr */
    const struct ir_path *p_base; /* PATH_ATTR, PATH_ITEM: the container */
    const struct ir_path *p_key;  /* PATH_ITEM: the key */
    const char *p_text_;          /* canonical text, built on first use: ir_path_text() */
    const char *p_display_;       /* display text, built on first use: ir_path_display() */
    struct ir_paths *p_table;     /* the table that owns it (its arena holds the texts) */
    uint64_t p_hash;              /* structural hash used by the intern table */
    int32_t p_user;               /* scratch for later stages (the engine caches a module
                                   * binding here); -2 until set */
} ir_path;

typedef struct ir_paths ir_paths;  /* the intern table of one module */

int ir_paths_new(ir_paths **out, arena *a);
const ir_path *ir_path_name(ir_paths *t, int kind, const char *name, size_t len, uint32_t version);
const ir_path *ir_path_attr(ir_paths *t, const ir_path *base, const char *name, size_t len);
const ir_path *ir_path_item(ir_paths *t, const ir_path *base, const ir_path *key);

/* Canonical text ("item(global:D,local:k)") and display text ("D[k]") of a path, built on first
 * use; "?" when memory runs out. */
const char *ir_path_text(const ir_path *p);
const char *ir_path_display(const ir_path *p);

/* The root of a path (the global, local, deref or fresh object it starts from). */
const ir_path *ir_path_root(const ir_path *p);

/* True when p is `inner` or an attribute/item path built on it. */
int ir_path_within(const ir_path *p, const ir_path *inner);

/***** events *****/

typedef enum ir_evkind {
    EV_LOAD = 1,   /* a read of ev_path */
    EV_STORE,      /* a write of ev_path (STORE_GLOBAL, STORE_ATTR, STORE_SUBSCR...) */
    EV_DELETE,     /* del ev_path */
    EV_CALL,       /* a call: method ev_name on ev_path, or the function at ev_path */
    EV_TEST,       /* a test guarding a branch: ev_test on ev_path */
    EV_ITER,       /* an iteration over ev_path's live items begins (GET_ITER of the container
                    * or of its keys() / values() / items() view) */
    EV_TAKE,       /* a local keeps the value just read from ev_path (`item = self.pending`):
                    * ev_srcs holds that read */
    EV_MAKE        /* a function is made here (MAKE_FUNCTION): ev_aux is its code index in the
                    * bc_file; ev_path is NULL */
} ir_evkind;

typedef enum ir_testkind {
    TEST_IN = 1,       /* key in ev_path */
    TEST_NOT_IN,
    TEST_IS_NONE,      /* ev_path is None */
    TEST_IS_NOT_NONE,
    TEST_TRUTH,        /* if ev_path: (and other tests of a read) */
    TEST_COMPARE       /* ev_path == / < / ... something (also len(ev_path) > 0) */
} ir_testkind;

#define IR_MAX_SRCS 8  /* loads remembered per value; more are dropped */
#define IR_MAX_ARGS 8  /* arguments remembered per call */
#define IR_MAX_ITEMS 64 /* items remembered of a tuple or list display (`for f in (a, b, ...)`) */

/* Loads that flowed into a value. */
typedef struct ir_srcs {
    uint16_t s_n;
    uint32_t s_ev[IR_MAX_SRCS];  /* indexes into ir_func.f_events */
} ir_srcs;

/* What kind of value was stored (for module facts: `lock = threading.Lock()`). */
typedef enum ir_valkind {
    VAL_UNKNOWN = 0,
    VAL_CONST,       /* v_aux = const index */
    VAL_FUNC,        /* a function made here: v_aux = code index in the bc_file */
    VAL_CALL,        /* result of a call to v_callee (e.g. "threading.Lock") */
    VAL_FRESH,       /* a container built here (list/dict/set/tuple display) */
    VAL_CLASS,       /* a class made here: v_aux = class-body code index */
    VAL_IMPORT       /* an imported module or name: ev_callee is its dotted name */
} ir_valkind;

/* One argument of a call event. */
typedef struct ir_arg {
    const ir_path *ar_path;   /* the argument, NULL where unknown */
    ir_srcs ar_srcs;          /* loads that flowed into it */
    int32_t ar_func;          /* code index when the argument is a function made here, else -1 */
    const char *ar_kw;        /* keyword name, NULL for positionals */
    const char *ar_const;     /* a constant argument: its repr ("1", "'x'"), else NULL */
    const char *ar_ctor;      /* the dotted callee whose call made the value (`board =
                               * JobBoard(); Worker(board)`: "JobBoard"), or NULL */
    const struct ir_path **ar_items; /* a tuple or list display built here (`args=(q, n)`): the
                               * paths of its items, NULL where unknown; ar_nitems entries */
    uint8_t ar_nitems;
    uint8_t ar_alts;          /* ar_items are not a display's items but the values the argument
                               * takes in turn (a loop over a display: `for f in (a, b): g(f)`) */
} ir_arg;

typedef struct ir_event {
    uint8_t ev_kind;          /* ir_evkind */
    uint8_t ev_test;          /* ir_testkind for EV_TEST */
    uint8_t ev_valkind;       /* EV_STORE: ir_valkind of the stored value; EV_TEST of
                               * `path == C`: VAL_CONST, C in ev_aux / ev_int as for a store */
    uint8_t ev_nargs;         /* EV_CALL: entries of ev_args */
    uint8_t ev_unpack;        /* EV_CALL: the arguments are unpacked when it runs (`f(*a, **k)`,
                               * CALL_FUNCTION_EX): ev_args do not say which parameters get one */
    uint32_t ev_none_dflt;    /* EV_MAKE: the function's positional defaults that are None, a
                               * bit per parameter counted from the last (bc_const_none_tail) */
    const ir_path *ev_path;   /* the target; for calls the object the method is called on, or
                               * the function's own path */
    const char *ev_name;      /* EV_CALL: method or function name ("append", "Thread") */
    const char *ev_callee;    /* EV_CALL / VAL_CALL store: dotted callee ("threading.Thread");
                               * VAL_FRESH store: the display built ("list", "dict", "set",
                               * "tuple") */
    const ir_path *ev_key;    /* EV_TEST TEST_IN: the key tested */
    const ir_path *ev_valpath; /* EV_STORE: where the stored value was read from (`x.owner =
                               * self`: self), or NULL */
    uint8_t ev_method;        /* EV_CALL: ev_path is the object the method ev_name is called on
                               * (0: ev_path is the function itself) */
    uint8_t ev_falsy;         /* EV_STORE of a constant: BC_NONE (None), BC_FALSY (False, 0,
                               * "", ()), else 0 */
    const char *ev_recv;      /* EV_CALL of a method: the dotted callee whose call made the
                               * object it is called on (`x = Foo(); x.run()`: "Foo"); EV_CALL of
                               * a call's result (a decorator `@app.route("/")` applied): that
                               * call's dotted callee ("app.route", also "router.get" whose
                               * result is modelled as the item it reads); or NULL */
    int32_t ev_aux;           /* EV_STORE: VAL_CONST/VAL_FUNC/VAL_CLASS aux */
    uint8_t ev_int;           /* VAL_CONST: ev_aux is the int itself (3.14's LOAD_SMALL_INT),
                               * not an index into co_consts */
    uint32_t ev_instr;        /* index of the instruction in bc_instrs */
    uint32_t ev_block;        /* basic block of that instruction */
    ir_srcs ev_srcs;          /* EV_STORE: loads that flowed into the stored value; EV_CALL: into
                               * the arguments; EV_TEST: into the tested value */
    uint64_t ev_locks;        /* bit i set: acquisition i of f_acqs is held here */
    ir_arg *ev_args;          /* EV_CALL: ev_nargs arguments (in the arena), keywords after
                               * positionals; apart so that the many other events stay small */
} ir_event;

/* A lock acquisition: `with X:` or `X.acquire()`. */
typedef struct ir_acq {
    const ir_path *a_path;    /* the context manager / lock object; NULL when not a path */
    const char *a_callee;     /* when X is a call result: the callee ("threading.Lock") */
    const ir_path *a_on;      /* when X is a method's result: the object it was called on */
    uint32_t a_instr;         /* the instruction that acquires */
    uint8_t a_with;           /* 1 for `with`, 0 for acquire() */
} ir_acq;

/***** basic blocks *****/

typedef struct ir_block {
    uint32_t b_first;         /* first instruction index */
    uint32_t b_last;          /* last instruction index (inclusive) */
    uint32_t b_succ[2];       /* normal successors (fall-through first), UINT32_MAX = none */
    uint32_t b_handler;       /* exception handler block, UINT32_MAX = none */
    uint32_t b_npreds;        /* normal predecessors */
    uint32_t b_pred;          /* one normal predecessor (meaningful when b_npreds == 1) */
    uint32_t b_idom;          /* immediate dominator, UINT32_MAX for the entry / unreachable */
    int32_t b_guard;          /* event index of a test whose outcome leads here, else -1; it
                               * guards the block when b_nguard == b_npreds */
    uint32_t b_nguard;        /* incoming edges that leave a test of the same state */
    uint8_t b_guard_true;     /* the test holds on the edge into this block (for `is None`
                               * tests: the value is None) */
    uint8_t b_reached;        /* reached from the entry by the interpretation */
    uint8_t b_in_loop;        /* lies on a cycle of the control flow (exception edges
                               * included): its code can run more than once per call */
} ir_block;

/* One code object's IR. */
typedef struct ir_func {
    const bc_code *f_code;    /* the decoded code object */
    uint32_t f_index;         /* its index in the bc_file */
    ir_block *f_blocks;
    uint32_t f_nblocks;
    uint32_t *f_block_of;     /* instruction index -> block index */
    ir_event *f_events;
    uint32_t f_nevents;
    ir_acq *f_acqs;           /* at most 64 acquisitions are tracked per function */
    uint32_t f_nacqs;
    int f_is_class_body;      /* set by the engine from the module's class creations */
    const char *f_self;       /* a method's first parameter, when its class has methods named
                               * like a container's readers (`get`, `keys`, `copy`): set by the
                               * engine, which then interprets the method again */
    const char *const *f_own; /* ... those methods: `self.get(k)` calls the class's own get(),
                               * it reads no item of self */
    uint32_t f_nown;
} ir_func;

/* Builds blocks for bc (allocations in a).  Returns G_OK or G_ENOMEM. */
int cfg_build(ir_func *f, const bc_code *bc, arena *a, diag_ctx *d, const char *name);

/* Debug-build invariant check of the blocks (every instruction in exactly one block, edges in
 * range, dominators consistent); returns 1 when they hold. */
int cfg_check(const ir_func *f);

/* What the interpretation needs to know about built-in operations (from rules/atomicity.yaml):
 * calls that only read the object they are called on or their first argument.  Both lists are
 * sorted (strcmp order). */
/* A function that takes or gives back a lock of its module (`logging._acquireLock()`). */
typedef struct ir_lockfn {
    const char *lf_func;       /* dotted, as called ("logging._acquireLock") */
    const char *lf_lock;       /* the lock, dotted ("logging._lock") */
    int lf_acquires;           /* 1: takes it; 0: gives it back */
} ir_lockfn;

typedef struct ir_kb {
    const char *const *k_reader_methods;  /* D.get(k), D.keys(), L.index(x), L.count(x) ... */
    size_t k_nreader_methods;
    const char *const *k_reader_funcs;    /* len(L), sorted(L), list(L), sum(L) ... */
    size_t k_nreader_funcs;
    const ir_lockfn *k_lockfns;           /* lock functions of the standard library */
    size_t k_nlockfns;
} ir_kb;

/* Is name in the sorted list (binary search)? */
int ir_name_in(const char *name, const char *const *sorted, size_t n);

/* Interprets f's code, filling f_events and f_acqs.  bf is the file's code list (functions made
 * from constants name their code index).  Returns G_OK or a negative code with a message. */
int ir_interpret(ir_func *f, const bc_file *bf, const ir_kb *kb, ir_paths *paths, arena *a,
                 diag_ctx *d, const char *name);

/* Does block g dominate block b? */
int ir_dominates(const ir_func *f, uint32_t g, uint32_t b);

/* The test guarding block b (every edge into it leaves a test of the same state), or -1. */
int32_t ir_block_guard(const ir_func *f, uint32_t b);

#endif
