/* Unit tests for drv_blob, one file's outcome as bytes: every field survives the round trip,
 * a summary's candidates keep their interleavings packed until drv_blob_unpack, the head of a
 * record is read without its candidates, a whole run's outcome round-trips, and damaged or
 * truncated bytes are an error, never a crash or a partial result. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "bytecode/bytecode.h"
#include "common/err.h"
#include "common/mem.h"
#include "driver/drv_int.h"
#include "engine/engine.h"
#include "input/input.h"
#include "pyc/pyc.h"

static uint32_t switches[] = { 4, 10, 12 };
static const eng_pycode pycode[] = { { 4, "call of f(): a function of this module, Python code" },
                                      { 12, "o.n is a property of class Box: its setter runs Python code" } };
static const char *caveats[] = { "the type of the key k is not known here" };

static eng_step steps[] = {
    { 'A', 0, 2, "LOAD_GLOBAL", "reads count = 0", 1, 8, 13, "count" },
    { 'B', -1, 0, "another write", NULL, 1, -1, -1, NULL },
    { 'A', 3, 14, "STORE_GLOBAL", "writes count = 1", 0, 8, 5, "count" },
};
static eng_interleaving schedule = { steps, 3, "lost-update", "count = 1: B's update is lost",
                                     "count = 2", 4, 1 };

static void two_findings(finding f[2])
{
    memset(f, 0, 2 * sizeof *f);
    f[0].f_rule = "GIL101";
    f[0].f_file = "pkg/mod.py";
    f[0].f_message = "'count' is read and written in separate steps";
    f[0].f_target = "count";
    f[0].f_function = "work";
    f[0].f_line = 8;
    f[0].f_col = 5;
    f[0].f_end_line = 8;
    f[0].f_end_col = 15;
    f[0].f_rel_line = 7;
    f[0].f_rel_col = -1;
    f[0].f_rel_what = "read";
    f[0].f_code = 3;
    f[0].f_first = 2;
    f[0].f_last = 14;
    f[0].f_switch = switches;
    f[0].f_nswitch = 3;
    f[0].f_python_minor = 11;
    f[0].f_pycode = pycode;
    f[0].f_npycode = 2;
    f[0].f_caveats = caveats;
    f[0].f_ncaveats = 1;
    f[0].f_target_type = "int";
    f[0].f_ilv = &schedule;
    f[1] = f[0];
    f[1].f_ilv = NULL;
    f[1].f_rule = "GIL000";
    f[1].f_rel_what = NULL;     /* NULL stays NULL */
    f[1].f_switch = NULL;
    f[1].f_nswitch = 0;
    f[1].f_pycode = NULL;
    f[1].f_npycode = 0;
    f[1].f_caveats = NULL;
    f[1].f_ncaveats = 0;
    f[1].f_target_type = NULL;
    f[1].f_line = -1;
}

