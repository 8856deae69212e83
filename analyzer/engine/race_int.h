/* Internal to the engine: the whole-run composition of summaries (race_*.c) -- symbols and
 * classes of the run, locations, contexts, and the access instances whose pairs are races.
 *
 * A location is text, interned: "m:pkg.mod.count" (a module variable), "o:pkg.mod.Pool._items"
 * (an attribute of the instances of a class, all instances merged, as RacerD does for fields),
 * "k:pkg.mod.Pool._cache" (state of the class object), "c:pkg.mod:12:total" (a closure cell).  An
 * item of a container is its container's location with a key beside it ("*" for any key). */
#ifndef GILCHECK_ENGINE_RACE_INT_H
#define GILCHECK_ENGINE_RACE_INT_H

#include "eng_int.h"
#include "sum_int.h"

#define RC_NONE UINT32_MAX

/***** the summaries as the composition reads them (race_view.c) *****/

/* A string of the run's summaries: its index in rc_run.r_strs (rv_s), 0 for none.  Each text
 * is kept once for the whole run. */
typedef uint32_t rv_str;

/* A write (sum_access without what only a reported finding shows: its text, columns and
 * offset are read from the whole summary then). */
typedef struct rv_acc {
    rv_str a_path;
    rv_str a_method;
    rv_str a_const;
    uint32_t a_instr;
    int32_t a_line;
    uint8_t a_kind;
    uint8_t a_recv : 2;
    uint8_t a_falsy : 2;
    uint8_t a_loop : 1;        /* in a loop of its function */
    uint8_t a_ifparam;         /* sum_access a_ifparam */
    uint64_t a_locks;
} rv_acc;

/* A window (sum_window; its candidate finding is read from the whole summary). */
typedef struct rv_win {
    rv_str w_path;
    rv_str w_method;
    uint32_t w_first, w_last;
    uint32_t w_finding;        /* index of its candidate in the whole summary */
    uint8_t w_breaks;
    uint8_t w_recv;
    uint8_t w_value;           /* 1: sum_window w_value; 2 also: w_in_place; 4 also:
                                * w_cont_item */
    uint8_t w_ifparam;         /* sum_window w_ifparam */
    uint64_t w_locks;
    rv_str w_check;            /* sum_window w_check */
} rv_win;

typedef struct rv_acq {
    rv_str q_path;
    rv_str q_ctor;
    uint8_t q_named;
} rv_acq;

typedef struct rv_cell {       /* sum_cellparam */
    rv_str cp_name;
    uint32_t cp_param;
} rv_cell;

/* What few functions have besides accesses and calls (sum_func's other arrays), by index in
 * the summary's arrays. */
typedef struct rv_more {
    uint32_t m_escape;         /* u_escape */
    uint32_t m_win, m_nwin;    /* in s_win */
    uint32_t m_acqs, m_nacqs;  /* in s_acqs */
    uint32_t m_cells, m_ncells;        /* in s_cells */
    uint32_t m_held, m_nheld;  /* u_held_out: strings in s_ids */
    uint32_t m_released, m_nreleased;  /* strings in s_ids */
    uint32_t m_excl, m_nexcl;  /* code indexes in s_ids */
} rv_more;

/* A function (sum_func). */
typedef struct rv_func {
    rv_str u_name;
    rv_str u_qualname;
    uint32_t u_class;          /* SUM_NONE */
    uint32_t u_parent;         /* SUM_NONE */
    uint32_t u_params;         /* the parameters' names: strings in s_ids */
    uint32_t u_nparams;
    uint32_t u_acc;            /* first of its writes in s_acc */
    uint32_t u_nacc;
    uint32_t u_calls;          /* byte offset of its calls in s_calls (rv_calls_start) */
    uint32_t u_ncalls;
    uint32_t u_more;           /* index in s_more, SUM_NONE when it has nothing more */
    int32_t u_line;
    uint16_t u_flags;          /* FN_* */
    uint16_t u_none_dflt;      /* sum_func u_none_dflt, its first 16 parameters (in what would
                                * be padding) */
} rv_func;

