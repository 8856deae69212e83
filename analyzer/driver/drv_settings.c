/* The settings keys, as one table: how each key is read (from a configuration file's TOML, from
 * the command line's text), how layers of them combine, what the cache key hashes and what
 * `--show-settings` prints.  A new key is a field of drv_settings and a row here. */
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define XXH_STATIC_LINKING_ONLY  /* XXH3_state_t on the stack */
#include <xxhash.h>

#include "../common/err.h"
#include "../common/strbuf.h"
#include "../common/text.h"
#include "drv_int.h"

/***** the table *****/

enum {
    KT_CODES,                  /* a list of rule codes or prefixes ("GIL1", "GIL201", "ALL") */
    KT_STRINGS,                /* a list of strings (globs, names) */
    KT_CHOICE,                 /* one of k_choices: its index in an int, or the string */
    KT_PROGRAM,                /* the path of a program to run: only from trusted sources */
    KT_FILE_IGNORES            /* a table of glob = [codes] */
};

typedef struct key_def {
    const char *k_name;        /* as written in [tool.gilcheck] (kebab-case, as ruff's) */
    int k_type;                /* KT_* */
    size_t k_val;              /* offsetof the value: char ** for lists, char * for strings, int
                                * for a choice kept as its index, drv_file_ignore * */
    size_t k_num;              /* offsetof the size_t count of a list */
    int k_extend;              /* a list that adds to the layer below instead of replacing it */
    const char *const *k_choices; /* KT_CHOICE: the allowed values, NULL-terminated */
    int k_as_int;              /* KT_CHOICE: kept as the index (an int), not as the string */
    int k_findings;            /* changes a file's findings: part of the cache key */
    const char *k_unset;       /* what leaving it out means (--show-settings) */
} key_def;

static const char *const scopes[] = { "concurrent", "all", NULL };
static const char *const formats[] = { "full", "concise", "json", "sarif", "github", "html",
                                       NULL };

#define V(field) offsetof(drv_settings, field)

static const key_def keys[] = {
    { "select", KT_CODES, V(s_select), V(s_nselect), 0, NULL, 0, 1,
      "every rule except the opt-in ones" },
    { "extend-select", KT_CODES, V(s_extend_select), V(s_nextend_select), 1, NULL, 0, 1,
      "nothing more" },
    { "ignore", KT_CODES, V(s_ignore), V(s_nignore), 0, NULL, 0, 1, "nothing ignored" },
    { "per-file-ignores", KT_FILE_IGNORES, V(s_file_ignores), V(s_nfile_ignores), 0, NULL, 0, 1,
      "none" },
    { "exclude", KT_STRINGS, V(s_exclude), V(s_nexclude), 0, NULL, 0, 0,
      "the defaults (.git, .venv, venv, build, dist, node_modules, site-packages, ...)" },
    { "extend-exclude", KT_STRINGS, V(s_extend_exclude), V(s_nextend_exclude), 1, NULL, 0, 0,
      "nothing more" },
    { "scope", KT_CHOICE, V(s_eng.o_scope_all), 0, 0, scopes, 1, 1, "\"concurrent\"" },
    { "python", KT_PROGRAM, V(s_python), 0, 0, NULL, 0, 0,
      "the embedded CPython 3.11 compiles" },
    { "lock-names", KT_STRINGS, V(s_eng.o_lock_names), V(s_eng.o_nlock_names), 0, NULL, 0, 1,
      "only the locks gilcheck recognises" },
    { "thread-entry-points", KT_STRINGS, V(s_eng.o_entry_points), V(s_eng.o_nentry_points), 0,
      NULL, 0, 1, "only the ones gilcheck finds" },
    { "thread-safe-classes", KT_STRINGS, V(s_eng.o_safe_classes), V(s_eng.o_nsafe_classes), 0,
      NULL, 0, 1, "only classes marked `# gilcheck: thread-safe`" },
    { "output-format", KT_CHOICE, V(s_output_format), 0, 0, formats, 0, 0, "\"full\"" },
};

#undef V

#define NKEYS (sizeof keys / sizeof *keys)

