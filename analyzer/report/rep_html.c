/* Findings as one self-contained HTML page (no scripts, no fetches): a summary of the files and
 * findings with links at the top, then each file's source in a monospace font with the findings'
 * lines marked and linked to them, and per finding its bytecode with the window highlighted and
 * the interleaving drawn as two lanes, Thread A and Thread B, with the source text of each step.
 * The body is collected while files are reported and written by rep_html_end, after the summary
 * it needs. */
#include "rep_int.h"

#include <stdlib.h>
#include <string.h>

#include "../common/err.h"

static const char page_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<title>gilcheck report</title>\n<style>\n"
    "body{font-family:system-ui,sans-serif;margin:2em;color:#222;background:#fff}\n"
    "h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}\n"
    "pre,code,.mono,.src,.stepsrc{font-family:ui-monospace,\"DejaVu Sans Mono\",\"Liberation "
    "Mono\",monospace;font-size:13px}\n"
    ".src{border:1px solid #ddd;background:#fafafa;padding:.5em 0;overflow-x:auto}\n"
    /* every line has the marked lines' border, transparent: marking shifts nothing */
    ".src div{white-space:pre;padding:0 .5em;border-left:4px solid transparent}\n"
    ".src .ln{color:#999;display:inline-block;width:4em;text-align:right;margin-right:1em;"
    "text-decoration:none}\n"
    ".src a.ln{color:#b00;font-weight:bold}\n"
    ".src .hit{background:#ffe0e0;border-left-color:#d33}\n"
    ".src .rel{background:#fff4d0;border-left-color:#e9a400}\n"
    ".finding{border:1px solid #ddd;border-radius:6px;padding:1em;margin:1em 0}\n"
    ".rule{font-weight:bold;color:#b00}\n"
    "table.summary,table.bc{border-collapse:collapse;margin:.5em 0}\n"
    "table.summary td,table.summary th,table.bc td,table.bc th{padding:2px 8px;text-align:left;"
    "border-bottom:1px solid #eee}\n"
    "table.bc tr.win{background:#ffe9c7}table.bc tr.end{background:#ffc9c9;font-weight:bold}\n"
    ".sw{color:#06c;font-weight:bold}\n"
    ".lanes{display:grid;grid-template-columns:3em 1fr 1fr;gap:2px 12px;margin:.5em 0;"
    "max-width:70em}\n"
    ".lanes .h{font-weight:bold;border-bottom:2px solid #444}\n"
    ".lanes .t{color:#888;text-align:right}\n"
    ".lanes .a{background:#dbe9ff;border-left:4px solid #2a6fdb;padding:1px 6px}\n"
    ".lanes .b{background:#dcf5dc;border-left:4px solid #2a9d3a;padding:1px 6px}\n"
    ".lanes .stepsrc{display:block;color:#555;white-space:pre;overflow:hidden;"
    "text-overflow:ellipsis}\n"
    ".lanes .e{}\n.lanes .switch{grid-column:1/4;border-top:2px dashed #c33;height:0;margin:3px 0}\n"
    ".final{font-weight:bold;color:#b00}\n.ok{color:#2a7a2a}\n"
    "</style>\n</head>\n<body>\n<h1>gilcheck report</h1>\n";

/* One file of the page, for the summary. */
typedef struct html_file {
    char *hf_path;             /* malloc'd */
    unsigned long hf_count;    /* its findings */
    char hf_rules[200];        /* "GIL101 GIL104" */
} html_file;

/* The page being built (rep_ctx.r_html). */
typedef struct html_page {
    FILE *hp_body;             /* the files' sections, written after the summary */
    char *hp_buf;
    size_t hp_len;
    FILE *hp_toc;              /* one row per finding, for the summary */
    char *hp_tocbuf;
    size_t hp_toclen;
    html_file *hp_files;
    size_t hp_nfiles;
} html_page;

/* Writes s with &, <, > and " escaped (attributes are double-quoted). */
static void esc(FILE *out, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        default: fputc(*s, out);
        }
    }
}

