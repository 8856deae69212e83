/* Unit tests for the switch points on edges (bc_switch_on_edge, bc_handler_index) over the control
 * fixture compiled by every version, and for the one renderer of instructions (bc_argtext,
 * bc_access_of). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "bytecode/bytecode.h"
#include "common/err.h"
#include "pyc/pyc.h"
#include "../helpers.h"

static const int minors[] = { 6, 7, 8, 9, 10, 11, 12, 13, 14 };

static pyc_file *load(int minor, bc_file **bf)
{
    char rel[128];
    pyc_file *f = NULL;
    diag_ctx d;
    diag_init(&d);
    snprintf(rel, sizeof rel, "fixtures/pyc/3.%d/control.pyc", minor);
    assert_int_equal(pyc_load_path(&f, resource(rel), &d), G_OK);
    assert_int_equal(bc_decode_file(bf, f, rel, &d), G_OK);
    diag_free(&d);
    return f;
}

static const bc_code *code_named(const bc_file *bf, const char *name)
{
    uint32_t i;
    for (i = 0; i < bf->bf_ncodes; i++)
        if (pyc_str_eq(bf->bf_codes[i].bc_src->co_name, name))
            return &bf->bf_codes[i];
    fail_msg("no code object %s", name);
    return NULL;
}

static int named(const bc_code *bc, uint32_t i, const char *name)
{
    return !strcmp(bc_opname(bc, &bc->bc_instrs[i]), name);
}

/* Conditional jumps: 3.6-3.9 check on both edges unless the value is a bool, 3.10 on the jump
 * edge only, 3.11 on backward jumps only, 3.12+ never. */
static void test_bytecode_switch__conditional_jumps(void **state)
{
    size_t v;
    (void)state;
    for (v = 0; v < sizeof minors / sizeof *minors; v++) {
        int m = minors[v], seen_bool = 0, seen_other = 0;
        bc_file *bf;
        pyc_file *f = load(m, &bf);
        const bc_code *bc = code_named(bf, "loops");
        uint32_t i;
        for (i = 1; i < bc->bc_ninstrs; i++) {
            const bc_instr *in = &bc->bc_instrs[i];
            int next, jump, after_cmp = in[-1].in_sem == SEM_COMPARE || in[-1].in_sem == SEM_TO_BOOL;
            if (in->in_sem != SEM_JUMP_IF)
                continue;
            next = bc_switch_on_edge(bc, i, BC_EDGE_NEXT);
            jump = bc_switch_on_edge(bc, i, BC_EDGE_JUMP);
            if (m <= 9) {
                int target = 0;
                uint32_t k;
                for (k = 0; k < bc->bc_ninstrs; k++)
                    target |= bc->bc_instrs[k].in_target == (int32_t)in->in_offset;
                if (after_cmp && !target) {
                    assert_false(next);
                    assert_false(jump);
                    seen_bool = 1;
                } else if (!after_cmp) {
                    assert_true(next);
                    assert_true(jump);
                    seen_other = 1;
                }
            } else if (m == 10) {
                assert_false(next);
                assert_int_equal(jump, named(bc, i, "POP_JUMP_IF_FALSE") ||
                                       named(bc, i, "POP_JUMP_IF_TRUE"));
            } else if (m == 11) {
                assert_false(next);
                assert_int_equal(jump, !strncmp(bc_opname(bc, in), "POP_JUMP_BACKWARD_IF_", 21));
            } else {
                assert_false(next);
                assert_false(jump);
            }
        }
        if (m <= 9) {
            assert_true(seen_bool);      /* `if i > 10:` */
            assert_true(seen_other);     /* `if i % 2:` */
        }
        pyc_file_free(f);
    }
}

/* Exception edges: up to 3.10 an exception enters its handler through the eval loop's check;
 * from 3.11 it does not.  The handler is found from SETUP_* before 3.11 and from the exception
 * table after. */
