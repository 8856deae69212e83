/* The language server loop: lifecycle, open documents, debounced analysis of the newest text
 * (composed with the workspace, lsp_work.c), and the dispatch of requests and notifications to
 * the features. */
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "../common/strbuf.h"
#include "../input/input.h"
#include "lsp_int.h"

#include <sys/stat.h>

/* A changed document is analysed once it has been quiet this long and no message waits. */
#define LSP_DEBOUNCE_MS 4

/* JSON-RPC and LSP error codes. */
enum {
    RPC_PARSE_ERROR = -32700,
    RPC_INVALID_REQUEST = -32600,
    RPC_METHOD_NOT_FOUND = -32601,
    RPC_INVALID_PARAMS = -32602,
    RPC_INTERNAL_ERROR = -32603,
    RPC_NOT_INITIALIZED = -32002
};

/* The reader thread may outlive lsp_serve (blocked in read), so its queue is not on a stack. */
static lsp_queue server_queue;

/***** output *****/

void lsp_send(lsp_server *s, json_t *msg)
{
    char *text;
    if (!msg)
        return;
    json_object_set_new(msg, "jsonrpc", json_string("2.0"));
    text = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    if (!text || lsp_write_frame(s->s_out, text, strlen(text))) {
        fprintf(s->s_log, "gilcheck lsp: cannot write to the client; stopping\n");
        s->s_exit = 1;
        s->s_code = 1;
    }
    free(text);
}

/* A message already serialized (body[0..len)): written as it is. */
static void send_text(lsp_server *s, const char *body, size_t len)
{
    if (lsp_write_frame(s->s_out, body, len)) {
        fprintf(s->s_log, "gilcheck lsp: cannot write to the client; stopping\n");
        s->s_exit = 1;
        s->s_code = 1;
    }
}

/* Appends the JSON text of value v (a string, a number...) to sb; 0 when it cannot (memory, a
 * string that is not UTF-8). */
static int put_json(strbuf *sb, json_t *v)
{
    char *text = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    if (!text)
        return 0;
    sb_puts(sb, text);
    free(text);
    return 1;
}

static void reply(lsp_server *s, json_t *id, json_t *result)
{
    json_t *m = json_object();
    json_object_set(m, "id", id ? id : json_null());
    json_object_set_new(m, "result", result ? result : json_null());
    lsp_send(s, m);
}

static void reply_error(lsp_server *s, json_t *id, int code, const char *message)
{
    json_t *m = json_object();
    json_object_set(m, "id", id ? id : json_null());
    json_object_set_new(m, "error", json_pack("{s:i,s:s}", "code", code, "message", message));
    lsp_send(s, m);
}

void lsp_notify(lsp_server *s, const char *method, json_t *params)
{
    lsp_send(s, json_pack("{s:s,s:o}", "method", method, "params", params));
}

void lsp_request(lsp_server *s, const char *method, json_t *params, char *id)
{
    snprintf(id, 32, "gilcheck/%ld", ++s->s_serial);
    lsp_send(s, json_pack("{s:s,s:s,s:o}", "id", id, "method", method, "params",
                          params ? params : json_null()));
}

/***** documents *****/

static lsp_doc *doc_find(lsp_server *s, const char *uri)
{
    lsp_doc *d;
    for (d = s->s_docs; d; d = d->d_next)
        if (!strcmp(d->d_uri, uri))
            return d;
    return NULL;
}

static void doc_forget_result(lsp_doc *d)
{
    if (d->d_have_res)
        drv_result_free(&d->d_res);
    memset(&d->d_res, 0, sizeof d->d_res);
    drv_wcomp_release(d->d_comp);
    d->d_comp = NULL;
    memset(&d->d_own, 0, sizeof d->d_own);
    d->d_have_res = 0;
    d->d_bc = NULL;
    d->d_error = 0;
    d->d_errmsg[0] = 0;
    if (d->d_arena)
        arena_reset(d->d_arena);
}

static void doc_free(lsp_doc *d)
{
    doc_forget_result(d);
    lf_pieces_free(&d->d_pieces);
    free(d->d_sent);
    free(d->d_lines);
    arena_free(d->d_arena);
    free(d->d_uri);
    free(d->d_path);
    free(d->d_text);
    free(d);
}

/* The URI of a request's textDocument, or NULL. */
static const char *param_uri(json_t *params)
{
    return json_string_value(json_object_get(json_object_get(params, "textDocument"), "uri"));
}