static void escn(FILE *out, const char *s, size_t n)
{
    char *t = malloc(n + 1);
    if (!t)
        return;
    memcpy(t, s, n);
    t[n] = 0;
    esc(out, t);
    free(t);
}

void rep_html_begin(rep_ctx *r)
{
    html_page *hp = calloc(1, sizeof *hp);
    if (hp && (!(hp->hp_body = open_memstream(&hp->hp_buf, &hp->hp_len)) ||
               !(hp->hp_toc = open_memstream(&hp->hp_tocbuf, &hp->hp_toclen)))) {
        if (hp->hp_body)
            fclose(hp->hp_body);
        free(hp->hp_buf);
        free(hp);
        hp = NULL;
    }
    r->r_html = hp;
}

void rep_html_end(rep_ctx *r)
{
    html_page *hp = r->r_html;
    FILE *out = r->r_out;
    size_t i;
    fputs(page_head, out);
    if (!r->r_count && !r->r_checked)
        fputs("<p class=\"ok\">No files checked.</p>\n", out);
    else if (!r->r_count)
        fprintf(out, "<p class=\"ok\">All clear: %lu file%s checked.</p>\n", r->r_checked,
                r->r_checked == 1 ? "" : "s");
    else
        fprintf(out, "<p>Found %lu finding%s in %lu file%s (%lu file%s checked).</p>\n",
                r->r_count, r->r_count == 1 ? "" : "s", r->r_files, r->r_files == 1 ? "" : "s",
                r->r_checked, r->r_checked == 1 ? "" : "s");
    if (!hp)
        goto end;
    fclose(hp->hp_body);
    fclose(hp->hp_toc);
    if (hp->hp_nfiles) {
        fputs("<table class=\"summary\" id=\"files\"><tr><th>file</th><th>findings</th>"
              "<th>rules</th></tr>\n", out);
        for (i = 0; i < hp->hp_nfiles; i++) {
            fprintf(out, "<tr><td class=\"mono\"><a href=\"#file-%zu\">", i);
            esc(out, hp->hp_files[i].hf_path);
            fprintf(out, "</a></td><td>%lu</td><td>", hp->hp_files[i].hf_count);
            esc(out, hp->hp_files[i].hf_rules);
            fputs("</td></tr>\n", out);
        }
        fputs("</table>\n<table class=\"summary\" id=\"findings\"><tr><th>where</th>"
              "<th>rule</th><th>finding</th></tr>\n", out);
        fwrite(hp->hp_tocbuf, 1, hp->hp_toclen, out);
        fputs("</table>\n", out);
    }
    fwrite(hp->hp_buf, 1, hp->hp_len, out);
    for (i = 0; i < hp->hp_nfiles; i++)
        free(hp->hp_files[i].hf_path);
    free(hp->hp_files);
    free(hp->hp_buf);
    free(hp->hp_tocbuf);
    free(hp);
    r->r_html = NULL;
end:
    fputs("</body>\n</html>\n", out);
}

/* The first finding on a line, or -1. */
static long finding_at(const finding *f, uint32_t n, int32_t line)
{
    uint32_t j;
    for (j = 0; j < n; j++)
        if (f[j].f_line == line)
            return (long)j;
    return -1;
}

/* The source with the findings' lines (and their related lines) marked; a finding's line
 * number links to it. */
static void write_source(FILE *out, size_t k, const rep_source *src, const finding *f,
                         uint32_t n)
{
    int32_t line;
    if (!src->rs_text)
        return;
    fputs("<div class=\"src\">\n", out);
    for (line = 1; line <= src->rs_nlines; line++) {
        size_t len;
        const char *text = rep_source_line(src, line, &len);
        long hit = finding_at(f, n, line);
        const char *cls = hit >= 0 ? " class=\"hit\"" : "";
        uint32_t j;
        for (j = 0; hit < 0 && j < n; j++)
            if (f[j].f_rel_line == line)
                cls = " class=\"rel\"";
        fprintf(out, "<div id=\"L%zu-%d\"%s>", k, line, cls);
        if (hit >= 0)
            fprintf(out, "<a class=\"ln\" href=\"#f%zu-%ld\" title=\"", k, hit);
        else
            fputs("<span class=\"ln\">", out);
        if (hit >= 0) {
            esc(out, f[hit].f_rule);
            fputs(": ", out);
            esc(out, f[hit].f_message);
            fputs("\">", out);
        }
        fprintf(out, "%d%s", line, hit >= 0 ? "</a>" : "</span>");
        escn(out, text ? text : "", text ? len : 0);
        fputs("</div>\n", out);
    }
    fputs("</div>\n", out);
}

