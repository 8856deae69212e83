/* Internal to the engine: a file's summary, the facts the whole-run composition reads.
 *
 * A summary says what each function of one module does, independent of who calls it: the
 * accesses to state that may be shared and the locks held at each, its windows (the candidate
 * findings), its calls with their arguments, the threads it starts, and the module's bindings
 * and classes.  Paths are written relative to the function, as text:
 *
 *     g:NAME          a module-level name of this module (a global, an import, a class...)
 *     p:N             the function's N-th parameter (p:0 is `self` in a method)
 *     c:CODE:NAME     the closure cell NAME owned by code object CODE of this file
 *     t:CALLEE        a local bound to the result of calling CALLEE (`x = Foo()`), method calls only
 *     f:CODE          a function made in this file (code object index), call targets only
 *
 * followed by `.attr` and `[key]` segments, a key being a constant's repr or `*`.  The
 * composition (race_*.c) binds the roots to locations of the whole run ("m:pkg.mod.count",
 * "o:pkg.mod.Pool._items[*]").  Everything lives in one arena; a summary read back from bytes
 * (sum_io.c) is the same structure.  The parent of a run holds every file's summary at once:
 * fields are ordered so that structs have no padding holes (4-byte fields side by side). */
#ifndef GILCHECK_ENGINE_SUM_INT_H
#define GILCHECK_ENGINE_SUM_INT_H

#include "engine.h"

#define SUM_NONE UINT32_MAX
#define SUM_PARTIAL 255u       /* sum_call c_npos */

/* The layout of a summary's bytes (sum_io.c writes and reads them whole, race_view.c reads
 * them into the composition's form). */
