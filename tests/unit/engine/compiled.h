/* Shared by the engine's unit tests that analyse source compiled by the embedded 3.11: the
 * fixture (rules, the compiled file, its findings), compiling and analysing a source into it, and
 * the cmocka group setup and teardown. */
#ifndef GILCHECK_TEST_ENGINE_COMPILED_H
#define GILCHECK_TEST_ENGINE_COMPILED_H

#include "bytecode/bytecode.h"
#include "common/err.h"
#include "engine/engine.h"
#include "input/input.h"
#include "pyc/pyc.h"

typedef struct fixture {
    arena *a, *kba;
    eng_kb kb;
    pyc_file *pf;
    bc_file *bf;
    eng_result res;
} fixture;

/* Compiles and analyses src into fx with the options opt (the previous file is freed). */
static inline void analyse_opt(fixture *fx, const char *src, const eng_options *opt)
{
    in_compiled c;
    diag_ctx d;
    diag_init(&d);
    pyc_file_free(fx->pf);
    fx->pf = NULL;
    memset(&fx->res, 0, sizeof fx->res);
    assert_int_equal(in_compile_bytes(&c, (const uint8_t *)src, strlen(src), "t.py", &d), G_OK);
    assert_false(c.ic_syntax);
    assert_int_equal(pyc_load_bytes(&fx->pf, c.ic_pyc, c.ic_len, "t.py", &d), G_OK);
    in_compiled_free(&c);
    assert_int_equal(bc_decode_file(&fx->bf, fx->pf, "t.py", &d), G_OK);
    assert_int_equal(eng_analyze(&fx->res, fx->pf, fx->bf, &fx->kb, opt, fx->a, &d, "t.py"), G_OK);
    diag_free(&d);
}

/* The same with every function taken as concurrent (--scope all). */
static inline void analyse(fixture *fx, const char *src)
{
    eng_options opt = { .o_scope_all = 1 };
    analyse_opt(fx, src, &opt);
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    diag_ctx d;
    diag_init(&d);
    if (!fx || arena_new(&fx->a) || arena_new(&fx->kba) ||
        rule_load_dir(&fx->kb, GILCHECK_RULES_DIR, fx->kba, &d))
        return -1;
    diag_free(&d);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    pyc_file_free(fx->pf);
    arena_free(fx->a);
    arena_free(fx->kba);
    free(fx);
    in_shutdown();
    return 0;
}

#endif