static const char *key_names[NKEYS + 1];

const char *const *drv_settings_keys(void)
{
    size_t i;
    if (!key_names[0])
        for (i = 0; i < NKEYS; i++)
            key_names[i] = keys[i].k_name;
    return key_names;
}

static const key_def *key_find(const char *name)
{
    size_t i;
    for (i = 0; i < NKEYS; i++)
        if (!strcmp(keys[i].k_name, name))
            return &keys[i];
    return NULL;
}

static uint64_t bit_of(const key_def *k)
{
    return (uint64_t)1 << (k - keys);
}

uint64_t drv_key_bit(const char *name)
{
    const key_def *k = key_find(name);
    return k ? bit_of(k) : 0;
}

/* The field of key k in s. */
#define FIELD(s, k, type) ((type *)((char *)(s) + (k)->k_val))
#define COUNT(s, k) ((size_t *)((char *)(s) + (k)->k_num))
#define CCOUNT(s, k) (*(const size_t *)((const char *)(s) + (k)->k_num))

/* Key k's value in s, read-only. */
static char **list_of(const drv_settings *s, const key_def *k)
{
    return *(char **const *)((const char *)s + k->k_val);
}

static const char *string_of(const drv_settings *s, const key_def *k)
{
    return *(char *const *)((const char *)s + k->k_val);
}

static int int_of(const drv_settings *s, const key_def *k)
{
    return *(const int *)((const char *)s + k->k_val);
}

static const drv_file_ignore *ignores_of(const drv_settings *s, const key_def *k)
{
    return *(drv_file_ignore *const *)((const char *)s + k->k_val);
}

/***** freeing and copying *****/

static void strv_free(char **v, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void file_ignores_free(drv_file_ignore *fi, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        free(fi[i].fi_glob);
        strv_free(fi[i].fi_codes, fi[i].fi_ncodes);
    }
    free(fi);
}

/* Frees key k's value in s and clears it. */
static void key_clear(drv_settings *s, const key_def *k)
{
    switch (k->k_type) {
    case KT_CODES:
    case KT_STRINGS:
        strv_free(*FIELD(s, k, char **), *COUNT(s, k));
        *FIELD(s, k, char **) = NULL;
        *COUNT(s, k) = 0;
        break;
    case KT_FILE_IGNORES:
        file_ignores_free(*FIELD(s, k, drv_file_ignore *), *COUNT(s, k));
        *FIELD(s, k, drv_file_ignore *) = NULL;
        *COUNT(s, k) = 0;
        break;
    case KT_CHOICE:
    case KT_PROGRAM:
        if (k->k_type == KT_CHOICE && k->k_as_int) {
            *FIELD(s, k, int) = 0;
            break;
        }
        free(*FIELD(s, k, char *));
        *FIELD(s, k, char *) = NULL;
        break;
    }
    s->s_given &= ~bit_of(k);
}

void drv_settings_free(drv_settings *s)
{
    size_t i;
    for (i = 0; i < NKEYS; i++)
        key_clear(s, &keys[i]);
    free(s->s_config_path);
    free(s->s_root);
    free(s->s_python_from);
    memset(s, 0, sizeof *s);
}

/* n strings of v appended to the list (*out, *nout). */
static int strv_append(char ***out, size_t *nout, char *const *v, size_t n)
{
    char **grown;
    size_t i;
    if (!n && *out)
        return G_OK;
    if (!(grown = realloc(*out, (*nout + n + 1) * sizeof *grown)))
        return G_ENOMEM;
    *out = grown;
    for (i = 0; i < n; i++) {
        if (!(grown[*nout] = strdup(v[i])))
            return G_ENOMEM;
        (*nout)++;
    }
    grown[*nout] = NULL;
    return G_OK;
}

