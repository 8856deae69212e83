/* The engine stage: module facts (classes, thread entry points, reachability, locks) and the
 * detectors that turn access events into findings.  Never looks at the Python version. */
#ifndef GILCHECK_ENGINE_H
#define GILCHECK_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "../common/strbuf.h"
#include "../ir/ir.h"

/* One rule, as loaded from rules/GILnnn.yaml. */
typedef struct eng_rule {
    const char *r_id;          /* "GIL101" */
    const char *r_name;        /* "rmw-global" */
    const char *r_summary;     /* one line */
    const char *r_severity;    /* "error" | "warning" | "note" */
    const char *r_explanation; /* markdown */
    const char *r_fix;         /* markdown */
    const char **r_unsafe;     /* example modules that must raise the rule */
    uint32_t r_nunsafe;
    const char **r_safe;       /* example modules that must not */
    uint32_t r_nsafe;
    const char **r_ref_titles; /* references */
    const char **r_ref_urls;
    uint32_t r_nrefs;
    const char *r_detector;    /* detector kind the rule configures */
    const char **r_options;    /* settings that change what the rule reports ("lock-names") */
    uint32_t r_noptions;
    int r_opt_in;              /* reported only when a select / extend-select names it */
} eng_rule;

/* One row of the atomicity table (rules/atomicity.yaml: faq, free_threading). */
typedef struct eng_table_row {
    const char *tr_code;       /* the operation as the documentation spells it */
    const char *tr_source;     /* "faq" or "threadsafety" */
    const char *tr_type;       /* the page's section ("list", "dict", "set", "bytearray"); NULL
                                * for the FAQ */
    const char *tr_category;   /* the documentation's: "atomic", "safe", "not-atomic",
                                * "not-thread-safe" (the FAQ: the first or the third) */
    const char *tr_says;       /* the documentation's own words */
    const char *tr_rule;       /* the rule its not-atomic examples raise, or NULL */
    const char *tr_free_threaded; /* the free-threaded fact of the one operation (the page's
                                * category; for a FAQ row the knowledge base's), or NULL */
} eng_table_row;

/* Rules and the atomicity knowledge base (rules/atomicity.yaml). */
typedef struct eng_kb {
    eng_rule *k_rules;
    uint32_t k_nrules;
    const char **k_mutators;   /* methods that modify the object they are called on (sorted) */
    size_t k_nmutators;
    const char **k_deleters;   /* mutators that remove entries (pop, popitem, ...; sorted) */
    size_t k_ndeleters;
    const char **k_containers; /* constructors of built-in containers ("dict",
                                * "collections.deque"; sorted) */
    size_t k_ncontainers;
    const char **k_sequences;  /* ... those whose iteration skips or repeats items when another
                                * thread changes them, rather than raising (list; sorted) */
    size_t k_nsequences;
    const char **k_either_way; /* "name/N": the method works whether the entry is there or not
                                * when called with at least N arguments (setdefault, discard,
                                * pop(k, None)) */
    size_t k_neither_way;
    ir_kb k_ir;                /* readers, for the interpretation */
    const eng_table_row *k_rows; /* the atomicity table's rows, FAQ first (rule_table.c) */
    uint32_t k_nrows;
} eng_kb;

/* Loads rules/GILnnn.yaml and rules/atomicity.yaml from dir into kb (allocations in a).
 * Returns G_OK, or G_EIO / G_EBAD with a message naming the file (and line) in d. */
int rule_load_dir(eng_kb *kb, const char *dir, arena *a, diag_ctx *d);

/* The rule with this id, or NULL. */
const eng_rule *rule_find(const eng_kb *kb, const char *id);

/* Where gilcheck's rules live: $GILCHECK_RULES when set; else <prefix>/share/gilcheck/rules for
 * the executable at <prefix>/bin/gilcheck; else, for an executable inside its build tree, the
 * source tree's rules/ (common/datadir.h).  Returns a static path, or NULL when there is none
 * (rule_load_dir(NULL) then names every path tried). */
