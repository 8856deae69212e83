/* Findings as a SARIF 2.1.0 log for GitHub code scanning: the rules from their YAML, results with
 * regions in UTF-16 code units, line fingerprints, the related read or check, the lost-update
 * interleaving as two thread flows, and per-file errors as tool execution notifications. */
#include "rep_int.h"

#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef GILCHECK_VERSION
#define GILCHECK_VERSION "0.0.0"
#endif

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"
#define SARIF_HOME "https://github.com/gilcheck/gilcheck"
#define SARIF_DOCS SARIF_HOME "/blob/main/docs/rules/"

/* The log being written.  Results are written as they come (memory stays flat however many
 * there are); the notifications wait for the end, where `invocations` follows `results`. */
typedef struct sarif_log {
    int sl_started;            /* the log is open up to "results": [ */
    unsigned long sl_nresults; /* results written */
    json_t *sl_notes;          /* invocations[0].toolExecutionNotifications */
    char sl_root[4096];        /* absolute source root, no trailing slash ("" for "/") */
} sarif_log;

/* One step of a two-thread interleaving.  Built from the finding's read/check and write today;
 * the engine's interleaving generator can hand over its own steps later. */
typedef struct sarif_step {
    char ss_thread;            /* 'A' or 'B' */
    int32_t ss_line;           /* 1-based */
    int32_t ss_col;            /* 1-based UTF-8 byte column, < 1 unknown */
    int32_t ss_end_col;        /* exclusive, < 1 unknown (same line) */
    char ss_text[320];         /* what the thread does there */
} sarif_step;

static sarif_log *log_of(rep_ctx *r)
{
    sarif_log *lg = r->r_sarif;
    char cwd[4096];
    const char *root = r->r_srcroot;
    size_t n;
    if (lg)
        return lg;
    if (!(lg = calloc(1, sizeof *lg)))
        return NULL;
    lg->sl_notes = json_array();
    if (!root)
        root = getcwd(cwd, sizeof cwd) ? cwd : "/";
    snprintf(lg->sl_root, sizeof lg->sl_root, "%s", root);
    n = strlen(lg->sl_root);
    while (n && lg->sl_root[n - 1] == '/')
        lg->sl_root[--n] = 0;
    r->r_sarif = lg;
    return lg;
}

/* ------------------------------------------------------------------------------------------ */
/* URIs */

/* Appends s percent-encoded (RFC 3986: unreserved characters and '/' stay) to buf. */
static void uri_encode(char *buf, size_t size, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(buf);
    for (; *s && n + 4 < size; s++) {
        unsigned char c = (unsigned char)*s;
        if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
            buf[n++] = (char)c;
        } else {
            buf[n++] = '%';
            buf[n++] = hex[c >> 4];
            buf[n++] = hex[c & 15];
        }
    }
    buf[n] = 0;
}

