/* Inside the language server: the message queue the reader thread fills, open documents, the
 * server's state, the workspace (its summaries, the background work, the composition thread)
 * and the features (diagnostics, hover, code actions) the server loop calls. */
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
    LQ_EOF,        /* end of input (lq_err says whether inside a message) */
    LQ_WAKE        /* not a message: the composition thread finished */
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
/* Queues an LQ_WAKE item (from another thread): wakes the server loop.  G_OK or G_ENOMEM. */
int lq_post(lsp_queue *q);
/* Milliseconds on the monotonic clock. */
double lq_now_ms(void);

/***** documents (lsp_server.c) *****/

/* One diagnostic's JSON text, kept from one publication of a document to the next. */
typedef struct lf_piece {
    uint64_t p_key[2];         /* XXH3-128 of everything the diagnostic is made of: the
                                * finding's strings, its range in the text, the other side */
    char *p_text;              /* its JSON (malloc'd), or NULL once taken over */
    size_t p_len;
} lf_piece;

/* A document's diagnostics as texts: a finding whose diagnostic has the same key as one of the
 * last list reuses its text instead of being built as a JSON tree and serialized again (most
 * of an edit's diagnostics do not change). */
typedef struct lf_pieces {
    lf_piece *ps_items;        /* in the order of the list (malloc'd) */
    size_t ps_n, ps_cap;
    uint32_t *ps_slots;        /* open addressing on p_key[0]: item index + 1, 0 empty */
    size_t ps_nslots;          /* a power of two, or 0 */
    size_t ps_built;           /* pieces built (not reused) for this list */
} lf_pieces;

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
    arena *d_arena;            /* holds d_res's summary, and the findings of a lone composition */
    drv_result d_res;          /* its summary and image (hovers); r_res and r_noqa are the
                                * findings shown: of d_comp when set, else of the document alone */
    int d_have_res;            /* d_res is valid */
    drv_wcomp *d_comp;         /* the workspace composition the findings come from (a reference),
                                * or NULL */
    bc_file *d_bc;             /* r_image decoded (lazily, for hovers), or NULL */
    int d_error;               /* the analysis failed (d_res empty) */
    char d_errmsg[300];        /* why, shown as one diagnostic ("not analysed: 20.0 MB ...") */
    int d_rc;                  /* drv_summarize's code for the analysed text */
    eng_result d_own;          /* drv_summarize's own findings (a syntax error's GIL000),
                                * before any composition */
    lf_pieces d_pieces;        /* the texts of the diagnostics last made */
    char *d_sent;              /* the diagnostics array last sent, as JSON text (malloc'd), or
                                * NULL */
    size_t d_sent_len;
    uint32_t d_rid;            /* changes of its findings since the analysis of d_version: pull
                                * diagnostics' resultId is "VERSION" or "VERSION.N" */
    struct lsp_doc *d_next;
} lsp_doc;

/* Byte offset of the start of 0-based line `line` of the analysed text (d_len past the end). */
size_t lf_line_start(const lsp_doc *doc, uint32_t line);

/***** the server (lsp_server.c) and its workspace (lsp_work.c) *****/

/* A workspace folder: its files' summaries and where their background work stands. */
typedef struct lsp_folder {
    char *f_path;              /* the folder's directory (malloc'd) */
    drv_wset *f_set;           /* its summaries; NULL while not made, or when its configuration
                                * is broken (f_broken) */
    int f_broken;              /* no set: the configuration cannot be used (said once) */
    int f_walk;                /* its files are to be listed (again) */
    int f_indexed;             /* the first summarization of every file finished */
    uint64_t f_shown_gen;      /* the set's generation the open documents show (composed over
                                * the whole set) */
    double f_due_ms;           /* when a composition of the whole set may start; 0: none asked */
    struct lsp_folder *f_next;
} lsp_folder;

/* The composition running in its own thread: the engine's composition reads only its snapshot
 * (no CPython, no settings lookups), so the main thread goes on serving and summarizing. */
typedef struct lsp_job {
    pthread_t j_thread;
    int j_running;             /* started and not joined */
    lsp_folder *j_folder;
    drv_wcomp *j_comp;         /* the snapshot, composed by the thread */
    diag_ctx j_diag;
    int j_rc;
    double j_ms;               /* how long it took */
    int j_done;                /* set (atomically) by the thread when it finished */
    int j_own;                 /* no thread could start: it ran in the main thread */
    lsp_queue *j_q;            /* woken when done */
} lsp_job;

enum { ST_NEW, ST_RUNNING, ST_SHUTDOWN };

/* Work-done progress of the workspace's summarization. */
enum { PROG_NONE, PROG_ASKED, PROG_SHOWN };

