/* Internal to the report stage: the writers of each format and the source-file helper they
 * share. */
#ifndef GILCHECK_REP_INT_H
#define GILCHECK_REP_INT_H

#include <stddef.h>
#include <stdint.h>

#include "report.h"

/* A source file read whole, for columns and fingerprints.  rs_text is NULL when unreadable. */
typedef struct rep_source {
    char *rs_text;             /* the file's bytes, NUL-terminated (owned) */
    size_t *rs_starts;         /* byte offset of each line's start; [rs_nlines] is the end */
    uint64_t *rs_hash;         /* per line: hash of the text without whitespace */
    int32_t rs_nlines;
} rep_source;

/* Reads path (0), or leaves s empty (-1: unreadable, too large, no memory). */
int rep_source_load(rep_source *s, const char *path);
void rep_source_free(rep_source *s);

/* Line `line` (1-based) without its end of line, and its length; NULL when there is none. */
const char *rep_source_line(const rep_source *s, int32_t line, size_t *len);

/* A 1-based UTF-8 byte column of a line as a 1-based column in UTF-16 code units (utf16 = 1)
 * or in code points (utf16 = 0).  Columns past the end keep their distance from it. */
int32_t rep_column(const char *line, size_t len, int32_t byte_col, int utf16);

/* "hex:occurrence": the hash of the line without whitespace, and how many lines up to this one
 * (in the file) have the same hash.  NULL (buf untouched) when the line is not in s. */
const char *rep_line_fingerprint(const rep_source *s, int32_t line, char *buf, size_t size);

/* The rule's index in the kb, or -1. */
long rep_rule_index(const rep_ctx *r, const char *rule);

/* "error" | "warning" | "note" from the rule's YAML ("warning" for an unknown rule). */
const char *rep_severity(const rep_ctx *r, const char *rule);

/* SARIF (rep_sarif.c): results are collected, the log is written by sarif_end. */
void sarif_file(rep_ctx *r, const finding *f, uint32_t n);
void sarif_error(rep_ctx *r, int is_error, const char *file, const char *message);
void sarif_end(rep_ctx *r);

/* GitHub workflow commands (rep_github.c), one line per finding or error. */
void github_file(rep_ctx *r, const finding *f, uint32_t n);
void github_error(rep_ctx *r, int is_error, const char *file, const char *message);

/* --statistics (rep_stats.c): counts per rule, written by stats_end. */
void stats_file(rep_ctx *r, const finding *f, uint32_t n);
void stats_end(rep_ctx *r);

#endif