/* What a finding's instruction does, in the finding's own terms: the write (or delete) at its
 * end, the read or check (f_rel_what) at its start; elsewhere the bytecode stage's access words
 * ("reads a global"), or "". */
static const char *access_label(const finding *f, const bc_instr *in)
{
    const char *w;
    if (in->in_offset == f->f_last)
        return bc_access_of(in) == BC_ACC_DELETE ? "delete" : "write";
    if (in->in_offset == f->f_first)
        return f->f_rel_what ? f->f_rel_what : "read";
    return (w = bc_access_words(in)) ? w : "";
}

static int is_switch(const finding *f, uint32_t off)
{
    uint32_t i;
    for (i = 0; i < f->f_nswitch; i++)
        if (f->f_switch[i] == off)
            return 1;
    return 0;
}

static void write_bytecode(FILE *out, const finding *f, const bc_code *bc)
{
    uint32_t i, lo, hi;
    int32_t k = bc_index_at(bc, f->f_first), m = bc_index_at(bc, f->f_last);
    strbuf arg;
    if (k < 0 || m < 0)
        return;
    lo = eng_stmt_start(bc, (uint32_t)k);
    hi = (uint32_t)m;
    sb_init(&arg);
    fprintf(out, "<table class=\"bc\"><tr><th>offset</th><th>instruction</th><th>argument</th>"
            "<th>access</th><th>switch after it (GIL 3.%d)</th></tr>\n", f->f_python_minor);
    for (i = lo; i <= hi; i++) {
        const bc_instr *in = &bc->bc_instrs[i];
        int end = in->in_offset == f->f_first || in->in_offset == f->f_last;
        int win = in->in_offset >= f->f_first && in->in_offset <= f->f_last;
        fprintf(out, "<tr%s><td class=\"mono\">%u</td><td class=\"mono\">", end ? " class=\"end\""
                : win ? " class=\"win\"" : "", in->in_offset);
        esc(out, bc_opname(bc, in));
        sb_clear(&arg);
        bc_argtext(&arg, bc, in, BC_ARG_DIS);
        fputs("</td><td class=\"mono\">", out);
        esc(out, arg.sb_failed ? "" : arg.sb_buf);
        fputs("</td><td>", out);
        esc(out, access_label(f, in));
        fprintf(out, "</td><td class=\"sw\">%s</td></tr>\n",
                win && in->in_offset != f->f_last && is_switch(f, in->in_offset) ? "&#8644; switch"
                : "");
    }
    fputs("</table>\n", out);
    sb_free(&arg);
}

static void write_lanes(FILE *out, const eng_interleaving *il, const rep_source *src)
{
    uint32_t i;
    fputs("<div class=\"lanes\"><div class=\"h\">step</div><div class=\"h\">Thread A</div>"
          "<div class=\"h\">Thread B</div>\n", out);
    for (i = 0; i < il->il_nsteps; i++) {
        const eng_step *s = &il->il_steps[i];
        size_t len;
        const char *text = s->st_line > 0 ? rep_source_line(src, s->st_line, &len) : NULL;
        fprintf(out, "<div class=\"t\">%u</div>", i + 1);
        if (s->st_thread == 'B')
            fputs("<div class=\"e\"></div>", out);
        fprintf(out, "<div class=\"%c\">", s->st_thread == 'A' ? 'a' : 'b');
        if (s->st_instr >= 0)
            fprintf(out, "<code>%u ", s->st_offset);
        else
            fputs("<code>", out);
        esc(out, s->st_opname);
        fputs("</code>", out);
        if (s->st_sees) {
            fputs(" &mdash; ", out);
            esc(out, s->st_sees);
        }
        if (text) {            /* the source the instruction comes from */
            while (len && (*text == ' ' || *text == '\t')) {
                text++;
                len--;
            }
            fprintf(out, "<span class=\"stepsrc\" title=\"line %d\">", s->st_line);
            escn(out, text, len);
            fputs("</span>", out);
        }
        fputs("</div>", out);
        if (s->st_thread == 'A')
            fputs("<div class=\"e\"></div>", out);
        fputc('\n', out);
        if (s->st_switch)
            fputs("<div class=\"switch\"></div>\n", out);
    }
    fputs("</div>\n<p class=\"final\">Final: ", out);
    esc(out, il->il_final);
    fputs(".</p>\n<p>One after the other: ", out);
    esc(out, il->il_expected);
    fputs(".</p>\n", out);
}