/* path made absolute against root, with "." and ".." segments removed (lexically). */
static void absolute_path(char *out, size_t size, const char *root, const char *path)
{
    char tmp[8192], *seg, *save = NULL;
    size_t n = 0;
    snprintf(tmp, sizeof tmp, "%s%s%s", path[0] == '/' ? "" : root, path[0] == '/' ? "" : "/", path);
    out[0] = 0;
    for (seg = strtok_r(tmp, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
        if (!strcmp(seg, "."))
            continue;
        if (!strcmp(seg, "..")) {
            while (n && out[n - 1] != '/')
                n--;
            if (n)
                n--;
            out[n] = 0;
            continue;
        }
        if (n + strlen(seg) + 2 >= size)
            break;
        out[n++] = '/';
        strcpy(out + n, seg);
        n += strlen(seg);
    }
    if (!n)
        strcpy(out, "/");
}

/* {"uri": ..., "uriBaseId": "SRCROOT"} for a file under the source root, else an absolute file
 * URI. */
static json_t *artifact_location(const sarif_log *lg, const char *file)
{
    char abs[4096], uri[12288] = "";
    size_t k = strlen(lg->sl_root);
    absolute_path(abs, sizeof abs, lg->sl_root, file && *file ? file : ".");
    if (!strncmp(abs, lg->sl_root, k) && abs[k] == '/' && abs[k + 1]) {
        uri_encode(uri, sizeof uri, abs + k + 1);
        return json_pack("{s:s, s:s}", "uri", uri, "uriBaseId", "SRCROOT");
    }
    strcpy(uri, "file://");
    uri_encode(uri, sizeof uri, abs);
    return json_pack("{s:s}", "uri", uri);
}

/* ------------------------------------------------------------------------------------------ */
/* Results */

/* A region; columns converted from UTF-8 bytes to UTF-16 code units with the source line, and
 * left out when the line cannot be read (a .pyc whose source is elsewhere). */
static json_t *region(const rep_source *src, int32_t line, int32_t col, int32_t end_line,
                      int32_t end_col)
{
    json_t *g = json_object();
    const char *text;
    size_t len;
    json_object_set_new(g, "startLine", json_integer(line));
    text = rep_source_line(src, line, &len);
    if (text && col >= 1)
        json_object_set_new(g, "startColumn", json_integer(rep_column(text, len, col, 1)));
    if (end_line >= line && end_line != line)
        json_object_set_new(g, "endLine", json_integer(end_line));
    if (text && col >= 1 && end_col >= 1 && (end_line < 1 || end_line == line) && end_col > col) {
        json_object_set_new(g, "endLine", json_integer(line));
        json_object_set_new(g, "endColumn", json_integer(rep_column(text, len, end_col, 1)));
    } else if (end_line > line && end_col >= 1 && (text = rep_source_line(src, end_line, &len))) {
        json_object_set_new(g, "endColumn", json_integer(rep_column(text, len, end_col, 1)));
    }
    return g;
}

static json_t *physical(const sarif_log *lg, const char *file, json_t *reg)
{
    return json_pack("{s:{s:o, s:o}}", "physicalLocation", "artifactLocation",
                     artifact_location(lg, file), "region", reg);
}

/* text with '\', '[' and ']' escaped: SARIF reads "[text](id)" in a message as a link, so
 * literal brackets ("D[k]") must be escaped (SARIF 2.1.0 3.11.6).  Returns a malloc'd string. */
static char *escape_text(const char *text)
{
    size_t n = 0, k = 0;
    const char *p;
    char *out;
    for (p = text; *p; p++)
        n += 1 + (*p == '\\' || *p == '[' || *p == ']');
    if (!(out = malloc(n + 1)))
        return NULL;
    for (p = text; *p; p++) {
        if (*p == '\\' || *p == '[' || *p == ']')
            out[k++] = '\\';
        out[k++] = *p;
    }
    out[k] = 0;
    return out;
}

/* {"text": text escaped}; with link_text, " ([link_text](1))" appended: a link to the related
 * location with id 1, which is how GitHub shows related locations. */
static json_t *message_link(const char *text, const char *link_text)
{
    char *t = escape_text(text), *l = link_text ? escape_text(link_text) : NULL, *both;
    json_t *m = NULL;
    if (t && (!link_text || l)) {
        if (!l)
            m = json_pack("{s:s}", "text", t);
        else if ((both = malloc(strlen(t) + strlen(l) + 16))) {
            sprintf(both, "%s ([%s](1))", t, l);
            m = json_pack("{s:s}", "text", both);
            free(both);
        }
    }
    free(t);
    free(l);
    return m ? m : json_pack("{s:s}", "text", "(out of memory)");
}

static json_t *message(const char *text)
{
    return message_link(text, NULL);
}

/* The generic lost-update schedule from the finding's fields, for a finding without the
 * engine's (A reads, B reads, B writes, A writes over B's write).  Returns the number of steps
 * (0 when the finding has no read or check to start from). */
static int generic_steps(const finding *f, sarif_step out[4])
{
    const char *t = f->f_target && *f->f_target ? f->f_target : "the shared state";
    int check = f->f_rel_what && !strcmp(f->f_rel_what, "check");
    const char *verb = check ? "checks" : "reads";
    int i;
    if (!f->f_rel_what || f->f_rel_line < 1 || f->f_line < 1)
        return 0;
    for (i = 0; i < 4; i++) {
        int write = i >= 2;
        out[i].ss_thread = i == 0 || i == 3 ? 'A' : 'B';
        out[i].ss_line = write ? f->f_line : f->f_rel_line;
        out[i].ss_col = write ? f->f_col : f->f_rel_col;
        out[i].ss_end_col = write && f->f_end_line == f->f_line ? f->f_end_col : -1;
    }
    snprintf(out[0].ss_text, sizeof out[0].ss_text, "Thread A %s %s", verb, t);
    snprintf(out[1].ss_text, sizeof out[1].ss_text, "Thread B %s %s before thread A writes it "
             "(%s)", verb, t, check ? "the same outcome" : "the same value");
    snprintf(out[2].ss_text, sizeof out[2].ss_text, "Thread B writes %s", t);
    snprintf(out[3].ss_text, sizeof out[3].ss_text, "Thread A writes %s from its stale %s: thread "
             "B's write is lost", t, check ? "check" : "read");
    return 4;
}

/* The engine's schedule (f_ilv) as steps: each instruction a thread runs, at its own source
 * position ("Thread A: LOAD_GLOBAL count (reads count = 0)"); a step that is another thread's
 * write elsewhere sits at the finding's write.  Returns the number of steps written to out
 * (which has room for f->f_ilv->il_nsteps). */
static int engine_steps(const finding *f, sarif_step *out)
{
    const eng_interleaving *il = f->f_ilv;
    uint32_t i;
    for (i = 0; i < il->il_nsteps; i++) {
        const eng_step *st = &il->il_steps[i];
        sarif_step *o = &out[i];
        int here = st->st_instr >= 0 && st->st_line >= 1;
        o->ss_thread = st->st_thread;
        o->ss_line = here ? st->st_line : f->f_line;
        o->ss_col = here ? st->st_col : f->f_col;
        o->ss_end_col = -1;
        snprintf(o->ss_text, sizeof o->ss_text, "Thread %c: %s%s%s%s%s%s%s", st->st_thread,
                 st->st_opname, st->st_arg ? " " : "", st->st_arg ? st->st_arg : "",
                 st->st_sees ? " (" : "", st->st_sees ? st->st_sees : "",
                 st->st_sees ? ")" : "",
                 st->st_switch ? (st->st_thread == 'A' ? "; switch to thread B"
                                                       : "; switch to thread A") : "");
    }
    return (int)il->il_nsteps;
}

/* codeFlows: one threadFlow per thread, its locations in program order with executionOrder
 * giving the global schedule. */
static json_t *code_flows(const sarif_log *lg, const rep_source *src, const finding *f,
                          const sarif_step *steps, int n)
{
    json_t *flows = json_array();
    char threads[2] = { 'A', 'B' }, what[640];
    int t, i;
    for (t = 0; t < 2; t++) {
        json_t *locs = json_array();
        char id[16];
        for (i = 0; i < n; i++) {
            json_t *loc;
            if (steps[i].ss_thread != threads[t])
                continue;
            loc = physical(lg, f->f_file, region(src, steps[i].ss_line, steps[i].ss_col,
                                                 steps[i].ss_line, steps[i].ss_end_col));
            json_object_set_new(loc, "message", message(steps[i].ss_text));
            json_array_append_new(locs, json_pack("{s:o, s:i, s:i}", "location", loc,
                                                  "executionOrder", i + 1, "nestingLevel", 0));
        }
        snprintf(id, sizeof id, "thread-%c", threads[t]);
        json_array_append_new(flows, json_pack("{s:s, s:{s:s}, s:o}", "id", id, "message", "text",
                                               t ? "Thread B" : "Thread A", "locations", locs));
    }
    if (f->f_ilv)
        snprintf(what, sizeof what, "A %s schedule of two threads: %s, instead of %s",
                 f->f_ilv->il_kind, f->f_ilv->il_final, f->f_ilv->il_expected);
    else
        snprintf(what, sizeof what, "Two threads interleaving so that one update is lost");
    return json_pack("[{s:o, s:o}]", "message", message(what), "threadFlows", flows);
}

/* The finding's codeFlows: the engine's schedule when it has one, else the generic one; NULL
 * when there is neither (or no memory). */
static json_t *flows_of(const sarif_log *lg, const rep_source *src, const finding *f)
{
    sarif_step generic[4], *steps = generic;
    json_t *out = NULL;
    int n;
    if (f->f_ilv && f->f_ilv->il_nsteps && f->f_line >= 1) {
        if (!(steps = malloc(f->f_ilv->il_nsteps * sizeof *steps)))
            return NULL;
        n = engine_steps(f, steps);
    } else {
        n = generic_steps(f, generic);
    }
    if (n > 0)
        out = code_flows(lg, src, f, steps, n);
    if (steps != generic)
        free(steps);
    return out;
}

static void log_start(sarif_log *lg, rep_ctx *r);

/* A region in `file`: with src when it is the finding's own file, else read for the occasion
 * (columns in UTF-16 need the line). */
static json_t *region_in(const rep_source *src, const finding *f, const char *file, int32_t line,
                         int32_t col)
{
    rep_source other;
    json_t *g;
    if (!strcmp(file, f->f_file))
        return region(src, line, col, -1, -1);
    if (rep_source_load(&other, file))
        return region(&other, line, -1, -1, -1);
    g = region(&other, line, col, -1, -1);
    rep_source_free(&other);
    return g;
}

/* The other side of the race as a related location, with its context in the message. */
static json_t *other_side(const sarif_log *lg, const rep_source *src, const finding *f,
                          const eng_related *rl, int id)
{
    const char *file = rl->rl_file ? rl->rl_file : f->f_file;
    json_t *loc = physical(lg, file, region_in(src, f, file, rl->rl_line >= 1 ? rl->rl_line : 1,
                                               rl->rl_col));
    char text[1200];
    snprintf(text, sizeof text, "%s %s in %s%s%s", !strcmp(f->f_rule, "GIL301") ? "Breaks:"
             : "Races with:", rl->rl_what ? rl->rl_what : "an access", rl->rl_function,
             rl->rl_context ? ", " : "", rl->rl_context ? rl->rl_context : "");
    json_object_set_new(loc, "id", json_integer(id));
    json_object_set_new(loc, "message", message(text));
    return loc;
}

/* The calls from the context's entry point down to the finding's function, as a stack (the
 * innermost frame first, as SARIF orders them). */
static json_t *chain_stack(const sarif_log *lg, const rep_source *src, const finding *f)
{
    json_t *frames = json_array();
    uint32_t i;
    for (i = f->f_nchain; i-- > 0;) {
        const eng_related *c = &f->f_chain[i];
        const char *file = c->rl_file ? c->rl_file : f->f_file;
        json_t *loc = physical(lg, file, region_in(src, f, file, c->rl_line >= 1 ? c->rl_line : 1,
                                                   -1));
        json_object_set_new(loc, "message", message(c->rl_what ? c->rl_what : c->rl_function));
        json_object_set_new(loc, "logicalLocations",
                            json_pack("[{s:s, s:s}]", "fullyQualifiedName", c->rl_function,
                                      "kind", "function"));
        json_array_append_new(frames, json_pack("{s:o}", "location", loc));
    }
    return json_pack("[{s:{s:s}, s:o}]", "message", "text",
                     f->f_context ? f->f_context : "the calls that reach it", "frames", frames);
}

static void add_result(sarif_log *lg, rep_ctx *r, const rep_source *src, const finding *f)
{
    json_t *res = json_object(), *loc, *logical;
    long idx = rep_rule_index(r, f->f_rule);
    char fp[64], rel[320];
    json_t *flows;
    json_object_set_new(res, "ruleId", json_string(f->f_rule));
    if (idx >= 0)
        json_object_set_new(res, "ruleIndex", json_integer(idx));
    json_object_set_new(res, "level", json_string(rep_severity(r, f->f_rule)));
    if (f->f_rel_what && f->f_rel_line >= 1)
        snprintf(rel, sizeof rel, "the %s of %s", f->f_rel_what,
                 f->f_target && *f->f_target ? f->f_target : "the shared state");
    json_object_set_new(res, "message", message_link(f->f_message,
                                                     f->f_rel_what && f->f_rel_line >= 1 ? rel
                                                                                         : NULL));
    if (f->f_line >= 1)
        loc = physical(lg, f->f_file, region(src, f->f_line, f->f_col, f->f_end_line,
                                             f->f_end_col));
    else
        loc = json_pack("{s:{s:o}}", "physicalLocation", "artifactLocation",
                        artifact_location(lg, f->f_file));
    if (f->f_function && *f->f_function) {
        logical = json_pack("[{s:s, s:s}]", "fullyQualifiedName", f->f_function, "kind",
                            "function");
        json_object_set_new(loc, "logicalLocations", logical);
    }
    json_object_set_new(res, "locations", json_pack("[o]", loc));
    if (rep_line_fingerprint(src, f->f_line, fp, sizeof fp))
        json_object_set_new(res, "partialFingerprints",
                            json_pack("{s:s}", "primaryLocationLineHash", fp));
    {
        json_t *rels = json_array();
        uint32_t i;
        if (f->f_rel_what && f->f_rel_line >= 1) {
            json_t *rl = physical(lg, f->f_file, region(src, f->f_rel_line, f->f_rel_col, -1, -1));
            json_object_set_new(rl, "id", json_integer(1));
            json_object_set_new(rl, "message", message(rel));
            json_array_append_new(rels, rl);
        }
        /* the other side of the race, perhaps in another file */
        for (i = 0; i < f->f_nrelated; i++)
            json_array_append_new(rels, other_side(lg, src, f, &f->f_related[i], (int)i + 2));
        /* the same finding in identical copies of the file, folded into this one */
        for (i = 0; i < f->f_ncopies; i++) {
            json_t *cp = physical(lg, f->f_copies[i],   /* same bytes: same region */
                                  region(src, f->f_line >= 1 ? f->f_line : 1, f->f_col,
                                         f->f_end_line, f->f_end_col));
            json_object_set_new(cp, "id", json_integer((int)(f->f_nrelated + i) + 2));
            json_object_set_new(cp, "message",
                                message("The same finding in an identical copy of this file"));
            json_array_append_new(rels, cp);
        }
        if (json_array_size(rels))
            json_object_set_new(res, "relatedLocations", rels);
        else
            json_decref(rels);
    }
    if (f->f_nchain)
        json_object_set_new(res, "stacks", chain_stack(lg, src, f));
    if (f->f_context || f->f_nrelated) {
        json_t *props = json_object(), *others = json_array();
        uint32_t i;
        if (f->f_context)
            json_object_set_new(props, "context", json_string(f->f_context));
        for (i = 0; i < f->f_nrelated; i++)
            if (f->f_related[i].rl_context)
                json_array_append_new(others, json_string(f->f_related[i].rl_context));
        json_object_set_new(props, "otherContexts", others);
        json_object_set_new(res, "properties", props);
    }
    if ((flows = flows_of(lg, src, f)))
        json_object_set_new(res, "codeFlows", flows);
    fputs(lg->sl_nresults++ ? ",\n        " : "\n        ", r->r_out);
    json_dumpf(res, r->r_out, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(res);
}

void sarif_file(rep_ctx *r, const finding *f, uint32_t n)
{
    sarif_log *lg = log_of(r);
    rep_source src;
    uint32_t i;
    if (!lg || !n)
        return;
    log_start(lg, r);
    rep_source_load(&src, f[0].f_file);   /* unreadable: regions without columns */
    for (i = 0; i < n; i++) {
        if (i && strcmp(f[i].f_file, f[i - 1].f_file)) {
            rep_source_free(&src);
            rep_source_load(&src, f[i].f_file);
        }
        add_result(lg, r, &src, &f[i]);
    }
    rep_source_free(&src);
}

void sarif_error(rep_ctx *r, int is_error, const char *file, const char *text)
{
    sarif_log *lg = log_of(r);
    json_t *note;
    if (!lg)
        return;
    note = json_pack("{s:s, s:o}", "level", is_error ? "error" : "warning", "message",
                     message(text));
    if (file && *file)
        json_object_set_new(note, "locations", json_pack("[{s:{s:o}}]", "physicalLocation",
                                                         "artifactLocation",
                                                         artifact_location(lg, file)));
    json_array_append_new(lg->sl_notes, note);
}

/* ------------------------------------------------------------------------------------------ */
/* Rules and the log */

/* "rmw-global" -> "RmwGlobal": SARIF asks for a Pascal-case friendly name. */
static void pascal(char *out, size_t size, const char *name)
{
    size_t n = 0;
    int up = 1;
    for (; *name && n + 1 < size; name++) {
        if (*name == '-' || *name == '_' || *name == ' ') {
            up = 1;
            continue;
        }
        out[n++] = up ? (char)toupper((unsigned char)*name) : *name;
        up = 0;
    }
    out[n] = 0;
}

static json_t *rule_entry(const eng_rule *er)
{
    char name[128], uri[256];
    json_t *md, *tags;
    uint32_t i;
    size_t len = strlen(er->r_explanation) + strlen(er->r_fix) + 256;
    char *text;
    for (i = 0; i < er->r_nrefs; i++)
        len += strlen(er->r_ref_titles[i]) + strlen(er->r_ref_urls[i]) + 8;
    text = malloc(len);
    if (!text)
        return NULL;
    pascal(name, sizeof name, er->r_name);
    snprintf(uri, sizeof uri, SARIF_DOCS "%s.md", er->r_id);
    snprintf(text, len, "## What is wrong\n\n%s\n## How to fix it\n\n%s", er->r_explanation,
             er->r_fix);
    if (er->r_nrefs)
        strcat(text, "\n## References\n\n");
    for (i = 0; i < er->r_nrefs; i++)
        sprintf(text + strlen(text), "- [%s](%s)\n", er->r_ref_titles[i], er->r_ref_urls[i]);
    md = json_string(text);
    free(text);
    tags = !strcmp(er->r_id, "GIL000") ? json_pack("[s]", "syntax")
                                       : json_pack("[s, s, s]", "concurrency", "thread-safety",
                                                   "correctness");
    return json_pack("{s:s, s:s, s:{s:s}, s:{s:s, s:s}, s:{s:s, s:o}, s:s, s:{s:s}, "
                     "s:{s:o, s:s, s:s}}",
                     "id", er->r_id, "name", name,
                     "shortDescription", "text", er->r_summary,
                     "fullDescription", "text", er->r_summary, "markdown", er->r_explanation,
                     "help", "text", er->r_fix, "markdown", md,
                     "helpUri", uri,
                     "defaultConfiguration", "level", er->r_severity,
                     "properties", "tags", tags, "precision",
                     !strcmp(er->r_id, "GIL000") ? "very-high" : "high", "problem.severity",
                     !strcmp(er->r_severity, "note") ? "recommendation" : er->r_severity);
}

/* Writes the log up to the results array: the tool with its rules, the source root. */
static void log_start(sarif_log *lg, rep_ctx *r)
{
    json_t *rules, *driver, *base;
    char root_uri[12288] = "file://";
    uint32_t i;
    if (lg->sl_started)
        return;
    lg->sl_started = 1;
    rules = json_array();
    for (i = 0; r->r_kb && i < r->r_kb->k_nrules; i++) {
        json_t *e = rule_entry(&r->r_kb->k_rules[i]);
        if (e)
            json_array_append_new(rules, e);
    }
    driver = json_pack("{s:{s:s, s:s, s:s, s:s, s:o}}", "driver", "name", "gilcheck", "version",
                       GILCHECK_VERSION, "semanticVersion", GILCHECK_VERSION, "informationUri",
                       SARIF_HOME, "rules", rules);
    uri_encode(root_uri, sizeof root_uri, lg->sl_root);
    strcat(root_uri, "/");
    base = json_pack("{s:{s:s, s:{s:s}}}", "SRCROOT", "uri", root_uri, "description", "text",
                     "The directory gilcheck ran in; result paths are relative to it.");
    fputs("{\n  \"$schema\": \"" SARIF_SCHEMA "\",\n  \"version\": \"2.1.0\",\n"
          "  \"runs\": [\n    {\n      \"tool\": ", r->r_out);
    json_dumpf(driver, r->r_out, JSON_COMPACT | JSON_PRESERVE_ORDER);
    fputs(",\n      \"originalUriBaseIds\": ", r->r_out);
    json_dumpf(base, r->r_out, JSON_COMPACT | JSON_PRESERVE_ORDER);
    fputs(",\n      \"columnKind\": \"utf16CodeUnits\",\n      \"results\": [", r->r_out);
    json_decref(driver);
    json_decref(base);
}

void sarif_end(rep_ctx *r)
{
    sarif_log *lg = log_of(r);
    json_t *inv;
    if (!lg)
        return;
    log_start(lg, r);
    inv = json_pack("{s:b}", "executionSuccessful", r->r_errors == 0);
    if (json_array_size(lg->sl_notes))
        json_object_set(inv, "toolExecutionNotifications", lg->sl_notes);
    fputs(lg->sl_nresults ? "\n      ],\n      \"invocations\": [" : "],\n      \"invocations\": [",
          r->r_out);
    json_dumpf(inv, r->r_out, JSON_COMPACT | JSON_PRESERVE_ORDER);
    fputs("]\n    }\n  ]\n}\n", r->r_out);
    json_decref(inv);
    json_decref(lg->sl_notes);
    free(lg);
    r->r_sarif = NULL;
}