static void assert_same(const finding *a, const finding *b)
{
    assert_string_equal(a->f_rule, b->f_rule);
    assert_string_equal(a->f_file, b->f_file);
    assert_string_equal(a->f_message, b->f_message);
    assert_string_equal(a->f_target, b->f_target);
    assert_string_equal(a->f_function, b->f_function);
    if (a->f_rel_what)
        assert_string_equal(a->f_rel_what, b->f_rel_what);
    else
        assert_null(b->f_rel_what);
    assert_int_equal(a->f_line, b->f_line);
    assert_int_equal(a->f_col, b->f_col);
    assert_int_equal(a->f_end_line, b->f_end_line);
    assert_int_equal(a->f_end_col, b->f_end_col);
    assert_int_equal(a->f_rel_line, b->f_rel_line);
    assert_int_equal(a->f_rel_col, b->f_rel_col);
    assert_int_equal(a->f_code, b->f_code);
    assert_int_equal(a->f_first, b->f_first);
    assert_int_equal(a->f_last, b->f_last);
    assert_int_equal(a->f_python_minor, b->f_python_minor);
    assert_int_equal(a->f_nswitch, b->f_nswitch);
    if (a->f_nswitch)
        assert_memory_equal(a->f_switch, b->f_switch, a->f_nswitch * sizeof *a->f_switch);
    assert_int_equal(a->f_npycode, b->f_npycode);
    {
        uint32_t i;
        for (i = 0; i < a->f_npycode; i++) {
            assert_int_equal(a->f_pycode[i].pc_offset, b->f_pycode[i].pc_offset);
            assert_string_equal(a->f_pycode[i].pc_why, b->f_pycode[i].pc_why);
        }
        assert_int_equal(a->f_ncaveats, b->f_ncaveats);
        for (i = 0; i < a->f_ncaveats; i++)
            assert_string_equal(a->f_caveats[i], b->f_caveats[i]);
    }
    if (a->f_target_type)
        assert_string_equal(a->f_target_type, b->f_target_type);
    else
        assert_null(b->f_target_type);
    if (!a->f_ilv) {
        assert_null(b->f_ilv);
    } else {
        uint32_t i;
        assert_non_null(b->f_ilv);
        assert_string_equal(a->f_ilv->il_kind, b->f_ilv->il_kind);
        assert_string_equal(a->f_ilv->il_final, b->f_ilv->il_final);
        assert_string_equal(a->f_ilv->il_expected, b->f_ilv->il_expected);
        assert_int_equal(a->f_ilv->il_switch_at, b->f_ilv->il_switch_at);
        assert_int_equal(a->f_ilv->il_gil, b->f_ilv->il_gil);
        assert_int_equal(a->f_ilv->il_nsteps, b->f_ilv->il_nsteps);
        for (i = 0; i < a->f_ilv->il_nsteps; i++) {
            const eng_step *x = &a->f_ilv->il_steps[i], *y = &b->f_ilv->il_steps[i];
            assert_int_equal(x->st_thread, y->st_thread);
            assert_int_equal(x->st_instr, y->st_instr);
            assert_int_equal(x->st_offset, y->st_offset);
            assert_string_equal(x->st_opname, y->st_opname);
            if (x->st_sees)
                assert_string_equal(x->st_sees, y->st_sees);
            else
                assert_null(y->st_sees);
            assert_int_equal(x->st_switch, y->st_switch);
            assert_int_equal(x->st_line, y->st_line);
            assert_int_equal(x->st_col, y->st_col);
            if (x->st_arg)
                assert_string_equal(x->st_arg, y->st_arg);
            else
                assert_null(y->st_arg);
        }
    }
}

static void test_driver_blob__findings_round_trip(void **state)
{
    finding f[2];
    drv_result r;
    drv_unit back;
    drv_blob b = { NULL, 0, 0 };
    diag_ctx d, d2;
    arena *a;
    (void)state;
    two_findings(f);
    memset(&r, 0, sizeof r);
    r.r_res.r_findings = f;
    r.r_res.r_count = 2;
    diag_init(&d);
    diag_init(&d2);
    assert_int_equal(arena_new(&a), G_OK);
    assert_int_equal(drv_blob_put(&b, G_OK, &r, &d), G_OK);
    assert_int_equal(drv_blob_get(&back, "pkg/mod.py", b.b_data, b.b_len, a, &d2), G_OK);
    assert_int_equal(back.u_rc, G_OK);
    assert_null(back.u_sum);
    assert_string_equal(back.u_path, "pkg/mod.py");
    assert_int_equal(back.u_res.r_count, 2);
    assert_same(&f[0], &back.u_res.r_findings[0]);
    assert_same(&f[1], &back.u_res.r_findings[1]);
    assert_int_equal(d2.d_count, 0);
    drv_blob_free(&b);
    arena_free(a);
    diag_free(&d);
    diag_free(&d2);
}