const char *rule_default_dir(const char *argv0);

struct eng_interleaving;

/* Python code that runs inside a finding's window (the analysed code shows it): a switch point
 * on every GIL version. */
typedef struct eng_pycode {
    uint32_t pc_offset;        /* the instruction that runs it */
    const char *pc_why;        /* "o.n is a property of class Prop: its setter runs Python code" */
} eng_pycode;

/* A place a finding refers to beside its own: the other side of the race (the write that can
 * land inside the window, or the window a write breaks), or a step of the call chain. */
typedef struct eng_related {
    const char *rl_file;       /* the file (as the run names it) */
    int32_t rl_line;           /* 1-based; -1 unknown */
    int32_t rl_col;            /* 1-based; -1 unknown */
    const char *rl_function;   /* qualified name of the function there */
    const char *rl_what;       /* what happens there ("writes 'count' (store)", "calls
                                * Pool._grow") */
    const char *rl_context;    /* where it runs ("thread started at w.py:40"), or NULL */
} eng_related;

typedef struct finding {
    const char *f_rule;        /* "GIL101" */
    const char *f_file;        /* the source file named in the code object */
    const char *f_message;
    const char *f_target;      /* the shared state, as written ("D[k]", "self.hits") */
    const char *f_function;    /* qualified name of the function */
    int32_t f_line;            /* 1-based; -1 unknown */
    int32_t f_col;             /* 1-based; -1 when the bytecode has no columns (before 3.11) */
    int32_t f_end_line;
    int32_t f_end_col;         /* 1-based, exclusive; -1 unknown */
    int32_t f_rel_line;        /* the read or the check */
    int32_t f_rel_col;
    const char *f_rel_what;    /* "read" or "check" */
    uint32_t f_code;           /* code object index in the file */
    uint32_t f_first;          /* window: byte offset of the read / check ... */
    uint32_t f_last;           /* ... and of the write */
    uint32_t *f_switch;        /* offsets of the instructions in the window after which (on an
                                * edge of the window: eng_window_edges) or inside which (Python
                                * code runs) a GIL build may switch threads; ascending */
    uint32_t f_nswitch;
    int f_python_minor;        /* the bytecode's version (for messages only) */
    const eng_pycode *f_pycode; /* Python code inside the window (its offsets are in f_switch) */
    uint32_t f_npycode;
    const char **f_caveats;    /* what would open the window where types are not known ("the
                                * type of the key k is not known here: ...") */
    uint32_t f_ncaveats;
    const char *f_target_type; /* the type the module shows for the target ("list", "int",
                                * "collections.Counter", a class name), or NULL when unknown */
    const struct eng_interleaving *f_ilv; /* the engine's two-thread schedule that breaks the
                                * window (eng_interleave), filled in by the driver so that every
                                * front end (SARIF, LSP, HTML) has it without the bytecode; NULL
                                * when the finding has no window (GIL000, GIL301) */
    const char *f_context;     /* the context this side runs in ("thread started at
                                * w.py:40 (several, in a loop)"); NULL before composition */
    const eng_related *f_related; /* the other side of the race: the writes that break the
                                * window, or (GIL301) the window this write breaks */
    uint32_t f_nrelated;
    const eng_related *f_chain; /* the calls from the context's entry point down to
                                * f_function, entry first (empty when it is the entry) */
    uint32_t f_nchain;
    uint32_t f_unit;           /* eng_compose: the index of the summary it belongs to */
    const char *const *f_copies; /* the same finding in byte-identical copies of its file (one
                                * file vendored into several packages of the run), folded into
                                * this one by the driver (drv_fold_copies); NULL otherwise */
    uint32_t f_ncopies;
} finding;