typedef struct rv_attr {       /* sum_attr */
    rv_str at_name;
    rv_str at_ctor;
    rv_str at_alias;
    uint32_t at_param;
    uint8_t at_class_level;
    uint8_t at_instance;
    uint8_t at_property;
    uint8_t at_cont;
} rv_attr;

typedef struct rv_class {      /* sum_class */
    rv_str k_qualname;
    uint32_t k_bases, k_nbases;        /* strings in s_ids */
    uint32_t k_attrs, k_nattrs;        /* in s_attrs */
    uint8_t k_thread_safe;
    uint8_t k_cont;
} rv_class;

typedef struct rv_bind {       /* sum_bind */
    rv_str b_name;
    rv_str b_what;
    uint32_t b_code;
    uint8_t b_kind;
    uint8_t b_cont;
} rv_bind;

/* A summary as the composition keeps it. */
typedef struct rv_sum {
    const char *s_module;      /* interned, like every string */
    const char *s_file;
    int32_t s_minor;
    uint8_t s_package;
    rv_func *s_funcs;
    uint32_t s_nfuncs;
    uint32_t s_nclasses;
    rv_class *s_classes;
    rv_bind *s_binds;
    uint32_t s_nbinds;
    uint32_t s_nstarts;
    sum_start *s_starts;       /* as in the summary (few), strings interned */
    rv_acc *s_acc;
    rv_win *s_win;
    rv_acq *s_acqs;
    rv_cell *s_cells;
    rv_more *s_more;
    rv_attr *s_attrs;
    uint32_t *s_ids;           /* strings and code indexes the arrays above point into */
    const uint8_t *s_calls;    /* every function's calls, one after the other (race_view.c) */
} rv_sum;

/* The calls of one function, decoded one at a time (rv_calls_start, rv_calls_next). */
#define RV_ARGS IR_MAX_ARGS    /* all a summary's calls have, unless read from others' bytes */
typedef struct rv_calls {
    const uint8_t *it_p;
    uint32_t it_left;
    uint32_t it_instr;
    int32_t it_line;
    const char *const *it_strs;
    arena *it_a;               /* arguments beyond the room below */
    int *it_oom;               /* set when that memory runs out */
    int it_bare;               /* rv_calls_start_bare: arguments skipped */
    sum_arg it_args[RV_ARGS];
} rv_calls;

struct rc_run;
void rv_calls_start(rv_calls *it, struct rc_run *r, uint32_t mod, const rv_func *u);
/* The same for a walk that does not read the arguments: c_nargs is their count, c_args NULL. */
void rv_calls_start_bare(rv_calls *it, struct rc_run *r, uint32_t mod, const rv_func *u);
/* The next call into *out (its arguments valid until the following call); 1, or 0 at the end
 * or when memory for a long argument list ran out (r_oom set). */
int rv_calls_next(rv_calls *it, sum_call *out);

/***** symbols *****/

typedef enum rc_symkind {
    SYM_NONE = 0,
    SYM_MODULE,        /* y_mod */
    SYM_FUNC,          /* y_mod, y_id = code index */
    SYM_CLASS,         /* y_id = class id of the run */
    SYM_VAR,           /* a module variable: y_mod, y_name; y_id = class of its value or RC_NONE */
    SYM_EXTERNAL       /* something outside the run: y_name dotted ("threading.Lock") */
} rc_symkind;

typedef struct rc_sym {
    uint8_t y_kind;
    uint32_t y_mod;
    uint32_t y_id;
    const char *y_name;
} rc_sym;

