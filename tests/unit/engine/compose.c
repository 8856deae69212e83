/* Unit tests for the whole-run composition (eng_compose): programs of one or several modules,
 * compiled by the embedded 3.11, and the races it finds or rightly does not -- helpers under a
 * caller's lock, evidence across modules, shared arguments, one thread, lock identity and kinds,
 * happens-before, one finding per race, the other side and the chain, declared classes,
 * configured names, and every allocation failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "bytecode/bytecode.h"
#include "common/err.h"
#include "common/mem.h"
#include "engine/engine.h"
#include "engine/sum_int.h"
#include "ir/ir.h"
#include "input/input.h"
#include "pyc/pyc.h"
#include "../helpers.h"

typedef struct module {
    const char *m_name;        /* "pkg.mod" */
    int m_package;             /* an __init__ */
    const char *m_src;
} module;

typedef struct fixture {
    arena *kba;
    eng_kb kb;
} fixture;

/* A run: the modules summarized and composed; res and a belong to the caller. */
typedef struct run {
    arena *a;
    pyc_file *pf[8];
    eng_result res;
    int rc;
} run;

static void run_free(run *r)
{
    size_t i;
    for (i = 0; i < 8; i++)
        pyc_file_free(r->pf[i]);
    arena_free(r->a);
    memset(r, 0, sizeof *r);
}

/* The whole summaries of a run composed from bytes: the summaries themselves. */
static int full_of_sums(const eng_summary **out, void *ctx, uint32_t index, arena *a)
{
    (void)a;
    *out = ((eng_summary *const *)ctx)[index];
    return G_OK;
}

static void same_places(const eng_related *a, const eng_related *b, uint32_t n)
{
    uint32_t i;
    for (i = 0; i < n; i++) {
        assert_string_equal(a[i].rl_file ? a[i].rl_file : "", b[i].rl_file ? b[i].rl_file : "");
        assert_int_equal(a[i].rl_line, b[i].rl_line);
        assert_int_equal(a[i].rl_col, b[i].rl_col);
        assert_string_equal(a[i].rl_function ? a[i].rl_function : "",
                            b[i].rl_function ? b[i].rl_function : "");
        assert_string_equal(a[i].rl_what ? a[i].rl_what : "", b[i].rl_what ? b[i].rl_what : "");
        assert_string_equal(a[i].rl_context ? a[i].rl_context : "",
                            b[i].rl_context ? b[i].rl_context : "");
    }
}

/* The same summaries composed from their bytes (eng_run_add_bytes, as check and the language
 * server do) give the same findings as composed from memory (eng_compose). */
static void same_through_bytes(eng_summary **sums, size_t n, const eng_options *opt,
                               const eng_result *want, int want_rc)
{
    eng_run *er;
    eng_result res;
    arena *a;
    diag_ctx d;
    size_t i;
    uint32_t k;
    diag_init(&d);
    memset(&res, 0, sizeof res);
    assert_int_equal(arena_new(&a), G_OK);
    assert_int_equal(eng_run_new(&er, a), G_OK);
    for (i = 0; i < n; i++) {
        strbuf sb;
        sb_init(&sb);
        assert_int_equal(eng_summary_write(&sb, sums[i]), G_OK);
        assert_int_equal(eng_run_add_bytes(er, (const uint8_t *)sb.sb_buf, sb.sb_len), G_OK);
        sb_free(&sb);
    }
    assert_int_equal(eng_run_compose(&res, er, opt, full_of_sums, sums, &d), want_rc);
    assert_int_equal(res.r_count, want->r_count);
    for (k = 0; k < res.r_count; k++) {
        const finding *x = &res.r_findings[k], *y = &want->r_findings[k];
        assert_string_equal(x->f_rule, y->f_rule);
        assert_string_equal(x->f_message, y->f_message);
        assert_string_equal(x->f_target, y->f_target);
        assert_string_equal(x->f_function, y->f_function);
        assert_int_equal(x->f_line, y->f_line);
        assert_int_equal(x->f_col, y->f_col);
        assert_int_equal(x->f_unit, y->f_unit);
        assert_string_equal(x->f_context ? x->f_context : "", y->f_context ? y->f_context : "");
        assert_int_equal(x->f_nrelated, y->f_nrelated);
        same_places(x->f_related, y->f_related, x->f_nrelated);
        assert_int_equal(x->f_nchain, y->f_nchain);
        same_places(x->f_chain, y->f_chain, x->f_nchain);
    }
    arena_free(a);
    diag_free(&d);
}

static void compose(const fixture *fx, run *r, const module *mods, size_t n,
                    const eng_options *opt)
{
    eng_summary *sums[8];
    diag_ctx d;
    size_t i;
    eng_options none;
    memset(r, 0, sizeof *r);
    memset(&none, 0, sizeof none);
    diag_init(&d);
    assert_int_equal(arena_new(&r->a), G_OK);
    for (i = 0; i < n; i++) {
        in_compiled c;
        bc_file *bf;
        char name[64];
        snprintf(name, sizeof name, "%s.py", mods[i].m_name);
        assert_int_equal(in_compile_bytes(&c, (const uint8_t *)mods[i].m_src,
                                          strlen(mods[i].m_src), name, &d), G_OK);
        assert_false(c.ic_syntax);
        assert_int_equal(pyc_load_bytes(&r->pf[i], c.ic_pyc, c.ic_len, name, &d), G_OK);
        in_compiled_free(&c);
        assert_int_equal(bc_decode_file(&bf, r->pf[i], name, &d), G_OK);
        assert_int_equal(eng_summarize(&sums[i], r->pf[i], bf, &fx->kb, opt ? opt : &none,
                                       mods[i].m_name, mods[i].m_package, r->a, &d, name), G_OK);
    }
    r->rc = eng_compose(&r->res, sums, (uint32_t)n, opt ? opt : &none, r->a, &d);
    diag_free(&d);
    same_through_bytes(sums, n, opt ? opt : &none, &r->res, r->rc);
}

