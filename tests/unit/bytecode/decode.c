/* Unit tests for instruction decoding and the version-neutral form, over the fixtures of every
 * version 3.6-3.14. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "bytecode/bytecode.h"
#include "common/err.h"
#include "pyc/pyc.h"
#include "../helpers.h"

static const int minors[] = { 6, 7, 8, 9, 10, 11, 12, 13, 14 };

static pyc_file *load_fixture(int minor, const char *name, bc_file **bf)
{
    char rel[128];
    pyc_file *f = NULL;
    diag_ctx d;
    char buf[512];
    snprintf(rel, sizeof rel, "fixtures/pyc/3.%d/%s.pyc", minor, name);
    diag_init(&d);
    if (pyc_load_path(&f, resource(rel), &d) || bc_decode_file(bf, f, rel, &d))
        fail_msg("%s", d.d_count ? diag_format(&d, 0, buf, sizeof buf) : rel);
    diag_free(&d);
    return f;
}

static const bc_code *find_code(const bc_file *bf, const char *name)
{
    uint32_t i;
    for (i = 0; i < bf->bf_ncodes; i++)
        if (pyc_str_eq(bf->bf_codes[i].bc_src->co_name, name))
            return &bf->bf_codes[i];
    fail_msg("no code object %s", name);
    return NULL;
}

/* The semantic operations of a code object with no-ops and version-only scaffolding removed
 * (RESUME, NOP, PUSH_NULL, PRECALL, TO_BOOL, NOT_TAKEN, CACHE), as one string. */
static void sem_string(const bc_code *bc, char *out, size_t size)
{
    static const char *const names[SEM_COUNT_] = {
        [SEM_LOAD_GLOBAL] = "LG", [SEM_STORE_GLOBAL] = "SG", [SEM_LOAD_CONST] = "LC",
        [SEM_LOAD_INT] = "LC", [SEM_BINARY] = "BIN", [SEM_RETURN] = "RET",
        [SEM_RETURN_CONST] = "LC RET", [SEM_LOAD_ATTR] = "LA", [SEM_STORE_ATTR] = "SA",
        [SEM_LOAD_FAST] = "LF", [SEM_STORE_FAST] = "SF", [SEM_COPY] = "COPY", [SEM_SWAP] = "SWAP",
        [SEM_ROT] = "ROT", [SEM_SUBSCR] = "SUB", [SEM_STORE_SUBSCR] = "SS", [SEM_CALL] = "CALL",
        [SEM_DUP_TWO] = "DUP2", [SEM_POP] = "POP", [SEM_CONTAINS] = "IN",
        [SEM_JUMP_IF] = "JIF", [SEM_JUMP] = "J",
    };
    uint32_t i;
    out[0] = 0;
    for (i = 0; i < bc->bc_ninstrs; i++) {
        const bc_instr *in = &bc->bc_instrs[i];
        const char *n = names[in->in_sem];
        size_t len = strlen(out);
        if (in->in_sem == SEM_NOP || in->in_sem == SEM_PUSH_NULL || in->in_sem == SEM_PRECALL ||
            in->in_sem == SEM_TO_BOOL || in->in_sem == SEM_KW_NAMES)
            continue;
        snprintf(out + len, size - len, "%s%s", len ? " " : "", n ? n : bc_opname(bc, in));
        if (in->in_sem == SEM_BINARY) {
            len = strlen(out);
            snprintf(out + len, size - len, "(%d)", in->in_a);
        }
    }
}

static void test_bytecode_decode__global_increment_is_the_same_on_every_version(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < sizeof minors / sizeof minors[0]; i++) {
        bc_file *bf;
        pyc_file *f = load_fixture(minors[i], "threads", &bf);
        const bc_code *bc = find_code(bf, "unsafe_increment");
        char seq[512];
        uint32_t k;
        sem_string(bc, seq, sizeof seq);
        /* counter += 1: load, in-place add, store, then return None */
        if (strcmp(seq, "LG LC BIN(13) SG LC RET") != 0)
            fail_msg("3.%d: %s", minors[i], seq);
        for (k = 0; k < bc->bc_ninstrs; k++) {
            const bc_instr *in = &bc->bc_instrs[k];
            if (in->in_sem == SEM_LOAD_GLOBAL || in->in_sem == SEM_STORE_GLOBAL)
                assert_true(pyc_str_eq(bc_name(bc, in->in_a), "counter"));
        }
        pyc_file_free(f);
    }
}

