/* Module text for explain and the table: a statement wrapped in a function that a thread runs,
 * with the names it uses declared global so the engine sees them as shared state. */
#include "explain.h"

#include <ctype.h>
#include <string.h>

static const char *const keywords[] = {
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class",
    "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if",
    "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try",
    "while", "with", "yield",
    /* builtins: calls of them are not shared state */
    "abs", "all", "any", "bool", "dict", "float", "frozenset", "int", "isinstance", "len", "list",
    "max", "min", "object", "print", "range", "repr", "set", "sorted", "str", "sum", "tuple",
    "type",
};

static int is_keyword(const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < sizeof keywords / sizeof *keywords; i++)
        if (strlen(keywords[i]) == n && !strncmp(keywords[i], s, n))
            return 1;
    return 0;
}

int32_t exp_lines(const strbuf *sb)
{
    int32_t n = 1;
    size_t i;
    for (i = 0; i < sb->sb_len; i++)
        n += sb->sb_buf[i] == '\n';
    return n;
}

/* Appends the names `code` uses (not after a dot, not in strings or comments, not keywords),
 * comma-separated and each once, to sb; returns how many. */
static int used_names(strbuf *sb, const char *code)
{
    const char *p = code;
    int n = 0;
    char quote = 0;
    while (*p) {
        if (quote) {
            if (*p == '\\' && p[1])
                p++;
            else if (*p == quote)
                quote = 0;
            p++;
        } else if (*p == '\'' || *p == '"') {
            quote = *p++;
        } else if (*p == '#') {
            while (*p && *p != '\n')
                p++;
        } else if (isalpha((unsigned char)*p) || *p == '_') {
            const char *s = p, *b = p;
            size_t len;
            while (isalnum((unsigned char)*p) || *p == '_')
                p++;
            len = (size_t)(p - s);
            while (b > code && (b[-1] == ' ' || b[-1] == '\t'))
                b--;
            if (b > code && b[-1] == '.')
                continue;              /* an attribute */
            if (is_keyword(s, len))
                continue;
            {
                /* once each */
                char name[128];
                const char *q = sb->sb_buf;
                int seen = 0;
                if (len >= sizeof name)
                    continue;
                memcpy(name, s, len);
                name[len] = 0;
                while (q && *q) {
                    size_t k = strcspn(q, ",");
                    if (k == len && !strncmp(q, name, len))
                        seen = 1;
                    q += k + (q[k] == ',');
                }
                if (!seen) {
                    if (n++)
                        sb_putc(sb, ',');
                    sb_puts(sb, name);
                }
            }
        } else if (isdigit((unsigned char)*p)) {
            while (isalnum((unsigned char)*p) || *p == '.' || *p == '_')
                p++;
        } else {
            p++;
        }
    }
    return n;
}

/* The documentation's names and their types: the FAQ's L, L1, L2 are lists and D, D1, D2 dicts;
 * the free-threading page's lst is a list and d, other_dict dicts.  A snippet's global of one of
 * these names is bound to an empty list or dict at module level, so that the engine knows it is
 * a container as it would from the code that made it. */
static const struct { const char *dn_name, *dn_value; } doc_names[] = {
    { "L", "[]" }, { "L1", "[]" }, { "L2", "[]" }, { "lst", "[]" },
    { "D", "{}" }, { "D1", "{}" }, { "D2", "{}" }, { "d", "{}" }, { "other_dict", "{}" },
};

static void bind_doc_names(strbuf *sb, const char *names)
{
    const char *p = names;
    while (*p) {
        size_t k = strcspn(p, ","), i;
        while (*p == ' ' && k) {
            p++;
            k--;
        }
        for (i = 0; i < sizeof doc_names / sizeof *doc_names; i++)
            if (strlen(doc_names[i].dn_name) == k && !strncmp(p, doc_names[i].dn_name, k))
                sb_printf(sb, "%s = %s\n", doc_names[i].dn_name, doc_names[i].dn_value);
        p += k + (p[k] == ',');
    }
}

void exp_wrap(strbuf *sb, const char *name, const char *code, const char *globals,
              int32_t *first_line)
{
    strbuf names;
    const char *p;
    sb_init(&names);
    if (globals)
        sb_puts(&names, globals);
    else
        used_names(&names, code);
    if (names.sb_len)
        bind_doc_names(sb, names.sb_buf);
    sb_printf(sb, "def %s():\n", name);
    if (names.sb_len) {
        sb_puts(sb, "    global ");
        for (p = names.sb_buf; *p; p++)
            if (*p == ',')
                sb_puts(sb, ", ");
            else if (*p != ' ')
                sb_putc(sb, *p);
        sb_putc(sb, '\n');
    }
    *first_line = exp_lines(sb);
    for (p = code; *p;) {
        size_t k = strcspn(p, "\n");
        sb_puts(sb, "    ");
        sb_putn(sb, p, k);
        sb_putc(sb, '\n');
        p += k + (p[k] == '\n');
    }
    sb_printf(sb, "threading.Thread(target=%s).start()\n", name);
    sb_free(&names);
}