/* The findings of rule `rule` on `line` (0: any line). */
static int count(const run *r, const char *rule, int32_t line)
{
    uint32_t i;
    int n = 0;
    for (i = 0; i < r->res.r_count; i++)
        n += !strcmp(r->res.r_findings[i].f_rule, rule) &&
             (!line || r->res.r_findings[i].f_line == line);
    return n;
}

static const finding *find(const run *r, const char *rule, int32_t line)
{
    uint32_t i;
    for (i = 0; i < r->res.r_count; i++)
        if (!strcmp(r->res.r_findings[i].f_rule, rule) && r->res.r_findings[i].f_line == line)
            return &r->res.r_findings[i];
    fail_msg("no %s on line %d (%u findings)", rule, line, r->res.r_count);
    return NULL;
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    diag_ctx d;
    diag_init(&d);
    if (!fx || arena_new(&fx->kba) || rule_load_dir(&fx->kb, GILCHECK_RULES_DIR, fx->kba, &d))
        return -1;
    diag_free(&d);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    arena_free(fx->kba);
    free(fx);
    in_shutdown();
    return 0;
}

/* Line numbers below count from the first line of each source. */

static const char helpers_src[] =
    "import threading\n"                       /* 1 */
    "lock = threading.Lock()\n"                /* 2 */
    "n = 0\n"                                  /* 3 */
    "m = 0\n"                                  /* 4 */
    "def _locked_only():\n"                    /* 5 */
    "    global n\n"                           /* 6 */
    "    n += 1\n"                             /* 7 */
    "def _both():\n"                           /* 8 */
    "    global m\n"                           /* 9 */
    "    m += 1\n"                             /* 10 */
    "def work():\n"                            /* 11 */
    "    with lock:\n"                         /* 12 */
    "        _locked_only()\n"                 /* 13 */
    "        _both()\n"                        /* 14 */
    "    _both()\n"                            /* 15 */
    "for _ in range(2):\n"                     /* 16 */
    "    threading.Thread(target=work).start()\n";

static void test_engine_compose__helper_under_the_callers_lock(void **state)
{
    run r;
    module mods[] = { { "app", 0, helpers_src } };
    compose(*state, &r, mods, 1, NULL);
    assert_int_equal(r.rc, G_OK);
    assert_int_equal(count(&r, "GIL101", 7), 0);   /* every call holds the lock */
    assert_int_equal(count(&r, "GIL101", 10), 1);  /* one call does not */
    run_free(&r);
}

static void test_engine_compose__evidence_crosses_modules(void **state)
{
    run r;
    module mods[] = {
        { "pkg", 1, "" },
        { "pkg.state", 0, "counter = 0\ndef work():\n    global counter\n    counter += 1\n" },
        { "pkg.main", 0, "import threading\nfrom . import state\n"
                         "for _ in range(3):\n    threading.Thread(target=state.work).start()\n" },
    };
    compose(*state, &r, mods, 3, NULL);
    assert_int_equal(count(&r, "GIL101", 4), 1);
    /* alone, the module has no thread: nothing */
    run_free(&r);
    compose(*state, &r, mods + 1, 1, NULL);
    assert_int_equal(r.res.r_count, 0);
    run_free(&r);
}

static void test_engine_compose__arguments_carry_shared_state(void **state)
{
    run r;
    module mods[] = { { "app", 0,
        "import threading\n"                                   /* 1 */
        "cache = {}\n"                                         /* 2 */
        "def crunch(d, k):\n"                                  /* 3 */
        "    if k not in d:\n"                                 /* 4 */
        "        d[k] = []\n"                                  /* 5 */
        "def own(d, k):\n"                                     /* 6 */
        "    if k not in d:\n"                                 /* 7 */
        "        d[k] = []\n"                                  /* 8 */
        "for k in 'ab':\n"                                     /* 9 */
        "    threading.Thread(target=crunch, args=(cache, k)).start()\n"
        "    threading.Thread(target=own, args=({}, k)).start()\n" } };
    compose(*state, &r, mods, 1, NULL);
    assert_int_equal(count(&r, "GIL201", 5), 1);
    assert_int_equal(count(&r, "GIL201", 8), 0);
    run_free(&r);
}

static void test_engine_compose__one_thread_does_not_race(void **state)
{
    run r;
    module once[] = { { "app", 0, "import threading\nn = 0\ndef w():\n    global n\n    n += 1\n"
                                 "threading.Thread(target=w).start()\n" } };
    module twice[] = { { "app", 0, "import threading\nn = 0\ndef w():\n    global n\n    n += 1\n"
                                  "threading.Thread(target=w).start()\n"
                                  "threading.Thread(target=w).start()\n" } };
    compose(*state, &r, once, 1, NULL);
    assert_int_equal(r.res.r_count, 0);
    run_free(&r);
    compose(*state, &r, twice, 1, NULL);
    assert_int_equal(count(&r, "GIL101", 5), 1);
    run_free(&r);
}

static void test_engine_compose__lock_identity(void **state)
{
    run r;
    module mods[] = { { "app", 0,
        "import threading\n"                   /* 1 */
        "a = threading.Lock()\n"               /* 2 */
        "b = threading.Lock()\n"               /* 3 */
        "n = 0\n"                              /* 4 */
        "m = 0\n"                              /* 5 */
        "def f():\n"                           /* 6 */
        "    global n\n"                       /* 7 */
        "    with a:\n"                        /* 8 */
        "        n += 1\n"                     /* 9 */
        "def g():\n"                           /* 10 */
        "    global n\n"                       /* 11 */
        "    with b:\n"                        /* 12 */
        "        n += 1\n"                     /* 13 */
        "def h():\n"                           /* 14 */
        "    global m\n"                       /* 15 */
        "    with threading.Lock():\n"         /* 16 */
        "        m += 1\n"                     /* 17 */
        "for t in (f, g, h):\n"                /* 18 */
        "    threading.Thread(target=t).start()\n" } };
    compose(*state, &r, mods, 1, NULL);
    /* two locks around one counter: one race, one finding */
    assert_int_equal(count(&r, "GIL301", 9) + count(&r, "GIL301", 13), 1);
    /* a lock made in the statement protects nothing: h is started in a loop of threads */
    assert_int_equal(count(&r, "GIL101", 17), 1);
    run_free(&r);
}