/* The table of line starts of the current text; none when memory runs out. */
static void doc_index_lines(lsp_doc *doc)
{
    size_t n = 1, i, k = 0;
    const char *p = doc->d_text, *end = doc->d_text + doc->d_len;
    free(doc->d_lines);
    doc->d_lines = NULL;
    doc->d_nlines = 0;
    while ((p = memchr(p, '\n', (size_t)(end - p)))) {
        n++;
        p++;
    }
    if (n > UINT32_MAX || !(doc->d_lines = malloc(n * sizeof *doc->d_lines)))
        return;
    doc->d_lines[k++] = 0;
    for (i = 0; i < doc->d_len; i++)
        if (doc->d_text[i] == '\n')
            doc->d_lines[k++] = i + 1;
    doc->d_nlines = (uint32_t)k;
}

/***** settings: one value per configuration root, problems shown to the user *****/

static int strv_has(char **v, size_t n, const char *s)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (!strcmp(v[i], s))
            return 1;
    return 0;
}

static void strv_push(char ***v, size_t *n, const char *s)
{
    char **grown = realloc(*v, (*n + 1) * sizeof *grown);
    if (!grown)
        return;
    *v = grown;
    if ((grown[*n] = strdup(s)))
        (*n)++;
}

static void strv_clear(char ***v, size_t *n)
{
    size_t i;
    for (i = 0; i < *n; i++)
        free((*v)[i]);
    free(*v);
    *v = NULL;
    *n = 0;
}

void lsp_show(lsp_server *s, int type, const char *text)
{
    if (strv_has(s->s_told, s->s_ntold, text))
        return;
    strv_push(&s->s_told, &s->s_ntold, text);
    fprintf(s->s_log, "gilcheck lsp: %s\n", text);
    lsp_notify(s, "window/showMessage", json_pack("{s:i,s:s}", "type", type, "message", text));
}

/* The 0-based line of a configuration file that sets the key a message names ('key'), or 0. */
static uint32_t key_line(const char *path, const char *msg)
{
    const char *q = strchr(msg, '\''), *e = q ? strchr(q + 1, '\'') : NULL;
    char key[128], line[1024];
    FILE *fp;
    uint32_t n = 0;
    if (!q || !e || e - q - 1 <= 0 || e - q - 1 >= (long)sizeof key || !(fp = fopen(path, "r")))
        return 0;
    snprintf(key, sizeof key, "%.*s", (int)(e - q - 1), q + 1);
    if (strchr(key, '.'))
        *strchr(key, '.') = 0;     /* per-file-ignores."glob" */
    while (fgets(line, sizeof line, fp)) {
        const char *p = line;
        size_t k = strlen(key);
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '"')
            p++;
        if (!strncmp(p, key, k) && strchr(" \t=\"", p[k])) {
            fclose(fp);
            return n;
        }
        n++;
    }
    fclose(fp);
    return 0;
}

/* A configuration that cannot be used: an error diagnostic on the file (at the key) and a
 * message, once; warnings (an untrusted file skipped, a project's python ignored) as
 * messages. */
void lsp_settings_problems(lsp_server *s, const diag_ctx *d)
{
    size_t i;
    for (i = 0; i < d->d_count; i++) {
        const diag_msg *m = &d->d_msgs[i];
        char text[1400], uri[4200];
        diag_format(d, i, text, sizeof text);
        lsp_show(s, m->dm_code ? 1 : 2, text);
        if (!m->dm_code || !m->dm_file || m->dm_file[0] != '/')
            continue;
        lsp_path_uri(m->dm_file, uri, sizeof uri);
        if (strv_has(s->s_cfg_uris, s->s_ncfg, uri))
            continue;
        strv_push(&s->s_cfg_uris, &s->s_ncfg, uri);
        {
            uint32_t l = key_line(m->dm_file, m->dm_text);
            lsp_notify(s, "textDocument/publishDiagnostics",
                   json_pack("{s:s,s:[{s:{s:{s:i,s:i},s:{s:i,s:i}},s:i,s:s,s:s}]}", "uri", uri,
                             "diagnostics", "range", "start", "line", (int)l, "character", 0,
                             "end", "line", (int)l, "character", 1000, "severity", 1, "source",
                             "gilcheck", "message", m->dm_text));
        }
    }
}