typedef struct eng_options {
    int o_scope_all;           /* report in every function, not only concurrent ones */
    char **o_lock_names;       /* more names of locks ("guard", "self.guard"), beside the
                                * constructors and lock-like names the engine knows */
    size_t o_nlock_names;
    char **o_entry_points;     /* more functions that run in threads: module-qualified names
                                * ("pkg.mod.Worker.loop"), qualified names or fnmatch
                                * patterns ("handle_*") */
    size_t o_nentry_points;
    char **o_shared_params;    /* parameters whose argument is shared state: "cache" (of any
                                * function) or "worker.cache" (qualified): `explain --shared`;
                                * with --scope all they are bound to one shared location (a
                                * thread start with args=(...) binds them by itself) */
    size_t o_nshared_params;
    char **o_safe_classes;     /* classes meant to be shared between threads (their public
                                * methods run in any caller's thread): module-qualified or
                                * qualified names, fnmatch patterns */
    size_t o_nsafe_classes;
    int o_check_names;         /* the run is a whole project: a configured name (entry point,
                                * thread-safe class) that matches nothing is an error */
} eng_options;

typedef struct eng_result {
    finding *r_findings;
    uint32_t r_count;
    uint32_t r_cap;
} eng_result;

/***** summaries and the whole-run composition *****/

/* What one file's functions do, for the composition over every file of a run (sum_int.h). */
typedef struct eng_summary eng_summary;

/* Summarizes one decoded file as module `module` ("pkg.mod"; package: it is pkg/__init__):
 * its windows -- the candidate findings, each without its interleaving -- and the writes,
 * calls, locks and thread starts the composition needs.  Allocations in a.  Returns G_OK or a
 * negative code with a message naming `name`. */
int eng_summarize(eng_summary **out, const pyc_file *pf, const bc_file *bf, const eng_kb *kb,
                  const eng_options *opt, const char *module, int package, arena *a,
                  diag_ctx *d, const char *name);

/* The candidate findings of a summary (the driver attaches interleavings and the file name
 * the run uses), and that name. */
eng_result *eng_summary_candidates(eng_summary *s);

/* Gives a summary read back from bytes its candidate findings (read apart).  Returns G_OK, or
 * G_EBAD when a window refers to a candidate that is not there. */
int eng_summary_set_candidates(eng_summary *s, const eng_result *cand);
void eng_summary_set_file(eng_summary *s, const char *file);
const char *eng_summary_module(const eng_summary *s);

/* The modules a summary's module-level imports name, as absolute dotted names (relative ones
 * made absolute against the module's package): "pkg.jobs", "threading", "pkg.state.counter"
 * for `from pkg.state import counter`.  The language server uses them to find a file's
 * neighbours.  *out and the names are allocated in a.  Returns G_OK or G_ENOMEM. */
int eng_summary_imports(const char ***out, uint32_t *out_n, const eng_summary *s, arena *a);

/* Marks the class whose `class` statement is on `line` as meant to be shared between threads
 * (a `# gilcheck: thread-safe` comment). */
void eng_summary_mark_safe(eng_summary *s, int32_t line);

/* A summary as bytes (appended to out) and back (allocations in a; its candidates are read
 * apart, with eng_summary_candidates filled by the caller).  eng_summary_read returns G_OK,
 * G_ETRUNC or G_EBAD for damaged bytes, or G_ENOMEM. */
int eng_summary_write(strbuf *out, const eng_summary *s);
int eng_summary_read(eng_summary **out, const uint8_t *p, size_t n, arena *a);

/* The races of a run: composes the summaries sums[0..n) (every file of the run), finds the
 * windows another thread's write can break and the unlocked writes that break a locked window,
 * and appends one finding per race to *res, each with its context, the other side and the call
 * chain, and f_unit naming its summary; ordered by summary, then position.  Allocations in a.
 * A cap that dropped calls is reported as a warning in d.  Returns G_OK; G_EBAD (an error in d)
 * when o_check_names is set and a configured plain name matches nothing -- the findings are
 * complete all the same; or G_ENOMEM. */
int eng_compose(eng_result *res, eng_summary *const *sums, uint32_t n, const eng_options *opt,
                arena *a, diag_ctx *d);

