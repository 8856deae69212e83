/* The fix for one explained statement, written with the statement's own names and meaning: its
 * own lines under a lock named after the state (`with D_lock:`), or the one-call replacement
 * (`D.setdefault(k, v)`, `D.pop(k, None)`, `L.extend(...)`) when there is one. */
#include "explain.h"

#include <ctype.h>
#include <string.h>

/* The lines [l0, l1] (1-based) of text, dedented by the first line's indentation, into sb. */
static void lines_of(strbuf *sb, const char *text, int32_t l0, int32_t l1)
{
    const char *p = text;
    int32_t line = 1;
    size_t indent = (size_t)-1;
    while (*p && line < l0) {
        p += strcspn(p, "\n");
        p += *p == '\n';
        line++;
    }
    for (; *p && line <= l1; line++) {
        size_t len = strcspn(p, "\n"), ind = 0;
        while (ind < len && (p[ind] == ' ' || p[ind] == '\t'))
            ind++;
        if (indent == (size_t)-1)
            indent = ind;
        if (ind > indent)
            ind = indent;
        sb_putn(sb, p + ind, len - ind);
        sb_putc(sb, '\n');
        p += len + (p[len] == '\n');
    }
}

/* The statement as the user wrote it (every line of a snippet; the lines from the check or read
 * to the write of a file), or 0 when the source is not at hand (a .pyc). */
static int statement(strbuf *sb, const finding *f, const exp_target *t)
{
    int32_t a, b;
    if (t->et_func) {                        /* a snippet: all of it */
        lines_of(sb, t->et_text, 1, 1 << 30);
        return sb->sb_len > 0;
    }
    if (!t->et_source)
        return 0;
    a = f->f_line;
    if (f->f_rel_line > 0 && f->f_rel_line < a)
        a = f->f_rel_line;
    b = f->f_end_line > f->f_line ? f->f_end_line : f->f_line;
    lines_of(sb, t->et_source, a, b);
    return sb->sb_len > 0;
}

/* The name the state's lock gets: `D_lock` for D[x], `count_lock` for count, `self._lock` for
 * self.hits, `o_lock` for o.n. */
static void lock_name(char *buf, size_t size, const char *target)
{
    size_t n = 0;
    while (target && (isalnum((unsigned char)target[n]) || target[n] == '_'))
        n++;
    if (!n)
        snprintf(buf, size, "lock");
    else if (n == 4 && !strncmp(target, "self", 4))
        snprintf(buf, size, "self._lock");
    else
        snprintf(buf, size, "%.*s_lock", (int)n, target);
}

static void indented(strbuf *sb, const char *code, const char *pad)
{
    const char *p = code;
    while (*p) {
        size_t len = strcspn(p, "\n");
        sb_puts(sb, pad);
        sb_putn(sb, p, len);
        sb_putc(sb, '\n');
        p += len + (p[len] == '\n');
    }
}

/* `NAME OP= VALUE` on one line: NAME and VALUE into the buffers, the operator into *op. */
static int aug_parts(const char *stmt, char *name, size_t nsize, char *value, size_t vsize,
                     char *op)
{
    const char *eq = strstr(stmt, "= "), *q;
    size_t n;
    if (!eq || eq == stmt || strchr(stmt, '\n') != stmt + strlen(stmt) - 1)
        return 0;
    *op = eq[-1];
    if (!strchr("+|-&^", *op) || eq - 1 == stmt)
        return 0;
    for (q = eq - 1; q > stmt && q[-1] == ' '; q--)
        ;
    n = (size_t)(q - stmt);
    if (!n || n >= nsize)
        return 0;
    memcpy(name, stmt, n);
    name[n] = 0;
    snprintf(value, vsize, "%.*s", (int)strcspn(eq + 2, "\n"), eq + 2);
    return 1;
}

const char *exp_fix_here(const finding *f, const exp_target *t, const char *il_kind, arena *a)
{
    strbuf sb, st;
    char lock[96], name[128], value[256], op;
    char *out = NULL;
    sb_init(&sb);
    sb_init(&st);
    if (!f || !statement(&st, f, t))
        goto done;
    lock_name(lock, sizeof lock, f->f_target);
    if (il_kind && !strcmp(il_kind, "in-place") &&
        aug_parts(st.sb_buf, name, sizeof name, value, sizeof value, &op)) {
        const char *meth = op == '+' ? "extend" : op == '|' ? "update" : op == '-' ?
                           "difference_update" : op == '&' ? "intersection_update" :
                           "symmetric_difference_update";
        sb_printf(&sb, "No update is lost: `%c=` changes the %s in place. The statement also "
                  "stores %s back, which undoes another thread's `%s = ...` made in between; "
                  "mutate without the store:\n\n```python\n%s.%s(%s)\n```\n", op,
                  f->f_target_type ? f->f_target_type : "object", name, name, name, meth, value);
        goto done;
    }
    sb_printf(&sb, "Hold one lock across the %s and the %s (`%s = threading.Lock()`, made "
              "once %s; every thread that touches %.*s takes it):\n\n```python\nwith %s:\n",
              f->f_rel_what ? f->f_rel_what : "read",
              !strcmp(f->f_rule, "GIL201") || !strcmp(f->f_rule, "GIL204") ? "act" : "write", lock,
              strncmp(lock, "self.", 5) ? "where the state is made" : "in __init__",
              (int)(strlen(lock) - 5), lock, lock);
    indented(&sb, st.sb_buf, "    ");
    sb_puts(&sb, "```\n");
    if ((!strcmp(f->f_rule, "GIL201") || !strcmp(f->f_rule, "GIL204")) && f->f_target &&
        strchr(f->f_target, '[')) {
        /* D[k]: the one-call replacements of the threadsafety page */
        const char *br = strchr(f->f_target, '[');
        int cn = (int)(br - f->f_target), kn = (int)strcspn(br + 1, "]");
        if (strstr(st.sb_buf, "del "))
            sb_printf(&sb, "\nOr in one call: `%.*s.pop(%.*s, None)`.\n", cn, f->f_target, kn,
                      br + 1);
        else if (strstr(st.sb_buf, "not in"))
            sb_printf(&sb, "\nOr in one call, when the value is cheap to make: "
                      "`%.*s.setdefault(%.*s, value)`.\n", cn, f->f_target, kn, br + 1);
    } else if (!strcmp(f->f_rule, "GIL202")) {
        sb_printf(&sb, "\nOr check again under the lock, so the common path takes no lock "
                  "(double-checked locking): `if %s is None:` then `with %s:` then `if %s is "
                  "None:` and the store.\n", f->f_target, lock, f->f_target);
    }
done:
    if (sb.sb_len && !sb.sb_failed && (out = arena_alloc(a, sb.sb_len + 1)))
        memcpy(out, sb.sb_buf, sb.sb_len + 1);
    sb_free(&sb);
    sb_free(&st);
    return out;
}