static void test_driver_blob__failure_and_messages_round_trip(void **state)
{
    drv_unit back;
    drv_blob b = { NULL, 0, 0 };
    diag_ctx d, d2;
    arena *a;
    char buf[256];
    (void)state;
    diag_init(&d);
    diag_init(&d2);
    diag_add(&d, G_EBAD, "x.pyc", 1234, "bad marshal data (tuple size out of range)");
    diag_add(&d, G_EIO, NULL, -1, "second");
    assert_int_equal(arena_new(&a), G_OK);
    assert_int_equal(drv_blob_put(&b, G_EBAD, NULL, &d), G_OK);
    assert_int_equal(drv_blob_get(&back, "x.pyc", b.b_data, b.b_len, a, &d2), G_OK);
    assert_int_equal(back.u_rc, G_EBAD);
    assert_int_equal(back.u_res.r_count, 0);
    assert_int_equal(d2.d_count, 2);
    assert_string_equal(diag_format(&d2, 0, buf, 128), diag_format(&d, 0, buf + 128, 128));
    assert_int_equal(d2.d_msgs[0].dm_code, G_EBAD);
    assert_int_equal(d2.d_msgs[0].dm_offset, 1234);
    assert_null(d2.d_msgs[1].dm_file);
    assert_string_equal(d2.d_msgs[1].dm_text, "second");
    drv_blob_free(&b);
    arena_free(a);
    diag_free(&d);
    diag_free(&d2);
}

/* Every truncation and every flipped byte: an error or a well-formed result, never a crash
 * (ASan watches), and a truncated record is never taken as complete. */
static void test_driver_blob__damaged_bytes(void **state)
{
    finding f[2];
    drv_result r;
    drv_unit back;
    drv_blob b = { NULL, 0, 0 };
    diag_ctx d;
    arena *a;
    size_t n, i;
    (void)state;
    two_findings(f);
    memset(&r, 0, sizeof r);
    r.r_res.r_findings = f;
    r.r_res.r_count = 2;
    diag_init(&d);
    assert_int_equal(arena_new(&a), G_OK);
    assert_int_equal(drv_blob_put(&b, G_OK, &r, &d), G_OK);
    for (n = 0; n < b.b_len; n++) {
        arena_reset(a);
        assert_int_not_equal(drv_blob_get(&back, "p", b.b_data, n, a, &d), G_OK);
        assert_int_equal(back.u_res.r_count, 0);
        assert_null(back.u_sum);
    }
    for (i = 0; i < b.b_len; i++) {
        uint8_t *copy = mem_alloc(b.b_len);
        memcpy(copy, b.b_data, b.b_len);
        copy[i] ^= 0xff;
        arena_reset(a);
        if (drv_blob_get(&back, "p", copy, b.b_len, a, &d) == G_OK && !back.u_rc)
            assert_true(back.u_res.r_count <= 2);
        mem_free(copy);
    }
    drv_blob_free(&b);
    arena_free(a);
    diag_free(&d);
}

/* A schedule of 40 steps over 20 opnames: repeats within the writer's look-back and beyond it. */
static eng_step long_steps[40];
static eng_interleaving long_schedule = { long_steps, 40, "check-then-act", "D has 2 entries",
                                          "D has 1 entry", 7, 0 };

static void make_long_schedule(void)
{
    static char names[20][16], sees[40][24];
    uint32_t i;
    for (i = 0; i < 20; i++)
        snprintf(names[i], sizeof names[i], "OP_%u", i);
    for (i = 0; i < 40; i++) {
        eng_step *s = &long_steps[i];
        snprintf(sees[i], sizeof sees[i], "sees %u", i * 7);
        s->st_thread = i % 3 ? 'A' : 'B';
        s->st_instr = i % 5 ? (int32_t)i * 300 : -1;
        s->st_offset = i * 1000000u;
        s->st_opname = names[(i * 7) % 20];
        s->st_sees = i % 4 ? sees[i] : NULL;
        s->st_switch = i % 2;
        s->st_line = i % 6 ? (int32_t)i * 70000 : -1;
        s->st_col = i % 6 ? (int32_t)i : -1;
        s->st_arg = i % 3 ? names[i % 20] : NULL;
    }
}

/* The summary of a module with two racy functions, compiled by the embedded 3.11, its two
 * candidates given the schedules above; NULL when the embedded interpreter cannot compile. */