/* Key k of `from` into `to` (cleared first unless `add`: an extend key joins). */
static int key_copy(drv_settings *to, const drv_settings *from, const key_def *k, int add)
{
    size_t i, n;
    if (!add)
        key_clear(to, k);
    switch (k->k_type) {
    case KT_CODES:
    case KT_STRINGS:
        if (strv_append(FIELD(to, k, char **), COUNT(to, k), list_of(from, k),
                        CCOUNT(from, k)))
            return G_ENOMEM;
        break;
    case KT_FILE_IGNORES: {
        const drv_file_ignore *src = ignores_of(from, k);
        drv_file_ignore *dst;
        n = CCOUNT(from, k);
        if (!(dst = calloc(n + 1, sizeof *dst)))
            return G_ENOMEM;
        *FIELD(to, k, drv_file_ignore *) = dst;
        for (i = 0; i < n; i++) {
            *COUNT(to, k) = i + 1;
            if (!(dst[i].fi_glob = strdup(src[i].fi_glob)) ||
                strv_append(&dst[i].fi_codes, &dst[i].fi_ncodes, src[i].fi_codes,
                            src[i].fi_ncodes))
                return G_ENOMEM;
        }
        break;
    }
    case KT_CHOICE:
    case KT_PROGRAM: {
        const char *v;
        if (k->k_type == KT_CHOICE && k->k_as_int) {
            *FIELD(to, k, int) = int_of(from, k);
            break;
        }
        v = string_of(from, k);
        if (v && !(*FIELD(to, k, char *) = strdup(v)))
            return G_ENOMEM;
        break;
    }
    }
    to->s_given |= bit_of(k);
    return G_OK;
}

static int dup_or_null(char **out, const char *s)
{
    *out = NULL;
    return s && !(*out = strdup(s)) ? G_ENOMEM : G_OK;
}

int drv_settings_merge(drv_settings *out, const drv_settings *base, const drv_settings *top)
{
    size_t i;
    memset(out, 0, sizeof *out);
    for (i = 0; i < NKEYS; i++) {
        const key_def *k = &keys[i];
        int in_base = base && (base->s_given & bit_of(k)), in_top = top && (top->s_given &
                                                                              bit_of(k));
        if ((in_base && key_copy(out, base, k, 0)) ||
            (in_top && key_copy(out, top, k, k->k_extend && in_base)))
            goto oom;
    }
    if (base && base->s_config_path) {
        if (dup_or_null(&out->s_config_path, base->s_config_path) ||
            dup_or_null(&out->s_root, base->s_root))
            goto oom;
    } else if (top && top->s_config_path) {
        if (dup_or_null(&out->s_config_path, top->s_config_path) ||
            dup_or_null(&out->s_root, top->s_root))
            goto oom;
    }
    out->s_kb = top && top->s_kb ? top->s_kb : base ? base->s_kb : NULL;
    return G_OK;
oom:
    drv_settings_free(out);
    return G_ENOMEM;
}

int drv_settings_copy(drv_settings *out, const drv_settings *s)
{
    int rc = drv_settings_merge(out, s, NULL);
    if (!rc && (dup_or_null(&out->s_python_from, s->s_python_from)))
        rc = G_ENOMEM;
    if (rc)
        drv_settings_free(out);
    else
        memcpy(out->s_digest, s->s_digest, sizeof out->s_digest);
    return rc;
}

/***** reading values *****/

/* "GIL", "GIL1", "GIL101" or "ALL". */
static int is_code_prefix(const char *s)
{
    size_t i;
    if (!strcmp(s, "ALL"))
        return 1;
    if (strncmp(s, "GIL", 3))
        return 0;
    for (i = 3; s[i]; i++)
        if (s[i] < '0' || s[i] > '9' || i >= 6)
            return 0;
    return 1;
}

/* What a key's value must be, for messages. */
static void expected_of(const key_def *k, char *buf, size_t size)
{
    size_t i;
    switch (k->k_type) {
    case KT_CODES:
        snprintf(buf, size, "a list of rule codes such as [\"GIL101\", \"GIL2\"] (GIL, GIL1, "
                 "GIL101 or ALL)");
        return;
    case KT_STRINGS:
        snprintf(buf, size, "a list of strings");
        return;
    case KT_FILE_IGNORES:
        snprintf(buf, size, "a table of glob = [codes], such as {\"tests/*.py\" = [\"GIL101\"]}");
        return;
    case KT_PROGRAM:
        snprintf(buf, size, "the path of a Python interpreter");
        return;
    case KT_CHOICE:
        snprintf(buf, size, "one of");
        for (i = 0; k->k_choices[i]; i++)
            snprintf(buf + strlen(buf), size - strlen(buf), "%s \"%s\"", i ? "," : "",
                     k->k_choices[i]);
        return;
    }
}

