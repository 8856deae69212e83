/* The language server's workspace: its folders' summaries (driver sets), summarized in slices
 * between messages with work-done progress, kept up to date as files change, and composed --
 * an edited document's neighbourhood at once, the whole set in a thread of its own -- so that a
 * document's findings are those `gilcheck check` gives it on the same tree.
 *
 * Why slices and a thread: summarizing compiles with the embedded libpython, which only the
 * main thread uses, so the main thread summarizes one file between two messages (a few
 * milliseconds; a cache hit far less).  Composing runs no Python and reads only a snapshot of
 * the records, so it runs in a thread while the main thread goes on answering and
 * summarizing; a composition of a thousand files takes a few hundred milliseconds, too long for
 * a keystroke, so an edited document is first composed with the files nearest to it by
 * imports (all of them when the folder is small: then that is the whole composition). */
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "lsp_int.h"

/* An edited document is composed at once with at most this many files nearest to it (itself
 * included); a folder with no more files than that is composed whole on every edit.  On the
 * benchmark's workspace (tools/bench_lsp.py --workspace 1000) composing a 2,000-line module with
 * its 32 nearest files costs 12% more than composing it alone, with 64 files 20% more. */
#define LSP_NEIGHBOURS 32

/* The whole folder is composed again once no edit came for this long. */
#define LSP_RECOMPOSE_MS 200

/* While the composition thread runs, the loop looks whether it finished this often (its wake-up
 * message may have been lost to a failed allocation). */
#define LSP_POLL_MS 50

/***** folders *****/

static void folder_free(lsp_folder *f)
{
    drv_wset_free(f->f_set);
    free(f->f_path);
    free(f);
}

/* Adds the folder of a file:// URI (or a path) unless it is there. */
static void folder_add(lsp_server *s, const char *uri_or_path)
{
    char path[4096];
    lsp_folder *f, **pp;
    size_t n;
    if (!strncmp(uri_or_path, "file:", 5))
        lsp_uri_path(uri_or_path, path, sizeof path);
    else if (uri_or_path[0] == '/')
        snprintf(path, sizeof path, "%s", uri_or_path);
    else
        return;                 /* another scheme: nothing on disk to summarize */
    n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        path[--n] = 0;
    for (pp = &s->s_folders; *pp; pp = &(*pp)->f_next)
        if (!strcmp((*pp)->f_path, path))
            return;
    if (!(f = calloc(1, sizeof *f)) || !(f->f_path = strdup(path))) {
        free(f);
        return;
    }
    f->f_walk = 1;
    *pp = f;
}

void lw_folders_init(lsp_server *s, json_t *params)
{
    json_t *folders = json_object_get(params, "workspaceFolders"), *f;
    size_t i;
    json_array_foreach(folders, i, f) {
        const char *uri = json_string_value(json_object_get(f, "uri"));
        if (uri)
            folder_add(s, uri);
    }
    if (!json_array_size(folders)) {   /* an older client: its root */
        const char *root = json_string_value(json_object_get(params, "rootUri"));
        if (!root)
            root = json_string_value(json_object_get(params, "rootPath"));
        if (root)
            folder_add(s, root);
    }
}

/* 1 when `path` is `dir` or below it. */
static int below(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    if (!strcmp(dir, "/"))
        return path[0] == '/';
    return !strncmp(path, dir, n) && (path[n] == '/' || !path[n]);
}

/* The deepest folder holding `path`, or NULL. */
static lsp_folder *folder_holding(lsp_server *s, const char *path)
{
    lsp_folder *f, *best = NULL;
    for (f = s->s_folders; f; f = f->f_next)
        if (below(path, f->f_path) && (!best || strlen(f->f_path) > strlen(best->f_path)))
            best = f;
    return best;
}

lsp_folder *lw_folder_of(lsp_server *s, const char *path)
{
    lsp_folder *f, *best = NULL;
    size_t best_len = 0;
    const char *home = getenv("HOME");
    if ((f = folder_holding(s, path)))
        return f;
    /* outside every folder: the one it shares the deepest directory with, unless that is only
     * the file system's root or the home directory */
    for (f = s->s_folders; f; f = f->f_next) {
        size_t k = 0, last = 0;
        while (path[k] && path[k] == f->f_path[k]) {
            if (path[k] == '/')
                last = k;
            k++;
        }
        if (last == 0)
            continue;           /* only "/" in common */
        if (home && strlen(home) == last && !strncmp(home, path, last))
            continue;
        if (last > best_len) {
            best_len = last;
            best = f;
        }
    }
    return best;
}

