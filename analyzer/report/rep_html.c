/* Findings as one self-contained HTML page (no scripts, no fetches): each file's source with the
 * findings marked, and per finding its bytecode with the window highlighted and the interleaving
 * drawn as two lanes, Thread A and Thread B, over time. */
#include "rep_int.h"

#include <stdlib.h>
#include <string.h>

#include "../common/err.h"

static const char page_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<title>gilcheck report</title>\n<style>\n"
    "body{font-family:system-ui,sans-serif;margin:2em;color:#222;background:#fff}\n"
    "h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}\n"
    "pre,code,td.mono{font-family:ui-monospace,monospace;font-size:13px}\n"
    ".src{border:1px solid #ddd;background:#fafafa;padding:.5em 0;overflow-x:auto}\n"
    ".src div{white-space:pre;padding:0 .5em}\n.src .ln{color:#999;display:inline-block;"
    "width:4em;text-align:right;margin-right:1em}\n"
    ".src .hit{background:#ffe0e0;border-left:4px solid #d33}\n"
    ".src .rel{background:#fff4d0;border-left:4px solid #e9a400}\n"
    ".finding{border:1px solid #ddd;border-radius:6px;padding:1em;margin:1em 0}\n"
    ".rule{font-weight:bold;color:#b00}\n"
    "table.bc{border-collapse:collapse;margin:.5em 0}\n"
    "table.bc td,table.bc th{padding:2px 8px;text-align:left;border-bottom:1px solid #eee}\n"
    "table.bc tr.win{background:#ffe9c7}table.bc tr.end{background:#ffc9c9;font-weight:bold}\n"
    ".sw{color:#06c;font-weight:bold}\n"
    ".lanes{display:grid;grid-template-columns:3em 1fr 1fr;gap:2px 12px;margin:.5em 0;"
    "max-width:60em}\n"
    ".lanes .h{font-weight:bold;border-bottom:2px solid #444}\n"
    ".lanes .t{color:#888;text-align:right}\n"
    ".lanes .a{background:#dbe9ff;border-left:4px solid #2a6fdb;padding:1px 6px}\n"
    ".lanes .b{background:#dcf5dc;border-left:4px solid #2a9d3a;padding:1px 6px}\n"
    ".lanes .e{}\n.lanes .switch{grid-column:1/4;border-top:2px dashed #c33;height:0;margin:3px 0}\n"
    ".final{font-weight:bold;color:#b00}\n.ok{color:#2a7a2a}\n"
    "</style>\n</head>\n<body>\n<h1>gilcheck report</h1>\n";

/* Writes s with &, <, >, " escaped. */
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

void rep_html_begin(FILE *out)
{
    fputs(page_head, out);
}

void rep_html_end(FILE *out, unsigned long count, unsigned long files)
{
    if (!count)
        fputs("<p class=\"ok\">All clear: no findings.</p>\n", out);
    else
        fprintf(out, "<p>Found %lu finding%s in %lu file%s.</p>\n", count, count == 1 ? "" : "s",
                files, files == 1 ? "" : "s");
    fputs("</body>\n</html>\n", out);
}

/* Writes s[0..n) with &, <, >, " escaped. */
static void esc_n(FILE *out, const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        switch (s[i]) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        default: fputc(s[i], out);
        }
    }
}

/* The source with the findings' lines (and their related lines) marked: the file as the report
 * stage reads sources (a regular file under the size cap, never a .pyc's bytes). */