/* The message for a bad value of key k: "[tool.gilcheck] 'scope': expected ..." or, from the
 * command line, "--scope: expected ...". */
static int bad_value(const key_def *k, const char *file, const char *what, const char *got,
                     diag_ctx *d, int code)
{
    char exp[400];
    expected_of(k, exp, sizeof exp);
    if (file || what)
        return diag_add(d, code, file, -1, "%s%s'%s': expected %s%s%s%s", what ? what : "",
                        what && *what ? " " : "", k->k_name, exp, got ? ", not '" : "",
                        got ? got : "", got ? "'" : "");
    return diag_add(d, code, NULL, -1, "--%s takes %s%s%s%s", k->k_name, exp,
                    got ? ", not '" : "", got ? got : "", got ? "'" : "");
}

/* A list value from strings into the layer. */
static int set_list(drv_settings *s, const key_def *k, char **v, size_t n)
{
    key_clear(s, k);
    if (strv_append(FIELD(s, k, char **), COUNT(s, k), v, n))
        return G_ENOMEM;
    if (!*FIELD(s, k, char **) && !(*FIELD(s, k, char **) = calloc(1, sizeof(char *))))
        return G_ENOMEM;       /* an empty list is a value: select = [] selects nothing */
    s->s_given |= bit_of(k);
    return G_OK;
}

static int set_choice(drv_settings *s, const key_def *k, const char *v)
{
    size_t i;
    for (i = 0; k->k_choices[i] && strcmp(k->k_choices[i], v); i++)
        ;
    if (!k->k_choices[i])
        return G_EBAD;
    key_clear(s, k);
    if (k->k_as_int)
        *FIELD(s, k, int) = (int)i;
    else if (!(*FIELD(s, k, char *) = strdup(v)))
        return G_ENOMEM;
    s->s_given |= bit_of(k);
    return G_OK;
}

int drv_layer_set(drv_settings *layer, const char *key, const char *text, diag_ctx *d)
{
    const key_def *k = key_find(key);
    char *copy, *tok, *save = NULL, **items = NULL;
    size_t n = 0;
    int rc = G_OK;
    if (!k)
        return diag_add(d, G_EUSAGE, NULL, -1, "no setting '%s'", key);
    if (k->k_type == KT_CHOICE) {
        rc = set_choice(layer, k, text);
        return rc == G_EBAD ? bad_value(k, NULL, NULL, text, d, G_EUSAGE)
                            : rc ? diag_add(d, rc, NULL, -1, "out of memory") : G_OK;
    }
    if (k->k_type == KT_PROGRAM) {
        char *v = strdup(text);
        if (!v)
            return diag_add(d, G_ENOMEM, NULL, -1, "out of memory");
        key_clear(layer, k);
        *FIELD(layer, k, char *) = v;
        layer->s_given |= bit_of(k);
        return G_OK;
    }
    if (k->k_type == KT_FILE_IGNORES)
        return diag_add(d, G_EUSAGE, NULL, -1, "%s is set in a configuration file only", key);
    /* a comma-separated list, added to what earlier occurrences of the option gave */
    if (!(copy = strdup(text)) || !(items = calloc(strlen(text) / 2 + 2, sizeof *items))) {
        free(copy);
        return diag_add(d, G_ENOMEM, NULL, -1, "out of memory");
    }
    for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        size_t len;
        while (*tok == ' ')
            tok++;
        len = strlen(tok);
        while (len && tok[len - 1] == ' ')
            tok[--len] = 0;
        if (!*tok)
            continue;
        if (k->k_type == KT_CODES && !is_code_prefix(tok)) {
            rc = bad_value(k, NULL, NULL, tok, d, G_EUSAGE);
            break;
        }
        items[n++] = tok;
    }
    if (!rc) {
        if (layer->s_given & bit_of(k))    /* `--select A --select B` is A,B */
            rc = strv_append(FIELD(layer, k, char **), COUNT(layer, k), items, n);
        else
            rc = set_list(layer, k, items, n);
        if (rc)
            rc = diag_add(d, G_ENOMEM, NULL, -1, "out of memory");
    }
    free(items);
    free(copy);
    return rc;
}

