/* The report stage: findings as text (full, concise) and JSON. */
#ifndef GILCHECK_REPORT_H
#define GILCHECK_REPORT_H

#include <stdio.h>

#include "../engine/engine.h"

typedef enum rep_format { REP_FULL = 1, REP_CONCISE, REP_JSON, REP_HTML } rep_format;

typedef struct rep_ctx {
    FILE *r_out;
    int r_format;              /* rep_format */
    const eng_kb *r_kb;        /* rule names and severities */
    unsigned long r_count;     /* findings written */
    unsigned long r_files;     /* files with findings */
    int r_json_open;           /* JSON: the array has been opened */
} rep_ctx;

void rep_begin(rep_ctx *r, FILE *out, int format, const eng_kb *kb);

/* Sorts one file's findings by position and writes them.  Columns missing from old bytecode are
 * taken from the source file (its first non-blank character) when it is readable. */
void rep_file(rep_ctx *r, finding *f, uint32_t n);

/* rep_file with the file's decoded code objects (the HTML page shows each finding's bytecode and
 * interleaving from them; NULL leaves those out). */
void rep_file_code(rep_ctx *r, finding *f, uint32_t n, const bc_file *bf);

/* Closes the JSON array, or prints the summary line of the full format. */
void rep_end(rep_ctx *r);

/* "3.11" GIL build verdict text for a finding's window, shared with explain. */
const char *rep_where(const finding *f, char *buf, size_t size);

/* The HTML page (rep_html.c): one self-contained document (inline CSS, no scripts, no fetches). */
void rep_html_begin(FILE *out);
void rep_html_file(FILE *out, const eng_kb *kb, const finding *f, uint32_t n, const bc_file *bf);
void rep_html_end(FILE *out, unsigned long count, unsigned long files);

#endif