/* The owner of an object with a thread of its own calls its public methods beside that thread
 * (the class in one module, the subclass that runs it in another); two read-modify-writes that
 * break only each other are one finding; what follows the joins of two threads is after both. */
static void test_engine_compose__owner_of_a_thread(void **state)
{
    run r;
    const finding *f;
    module mods[] = {
        { "pkg", 1, "" },
        { "pkg.watch", 0,
          "import threading\n"                 /* 1 */
          "class Watcher:\n"                   /* 2 */
          "    def __init__(self):\n"          /* 3 */
          "        self.paths = {}\n"          /* 4 */
          "        self.n = 0\n"               /* 5 */
          "        self._t = threading.Thread(target=self._loop)\n"
          "        self._u = threading.Thread(target=self._loop)\n"
          "    def go(self):\n"                /* 8 */
          "        self._t.start()\n"          /* 9 */
          "        self._u.start()\n"          /* 10 */
          "    def _loop(self):\n"             /* 11 */
          "        self.n = self.n - 1\n"      /* 12 */
          "        for p in self.paths:\n"     /* 13 */
          "            print(p)\n"             /* 14 */
          "    def add(self, k):\n"            /* 15 */
          "        self.n = self.n + 1\n"      /* 16 */
          "    def stop(self):\n"              /* 17 */
          "        self._t.join()\n"           /* 18 */
          "        self._u.join()\n"           /* 19 */
          "        self.paths.clear()\n" },    /* 20 */
        { "pkg.use", 0,
          "from pkg.watch import Watcher\n"    /* 1 */
          "class Named(Watcher):\n"            /* 2 */
          "    def rename(self, k):\n"         /* 3 */
          "        self.paths[k] = 1\n" },     /* 4 */
    };
    compose(*state, &r, mods, 3, NULL);
    assert_int_equal(r.rc, G_OK);
    /* two loop threads on one object: their own `self.n - 1` races with itself */
    assert_int_equal(count(&r, "GIL103", 12), 1);
    assert_int_equal(count(&r, "GIL103", 16), 1);
    /* a subclass's owner, in another module, adds to what the base's thread iterates */
    f = find(&r, "GIL106", 13);
    assert_non_null(strstr(f->f_related[0].rl_file, "use"));
    assert_int_equal(f->f_related[0].rl_line, 4);
    /* stop() clears after joining both threads: not one of the sides */
    assert_int_equal(f->f_nrelated, 1);
    run_free(&r);

    /* one loop thread: the owner's `self.n + 1` and the thread's `self.n - 1` are one race */
    mods[1].m_src =
        "import threading\n"
        "class Watcher:\n"
        "    def __init__(self):\n"
        "        self.n = 0\n"
        "    def go(self):\n"
        "        threading.Thread(target=self._loop).start()\n"
        "    def _loop(self):\n"                /* 7 */
        "        self.n = self.n - 1\n"         /* 8 */
        "    def add(self, k):\n"               /* 9 */
        "        self.n = self.n + 1\n";        /* 10 */
    compose(*state, &r, mods, 2, NULL);
    assert_int_equal(r.rc, G_OK);
    assert_int_equal(count(&r, "GIL103", 8) + count(&r, "GIL103", 10), 1);
    run_free(&r);
}

static void test_engine_compose__asyncio_and_processes_are_not_threads(void **state)
{
    run r;
    module mods[] = { { "app", 0,
        "import asyncio, multiprocessing\n"    /* 1 */
        "class C:\n"                           /* 2 */
        "    def __init__(self):\n"            /* 3 */
        "        self._lock = asyncio.Lock()\n"/* 4 */
        "        self.n = 0\n"                 /* 5 */
        "    async def locked(self):\n"        /* 6 */
        "        async with self._lock:\n"     /* 7 */
        "            self.n = 1\n"             /* 8 */
        "    def bump(self):\n"                /* 9 */
        "        self.n += 1\n"                /* 10 */
        "k = 0\n"                              /* 11 */
        "def child():\n"                       /* 12 */
        "    global k\n"                       /* 13 */
        "    k += 1\n"                         /* 14 */
        "for _ in range(2):\n"                 /* 15 */
        "    multiprocessing.Process(target=child).start()\n" } };
    compose(*state, &r, mods, 1, NULL);
    assert_int_equal(r.res.r_count, 0);
    run_free(&r);
}

static void test_engine_compose__before_start_happens_before(void **state)
{
    run r;
    module mods[] = { { "app", 0,
        "import threading\n"                   /* 1 */
        "n = 0\n"                              /* 2 */
        "def w():\n"                           /* 3 */
        "    global n\n"                       /* 4 */
        "    n += 1\n"                         /* 5 */
        "def main():\n"                        /* 6 */
        "    global n\n"                       /* 7 */
        "    n = n + 10\n"                     /* 8 */
        "    threading.Thread(target=w).start()\n"
        "    n = n + 20\n"                     /* 10 */
        "if __name__ == '__main__':\n"         /* 11 */
        "    main()\n" } };
    compose(*state, &r, mods, 1, NULL);
    assert_int_equal(count(&r, "GIL101", 8), 0);
    /* after the start, main's `n + 20` and the thread's `n += 1` break each other and nothing
     * else: one race, one finding */
    assert_int_equal(count(&r, "GIL101", 5) + count(&r, "GIL101", 10), 1);
    run_free(&r);
}