/* A JSON array of strings into a fresh vector (codes checked when `codes`).  G_OK, G_EBAD with
 * *bad_item pointing at the offending string (or NULL when not a list of strings), G_ENOMEM. */
static int json_strings(char ***out, size_t *n, const json_t *v, int codes,
                        const char **bad_item)
{
    size_t i;
    json_t *item;
    *out = NULL;
    *n = 0;
    *bad_item = NULL;
    if (!json_is_array(v))
        return G_EBAD;
    if (!(*out = calloc(json_array_size(v) + 1, sizeof **out)))
        return G_ENOMEM;
    json_array_foreach(v, i, item) {
        const char *t = json_string_value(item);
        if (!t || (codes && !is_code_prefix(t))) {
            *bad_item = t;
            strv_free(*out, *n);
            *out = NULL;
            *n = 0;
            return G_EBAD;
        }
        if (!((*out)[i] = strdup(t))) {
            strv_free(*out, *n);
            *out = NULL;
            *n = 0;
            return G_ENOMEM;
        }
        *n = i + 1;
    }
    return G_OK;
}

int drv_layer_set_json(drv_settings *layer, const char *key, const json_t *v, const char *file,
                       const char *what, diag_ctx *d)
{
    const key_def *k = key_find(key);
    const char *badv = NULL;
    int rc;
    if (!k)
        return diag_add(d, G_EBAD, file, -1, "%s%sunknown key '%s'", what ? what : "",
                        what && *what ? ": " : "", key);
    switch (k->k_type) {
    case KT_CODES:
    case KT_STRINGS: {
        char **vec;
        size_t n;
        rc = json_strings(&vec, &n, v, k->k_type == KT_CODES, &badv);
        if (rc == G_EBAD)
            return bad_value(k, file, what ? what : "", badv, d, G_EBAD);
        if (rc || (rc = set_list(layer, k, vec, n)))
            rc = diag_add(d, G_ENOMEM, file, -1, "out of memory");
        strv_free(vec, n);
        return rc;
    }
    case KT_CHOICE:
        if (!json_is_string(v))
            return bad_value(k, file, what ? what : "", NULL, d, G_EBAD);
        rc = set_choice(layer, k, json_string_value(v));
        return rc == G_EBAD ? bad_value(k, file, what ? what : "", json_string_value(v), d, rc)
                            : rc ? diag_add(d, rc, file, -1, "out of memory") : G_OK;
    case KT_PROGRAM: {
        char *p;
        if (!json_is_string(v) || !*json_string_value(v))
            return bad_value(k, file, what ? what : "", NULL, d, G_EBAD);
        if (!(p = strdup(json_string_value(v))))
            return diag_add(d, G_ENOMEM, file, -1, "out of memory");
        key_clear(layer, k);
        *FIELD(layer, k, char *) = p;
        layer->s_given |= bit_of(k);
        return G_OK;
    }
    case KT_FILE_IGNORES: {
        const char *glob;
        json_t *codes;
        drv_file_ignore *fi;
        size_t n = 0;
        if (!json_is_object(v))
            return bad_value(k, file, what ? what : "", NULL, d, G_EBAD);
        key_clear(layer, k);
        if (!(fi = calloc(json_object_size(v) + 1, sizeof *fi)))
            return diag_add(d, G_ENOMEM, file, -1, "out of memory");
        *FIELD(layer, k, drv_file_ignore *) = fi;
        layer->s_given |= bit_of(k);
        json_object_foreach((json_t *)v, glob, codes) {
            rc = json_strings(&fi[n].fi_codes, &fi[n].fi_ncodes, codes, 1, &badv);
            if (rc == G_EBAD)
                return diag_add(d, G_EBAD, file, -1, "%s%s'per-file-ignores.\"%s\"': expected "
                                "a list of rule codes (GIL, GIL1, GIL101 or ALL)%s%s%s",
                                what ? what : "", what && *what ? " " : "", glob,
                                badv ? ", not '" : "", badv ? badv : "", badv ? "'" : "");
            if (rc || !(fi[n].fi_glob = strdup(glob))) {
                strv_free(fi[n].fi_codes, fi[n].fi_ncodes);
                return diag_add(d, G_ENOMEM, file, -1, "out of memory");
            }
            *COUNT(layer, k) = ++n;
        }
        return G_OK;
    }
    }
    return G_EBAD;
}

