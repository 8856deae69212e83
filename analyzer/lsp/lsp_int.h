/* Inside the language server: the message queue the reader thread fills, open documents, and
 * the features (diagnostics, hover, code actions) the server loop calls. */
#ifndef GILCHECK_LSP_INT_H
#define GILCHECK_LSP_INT_H

#include <jansson.h>
#include <pthread.h>

#include "../driver/driver.h"
#include "../bytecode/bytecode.h"
#include "lsp.h"

/***** the queue (lsp_queue.c) *****/

enum {
    LQ_MSG,        /* a parsed JSON message */
    LQ_PARSE,      /* a frame whose body is not JSON: answer ParseError, read on */
    LQ_FATAL,      /* framing error: the stream cannot be read on */
    LQ_EOF         /* end of input (lq_err says whether inside a message) */
};

typedef struct lsp_item {
    int it_kind;               /* LQ_* */
    json_t *it_msg;            /* LQ_MSG: the message (owned) */
    char it_err[160];          /* LQ_PARSE / LQ_FATAL / LQ_EOF: what went wrong ("" at a clean
                                * end of input) */
    struct lsp_item *it_next;
} lsp_item;

/* Messages read by a thread of their own, so analysis never blocks reading. */
typedef struct lsp_queue {
    pthread_mutex_t q_lock;
    pthread_cond_t q_cond;     /* signalled when an item arrives (waits on CLOCK_MONOTONIC) */
    lsp_item *q_head, *q_tail;
    size_t q_count;            /* items waiting */
    int q_done;                /* the reader has stopped */
    lsp_reader q_reader;       /* the reader thread's frame buffer */
    pthread_t q_thread;
    int q_started;             /* q_thread runs */
} lsp_queue;

/* Starts the reader thread on fd.  Returns G_OK or G_ENOMEM. */
int lq_start(lsp_queue *q, int fd);
/* Takes the first item, waiting at most timeout_ms (-1: forever); NULL when none came. */
lsp_item *lq_pop(lsp_queue *q, long timeout_ms);
/* Items waiting now. */
size_t lq_pending(lsp_queue *q);
void lq_item_free(lsp_item *it);
/* Frees the items left.  The reader thread may still be blocked in read(): it is detached and
 * its buffer stays reachable from q until the process exits. */
void lq_stop(lsp_queue *q);
/* Milliseconds on the monotonic clock. */
double lq_now_ms(void);

/***** documents (lsp_server.c) *****/

typedef struct lsp_doc {
    char *d_uri;               /* as the client sent it (malloc'd) */
    char *d_path;              /* the file path it names (malloc'd) */
    char *d_text;              /* current text, NUL-terminated (malloc'd) */
    size_t d_len;
    int64_t d_version;         /* the client's version of d_text */
    int d_dirty;               /* d_text changed since the last analysis */
    size_t *d_lines;           /* byte offset of each line's start in the analysed text (malloc'd),
                                * or NULL: positions are then found by scanning */
    uint32_t d_nlines;         /* entries of d_lines */
    double d_changed_ms;       /* when it last changed */
    /* the last analysis (of d_version when d_dirty is 0) */
    arena *d_arena;            /* holds d_res */
    drv_result d_res;          /* findings; r_image for hovers */
    int d_have_res;            /* d_res is valid */
    bc_file *d_bc;             /* r_image decoded (lazily, for hovers), or NULL */
    int d_error;               /* the analysis failed (d_res empty) */
    char d_errmsg[300];        /* why, shown as one diagnostic ("not analysed: 20.0 MB ...") */
    struct lsp_doc *d_next;
} lsp_doc;

/* Byte offset of the start of 0-based line `line` of the analysed text (d_len past the end). */
size_t lf_line_start(const lsp_doc *doc, uint32_t line);

/***** features (lsp_feature.c) *****/

/* The diagnostics of a document's last analysis as a JSON array (new reference). */
json_t *lf_diagnostics(const lsp_doc *doc, const drv_ctx *c, int enc);
/* A hover at 0-based line `line`: markdown about its bytecode and verdict, or json_null(). */
json_t *lf_hover(lsp_doc *doc, uint32_t line, int enc);
/* Code actions for lines [first, last] (0-based): `# noqa` and `with <lock>:`. */
json_t *lf_code_actions(const lsp_doc *doc, const drv_ctx *c, uint32_t first, uint32_t last,
                        int enc);

#endif
