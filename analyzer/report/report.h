/* The report stage: findings as text (full, concise), JSON, SARIF 2.1.0 and GitHub workflow
 * commands, or as counts per rule (--statistics). */
#ifndef GILCHECK_REPORT_H
#define GILCHECK_REPORT_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "../engine/engine.h"

typedef enum rep_format { REP_FULL = 1, REP_CONCISE, REP_JSON, REP_SARIF, REP_GITHUB, REP_HTML } rep_format;

/* The format named `name` ("full", "concise", "json", "sarif", "github", "html"), or 0. */
int rep_format_parse(const char *name);

typedef struct rep_ctx {
    FILE *r_out;
    int r_format;              /* rep_format */
    const eng_kb *r_kb;        /* rule names and severities */
    unsigned long r_count;     /* findings written */
    unsigned long r_files;     /* files with findings */
    int r_json_open;           /* JSON: the array has been opened */
    unsigned long r_records;   /* JSON: records written (findings and errors) */
    int r_color;               /* full/concise: ANSI colour (set after rep_begin) */
    int r_statistics;          /* count findings per rule instead of writing them (idem) */
    const char *r_srcroot;     /* SARIF: absolute directory paths are relative to (idem; NULL:
                                  the current directory) */
    unsigned long *r_rule_counts; /* statistics: findings per kb rule, [k_nrules] for unknown */
    unsigned long r_errors;    /* per-file errors given to rep_error */
    unsigned long r_checked;   /* files checked (the full format's summary counts them; set
                                  after rep_begin) */
    size_t r_width;            /* full: lines wrap to this many columns (0: 80) */
    void *r_sarif;             /* SARIF: the log being built (json_t *), written by rep_end */
    void *r_html;              /* HTML: the page being built (rep_html.c), written by rep_end */
} rep_ctx;

void rep_begin(rep_ctx *r, FILE *out, int format, const eng_kb *kb);

/* Sorts one file's findings by position and writes them.  Columns missing from old bytecode are
 * taken from the source file (its first non-blank character) when it is readable. */
void rep_file(rep_ctx *r, finding *f, uint32_t n);

/* A file that could not be read or decoded (is_error 1), or a warning about one such as a
 * symlink loop (0); file may be NULL.  SARIF lists it as a toolExecutionNotification (an error
 * makes executionSuccessful false), github as an ::error / ::warning annotation, json as a
 * record in the array ({"kind": "error" or "warning", "rule": null, "path", "message", ...});
 * the text formats ignore it (the caller prints it to stderr). */
void rep_error(rep_ctx *r, int is_error, const char *file, const char *message);

/* rep_file with the file's decoded code objects (the HTML page shows each finding's bytecode and
 * interleaving from them, SARIF its threadFlows; NULL leaves those out). */
void rep_file_code(rep_ctx *r, finding *f, uint32_t n, const bc_file *bf);

/* Closes the JSON array, writes the SARIF log, the HTML page or the statistics, or prints the
 * summary line of the full format; frees what the context holds. */
void rep_end(rep_ctx *r);

/* "3.11" GIL build verdict text for a finding's window, shared with explain. */
const char *rep_where(const finding *f, char *buf, size_t size);

/* The finding's Python code inside the window as [{"offset", "why"}], and its caveats as
 * [strings] (new references), shared with explain. */
json_t *rep_pycode_json(const finding *f);
json_t *rep_caveats_json(const finding *f);

/* The HTML page (rep_html.c): one self-contained document (inline CSS, no scripts, no fetches),
 * collected in r->r_html and written, summary first, by rep_html_end. */
void rep_html_begin(rep_ctx *r);
void rep_html_file(rep_ctx *r, const finding *f, uint32_t n, const bc_file *bf);
void rep_html_end(rep_ctx *r);

#endif