int drv_layer_apply(drv_settings *layer, const json_t *t, const char *file, const char *what,
                    diag_ctx *d)
{
    const char *key;
    json_t *v;
    int rc;
    json_object_foreach((json_t *)t, key, v) {
        if (!key_find(key)) {
            const char *near = txt_suggest(key, drv_settings_keys(), NKEYS);
            char list[600] = "";
            size_t i;
            for (i = 0; i < NKEYS; i++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                         keys[i].k_name);
            if (near)
                return diag_add(d, G_EBAD, file, -1, "%s%sunknown key '%s' (did you mean "
                                "'%s'?)", what ? what : "", what && *what ? ": " : "", key, near);
            return diag_add(d, G_EBAD, file, -1, "%s%sunknown key '%s' (the keys are %s)",
                            what ? what : "", what && *what ? ": " : "", key, list);
        }
    }
    json_object_foreach((json_t *)t, key, v)
        if ((rc = drv_layer_set_json(layer, key, v, file, what, d)))
            return rc;
    return G_OK;
}

/***** checking codes against the rules *****/

/* 1 when some rule's id starts with the prefix ("ALL": always). */
static int code_known(const eng_kb *kb, const char *code)
{
    uint32_t i;
    if (!strcmp(code, "ALL"))
        return 1;
    for (i = 0; i < kb->k_nrules; i++)
        if (!strncmp(kb->k_rules[i].r_id, code, strlen(code)))
            return 1;
    return 0;
}

static int check_list(char *const *v, size_t n, const eng_kb *kb, const char *file,
                      const char *key, diag_ctx *d)
{
    const char *ids[64];
    size_t i, nids = 0;
    int rc = G_OK;
    for (i = 0; i < kb->k_nrules && nids < 64; i++)
        ids[nids++] = kb->k_rules[i].r_id;
    for (i = 0; i < n; i++) {
        const char *near;
        if (code_known(kb, v[i]))
            continue;
        near = txt_suggest(v[i], ids, nids);
        rc = diag_add(d, G_EUSAGE, file, -1, "%s%s%s: unknown rule code '%s'%s%s%s",
                      file ? "[tool.gilcheck] " : "--", key, file ? "" : "", v[i],
                      near ? " (did you mean '" : " (no rule has it; `gilcheck rule --all` lists "
                      "them)", near ? near : "", near ? "'?)" : "");
    }
    return rc;
}

int drv_settings_check_codes(const drv_settings *s, const eng_kb *kb, const char *file,
                             diag_ctx *d)
{
    size_t i;
    int rc = G_OK;
    for (i = 0; i < NKEYS; i++) {
        const key_def *k = &keys[i];
        if (!(s->s_given & bit_of(k)))
            continue;
        if (k->k_type == KT_CODES && check_list(list_of(s, k), CCOUNT(s, k), kb,
                                                file, k->k_name, d))
            rc = G_EUSAGE;
        if (k->k_type == KT_FILE_IGNORES) {
            const drv_file_ignore *fi = ignores_of(s, k);
            size_t j;
            for (j = 0; j < CCOUNT(s, k); j++)
                if (check_list(fi[j].fi_codes, fi[j].fi_ncodes, kb, file, k->k_name, d))
                    rc = G_EUSAGE;
        }
    }
    return rc;
}

/***** the cache digest *****/

static void hash_str(XXH3_state_t *h, const char *s)
{
    XXH3_128bits_update(h, s ? s : "\x01<null>", s ? strlen(s) + 1 : 8);
}