static void test_engine_compose__one_finding_per_race_with_both_sides(void **state)
{
    run r;
    const finding *f;
    module mods[] = { { "app", 0,
        "import threading\n"                   /* 1 */
        "n = 0\n"                              /* 2 */
        "def w():\n"                           /* 3 */
        "    global n\n"                       /* 4 */
        "    try:\n"                           /* 5 */
        "        pass\n"                       /* 6 */
        "    finally:\n"                       /* 7 */
        "        n += 1\n"                     /* 8 */
        "def run():\n"                         /* 9 */
        "    w()\n"                            /* 10 */
        "for _ in range(2):\n"                 /* 11 */
        "    threading.Thread(target=run).start()\n" } };
    compose(*state, &r, mods, 1, NULL);
    /* the finally body is compiled twice: one finding */
    assert_int_equal(count(&r, "GIL101", 8), 1);
    f = find(&r, "GIL101", 8);
    assert_non_null(f->f_context);
    assert_non_null(strstr(f->f_context, "thread started at"));
    assert_true(f->f_nrelated >= 1);
    assert_int_equal(f->f_related[0].rl_line, 8);
    assert_non_null(f->f_related[0].rl_context);
    assert_int_equal(f->f_nchain, 2);   /* run, then w */
    assert_string_equal(f->f_chain[0].rl_function, "run");
    assert_string_equal(f->f_chain[1].rl_function, "w");
    assert_int_equal(f->f_chain[1].rl_line, 10);
    run_free(&r);
}

static void test_engine_compose__two_windows_one_writer(void **state)
{
    run r;
    const finding *f;
    module mods[] = { { "app", 0,
        "import threading\n"                   /* 1 */
        "class S:\n"                           /* 2 */
        "    def __init__(self):\n"            /* 3 */
        "        self.buf = ''\n"              /* 4 */
        "    def go(self): threading.Thread(target=self.fill).start()\n"
        "    def fill(self):\n"                /* 6 */
        "        while True:\n"                /* 7 */
        "            self.buf = input()\n"     /* 8 */
        "    def take(self, n):\n"             /* 9 */
        "        if n:\n"                      /* 10 */
        "            self.buf = self.buf + 'a'\n"
        "        else:\n"                      /* 12 */
        "            self.buf = self.buf + 'b'\n"
        "n = 0\n"                              /* 14 */
        "def w():\n"                           /* 15 */
        "    global n\n"                       /* 16 */
        "    n += 1\n"                         /* 17 */
        "    n += 2\n"                         /* 18 */
        "for _ in range(2):\n"                 /* 19 */
        "    threading.Thread(target=w).start()\n" } };
    compose(*state, &r, mods, 1, NULL);
    /* the owner's two windows on self.buf, broken by the one store of the thread: one race,
     * reported at the first, whose other side is that store */
    assert_int_equal(count(&r, "GIL103", 11), 1);
    assert_int_equal(count(&r, "GIL103", 13), 0);
    f = find(&r, "GIL103", 11);
    assert_int_equal(f->f_nrelated, 2);
    assert_int_equal(f->f_related[0].rl_line, 8);
    /* and the second window is named among its other sides */
    assert_int_equal(f->f_related[1].rl_line, 13);
    assert_non_null(strstr(f->f_related[1].rl_what, "the same writes also break"));
    /* two windows that each thread of w() breaks in the other: two places to fix */
    assert_int_equal(count(&r, "GIL101", 17), 1);
    assert_int_equal(count(&r, "GIL101", 18), 1);
    run_free(&r);
}

static void test_engine_compose__second_way_to_drive(void **state)
{
    run r;
    module mods[] = { { "app", 0,
        "import threading\n"                   /* 1 */
        "class C:\n"                           /* 2 */
        "    def __init__(self):\n"            /* 3 */
        "        self._lock = threading.Lock()\n"
        "        self.s = None\n"              /* 5 */
        "        self.n = 0\n"                 /* 6 */
        "    def add(self):\n"                 /* 7 */
        "        with self._lock:\n"           /* 8 */
        "            self.n += 1\n"            /* 9 */
        "    def loop(self):\n"                /* 10 */
        "        self.s = None\n"              /* 11 */
        "        return self._once()\n"        /* 12 */
        "    def close(self):\n"               /* 13 */
        "        self.s = None\n"              /* 14 */
        "    def _once(self):\n"               /* 15 */
        "        if self.s is not None:\n"     /* 16 */
        "            self.s.recv(1)\n"         /* 17 */
        "    def forever(self):\n"             /* 18 */
        "        while True:\n"                /* 19 */
        "            self._once()\n"           /* 20 */
        "    def _main(self):\n"               /* 21 */
        "        self.forever()\n"             /* 22 */
        "    def start(self):\n"               /* 23 */
        "        threading.Thread(target=self._main).start()\n" } };
    compose(*state, &r, mods, 1, NULL);
    /* loop() runs the thread's loop itself: its store does not break the thread's check, but
     * close()'s does -- one finding, whose other side is close()'s store alone */
    assert_int_equal(count(&r, "GIL203", 17), 1);
    assert_int_equal(find(&r, "GIL203", 17)->f_nrelated, 1);
    assert_int_equal(find(&r, "GIL203", 17)->f_related[0].rl_line, 14);
    run_free(&r);
}

static void test_engine_compose__web_routes(void **state)
{
    run r;
    module mods[] = {
        { "site", 0,
          "from flask import Flask\n"          /* 1 */
          "app = Flask(__name__)\n"            /* 2 */
          "n = 0\n"                            /* 3 */
          "m = 0\n"                            /* 4 */
          "@app.route('/')\n"                  /* 5 */
          "def index():\n"                     /* 6 */
          "    global n\n"                     /* 7 */
          "    n += 1\n"                       /* 8 */
          "@app.route('/a')\n"                 /* 9 */
          "async def later():\n"               /* 10 */
          "    global m\n"                     /* 11 */
          "    m += 1\n" },                    /* 12 */
        { "views", 0,
          "from site import app\n"             /* 1 */
          "class Registry:\n"                  /* 2 */
          "    def route(self, p):\n"          /* 3 */
          "        return lambda f: f\n"       /* 4 */
          "reg = Registry()\n"                 /* 5 */
          "hits = {}\n"                        /* 6 */
          "k = 0\n"                            /* 7 */
          "@app.route('/p/<x>')\n"             /* 8 */
          "def page(x):\n"                     /* 9 */
          "    hits[x] = hits.get(x, 0) + 1\n" /* 10 */
          "@reg.route('/cli')\n"               /* 11 */
          "def cli():\n"                       /* 12 */
          "    global k\n"                     /* 13 */
          "    k += 1\n" } };                  /* 14 */
    compose(*state, &r, mods, 2, NULL);
    /* a Flask route runs in a thread per request: it races with itself */
    assert_int_equal(count(&r, "GIL101", 8), 1);
    assert_non_null(strstr(find(&r, "GIL101", 8)->f_context, "request threads of the web route"));
    /* ... also registered on an app another module made */
    assert_int_equal(count(&r, "GIL104", 10), 1);
    /* a coroutine route runs on the event loop; a `route` of the program's own is no route */
    assert_int_equal(count(&r, "GIL101", 12), 0);
    assert_int_equal(count(&r, "GIL101", 14), 0);
    run_free(&r);
}