static void write_source(FILE *out, const char *path, const finding *f, uint32_t n)
{
    rep_source src;
    unsigned char *mark;        /* per line: 0, 1 a related line, 2 a finding's line */
    int32_t line;
    uint32_t j;
    if (rep_source_load(&src, path))
        return;
    if (!(mark = calloc((size_t)src.rs_nlines + 1, 1))) {
        rep_source_free(&src);
        return;
    }
    for (j = 0; j < n; j++) {   /* linear in lines + findings, whatever their numbers */
        if (f[j].f_rel_line >= 1 && f[j].f_rel_line <= src.rs_nlines && !mark[f[j].f_rel_line])
            mark[f[j].f_rel_line] = 1;
        if (f[j].f_line >= 1 && f[j].f_line <= src.rs_nlines)
            mark[f[j].f_line] = 2;
    }
    fputs("<div class=\"src\">\n", out);
    for (line = 1; line <= src.rs_nlines; line++) {
        size_t len = 0;
        const char *text = rep_source_line(&src, line, &len);
        fprintf(out, "<div id=\"L%d\"%s><span class=\"ln\">%d</span>", line,
                mark[line] == 2 ? " class=\"hit\"" : mark[line] ? " class=\"rel\"" : "", line);
        esc_n(out, text ? text : "", text ? len : 0);
        fputs("</div>\n", out);
    }
    free(mark);
    fputs("</div>\n", out);
    rep_source_free(&src);
}

static void write_bytecode(FILE *out, const finding *f, const bc_code *bc)
{
    uint32_t i, lo, hi;
    int32_t k = f->f_first / 2 < bc->bc_nunits ? bc->bc_at[f->f_first / 2] : -1;
    int32_t m = f->f_last / 2 < bc->bc_nunits ? bc->bc_at[f->f_last / 2] : -1;
    if (k < 0 || m < 0)
        return;
    lo = eng_stmt_start(bc, (uint32_t)k);
    hi = (uint32_t)m;
    fprintf(out, "<table class=\"bc\"><tr><th>offset</th><th>instruction</th><th>access</th>"
            "<th>switch after it (GIL 3.%d)</th></tr>\n", f->f_python_minor);
    for (i = lo; i <= hi; i++) {
        const bc_instr *in = &bc->bc_instrs[i];
        int end = in->in_offset == f->f_first || in->in_offset == f->f_last;
        int win = in->in_offset >= f->f_first && in->in_offset <= f->f_last;
        fprintf(out, "<tr%s><td class=\"mono\">%u</td><td class=\"mono\">", end ? " class=\"end\""
                : win ? " class=\"win\"" : "", in->in_offset);
        esc(out, bc_opname(bc, in));
        fprintf(out, "</td><td>%s</td><td class=\"sw\">%s</td></tr>\n",
                in->in_offset == f->f_first ? (f->f_rel_what ? f->f_rel_what : "read")
                : in->in_offset == f->f_last ? "write" : "",
                (in->in_flags & OPF_BREAKER) && win && in->in_offset != f->f_last ? "&#8644; switch"
                : "");
    }
    fputs("</table>\n", out);
}

static void write_lanes(FILE *out, const eng_interleaving *il)
{
    uint32_t i;
    fputs("<div class=\"lanes\"><div class=\"h\">step</div><div class=\"h\">Thread A</div>"
          "<div class=\"h\">Thread B</div>\n", out);
    for (i = 0; i < il->il_nsteps; i++) {
        const eng_step *s = &il->il_steps[i];
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

void rep_html_file(FILE *out, const eng_kb *kb, const finding *f, uint32_t n, const bc_file *bf)
{
    uint32_t i;
    char where[512];
    if (!n)
        return;
    fputs("<h2>", out);
    esc(out, f[0].f_file);
    fputs("</h2>\n", out);
    write_source(out, f[0].f_file, f, n);
    for (i = 0; i < n; i++) {
        const eng_rule *er = kb ? rule_find(kb, f[i].f_rule) : NULL;
        fprintf(out, "<div class=\"finding\" id=\"f%u\"><p><span class=\"rule\">%s</span> ", i,
                f[i].f_rule);
        esc(out, er ? er->r_name : "");
        fprintf(out, " &mdash; <a href=\"#L%d\">line %d</a>: ", f[i].f_line, f[i].f_line);
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
            write_lanes(out, f[i].f_ilv);
        fputs("</div>\n", out);
    }
}