static eng_summary *racy_summary(arena *a, arena *kba, eng_kb *kb, pyc_file **pf)
{
    static const char src[] = "count = 0\n"
                              "D = {}\n"
                              "def work():\n"
                              "    global count\n"
                              "    count += 1\n"
                              "def fill(k):\n"
                              "    if k not in D:\n"
                              "        D[k] = 1\n";
    eng_options none;
    in_compiled c;
    bc_file *bf;
    eng_summary *sum;
    eng_result *cand;
    diag_ctx d;
    diag_init(&d);
    memset(&none, 0, sizeof none);
    if (rule_load_dir(kb, GILCHECK_RULES_DIR, kba, &d) ||
        in_compile_bytes(&c, (const uint8_t *)src, strlen(src), "pkg/racy.py", &d))
        return NULL;
    assert_int_equal(pyc_load_bytes(pf, c.ic_pyc, c.ic_len, "pkg/racy.py", &d), G_OK);
    in_compiled_free(&c);
    assert_int_equal(bc_decode_file(&bf, *pf, "pkg/racy.py", &d), G_OK);
    assert_int_equal(eng_summarize(&sum, *pf, bf, kb, &none, "pkg.racy", 0, a, &d,
                                   "pkg/racy.py"), G_OK);
    diag_free(&d);
    cand = eng_summary_candidates(sum);
    assert_int_equal(cand->r_count, 2);
    make_long_schedule();
    cand->r_findings[0].f_ilv = &schedule;
    cand->r_findings[1].f_ilv = &long_schedule;
    return sum;
}

static void test_driver_blob__candidates_stay_packed_until_reported(void **state)
{
    arena *a, *kba, *b;
    eng_kb kb;
    pyc_file *pf = NULL;
    eng_summary *sum;
    const eng_result *cand, *back_cand;
    drv_result r;
    drv_unit back;
    drv_blob blob = { NULL, 0, 0 };
    diag_ctx d;
    uint32_t i;
    size_t n;
    (void)state;
    assert_int_equal(arena_new(&a), G_OK);
    assert_int_equal(arena_new(&kba), G_OK);
    assert_int_equal(arena_new(&b), G_OK);
    if (!(sum = racy_summary(a, kba, &kb, &pf)))
        skip();
    cand = eng_summary_candidates(sum);
    memset(&r, 0, sizeof r);
    r.r_sum = sum;
    diag_init(&d);
    assert_int_equal(drv_blob_put(&blob, G_OK, &r, &d), G_OK);
    assert_int_equal(drv_blob_get(&back, "pkg/racy.py", blob.b_data, blob.b_len, b, &d), G_OK);
    assert_non_null(back.u_sum);
    back_cand = eng_summary_candidates(back.u_sum);
    assert_int_equal(back_cand->r_count, 2);
    for (i = 0; i < 2; i++) {
        finding f = back_cand->r_findings[i];
        /* kept packed: no steps to show before the composition reports it */
        assert_non_null(f.f_ilv);
        assert_int_equal(f.f_ilv->il_nsteps, 0);
        assert_int_equal(drv_blob_unpack(&f, b), G_OK);
        assert_same(&cand->r_findings[i], &f);
        assert_int_equal(drv_blob_unpack(&f, b), G_OK);   /* decoded stays decoded */
        assert_same(&cand->r_findings[i], &f);
    }
    /* every truncation is an error; flipped bytes an error or a well-formed record whose
     * candidates unpack (ASan watches) */
    for (n = 0; n < blob.b_len; n++) {
        arena_reset(b);
        assert_int_not_equal(drv_blob_get(&back, "p", blob.b_data, n, b, &d), G_OK);
        assert_null(back.u_sum);
    }
    for (n = 0; n < blob.b_len; n++) {
        uint8_t *copy = mem_alloc(blob.b_len);
        memcpy(copy, blob.b_data, blob.b_len);
        copy[n] ^= 0xff;
        arena_reset(b);
        if (drv_blob_get(&back, "p", copy, blob.b_len, b, &d) == G_OK && back.u_sum) {
            back_cand = eng_summary_candidates(back.u_sum);
            for (i = 0; i < back_cand->r_count; i++) {
                finding f = back_cand->r_findings[i];
                assert_int_equal(drv_blob_unpack(&f, b), G_OK);
                assert_true(!f.f_ilv || f.f_ilv->il_nsteps > 0);
            }
        }
        mem_free(copy);
    }
    diag_free(&d);
    drv_blob_free(&blob);
    pyc_file_free(pf);
    arena_free(a);
    arena_free(b);
    arena_free(kba);
}