/* The settings changed (a configuration file saved, the client's settings): every root is read
 * again, the errors published on configuration files are withdrawn, every workspace folder is
 * summarized again and every document analysed again. */
static void settings_changed(lsp_server *s)
{
    size_t i;
    lsp_doc *doc;
    lw_reset(s);                /* the sets hold settings values: gone first */
    for (doc = s->s_docs; doc; doc = doc->d_next)
        doc_forget_result(doc); /* ... and so do lone compositions' findings */
    drv_settings_reset(&s->s_drv);
    for (i = 0; i < s->s_ncfg; i++)
        lsp_notify(s, "textDocument/publishDiagnostics",
               json_pack("{s:s,s:[]}", "uri", s->s_cfg_uris[i], "diagnostics"));
    strv_clear(&s->s_cfg_uris, &s->s_ncfg);
    strv_clear(&s->s_told, &s->s_ntold);
    for (doc = s->s_docs; doc; doc = doc->d_next) {
        doc->d_dirty = 1;
        doc->d_changed_ms = 0;
    }
}

/* The client's settings (initializationOptions, or didChangeConfiguration's settings): the keys
 * of [tool.gilcheck], at the top or under "settings" / "gilcheck".  They are the command line
 * of the server: `python` comes from here only.  A bad key is a message; the others apply. */
static void client_settings(lsp_server *s, json_t *v)
{
    drv_settings layer;
    diag_ctx d;
    const char *key;
    json_t *val;
    json_t *t = json_object_get(v, "settings") ? json_object_get(v, "settings") : v;
    if (json_object_get(t, "gilcheck"))
        t = json_object_get(t, "gilcheck");
    if (!json_is_object(t))
        return;
    memset(&layer, 0, sizeof layer);
    diag_init(&d);
    json_object_foreach(t, key, val)
        drv_layer_set_json(&layer, key, val, NULL, "client settings", &d);
    /* unknown codes are said; the rest of the settings still apply */
    drv_settings_check_codes(&layer, &s->s_drv.c_kb, "client settings", &d);
    drv_settings_free(&s->s_drv.c_cli);
    s->s_drv.c_cli = layer;
    if (layer.s_python)
        s->s_drv.c_cli.s_python_from = strdup("the client's settings");
    if (d.d_count) {
        size_t i;
        char text[1400];
        for (i = 0; i < d.d_count; i++)
            lsp_show(s, 2, diag_format(&d, i, text, sizeof text));
    }
    diag_free(&d);
}

int lsp_publish(lsp_server *s, lsp_doc *doc, int force)
{
    strbuf msg;
    json_t *uri = json_string(doc->d_uri);
    size_t at, n;
    int sent = 0;
    sb_init(&msg);
    sb_puts(&msg, "{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/publishDiagnostics\","
                  "\"params\":{\"uri\":");
    if (!put_json(&msg, uri))
        goto done;
    sb_printf(&msg, ",\"version\":%lld,\"diagnostics\":", (long long)doc->d_version);
    /* the list as text, its unchanged diagnostics' texts reused: no JSON tree of the whole
     * list is built (a large file has hundreds of diagnostics, each with related places) */
    at = msg.sb_len;
    if (lf_diagnostics_text(doc, &s->s_drv, s->s_enc, &msg))
        goto done;
    n = msg.sb_len - at;
    if (!force && doc->d_sent && doc->d_sent_len == n && !memcmp(doc->d_sent, msg.sb_buf + at, n))
        goto done;
    sb_puts(&msg, "}}");
    if (msg.sb_failed)
        goto done;
    send_text(s, msg.sb_buf, msg.sb_len);
    free(doc->d_sent);
    doc->d_sent_len = 0;
    if ((doc->d_sent = malloc(n + 1))) {
        memcpy(doc->d_sent, msg.sb_buf + at, n);
        doc->d_sent[n] = 0;
        doc->d_sent_len = n;
    }
    sent = 1;
done:
    json_decref(uri);
    sb_free(&msg);
    return sent;
}

/* Analyses the document's current text (the newest version): summarizes it, composes it with
 * its workspace (or alone), and publishes its diagnostics. */
