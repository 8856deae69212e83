/* libFuzzer harness: any bytes through the language server's framing reader, message after
 * message as the server reads them, each body parsed as JSON and its positions converted. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "lsp/lsp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t pos = 0;
    char err[128];
    while (pos < size) {
        size_t hdr = 0, body = 0;
        json_t *j;
        int rc = lsp_frame_parse(data + pos, size - pos, &hdr, &body, err, sizeof err);
        if (rc != 1)
            break;
        j = json_loadb((const char *)data + pos + hdr, body, JSON_ALLOW_NUL | JSON_DECODE_ANY,
                       NULL);
        if (j) {        /* positions over the body's own bytes, as an edit would use them */
            const char *t = (const char *)data + pos + hdr;
            json_int_t line = json_integer_value(json_object_get(j, "line"));
            json_int_t ch = json_integer_value(json_object_get(j, "character"));
            size_t off = lsp_offset_of(t, body, (uint32_t)line, (uint32_t)ch, (int)(line & 1));
            size_t start = lsp_line_start(t, body, (uint32_t)line);
            (void)lsp_char_of_col(t, body, start, off >= start ? off - start : 0, (int)(ch & 1));
            json_decref(j);
        }
        pos += hdr + body;
    }
    return 0;
}