/* A class of the run. */
typedef struct rc_class {
    uint32_t k_mod;            /* its summary */
    uint32_t k_idx;            /* its index in the summary's s_classes */
    const char *k_full;        /* "pkg.mod.Qual" */
    uint32_t *k_bases;         /* classes of the run it derives from */
    uint32_t k_nbases;
    const char **k_ext;        /* bases outside the run, dotted ("threading.Thread") */
    uint32_t k_next;
    uint32_t k_methods;        /* its own methods (not inherited) by name: a table of
                                * r_names from here (code + 1) ... */
    uint32_t k_mcap;           /* ... of this many slots (race_resolve.c) */
    uint8_t k_shared;          /* its instances are shared: an instance attribute is accessed
                                * under an instance lock, or it is configured or marked so */
    uint8_t k_class_shared;    /* a class-level lock guards class-level state */
    uint8_t k_declared;        /* shared by declaration (configuration, a mark), not inferred */
    const char *k_why;         /* why it is shared ("locks self._lock in put") */
    uint32_t k_argcls[8];      /* the class of the constructor's positional argument i at every
                                * construction site of the run (RC_NONE: unknown or not the
                                * same everywhere; RC_UNSET before the first site) */
    uint32_t k_argglob[8];     /* ... the module variable every site passes there (an interned
                                * location "m:pkg.mod.board"), or RC_NONE / RC_UNSET */
    uint8_t k_test;            /* a test case, or a base of one: the test runner calls it */
    uint32_t k_nsites;         /* construction sites found in the run */
    uint8_t k_once;            /* made once: one site, in module code, not in a loop */
    uint32_t k_site_cls;       /* the class whose plain methods (not __init__, not static or
                                * class methods) hold every construction site of the run:
                                * objects of this class are made by an object of that one,
                                * after it was constructed; RC_NONE otherwise, RC_UNSET before
                                * the first site */
} rc_class;

#define RC_UNSET (UINT32_MAX - 1)

/***** values and locations *****/

/* What a path stands for while composing: a location, an object owned by the code (made there
 * and not escaped), or nothing known. */
typedef enum rc_valkind {
    VK_NONE = 0,       /* unknown: accesses through it are not reported */
    VK_OWNED,          /* an object not shared (yet): accesses through it are not races */
    VK_LOC             /* a location */
} rc_valkind;

typedef struct rc_val {
    uint8_t v_kind;            /* rc_valkind */
    uint8_t v_recv;            /* the value is the context's receiver itself */
    uint8_t v_recv_attr;       /* the value is reached from the receiver (attributes, items):
                                * the object's own state */
    uint8_t v_prop;            /* the last attribute is a property of its class: reading or
                                * writing it runs a method, it is no field */
    uint8_t v_global;          /* the value is a module variable itself ("m:pkg.mod.pool") */
    char v_loc;                /* 'm', 'o', 'k', 'c' */
    uint32_t v_root;           /* 'o' / 'k': the class the location's text starts from (all its
                                * instances merged, and those of related classes); RC_NONE */
    uint32_t v_cls;            /* the class of the object the value is, when known (to call its
                                * methods); RC_NONE */
    uint32_t v_text;           /* interned text of the location, without an item key: the
                                * access path from the root ("o:pkg.Event._cond._waiters") */
    const char *v_key;         /* item key ("*" or a repr), NULL when not an item */
    const char *v_attr;        /* the last attribute name when it is one of v_attr_cls */
    uint32_t v_attr_cls;       /* ... (RC_NONE: none) */
    uint8_t v_cont;            /* TY_* bits: the value is a built-in container (a module variable or an
                                * attribute some store made a dict, list, deque...) */
} rc_val;

/***** contexts *****/

typedef enum rc_ctxkind {
    CTX_THREAD = 1,    /* a thread, timer or executor task started in the run */
    CTX_SUBCLASS,      /* run() of a Thread subclass */
    CTX_HANDLER,       /* a request handler of a threading server: one thread per request */
    CTX_MAIN,          /* the main thread: code a script's `if __name__ == "__main__":` runs */
    CTX_ANY,           /* any caller of a public method of a shared class */
    CTX_MODULE,        /* any caller of a public function of a module that locks its globals */
    CTX_CONFIG,        /* thread-entry-points of the configuration */
    CTX_ALL            /* --scope all: any thread calling the function */
} rc_ctxkind;

