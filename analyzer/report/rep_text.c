/* Findings as text: `PATH:LINE:COL: GILnnn message`, and the full form with the source line;
 * the entry points of the report stage, which hand the other formats to their writers. */
#include "rep_int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../common/strbuf.h"
#include "../common/text.h"

/* Line `line` (1-based) of a source file into buf; 0 when unreadable. */
static int source_line(const char *path, int32_t line, char *buf, size_t size)
{
    FILE *fp;
    int32_t k = 1;
    if (line < 1 || !path || !*path || !(fp = fopen(path, "rb")))
        return 0;
    while (fgets(buf, (int)size, fp)) {
        size_t n = strlen(buf);
        if (k == line) {
            while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
                buf[--n] = 0;
            fclose(fp);
            return 1;
        }
        if (n && buf[n - 1] == '\n')
            k++;
    }
    fclose(fp);
    return 0;
}

/* Before 3.11 bytecode has no columns: use the statement's first character in the source. */
static void fill_columns(finding *f)
{
    char buf[4096];
    int32_t i = 0;
    if (f->f_col >= 1)
        return;
    f->f_col = 1;
    if (source_line(f->f_file, f->f_line, buf, sizeof buf)) {
        while (buf[i] == ' ' || buf[i] == '\t')
            i++;
        f->f_col = i + 1;
    }
    if (f->f_rel_col < 1 && f->f_rel_line >= 1) {
        f->f_rel_col = 1;
        i = 0;
        if (source_line(f->f_file, f->f_rel_line, buf, sizeof buf)) {
            while (buf[i] == ' ' || buf[i] == '\t')
                i++;
            f->f_rel_col = i + 1;
        }
    }
}

static int by_position(const void *x, const void *y)
{
    const finding *a = x, *b = y;
    int c = strcmp(a->f_file, b->f_file);
    if (c)
        return c;
    if (a->f_line != b->f_line)
        return a->f_line < b->f_line ? -1 : 1;
    if (a->f_col != b->f_col)
        return a->f_col < b->f_col ? -1 : 1;
    return strcmp(a->f_rule, b->f_rule);
}

const char *rep_where(const finding *f, char *buf, size_t size)
{
    const char *rel = f->f_rel_what ? f->f_rel_what : "first access";
    if (f->f_npycode)
        snprintf(buf, size, "on GIL builds of every Python version: Python code runs inside it "
                 "(%s%s); always on free-threaded builds", f->f_pycode[0].pc_why,
                 f->f_npycode > 1 ? ", and more" : "");
    else if (f->f_nswitch)
        snprintf(buf, size, "on GIL builds of Python 3.%d: a thread switch can fall inside it "
                 "(%u switch point%s between the %s and the write); always on free-threaded "
                 "builds", f->f_python_minor, f->f_nswitch, f->f_nswitch == 1 ? "" : "s", rel);
    else
        snprintf(buf, size, "on GIL builds of Python 3.%d only when Python code runs inside it "
                 "(__eq__, __hash__, __del__, a property): no switch point between the %s and "
                 "the write; always on free-threaded builds", f->f_python_minor, rel);
    return buf;
}

json_t *rep_pycode_json(const finding *f)
{
    json_t *a = json_array();
    uint32_t i;
    for (i = 0; i < f->f_npycode; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "offset", json_integer(f->f_pycode[i].pc_offset));
        json_object_set_new(o, "why", json_string(f->f_pycode[i].pc_why));
        json_array_append_new(a, o);
    }
    return a;
}

json_t *rep_caveats_json(const finding *f)
{
    json_t *a = json_array();
    uint32_t i;
    for (i = 0; i < f->f_ncaveats; i++)
        json_array_append_new(a, json_string(f->f_caveats[i]));
    return a;
}

const char *rep_severity(const rep_ctx *r, const char *rule)
{
    const eng_rule *er = r->r_kb ? rule_find(r->r_kb, rule) : NULL;
    return er ? er->r_severity : "warning";
}

long rep_rule_index(const rep_ctx *r, const char *rule)
{
    const eng_rule *er = r->r_kb ? rule_find(r->r_kb, rule) : NULL;
    return er ? (long)(er - r->r_kb->k_rules) : -1;
}

int rep_format_parse(const char *name)
{
    static const char *const names[] = { "full", "concise", "json", "sarif", "github", "html" };
    int i;
    for (i = 0; i < 6; i++)
        if (!strcmp(name, names[i]))
            return REP_FULL + i;
    return 0;
}

/* ANSI colours, as ruff uses them: bold path, cyan separators, bold red code, blue gutter. */
#define C_BOLD "\033[1m"
#define C_CYAN "\033[36m"
#define C_RED "\033[1;31m"
#define C_BLUE "\033[1;34m"
#define C_OFF "\033[0m"