#define SUM_FORMAT 14u   /* 3: properties, the method a window's act calls; 4: container types;
                         * 5: where a started thread's object is kept; 6: stored constants;
                         * 7: pools of one worker (t_serial, bit 1 of the start's t_many), a
                         * start's arguments that differ per start (g_distinct), item keys that
                         * are parameters ([*pN]); 8: windows say whether they are
                         * read-modify-writes of the value; 9: FN_SUPER; 10: START_ROUTE;
                         * 11: u_escape of a start(); 12: w_check; 13: w_in_place; 14: None
                         * defaults, accesses and windows under a test of a parameter, calls
                         * that unpack their arguments, w_cont_item */

/* What an access does to its location. */
typedef enum sum_acckind {
    ACC_STORE = 1,     /* a store (an item: insert or replace) */
    ACC_DELETE,        /* `del` (an item: a removal) */
    ACC_INSERT,        /* a mutating call that adds or replaces entries (append, update, add...) */
    ACC_REMOVE         /* a mutating call that takes entries out (pop, remove, clear...) */
} sum_acckind;

/* What breaks a window: the writes that can land inside it and make it wrong. */
typedef enum sum_breaks {
    BRK_WRITE = 1,     /* any write of the state (read-modify-write, lazy init, read-then-write) */
    BRK_REMOVE,        /* a removal (the act needs the entry: `if k in D: del D[k]`) */
    BRK_INSERT,        /* an insertion (the act needs it absent: `if k not in D: D[k] = v`) */
    BRK_FALSY,         /* a store of None (or another falsy constant) or a delete: the use
                        * needs what the check saw set (`if self.sock: self.sock.send(b)`) */
    BRK_VALUE,         /* a store of a value other than a falsy constant: take-and-reset loses
                        * what a producer stores, while another reset loses nothing */
    BRK_KIND = 0x0f,   /* the above */
    BRK_OTHERS = 0x10, /* flag: only writes made elsewhere break it, not the window's own act
                        * run by another thread (`if s == A: s = B` twice stores the same B) */
    BRK_SEEN_SET = 0x20 /* flag: the window starts where a test found the state set (`if
                        * self.server: server = self.server; self.server = None`): a store
                        * that can happen only once has happened already */
} sum_breaks;

/* Kinds of lock, from their constructors. */
typedef enum sum_lockkind {
    LOCK_UNKNOWN = 0,  /* named like a lock or configured: taken for a thread lock */
    LOCK_THREAD,       /* threading.Lock/RLock/Condition/Semaphore..., _thread.allocate_lock */
    LOCK_PROCESS,      /* multiprocessing locks: exclude threads, but say nothing of threads */
    LOCK_ASYNC,        /* asyncio/trio/anyio primitives: not thread locks at all */
    LOCK_NOTLOCK       /* a context manager that is not a lock (open(), a fresh object...) */
} sum_lockkind;

/* A lock acquisition of a function: `with X:` or `X.acquire()`. */
typedef struct sum_acq {
    const char *q_path;        /* the lock's path; NULL when it has no identity (a lock made
                                * in the statement: `with threading.Lock():`) */
    const char *q_ctor;        /* `with CALLEE(...):`: the dotted callee, resolved; else NULL */
    uint8_t q_named;           /* the path's last name looks like a lock (lock, _mutex, cond...)
                                * or is configured in lock-names */
} sum_acq;

/* Is the receiver of a container method (`D.pop(k)`) a built-in container? */
enum { RECV_NOT = 0, RECV_CONT = 1, RECV_MAYBE = 2 /* the composition follows its value */ };

/* What the stores of a name held (bits; mod_value_kind for one store).  Summaries carry them
 * for module variables, attributes and classes. */
enum {
    TY_CONT = 1,       /* a built-in container */
    TY_UNKNOWN = 2,    /* of unknown type (a parameter, another variable, an import) */
    TY_OTHER = 4,      /* a known non-container (another constructor, a function, a tuple) */
    TY_SEQ = 8,        /* a list-like container: iterating it skips or repeats, never raises */
    TY_RAISE = 16      /* a dict, set or deque: iterating it while it changes size raises */
};

/* A write of a function to a path that may be shared. */
typedef struct sum_access {
    const char *a_path;        /* where ("p:0._items[*]") */
    const char *a_text;        /* the target as written ("self._items"), for messages */
    const char *a_method;      /* ACC_INSERT / ACC_REMOVE: the method called ("pop") */
    uint8_t a_kind;            /* sum_acckind */
    uint8_t a_loop;            /* the instruction is in a loop of its function */
    uint8_t a_recv;            /* a_method: RECV_CONT, or RECV_MAYBE when only the composition
                                * can tell whether the receiver is a built-in container */
    uint8_t a_falsy;           /* ACC_STORE of a constant: BC_NONE (None) or BC_FALSY, else 0 */
    uint8_t a_ifparam;         /* p + 1: runs only where a test found parameter p not None
                                * (`if section is not None:`), else 0 */
    const char *a_const;       /* ACC_STORE of a constant of a simple kind: its bc_const_key
                                * ("s:closed"), so that two stores of the same one are known to
                                * leave the same state; else NULL */
    uint32_t a_instr;          /* instruction index (program order within the function) */
    uint32_t a_offset;         /* its byte offset */
    int32_t a_line, a_col;     /* position (col 1-based, -1 unknown) */
    int32_t a_end_line, a_end_col;
    uint64_t a_locks;          /* acquisitions held (bits index the function's sum_acq) */
} sum_access;

/* A window: accesses of one function that must not be interleaved, i.e. a candidate finding. */
typedef struct sum_window {
    const char *w_path;        /* the state it protects ("g:count", "p:0._d[*]") */
    uint8_t w_breaks;          /* sum_breaks */
    uint32_t w_finding;        /* index of its finding in the summary's s_cand */
    uint32_t w_first, w_last;  /* instruction indexes of the read or check and of the act */
    const char *w_method;      /* the act is this method called on the state's container
                                * (`L.pop()`), or NULL: not a container operation when the
                                * receiver's class defines the method */
    uint64_t w_locks;          /* acquisitions held over the whole window */
    uint8_t w_recv;            /* w_method: RECV_CONT or RECV_MAYBE (as a_recv) */
    uint8_t w_value;           /* a read-modify-write of the value itself (GIL101-103): any
                                * write of it or of its contents breaks it */
    const char *w_check;       /* the check is `state == C`: C, as an access's a_const */
    uint8_t w_in_place;        /* w_value by an in-place operator (`self.items += batch`): on
                                * a list, dict or set only a store of another object breaks
                                * it, not a change of its contents */
    uint8_t w_ifparam;         /* as sum_access a_ifparam, for the whole window */
    uint8_t w_cont_item;       /* an in-place operator on an item that is a built-in container
                                * wherever the file stores it (sum_build.c item_container) */
} sum_window;

/* An argument of a call or a thread start. */
typedef struct sum_arg {
    const char *g_kw;          /* keyword, NULL for a positional */
    const char *g_path;        /* its path, or NULL */
    const char *g_ctor;        /* the callee whose call made it (a typed local), or NULL */
    uint32_t g_func;           /* a function made in this file, or SUM_NONE */
    uint32_t g_nitems;
    uint8_t g_distinct;        /* a thread start's argument that differs from one start to the
                                * next: the index of the `for i in range(n):` loop around it */
    const char **g_items;      /* a tuple or list display: its items' paths (NULL where
                                * unknown), g_nitems of them */
} sum_arg;

/* A call a function makes. */
typedef struct sum_call {
    const char *c_callee;      /* the callee's path: "g:helper", "p:0._next", "g:mod.f",
                                * "t:Foo.run", "f:12" */
    sum_arg *c_args;
    uint32_t c_nargs;
    uint32_t c_instr;          /* instruction index */
    int32_t c_line;
    uint8_t c_loop;            /* in a loop of its function (or its function is a comprehension) */
    uint8_t c_main;            /* module code under `if __name__ == "__main__":` (a script's
                                * main thread) */
    uint8_t c_owned;           /* "t:" callee on an object made here that has not escaped yet */
    uint8_t c_npos;            /* positional arguments it passes (c_args drops trailing ones
                                * that say nothing), or SUM_PARTIAL: which parameters it passes
                                * is not known -- it unpacks its arguments (`f(*a, **k)`), has
                                * more than IR_MAX_ARGS, or passes a keyword argument c_args
                                * leaves out */
    uint64_t c_locks;          /* acquisitions held at the call */
} sum_call;

/* Kinds of code that start others. */
typedef enum sum_startkind {
    START_THREAD = 1,          /* Thread(target=f), start_new_thread, to_thread, run_in_executor */
    START_TIMER,               /* Timer(t, f) */
    START_EXECUTOR,            /* executor.submit(f) / executor.map(f, ...) */
    START_PROCESS,             /* multiprocessing.Process(target=f), ProcessPoolExecutor: another
                                * process, no shared memory */
    START_AT_FORK,             /* os.register_at_fork(after_in_child=f), register_after_fork:
                                * runs alone in a fresh child */
    START_SERVER,              /* a threading server constructed with a handler class */
    START_ROUTE                /* a web framework's route (`@app.route("/")` of a Flask app):
                                * the server runs it in a thread per request */
} sum_startkind;

/* A thread (or task, or process) started. */
typedef struct sum_start {
    uint8_t t_kind;            /* sum_startkind */
    uint8_t t_many;            /* started in a loop or comprehension, or by map() */
    uint8_t t_serial;          /* START_EXECUTOR: a pool of one worker runs its tasks one after
                                * another (`ThreadPoolExecutor(max_workers=1)`) */
    uint32_t t_func;           /* the code object that starts it */
    uint32_t t_instr;          /* the starting call's instruction index */
    int32_t t_line;
    const char *t_target;      /* the target's path ("g:work", "p:0._loop", "f:7"), or for
                                * START_SERVER the handler class's path */
    sum_arg *t_args;           /* the arguments the target gets, in order (positionals) */
    uint32_t t_nargs;
    const char *t_pool;        /* t_serial: the pool's path ("p:0._pool"), so that tasks of one
                                * such pool submitted from several places stay one thread */
    const char *t_obj;         /* where the thread object is kept (`self._thread = t`), so that
                                * a `join()` of it orders what follows; NULL when not kept */
} sum_start;

/* A parameter that closures capture: cell NAME is parameter N. */
typedef struct sum_cellparam {
    const char *cp_name;
    uint32_t cp_param;
} sum_cellparam;

/* Function flags. */
#define FN_MODULE      0x01    /* the module's code */
#define FN_CLASS_BODY  0x02
#define FN_INIT        0x04    /* __init__ of a class */
#define FN_ASYNC       0x08    /* a coroutine or async generator */
#define FN_NESTED      0x10    /* made inside another function (a closure, lambda, comprehension) */
#define FN_COMPREHENSION 0x20  /* <listcomp>, <genexpr>... and <lambda>: run by their maker */
#define FN_STATIC      0x40    /* @staticmethod */
#define FN_CLASSMETHOD 0x80    /* @classmethod */
#define FN_SUPER       0x100   /* calls super(): may run a base class's version of a method */

/* One code object's summary. */
typedef struct sum_func {
    const char *u_name;        /* co_name */
    const char *u_qualname;    /* "Pool.put", "main.<locals>.worker" */
    uint32_t u_class;          /* index in s_classes of the class it is a method of, or SUM_NONE */
    uint32_t u_parent;         /* enclosing code object, SUM_NONE for the module */
    uint32_t u_flags;          /* FN_* */
    uint32_t u_nparams;        /* positional and keyword-only parameters */
    uint64_t u_none_dflt;      /* bit p: positional parameter p defaults to None wherever the
                                * file makes the function */
    const char **u_params;     /* their names */
    int32_t u_line;            /* first line */
    uint32_t u_escape;         /* __init__: instruction index where `self` escapes (is passed
                                * out or stored); start() of a class: where it hands `self` to
                                * its new thread (`super().start()`); SUM_NONE when it does not */
    /* arrays two by two, then their counts: no padding after each count (a run holds one
     * sum_func per code object: 171 000 for the site-packages pycs) */
    sum_cellparam *u_cellparam; /* cells that are parameters of this function (closures
                                * capture them) */
    sum_acq *u_acqs;
    uint32_t u_ncellparam;
    uint32_t u_nacqs;
    sum_access *u_acc;
    sum_window *u_win;
    uint32_t u_nacc;
    uint32_t u_nwin;
    sum_call *u_calls;
    const char **u_held_out;   /* locks acquired by hand and never released here (paths):
                                * `_acquireLock()` leaves them held in its caller */
    uint32_t u_ncalls;
    uint32_t u_nheld_out;
    const char **u_released;   /* locks released here and not acquired here (`_releaseLock()`) */
    uint32_t u_nreleased;
    uint32_t *u_excl;          /* closures of the same maker made on branches exclusive with the
                                * one this closure is made on (`if locked: def inc ... else: def
                                * inc ...`): one call of the maker makes only one of them */
    uint32_t u_nexcl;
} sum_func;

/* Binding kinds of a module-level name (ir_valkind). */
typedef struct sum_bind {
    const char *b_name;
    const char *b_what;        /* VAL_IMPORT: the dotted name (leading dots: relative);
                                * VAL_CALL: the callee as written */
    uint32_t b_code;           /* VAL_FUNC: code index; VAL_CLASS: class index in s_classes */
    uint8_t b_kind;            /* VAL_IMPORT, VAL_FUNC, VAL_CLASS, VAL_CALL, or VAL_UNKNOWN */
    uint8_t b_cont;            /* TY_CONT | TY_SEQ | TY_RAISE bits of the containers stores made
                                * it (`{}`, `deque()`), 0 when none did */
} sum_bind;

/* An attribute of a class's instances or of the class itself. */
typedef struct sum_attr {
    const char *at_name;
    const char *at_ctor;       /* the callee of the call it is bound to, as written ("Foo",
                                * "threading.Lock"), or NULL */
    const char *at_alias;      /* Condition(self._lock): the path of the lock it wraps */
    uint8_t at_class_level;    /* set in the class body (not on instances) */
    uint8_t at_instance;       /* set on instances (`self.x = ...` in a method) */
    uint8_t at_from_param;     /* set on instances from a parameter (`self.q = q`): it may be
                                * an object other instances share */
    uint8_t at_property;       /* a property in the class body (`@property`, `x = property(...)`) */
    uint32_t at_param;         /* set in __init__ from its parameter N (`self.board = board`):
                                * N, the constructor's callers say what it is; else 0 */
    uint8_t at_cont;           /* TY_CONT | TY_SEQ | TY_RAISE bits of the containers stores made
                                * it (`[]`, `deque()`), 0 when none did */
} sum_attr;

/* A class of the module. */
typedef struct sum_class {
    const char *k_qualname;
    uint32_t k_body;           /* code index of its body */
    int32_t k_line;            /* the `class` line */
    const char **k_bases;      /* the bases' paths ("g:Base", "g:threading.Thread") */
    uint32_t k_nbases;
    sum_attr *k_attrs;
    uint32_t k_nattrs;
    uint8_t k_thread_safe;     /* marked `# gilcheck: thread-safe` */
    uint8_t k_cont;            /* derives from a built-in container outside the run (dict...):
                                * TY_CONT | TY_SEQ | TY_RAISE bits, else 0 */
} sum_class;

/* A file's summary. */
struct eng_summary {
    const char *s_module;      /* dotted module name ("pkg.mod") */
    uint8_t s_package;         /* the module is a package's __init__ */
    const char *s_file;        /* the file name findings carry */
    int32_t s_minor;           /* the bytecode's Python 3.<minor> */
    eng_result s_cand;         /* candidate findings: one per window (the driver attaches their
                                * interleavings and sets their file) */
    sum_func *s_funcs;         /* one per code object, in the file's order */
    uint32_t s_nfuncs;
    sum_class *s_classes;
    uint32_t s_nclasses;
    sum_bind *s_binds;
    uint32_t s_nbinds;
    sum_start *s_starts;
    uint32_t s_nstarts;
};

/* eng_analyze.c: the absolute name of an import `what` written in module `module` (a package's
 * __init__ when `package`): "..x" from pkg.sub.mod is "pkg.x", an absolute name stays as it is.
 * Returns buf (filled), `what` or a suffix of it when no prefix is needed, or `what` when the
 * name does not fit in size bytes. */
const char *sum_absolute(char *buf, size_t size, const char *module, int package,
                         const char *what);

/* sum_build.c: is the dotted name Django's `path()`, `re_path()` or the older `url()` of a URL
 * conf (whose view argument runs in the request threads)? */
int sum_django_route(const char *dotted);

/* sum_build.c: the summary of an analysed module (module facts and detectors already run). */
struct eng_mod;
int sum_build(eng_summary **out, struct eng_mod *m, const char *module, int package, arena *a);

#endif
