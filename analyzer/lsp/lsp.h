/* The language server stage: LSP 3.17 over stdio -- framing, open documents and positions, the
 * server loop that turns the driver's findings into diagnostics, hovers and code actions. */
#ifndef GILCHECK_LSP_H
#define GILCHECK_LSP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/***** framing (lsp_frame.c): pure, fuzzable *****/

/* Largest Content-Length accepted (a 20 MB document escaped as JSON fits). */
#define LSP_MAX_BODY ((size_t)256 << 20)
/* Largest header block accepted, in bytes. */
#define LSP_MAX_HEADER 8192

/* Looks for one complete message at the start of buf[0..len).  Returns 1 with *out_hdr (bytes
 * of the header block incl. the blank line) and *out_body (its Content-Length) when the header
 * and the whole body are there; 0 when more bytes are needed; G_EBAD with a reason in err
 * (a header line without a colon, no or a bad Content-Length, a header block too long) when the
 * stream cannot be read on. */
int lsp_frame_parse(const uint8_t *buf, size_t len, size_t *out_hdr, size_t *out_body,
                    char *err, size_t errsize);

/* A buffered reader of frames from a file descriptor. */
typedef struct lsp_reader {
    int rd_fd;                 /* where bytes come from */
    uint8_t *rd_buf;           /* bytes read and not yet consumed (malloc'd) */
    size_t rd_len;             /* valid bytes in rd_buf */
    size_t rd_cap;             /* allocated bytes of rd_buf */
    size_t rd_used;            /* bytes of the previous message, dropped on the next call */
} lsp_reader;

void lsp_reader_init(lsp_reader *r, int fd);
void lsp_reader_free(lsp_reader *r);

/* Reads the next message: *out_body points to its body (valid until the next call), *out_len its
 * length.  Returns 1, 0 at end of input between messages, G_ETRUNC when input ends inside a
 * message, G_EBAD with a reason in err for a framing error, G_EIO, G_ENOMEM. */
int lsp_reader_next(lsp_reader *r, const uint8_t **out_body, size_t *out_len, char *err,
                    size_t errsize);

/* Writes body with its Content-Length header to fd (whole, retrying short writes).  Returns G_OK
 * or G_EIO. */
int lsp_write_frame(int fd, const char *body, size_t len);

/***** documents and positions (lsp_doc.c) *****/

enum { LSP_UTF16 = 0, LSP_UTF8 = 1 };

/* Byte offset in text of an LSP position (0-based line, character in the encoding's units).
 * A line past the end gives the end of the text, a character past the line's end gives the end
 * of the line (before its line break), a position inside a UTF-16 surrogate pair or a UTF-8
 * sequence the character's start. */
size_t lsp_offset_of(const char *text, size_t len, uint32_t line, uint32_t character, int enc);

/* Byte offset of the start of 0-based line `line` (len when past the end). */
size_t lsp_line_start(const char *text, size_t len, uint32_t line);

/* The LSP character of the byte column `col` (0-based) of the line starting at text[start]:
 * col itself for UTF-8, the UTF-16 code units of those bytes otherwise.  Clamped to the line. */
uint32_t lsp_char_of_col(const char *text, size_t len, size_t start, size_t col, int enc);

/* Replaces text[from..to) of the malloc'd buffer *text (*len bytes) by ins[0..n).  Returns G_OK
 * or G_ENOMEM (the text unchanged). */
int lsp_splice(char **text, size_t *len, size_t from, size_t to, const char *ins, size_t n);

/* The file path of a file:// URI (percent-decoded) in buf; other URIs are copied as they are. */
void lsp_uri_path(const char *uri, char *buf, size_t size);

/* The file:// URI of a path (made absolute against the current directory, percent-encoded) in
 * buf. */
void lsp_path_uri(const char *path, char *buf, size_t size);

/***** the server (lsp_server.c) *****/

/* Serves one client on in_fd / out_fd until `exit` or end of input; log gets one line per
 * problem.  Returns the process exit code: 0 after shutdown + exit, 1 otherwise. */
int lsp_serve(int in_fd, int out_fd, const char *argv0, FILE *log);

#endif