static void doc_analyze(lsp_server *s, lsp_doc *doc)
{
    diag_ctx d;
    size_t i;
    double t0 = lq_now_ms(), t1, t2;
    const drv_settings *set = NULL;
    int rc = G_EBAD;
    doc_forget_result(doc);
    diag_init(&d);
    if (drv_settings_for(&set, &s->s_drv, doc->d_path, &d)) {
        /* the configuration root of this file cannot be used: said on the file, on the
         * configuration file and in a message, never silently replaced by defaults */
        doc->d_error = 1;
        snprintf(doc->d_errmsg, sizeof doc->d_errmsg, "its configuration is broken: %s",
                 d.d_count && d.d_msgs[0].dm_text ? d.d_msgs[0].dm_text : "see the log");
        lsp_settings_problems(s, &d);
        diag_free(&d);
        diag_init(&d);
    } else {
        if (d.d_count) {        /* warnings about the settings: shown once */
            lsp_settings_problems(s, &d);
            diag_free(&d);
            diag_init(&d);
        }
        if (!doc->d_arena && arena_new(&doc->d_arena)) {
            doc->d_error = 1;
            rc = G_ENOMEM;
            snprintf(doc->d_errmsg, sizeof doc->d_errmsg, "out of memory");
        } else if ((rc = drv_summarize_buffer(&doc->d_res, &s->s_drv, doc->d_path,
                                              (const uint8_t *)doc->d_text, doc->d_len,
                                              doc->d_arena, &d))) {
            doc->d_error = 1;
            snprintf(doc->d_errmsg, sizeof doc->d_errmsg, "%s",
                     d.d_count && d.d_msgs[d.d_count - 1].dm_text
                         ? d.d_msgs[d.d_count - 1].dm_text : "the analysis failed");
            for (i = 0; i < d.d_count; i++) {
                char buf[1400];
                fprintf(s->s_log, "gilcheck lsp: %s\n", diag_format(&d, i, buf, sizeof buf));
            }
        } else {
            doc->d_have_res = 1;
        }
    }
    doc->d_dirty = 0;
    doc->d_rid = 0;
    doc->d_rc = rc;
    doc->d_own = doc->d_res.r_res;
    /* with the workspace; else alone, with the file's own settings (as `check FILE`) */
    if (!lw_compose_doc(s, doc, rc, &d) && !rc) {
        drv_unit u;
        memset(&u, 0, sizeof u);
        u.u_path = doc->d_path;
        u.u_sum = doc->d_res.r_sum;
        u.u_res = doc->d_res.r_res;         /* a syntax error's GIL000 */
        u.u_source = doc->d_res.r_source;
        u.u_text = (const uint8_t *)doc->d_text;
        u.u_len = doc->d_len;
        if (drv_compose_with(&u, 1, &s->s_drv, set, &set, doc->d_arena, &d) == G_ENOMEM) {
            doc->d_error = 1;
            snprintf(doc->d_errmsg, sizeof doc->d_errmsg, "out of memory");
            drv_result_free(&doc->d_res);
            memset(&doc->d_res, 0, sizeof doc->d_res);
            doc->d_have_res = 0;
        } else {
            doc->d_res.r_res = u.u_res;
            doc->d_res.r_noqa = u.u_noqa;
        }
    }
    diag_free(&d);
    t1 = lq_now_ms();
    doc_index_lines(doc);
    lsp_publish(s, doc, 1);
    t2 = lq_now_ms();
    if (s->s_timing)
        fprintf(s->s_log, "gilcheck lsp: timing: %s v%lld: analysis %.2f ms, diagnostics and "
                "sending %.2f ms (%zu diagnostics, %zu made anew)\n", doc->d_uri,
                (long long)doc->d_version, t1 - t0, t2 - t1, doc->d_pieces.ps_n,
                doc->d_pieces.ps_built);
}

/* A request about a document sees its newest text analysed. */
static lsp_doc *doc_current(lsp_server *s, json_t *params)
{
    const char *uri = param_uri(params);
    lsp_doc *doc = uri ? doc_find(s, uri) : NULL;
    if (doc && doc->d_dirty)
        doc_analyze(s, doc);
    return doc;
}