/* drv_blob_head: the summary's bytes as written, the dependency, the messages, no candidates;
 * every truncation an error. */
static void test_driver_blob__head_without_candidates(void **state)
{
    arena *a, *kba, *b;
    eng_kb kb;
    pyc_file *pf = NULL;
    eng_summary *sum;
    drv_result r;
    drv_unit head, whole;
    drv_blob blob = { NULL, 0, 0 };
    diag_ctx d, d2;
    strbuf sb;
    const uint8_t *sbytes;
    size_t slen, n;
    (void)state;
    assert_int_equal(arena_new(&a), G_OK);
    assert_int_equal(arena_new(&kba), G_OK);
    assert_int_equal(arena_new(&b), G_OK);
    if (!(sum = racy_summary(a, kba, &kb, &pf)))
        skip();
    memset(&r, 0, sizeof r);
    r.r_sum = sum;
    r.r_source = "pkg/racy.py";
    r.r_named = "/elsewhere/racy.py";
    diag_init(&d);
    diag_init(&d2);
    diag_add(&d, 0, "pkg/racy.py", -1, "a warning");
    assert_int_equal(drv_blob_put(&blob, G_OK, &r, &d), G_OK);
    assert_int_equal(drv_blob_head(&head, &sbytes, &slen, "p", blob.b_data, blob.b_len, b, &d2),
                     G_OK);
    sb_init(&sb);
    assert_int_equal(eng_summary_write(&sb, sum), G_OK);
    assert_int_equal(slen, sb.sb_len);
    assert_memory_equal(sbytes, sb.sb_buf, slen);
    assert_null(head.u_sum);
    assert_int_equal(head.u_res.r_count, 0);      /* the candidates stay in the record */
    assert_string_equal(head.u_source, "pkg/racy.py");
    assert_string_equal(head.u_dep, "/elsewhere/racy.py");
    assert_int_equal(d2.d_count, 1);
    assert_string_equal(d2.d_msgs[0].dm_text, "a warning");
    /* the whole record says the same */
    assert_int_equal(drv_blob_get(&whole, "p", blob.b_data, blob.b_len, b, NULL), G_OK);
    assert_string_equal(whole.u_dep, "/elsewhere/racy.py");
    assert_int_equal(eng_summary_candidates(whole.u_sum)->r_count, 2);
    for (n = 0; n < blob.b_len; n++)
        assert_int_not_equal(drv_blob_head(&head, &sbytes, &slen, "p", blob.b_data, n, b, NULL),
                             G_OK);
    sb_free(&sb);
    diag_free(&d);
    diag_free(&d2);
    drv_blob_free(&blob);
    pyc_file_free(pf);
    arena_free(a);
    arena_free(b);
    arena_free(kba);
}

/* drv_run_put / drv_run_get: every unit's outcome with the composition's fields, the messages
 * and the failure flag; every truncation an error. */
