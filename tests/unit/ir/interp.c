/* Unit tests for the ir stage: blocks and dominators of every fixture code object, and the
 * access events and lock regions the interpretation finds, the same on every version. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "common/err.h"
#include "ir/ir.h"
#include "../helpers.h"

static const int minors[] = { 6, 7, 8, 9, 10, 11, 12, 13, 14 };
static const char *const readers[] = { "get", "keys", "index", "count" };
static const char *const reader_funcs[] = { "len" };
static const ir_kb kb = { readers, 4, reader_funcs, 1, NULL, 0 };

typedef struct loaded {
    pyc_file *l_pyc;
    bc_file *l_bf;
    arena *l_arena;
    ir_paths *l_paths;
} loaded;

static void load(loaded *l, int minor, const char *name)
{
    char rel[128], buf[512];
    diag_ctx d;
    snprintf(rel, sizeof rel, "fixtures/pyc/3.%d/%s.pyc", minor, name);
    diag_init(&d);
    if (pyc_load_path(&l->l_pyc, resource(rel), &d) || bc_decode_file(&l->l_bf, l->l_pyc, rel, &d))
        fail_msg("%s", d.d_count ? diag_format(&d, 0, buf, sizeof buf) : rel);
    assert_int_equal(arena_new(&l->l_arena), G_OK);
    assert_int_equal(ir_paths_new(&l->l_paths, l->l_arena), G_OK);
    diag_free(&d);
}

static void unload(loaded *l)
{
    arena_free(l->l_arena);
    pyc_file_free(l->l_pyc);
}

static void build(loaded *l, uint32_t i, ir_func *f)
{
    diag_ctx d;
    memset(f, 0, sizeof *f);
    diag_init(&d);
    assert_int_equal(cfg_build(f, &l->l_bf->bf_codes[i], l->l_arena, &d, "t"), G_OK);
    assert_int_equal(ir_interpret(f, l->l_bf, &kb, l->l_paths, l->l_arena, &d, "t"), G_OK);
    diag_free(&d);
}

static uint32_t code_named(const loaded *l, const char *name)
{
    uint32_t i;
    for (i = 0; i < l->l_bf->bf_ncodes; i++)
        if (pyc_str_eq(l->l_bf->bf_codes[i].bc_src->co_name, name))
            return i;
    fail_msg("no code object %s", name);
    return 0;
}

static void test_ir_interp__blocks_hold_their_invariants_in_every_fixture(void **state)
{
    static const char *const names[] = { "basics", "control", "scopes", "threads", "async_code",
                                         "big" };
    size_t v, n;
    (void)state;
    for (v = 0; v < sizeof minors / sizeof minors[0]; v++) {
        for (n = 0; n < sizeof names / sizeof names[0]; n++) {
            loaded l;
            uint32_t i, b;
            load(&l, minors[v], names[n]);
            for (i = 0; i < l.l_bf->bf_ncodes; i++) {
                ir_func f;
                build(&l, i, &f);
                if (!cfg_check(&f))
                    fail_msg("3.%d %s code %u: block invariants broken", minors[v], names[n], i);
                for (b = 0; b < f.f_nblocks; b++)
                    if (f.f_blocks[b].b_reached && b != 0 && f.f_blocks[b].b_idom != UINT32_MAX)
                        assert_true(ir_dominates(&f, 0, b));
                assert_true(f.f_nblocks == 0 || f.f_blocks[0].b_reached);
            }
            unload(&l);
        }
    }
}

/* The single store event to global `name` in f. */
static const ir_event *store_of(const ir_func *f, const char *name)
{
    uint32_t k;
    for (k = 0; k < f->f_nevents; k++) {
        const ir_event *e = &f->f_events[k];
        if (e->ev_kind == EV_STORE && e->ev_path && !strcmp(ir_path_text(e->ev_path), name))
            return e;
    }
    return NULL;
}

static void test_ir_interp__read_modify_write_and_locks_on_every_version(void **state)
{
    size_t v;
    (void)state;
    for (v = 0; v < sizeof minors / sizeof minors[0]; v++) {
        loaded l;
        ir_func unsafe, with, manual;
        const ir_event *e;
        load(&l, minors[v], "threads");
        build(&l, code_named(&l, "unsafe_increment"), &unsafe);
        build(&l, code_named(&l, "safe_increment"), &with);
        build(&l, code_named(&l, "manual_locking"), &manual);

        /* counter += 1: the stored value comes from a load of the same global, no lock */
        e = store_of(&unsafe, "global:counter");
        assert_non_null(e);
        assert_int_equal(e->ev_srcs.s_n >= 1, 1);
        assert_string_equal(ir_path_text(unsafe.f_events[e->ev_srcs.s_ev[0]].ev_path), "global:counter");
        assert_true(e->ev_locks == 0);

        /* with lock: counter += 1 */
        e = store_of(&with, "global:counter");
        assert_non_null(e);
        if (!e->ev_locks)
            fail_msg("3.%d: the store inside `with lock:` is not under the lock", minors[v]);
        assert_int_equal(with.f_nacqs, 1);
        assert_string_equal(ir_path_text(with.f_acqs[0].a_path), "global:lock");
        assert_int_equal(with.f_acqs[0].a_with, 1);

        /* lock.acquire(); try: counter = counter + 1 finally: lock.release() */
        e = store_of(&manual, "global:counter");
        assert_non_null(e);
        if (!e->ev_locks)
            fail_msg("3.%d: the store between acquire() and release() is not under the lock",
                     minors[v]);
        assert_int_equal(manual.f_acqs[0].a_with, 0);
        unload(&l);
    }
}

static void test_ir_interp__check_then_act_is_guarded(void **state)
{
    size_t v;
    (void)state;
    for (v = 0; v < sizeof minors / sizeof minors[0]; v++) {
        loaded l;
        ir_func f;
        uint32_t k;
        int found = 0;
        load(&l, minors[v], "threads");
        build(&l, code_named(&l, "check_then_act"), &f);
        /* cache[key] = factory() sits in a block guarded by the test `key not in cache` */
        for (k = 0; k < f.f_nevents; k++) {
            const ir_event *e = &f.f_events[k];
            int32_t g;
            uint32_t b;
            if (e->ev_kind != EV_STORE || !e->ev_path || e->ev_path->p_kind != PATH_ITEM)
                continue;
            for (b = e->ev_block; b != UINT32_MAX; b = f.f_blocks[b].b_idom) {
                if ((g = ir_block_guard(&f, b)) >= 0 && f.f_events[g].ev_test == TEST_NOT_IN) {
                    assert_string_equal(ir_path_text(f.f_events[g].ev_path), "global:cache");
                    found = 1;
                    break;
                }
            }
        }
        if (!found)
            fail_msg("3.%d: no store into cache guarded by `not in`", minors[v]);
        unload(&l);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ir_interp__blocks_hold_their_invariants_in_every_fixture),
        cmocka_unit_test(test_ir_interp__read_modify_write_and_locks_on_every_version),
        cmocka_unit_test(test_ir_interp__check_then_act_is_guarded),
    };
    return cmocka_run_group_tests_name("ir_interp", tests, NULL, NULL);
}