/* A composition fed one summary at a time (race_view.c), for runs too large to hold every
 * summary: of each it keeps what the composition reads, compactly -- every string once for the
 * run, calls as bytes, no candidate findings and no text only a finding shows -- so the
 * summaries themselves need not stay.  The few summaries whose findings are reported are asked
 * for again, whole, through an eng_full_fn. */
typedef struct eng_run eng_run;

/* The summary of the index-th summary added (0 for the first), with its candidates, into *out:
 * read again from wherever the caller keeps it (allocations in a, which lives as long as the
 * findings).  Returns G_OK or a negative code (then no finding of that summary is reported and
 * eng_run_compose returns the code). */
typedef int (*eng_full_fn)(const eng_summary **out, void *ctx, uint32_t index, arena *a);

/* An empty run whose view and composition are allocated in a.  G_OK or G_ENOMEM. */
int eng_run_new(eng_run **out, arena *a);

/* Adds summary s (through its bytes: s may go away) as the next index.  G_OK or G_ENOMEM (the
 * run is then unusable: eng_run_free it). */
int eng_run_add(eng_run *run, const eng_summary *s);
uint32_t eng_run_count(const eng_run *run);

/* eng_run_add of the summary whose bytes (eng_summary_write's) are p[0..n), read straight into
 * the run's form without decoding the summary whole.  Returns eng_summary_read's codes: a
 * damaged summary adds nothing and leaves the run usable; G_ENOMEM leaves it unusable. */
int eng_run_add_bytes(eng_run *run, const uint8_t *p, size_t n);

/* eng_compose of the run's summaries, asking `full(ctx, i)` for the summaries whose findings it
 * reports; f_unit is the index of each finding's summary.  The run is used up (freed, whatever
 * the outcome); the findings live in the run's arena.  Returns eng_compose's codes, or full's. */
int eng_run_compose(eng_result *res, eng_run *run, const eng_options *opt, eng_full_fn full,
                    void *ctx, diag_ctx *d);

/* Frees a run that will not be composed.  NULL is allowed. */
void eng_run_free(eng_run *run);

/* eng_summarize and eng_compose of one file alone (explain, tests). */
int eng_analyze(eng_result *res, const pyc_file *pf, const bc_file *bf, const eng_kb *kb,
                const eng_options *opt, arena *a, diag_ctx *d, const char *name);

/***** windows as edges (eng_window.c) *****/

/* One control-flow edge inside a window. */
typedef struct eng_wedge {
    uint32_t we_from;          /* byte offset of the instruction the edge leaves */
    uint32_t we_to;            /* byte offset of the instruction it leads to */
    uint8_t we_edge;           /* bc_edge: next, jump or raise */
    uint8_t we_switch;         /* a GIL build of the bytecode's version can switch on it
                                * (bc_switch_on_edge) */
} eng_wedge;

/* The edges of the window from the instruction at byte offset `first` (the read or check) to
 * the one at `last` (the write): every edge on a path between them that does not pass the write
 * (edges out of the write come too late to matter).  *out is allocated in a, in offset order of
 * the instruction left.  Returns G_OK, G_EBAD when the offsets are not instructions of bc in
 * that order, or G_ENOMEM. */
int eng_window_edges(eng_wedge **out, uint32_t *n, const bc_code *bc, uint32_t first,
                     uint32_t last, arena *a);

/* Sets f->f_switch / f_nswitch (allocated in a, ascending) to the offsets of the instructions
 * with an edge in f's window on which a GIL build can switch.  Returns G_OK or G_ENOMEM. */
int eng_window_fill(finding *f, const bc_code *bc, arena *a);

/***** interleavings (eng_interleave.c) *****/

/* One step of a two-thread schedule. */
typedef struct eng_step {
    char st_thread;            /* 'A' or 'B' */
    int32_t st_instr;          /* index into the code object's bc_instrs; -1 for a step that is
                                * another thread's write elsewhere (read-then-write, a delete) */
    uint32_t st_offset;        /* byte offset of the instruction (0 when st_instr is -1) */
    const char *st_opname;     /* its opname; for st_instr -1 a description ("another write") */
    const char *st_sees;       /* what the thread sees or does here ("reads D[x] = 0", "writes
                                * D[x] = 1"), or NULL for a step that touches no shared state */
    uint8_t st_switch;         /* the interpreter switches to the other thread after this step */
    int32_t st_line;           /* 1-based source line of the instruction; -1 unknown (and for
                                * st_instr -1) */
    int32_t st_col;            /* 1-based column (3.11+); -1 unknown */
    const char *st_arg;        /* the instruction's argument in words ("count", "1"), or NULL */
} eng_step;