static void test_driver_blob__run_outcome_round_trip(void **state)
{
    static const eng_related rel[] = { { "b.py", 40, 9, "Pool.put", "stores 'n' without a lock",
                                         "thread started at b.py:3" },
                                       { "c.py", -1, -1, "f", NULL, NULL } };
    finding f[2];
    drv_unit units[3], back[3];
    diag_ctx msgs[3], bmsgs[3], d, bd;
    drv_blob b = { NULL, 0, 0 };
    arena *a;
    int failed = 7;
    size_t i, n;
    (void)state;
    two_findings(f);
    f[0].f_context = "any caller of Pool.put";
    f[0].f_related = rel;
    f[0].f_nrelated = 2;
    f[0].f_chain = rel + 1;
    f[0].f_nchain = 1;
    memset(units, 0, sizeof units);
    units[0].u_res.r_findings = f;
    units[0].u_res.r_count = 2;
    units[1].u_rc = G_EIO;
    for (i = 0; i < 3; i++) {
        diag_init(&msgs[i]);
        diag_init(&bmsgs[i]);
    }
    diag_init(&d);
    diag_init(&bd);
    diag_add(&msgs[1], G_EIO, "b.py", -1, "cannot open (No such file or directory)");
    diag_add(&d, G_EBAD, NULL, -1, "thread-entry-points: no function is named 'x'");
    assert_int_equal(arena_new(&a), G_OK);
    assert_int_equal(drv_run_put(&b, units, msgs, 3, &d, 1), G_OK);
    memset(back, 0, sizeof back);
    assert_int_equal(drv_run_get(back, bmsgs, 3, &bd, &failed, b.b_data, b.b_len, a), G_OK);
    assert_int_equal(failed, 1);
    assert_int_equal(back[0].u_res.r_count, 2);
    assert_same(&f[0], &back[0].u_res.r_findings[0]);
    assert_same(&f[1], &back[0].u_res.r_findings[1]);
    assert_string_equal(back[0].u_res.r_findings[0].f_context, "any caller of Pool.put");
    assert_null(back[0].u_res.r_findings[1].f_context);
    assert_int_equal(back[0].u_res.r_findings[0].f_nrelated, 2);
    assert_string_equal(back[0].u_res.r_findings[0].f_related[0].rl_what,
                        "stores 'n' without a lock");
    assert_int_equal(back[0].u_res.r_findings[0].f_related[0].rl_col, 9);
    assert_null(back[0].u_res.r_findings[0].f_related[1].rl_what);
    assert_int_equal(back[0].u_res.r_findings[0].f_nchain, 1);
    assert_string_equal(back[0].u_res.r_findings[0].f_chain[0].rl_function, "f");
    assert_int_equal(back[1].u_rc, G_EIO);
    assert_int_equal(bmsgs[1].d_count, 1);
    assert_int_equal(bmsgs[0].d_count + bmsgs[2].d_count, 0);
    assert_int_equal(bd.d_count, 1);
    assert_int_equal(bd.d_msgs[0].dm_code, G_EBAD);
    /* another number of files, and every truncation: errors */
    assert_int_not_equal(drv_run_get(back, bmsgs, 2, NULL, &failed, b.b_data, b.b_len, a), G_OK);
    for (n = 0; n < b.b_len; n++) {
        memset(back, 0, sizeof back);
        assert_int_not_equal(drv_run_get(back, NULL, 3, NULL, &failed, b.b_data, n, a), G_OK);
    }
    for (i = 0; i < 3; i++) {
        diag_free(&msgs[i]);
        diag_free(&bmsgs[i]);
    }
    diag_free(&d);
    diag_free(&bd);
    drv_blob_free(&b);
    arena_free(a);
}

static void test_driver_blob__allocation_failures(void **state)
{
    finding f[2];
    drv_result r;
    diag_ctx d;
    long n, before = mem_live();
    int rc = G_ENOMEM;
    (void)state;
    two_findings(f);
    memset(&r, 0, sizeof r);
    r.r_res.r_findings = f;
    r.r_res.r_count = 2;
    diag_init(&d);
    for (n = 0; rc == G_ENOMEM && n < 100; n++) {
        drv_blob b = { NULL, 0, 0 };
        mem_fail_after(n);
        rc = drv_blob_put(&b, G_OK, &r, &d);
        mem_fail_after(-1);
        drv_blob_free(&b);
        assert_int_equal(mem_live(), before);
    }
    assert_int_equal(rc, G_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_driver_blob__findings_round_trip),
        cmocka_unit_test(test_driver_blob__failure_and_messages_round_trip),
        cmocka_unit_test(test_driver_blob__damaged_bytes),
        cmocka_unit_test(test_driver_blob__allocation_failures),
        cmocka_unit_test(test_driver_blob__candidates_stay_packed_until_reported),
        cmocka_unit_test(test_driver_blob__head_without_candidates),
        cmocka_unit_test(test_driver_blob__run_outcome_round_trip),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    in_shutdown();
    return rc;
}