static void test_engine_compose__django_routes(void **state)
{
    run r;
    module mods[] = {
        { "shop", 1, "" },
        { "shop.views", 0,
          "n = 0\n"                            /* 1 */
          "m = 0\n"                            /* 2 */
          "def index(request):\n"              /* 3 */
          "    global n\n"                     /* 4 */
          "    n += 1\n"                       /* 5 */
          "async def feed(request):\n"         /* 6 */
          "    global m\n"                     /* 7 */
          "    m += 1\n"                       /* 8 */
          "class Cart:\n"                      /* 9 */
          "    total = 0\n"                    /* 10 */
          "    def post(self, request):\n"     /* 11 */
          "        Cart.total += 1\n"          /* 12 */
          "        self.seen = 0\n"            /* 13 */
          "        self.seen += 1\n" },        /* 14 */
        { "shop.urls", 0,
          "from django.urls import include, path\n"
          "from . import views\n"
          "urlpatterns = [path('', views.index), path('feed', views.feed),\n"
          "               path('cart', views.Cart.as_view()),\n"
          "               path('api/', include('shop.api'))]\n" } };
    compose(*state, &r, mods, 3, NULL);
    /* a view a URL conf names runs in a thread per request */
    assert_int_equal(count(&r, "GIL101", 5), 1);
    assert_non_null(strstr(find(&r, "GIL101", 5)->f_context, "request threads of the web route"));
    /* an async view runs on the event loop */
    assert_int_equal(count(&r, "GIL101", 8), 0);
    /* a class-based view's verb methods run per request, on an object per request */
    assert_int_equal(count(&r, "GIL103", 12), 1);
    assert_non_null(strstr(find(&r, "GIL103", 12)->f_context, "class-based view shop.views.Cart"));
    assert_int_equal(count(&r, "GIL103", 14), 0);
    run_free(&r);
}

static void test_engine_compose__one_module_name_two_files(void **state)
{
    run r;
    module mods[] = {
        { "worker", 0,
          "import threading\n"                 /* 1 */
          "lock = threading.Lock()\n"          /* 2 */
          "count = 0\n"                        /* 3 */
          "hits = 0\n"                         /* 4 */
          "def work():\n"                      /* 5 */
          "    global count, hits\n"           /* 6 */
          "    with lock:\n"                   /* 7 */
          "        count = count + 1\n"        /* 8 */
          "    hits = hits + 1\n" },           /* 9 */
        { "worker", 0,       /* another script called worker.py, in another directory */
          "import threading\n"                 /* 1 */
          "count = 0\n"                        /* 2 */
          "def reset():\n"                     /* 3 */
          "    global count\n"                 /* 4 */
          "    count = 0\n"                    /* 5 */
          "threading.Thread(target=reset).start()\n" },
        { "main", 0,
          "import threading\n"
          "from worker import work\n"
          "for _ in range(2):\n"
          "    threading.Thread(target=work).start()\n" } };
    compose(*state, &r, mods, 3, NULL);
    /* the second file's `count` is not the first's: its reset breaks no locked window */
    assert_int_equal(count(&r, "GIL301", 5), 0);
    /* the import still finds the first file: its work() runs in main's threads */
    assert_int_equal(count(&r, "GIL101", 9), 1);
    run_free(&r);
    mods[1].m_src = "import threading\n"
                    "import worker\n"                 /* 2 */
                    "def reset():\n"                  /* 3 */
                    "    worker.count = 0\n"          /* 4: the first file's, by import */
                    "threading.Thread(target=reset).start()\n";
    mods[1].m_name = "other";
    compose(*state, &r, mods, 3, NULL);
    assert_int_equal(count(&r, "GIL301", 4), 1);
    run_free(&r);
}

static void test_engine_compose__program_order(void **state)
{
    run r;
    module mods[] = {
        { "app", 1, "" },
        { "app.window", 0,
          "import threading\n"                 /* 1 */
          "class Window:\n"                    /* 2 */
          "    def __init__(self):\n"          /* 3 */
          "        self.panels = {}\n"         /* 4 */
          "        self.docks = {}\n"          /* 5 */
          "    def setup(self):\n"             /* 6 */
          "        self.panels['main'] = 1\n"  /* 7 */
          "    def add_dock(self, name):\n"    /* 8 */
          "        self.docks[name] = 1\n"     /* 9 */
          "    def show(self):\n"              /* 10 */
          "        threading.Thread(target=self._serve).start()\n"
          "    def _serve(self):\n"            /* 12 */
          "        while True:\n"              /* 13 */
          "            for n in self.panels:\n" /* 14 */
          "                print(n)\n"         /* 15 */
          "            for n in self.docks:\n" /* 16 */
          "                print(n)\n" },      /* 17 */
        { "app.start", 0,
          "def create_window(WindowClass):\n"  /* 1 */
          "    w = WindowClass()\n"            /* 2 */
          "    w.setup()\n"                    /* 3 */
          "    w.show()\n"                     /* 4 */
          "    w.add_dock('log')\n" },         /* 5 */
        { "app.main", 0,
          "from app.window import Window\n"
          "from app.start import create_window\n"
          "if __name__ == '__main__':\n"
          "    create_window(Window)\n" } };
    compose(*state, &r, mods, 4, NULL);
    /* the program calls setup() on the window before show() starts its thread (through a
     * function given the class): the thread's loop over panels races with nothing */
    assert_int_equal(count(&r, "GIL106", 14), 0);
    /* add_dock() comes after the start */
    assert_int_equal(count(&r, "GIL106", 16), 1);
    run_free(&r);
    /* given another class at a second site, the parameter's class is not known: setup() may
     * run at any time as far as the run shows */
    mods[3].m_src = "from app.window import Window\n"
                    "from app.start import create_window\n"
                    "if __name__ == '__main__':\n"
                    "    create_window(Window)\n"
                    "    create_window(dict)\n";
    compose(*state, &r, mods, 4, NULL);
    assert_int_equal(count(&r, "GIL106", 14), 1);
    run_free(&r);
}

