/* --statistics: how many findings each rule has, like ruff's, as a table or as JSON. */
#include "rep_int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

void stats_file(rep_ctx *r, const finding *f, uint32_t n)
{
    uint32_t i, nrules = r->r_kb ? r->r_kb->k_nrules : 0;
    if (!r->r_rule_counts && !(r->r_rule_counts = calloc(nrules + 1, sizeof *r->r_rule_counts)))
        return;
    for (i = 0; i < n; i++) {
        long k = rep_rule_index(r, f[i].f_rule);
        r->r_rule_counts[k >= 0 ? (uint32_t)k : nrules]++;
    }
}

typedef struct stat_row {
    const char *sr_code;       /* "GIL101" */
    const char *sr_name;       /* "rmw-global" */
    unsigned long sr_count;
} stat_row;

/* Most frequent first, then by code. */
static int by_count(const void *x, const void *y)
{
    const stat_row *a = x, *b = y;
    if (a->sr_count != b->sr_count)
        return a->sr_count > b->sr_count ? -1 : 1;
    return strcmp(a->sr_code, b->sr_code);
}

void stats_end(rep_ctx *r)
{
    uint32_t i, n = 0, nrules = r->r_kb ? r->r_kb->k_nrules : 0;
    stat_row *rows = calloc(nrules + 1, sizeof *rows);
    json_t *arr = json_array();
    if (!rows)
        return;
    for (i = 0; r->r_rule_counts && i <= nrules; i++) {
        if (!r->r_rule_counts[i])
            continue;
        rows[n].sr_code = i < nrules ? r->r_kb->k_rules[i].r_id : "other";
        rows[n].sr_name = i < nrules ? r->r_kb->k_rules[i].r_name : "";
        rows[n++].sr_count = r->r_rule_counts[i];
    }
    qsort(rows, n, sizeof *rows, by_count);
    for (i = 0; i < n; i++) {
        if (r->r_format == REP_JSON)
            json_array_append_new(arr, json_pack("{s:s, s:s, s:i}", "code", rows[i].sr_code,
                                                 "name", rows[i].sr_name, "count",
                                                 (json_int_t)rows[i].sr_count));
        else
            fprintf(r->r_out, "%5lu  %-6s  %s\n", rows[i].sr_count, rows[i].sr_code,
                    rows[i].sr_name);
    }
    if (r->r_format == REP_JSON) {
        json_dumpf(arr, r->r_out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputc('\n', r->r_out);
    }
    json_decref(arr);
    free(rows);
}
