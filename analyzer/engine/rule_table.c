/* The rows of the atomicity table from rules/atomicity.yaml: the Python FAQ's operations and
 * every example of the free-threading guarantees page, with the documentation's category and
 * words, and the free-threaded fact of each (one operation: what the page or the knowledge base
 * says, since C-level locking is not in the bytecode). */
#include <string.h>

#include "../common/err.h"
#include "engine.h"
#include "rule_yaml.h"

/* The code as spelled, without the newline a YAML block scalar ends with. */
static const char *code_text(const char *s, arena *a)
{
    size_t n = s ? strlen(s) : 0;
    char *p;
    while (n && s[n - 1] == '\n')
        n--;
    if (!s || !(p = arena_alloc(a, n + 1)))
        return NULL;
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

/* The knowledge base's free-threaded fact of the operation a FAQ row names (faq_row). */
static const char *faq_free_threaded(const ynode *doc, const char *code)
{
    const ynode *types = yaml_get(doc, "types");
    size_t i, k;
    for (i = 0; types && types->y_kind == Y_SEQ && i < types->y_n; i++) {
        const ynode *ops = yaml_get(types->y_items[i], "operations");
        for (k = 0; ops && ops->y_kind == Y_SEQ && k < ops->y_n; k++) {
            const char *row = yaml_str(ops->y_items[k], "faq_row");
            const char *ft = yaml_str(ops->y_items[k], "atomic_free_threaded");
            if (!row || strcmp(row, code) || !ft)
                continue;
            return !strcmp(ft, "true") ? "atomic" : !strcmp(ft, "partial") ? "safe" : "not-atomic";
        }
    }
    return NULL;
}

int rule_load_table(eng_kb *kb, const ynode *doc, const char *path, arena *a, diag_ctx *d)
{
    const ynode *faq = yaml_get(doc, "faq"), *ft = yaml_get(doc, "free_threading");
    size_t n = (faq && faq->y_kind == Y_SEQ ? faq->y_n : 0) +
               (ft && ft->y_kind == Y_SEQ ? ft->y_n : 0), i;
    eng_table_row *rows;
    if (!n)
        return diag_add(d, G_EBAD, path, -1, "no 'faq' or 'free_threading' rows");
    if (!(rows = arena_array(a, n, sizeof *rows)))
        return diag_add(d, G_ENOMEM, path, -1, "out of memory");
    memset(rows, 0, n * sizeof *rows);
    kb->k_rows = rows;
    for (i = 0; faq && faq->y_kind == Y_SEQ && i < faq->y_n; i++) {
        const ynode *r = faq->y_items[i];
        eng_table_row *t = &rows[kb->k_nrows];
        const char *at = yaml_str(r, "atomic");
        t->tr_code = code_text(yaml_str(r, "code"), a);
        t->tr_source = "faq";
        t->tr_category = at && !strcmp(at, "true") ? "atomic" : "not-atomic";
        t->tr_says = yaml_str(r, "says");
        t->tr_rule = yaml_str(r, "rule") && strcmp(yaml_str(r, "rule"), "null")
                     ? yaml_str(r, "rule") : NULL;
        t->tr_free_threaded = t->tr_code ? faq_free_threaded(doc, t->tr_code) : NULL;
        if (!t->tr_code || !t->tr_says)
            return diag_add(d, G_EBAD, path, r->y_line, "faq row needs code and says");
        kb->k_nrows++;
    }
    for (i = 0; ft && ft->y_kind == Y_SEQ && i < ft->y_n; i++) {
        const ynode *r = ft->y_items[i];
        eng_table_row *t = &rows[kb->k_nrows];
        t->tr_code = code_text(yaml_str(r, "code"), a);
        t->tr_source = "threadsafety";
        t->tr_type = yaml_str(r, "type");
        t->tr_category = yaml_str(r, "category");
        t->tr_says = yaml_str(r, "says");
        t->tr_rule = yaml_str(r, "rule") && strcmp(yaml_str(r, "rule"), "null")
                     ? yaml_str(r, "rule") : NULL;
        t->tr_free_threaded = t->tr_category;
        if (!t->tr_code || !t->tr_category || !t->tr_says)
            return diag_add(d, G_EBAD, path, r->y_line,
                            "free_threading row needs code, category and says");
        kb->k_nrows++;
    }
    return G_OK;
}
