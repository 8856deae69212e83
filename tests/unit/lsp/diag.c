/* Unit tests for the language server's diagnostics as text: what a diagnostic says, that a
 * finding whose diagnostic did not change reuses its text while any change of what it is made
 * of (message, range, a character before it on the line, the other side) makes it anew, and
 * the cap on the other side's places in relatedInformation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "common/err.h"
#include "common/strbuf.h"
#include "lsp/lsp_int.h"
#include "../helpers.h"

/* Line 3 has a non-ASCII character before the finding: its UTF-16 column is one less than its
 * byte column. */
static const char text1[] = "import threading\n"
                            "n = 0\n"
                            "def f():\n"
                            "    global n; s = '\xC3\xA9'; n += 1\n";

typedef struct fixture {
    lsp_doc doc;
    finding f[3];
    eng_related other[2];
} fixture;

/* A document holding text1 with three findings: a GIL101 whose other side is in another file,
 * a GIL101 without one, and a copy of the first. */
static void fixture_init(fixture *x)
{
    memset(x, 0, sizeof *x);
    x->doc.d_uri = "file:///w/a.py";
    x->doc.d_path = "/w/a.py";
    x->doc.d_text = (char *)text1;
    x->doc.d_len = strlen(text1);
    x->doc.d_have_res = 1;
    x->other[0].rl_file = "/w/b c.py";
    x->other[0].rl_line = 7;
    x->other[0].rl_col = 5;
    x->other[0].rl_function = "g";
    x->other[0].rl_what = "stores 'n' without a lock";
    x->other[0].rl_context = "thread started at b.py:3";
    x->other[1] = x->other[0];
    x->other[1].rl_file = NULL;      /* in this file */
    x->other[1].rl_line = 4;
    x->other[1].rl_col = 25;
    x->f[0].f_rule = "GIL101";
    x->f[0].f_message = "read-modify-write of global 'n' is not atomic";
    x->f[0].f_target = "n";
    x->f[0].f_line = x->f[0].f_end_line = 4;
    x->f[0].f_col = 25;              /* bytes: the `n` after the two-byte character */
    x->f[0].f_end_col = 26;
    x->f[0].f_rel_line = 4;
    x->f[0].f_rel_col = 25;
    x->f[0].f_rel_what = "read";
    x->f[0].f_related = x->other;
    x->f[0].f_nrelated = 2;
    x->f[1] = x->f[0];
    x->f[1].f_message = "another finding";
    x->f[1].f_nrelated = 0;
    x->f[1].f_rel_line = -1;
    x->f[1].f_line = x->f[1].f_end_line = 2;
    x->f[1].f_col = 1;
    x->f[1].f_end_col = 2;
    x->f[2] = x->f[0];
    x->doc.d_res.r_res.r_findings = x->f;
    x->doc.d_res.r_res.r_count = 3;
}

/* The diagnostics of x as text (also into *out_text when not NULL), parsed. */
static json_t *diagnostics(fixture *x, int enc, char **out_text)
{
    strbuf sb;
    json_t *v;
    sb_init(&sb);
    assert_int_equal(lf_diagnostics_text(&x->doc, NULL, enc, &sb), G_OK);
    v = json_loads(sb.sb_buf, 0, NULL);
    assert_non_null(v);
    if (out_text)
        *out_text = strdup(sb.sb_buf);
    sb_free(&sb);
    return v;
}

static json_int_t at(json_t *v, const char *path)
{
    json_t *p = json_object_get(v, path);
    assert_true(json_is_integer(p));
    return json_integer_value(p);
}

static void test_lsp_diag__content(void **state)
{
    fixture x;
    json_t *all, *d, *rel, *loc;
    (void)state;
    fixture_init(&x);
    all = diagnostics(&x, LSP_UTF16, NULL);
    assert_int_equal(json_array_size(all), 3);
    d = json_array_get(all, 0);
    assert_string_equal(json_string_value(json_object_get(d, "code")), "GIL101");
    assert_string_equal(json_string_value(json_object_get(d, "message")), x.f[0].f_message);
    assert_int_equal(at(d, "severity"), 2);
    /* byte column 24 is UTF-16 character 23 */
    assert_int_equal(at(json_object_get(json_object_get(d, "range"), "start"), "line"), 3);
    assert_int_equal(at(json_object_get(json_object_get(d, "range"), "start"), "character"), 23);
    assert_int_equal(at(json_object_get(json_object_get(d, "range"), "end"), "character"), 24);
    rel = json_object_get(d, "relatedInformation");
    assert_int_equal(json_array_size(rel), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(rel, 0), "message")),
                        "the read of n");
    loc = json_object_get(json_array_get(rel, 1), "location");
    assert_string_equal(json_string_value(json_object_get(loc, "uri")), "file:///w/b%20c.py");
    /* another file: its columns are not converted (its text is not here) */
    assert_int_equal(at(json_object_get(json_object_get(loc, "range"), "start"), "character"), 4);
    assert_string_equal(json_string_value(json_object_get(json_array_get(rel, 1), "message")),
                        "races with: stores 'n' without a lock in g, thread started at b.py:3");
    loc = json_object_get(json_array_get(rel, 2), "location");
    assert_string_equal(json_string_value(json_object_get(loc, "uri")), "file:///w/a.py");
    assert_int_equal(at(json_object_get(json_object_get(loc, "range"), "start"), "character"), 23);
    assert_null(json_object_get(json_array_get(all, 1), "relatedInformation"));
    assert_true(json_equal(json_array_get(all, 0), json_array_get(all, 2)));
    json_decref(all);
    /* UTF-8 positions: the byte columns themselves */
    all = diagnostics(&x, LSP_UTF8, NULL);
    d = json_array_get(all, 0);
    assert_int_equal(at(json_object_get(json_object_get(d, "range"), "start"), "character"), 24);
    json_decref(all);
    lf_pieces_free(&x.doc.d_pieces);
}