static void did_open(lsp_server *s, json_t *params)
{
    json_t *td = json_object_get(params, "textDocument");
    const char *uri = json_string_value(json_object_get(td, "uri"));
    json_t *text = json_object_get(td, "text");
    lsp_doc *doc;
    char path[4096];
    if (!uri || !json_is_string(text))
        return;
    if ((doc = doc_find(s, uri))) {          /* opened twice: the newer text wins */
        free(doc->d_text);
        doc->d_text = NULL;
        free(doc->d_lines);
        doc->d_lines = NULL;
    } else {
        if (!(doc = calloc(1, sizeof *doc)))
            return;
        lsp_uri_path(uri, path, sizeof path);
        doc->d_uri = strdup(uri);
        doc->d_path = strdup(path);
        if (!doc->d_uri || !doc->d_path) {
            doc_free(doc);
            return;
        }
        doc->d_next = s->s_docs;
        s->s_docs = doc;
    }
    doc->d_len = json_string_length(text);
    doc->d_text = malloc(doc->d_len + 1);
    if (!doc->d_text) {
        doc->d_len = 0;
        return;
    }
    memcpy(doc->d_text, json_string_value(text), doc->d_len);
    doc->d_text[doc->d_len] = 0;
    doc->d_version = json_integer_value(json_object_get(td, "version"));
    doc->d_dirty = 1;
    doc->d_changed_ms = 0;                   /* analyse at once */
}