/***** progress *****/

/* Files summarized and to summarize in folders not yet summarized once; 1 when such a folder
 * remains. */
static int index_counts(lsp_server *s, size_t *done, size_t *total)
{
    lsp_folder *f;
    int any = 0;
    *done = *total = 0;
    for (f = s->s_folders; f; f = f->f_next) {
        if (f->f_indexed || f->f_broken)
            continue;
        any = 1;
        if (f->f_set) {
            *total += drv_wset_count(f->f_set);
            *done += drv_wset_count(f->f_set) - drv_wset_waiting(f->f_set);
        }
    }
    return any;
}

static void progress_send(lsp_server *s, json_t *value)
{
    lsp_notify(s, "$/progress", json_pack("{s:s,s:o}", "token", s->s_prog_token, "value", value));
}

static int percent(size_t done, size_t total)
{
    return total ? (int)(done * 100 / total) : 0;
}

/* Folders are being summarized for the first time: ask the client for a progress token (when
 * it takes them). */
static void progress_start(lsp_server *s)
{
    if (s->s_indexing)
        return;
    s->s_indexing = 1;
    s->s_index_ms = lq_now_ms();
    s->s_index_files = 0;
    if (!s->s_cap_progress || s->s_prog != PROG_NONE)
        return;                 /* (PROG_ASKED: the answer to the last request begins it) */
    snprintf(s->s_prog_token, sizeof s->s_prog_token, "gilcheck/summaries/%ld",
             s->s_serial + 1);
    lsp_request(s, "window/workDoneProgress/create", json_pack("{s:s}", "token",
                                                               s->s_prog_token), s->s_prog_req);
    s->s_prog = PROG_ASKED;
}

static void progress_begin(lsp_server *s)
{
    size_t done, total;
    index_counts(s, &done, &total);
    s->s_prog_pct = percent(done, total);
    s->s_prog_ms = lq_now_ms();
    progress_send(s, json_pack("{s:s,s:s,s:b,s:s,s:i}", "kind", "begin", "title",
                               "gilcheck: summarizing the workspace", "cancellable", 0,
                               "message", "listing files", "percentage", s->s_prog_pct));
}

/* A report when the percentage moved (at most every 100 ms). */
static void progress_report(lsp_server *s)
{
    size_t done, total;
    char msg[80];
    int pct;
    if (s->s_prog != PROG_SHOWN)
        return;
    index_counts(s, &done, &total);
    pct = percent(done, total);
    if (pct == s->s_prog_pct || lq_now_ms() - s->s_prog_ms < 100)
        return;
    s->s_prog_pct = pct;
    s->s_prog_ms = lq_now_ms();
    snprintf(msg, sizeof msg, "%zu/%zu files", done, total);
    progress_send(s, json_pack("{s:s,s:s,s:i}", "kind", "report", "message", msg,
                               "percentage", pct));
}

/* Every folder is summarized. */
static void progress_end(lsp_server *s)
{
    double ms = lq_now_ms() - s->s_index_ms;
    if (!s->s_indexing)
        return;
    s->s_indexing = 0;
    snprintf(s->s_index_msg, sizeof s->s_index_msg, "%zu files summarized in %.1f s",
             s->s_index_files, ms / 1000.0);
    if (s->s_timing)
        fprintf(s->s_log, "gilcheck lsp: timing: workspace: %s (%.1f ms)\n", s->s_index_msg,
                ms);
    if (s->s_prog == PROG_SHOWN) {
        progress_send(s, json_pack("{s:s,s:s}", "kind", "end", "message", s->s_index_msg));
        s->s_prog = PROG_NONE;
    }
}

void lw_response(lsp_server *s, const char *id, json_t *result, json_t *error)
{
    (void)result;
    if (s->s_prog != PROG_ASKED || strcmp(id, s->s_prog_req))
        return;                 /* registrations, refreshes: nothing to do */
    if (error) {                /* the client will not show it */
        s->s_prog = PROG_NONE;
        s->s_cap_progress = 0;
        return;
    }
    s->s_prog = PROG_SHOWN;
    progress_begin(s);
    if (!s->s_indexing) {       /* finished before the client answered */
        progress_send(s, json_pack("{s:s,s:s}", "kind", "end", "message", s->s_index_msg));
        s->s_prog = PROG_NONE;
    }
}

/***** compositions and their findings *****/

/* The open documents of folder f. */
#define FOR_DOCS_OF(s, f, doc) \
    for ((doc) = (s)->s_docs; (doc); (doc) = (doc)->d_next) \
        if (lw_folder_of((s), (doc)->d_path) == (f))