static void test_engine_compose__construction_order(void **state)
{
    run r;
    module mods[] = {
        { "app", 1, "" },
        { "app.survey", 0,
          "import threading\n"                     /* 1 */
          "class Survey:\n"                        /* 2 */
          "    class Pinger(threading.Thread):\n"  /* 3 */
          "        def run(self):\n"               /* 4 */
          "            with Survey.lock:\n"        /* 5 */
          "                Survey.done += 1\n"     /* 6 */
          "    lock = threading.Lock()\n"          /* 7 */
          "    def __init__(self):\n"              /* 8 */
          "        Survey.done = 0\n"              /* 9 */
          "    def run_all(self):\n"               /* 10 */
          "        for _ in range(3):\n"           /* 11 */
          "            Survey.Pinger().start()\n" },
        { "app.main", 0,
          "from app.survey import Survey\n"
          "if __name__ == '__main__':\n"
          "    Survey().run_all()\n" } };
    compose(*state, &r, mods, 3, NULL);
    /* one Survey, made by the main module: its constructor runs before run_all() starts the
     * workers (which the run finds through the nested class's name) */
    assert_int_equal(count(&r, "GIL301", 9), 0);
    run_free(&r);
    /* a subclass in another module: its objects run the same constructor, whenever they are
     * made */
    mods[2].m_src = "from app.survey import Survey\n"
                    "class Quick(Survey):\n"
                    "    pass\n"
                    "if __name__ == '__main__':\n"
                    "    Survey().run_all()\n";
    compose(*state, &r, mods, 3, NULL);
    assert_int_equal(count(&r, "GIL301", 9), 1);
    run_free(&r);
}

/* A branch under `if section is not None:` does not run in a frame whose call passed no
 * section (the default is None); it does where a caller of another module passes one. */
static void test_engine_compose__default_none_branch(void **state)
{
    run r;
    module mods[] = {
        { "app", 1, "" },
        { "app.reg", 0,
          "OBS = {}\n"                                 /* 1 */
          "def unobserve(o, section=None):\n"          /* 2 */
          "    sections = OBS[o]\n"                    /* 3 */
          "    if section is not None:\n"              /* 4 */
          "        sections.pop(section)\n"            /* 5 */
          "    else:\n"                                /* 6 */
          "        for s in sections:\n"               /* 7 */
          "            print(s)\n" },                  /* 8 */
        { "app.work", 0,
          "import threading\n"
          "from app.reg import unobserve\n"
          "def work(o):\n"
          "    unobserve(o)\n"
          "def start():\n"
          "    for i in range(4):\n"
          "        threading.Thread(target=work, args=(i,)).start()\n" } };
    compose(*state, &r, mods, 3, NULL);
    assert_int_equal(count(&r, "GIL106", 7), 0);
    run_free(&r);
    mods[2].m_src = "import threading\n"
                    "from app.reg import unobserve\n"
                    "def work(o):\n"
                    "    unobserve(o)\n"
                    "    unobserve(o, section='a')\n"
                    "def start():\n"
                    "    for i in range(4):\n"
                    "        threading.Thread(target=work, args=(i,)).start()\n";
    compose(*state, &r, mods, 3, NULL);
    assert_int_equal(count(&r, "GIL106", 7), 1);
    run_free(&r);
}

static const char shared_src[] =
    "import threading\n"                       /* 1 */
    "class Box:\n"                             /* 2 */
    "    def __init__(self):\n"                /* 3 */
    "        self._lock = threading.Lock()\n"  /* 4 */
    "        self.n = 0\n"                     /* 5 */
    "        self.d = {}\n"                    /* 6 */
    "    def put(self, k):\n"                  /* 7 */
    "        with self._lock:\n"               /* 8 */
    "            self.d[k] = 1\n"              /* 9 */
    "    def bump(self):\n"                    /* 10 */
    "        self.n += 1\n";                   /* 11 */

static void test_engine_compose__declared_classes_only(void **state)
{
    run r;
    char *safe[] = { "app.Box" };
    eng_options opt;
    module mods[] = { { "app", 0, shared_src } };
    /* a lock is a hint, not a thread: two callers of bump() are reported only when declared */
    compose(*state, &r, mods, 1, NULL);
    assert_int_equal(r.res.r_count, 0);
    run_free(&r);
    memset(&opt, 0, sizeof opt);
    opt.o_safe_classes = safe;
    opt.o_nsafe_classes = 1;
    compose(*state, &r, mods, 1, &opt);
    assert_int_equal(count(&r, "GIL103", 11), 1);
    run_free(&r);
}

static void test_engine_compose__unknown_configured_names(void **state)
{
    run r;
    char *entries[] = { "app.nosuch" }, *pattern[] = { "app.no*" };
    eng_options opt;
    module mods[] = { { "app", 0, shared_src } };
    memset(&opt, 0, sizeof opt);
    opt.o_entry_points = entries;
    opt.o_nentry_points = 1;
    compose(*state, &r, mods, 1, &opt);
    assert_int_equal(r.rc, G_OK);          /* an editor's one file: not checked */
    run_free(&r);
    opt.o_check_names = 1;
    compose(*state, &r, mods, 1, &opt);
    assert_int_equal(r.rc, G_EBAD);
    run_free(&r);
    opt.o_entry_points = pattern;          /* a pattern that matches nothing: a warning */
    compose(*state, &r, mods, 1, &opt);
    assert_int_equal(r.rc, G_OK);
    run_free(&r);
}

/* A call with more arguments than the composition decodes in place (RV_ARGS; the
 * interpretation keeps IR_MAX_ARGS, but a summary read from bytes may have any number): the
 * last one still binds its parameter.  The summary's call gets 19 arguments by hand. */
