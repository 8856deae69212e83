/* Loading rules/GILnnn.yaml (the rules) and rules/atomicity.yaml (the knowledge base of built-in
 * operations) with libyaml. */
#include "engine.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/datadir.h"
#include "../common/err.h"
#include "rule_yaml.h"

static const char *const required[] = { "id", "name", "summary", "severity", "explanation",
                                        "fix" };

static int strlist_push(arena *a, const char ***items, size_t *n, const char *s)
{
    size_t i;
    for (i = 0; i < *n; i++)
        if (!strcmp((*items)[i], s))
            return G_OK;
    if ((*n & (*n - 1)) == 0) {
        size_t cap = *n ? *n * 2 : 16;
        const char **grown = arena_array(a, cap, sizeof *grown);
        if (!grown)
            return G_ENOMEM;
        if (*n)
            memcpy(grown, *items, *n * sizeof *grown);
        *items = grown;
    }
    (*items)[(*n)++] = s;
    return G_OK;
}

/* The scalars of a sequence (or of a single scalar) as an array. */
static int scalars(const ynode *v, const char ***out, uint32_t *n, arena *a, const char *key)
{
    size_t i, k = 0;
    *out = NULL;
    *n = 0;
    if (!v)
        return G_OK;
    if (v->y_kind == Y_SCALAR) {
        *out = arena_array(a, 1, sizeof **out);
        if (!*out)
            return G_ENOMEM;
        (*out)[0] = v->y_text;
        *n = 1;
        return G_OK;
    }
    if (v->y_kind != Y_SEQ)
        return G_EBAD;
    *out = arena_array(a, v->y_n + 1, sizeof **out);
    if (!*out)
        return G_ENOMEM;
    for (i = 0; i < v->y_n; i++) {
        const ynode *it = v->y_items[i];
        if (it->y_kind == Y_SCALAR)
            (*out)[k++] = it->y_text;
        else if (it->y_kind == Y_MAP && key && yaml_str(it, key))
            (*out)[k++] = yaml_str(it, key);
    }
    *n = (uint32_t)k;
    return G_OK;
}

static int load_rule(eng_rule *r, const char *path, arena *a, diag_ctx *d)
{
    ynode *doc;
    const ynode *ex, *refs, *det;
    size_t i;
    int rc = yaml_load(&doc, path, a, d);
    if (rc)
        return rc;
    if (doc->y_kind != Y_MAP)
        return diag_add(d, G_EBAD, path, -1, "line %d: a rule is a mapping", doc->y_line);
    for (i = 0; i < sizeof required / sizeof required[0]; i++)
        if (!yaml_str(doc, required[i]))
            return diag_add(d, G_EBAD, path, -1, "line %d: missing key '%s' (a string)",
                            doc->y_line, required[i]);
    memset(r, 0, sizeof *r);
    r->r_id = yaml_str(doc, "id");
    r->r_name = yaml_str(doc, "name");
    r->r_summary = yaml_str(doc, "summary");
    r->r_severity = yaml_str(doc, "severity");
    r->r_explanation = yaml_str(doc, "explanation");
    r->r_fix = yaml_str(doc, "fix");
    if (strcmp(r->r_severity, "error") && strcmp(r->r_severity, "warning") &&
        strcmp(r->r_severity, "note"))
        return diag_add(d, G_EBAD, path, -1, "key 'severity': expected error, warning or note, "
                        "got '%s'", r->r_severity);
    ex = yaml_get(doc, "examples");
    if ((rc = scalars(yaml_get(ex, "unsafe"), &r->r_unsafe, &r->r_nunsafe, a, "code")) ||
        (rc = scalars(yaml_get(ex, "safe"), &r->r_safe, &r->r_nsafe, a, "code")))
        return rc == G_ENOMEM ? diag_add(d, rc, path, -1, "out of memory")
                              : diag_add(d, rc, path, -1, "key 'examples': expected lists of "
                                         "strings under 'unsafe' and 'safe'");
    refs = yaml_get(doc, "references");
    if (refs && refs->y_kind == Y_SEQ) {
        r->r_ref_titles = arena_array(a, refs->y_n + 1, sizeof *r->r_ref_titles);
        r->r_ref_urls = arena_array(a, refs->y_n + 1, sizeof *r->r_ref_urls);
        if (!r->r_ref_titles || !r->r_ref_urls)
            return diag_add(d, G_ENOMEM, path, -1, "out of memory");
        for (i = 0; i < refs->y_n; i++) {
            const ynode *it = refs->y_items[i];
            const char *url = it->y_kind == Y_SCALAR ? it->y_text : yaml_str(it, "url");
            if (!url)
                continue;
            r->r_ref_urls[r->r_nrefs] = url;
            r->r_ref_titles[r->r_nrefs++] = yaml_str(it, "title") ? yaml_str(it, "title") : url;
        }
    }
    det = yaml_get(doc, "detector");
    r->r_detector = det && det->y_kind == Y_SCALAR ? det->y_text : yaml_str(det, "kind");
    if ((rc = scalars(yaml_get(doc, "options"), &r->r_options, &r->r_noptions, a, NULL)))
        return rc == G_ENOMEM ? diag_add(d, rc, path, -1, "out of memory")
                              : diag_add(d, rc, path, -1, "key 'options': expected a list of "
                                         "setting names");
    r->r_opt_in = yaml_str(doc, "opt_in") && !strcmp(yaml_str(doc, "opt_in"), "true");
    return G_OK;
}