/* Gives doc the findings of composition r when they are for its analysed text and not older
 * than those it has.  Returns 1 when it took them. */
static int adopt(lsp_doc *doc, drv_wcomp *r)
{
    int64_t tag;
    const drv_unit *u = drv_wcomp_unit(r, doc->d_path, &tag);
    if (!u || doc->d_dirty || !doc->d_have_res || tag != doc->d_version || u->u_rc ||
        (doc->d_comp && drv_wcomp_generation(doc->d_comp) > drv_wcomp_generation(r)))
        return 0;
    drv_wcomp_retain(r);
    drv_wcomp_release(doc->d_comp);
    doc->d_comp = r;
    doc->d_res.r_res = u->u_res;
    doc->d_res.r_noqa = u->u_noqa;
    return 1;
}

/* Composition r of folder f is the whole set: every open document of f takes its findings
 * (except `skip`, which the caller publishes); pull clients are asked to pull again. */
static void adopt_all(lsp_server *s, lsp_folder *f, drv_wcomp *r, lsp_doc *skip)
{
    lsp_doc *doc;
    int sent = 0;
    if (drv_wcomp_generation(r) >= f->f_shown_gen)
        f->f_shown_gen = drv_wcomp_generation(r);
    FOR_DOCS_OF(s, f, doc)
        if (doc != skip && adopt(doc, r) && lsp_publish(s, doc, 0)) {
            doc->d_rid++;       /* a new resultId for pull clients */
            sent = 1;
        }
    if (sent && s->s_cap_refresh) {
        char id[32];
        lsp_request(s, "workspace/diagnostic/refresh", NULL, id);
    }
}

/* The folder's set changed: compose it whole once edits pause. */
static void want_compose(lsp_folder *f, double delay)
{
    f->f_due_ms = lq_now_ms() + delay;
}

static void *compose_main(void *arg)
{
    lsp_job *j = arg;
    double t0 = lq_now_ms();
    j->j_rc = drv_wcomp_compose(j->j_comp, &j->j_diag);
    j->j_ms = lq_now_ms() - t0;
    __atomic_store_n(&j->j_done, 1, __ATOMIC_RELEASE);
    lq_post(j->j_q);
    return NULL;
}

/* Composes folder f whole: in the composition thread, or here when no thread can start. */
static void job_start(lsp_server *s, lsp_folder *f)
{
    lsp_job *j = &s->s_job;
    diag_ctx d;
    diag_init(&d);
    f->f_due_ms = 0;
    memset(j, 0, sizeof *j);
    diag_init(&j->j_diag);
    if (drv_wset_snapshot(&j->j_comp, f->f_set, NULL, 0, &d)) {
        diag_free(&d);
        return;
    }
    diag_free(&d);
    j->j_folder = f;
    j->j_q = s->s_q;
    j->j_running = 1;
    if (pthread_create(&j->j_thread, NULL, compose_main, j)) {
        j->j_running = 0;
        compose_main(j);        /* no thread: here, blocking for a while */
        j->j_running = 1;
        j->j_thread = pthread_self();
        j->j_own = 1;
    }
}

/* Waits for the composition thread; its result is dropped (the sets are about to change). */
static void job_wait(lsp_server *s)
{
    lsp_job *j = &s->s_job;
    if (!j->j_running)
        return;
    if (!j->j_own)
        pthread_join(j->j_thread, NULL);
    j->j_running = 0;
    drv_wcomp_release(j->j_comp);
    j->j_comp = NULL;
    diag_free(&j->j_diag);
}

void lw_job_done(lsp_server *s)
{
    lsp_job *j = &s->s_job;
    lsp_folder *f = j->j_folder;
    size_t i;
    if (!j->j_running || !__atomic_load_n(&j->j_done, __ATOMIC_ACQUIRE))
        return;
    if (!j->j_own)
        pthread_join(j->j_thread, NULL);
    j->j_running = 0;
    for (i = 0; i < j->j_diag.d_count; i++) {
        char buf[1400];
        fprintf(s->s_log, "gilcheck lsp: %s\n", diag_format(&j->j_diag, i, buf, sizeof buf));
    }
    if (s->s_timing)
        fprintf(s->s_log, "gilcheck lsp: timing: composition of %s: %zu files, %.1f ms\n",
                f->f_path, drv_wcomp_count(j->j_comp), j->j_ms);
    if (j->j_rc != G_ENOMEM)
        adopt_all(s, f, j->j_comp, NULL);
    drv_wcomp_release(j->j_comp);
    j->j_comp = NULL;
    diag_free(&j->j_diag);
}