static void test_bytecode_decode__attribute_augassign_uses_copy_or_dup(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < sizeof minors / sizeof minors[0]; i++) {
        bc_file *bf;
        pyc_file *f = load_fixture(minors[i], "basics", &bf);
        uint32_t c, k;
        int found = 0;
        /* somewhere in basics.py an `x.attr += v` compiles to dup/copy the object, load the
         * attribute, add in place and store it back: find one in any code object */
        for (c = 0; c < bf->bf_ncodes && !found; c++) {
            const bc_code *bc = &bf->bf_codes[c];
            for (k = 0; k + 1 < bc->bc_ninstrs; k++) {
                const bc_instr *in = &bc->bc_instrs[k];
                if (in->in_sem == SEM_COPY && in->in_a == 1 &&
                    bc->bc_instrs[k + 1].in_sem == SEM_LOAD_ATTR) {
                    found = 1;
                    break;
                }
            }
        }
        if (!found)
            fail_msg("3.%d: no COPY 1 / DUP_TOP before LOAD_ATTR", minors[i]);
        pyc_file_free(f);
    }
}

static void test_bytecode_decode__jump_targets_land_on_instructions(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < sizeof minors / sizeof minors[0]; i++) {
        bc_file *bf;
        pyc_file *f = load_fixture(minors[i], "control", &bf);
        uint32_t c, k, jumps = 0;
        for (c = 0; c < bf->bf_ncodes; c++) {
            const bc_code *bc = &bf->bf_codes[c];
            for (k = 0; k < bc->bc_ninstrs; k++) {
                int32_t t = bc->bc_instrs[k].in_target;
                if (t < 0)
                    continue;
                jumps++;
                assert_true((uint32_t)t / 2 < bc->bc_nunits);
                assert_true(bc->bc_at[t / 2] >= 0);
            }
            for (k = 0; k < bc->bc_nhandlers; k++)
                assert_true(bc->bc_at[bc->bc_handlers[k].h_target / 2] >= 0);
        }
        assert_true(jumps > 10);
        pyc_file_free(f);
    }
}

static void test_bytecode_decode__extended_arg_folds_into_the_argument(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < sizeof minors / sizeof minors[0]; i++) {
        bc_file *bf;
        pyc_file *f = load_fixture(minors[i], "big", &bf);
        uint32_t c, k, seen = 0;
        for (c = 0; c < bf->bf_ncodes; c++) {
            const bc_code *bc = &bf->bf_codes[c];
            for (k = 0; k + 1 < bc->bc_ninstrs; k++) {
                const bc_instr *in = &bc->bc_instrs[k], *next = &bc->bc_instrs[k + 1];
                if (strcmp(bc_opname(bc, in), "EXTENDED_ARG") != 0 ||
                    !strcmp(bc_opname(bc, next), "EXTENDED_ARG"))
                    continue;
                seen++;
                assert_true(next->in_arg > 255);
                assert_int_equal(next->in_arg >> 8, in->in_arg);
            }
        }
        if (!seen)
            fail_msg("3.%d: big.py has no EXTENDED_ARG", minors[i]);
        pyc_file_free(f);
    }
}