typedef struct lsp_server {
    int s_out;                 /* where messages go */
    FILE *s_log;               /* one line per problem */
    int s_state;               /* ST_* */
    int s_enc;                 /* negotiated position encoding (LSP_UTF8 / LSP_UTF16) */
    int s_exit;                /* leave the loop */
    int s_code;                /* exit code when leaving */
    int s_drv_ok;              /* s_drv holds the rules */
    drv_ctx s_drv;             /* rules and settings */
    const char *s_argv0;       /* where the rules are (the cache's digest) */
    lsp_doc *s_docs;           /* open documents */
    lsp_queue *s_q;            /* incoming messages */
    int s_timing;              /* $GILCHECK_LSP_TIMING: log how long each analysis took */
    char **s_cfg_uris;         /* configuration files we published an error on (malloc'd) */
    size_t s_ncfg;
    char **s_told;             /* messages shown with window/showMessage since the settings
                                * last changed (each once) */
    size_t s_ntold;
    long s_serial;             /* ids of the requests we send ("gilcheck/N") */
    /* the workspace (lsp_work.c) */
    lsp_folder *s_folders;     /* workspace folders, in the client's order */
    int s_started;             /* `initialized` came: summarize the folders */
    int s_cap_progress;        /* the client takes window/workDoneProgress/create */
    int s_cap_refresh;         /* ... workspace/diagnostic/refresh */
    int s_cap_watch;           /* ... dynamic registration of watched files */
    int s_prog;                /* PROG_* */
    char s_prog_req[32];       /* id of our create request */
    char s_prog_token[48];
    int s_prog_pct;            /* last percentage sent */
    double s_prog_ms;          /* when it was sent */
    int s_indexing;            /* folders are being summarized for the first time */
    double s_index_ms;         /* when that began */
    size_t s_index_files;      /* files summarized since */
    char s_index_msg[120];     /* how it ended ("981 files summarized in 2.3 s") */
    lsp_job s_job;
} lsp_server;

/* lsp_server.c: messages to the client. */
void lsp_send(lsp_server *s, json_t *msg);
void lsp_notify(lsp_server *s, const char *method, json_t *params);
/* Sends a request; its id ("gilcheck/N") into id (at least 32 bytes). */
void lsp_request(lsp_server *s, const char *method, json_t *params, char *id);
/* window/showMessage once per text until the settings change (1 error, 2 warning, 3 info). */
void lsp_show(lsp_server *s, int type, const char *text);
/* The diagnostics of a document to the client: always when `force`, else only when they differ
 * from the last ones sent.  Returns 1 when sent. */
int lsp_publish(lsp_server *s, lsp_doc *doc, int force);
/* A configuration problem: a message, and a diagnostic on the configuration file. */
void lsp_settings_problems(lsp_server *s, const diag_ctx *d);

/* lsp_work.c */

/* The workspace folders of `initialize` (workspaceFolders, else rootUri, else rootPath). */
void lw_folders_init(lsp_server *s, json_t *params);
/* workspace/didChangeWorkspaceFolders. */
void lw_folders_changed(lsp_server *s, json_t *params);
/* The folder a file belongs to: the deepest that holds it, else the one it shares the deepest
 * directory with (not / nor $HOME); NULL: none, the file is analysed alone. */
lsp_folder *lw_folder_of(lsp_server *s, const char *path);
/* Analyses a document's summarized buffer (d_res, rc its summarize code) with its workspace:
 * the buffer joins its folder's set, the neighbourhood (or the whole set when small) is
 * composed and the document's findings set; when the whole set was composed the other open
 * documents whose findings changed are republished, else a composition of the whole set is
 * scheduled.  Returns 1 when it set the findings, 0 when the document is to be composed
 * alone (no folder, or its folder is not summarized yet). */
int lw_compose_doc(lsp_server *s, lsp_doc *doc, int rc, const diag_ctx *msgs);
/* A document closed: the file on disk stands for it again. */
void lw_doc_closed(lsp_server *s, const char *path);
/* A file saved, or changed / created / deleted on disk (workspace/didChangeWatchedFiles type
 * 1, 2, 3). */
void lw_file_event(lsp_server *s, const char *path, int type);
/* Milliseconds until the next background work is due: 0 now, -1 none. */
long lw_due(lsp_server *s);
/* One slice of background work (a file listed or summarized, a composition started); 1 when
 * it did something. */
int lw_step(lsp_server *s);
/* The composition thread finished (LQ_WAKE): its findings to the open documents. */
void lw_job_done(lsp_server *s);
/* A response to one of our requests. */
void lw_response(lsp_server *s, const char *id, json_t *result, json_t *error);
/* The settings changed: every set is made again (after the running composition). */
void lw_reset(lsp_server *s);
/* Waits for the composition thread and frees the workspace. */
void lw_free(lsp_server *s);

/***** features (lsp_feature.c) *****/

/* Appends the diagnostics of a document's last analysis to out as the text of a JSON array,
 * reusing the texts of the previous list's unchanged diagnostics (doc->d_pieces becomes this
 * list's).  Returns G_OK, or G_ENOMEM (out is then not usable and the pieces are dropped). */
int lf_diagnostics_text(lsp_doc *doc, const drv_ctx *c, int enc, struct strbuf *out);
void lf_pieces_free(lf_pieces *ps);
/* A hover at 0-based line `line`: markdown about its bytecode and verdict, or json_null(). */
json_t *lf_hover(lsp_doc *doc, uint32_t line, int enc);
/* Code actions for lines [first, last] (0-based): `# noqa` and `with <lock>:`. */
json_t *lf_code_actions(const lsp_doc *doc, const drv_ctx *c, uint32_t first, uint32_t last,
                        int enc);

#endif