static void hash_strv(XXH3_state_t *h, char *const *v, size_t n)
{
    size_t i;
    XXH3_128bits_update(h, &n, sizeof n);
    for (i = 0; i < n; i++)
        hash_str(h, v[i]);
}

void drv_settings_digest(drv_settings *s)
{
    XXH3_state_t h;
    XXH128_canonical_t canon;
    size_t i, j;
    XXH3_INITSTATE(&h);
    XXH3_128bits_reset(&h);
    for (i = 0; i < NKEYS; i++) {
        const key_def *k = &keys[i];
        int given = (s->s_given & bit_of(k)) != 0;
        if (!k->k_findings)
            continue;
        hash_str(&h, k->k_name);
        XXH3_128bits_update(&h, &given, sizeof given);
        if (!given)
            continue;
        switch (k->k_type) {
        case KT_CODES:
        case KT_STRINGS:
            hash_strv(&h, list_of(s, k), CCOUNT(s, k));
            break;
        case KT_FILE_IGNORES: {
            const drv_file_ignore *fi = ignores_of(s, k);
            size_t n = CCOUNT(s, k);
            XXH3_128bits_update(&h, &n, sizeof n);
            for (j = 0; j < CCOUNT(s, k); j++) {
                hash_str(&h, fi[j].fi_glob);
                hash_strv(&h, fi[j].fi_codes, fi[j].fi_ncodes);
            }
            break;
        }
        case KT_CHOICE:
            if (k->k_as_int)
                {
                int v = int_of(s, k);
                XXH3_128bits_update(&h, &v, sizeof v);
            }
            else
                hash_str(&h, string_of(s, k));
            break;
        case KT_PROGRAM:
            hash_str(&h, string_of(s, k));
            break;
        }
    }
    hash_str(&h, s->s_root);
    XXH128_canonicalFromHash(&canon, XXH3_128bits_digest(&h));
    memcpy(s->s_digest, canon.digest, sizeof s->s_digest);
}

/***** --show-settings *****/

static void show_string(strbuf *out, const char *v)
{
    json_t *j = json_string(v);
    char *t = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
    sb_puts(out, t ? t : "\"\"");
    free(t);
    json_decref(j);
}

static void show_list(strbuf *out, char *const *v, size_t n)
{
    size_t i;
    sb_putc(out, '[');
    for (i = 0; i < n; i++) {
        if (i)
            sb_puts(out, ", ");
        show_string(out, v[i]);
    }
    sb_putc(out, ']');
}

void drv_settings_show(const drv_settings *s, strbuf *out)
{
    size_t i, j;
    sb_printf(out, "# configuration file: %s\n", s->s_config_path ? s->s_config_path
                                                                  : "none (the defaults)");
    for (i = 0; i < NKEYS; i++) {
        const key_def *k = &keys[i];
        if (!(s->s_given & bit_of(k))) {
            sb_printf(out, "# %s: not set: %s\n", k->k_name, k->k_unset);
            continue;
        }
        sb_printf(out, "%s = ", k->k_name);
        switch (k->k_type) {
        case KT_CODES:
        case KT_STRINGS:
            show_list(out, list_of(s, k), CCOUNT(s, k));
            break;
        case KT_FILE_IGNORES: {
            const drv_file_ignore *fi = ignores_of(s, k);
            sb_putc(out, '{');
            for (j = 0; j < CCOUNT(s, k); j++) {
                sb_puts(out, j ? ", " : " ");
                show_string(out, fi[j].fi_glob);
                sb_puts(out, " = ");
                show_list(out, fi[j].fi_codes, fi[j].fi_ncodes);
            }
            sb_puts(out, " }");
            break;
        }
        case KT_CHOICE:
            show_string(out, k->k_as_int ? k->k_choices[int_of(s, k)] : string_of(s, k));
            break;
        case KT_PROGRAM:
            show_string(out, string_of(s, k));
            if (s->s_python_from)
                sb_printf(out, "  # from %s", s->s_python_from);
            break;
        }
        sb_putc(out, '\n');
    }
}