typedef struct rc_ctx {
    uint8_t x_kind;            /* rc_ctxkind */
    uint8_t x_many;            /* runs in more than one thread at once (state not per instance) */
    uint8_t x_self_many;       /* ... for the receiver's own attributes */
    uint8_t x_class_only;      /* only class and module state counts (a class-level lock's
                                * evidence says nothing about instances) */
    uint8_t x_weak;            /* inferred, not started (any caller of a class or module that
                                * locks some of its state, the owner of an object with a thread
                                * of its own): two such contexts never race with each other --
                                * RacerD's rule, pairing them where one side holds a lock, gave
                                * 8 plausible of 30 on real code (docs/precision.md) */
    uint32_t x_start_mod;      /* CTX_THREAD: the function that starts it (summary, code) ... */
    uint32_t x_start_code;
    uint32_t x_start_instr;    /* ... the starting call's instruction ... */
    uint8_t x_start_loop;      /* ... in a loop: no access of that function happens before */
    uint32_t x_home;           /* the summary (module) where it starts: the start site's, or
                                * the entry's; for CTX_MAIN the script's */
    uint8_t *x_modules;        /* CTX_MAIN: a bit per summary, set when the script's calls reach it
                                * (the modules of its program), else NULL */
    const char *x_what;        /* a description: "thread started at w.py:40" */
    uint32_t x_owner_mod;      /* the class whose code starts the thread (CTX_THREAD: the
                                * starting method's; CTX_SUBCLASS: run()'s) or whose public
                                * method is the entry (CTX_ANY): summary and class index, or
                                * RC_NONE (rc_report) */
    uint32_t x_owner_cls;
    uint32_t x_subclass;       /* CTX_SUBCLASS: the class (r_classes) whose objects run it */
    uint32_t x_runs_on;        /* the class of the object whose method it runs (CTX_SUBCLASS:
                                * x_subclass; CTX_THREAD: its target's, a method of that
                                * object), or RC_NONE (race_compose.c contexts_owner) */
    uint8_t x_by_owner;        /* CTX_ANY: the owner of an object that runs a thread of its own
                                * (race_compose.c contexts_owner), not a caller of a shared
                                * class */
    uint32_t x_entry_mod;      /* CTX_THREAD: the target's function (summary, code) ... */
    uint32_t x_entry_code;
    uint64_t x_distinct;       /* ... and its parameters (bit N: p:N) that each start gives
                                * another value (`for i in range(n): Thread(args=(i,))`) */
    uint32_t x_pool;           /* CTX_THREAD of a pool of one worker: the interned location of
                                * the pool (its tasks run one after another), else RC_NONE */
    uint32_t x_obj;            /* CTX_THREAD: the interned location its thread object is kept at
                                * (`o:m.C._thread`), whose join() orders what follows; RC_NONE */
    uint32_t x_obj_cls;        /* ... the class of that location's object (`C`), or RC_NONE */
} rc_ctx;

/***** access instances *****/

/* A frame of a context's traversal: one function reached by a chain of calls. */
typedef struct rc_frame {
    uint32_t fr_mod, fr_code;  /* the function */
    uint32_t fr_parent;        /* calling frame, RC_NONE for the context's root */
    int32_t fr_line;           /* the line of the call in the parent */
    uint32_t fr_call_instr;    /* the instruction of that call in the parent */
    rc_val *fr_params;         /* what each parameter is */
    uint32_t fr_nparams;
    uint32_t fr_locks;         /* lock set held by the callers (interned) */
    uint32_t fr_ctx;
    uint8_t fr_starter;        /* the function that starts the context's thread, as a frame
                                * for its closures' cells (not a call of the chain) */
    uint32_t fr_joined;        /* the thread contexts this frame has joined (`self._thread.join()`;
                                * what runs after it happens after those threads): the last of
                                * a list in r_joins, or RC_NONE */
    uint8_t fr_loop;           /* called in a loop of its parent */
    uint64_t fr_unpassed;      /* bit p: the call that made this frame passes nothing for
                                * parameter p, which keeps its default (0 when not known) */
    uint8_t fr_construct;      /* runs for the construction of its `self` (parameter 0): a
                                * method __init__ calls on self before self escapes, or an
                                * explicit `self.__init__()` -- its own state is not shared yet */
} rc_frame;