/* A schedule of two threads running the finding's code that breaks it. */
typedef struct eng_interleaving {
    eng_step *il_steps;        /* in time order (arena) */
    uint32_t il_nsteps;
    const char *il_kind;       /* "lost-update" (GIL101-104), "in-place" (an in-place operator
                                * on a list, set or dict: nothing lost, a rebinding undone),
                                * "concurrent-resume" (next() on a shared iterator),
                                * "stale-read" (GIL105), "check-then-act" (GIL201),
                                * "double-init" (GIL202) */
    const char *il_final;      /* the wrong state the schedule ends in */
    const char *il_expected;   /* what running the two one after the other gives */
    uint32_t il_switch_at;     /* offset of the instruction after which thread A is interrupted */
    int il_gil;                /* 1: that is a switch point of a GIL build of the bytecode's
                                * version (f_switch); 0: only a free-threaded build (or Python code
                                * run by a dunder method) switches there */
} eng_interleaving;

/* Builds the schedule that shows why finding f is not atomic, from the decoded instructions of
 * its code object bc (bf_codes[f->f_code] of the file the finding came from; the caller keeps
 * both alive).  Thread A runs the statement from its first instruction up to the first GIL switch
 * point in the window [f_first, f_last) (or, when there is none, up to the read or check: a
 * free-threaded build can switch at any boundary); thread B then runs the whole statement up to
 * its write (for GIL105, one step: another thread's write of the container); A finishes.  Values
 * are concrete when the update adds an int constant (`x += 1`: both read 0, both write 1, final
 * 1 instead of 2), symbolic otherwise (v, f(v)).  Every string is allocated in a.  Returns G_OK;
 * G_EBAD when the finding has no window (GIL000, GIL301: out has no steps) or its offsets are
 * not instructions of bc; G_ENOMEM (out is then not usable).  Used by explain, and by the
 * driver, which attaches the schedule to each finding (f_ilv) for SARIF, HTML and the hover. */
int eng_interleave(eng_interleaving *out, const finding *f, const bc_code *bc, arena *a);

/* The most instructions before a read or check that a schedule (and the HTML page's bytecode)
 * shows: a statement with a longer lead-in (a long argument list, a walrus in the 500th
 * argument) is shown from that many instructions before it, so that the memory and output of
 * the schedules stay linear in the size of the code (a documented limit, docs/security.md). */
#define ENG_STMT_LEAD 64

/* 1 when read-modify-write finding f is an in-place operator (`+=`, `|=`, ...) on a list, set,
 * dict, bytearray or deque (f_target_type): the object is changed in place and the store puts the
 * same object back, so no update is lost -- only another thread's rebinding in between is undone
 * (its interleaving's kind is "in-place"). */
int eng_in_place(const finding *f, const bc_code *bc);

/* 1 when read-modify-write finding f is an in-place operator, whatever the target's type (the
 * composition, which knows more types than one file, decides whether it works in place). */
int eng_in_place_op(const finding *f, const bc_code *bc);
/* Does bc run an augmented operator (`+=`, `|=`) between instructions lo and hi? */
int eng_in_place_between(const bc_code *bc, uint32_t lo, uint32_t hi);

/* Index in bc_instrs of the first instruction of the statement holding instruction i: the
 * earliest instruction before it on the same source line, after no return, pop or jump away,
 * where the stack is as low as anywhere between it and i (so the statement before it on the
 * same line is left out), and at most ENG_STMT_LEAD instructions before i. */
uint32_t eng_stmt_start(const bc_code *bc, uint32_t i);

#endif
