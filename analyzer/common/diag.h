/* Per-run diagnostics: error and warning messages collected while work goes on, never global. */
#ifndef GILCHECK_COMMON_DIAG_H
#define GILCHECK_COMMON_DIAG_H

#include <stddef.h>

typedef struct diag_msg {
    int dm_code;       /* G_E* code of the failure (0 for a warning) */
    long dm_offset;    /* byte offset in the file, or -1 when none applies */
    char *dm_file;     /* file the message is about (owned), or NULL */
    char *dm_text;     /* the message, without file and offset (owned) */
} diag_msg;

typedef struct diag_ctx {
    diag_msg *d_msgs;  /* messages in the order they were added */
    size_t d_count;    /* used entries of d_msgs */
    size_t d_cap;      /* allocated entries of d_msgs */
    int d_oom;         /* a message was lost because memory ran out */
} diag_ctx;

void diag_init(diag_ctx *d);
void diag_free(diag_ctx *d);

/* Records a message and returns code, so a failing function can `return diag_add(...)`.
 * When memory runs out the message is dropped and d_oom set; the code is still returned. */
int diag_add(diag_ctx *d, int code, const char *file, long offset, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* 1 when a message is an error (a negative code), not only warnings. */
int diag_has_error(const diag_ctx *d);

/* Formats message i as "FILE: TEXT" into buf (truncating); returns buf. */
const char *diag_format(const diag_ctx *d, size_t i, char *buf, size_t size);

#endif
