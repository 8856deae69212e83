/* One finding for a file copied into several places of a run.  A module vendored into several
 * packages of one tree (a `_shared/` folder generated into every package of an SDK) gives the
 * same finding at the same place of every copy: one race in the code, with one fix in the file
 * the copies are made from.  `check` reports it once, at the first copy in the run's order,
 * and names the other copies (f_copies).  Only byte-identical files are copies, and only a
 * finding every copy has is folded: a copy with a `# noqa` of its own, or one whose finding
 * differs (another message, another place), keeps its findings. */
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "../common/err.h"
#include "../common/file.h"
#include "../common/mem.h"
#include "../input/input.h"
#include "driver.h"

typedef struct member {
    size_t m_unit;             /* index into the units */
    uint8_t *m_text;           /* the file's bytes (mem_alloc'd, or the unit's buffer) */
    size_t m_len;
    int m_owned;               /* m_text is ours to free */
    XXH128_hash_t m_hash;
} member;

static int by_hash(const void *a, const void *b)
{
    const member *x = a, *y = b;
    if (x->m_hash.high64 != y->m_hash.high64)
        return x->m_hash.high64 < y->m_hash.high64 ? -1 : 1;
    if (x->m_hash.low64 != y->m_hash.low64)
        return x->m_hash.low64 < y->m_hash.low64 ? -1 : 1;
    return x->m_unit < y->m_unit ? -1 : x->m_unit > y->m_unit;
}

static int same_text(const member *x, const member *y)
{
    return x->m_len == y->m_len && (!x->m_len || !memcmp(x->m_text, y->m_text, x->m_len));
}

static int same_str(const char *x, const char *y)
{
    return x == y || (x && y && !strcmp(x, y));
}

/* The same finding, at the same place of an identical file. */
static int same_finding(const finding *f, const finding *g)
{
    return same_str(f->f_rule, g->f_rule) && f->f_line == g->f_line && f->f_col == g->f_col &&
           f->f_end_line == g->f_end_line && f->f_end_col == g->f_end_col &&
           same_str(f->f_message, g->f_message) && same_str(f->f_function, g->f_function);
}

/* Adds path to f's copies.  G_OK or G_ENOMEM. */
static int add_copy(finding *f, const char *path, arena *a)
{
    const char **grown = arena_array(a, f->f_ncopies + 1, sizeof *grown);
    if (!grown)
        return G_ENOMEM;
    if (f->f_ncopies)
        memcpy(grown, f->f_copies, f->f_ncopies * sizeof *grown);
    grown[f->f_ncopies++] = path;
    f->f_copies = grown;
    return G_OK;
}

/* Folds the findings of `copy` that `first` has too into first's, and drops them from copy. */
static int fold(drv_unit *first, drv_unit *copy, arena *a)
{
    eng_result *r = &copy->u_res;
    uint32_t i, k, kept = 0;
    for (i = 0; i < r->r_count; i++) {
        finding *g = &r->r_findings[i], *f = NULL;
        for (k = 0; k < first->u_res.r_count && !f; k++)
            if (same_finding(&first->u_res.r_findings[k], g))
                f = &first->u_res.r_findings[k];
        if (!f || !strcmp(g->f_rule, "GIL000"))
            r->r_findings[kept++] = *g;
        else if (add_copy(f, copy->u_path, a))
            return G_ENOMEM;
    }
    r->r_count = kept;
    return G_OK;
}

int drv_fold_copies(drv_unit *units, size_t n, arena *a)
{
    member *ms;
    size_t nm = 0, i, j;
    int rc = G_OK;
    for (i = 0; i < n; i++)
        nm += !units[i].u_rc && units[i].u_res.r_count;
    if (nm < 2)
        return G_OK;
    if (!(ms = calloc(nm, sizeof *ms)))
        return G_ENOMEM;
    for (i = 0, nm = 0; i < n; i++) {
        member *m = &ms[nm];
        int err;
        if (units[i].u_rc || !units[i].u_res.r_count)
            continue;
        m->m_unit = i;
        if (units[i].u_text) {
            m->m_text = (uint8_t *)units[i].u_text;
            m->m_len = units[i].u_len;
        } else if (file_read(&m->m_text, &m->m_len, &err, units[i].u_path, IN_MAX_SOURCE)) {
            continue;          /* unreadable now: it stands alone */
        } else {
            m->m_owned = 1;
        }
        m->m_hash = XXH3_128bits(m->m_text, m->m_len);
        nm++;
    }
    qsort(ms, nm, sizeof *ms, by_hash);
    for (i = 0; i < nm && !rc; i = j) {
        for (j = i + 1; j < nm && !memcmp(&ms[j].m_hash, &ms[i].m_hash, sizeof ms[i].m_hash); j++)
            if (same_text(&ms[i], &ms[j]) && fold(&units[ms[i].m_unit], &units[ms[j].m_unit], a))
                rc = G_ENOMEM;
    }
    for (i = 0; i < nm; i++)
        if (ms[i].m_owned)
            mem_free(ms[i].m_text);
    free(ms);
    return rc;
}