static const char many_args_src[] =
    "import threading\n"                                                    /* 1 */
    "counts = {}\n"                                                         /* 2 */
    "def add(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13,\n" /* 3 */
    "        a14, a15, a16, a17, d):\n"                                     /* 4 */
    "    d['k'] = d['k'] + 1\n"                                             /* 5 */
    "def work():\n"                                                         /* 6 */
    "    add(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, counts)\n"
    "for _ in range(2):\n"                                                  /* 8 */
    "    threading.Thread(target=work).start()\n";

static void test_engine_compose__many_arguments(void **state)
{
    const fixture *fx = *state;
    eng_summary *sum;
    eng_options none;
    eng_result res;
    pyc_file *pf;
    bc_file *bf;
    in_compiled c;
    diag_ctx d;
    arena *a;
    uint32_t i, k;
    int patched = 0;
    memset(&none, 0, sizeof none);
    memset(&res, 0, sizeof res);
    diag_init(&d);
    assert_int_equal(arena_new(&a), G_OK);
    assert_int_equal(in_compile_bytes(&c, (const uint8_t *)many_args_src, strlen(many_args_src),
                                      "app.py", &d), G_OK);
    assert_int_equal(pyc_load_bytes(&pf, c.ic_pyc, c.ic_len, "app.py", &d), G_OK);
    in_compiled_free(&c);
    assert_int_equal(bc_decode_file(&bf, pf, "app.py", &d), G_OK);
    assert_int_equal(eng_summarize(&sum, pf, bf, &fx->kb, &none, "app", 0, a, &d, "app.py"), G_OK);
    /* as summarized, the call keeps at most IR_MAX_ARGS arguments: counts is not among them */
    assert_int_equal(eng_compose(&res, &sum, 1, &none, a, &d), G_OK);
    assert_int_equal(res.r_count, 0);
    for (i = 0; i < sum->s_nfuncs; i++)
        for (k = 0; k < sum->s_funcs[i].u_ncalls; k++) {
            sum_call *call = &sum->s_funcs[i].u_calls[k];
            sum_arg *args;
            uint32_t j;
            if (strcmp(call->c_callee, "g:add"))
                continue;
            assert_true(call->c_nargs <= IR_MAX_ARGS);
            assert_non_null(args = arena_array(a, 19, sizeof *args));
            memset(args, 0, 19 * sizeof *args);
            for (j = 0; j < 19; j++)
                args[j].g_func = SUM_NONE;
            args[18].g_path = "g:counts";
            call->c_args = args;
            call->c_nargs = 19;
            patched = 1;
        }
    assert_true(patched);
    memset(&res, 0, sizeof res);
    assert_int_equal(eng_compose(&res, &sum, 1, &none, a, &d), G_OK);
    assert_int_equal(res.r_count, 1);
    assert_string_equal(res.r_findings[0].f_rule, "GIL104");
    assert_int_equal(res.r_findings[0].f_line, 5);
    pyc_file_free(pf);
    arena_free(a);
    diag_free(&d);
}

/* What a run's eng_full_fn was asked, and whether it fails. */
typedef struct asked {
    eng_summary **sums;
    int calls[8];
    int fail;
} asked;

static int full_of(const eng_summary **out, void *ctx, uint32_t index, arena *a)
{
    asked *q = ctx;
    (void)a;
    q->calls[index]++;
    if (q->fail)
        return G_EIO;
    *out = q->sums[index];
    return G_OK;
}

/* The whole summary is asked for once, and only for the files with findings; a failure to give
 * it is the composition's result, not a crash. */
static void test_engine_compose__whole_summaries_only_for_findings(void **state)
{
    const fixture *fx = *state;
    static const char clean_src[] = "x = 1\ndef f():\n    return x\n";
    const char *srcs[2] = { clean_src, helpers_src };
    eng_summary *sums[2];
    pyc_file *pf[2];
    eng_options none;
    arena *a;
    diag_ctx d;
    asked q;
    int pass;
    memset(&none, 0, sizeof none);
    diag_init(&d);
    assert_int_equal(arena_new(&a), G_OK);
    for (pass = 0; pass < 2; pass++) {
        bc_file *bf;
        in_compiled c;
        assert_int_equal(in_compile_bytes(&c, (const uint8_t *)srcs[pass], strlen(srcs[pass]),
                                          pass ? "app.py" : "clean.py", &d), G_OK);
        assert_int_equal(pyc_load_bytes(&pf[pass], c.ic_pyc, c.ic_len, "x.py", &d), G_OK);
        in_compiled_free(&c);
        assert_int_equal(bc_decode_file(&bf, pf[pass], "x.py", &d), G_OK);
        assert_int_equal(eng_summarize(&sums[pass], pf[pass], bf, &fx->kb, &none,
                                       pass ? "app" : "clean", 0, a, &d, "x.py"), G_OK);
    }
    for (pass = 0; pass < 2; pass++) {
        eng_run *er;
        eng_result res;
        arena *b;
        int rc;
        memset(&q, 0, sizeof q);
        memset(&res, 0, sizeof res);
        q.sums = sums;
        q.fail = pass;
        assert_int_equal(arena_new(&b), G_OK);
        assert_int_equal(eng_run_new(&er, b), G_OK);
        assert_int_equal(eng_run_add(er, sums[0]), G_OK);
        assert_int_equal(eng_run_add(er, sums[1]), G_OK);
        assert_int_equal(eng_run_count(er), 2);
        rc = eng_run_compose(&res, er, &none, full_of, &q, &d);
        assert_int_equal(q.calls[0], 0);        /* the clean file: never read again */
        assert_int_equal(q.calls[1], 1);        /* the racy one: once */
        if (!pass) {
            assert_int_equal(rc, G_OK);
            assert_int_equal(res.r_count, 1);
            assert_string_equal(res.r_findings[0].f_rule, "GIL101");
            assert_int_equal(res.r_findings[0].f_unit, 1);
        } else {
            assert_int_equal(rc, G_EIO);
        }
        arena_free(b);
    }
    pyc_file_free(pf[0]);
    pyc_file_free(pf[1]);
    arena_free(a);
    diag_free(&d);
}