int lw_compose_doc(lsp_server *s, lsp_doc *doc, int rc, const diag_ctx *msgs)
{
    lsp_folder *f = lw_folder_of(s, doc->d_path);
    drv_wcomp *r = NULL;
    diag_ctx d;
    double t0 = lq_now_ms();
    int done = 0;
    if (!f || !f->f_set)
        return 0;
    if (drv_wset_buffer(f->f_set, doc->d_path, rc, &doc->d_res, msgs,
                        (const uint8_t *)doc->d_text, doc->d_len, doc->d_version))
        return 0;
    if (!f->f_indexed || rc)
        return 0;               /* alone until the folder is summarized */
    diag_init(&d);
    if (!drv_wset_snapshot(&r, f->f_set, doc->d_path, LSP_NEIGHBOURS, &d) &&
        drv_wcomp_compose(r, &d) != G_ENOMEM && adopt(doc, r)) {
        done = 1;               /* the caller publishes it */
        if (drv_wcomp_complete(r)) {
            adopt_all(s, f, r, doc);
            f->f_due_ms = 0;
        } else {
            want_compose(f, LSP_RECOMPOSE_MS);
        }
        if (s->s_timing)
            fprintf(s->s_log, "gilcheck lsp: timing: %s composed with %zu of %zu files "
                    "(%s) in %.2f ms\n", doc->d_uri, drv_wcomp_count(r),
                    drv_wset_count(f->f_set), drv_wcomp_complete(r) ? "all" : "nearest",
                    lq_now_ms() - t0);
    }
    drv_wcomp_release(r);
    diag_free(&d);
    return done;
}

void lw_doc_closed(lsp_server *s, const char *path)
{
    lsp_folder *f = lw_folder_of(s, path);
    if (!f || !f->f_set)
        return;
    drv_wset_unbuffer(f->f_set, path);
    want_compose(f, 0);
}

void lw_file_event(lsp_server *s, const char *path, int type)
{
    lsp_folder *f = folder_holding(s, path);
    size_t n = strlen(path);
    int python = (n > 3 && !strcmp(path + n - 3, ".py")) || (n > 4 && !strcmp(path + n - 4, ".pyc"));
    if (!f || !f->f_set)
        return;                 /* not summarized yet: the walk will find it as it is */
    if (!python)
        f->f_walk = 1;          /* a directory created or deleted */
    else if (type == 3)
        drv_wset_remove(f->f_set, path);
    else if (!drv_wset_stale(f->f_set, path))
        f->f_walk = 1;          /* a new file: listed if `check` would list it */
    want_compose(f, LSP_RECOMPOSE_MS);
}

/***** the background work *****/

/* The open documents of f analysed before its set was summarized: their buffers join it. */
static void buffers_join(lsp_server *s, lsp_folder *f)
{
    lsp_doc *doc;
    FOR_DOCS_OF(s, f, doc) {
        drv_result own;
        diag_ctx none;
        if (doc->d_dirty || (!doc->d_have_res && !doc->d_rc))
            continue;
        own = doc->d_res;
        own.r_res = doc->d_own;
        diag_init(&none);
        drv_wset_buffer(f->f_set, doc->d_path, doc->d_rc, &own, &none,
                        (const uint8_t *)doc->d_text, doc->d_len, doc->d_version);
    }
}

long lw_due(lsp_server *s)
{
    lsp_folder *f;
    double now, next = 0;
    int any = 0;
    if (!s->s_started || s->s_state != ST_RUNNING)
        return -1;
    if (s->s_job.j_running && __atomic_load_n(&s->s_job.j_done, __ATOMIC_ACQUIRE))
        return 0;
    for (f = s->s_folders; f; f = f->f_next)
        if (!f->f_broken && (!f->f_set || f->f_walk || drv_wset_waiting(f->f_set) ||
                             !f->f_indexed))
            return 0;
    if (s->s_job.j_running)
        return LSP_POLL_MS;
    now = lq_now_ms();
    for (f = s->s_folders; f; f = f->f_next)
        if (f->f_set && f->f_due_ms > 0 && (!any || f->f_due_ms - now < next)) {
            next = f->f_due_ms - now;
            any = 1;
        }
    return !any ? -1 : next <= 0 ? 0 : (long)next + 1;
}

/* Messages of the background work: problems with the configuration as such, the rest to the
 * log. */