void rep_html_file(rep_ctx *r, const finding *f, uint32_t n, const bc_file *bf)
{
    html_page *hp = r->r_html;
    FILE *out;
    html_file *grown, *hf;
    rep_source src;
    uint32_t i;
    size_t k;
    char where[512];
    if (!n || !hp)
        return;
    out = hp->hp_body;
    if (!(grown = realloc(hp->hp_files, (hp->hp_nfiles + 1) * sizeof *grown)))
        return;
    hp->hp_files = grown;
    k = hp->hp_nfiles++;
    hf = &grown[k];
    memset(hf, 0, sizeof *hf);
    hf->hf_path = strdup(f[0].f_file);
    hf->hf_count = n;
    for (i = 0; i < n; i++)
        if (!strstr(hf->hf_rules, f[i].f_rule) &&
            strlen(hf->hf_rules) + strlen(f[i].f_rule) + 2 < sizeof hf->hf_rules)
            snprintf(hf->hf_rules + strlen(hf->hf_rules),
                     sizeof hf->hf_rules - strlen(hf->hf_rules), "%s%s", *hf->hf_rules ? " " : "",
                     f[i].f_rule);
    rep_source_load(&src, f[0].f_file);
    fprintf(out, "<h2 id=\"file-%zu\">", k);
    esc(out, f[0].f_file);
    fputs("</h2>\n", out);
    write_source(out, k, &src, f, n);
    for (i = 0; i < n; i++) {
        const eng_rule *er = r->r_kb ? rule_find(r->r_kb, f[i].f_rule) : NULL;
        fprintf(hp->hp_toc, "<tr><td class=\"mono\"><a href=\"#f%zu-%u\">", k, i);
        esc(hp->hp_toc, f[i].f_file);
        fprintf(hp->hp_toc, ":%d:%d</a></td><td class=\"rule\">", f[i].f_line, f[i].f_col);
        esc(hp->hp_toc, f[i].f_rule);
        fputs("</td><td>", hp->hp_toc);
        esc(hp->hp_toc, f[i].f_message);
        fputs("</td></tr>\n", hp->hp_toc);
        fprintf(out, "<div class=\"finding\" id=\"f%zu-%u\"><p><span class=\"rule\">", k, i);
        esc(out, f[i].f_rule);
        fputs("</span> ", out);
        esc(out, er ? er->r_name : "");
        fprintf(out, " &mdash; <a href=\"#L%zu-%d\">line %d</a>: ", k, f[i].f_line, f[i].f_line);
        esc(out, f[i].f_message);
        fputs("</p>\n", out);
        if (f[i].f_rel_what) {
            fputs("<p>Shows ", out);
            esc(out, rep_where(&f[i], where, sizeof where));
            fputs(".</p>\n", out);
        }
        if (bf && f[i].f_code < bf->bf_ncodes && strcmp(f[i].f_rule, "GIL000"))
            write_bytecode(out, &f[i], &bf->bf_codes[f[i].f_code]);
        if (f[i].f_ilv)           /* the driver's schedule: also without the bytecode */
            write_lanes(out, f[i].f_ilv, &src);
        fputs("</div>\n", out);
    }
    rep_source_free(&src);
}