/* A write or a window of a function as it runs in one context. */
typedef struct rc_inst {
    uint32_t i_loc;            /* interned location text (without the key) */
    const char *i_key;         /* item key, NULL for the location itself */
    uint32_t i_cls;            /* 'o' / 'k' locations: the root class (for relatedness) */
    uint8_t i_window;          /* 1: a window, 0: a write */
    uint8_t i_kind;            /* window: sum_breaks; write: sum_acckind */
    uint8_t i_recv;            /* per-instance state of the context's receiver */
    uint8_t i_value;           /* the window is a read-modify-write of the value itself (1),
                                * by an in-place operator on a built-in container (3); the
                                * write is such an operator's store of the same object (4) */
    uint8_t i_cell_own;        /* a closure cell, in a context its owner function started: the
                                * cell is shared by that invocation and its threads */
    uint8_t i_prop;            /* the location is a property: its windows and writes pair only
                                * with each other (the read-modify-write `o.n += 1` runs the getter
                                * and the setter -- Python code -- apart) */
    uint32_t i_instr;          /* the access's (the window's first) instruction */
    uint32_t i_ctx;
    uint32_t i_frame;
    uint32_t i_locks;          /* interned lock set */
    uint32_t i_mod;            /* summary */
    uint32_t i_code;           /* code object */
    uint32_t i_idx;            /* window: index in u_win; write: index in u_acc */
    uint32_t i_joined;         /* runs after the joins of these thread contexts (a list in
                                * r_joins, as fr_joined), or RC_NONE */
} rc_inst;

/* The run. */
typedef struct rc_run {
    arena *r_a;
    diag_ctx *r_d;
    const eng_options *r_opt;
    rv_sum *const *r_sums;     /* the summaries (race_view.c) */
    uint32_t r_nsums;
    const char *const *r_strs; /* their strings by rv_str (rv_s) */
    eng_full_fn r_full;        /* the whole summary of one, for what a finding shows */
    void *r_full_ctx;
    const eng_summary **r_fulls;       /* per summary: asked for already, or NULL */
    int r_full_rc;             /* r_full failed: this code */
    strset r_modules;          /* module name -> summary */
    uint32_t *r_names;         /* the name tables: per summary from r_bind_base[m],
                                * r_bind_cap[m] slots of its bindings (index in s_binds + 1),
                                * then the classes' methods (rc_class.k_methods) */
    uint32_t *r_bind_base;
    uint32_t *r_bind_cap;
    uint32_t **r_class_id;     /* per summary: class index -> class id */
    rc_class *r_classes;
    uint32_t r_nclasses;
    /* interned strings (locations, lock sets) */
    uint32_t *r_islots;        /* open addressing over r_texts: id + 1, 0 free (mem_alloc'd) */
    uint32_t r_nislots;        /* a power of two */
    const char **r_texts;      /* by id (mem_realloc'd) */
    uint32_t r_ntexts, r_captexts;
    char *r_tnext, *r_tend;    /* room left in the current block of texts (packed, in r_a) */
    /* lock sets: each a sorted list of interned lock locations */
    uint32_t **r_lsets;
    uint32_t *r_lset_n;
    uint32_t r_nlsets, r_caplsets;
    strset r_lset_index;
    /* contexts, frames, instances */
    rc_ctx *r_ctxs;
    uint32_t r_nctxs, r_capctxs;
    struct rc_join { uint32_t j_ctx, j_next; } *r_joins;   /* lists of joined contexts */
    uint32_t r_njoins, r_capjoins;
    rc_frame *r_frames;
    uint32_t r_nframes, r_capframes;
    rc_inst *r_insts;
    uint32_t r_ninsts, r_capinsts;
    uint32_t *r_family;        /* per class: the class standing for its family (classes
                                * joined by inheritance in the run) */
    uint32_t *r_ncalls_to;     /* per function (r_fbase): call sites found by name */
    uint32_t *r_nforeign_to;   /* ... of them, in functions outside the callee's class family */
    uint32_t *r_nunlocked_to;  /* ... of them, holding no lock */
    uint32_t *r_nloop_to;      /* ... of them, in a loop of their function */
    int r_counted;             /* count_calls has run */
    uint32_t *r_fbase;         /* per summary: the id of its first function */
    uint32_t r_nfuncs;
    uint8_t *r_isolated;       /* per function id: runs alone (a process's target, an after-
                                * fork hook): never a context */
    strset r_drivers;          /* "a:t": "any caller" context a's entry calls what thread
                                * context t runs in its main loop -- a second way to drive
                                * the object, not a thread beside t (thread_owners) */
    strset r_param_cls;        /* "fid:pos": the class every call site of module function fid
                                * passes as its positional parameter pos (`run(MainWindow)`) ... */
    uint8_t *r_param_other;    /* ... unless bit pos of this (per function id) is set: some
                                * site passes something else there, or nothing */
    strset r_before_start;     /* "o:t": 1 when owner context o's method is called, wherever
                                * the run calls it, before the call that starts thread context
                                * t on the same object; 3 when some call is not (race_order.c) */
    strset r_start_calls;      /* "frame:t": the first call of the frame's function that starts
                                * thread context t (its instruction), or -1 */
    strset r_thread_code;      /* "mod:code:ctx": a function a thread of its own class's
                                * object runs (rc_report) */
    rc_val *r_params;          /* count_calls: the parameters of its one passing frame, reused
                                * (mem_realloc'd) instead of an arena array per function */
    uint32_t r_capparams;
    int r_reuse_params;        /* new_frame takes them from r_params */
    int r_oom;
    int r_capped;              /* a traversal hit its budget: reported once */
    int r_bad_names;           /* a configured name matched nothing */
} rc_run;

