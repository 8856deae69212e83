/* Findings as text: `PATH:LINE:COL: GILnnn message`, and the full form with the source line;
 * the entry points of the report stage, which hand the other formats to their writers. */
#include "rep_int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../common/escape.h"
#include "../common/strbuf.h"
#include "../common/text.h"

/* The 1-based column of the first non-blank character of line `line` of src, or 1. */
static int32_t first_column(const rep_source *src, int32_t line)
{
    size_t len = 0, i = 0;
    const char *text = rep_source_line(src, line, &len);
    while (text && i < len && (text[i] == ' ' || text[i] == '\t'))
        i++;
    return (int32_t)i + 1;
}

/* Before 3.11 bytecode has no columns: use the statement's first character in the source. */
static void fill_columns(finding *f, const rep_source *src)
{
    if (f->f_col >= 1)
        return;
    f->f_col = first_column(src, f->f_line);
    if (f->f_rel_col < 1 && f->f_rel_line >= 1)
        f->f_rel_col = first_column(src, f->f_rel_line);
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

/* PATH:LINE:COL: GILnnn message, coloured when the context says so; the path and the message
 * (names from the bytecode) with their control characters escaped. */
static void write_header(rep_ctx *r, const finding *f)
{
    fputs(r->r_color ? C_BOLD : "", r->r_out);
    esc_path(r->r_out, f->f_file);
    if (!r->r_color)
        fprintf(r->r_out, ":%d:%d: %s ", f->f_line, f->f_col, f->f_rule);
    else
        fprintf(r->r_out, C_OFF C_CYAN ":" C_OFF "%d" C_CYAN ":" C_OFF "%d" C_CYAN ":" C_OFF " "
                C_RED "%s" C_OFF " ", f->f_line, f->f_col, f->f_rule);
    esc_puts(r->r_out, f->f_message);
    fputc('\n', r->r_out);
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
    {   /* identical copies of the file with the same finding (drv_fold_copies) */
        json_t *copies = json_array();
        for (i = 0; i < f->f_ncopies; i++)
            json_array_append_new(copies, json_string(f->f_copies[i]));
        json_object_set_new(o, "copies", copies);
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
    static const char *const lists[] = { "conflicts", "contexts", "chain", "copies" };
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

/* The part of a source line the full format shows: all of it, or for a long line (minified or
 * generated code) SHOWN_MAX bytes around the finding, so that the report stays linear in the
 * number of findings. */
#define SHOWN_MAX 240

/* Writes text[from..to) with control characters escaped (tabs kept), and under it, after the
 * gutter, the marks: blanks up to byte column col, then carets up to byte column end (1-based,
 * exclusive), one per character as shown (an escape is as wide as its text). */
static void write_marked(rep_ctx *r, const char *text, size_t len, size_t from, size_t to,
                         int32_t col, int32_t end, const char *gutter)
{
    const char *red = r->r_color ? C_RED : "", *off = r->r_color ? C_OFF : "";
    char buf[8];
    size_t i, used, w;
    int32_t c;
    fputs(from ? "..." : "", r->r_out);
    esc_write(r->r_out, text + from, to - from, ESC_KEEP_TAB);
    fprintf(r->r_out, "%s\n%s", to < len ? "..." : "", gutter);
    for (w = from ? 3 : 0; w; w--)
        fputc(' ', r->r_out);
    for (i = from; i < to && (int32_t)i + 1 < col; i += used) {
        int e = esc_char(text + i, to - i, ESC_KEEP_TAB, buf, &used);
        if (!e && text[i] == '\t')
            fputc('\t', r->r_out);
        for (w = e ? strlen(buf) : text[i] == '\t' ? 0 : 1; w; w--)
            fputc(' ', r->r_out);
    }
    fputs(red, r->r_out);
    for (c = 0; i < to && (int32_t)i + 1 < end; i += used, c++) {
        int e = esc_char(text + i, to - i, ESC_KEEP_TAB, buf, &used);
        for (w = e ? strlen(buf) : 1; w; w--)
            fputc('^', r->r_out);
    }
    /* a column past the end of the line (a missing newline's position): one mark */
    if (!c || (int32_t)i + 1 < end)
        fputc('^', r->r_out);
    fputs(off, r->r_out);
    fputc('\n', r->r_out);
}

/* The first byte of the UTF-8 character holding text[i]. */
static size_t char_start(const char *text, size_t i)
{
    while (i && ((unsigned char)text[i] & 0xC0) == 0x80)
        i--;
    return i;
}

static void write_full(rep_ctx *r, const finding *f, const rep_source *src)
{
    char where[512], gutter[64];
    uint32_t i;
    const char *blue = r->r_color ? C_BLUE : "", *off = r->r_color ? C_OFF : "";
    size_t len = 0;
    const char *text = rep_source_line(src, f->f_line, &len);
    write_header(r, f);
    if (text) {
        size_t from = 0, to = len, at = f->f_col >= 1 ? (size_t)f->f_col - 1 : 0;
        int32_t end = f->f_end_col > f->f_col && f->f_end_line == f->f_line
                          ? f->f_end_col : (int32_t)len + 1;
        if (len > SHOWN_MAX) {
            from = at > SHOWN_MAX / 3 ? char_start(text, at - SHOWN_MAX / 3) : 0;
            if (from > len)
                from = char_start(text, len);
            to = from + SHOWN_MAX < len ? char_start(text, from + SHOWN_MAX) : len;
        }
        snprintf(gutter, sizeof gutter, "%s%6s |%s ", blue, "", off);
        fprintf(r->r_out, "%s%6s |%s\n%s%6d |%s ", blue, "", off, blue, f->f_line, off);
        write_marked(r, text, len, from, to, f->f_col, end, gutter);
    }
    if (f->f_rel_what) {
        strbuf sb, line;
        sb_init(&sb);
        sb_init(&line);
        sb_printf(&line, "= %s at ", f->f_rel_what);
        esc_sb(&line, f->f_file);
        sb_printf(&line, ":%d:%d", f->f_rel_line, f->f_rel_col);
        txt_wrap(&sb, line.sb_buf, r->r_width ? r->r_width : 80, 7, 9);
        sb_clear(&line);
        sb_printf(&line, "= shows %s", rep_where(f, where, sizeof where));
        txt_wrap(&sb, line.sb_buf, r->r_width ? r->r_width : 80, 7, 9);
        esc_lines(r->r_out, sb.sb_buf);
        sb_free(&line);
        sb_free(&sb);
    }
    {   /* the context, the call chain and the other side, each wrapped to the width; names
         * from the bytecode and paths escaped, so no wrapped line starts a workflow command */
        strbuf sb, line;
        size_t w = r->r_width ? r->r_width : 80;
        sb_init(&sb);
        sb_init(&line);
        if (f->f_context) {
            sb_puts(&line, "= runs in: ");
            esc_sb(&line, f->f_context);
            txt_wrap(&sb, line.sb_buf, w, 7, 9);
        }
        for (i = 0; i < f->f_nchain; i++) {
            sb_clear(&line);
            sb_printf(&line, "%s ", i ? "  ->" : "= via:");
            esc_sb(&line, f->f_chain[i].rl_function);
            sb_puts(&line, " (");
            esc_sb(&line, f->f_chain[i].rl_file);
            sb_printf(&line, ":%d)", f->f_chain[i].rl_line);
            txt_wrap(&sb, line.sb_buf, w, 7, 11);
        }
        for (i = 0; i < f->f_nrelated; i++) {
            const eng_related *rl = &f->f_related[i];
            sb_clear(&line);
            sb_printf(&line, "= %s ", !strcmp(f->f_rule, "GIL301") ? "breaks:" : "races with:");
            esc_sb(&line, rl->rl_what ? rl->rl_what : "an access");
            sb_puts(&line, " at ");
            esc_sb(&line, rl->rl_file);
            sb_printf(&line, ":%d", rl->rl_line);
            if (rl->rl_col >= 1)
                sb_printf(&line, ":%d", rl->rl_col);
            sb_puts(&line, " in ");
            esc_sb(&line, rl->rl_function);
            if (rl->rl_context) {
                sb_puts(&line, ", ");
                esc_sb(&line, rl->rl_context);
            }
            txt_wrap(&sb, line.sb_buf, w, 7, 9);
        }
        if (f->f_ncopies) {
            sb_clear(&line);
            sb_printf(&line, "= also in %u identical cop%s of this file: ", f->f_ncopies,
                      f->f_ncopies == 1 ? "y" : "ies");
            for (i = 0; i < f->f_ncopies; i++) {
                if (i)
                    sb_puts(&line, ", ");
                esc_sb(&line, f->f_copies[i]);
            }
            txt_wrap(&sb, line.sb_buf, w, 7, 9);
        }
        esc_lines(r->r_out, sb.sb_buf);
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

/* Makes *src the source of `file` (loaded once for a run of findings of one file). */
static void source_for(rep_source *src, const char **loaded, const char *file)
{
    if (*loaded && !strcmp(*loaded, file))
        return;
    rep_source_free(src);
    rep_source_load(src, file);
    *loaded = file;
}

void rep_file_code(rep_ctx *r, finding *f, uint32_t n, const bc_file *bf)
{
    rep_source src;
    const char *loaded = NULL;
    uint32_t i;
    if (!n)
        return;
    memset(&src, 0, sizeof src);
    for (i = 0; i < n; i++)     /* only bytecode without columns needs the source here */
        if (f[i].f_col < 1 || (f[i].f_rel_col < 1 && f[i].f_rel_line >= 1)) {
            source_for(&src, &loaded, f[i].f_file);
            fill_columns(&f[i], &src);
        }
    qsort(f, n, sizeof *f, by_position);
    r->r_files++;
    if (r->r_format == REP_HTML && !r->r_statistics) {
        rep_html_file(r, f, n, bf);
        r->r_count += n;
    } else if (r->r_statistics || r->r_format == REP_SARIF || r->r_format == REP_GITHUB) {
        if (r->r_statistics)
            stats_file(r, f, n);
        else if (r->r_format == REP_SARIF)
            sarif_file(r, f, n);
        else
            github_file(r, f, n);
        r->r_count += n;
    } else {
        for (i = 0; i < n; i++) {
            if (r->r_format == REP_JSON) {
                write_json(r, &f[i]);
            } else if (r->r_format == REP_CONCISE) {
                write_header(r, &f[i]);
            } else {
                source_for(&src, &loaded, f[i].f_file);
                write_full(r, &f[i], &src);
            }
            r->r_count++;
        }
    }
    rep_source_free(&src);
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