static void background_messages(lsp_server *s, diag_ctx *d, int show)
{
    size_t i;
    for (i = 0; i < d->d_count; i++) {
        char buf[1400];
        diag_format(d, i, buf, sizeof buf);
        if (show)
            lsp_show(s, d->d_msgs[i].dm_code ? 1 : 2, buf);
        else
            fprintf(s->s_log, "gilcheck lsp: %s\n", buf);
    }
    diag_free(d);
    diag_init(d);
}

int lw_step(lsp_server *s)
{
    lsp_folder *f;
    diag_ctx d;
    size_t done, total;
    if (!s->s_started || s->s_state != ST_RUNNING)
        return 0;
    if (s->s_job.j_running && __atomic_load_n(&s->s_job.j_done, __ATOMIC_ACQUIRE)) {
        lw_job_done(s);
        return 1;
    }
    diag_init(&d);
    for (f = s->s_folders; f; f = f->f_next) {
        if (f->f_broken)
            continue;
        if (!f->f_set) {        /* its settings, its cache */
            progress_start(s);
            if (drv_wset_new(&f->f_set, &s->s_drv, f->f_path, s->s_argv0, &d)) {
                f->f_broken = 1;
                lsp_settings_problems(s, &d);
                diag_free(&d);
            } else if (d.d_count) {
                lsp_settings_problems(s, &d);
                diag_free(&d);
            }
            f->f_walk = 1;
            f->f_indexed = 0;
            return 1;
        }
        if (f->f_walk) {
            f->f_walk = 0;
            drv_wset_walk(f->f_set, &d);
            background_messages(s, &d, 1);
            progress_report(s);
            if (f->f_indexed)
                want_compose(f, LSP_RECOMPOSE_MS);
            return 1;
        }
        if (drv_wset_waiting(f->f_set)) {
            uint64_t gen = drv_wset_generation(f->f_set);
            drv_wset_step(f->f_set, &d);
            background_messages(s, &d, 0);
            s->s_index_files++;
            if (f->f_indexed && gen != drv_wset_generation(f->f_set))
                want_compose(f, LSP_RECOMPOSE_MS);
            progress_report(s);
            return 1;
        }
        if (!f->f_indexed) {    /* summarized once: documents composed alone join it */
            f->f_indexed = 1;
            buffers_join(s, f);
            want_compose(f, 0);
            if (!index_counts(s, &done, &total))
                progress_end(s);
            return 1;
        }
    }
    diag_free(&d);
    if (s->s_job.j_running)
        return 0;
    for (f = s->s_folders; f; f = f->f_next)
        if (f->f_set && f->f_due_ms > 0 && f->f_due_ms <= lq_now_ms()) {
            if (drv_wset_generation(f->f_set) == f->f_shown_gen && f->f_shown_gen) {
                f->f_due_ms = 0;   /* what the documents show is the whole set as it is */
                continue;
            }
            job_start(s, f);
            return 1;
        }
    return 0;
}

void lw_reset(lsp_server *s)
{
    lsp_folder *f;
    job_wait(s);
    for (f = s->s_folders; f; f = f->f_next) {
        drv_wset_free(f->f_set);
        f->f_set = NULL;
        f->f_broken = 0;
        f->f_walk = 1;
        f->f_indexed = 0;
        f->f_shown_gen = 0;
        f->f_due_ms = 0;
    }
}

void lw_folders_changed(lsp_server *s, json_t *params)
{
    json_t *ev = json_object_get(params, "event"), *f;
    size_t i;
    job_wait(s);
    json_array_foreach(json_object_get(ev, "removed"), i, f) {
        const char *uri = json_string_value(json_object_get(f, "uri"));
        char path[4096];
        lsp_folder **pp;
        size_t n;
        if (!uri || strncmp(uri, "file:", 5))
            continue;
        lsp_uri_path(uri, path, sizeof path);
        n = strlen(path);
        while (n > 1 && path[n - 1] == '/')
            path[--n] = 0;
        for (pp = &s->s_folders; *pp; pp = &(*pp)->f_next)
            if (!strcmp((*pp)->f_path, path)) {
                lsp_folder *gone = *pp;
                *pp = gone->f_next;
                folder_free(gone);
                break;
            }
    }
    json_array_foreach(json_object_get(ev, "added"), i, f) {
        const char *uri = json_string_value(json_object_get(f, "uri"));
        if (uri)
            folder_add(s, uri);
    }
}

void lw_free(lsp_server *s)
{
    job_wait(s);
    while (s->s_folders) {
        lsp_folder *next = s->s_folders->f_next;
        folder_free(s->s_folders);
        s->s_folders = next;
    }
}