static void test_lsp_diag__reuse(void **state)
{
    fixture x;
    char *a, *b;
    (void)state;
    fixture_init(&x);
    json_decref(diagnostics(&x, LSP_UTF16, &a));
    assert_int_equal(x.doc.d_pieces.ps_built, 2);    /* the copy shares the first's text */
    json_decref(diagnostics(&x, LSP_UTF16, &b));
    assert_int_equal(x.doc.d_pieces.ps_built, 0);    /* nothing changed: every text reused */
    assert_string_equal(a, b);
    free(b);
    lf_pieces_free(&x.doc.d_pieces);
    free(a);
}

/* Each change of what a diagnostic is made of makes that diagnostic anew, with the change. */
static void test_lsp_diag__changes(void **state)
{
    fixture x;
    char *text, text2[sizeof text1];
    json_t *all;
    (void)state;
    fixture_init(&x);
    json_decref(diagnostics(&x, LSP_UTF16, NULL));

    x.f[1].f_message = "changed";
    all = diagnostics(&x, LSP_UTF16, &text);
    assert_int_equal(x.doc.d_pieces.ps_built, 1);
    assert_non_null(strstr(text, "\"changed\""));
    free(text);
    json_decref(all);

    x.other[0].rl_context = "thread started at b.py:9";      /* the other side's context */
    x.f[2].f_related = NULL;                                 /* (the copy keeps the old one) */
    x.f[2].f_nrelated = 0;
    all = diagnostics(&x, LSP_UTF16, &text);
    assert_int_equal(x.doc.d_pieces.ps_built, 2);
    assert_non_null(strstr(text, "b.py:9"));
    free(text);
    json_decref(all);

    x.f[0].f_end_col = 30;                                   /* its range */
    all = diagnostics(&x, LSP_UTF16, NULL);
    assert_int_equal(x.doc.d_pieces.ps_built, 1);
    assert_int_equal(at(json_object_get(json_object_get(json_array_get(all, 0), "range"), "end"),
                        "character"), 28);
    json_decref(all);

    /* the two-byte character before it on its line becomes two ASCII ones: the same byte
     * columns are other characters (f[0] and f[2] change; f[1] on line 2 does not) */
    memcpy(text2, text1, sizeof text1);
    memcpy(strchr(text2, '\xC3'), "ab", 2);
    x.doc.d_text = text2;
    all = diagnostics(&x, LSP_UTF16, NULL);
    assert_int_equal(x.doc.d_pieces.ps_built, 2);
    assert_int_equal(at(json_object_get(json_object_get(json_array_get(all, 0), "range"),
                                        "start"), "character"), 24);
    json_decref(all);
    lf_pieces_free(&x.doc.d_pieces);
}

/* relatedInformation: the read, the first three accesses of the other side, and how many more
 * (at the finding); a fourth access hidden there changes nothing shown. */
static void test_lsp_diag__related_capped(void **state)
{
    fixture x;
    eng_related many[5];
    json_t *all, *rel, *last;
    int i;
    (void)state;
    fixture_init(&x);
    for (i = 0; i < 5; i++) {
        many[i] = x.other[0];
        many[i].rl_line = 10 + i;
    }
    x.f[0].f_related = many;
    x.f[0].f_nrelated = 5;
    all = diagnostics(&x, LSP_UTF16, NULL);
    rel = json_object_get(json_array_get(all, 0), "relatedInformation");
    assert_int_equal(json_array_size(rel), 5);
    assert_int_equal(at(json_object_get(json_object_get(json_object_get(json_array_get(rel, 3),
                                                                        "location"), "range"),
                                        "start"), "line"), 11);
    last = json_array_get(rel, 4);
    assert_string_equal(json_string_value(json_object_get(last, "message")),
                        "and 2 more accesses it races with: the hover lists them all");
    assert_string_equal(json_string_value(json_object_get(json_object_get(last, "location"),
                                                          "uri")), "file:///w/a.py");
    assert_int_equal(at(json_object_get(json_object_get(json_object_get(last, "location"),
                                                        "range"), "start"), "character"), 23);
    json_decref(all);
    many[4].rl_context = "elsewhere";    /* not shown: the same text */
    json_decref(diagnostics(&x, LSP_UTF16, NULL));
    assert_int_equal(x.doc.d_pieces.ps_built, 0);
    x.f[0].f_nrelated = 4;               /* one fewer: "and 1 more" */
    all = diagnostics(&x, LSP_UTF16, NULL);
    rel = json_object_get(json_array_get(all, 0), "relatedInformation");
    assert_string_equal(json_string_value(json_object_get(json_array_get(rel, 4), "message")),
                        "and 1 more access it races with: the hover lists them all");
    json_decref(all);
    lf_pieces_free(&x.doc.d_pieces);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lsp_diag__content),
        cmocka_unit_test(test_lsp_diag__reuse),
        cmocka_unit_test(test_lsp_diag__changes),
        cmocka_unit_test(test_lsp_diag__related_capped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
