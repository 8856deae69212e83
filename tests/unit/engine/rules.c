/* Unit tests for loading the rules and the atomicity knowledge base from YAML. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "engine/engine.h"
#include "../helpers.h"

static int has(const char *const *list, size_t n, const char *s)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (!strcmp(list[i], s))
            return 1;
    return 0;
}

static void test_engine_rules__the_rule_set_loads(void **state)
{
    static const char *const ids[] = { "GIL000", "GIL101", "GIL102", "GIL103", "GIL104",
                                       "GIL105", "GIL106", "GIL107", "GIL201", "GIL202",
                                       "GIL203", "GIL204", "GIL301", "GIL900" };
    const size_t nids = sizeof ids / sizeof *ids;
    arena *a;
    diag_ctx d;
    eng_kb kb;
    char buf[512];
    size_t i;
    (void)state;
    assert_int_equal(arena_new(&a), G_OK);
    diag_init(&d);
    if (rule_load_dir(&kb, GILCHECK_RULES_DIR, a, &d))
        fail_msg("%s", diag_format(&d, 0, buf, sizeof buf));
    assert_int_equal(kb.k_nrules, nids);
    assert_string_equal(kb.k_rules[0].r_id, "GIL000");   /* sorted by id */
    assert_string_equal(kb.k_rules[0].r_detector, "syntax");
    for (i = 0; i < nids; i++) {
        const eng_rule *r = rule_find(&kb, ids[i]);
        assert_non_null(r);
        assert_true(r->r_nunsafe >= 1);
        assert_true(r->r_nsafe >= 1);
        assert_true(r->r_nrefs >= 1);
        assert_non_null(r->r_detector);
    }
    assert_null(rule_find(&kb, "GIL999"));
    /* the opt-in rule, and the settings each rule documents */
    assert_true(rule_find(&kb, "GIL900")->r_opt_in);
    assert_true(rule_find(&kb, "GIL204")->r_opt_in);
    assert_false(rule_find(&kb, "GIL101")->r_opt_in);
    assert_int_equal(rule_find(&kb, "GIL301")->r_noptions, 1);
    assert_string_equal(rule_find(&kb, "GIL301")->r_options[0], "lock-names");
    assert_true(has(kb.k_mutators, kb.k_nmutators, "append"));
    assert_true(has(kb.k_mutators, kb.k_nmutators, "popleft"));
    assert_false(has(kb.k_mutators, kb.k_nmutators, "get"));
    assert_true(has(kb.k_ir.k_reader_methods, kb.k_ir.k_nreader_methods, "get"));
    assert_true(has(kb.k_ir.k_reader_funcs, kb.k_ir.k_nreader_funcs, "len"));
    assert_true(has(kb.k_deleters, kb.k_ndeleters, "pop"));
    /* containers are known by their constructors, not by method names */
    assert_true(has(kb.k_containers, kb.k_ncontainers, "dict"));
    assert_true(has(kb.k_containers, kb.k_ncontainers, "collections.OrderedDict"));
    assert_true(has(kb.k_containers, kb.k_ncontainers, "weakref.WeakValueDictionary"));
    assert_false(has(kb.k_containers, kb.k_ncontainers, "hashlib.sha256"));
    assert_true(has(kb.k_sequences, kb.k_nsequences, "list"));
    assert_false(has(kb.k_sequences, kb.k_nsequences, "dict"));
    /* the documented idioms that work whether the entry is there or not */
    assert_true(has(kb.k_either_way, kb.k_neither_way, "setdefault/0"));
    assert_true(has(kb.k_either_way, kb.k_neither_way, "discard/0"));
    assert_true(has(kb.k_either_way, kb.k_neither_way, "pop/2"));
    assert_false(has(kb.k_either_way, kb.k_neither_way, "pop/0"));
    diag_free(&d);
    arena_free(a);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_engine_rules__bad_rules_name_the_file_and_line(void **state)
{
    char dir[] = "/tmp/gilcheck-rules-XXXXXX", path[256], buf[512];
    arena *a;
    diag_ctx d;
    eng_kb kb;
    (void)state;
    assert_non_null(mkdtemp(dir));
    assert_int_equal(arena_new(&a), G_OK);
    diag_init(&d);
    snprintf(path, sizeof path, "%s/GIL900.yaml", dir);
    write_file(path, "id: GIL900\nname: x\nsummary: [unclosed\n");
    assert_int_equal(rule_load_dir(&kb, dir, a, &d), G_EBAD);
    diag_format(&d, d.d_count - 1, buf, sizeof buf);
    assert_non_null(strstr(buf, "GIL900.yaml: line 4: did not find expected"));

    write_file(path, "id: GIL900\nname: x\nsummary: s\nseverity: fatal\nexplanation: e\nfix: f\n");
    assert_int_equal(rule_load_dir(&kb, dir, a, &d), G_EBAD);
    diag_format(&d, d.d_count - 1, buf, sizeof buf);
    assert_non_null(strstr(buf, "severity"));

    write_file(path, "id: GIL900\nname: x\n");
    assert_int_equal(rule_load_dir(&kb, dir, a, &d), G_EBAD);
    diag_format(&d, d.d_count - 1, buf, sizeof buf);
    assert_non_null(strstr(buf, "missing key 'summary'"));
    unlink(path);

    assert_int_equal(rule_load_dir(&kb, dir, a, &d), G_EIO);  /* no atomicity.yaml */
    diag_format(&d, d.d_count - 1, buf, sizeof buf);
    assert_non_null(strstr(buf, "atomicity.yaml"));
    rmdir(dir);
    diag_free(&d);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_engine_rules__the_rule_set_loads),
        cmocka_unit_test(test_engine_rules__bad_rules_name_the_file_and_line),
    };
    return cmocka_run_group_tests_name("engine_rules", tests, NULL, NULL);
}