static void test_bytecode_decode__version_neutral_name_arrays(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < sizeof minors / sizeof minors[0]; i++) {
        bc_file *bf;
        pyc_file *f = load_fixture(minors[i], "scopes", &bf);
        uint32_t c, k, derefs = 0;
        for (c = 0; c < bf->bf_ncodes; c++) {
            const bc_code *bc = &bf->bf_codes[c];
            for (k = 0; k < bc->bc_ninstrs; k++) {
                const bc_instr *in = &bc->bc_instrs[k];
                if (in->in_sem == SEM_LOAD_DEREF || in->in_sem == SEM_STORE_DEREF) {
                    assert_non_null(bc_deref(bc, in->in_a));
                    derefs++;
                }
                if (in->in_sem == SEM_LOAD_FAST || in->in_sem == SEM_STORE_FAST)
                    assert_non_null(bc_local(bc, in->in_a));
            }
        }
        assert_true(derefs > 0);
        pyc_file_free(f);
    }
}

/* Rewrites the first instruction of the module with `op`/`arg` and decodes. */
static int decode_patched(int minor, int op, int arg, diag_ctx *d)
{
    char rel[128];
    size_t len;
    uint8_t *data;
    pyc_file *f = NULL;
    bc_file *bf;
    int rc;
    snprintf(rel, sizeof rel, "fixtures/pyc/3.%d/small.pyc", minor);
    data = slurp(resource(rel), &len);
    assert_non_null(data);
    assert_int_equal(pyc_load_bytes(&f, data, len, rel, d), G_OK);
    {
        size_t at = f->f_root->u.o_code->co_code->o_offset + 5;
        pyc_file_free(f);
        data[at] = (uint8_t)op;
        data[at + 1] = (uint8_t)arg;
    }
    rc = pyc_load_bytes(&f, data, len, rel, d);
    if (!rc)
        rc = bc_decode_file(&bf, f, rel, d);
    pyc_file_free(f);
    free(data);
    return rc;
}

static void test_bytecode_decode__unknown_and_specialized_opcodes_are_errors(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < sizeof minors / sizeof minors[0]; i++) {
        const op_version *v = bc_version(minors[i]);
        diag_ctx d;
        char buf[512];
        int op;
        diag_init(&d);
        for (op = 255; op > 0 && v->ov_ops[op].oi_name; op--)
            ;
        assert_int_equal(decode_patched(minors[i], op, 0, &d), G_EBAD);
        diag_format(&d, d.d_count - 1, buf, sizeof buf);
        assert_non_null(strstr(buf, "small.pyc: bad bytecode at offset"));
        assert_non_null(strstr(buf, "unknown or specialized opcode"));
        diag_free(&d);
    }
}

static void test_bytecode_decode__jumps_out_of_range_are_errors(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < sizeof minors / sizeof minors[0]; i++) {
        const op_version *v = bc_version(minors[i]);
        diag_ctx d;
        char buf[512];
        int op;
        diag_init(&d);
        /* a forward relative jump (or an absolute one) by 255 units leaves small.py's module */
        for (op = 0; op < 256; op++) {
            const op_info *oi = &v->ov_ops[op];
            if (oi->oi_name && (oi->oi_flags & OPF_JUMP) && oi->oi_jscale > 0 && !oi->oi_caches)
                break;
        }
        assert_true(op < 256);
        assert_int_equal(decode_patched(minors[i], op, 255, &d), G_EBAD);
        diag_format(&d, d.d_count - 1, buf, sizeof buf);
        assert_non_null(strstr(buf, "jump target out of range"));
        diag_free(&d);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bytecode_decode__global_increment_is_the_same_on_every_version),
        cmocka_unit_test(test_bytecode_decode__attribute_augassign_uses_copy_or_dup),
        cmocka_unit_test(test_bytecode_decode__jump_targets_land_on_instructions),
        cmocka_unit_test(test_bytecode_decode__extended_arg_folds_into_the_argument),
        cmocka_unit_test(test_bytecode_decode__version_neutral_name_arrays),
        cmocka_unit_test(test_bytecode_decode__unknown_and_specialized_opcodes_are_errors),
        cmocka_unit_test(test_bytecode_decode__jumps_out_of_range_are_errors),
    };
    return cmocka_run_group_tests_name("bytecode_decode", tests, NULL, NULL);
}
