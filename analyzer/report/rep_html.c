/* Findings as one self-contained HTML page (no scripts, no fetches): each file's source with the
 * findings marked, and per finding its bytecode with the window highlighted and the interleaving
 * drawn as two lanes, Thread A and Thread B, over time. */
#include "report.h"

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

/* The source with the findings' lines (and their related lines) marked. */
static void write_source(FILE *out, const char *path, const finding *f, uint32_t n)
{
    FILE *fp = path && *path ? fopen(path, "rb") : NULL;
    char *src = NULL;
    size_t len = 0, cap = 0, i = 0;
    int32_t line = 1;
    if (!fp)
        return;
    for (;;) {     /* the whole file, up to 16 MiB */
        size_t r;
        if (len == cap) {
            char *g = cap < (16u << 20) ? realloc(src, cap ? cap * 2 : 65536) : NULL;
            if (!g)
                break;
            src = g;
            cap = cap ? cap * 2 : 65536;
        }
        if (!(r = fread(src + len, 1, cap - len, fp)))
            break;
        len += r;
    }
    fclose(fp);
    if (!src)
        return;
    fputs("<div class=\"src\">\n", out);
    while (i < len) {
        size_t k = i;
        uint32_t j;
        const char *cls = "";
        char *text;
        while (k < len && src[k] != '\n')
            k++;
        for (j = 0; j < n; j++) {
            if (f[j].f_line == line)
                cls = " class=\"hit\"";
            else if (!*cls && f[j].f_rel_line == line)
                cls = " class=\"rel\"";
        }
        if ((text = malloc(k - i + 1))) {
            memcpy(text, src + i, k - i);
            text[k - i] = 0;
            fprintf(out, "<div id=\"L%d\"%s><span class=\"ln\">%d</span>", line, cls, line);
            esc(out, text);
            fputs("</div>\n", out);
            free(text);
        }
        i = k + 1;
        line++;
    }
    fputs("</div>\n", out);
    free(src);
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
        const char *acc = in->in_offset == f->f_first ? (f->f_rel_what ? f->f_rel_what : "read")
                          : in->in_offset == f->f_last ? "write" : bc_access_words(in);
        fprintf(out, "<tr%s><td class=\"mono\">%u</td><td class=\"mono\">", end ? " class=\"end\""
                : win ? " class=\"win\"" : "", in->in_offset);
        esc(out, bc_opname(bc, in));
        sb_clear(&arg);
        bc_argtext(&arg, bc, in, BC_ARG_DIS);
        fputs("</td><td class=\"mono\">", out);
        esc(out, arg.sb_failed ? "" : arg.sb_buf);
        fputs("</td><td>", out);
        esc(out, acc ? acc : "");
        fprintf(out, "</td><td class=\"sw\">%s</td></tr>\n",
                win && in->in_offset != f->f_last && is_switch(f, in->in_offset) ? "&#8644; switch"
                : "");
    }
    fputs("</table>\n", out);
    sb_free(&arg);
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