/* PATH:LINE:COL: GILnnn message, coloured when the context says so. */
static void write_header(rep_ctx *r, const finding *f)
{
    if (!r->r_color) {
        fprintf(r->r_out, "%s:%d:%d: %s %s\n", f->f_file, f->f_line, f->f_col, f->f_rule,
                f->f_message);
        return;
    }
    fprintf(r->r_out, C_BOLD "%s" C_OFF C_CYAN ":" C_OFF "%d" C_CYAN ":" C_OFF "%d" C_CYAN ":"
            C_OFF " " C_RED "%s" C_OFF " %s\n", f->f_file, f->f_line, f->f_col, f->f_rule,
            f->f_message);
}

/* Appends one record to the JSON array (opened on the first). */
static void json_record(rep_ctx *r, json_t *o)
{
    if (!r->r_json_open) {
        fputc('[', r->r_out);
        r->r_json_open = 1;
    }
    fputs(r->r_records ? ",\n  " : "\n  ", r->r_out);
    json_dumpf(o, r->r_out, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    r->r_records++;
}

/* A related place as JSON: {"path", "line", "column", "function", "what", "context"}. */
static json_t *related_json(const eng_related *rl)
{
    json_t *o = json_object();
    json_object_set_new(o, "path", json_string(rl->rl_file ? rl->rl_file : ""));
    json_object_set_new(o, "line", json_integer(rl->rl_line));
    json_object_set_new(o, "column", rl->rl_col >= 1 ? json_integer(rl->rl_col) : json_null());
    json_object_set_new(o, "function", json_string(rl->rl_function ? rl->rl_function : ""));
    json_object_set_new(o, "what", rl->rl_what ? json_string(rl->rl_what) : json_null());
    json_object_set_new(o, "context", rl->rl_context ? json_string(rl->rl_context) : json_null());
    return o;
}

static void write_json(rep_ctx *r, const finding *f)
{
    const eng_rule *er = r->r_kb ? rule_find(r->r_kb, f->f_rule) : NULL;
    json_t *o = json_object(), *w = json_object(), *sp = json_array(), *rel;
    char ver[16];
    uint32_t i;
    snprintf(ver, sizeof ver, "3.%d", f->f_python_minor);
    json_object_set_new(o, "rule", json_string(f->f_rule));
    json_object_set_new(o, "name", er ? json_string(er->r_name) : json_null());
    json_object_set_new(o, "severity", json_string(rep_severity(r, f->f_rule)));
    json_object_set_new(o, "path", json_string(f->f_file));
    json_object_set_new(o, "line", json_integer(f->f_line));
    json_object_set_new(o, "column", json_integer(f->f_col));
    json_object_set_new(o, "end_line", json_integer(f->f_end_line));
    json_object_set_new(o, "end_column", f->f_end_col > 0 ? json_integer(f->f_end_col) : json_null());
    json_object_set_new(o, "message", json_string(f->f_message));
    json_object_set_new(o, "target", json_string(f->f_target));
    json_object_set_new(o, "function", json_string(f->f_function));
    if (f->f_rel_what) {
        rel = json_object();
        json_object_set_new(rel, "what", json_string(f->f_rel_what));
        json_object_set_new(rel, "line", json_integer(f->f_rel_line));
        json_object_set_new(rel, "column", json_integer(f->f_rel_col));
        json_object_set_new(o, "related", rel);
    } else {
        json_object_set_new(o, "related", json_null());
    }
    /* the race: this side's context, the other side (conflicts), every context, the calls */
    json_object_set_new(o, "context", f->f_context ? json_string(f->f_context) : json_null());
    {
        json_t *conf = json_array(), *ctxs = json_array(), *chain = json_array();
        if (f->f_context)
            json_array_append_new(ctxs, json_string(f->f_context));
        for (i = 0; i < f->f_nrelated; i++) {
            const eng_related *rl = &f->f_related[i];
            size_t k, seen = 0;
            json_array_append_new(conf, related_json(rl));
            for (k = 0; rl->rl_context && k < json_array_size(ctxs); k++)
                seen |= !strcmp(json_string_value(json_array_get(ctxs, k)), rl->rl_context);
            if (rl->rl_context && !seen)
                json_array_append_new(ctxs, json_string(rl->rl_context));
        }
        for (i = 0; i < f->f_nchain; i++)
            json_array_append_new(chain, related_json(&f->f_chain[i]));
        json_object_set_new(o, "conflicts", conf);
        json_object_set_new(o, "contexts", ctxs);
        json_object_set_new(o, "chain", chain);
    }
    for (i = 0; i < f->f_nswitch; i++)
        json_array_append_new(sp, json_integer(f->f_switch[i]));
    json_object_set_new(w, "first", json_integer(f->f_first));
    json_object_set_new(w, "last", json_integer(f->f_last));
    json_object_set_new(w, "switch_points", sp);
    json_object_set_new(w, "gil_switch", json_boolean(f->f_nswitch > 0));
    json_object_set_new(w, "python_code", rep_pycode_json(f));
    json_object_set_new(w, "caveats", rep_caveats_json(f));
    json_object_set_new(o, "window", w);
    json_object_set_new(o, "python", json_string(ver));
    json_object_set_new(o, "free_threaded", json_true());
    json_object_set_new(o, "kind", json_string("finding"));
    json_record(r, o);
}

/* An error or a warning as a record of the JSON array: the keys of a finding (null where they
 * mean nothing), "kind" saying which it is. */
static void write_json_error(rep_ctx *r, int is_error, const char *file, const char *message)
{
    /* the keys of a finding, in its order: null where they mean nothing, empty lists */
    static const char *const nulls[] = { "end_line", "end_column", "message", "target",
                                         "function", "related", "context" };
    static const char *const lists[] = { "conflicts", "contexts", "chain" };
    json_t *o = json_object();
    size_t i;
    json_object_set_new(o, "rule", json_null());
    json_object_set_new(o, "name", json_null());
    json_object_set_new(o, "severity", json_string(is_error ? "error" : "warning"));
    json_object_set_new(o, "path", file ? json_string(file) : json_null());
    json_object_set_new(o, "line", json_null());
    json_object_set_new(o, "column", json_null());
    for (i = 0; i < sizeof nulls / sizeof *nulls; i++)
        json_object_set_new(o, nulls[i], json_null());
    json_object_set_new(o, "message", json_string(message ? message : ""));
    for (i = 0; i < sizeof lists / sizeof *lists; i++)
        json_object_set_new(o, lists[i], json_array());
    json_object_set_new(o, "window", json_null());
    json_object_set_new(o, "python", json_null());
    json_object_set_new(o, "free_threaded", json_null());
    json_object_set_new(o, "kind", json_string(is_error ? "error" : "warning"));
    json_record(r, o);
}

static void write_full(rep_ctx *r, const finding *f)
{
    char src[4096], where[512];
    int32_t i;
    const char *blue = r->r_color ? C_BLUE : "", *red = r->r_color ? C_RED : "";
    const char *off = r->r_color ? C_OFF : "";
    write_header(r, f);
    if (source_line(f->f_file, f->f_line, src, sizeof src)) {
        int32_t len = (int32_t)strlen(src);
        int32_t end = f->f_end_col > f->f_col && f->f_end_line == f->f_line ? f->f_end_col : len + 1;
        fprintf(r->r_out, "%s%6s |%s\n%s%6d |%s %s\n%s%6s |%s ", blue, "", off, blue, f->f_line,
                off, src, blue, "", off);
        /* one mark per character, not per byte: UTF-8 continuation bytes are skipped */
        for (i = 1; i < f->f_col && src[i - 1]; i++)
            if (((unsigned char)src[i - 1] & 0xC0) != 0x80)
                fputc(src[i - 1] == '\t' ? '\t' : ' ', r->r_out);
        fputs(red, r->r_out);
        for (i = f->f_col; i < end; i++)
            if (i > len || ((unsigned char)src[i - 1] & 0xC0) != 0x80)
                fputc('^', r->r_out);
        fputs(off, r->r_out);
        fputc('\n', r->r_out);
    }
    if (f->f_rel_what) {
        strbuf sb;
        char line[1200];
        sb_init(&sb);
        snprintf(line, sizeof line, "= %s at %s:%d:%d", f->f_rel_what, f->f_file, f->f_rel_line,
                 f->f_rel_col);
        txt_wrap(&sb, line, r->r_width ? r->r_width : 80, 7, 9);
        snprintf(line, sizeof line, "= shows %s", rep_where(f, where, sizeof where));
        txt_wrap(&sb, line, r->r_width ? r->r_width : 80, 7, 9);
        fputs(sb.sb_buf, r->r_out);
        sb_free(&sb);
    }
    {   /* the context, the call chain and the other side, each wrapped to the width */
        strbuf sb, line;
        size_t w = r->r_width ? r->r_width : 80;
        sb_init(&sb);
        sb_init(&line);
        if (f->f_context) {
            sb_printf(&line, "= runs in: %s", f->f_context);
            txt_wrap(&sb, line.sb_buf, w, 7, 9);
        }
        for (i = 0; i < (int32_t)f->f_nchain; i++) {
            sb_clear(&line);
            sb_printf(&line, "%s %s (%s:%d)", i ? "  ->" : "= via:", f->f_chain[i].rl_function,
                      f->f_chain[i].rl_file, f->f_chain[i].rl_line);
            txt_wrap(&sb, line.sb_buf, w, 7, 11);
        }
        for (i = 0; i < (int32_t)f->f_nrelated; i++) {
            const eng_related *rl = &f->f_related[i];
            sb_clear(&line);
            sb_printf(&line, "= %s %s at %s:%d", !strcmp(f->f_rule, "GIL301") ? "breaks:"
                      : "races with:", rl->rl_what ? rl->rl_what : "an access", rl->rl_file,
                      rl->rl_line);
            if (rl->rl_col >= 1)
                sb_printf(&line, ":%d", rl->rl_col);
            sb_printf(&line, " in %s", rl->rl_function);
            if (rl->rl_context)
                sb_printf(&line, ", %s", rl->rl_context);
            txt_wrap(&sb, line.sb_buf, w, 7, 9);
        }
        fputs(sb.sb_buf, r->r_out);
        sb_free(&line);
        sb_free(&sb);
    }
    fputc('\n', r->r_out);
}

/* The full format's last line: what was found in how many of the files checked. */
static void write_summary(rep_ctx *r)
{
    unsigned long n = r->r_checked;
    const char *fs = n == 1 ? "" : "s";
    char errs[64] = "";
    if (r->r_errors)
        snprintf(errs, sizeof errs, "; %lu error%s", r->r_errors, r->r_errors == 1 ? "" : "s");
    if (!n && !r->r_count)
        fprintf(r->r_out, "No files checked%s.\n", errs);
    else if (!r->r_count && !r->r_errors)
        fprintf(r->r_out, "All clear: %lu file%s checked.\n", n, fs);
    else if (!r->r_count)     /* not all clear: some inputs failed */
        fprintf(r->r_out, "No findings in %lu file%s checked%s.\n", n, fs, errs);
    else
        fprintf(r->r_out, "Found %lu finding%s in %lu file%s (%lu file%s checked)%s.\n",
                r->r_count, r->r_count == 1 ? "" : "s", r->r_files, r->r_files == 1 ? "" : "s",
                n, fs, errs);
}

void rep_begin(rep_ctx *r, FILE *out, int format, const eng_kb *kb)
{
    memset(r, 0, sizeof *r);
    r->r_out = out;
    r->r_format = format;
    r->r_kb = kb;
    if (format == REP_HTML)
        rep_html_begin(r);
}

void rep_file(rep_ctx *r, finding *f, uint32_t n)
{
    rep_file_code(r, f, n, NULL);
}

void rep_file_code(rep_ctx *r, finding *f, uint32_t n, const bc_file *bf)
{
    uint32_t i;
    if (!n)
        return;
    for (i = 0; i < n; i++)
        fill_columns(&f[i]);
    qsort(f, n, sizeof *f, by_position);
    r->r_files++;
    if (r->r_format == REP_HTML && !r->r_statistics) {
        rep_html_file(r, f, n, bf);
        r->r_count += n;
        return;
    }
    if (r->r_statistics || r->r_format == REP_SARIF || r->r_format == REP_GITHUB) {
        if (r->r_statistics)
            stats_file(r, f, n);
        else if (r->r_format == REP_SARIF)
            sarif_file(r, f, n);
        else
            github_file(r, f, n);
        r->r_count += n;
        return;
    }
    for (i = 0; i < n; i++) {
        if (r->r_format == REP_JSON)
            write_json(r, &f[i]);
        else if (r->r_format == REP_CONCISE)
            write_header(r, &f[i]);
        else
            write_full(r, &f[i]);
        r->r_count++;
    }
}

void rep_error(rep_ctx *r, int is_error, const char *file, const char *message)
{
    r->r_errors += is_error != 0;
    if (r->r_format == REP_SARIF && !r->r_statistics)
        sarif_error(r, is_error, file, message);
    else if (r->r_format == REP_GITHUB && !r->r_statistics)
        github_error(r, is_error, file, message);
    else if (r->r_format == REP_JSON && !r->r_statistics)
        write_json_error(r, is_error, file, message);
}

void rep_end(rep_ctx *r)
{
    if (r->r_statistics) {
        stats_end(r);
        free(r->r_rule_counts);
        r->r_rule_counts = NULL;
    } else if (r->r_format == REP_HTML)
        rep_html_end(r);
    else if (r->r_format == REP_SARIF)
        sarif_end(r);
    else if (r->r_format == REP_GITHUB)
        return;                 /* annotations only: no summary to annotate */
    else if (r->r_format == REP_JSON)
        fputs(r->r_records ? "\n]\n" : "[]\n", r->r_out);
    else if (r->r_format == REP_FULL)
        write_summary(r);
}