/* A summary's bytes cut or flipped anywhere: eng_run_add_bytes refuses them or adds a summary
 * the composition can walk (AddressSanitizer watches), and the run stays usable. */
static void test_engine_compose__damaged_summary_bytes(void **state)
{
    const fixture *fx = *state;
    eng_summary *sum;
    eng_options none;
    pyc_file *pf;
    bc_file *bf;
    in_compiled c;
    diag_ctx d;
    strbuf sb;
    arena *a;
    size_t k;
    memset(&none, 0, sizeof none);
    diag_init(&d);
    sb_init(&sb);
    assert_int_equal(arena_new(&a), G_OK);
    assert_int_equal(in_compile_bytes(&c, (const uint8_t *)helpers_src, strlen(helpers_src),
                                      "app.py", &d), G_OK);
    assert_int_equal(pyc_load_bytes(&pf, c.ic_pyc, c.ic_len, "app.py", &d), G_OK);
    in_compiled_free(&c);
    assert_int_equal(bc_decode_file(&bf, pf, "app.py", &d), G_OK);
    assert_int_equal(eng_summarize(&sum, pf, bf, &fx->kb, &none, "app", 0, a, &d, "app.py"), G_OK);
    assert_int_equal(eng_summary_write(&sb, sum), G_OK);
    for (k = 0; k <= sb.sb_len * 2; k++) {
        eng_run *er;
        eng_result res;
        arena *b;
        uint8_t *copy = malloc(sb.sb_len);
        size_t len = k < sb.sb_len ? k : sb.sb_len;
        int rc;
        assert_non_null(copy);
        memcpy(copy, sb.sb_buf, sb.sb_len);
        if (k > sb.sb_len)
            copy[k - sb.sb_len - 1] ^= 0x55;    /* whole, one byte flipped */
        memset(&res, 0, sizeof res);
        assert_int_equal(arena_new(&b), G_OK);
        assert_int_equal(eng_run_new(&er, b), G_OK);
        rc = eng_run_add_bytes(er, copy, len);
        if (k < sb.sb_len)
            assert_int_not_equal(rc, G_OK);    /* every truncation */
        else if (k == sb.sb_len)
            assert_int_equal(rc, G_OK);
        assert_true(rc != G_ENOMEM);
        /* the run composes what it has (a flipped lock or line: whatever it now says) */
        rc = eng_run_compose(&res, er, &none, full_of_sums, &sum, &d);
        assert_true(rc == G_OK || rc == G_EBAD);
        arena_free(b);
        free(copy);
        diag_free(&d);
        diag_init(&d);
    }
    sb_free(&sb);
    pyc_file_free(pf);
    arena_free(a);
    diag_free(&d);
}

/* Every allocation failure of the composition: G_ENOMEM or success, no crash, nothing leaked. */
static void test_engine_compose__allocation_failures(void **state)
{
    const fixture *fx = *state;
    module mods[] = { { "app", 0, helpers_src } };
    eng_summary *sum;
    eng_options none;
    arena *a;
    pyc_file *pf;
    bc_file *bf;
    in_compiled c;
    diag_ctx d;
    long n, before;
    int rc = G_ENOMEM;
    memset(&none, 0, sizeof none);
    diag_init(&d);
    assert_int_equal(arena_new(&a), G_OK);
    assert_int_equal(in_compile_bytes(&c, (const uint8_t *)mods[0].m_src, strlen(mods[0].m_src),
                                      "app.py", &d), G_OK);
    assert_int_equal(pyc_load_bytes(&pf, c.ic_pyc, c.ic_len, "app.py", &d), G_OK);
    in_compiled_free(&c);
    assert_int_equal(bc_decode_file(&bf, pf, "app.py", &d), G_OK);
    assert_int_equal(eng_summarize(&sum, pf, bf, &fx->kb, &none, "app", 0, a, &d, "app.py"), G_OK);
    before = mem_live();
    for (n = 0; rc == G_ENOMEM && n < 100000; n++) {
        arena *b;
        eng_result res;
        memset(&res, 0, sizeof res);
        if (arena_new(&b))
            continue;
        mem_fail_after(n);
        rc = eng_compose(&res, &sum, 1, &none, b, &d);
        mem_fail_after(-1);
        assert_true(rc == G_OK || rc == G_ENOMEM);
        arena_free(b);
        assert_int_equal(mem_live(), before);
        diag_free(&d);
        diag_init(&d);
    }
    assert_int_equal(rc, G_OK);
    pyc_file_free(pf);
    arena_free(a);
    diag_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_engine_compose__helper_under_the_callers_lock),
        cmocka_unit_test(test_engine_compose__many_arguments),
        cmocka_unit_test(test_engine_compose__damaged_summary_bytes),
        cmocka_unit_test(test_engine_compose__whole_summaries_only_for_findings),
        cmocka_unit_test(test_engine_compose__evidence_crosses_modules),
        cmocka_unit_test(test_engine_compose__arguments_carry_shared_state),
        cmocka_unit_test(test_engine_compose__one_thread_does_not_race),
        cmocka_unit_test(test_engine_compose__lock_identity),
        cmocka_unit_test(test_engine_compose__asyncio_and_processes_are_not_threads),
        cmocka_unit_test(test_engine_compose__owner_of_a_thread),
        cmocka_unit_test(test_engine_compose__before_start_happens_before),
        cmocka_unit_test(test_engine_compose__two_windows_one_writer),
        cmocka_unit_test(test_engine_compose__second_way_to_drive),
        cmocka_unit_test(test_engine_compose__web_routes),
        cmocka_unit_test(test_engine_compose__django_routes),
        cmocka_unit_test(test_engine_compose__one_module_name_two_files),
        cmocka_unit_test(test_engine_compose__program_order),
        cmocka_unit_test(test_engine_compose__construction_order),
        cmocka_unit_test(test_engine_compose__default_none_branch),
        cmocka_unit_test(test_engine_compose__one_finding_per_race_with_both_sides),
        cmocka_unit_test(test_engine_compose__declared_classes_only),
        cmocka_unit_test(test_engine_compose__unknown_configured_names),
        cmocka_unit_test(test_engine_compose__allocation_failures),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