static uint32_t pos_field(json_t *pos, const char *key)
{
    json_int_t v = json_integer_value(json_object_get(pos, key));
    return v < 0 ? 0 : v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static void did_change(lsp_server *s, json_t *params)
{
    const char *uri = param_uri(params);
    lsp_doc *doc = uri ? doc_find(s, uri) : NULL;
    json_t *changes = json_object_get(params, "contentChanges"), *ch;
    size_t i;
    if (!doc || !doc->d_text)
        return;
    json_array_foreach(changes, i, ch) {
        json_t *range = json_object_get(ch, "range"), *text = json_object_get(ch, "text");
        size_t from, to;
        if (!json_is_string(text))
            continue;
        if (range) {
            json_t *a = json_object_get(range, "start"), *b = json_object_get(range, "end");
            from = lsp_offset_of(doc->d_text, doc->d_len, pos_field(a, "line"),
                                 pos_field(a, "character"), s->s_enc);
            to = lsp_offset_of(doc->d_text, doc->d_len, pos_field(b, "line"),
                               pos_field(b, "character"), s->s_enc);
        } else {
            from = 0;
            to = doc->d_len;
        }
        if (lsp_splice(&doc->d_text, &doc->d_len, from, to, json_string_value(text),
                       json_string_length(text)))
            fprintf(s->s_log, "gilcheck lsp: out of memory applying an edit to %s\n", uri);
    }
    if (json_is_integer(json_object_get(json_object_get(params, "textDocument"), "version")))
        doc->d_version = json_integer_value(
            json_object_get(json_object_get(params, "textDocument"), "version"));
    free(doc->d_lines);                      /* indexes the old text */
    doc->d_lines = NULL;
    doc->d_dirty = 1;
    doc->d_changed_ms = lq_now_ms();
}

static void did_close(lsp_server *s, json_t *params)
{
    const char *uri = param_uri(params);
    lsp_doc **pp;
    for (pp = &s->s_docs; uri && *pp; pp = &(*pp)->d_next) {
        if (!strcmp((*pp)->d_uri, uri)) {
            lsp_doc *doc = *pp;
            *pp = doc->d_next;
            lsp_notify(s, "textDocument/publishDiagnostics",
                   json_pack("{s:s,s:[]}", "uri", uri, "diagnostics"));
            lw_doc_closed(s, doc->d_path);   /* the file on disk stands for it again */
            drv_buffer_closed(doc->d_path);
            doc_free(doc);
            return;
        }
    }
}

/***** requests *****/

/* capabilities.<a>.<b>.<c> is true. */
static int capability(json_t *params, const char *a, const char *b, const char *c)
{
    json_t *v = json_object_get(json_object_get(params, "capabilities"), a);
    v = json_object_get(v, b);
    if (c)
        v = json_object_get(v, c);
    return json_is_true(v);
}

static json_t *initialize(lsp_server *s, json_t *params)
{
    json_t *encs = json_object_get(json_object_get(json_object_get(params, "capabilities"),
                                                   "general"), "positionEncodings"), *e;
    size_t i;
    s->s_enc = LSP_UTF16;
    json_array_foreach(encs, i, e)
        if (json_is_string(e) && !strcmp(json_string_value(e), "utf-8"))
            s->s_enc = LSP_UTF8;
    s->s_cap_progress = capability(params, "window", "workDoneProgress", NULL);
    s->s_cap_refresh = capability(params, "workspace", "diagnostics", "refreshSupport");
    s->s_cap_watch = capability(params, "workspace", "didChangeWatchedFiles",
                                "dynamicRegistration");
    client_settings(s, json_object_get(params, "initializationOptions"));
    lw_folders_init(s, params);
    return json_pack(
        "{s:{s:s,s:{s:b,s:i,s:{s:b}},s:b,s:{s:[s]},s:{s:s,s:b,s:b},"
        "s:{s:{s:b,s:b}}},s:{s:s,s:s}}",
        "capabilities",
        "positionEncoding", s->s_enc == LSP_UTF8 ? "utf-8" : "utf-16",
        "textDocumentSync", "openClose", 1, "change", 2, "save", "includeText", 0,
        "hoverProvider", 1,
        "codeActionProvider", "codeActionKinds", "quickfix",
        /* a file's findings depend on the others of its workspace */
        "diagnosticProvider", "identifier", "gilcheck", "interFileDependencies", 1,
        "workspaceDiagnostics", 0,
        "workspace", "workspaceFolders", "supported", 1, "changeNotifications", 1,
        "serverInfo", "name", "gilcheck", "version", GILCHECK_VERSION);
}

static void request(lsp_server *s, const char *method, json_t *id, json_t *params)
{
    lsp_doc *doc;
    if (!strcmp(method, "initialize")) {
        if (s->s_state != ST_NEW) {
            reply_error(s, id, RPC_INVALID_REQUEST, "initialize was already received");
            return;
        }
        s->s_state = ST_RUNNING;
        reply(s, id, initialize(s, params));
        return;
    }
    if (s->s_state == ST_NEW) {
        reply_error(s, id, RPC_NOT_INITIALIZED, "the server is not initialized");
        return;
    }
    if (s->s_state == ST_SHUTDOWN) {
        reply_error(s, id, RPC_INVALID_REQUEST, "the server is shutting down");
        return;
    }
    if (!strcmp(method, "shutdown")) {
        s->s_state = ST_SHUTDOWN;
        reply(s, id, json_null());
        return;
    }
    if (!strcmp(method, "textDocument/diagnostic")) {
        const char *prev;
        char rid[48];
        if (!(doc = doc_current(s, params))) {
            reply_error(s, id, RPC_INVALID_PARAMS, "the document is not open");
            return;
        }
        if (doc->d_rid)         /* the workspace changed its findings since */
            snprintf(rid, sizeof rid, "%lld.%u", (long long)doc->d_version, doc->d_rid);
        else
            snprintf(rid, sizeof rid, "%lld", (long long)doc->d_version);
        prev = json_string_value(json_object_get(params, "previousResultId"));
        if (prev && !strcmp(prev, rid)) {    /* the client has this version's list */
            reply(s, id, json_pack("{s:s,s:s}", "kind", "unchanged", "resultId", rid));
        } else {                             /* the list as text, as lsp_publish sends it */
            strbuf msg;
            int rc;
            sb_init(&msg);
            sb_puts(&msg, "{\"jsonrpc\":\"2.0\",\"id\":");
            put_json(&msg, id);
            sb_printf(&msg, ",\"result\":{\"kind\":\"full\",\"resultId\":\"%s\",\"items\":", rid);
            rc = lf_diagnostics_text(doc, &s->s_drv, s->s_enc, &msg);
            sb_puts(&msg, "}}");
            if (rc || msg.sb_failed)
                reply_error(s, id, RPC_INTERNAL_ERROR, "out of memory");
            else
                send_text(s, msg.sb_buf, msg.sb_len);
            sb_free(&msg);
        }
        return;
    }
    if (!strcmp(method, "textDocument/hover")) {
        json_t *pos = json_object_get(params, "position");
        doc = doc_current(s, params);
        reply(s, id, doc && pos ? lf_hover(doc, pos_field(pos, "line"), s->s_enc) : json_null());
        return;
    }
    if (!strcmp(method, "textDocument/codeAction")) {
        json_t *range = json_object_get(params, "range");
        doc = doc_current(s, params);
        if (!doc || !range) {
            reply(s, id, json_array());
            return;
        }
        reply(s, id, lf_code_actions(doc, &s->s_drv,
                                     pos_field(json_object_get(range, "start"), "line"),
                                     pos_field(json_object_get(range, "end"), "line"), s->s_enc));
        return;
    }
    reply_error(s, id, RPC_METHOD_NOT_FOUND, "method not found");
}

/* A file:// URI's file changed on disk (1 created, 2 changed, 3 deleted). */
static void file_event(lsp_server *s, const char *uri, int type)
{
    char path[4096];
    if (strncmp(uri, "file:", 5))
        return;
    lsp_uri_path(uri, path, sizeof path);
    lw_file_event(s, path, type);
}

/* Asks the client to tell of Python and configuration files changed on disk. */
static void register_watchers(lsp_server *s)
{
    char id[32];
    lsp_request(s, "client/registerCapability", json_pack(
        "{s:[{s:s,s:s,s:{s:[{s:s},{s:s},{s:s},{s:s},{s:s}]}}]}", "registrations",
        "id", "gilcheck-watched-files", "method", "workspace/didChangeWatchedFiles",
        "registerOptions", "watchers", "globPattern", "**/*.py", "globPattern", "**/*.pyc",
        "globPattern", "**/pyproject.toml", "globPattern", "**/gilcheck.toml",
        "globPattern", "**/.gilcheck.toml"), id);
}

/* 1 when the URI names a configuration file (.gilcheck.toml, gilcheck.toml, pyproject.toml). */
static int is_config_uri(const char *uri)
{
    const char *base = strrchr(uri, '/');
    return drv_config_name(base ? base + 1 : uri);
}

static void notification(lsp_server *s, const char *method, json_t *params)
{
    if (!strcmp(method, "exit")) {
        s->s_exit = 1;
        s->s_code = s->s_state == ST_SHUTDOWN ? 0 : 1;
        return;
    }
    if (s->s_state != ST_RUNNING)       /* before initialize / after shutdown: dropped */
        return;
    if (!strcmp(method, "initialized")) {
        s->s_started = 1;       /* the workspace is summarized from now on */
        if (s->s_cap_watch)     /* so that the client tells us of files changed on disk */
            register_watchers(s);
    } else if (!strcmp(method, "textDocument/didOpen")) {
        did_open(s, params);
    } else if (!strcmp(method, "textDocument/didChange")) {
        did_change(s, params);
    } else if (!strcmp(method, "textDocument/didSave")) {
        lsp_doc *doc = param_uri(params) ? doc_find(s, param_uri(params)) : NULL;
        if (param_uri(params) && is_config_uri(param_uri(params)))
            settings_changed(s);
        else if (param_uri(params))
            file_event(s, param_uri(params), 2);   /* the file on disk changed */
        if (doc) {
            doc->d_dirty = 1;
            doc->d_changed_ms = 0;
        }
    } else if (!strcmp(method, "textDocument/didClose")) {
        did_close(s, params);
    } else if (!strcmp(method, "workspace/didChangeWatchedFiles")) {
        json_t *ch;
        size_t i;
        int config = 0;
        json_array_foreach(json_object_get(params, "changes"), i, ch) {
            const char *uri = json_string_value(json_object_get(ch, "uri"));
            json_int_t type = json_integer_value(json_object_get(ch, "type"));
            if (!uri)
                continue;
            if (is_config_uri(uri))
                config = 1;
            else if (type >= 1 && type <= 3)
                file_event(s, uri, (int)type);
        }
        if (config)
            settings_changed(s);
    } else if (!strcmp(method, "workspace/didChangeConfiguration")) {
        client_settings(s, params);
        settings_changed(s);
    } else if (!strcmp(method, "workspace/didChangeWorkspaceFolders")) {
        lw_folders_changed(s, params);
        settings_changed(s);    /* documents move between folders: all analysed again */
    }
    /* initialized, $/cancelRequest, $/setTrace, unknown notifications: nothing to do */
}

static void handle(lsp_server *s, lsp_item *it)
{
    json_t *msg = it->it_msg, *id, *method;
    if (it->it_kind == LQ_WAKE) {
        lw_job_done(s);
        return;
    }
    if (it->it_kind == LQ_PARSE) {
        reply_error(s, NULL, RPC_PARSE_ERROR, it->it_err);
        return;
    }
    if (it->it_kind == LQ_FATAL) {
        char why[200];
        snprintf(why, sizeof why, "unreadable message header: %s", it->it_err);
        reply_error(s, NULL, RPC_PARSE_ERROR, why);
        fprintf(s->s_log, "gilcheck lsp: %s; stopping\n", why);
        s->s_exit = 1;
        s->s_code = 1;
        return;
    }
    if (it->it_kind == LQ_EOF) {
        if (it->it_err[0])
            fprintf(s->s_log, "gilcheck lsp: %s; stopping\n", it->it_err);
        s->s_exit = 1;
        s->s_code = s->s_state == ST_SHUTDOWN ? 0 : 1;
        return;
    }
    id = json_object_get(msg, "id");
    method = json_object_get(msg, "method");
    if (id && !json_is_string(id) && !json_is_integer(id)) {
        reply_error(s, NULL, RPC_INVALID_REQUEST, "the id is neither a number nor a string");
        return;
    }
    if (!json_is_object(msg) || (method && !json_is_string(method))) {
        reply_error(s, id, RPC_INVALID_REQUEST, "not a JSON-RPC request");
        return;
    }
    if (!method) {
        if (!id || !(json_object_get(msg, "result") || json_object_get(msg, "error")))
            reply_error(s, id, RPC_INVALID_REQUEST, "not a JSON-RPC request");
        else if (json_is_string(id))     /* a response to one of our requests */
            lw_response(s, json_string_value(id), json_object_get(msg, "result"),
                        json_object_get(msg, "error"));
        return;
    }
    if (json_object_get(msg, "id"))
        request(s, json_string_value(method), json_object_get(msg, "id"),
                json_object_get(msg, "params"));
    else
        notification(s, json_string_value(method), json_object_get(msg, "params"));
}

/* The changed document whose quiet period ends first, or NULL. */
static lsp_doc *next_due(lsp_server *s)
{
    lsp_doc *d, *best = NULL;
    for (d = s->s_docs; d; d = d->d_next)
        if (d->d_dirty && d->d_text && (!best || d->d_changed_ms < best->d_changed_ms))
            best = d;
    return best;
}

int lsp_serve(int in_fd, int out_fd, const char *argv0, FILE *log)
{
    lsp_server s;
    diag_ctx d;
    memset(&s, 0, sizeof s);
    s.s_out = out_fd;
    s.s_log = log;
    s.s_code = 1;
    s.s_q = &server_queue;
    s.s_argv0 = argv0;
    s.s_timing = getenv("GILCHECK_LSP_TIMING") != NULL;
    json_object_seed(0);
    diag_init(&d);
    if (drv_open(&s.s_drv, argv0, &d)) {
        char buf[1400];
        size_t i;
        for (i = 0; i < d.d_count; i++)
            fprintf(log, "gilcheck lsp: %s\n", diag_format(&d, i, buf, sizeof buf));
        diag_free(&d);
        drv_close(&s.s_drv);
        return 1;
    }
    diag_free(&d);
    s.s_drv.c_client_only_python = 1;   /* never a program a project's file names */
    s.s_drv.c_no_cwd_default = 1;       /* a file without a configuration gets the defaults */
    /* the embedded interpreter now, before the reader thread: configuration files are then
     * read in this process, never in a child forked from a threaded one */
    in_python_start();
    if (lq_start(s.s_q, in_fd)) {
        fprintf(log, "gilcheck lsp: cannot start the reader thread\n");
        drv_close(&s.s_drv);
        return 1;
    }
    /* messages first, then a changed document once it is quiet, then one slice of the
     * workspace's background work (a file summarized: a few milliseconds) */
    while (!s.s_exit) {
        lsp_doc *due = next_due(&s);
        long wait = -1, bg = due ? -1 : lw_due(&s);
        lsp_item *it;
        if (due) {
            double left = due->d_changed_ms + LSP_DEBOUNCE_MS - lq_now_ms();
            wait = left > 0 ? (long)left + 1 : 0;
        }
        if (bg >= 0 && (wait < 0 || bg < wait))
            wait = bg;
        if ((it = lq_pop(s.s_q, wait))) {
            handle(&s, it);
            lq_item_free(it);
            continue;
        }
        if (lq_pending(s.s_q))
            continue;
        if (due) {
            if (due->d_changed_ms + LSP_DEBOUNCE_MS <= lq_now_ms())
                doc_analyze(&s, due);
        } else {
            lw_step(&s);
        }
    }
    lw_free(&s);                /* the composition thread first */
    lq_stop(s.s_q);
    while (s.s_docs) {
        lsp_doc *next = s.s_docs->d_next;
        doc_free(s.s_docs);
        s.s_docs = next;
    }
    drv_close(&s.s_drv);
    strv_clear(&s.s_cfg_uris, &s.s_ncfg);
    strv_clear(&s.s_told, &s.s_ntold);
    in_shutdown();
    return s.s_code;
}