/* The identifier an operation is named by: "append", "L.append(x)" -> "append", "len(L)" ->
 * "len"; NULL when there is none. */
static const char *op_name(const char *s, arena *a, int *is_call_on_arg)
{
    const char *start = s, *end, *dot = NULL, *p;
    char *out;
    *is_call_on_arg = 0;
    if (!s)
        return NULL;
    end = strchr(s, '(');
    if (!end)
        end = s + strlen(s);
    for (p = s; p < end; p++)
        if (*p == '.')
            dot = p;
    if (dot)
        start = dot + 1;
    else if (*end == '(')
        *is_call_on_arg = 1;  /* len(L): a function of its argument */
    while (start < end && (*start == ' '))
        start++;
    for (p = start; p < end; p++)
        if (!(*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9')))
            return NULL;
    if (p == start)
        return NULL;
    out = arena_alloc(a, (size_t)(end - start) + 1);
    if (!out)
        return NULL;
    memcpy(out, start, (size_t)(end - start));
    out[end - start] = 0;
    return out;
}

static int truthy(const char *s)
{
    return s && (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "True"));
}

/* Every mapping in atomicity.yaml that says whether an operation reads or mutates contributes
 * that operation's name to the reader / mutator lists. */
static int walk_kb(eng_kb *kb, const ynode *n, const char *key, arena *a)
{
    size_t i;
    int rc;
    if (!n)
        return G_OK;
    if (n->y_kind == Y_MAP && (yaml_get(n, "mutates") || yaml_get(n, "reads"))) {
        const char *label = yaml_str(n, "name") ? yaml_str(n, "name")
                          : yaml_str(n, "method") ? yaml_str(n, "method")
                          : yaml_str(n, "op") ? yaml_str(n, "op") : key;
        int on_arg = 0;
        const char *name = op_name(label, a, &on_arg), *form = yaml_str(n, "form");
        /* a special method used through a built-in function (__len__ as len(L)) */
        if (name && name[0] == '_' && name[1] == '_' && form) {
            int form_on_arg = 0;
            const char *fn = op_name(form, a, &form_on_arg);
            if (fn && form_on_arg) {
                name = fn;
                on_arg = 1;
            } else {
                name = NULL;  /* operators are instructions, not calls */
            }
        }
        int mut = truthy(yaml_str(n, "mutates")), rd = truthy(yaml_str(n, "reads"));
        const char *either = yaml_str(n, "either_way");
        if (name && either && (truthy(either) || (either[0] >= '1' && either[0] <= '9'))) {
            /* "name/N": name called with at least N arguments */
            char *entry = arena_alloc(a, strlen(name) + 4);
            if (!entry)
                return G_ENOMEM;
            sprintf(entry, "%s/%c", name, truthy(either) ? '0' : either[0]);
            if ((rc = strlist_push(a, &kb->k_either_way, &kb->k_neither_way, entry)))
                return rc;
        }
        if (name) {
            if (mut) {
                if ((rc = strlist_push(a, &kb->k_mutators, &kb->k_nmutators, name)))
                    return rc;
                if ((truthy(yaml_str(n, "removes")) || truthy(yaml_str(n, "deletes"))) &&
                    (rc = strlist_push(a, &kb->k_deleters, &kb->k_ndeleters, name)))
                    return rc;
            } else if (rd && on_arg) {
                if ((rc = strlist_push(a, (const char ***)&kb->k_ir.k_reader_funcs,
                                       &kb->k_ir.k_nreader_funcs, name)))
                    return rc;
            } else if (rd) {
                if ((rc = strlist_push(a, (const char ***)&kb->k_ir.k_reader_methods,
                                       &kb->k_ir.k_nreader_methods, name)))
                    return rc;
            }
        }
    }
    if (n->y_kind == Y_MAP) {
        for (i = 0; i + 1 < n->y_n; i += 2)
            if ((rc = walk_kb(kb, n->y_items[i + 1], n->y_items[i]->y_text, a)))
                return rc;
    } else if (n->y_kind == Y_SEQ) {
        for (i = 0; i < n->y_n; i++)
            if ((rc = walk_kb(kb, n->y_items[i], key, a)))
                return rc;
    }
    return G_OK;
}

/* types[].constructors: what makes a container (`dict`, `collections.deque`; a display is
 * written as its type's name). */
static int load_containers(eng_kb *kb, const ynode *doc, arena *a)
{
    const ynode *types = doc && doc->y_kind == Y_MAP ? yaml_get(doc, "types") : NULL;
    size_t i, k;
    int rc;
    if (!types || types->y_kind != Y_SEQ)
        return G_OK;
    for (i = 0; i < types->y_n; i++) {
        const ynode *t = types->y_items[i];
        const ynode *ctors = t->y_kind == Y_MAP ? yaml_get(t, "constructors") : NULL;
        const char *iteration = t->y_kind == Y_MAP ? yaml_str(t, "iteration") : NULL;
        if (!ctors || ctors->y_kind != Y_SEQ)
            continue;
        for (k = 0; k < ctors->y_n; k++) {
            if (ctors->y_items[k]->y_kind != Y_SCALAR)
                continue;
            if ((rc = strlist_push(a, &kb->k_containers, &kb->k_ncontainers,
                                   ctors->y_items[k]->y_text)))
                return rc;
            if (iteration && !strcmp(iteration, "skips") &&
                (rc = strlist_push(a, &kb->k_sequences, &kb->k_nsequences,
                                   ctors->y_items[k]->y_text)))
                return rc;
        }
    }
    return G_OK;
}

/* lock_functions: the functions that take or give back a lock of their module. */
static int load_lockfns(eng_kb *kb, const ynode *doc, arena *a)
{
    const ynode *fs = doc && doc->y_kind == Y_MAP ? yaml_get(doc, "lock_functions") : NULL;
    ir_lockfn *out;
    size_t i, n = 0;
    if (!fs || fs->y_kind != Y_SEQ || !fs->y_n)
        return G_OK;
    if (!(out = arena_array(a, fs->y_n, sizeof *out)))
        return G_ENOMEM;
    for (i = 0; i < fs->y_n; i++) {
        const ynode *f = fs->y_items[i];
        const char *fn = f->y_kind == Y_MAP ? yaml_str(f, "function") : NULL;
        const char *acq = f->y_kind == Y_MAP ? yaml_str(f, "acquires") : NULL;
        const char *rel = f->y_kind == Y_MAP ? yaml_str(f, "releases") : NULL;
        if (!fn || (!acq == !rel))
            continue;
        out[n].lf_func = fn;
        out[n].lf_lock = acq ? acq : rel;
        out[n].lf_acquires = acq != NULL;
        n++;
    }
    kb->k_ir.k_lockfns = out;
    kb->k_ir.k_nlockfns = n;
    return G_OK;
}

static int by_name(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

int rule_load_dir(eng_kb *kb, const char *dir, arena *a, diag_ctx *d)
{
    DIR *dp;
    struct dirent *e;
    char **names = NULL, path[4096];
    size_t n = 0, cap = 0, i;
    ynode *doc;
    int rc = G_OK;

    memset(kb, 0, sizeof *kb);
    if (!dir) {
        char where[PATH_MAX], tried[900];
        data_find(where, sizeof where, "rules", "rules", NULL, tried, sizeof tried);
        return diag_add(d, G_EIO, "rules", -1, "cannot find gilcheck's rules (tried %s); set "
                        "GILCHECK_RULES to the directory that holds GIL*.yaml and atomicity.yaml",
                        tried);
    }
    if (!(dp = opendir(dir))) {
        const char *env = getenv("GILCHECK_RULES");
        return diag_add(d, G_EIO, dir, -1, "cannot open the rules directory (%s)%s",
                        strerror(errno), env && !strcmp(env, dir) ? " (from GILCHECK_RULES)" : "");
    }
    while ((e = readdir(dp))) {
        size_t len = strlen(e->d_name);
        if (strncmp(e->d_name, "GIL", 3) || len < 6 || strcmp(e->d_name + len - 5, ".yaml"))
            continue;
        if (n == cap) {
            char **grown = realloc(names, (cap = cap ? cap * 2 : 16) * sizeof *grown);
            if (!grown) {
                rc = G_ENOMEM;
                break;
            }
            names = grown;
        }
        names[n] = arena_alloc(a, len + 1);
        if (!names[n]) {
            rc = G_ENOMEM;
            break;
        }
        memcpy(names[n++], e->d_name, len + 1);
    }
    closedir(dp);
    if (!rc && names)
        qsort(names, n, sizeof *names, by_name);
    kb->k_rules = rc ? NULL : arena_array(a, n + 1, sizeof *kb->k_rules);
    for (i = 0; !rc && i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        rc = load_rule(&kb->k_rules[kb->k_nrules], path, a, d);
        if (!rc)
            kb->k_nrules++;
    }
    free(names);
    if (rc == G_ENOMEM)
        return diag_add(d, rc, dir, -1, "out of memory");
    if (rc)
        return rc;
    snprintf(path, sizeof path, "%s/atomicity.yaml", dir);
    if ((rc = yaml_load(&doc, path, a, d)))
        return rc;
    if ((rc = walk_kb(kb, doc, NULL, a)) || (rc = load_containers(kb, doc, a)) ||
        (rc = load_lockfns(kb, doc, a)))
        return diag_add(d, rc, path, -1, "out of memory");
    if ((rc = rule_load_table(kb, doc, path, a, d)))
        return rc;
    /* sorted, for binary search by the interpretation and the detectors */
    qsort((void *)kb->k_mutators, kb->k_nmutators, sizeof *kb->k_mutators, by_name);
    qsort((void *)kb->k_deleters, kb->k_ndeleters, sizeof *kb->k_deleters, by_name);
    qsort((void *)kb->k_containers, kb->k_ncontainers, sizeof *kb->k_containers, by_name);
    qsort((void *)kb->k_sequences, kb->k_nsequences, sizeof *kb->k_sequences, by_name);
    qsort((void *)kb->k_ir.k_reader_methods, kb->k_ir.k_nreader_methods, sizeof (char *), by_name);
    qsort((void *)kb->k_ir.k_reader_funcs, kb->k_ir.k_nreader_funcs, sizeof (char *), by_name);
    if (!kb->k_nmutators || !kb->k_ir.k_nreader_methods)
        return diag_add(d, G_EBAD, path, -1, "no operations with 'reads'/'mutates' found");
    return G_OK;
}

const eng_rule *rule_find(const eng_kb *kb, const char *id)
{
    uint32_t i;
    for (i = 0; i < kb->k_nrules; i++)
        if (!strcmp(kb->k_rules[i].r_id, id))
            return &kb->k_rules[i];
    return NULL;
}

const char *rule_default_dir(const char *argv0)
{
    static char buf[PATH_MAX];
    const char *env = getenv("GILCHECK_RULES");
    if (env && *env)
        return env;
    return data_find(buf, sizeof buf, "rules", "rules", argv0, NULL, 0) ? NULL : buf;
}