/* The text of string id (NULL for 0). */
static inline const char *rv_s(const rc_run *r, rv_str id)
{
    return r->r_strs[id];
}

static inline const rv_func *rv_func_at(const rc_run *r, uint32_t mod, uint32_t code)
{
    return &r->r_sums[mod]->s_funcs[code];
}

static inline const rv_acc *rv_accs(const rc_run *r, uint32_t mod, const rv_func *u)
{
    return r->r_sums[mod]->s_acc + u->u_acc;
}

/* The parameter names of u (strings), u_nparams of them. */
static inline const uint32_t *rv_params(const rc_run *r, uint32_t mod, const rv_func *u)
{
    return r->r_sums[mod]->s_ids + u->u_params;
}

static inline const rv_more *rv_more_of(const rc_run *r, uint32_t mod, const rv_func *u)
{
    return u->u_more == SUM_NONE ? NULL : &r->r_sums[mod]->s_more[u->u_more];
}

static inline uint32_t rv_escape(const rc_run *r, uint32_t mod, const rv_func *u)
{
    const rv_more *m = rv_more_of(r, mod, u);
    return m ? m->m_escape : SUM_NONE;
}

/* u's windows into *out, their count returned. */
static inline uint32_t rv_wins(const rc_run *r, uint32_t mod, const rv_func *u,
                               const rv_win **out)
{
    const rv_more *m = rv_more_of(r, mod, u);
    *out = m ? r->r_sums[mod]->s_win + m->m_win : NULL;
    return m ? m->m_nwin : 0;
}

static inline uint32_t rv_acqs(const rc_run *r, uint32_t mod, const rv_func *u,
                               const rv_acq **out)
{
    const rv_more *m = rv_more_of(r, mod, u);
    *out = m ? r->r_sums[mod]->s_acqs + m->m_acqs : NULL;
    return m ? m->m_nacqs : 0;
}

static inline const rv_attr *rv_attrs(const rc_run *r, uint32_t mod, const rv_class *k)
{
    return r->r_sums[mod]->s_attrs + k->k_attrs;
}

/* The whole summary of summary mod (race_view.c: asked of r_full once); NULL when that failed
 * (r_full_rc says why). */
const eng_summary *rc_full(rc_run *r, uint32_t mod);

/* eng_analyze.c: the composition of views; strs are their strings by id. */
int eng_compose_view(eng_result *res, rv_sum *const *sums, uint32_t n, const char *const *strs,
                     const eng_options *opt, eng_full_fn full, void *ctx, arena *a, diag_ctx *d);

/* race_resolve.c */
int rc_load(rc_run *r);
uint32_t rc_arg_class(rc_run *r, uint32_t mod, const sum_arg *g);
rc_sym rc_resolve_name(rc_run *r, uint32_t mod, const char *name, int depth);
rc_sym rc_resolve_dotted(rc_run *r, const char *dotted, int depth);
rc_sym rc_resolve_dotted_in(rc_run *r, uint32_t mod, const char *dotted, int depth);
rc_sym rc_member(rc_run *r, rc_sym s, const char *name, int depth);
uint32_t rc_method(const rc_run *r, uint32_t cls, const char *name, uint32_t *out_mod);
/* The class object parameter `name` of frame fr's function is (`create_window(MainWindow)`):
 * the one the frame's caller passed, else the one every call site of the run passes; or
 * RC_NONE. */
