/* libFuzzer harness: any bytes through the whole decoder (header, marshal, code objects,
 * instructions, lines, exception tables, neutral form) and the constant repr. */
#include <stddef.h>
#include <stdint.h>

#include "bytecode/bytecode.h"
#include "common/strbuf.h"
#include "pyc/pyc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    diag_ctx d;
    pyc_file *f = NULL;
    bc_file *bf = NULL;
    diag_init(&d);
    if (pyc_load_bytes(&f, data, size, "fuzz.pyc", &d) == 0 &&
        bc_decode_file(&bf, f, "fuzz.pyc", &d) == 0) {
        strbuf sb;
        uint32_t i;
        sb_init(&sb);
        for (i = 0; i < bf->bf_ncodes; i++)
            pyc_repr(&sb, bf->bf_codes[i].bc_src->co_consts, 200);
        sb_free(&sb);
    }
    pyc_file_free(f);
    diag_free(&d);
    return 0;
}
