/* LSP base protocol framing: `Content-Length: N\r\n\r\n` headers and bodies, read and written. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../common/err.h"
#include "lsp.h"

static int frame_error(char *err, size_t errsize, const char *why)
{
    if (errsize) {
        strncpy(err, why, errsize - 1);
        err[errsize - 1] = 0;
    }
    return G_EBAD;
}

/* Parses the decimal value of a Content-Length header (optional blanks around it). */
static int parse_length(const uint8_t *s, size_t n, size_t *out)
{
    size_t i = 0, v = 0, digits = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
        v = v * 10 + (size_t)(s[i] - '0');
        if (v > LSP_MAX_BODY)
            return -1;
    }
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (!digits || i != n)
        return -1;
    *out = v;
    return 0;
}

int lsp_frame_parse(const uint8_t *buf, size_t len, size_t *out_hdr, size_t *out_body,
                    char *err, size_t errsize)
{
    size_t pos = 0, body = 0;
    int have_length = 0;
    for (;;) {
        const uint8_t *nl = pos < len ? memchr(buf + pos, '\n', len - pos) : NULL;
        size_t end, colon;
        if (!nl)
            return len > LSP_MAX_HEADER ? frame_error(err, errsize, "header block too long") : 0;
        end = (size_t)(nl - buf);
        if (end + 1 > LSP_MAX_HEADER)
            return frame_error(err, errsize, "header block too long");
        if (end > pos && buf[end - 1] == '\r')      /* CRLF per the spec; a bare LF tolerated */
            end--;
        if (end == pos) {                           /* the blank line */
            pos = (size_t)(nl - buf) + 1;
            if (!have_length)
                return frame_error(err, errsize, "header without Content-Length");
            if (len - pos < body)
                return 0;
            *out_hdr = pos;
            *out_body = body;
            return 1;
        }
        for (colon = pos; colon < end && buf[colon] != ':'; colon++)
            ;
        if (colon == end)
            return frame_error(err, errsize, "header line without a colon");
        if (colon - pos == 14 && !strncasecmp((const char *)buf + pos, "Content-Length", 14)) {
            if (parse_length(buf + colon + 1, end - colon - 1, &body))
                return frame_error(err, errsize, "bad Content-Length");
            have_length = 1;
        }                                           /* Content-Type and others: ignored */
        pos = (size_t)(nl - buf) + 1;
    }
}

void lsp_reader_init(lsp_reader *r, int fd)
{
    memset(r, 0, sizeof *r);
    r->rd_fd = fd;
}

void lsp_reader_free(lsp_reader *r)
{
    free(r->rd_buf);
    memset(r, 0, sizeof *r);
}

int lsp_reader_next(lsp_reader *r, const uint8_t **out_body, size_t *out_len, char *err,
                    size_t errsize)
{
    if (r->rd_used) {
        memmove(r->rd_buf, r->rd_buf + r->rd_used, r->rd_len - r->rd_used);
        r->rd_len -= r->rd_used;
        r->rd_used = 0;
    }
    for (;;) {
        size_t hdr, body;
        ssize_t got;
        int rc = lsp_frame_parse(r->rd_buf, r->rd_len, &hdr, &body, err, errsize);
        if (rc < 0)
            return rc;
        if (rc == 1) {
            *out_body = r->rd_buf + hdr;
            *out_len = body;
            r->rd_used = hdr + body;
            return 1;
        }
        if (r->rd_cap - r->rd_len < 65536) {
            size_t cap = r->rd_cap ? r->rd_cap * 2 : 131072;
            uint8_t *grown;
            if (cap > LSP_MAX_BODY + 2 * LSP_MAX_HEADER)
                cap = LSP_MAX_BODY + 2 * LSP_MAX_HEADER;
            if (cap <= r->rd_cap)
                return frame_error(err, errsize, "message too long");
            if (!(grown = realloc(r->rd_buf, cap)))
                return G_ENOMEM;
            r->rd_buf = grown;
            r->rd_cap = cap;
        }
        do
            got = read(r->rd_fd, r->rd_buf + r->rd_len, r->rd_cap - r->rd_len);
        while (got < 0 && errno == EINTR);
        if (got < 0)
            return G_EIO;
        if (got == 0)
            return r->rd_len ? G_ETRUNC : 0;
        r->rd_len += (size_t)got;
    }
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return G_EIO;
        p += w;
        n -= (size_t)w;
    }
    return G_OK;
}

int lsp_write_frame(int fd, const char *body, size_t len)
{
    char hdr[64];
    int n = snprintf(hdr, sizeof hdr, "Content-Length: %zu\r\n\r\n", len);
    if (write_all(fd, hdr, (size_t)n))
        return G_EIO;
    return write_all(fd, body, len);
}