uint32_t rc_param_class(rc_run *r, const rc_frame *fr, const char *name);
/* The index in s_binds of module mod's binding `name` (the first when bound twice) into *out:
 * 1, or 0 when the module does not bind it. */
int rc_bind(const rc_run *r, uint32_t mod, const char *name, int32_t *out);
const rv_attr *rc_attr(const rc_run *r, uint32_t cls, const char *name);
int rc_derives(const rc_run *r, uint32_t cls, const char *external, int depth);
int rc_related(const rc_run *r, uint32_t a, uint32_t b);

/* Does class cls derive from class base (or is it base)? */
int rc_is_base(const rc_run *r, uint32_t base, uint32_t cls);
uint32_t rc_canonical(rc_run *r, uint32_t text, uint32_t root);
uint32_t rc_intern(rc_run *r, const char *s);
const char *rc_text(const rc_run *r, uint32_t id);
uint32_t rc_func_id(const rc_run *r, uint32_t mod, uint32_t code);
int rc_lock_kind_of_ctor(const char *ctor);
rc_sym rc_ctor_class(rc_run *r, uint32_t mod, const char *ctor);

/* race_value.c: paths of a summary as values in a frame */
rc_val rc_path_value(rc_run *r, const rc_frame *fr, const char *path, const char **rest);
rc_val rc_apply(rc_run *r, rc_val v, const char *segments);

/* Is v a built-in container: a variable or attribute some store made one, or an instance of a
 * class deriving from one?  Its TY_CONT | TY_SEQ | TY_RAISE bits, 0 when not (or not known). */
int rc_is_container(const rc_run *r, rc_val v);
rc_val rc_val_class(rc_run *r, uint32_t cls, int recv);
/* The one location the argument of a parameter named shared (eng_options.o_shared_params) is:
 * "m:pkg.mod.insert(cache)". */
rc_val rc_val_shared_arg(rc_run *r, const char *module, const char *qualname, const char *param);
/* The lock acquired at path (a string), made by ctor (a string) and named like a lock. */
int rc_lock_of(rc_run *r, const rc_frame *fr, const char *path, const char *ctor, int named,
               uint32_t *out_lock);

/* race_compose.c */
/* The function a call of frame fr calls, when the run has it. */
typedef struct rc_callee {
    uint32_t ce_mod, ce_code;  /* the function called */
    rc_val ce_self;            /* what its first parameter is, when the call binds it */
    int ce_bound;              /* 1: ce_self fills parameter 0 */
} rc_callee;
int rc_resolve_call(rc_run *r, const rc_frame *fr, const sum_call *c, rc_callee *out);
/* A frame for function (mod, code) as nobody in particular calls it: `self` an instance of its
 * class, the other parameters unknown.  RC_NONE when memory ran out. */
uint32_t rc_static_frame(rc_run *r, uint32_t mod, uint32_t code);
uint32_t rc_lockset(rc_run *r, const uint32_t *locks, uint32_t n);
int rc_lockset_disjoint(const rc_run *r, uint32_t a, uint32_t b);
/* Is thread context ctx in the list of joined contexts `joined` (fr_joined, i_joined)? */
int rc_joined(const rc_run *r, uint32_t joined, uint32_t ctx);
int rc_contexts(rc_run *r);

/* race_order.c: r_before_start for the owner contexts from first on */
int rc_owner_order(rc_run *r, uint32_t first);
/* Does function (mod, code) start thread context t: the function that starts it, or a method
 * that calls that function on its own `self`? */
int rc_starts(rc_run *r, uint32_t mod, uint32_t code, const rc_ctx *t);
/* Does frame fi's function, after its instruction instr, call (not in a loop) what starts thread
 * context t (`w.setup(); w.start()`)? */
int rc_starts_after(rc_run *r, uint32_t fi, uint32_t instr, uint32_t t);

/* race_report.c */
int rc_report(rc_run *r, eng_result *res);

#endif
