/* Findings as GitHub Actions workflow commands (`::warning file=...,line=...::message`), which
 * the runner turns into annotations on the pull request. */
#include "rep_int.h"

#include <string.h>

/* Writes s escaped as GitHub's runner expects: % \r \n always, and : , in properties. */
static void put_escaped(FILE *out, const char *s, int property)
{
    for (; s && *s; s++) {
        if (*s == '%')
            fputs("%25", out);
        else if (*s == '\r')
            fputs("%0D", out);
        else if (*s == '\n')
            fputs("%0A", out);
        else if (property && *s == ':')
            fputs("%3A", out);
        else if (property && *s == ',')
            fputs("%2C", out);
        else
            fputc(*s, out);
    }
}

/* error -> ::error, warning -> ::warning, note -> ::notice. */
static const char *command_of(const char *severity)
{
    return !strcmp(severity, "error") ? "error" : !strcmp(severity, "note") ? "notice" : "warning";
}

/* Columns are in characters (code points) of the source line when it is readable, else the
 * UTF-8 byte columns the finding carries. */
void github_file(rep_ctx *r, const finding *f, uint32_t n)
{
    rep_source src;
    uint32_t i;
    memset(&src, 0, sizeof src);
    for (i = 0; i < n; i++) {
        const eng_rule *er = r->r_kb ? rule_find(r->r_kb, f[i].f_rule) : NULL;
        const char *text;
        size_t len = 0;
        int32_t col = f[i].f_col, end_col = f[i].f_end_col;
        char title[256];
        if (i == 0 || strcmp(f[i].f_file, f[i - 1].f_file)) {
            rep_source_free(&src);
            rep_source_load(&src, f[i].f_file);
        }
        if ((text = rep_source_line(&src, f[i].f_line, &len))) {
            col = rep_column(text, len, col, 0);
            if (f[i].f_end_line == f[i].f_line)
                end_col = rep_column(text, len, end_col, 0);
        }
        fprintf(r->r_out, "::%s file=", command_of(rep_severity(r, f[i].f_rule)));
        put_escaped(r->r_out, f[i].f_file, 1);
        if (f[i].f_line >= 1)
            fprintf(r->r_out, ",line=%d", f[i].f_line);
        if (col >= 1)
            fprintf(r->r_out, ",col=%d", col);
        if (f[i].f_end_line >= f[i].f_line && f[i].f_line >= 1)
            fprintf(r->r_out, ",endLine=%d", f[i].f_end_line);
        if (end_col >= 1 && f[i].f_end_line >= 1)
            fprintf(r->r_out, ",endColumn=%d", end_col);
        snprintf(title, sizeof title, "%s %s", f[i].f_rule, er ? er->r_name : "");
        fputs(",title=", r->r_out);
        put_escaped(r->r_out, title, 1);
        fputs("::", r->r_out);
        put_escaped(r->r_out, f[i].f_message, 0);
        fputc('\n', r->r_out);
    }
    rep_source_free(&src);
}

void github_error(rep_ctx *r, int is_error, const char *file, const char *message)
{
    fputs(is_error ? "::error " : "::warning ", r->r_out);
    if (file && *file) {
        fputs("file=", r->r_out);
        put_escaped(r->r_out, file, 1);
        fputc(',', r->r_out);
    }
    fputs("title=gilcheck error::", r->r_out);
    put_escaped(r->r_out, message, 0);
    fputc('\n', r->r_out);
}