static void test_bytecode_switch__handler_entry(void **state)
{
    size_t v;
    (void)state;
    for (v = 0; v < sizeof minors / sizeof *minors; v++) {
        int m = minors[v], covered = 0;
        bc_file *bf;
        pyc_file *f = load(m, &bf);
        const bc_code *bc = code_named(bf, "exceptions");
        uint32_t i;
        for (i = 0; i < bc->bc_ninstrs; i++) {
            int32_t h = bc_handler_index(bc, i);
            if (bc->bc_instrs[i].in_sem != SEM_CALL || h < 0)
                continue;
            covered++;
            assert_true((uint32_t)h > i);
            assert_int_equal(bc_edge_target(bc, i, BC_EDGE_RAISE), h);
            /* a call runs code: a switch on every edge of every version */
            assert_true(bc_switch_on_edge(bc, i, BC_EDGE_RAISE));
            assert_true(bc_switch_on_edge(bc, i, BC_EDGE_NEXT));
        }
        assert_true(covered > 0);
        for (i = 0; i < bc->bc_ninstrs; i++) {
            const bc_instr *in = &bc->bc_instrs[i];
            if (in->in_sem != SEM_LOAD_GLOBAL || bc_handler_index(bc, i) < 0)
                continue;
            assert_int_equal(bc_switch_on_edge(bc, i, BC_EDGE_RAISE), m <= 10);
        }
        pyc_file_free(f);
    }
}

/* Instructions that never check: LOAD_FAST and LOAD_CONST on every version; after 3.9 a
 * LOAD_GLOBAL neither. */
static void test_bytecode_switch__fast_instructions(void **state)
{
    size_t v;
    (void)state;
    for (v = 0; v < sizeof minors / sizeof *minors; v++) {
        bc_file *bf;
        pyc_file *f = load(minors[v], &bf);
        uint32_t c, i;
        for (c = 0; c < bf->bf_ncodes; c++) {
            const bc_code *bc = &bf->bf_codes[c];
            for (i = 0; i < bc->bc_ninstrs; i++) {
                int sem = bc->bc_instrs[i].in_sem;
                if (sem == SEM_LOAD_FAST || sem == SEM_LOAD_CONST)
                    assert_false(bc_switch_on_edge(bc, i, BC_EDGE_NEXT));
                if (sem == SEM_LOAD_GLOBAL)
                    assert_int_equal(bc_switch_on_edge(bc, i, BC_EDGE_NEXT), minors[v] <= 9);
                if (sem == SEM_CALL)
                    assert_true(bc_runs_code(bc, i));
            }
        }
        pyc_file_free(f);
    }
}

/* The one renderer: dis's argument text and the plain value, and the access kinds. */
static void test_bytecode_switch__renderer(void **state)
{
    bc_file *bf;
    pyc_file *f = load(11, &bf);
    const bc_code *bc = code_named(bf, "loops");
    uint32_t i;
    int jumps = 0, binops = 0;
    (void)state;
    for (i = 0; i < bc->bc_ninstrs; i++) {
        const bc_instr *in = &bc->bc_instrs[i];
        strbuf dis, val;
        sb_init(&dis);
        sb_init(&val);
        bc_argtext(&dis, bc, in, BC_ARG_DIS);
        bc_argtext(&val, bc, in, BC_ARG_VALUE);
        if (in->in_flags & OPF_JUMP) {
            char want[32];
            snprintf(want, sizeof want, "to %d", in->in_target);
            assert_string_equal(dis.sb_buf, want);
            jumps++;
        }
        if (in->in_sem == SEM_BINARY) {
            assert_string_equal(dis.sb_buf, val.sb_buf);   /* "+=", "%" */
            binops++;
        }
        if (in->in_sem == SEM_LOAD_FAST)
            assert_int_equal(bc_access_of(in), BC_ACC_NONE);
        if (in->in_sem == SEM_CALL) {
            assert_int_equal(bc_access_of(in), BC_ACC_CALL);
            assert_non_null(bc_access_words(in));
        }
        sb_free(&dis);
        sb_free(&val);
    }
    assert_true(jumps > 3);
    assert_true(binops > 0);
    pyc_file_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bytecode_switch__conditional_jumps),
        cmocka_unit_test(test_bytecode_switch__handler_entry),
        cmocka_unit_test(test_bytecode_switch__fast_instructions),
        cmocka_unit_test(test_bytecode_switch__renderer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
