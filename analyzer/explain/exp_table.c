/* The atomicity table: each operation of the Python FAQ ("What kinds of global value mutation
 * are thread-safe?") and of the free-threading guarantees page (Doc/library/threadsafety.rst),
 * compiled by every Python version present and judged by the engine -- never typed in. */
#include "explain.h"

#include <jansson.h>
#include <string.h>

#include "../common/err.h"

/* The documentation's operations, spelled as it spells them.  row_expected is its classification,
 * kept only so the tests can compare it with what the engine computes. */
const exp_row exp_rows[] = {
    /* docs.python.org/3/faq/library.html: L, L1, L2 lists, D, D1, D2 dicts, x, y objects,
     * i, j ints */
    { "L.append(x)", "faq", "atomic" },
    { "L1.extend(L2)", "faq", "atomic" },
    { "x = L[i]", "faq", "atomic" },
    { "x = L.pop()", "faq", "atomic" },
    { "L1[i:j] = L2", "faq", "atomic" },
    { "L.sort()", "faq", "atomic" },
    { "x = y", "faq", "atomic" },
    { "x.field = y", "faq", "atomic" },
    { "D[x] = y", "faq", "atomic" },
    { "D1.update(D2)", "faq", "atomic" },
    { "D.keys()", "faq", "atomic" },
    { "i = i+1", "faq", "not-atomic" },
    { "L.append(L[-1])", "faq", "not-atomic" },
    { "L[i] = L[j]", "faq", "not-atomic" },
    { "D[x] = D[x] + 1", "faq", "not-atomic" },
    /* docs.python.org/3/library/threadsafety.html: its "good" and "bad" examples */
    { "lst[i]", "threadsafety", "atomic" },
    { "lst.append(x)", "threadsafety", "atomic" },
    { "lst.pop()", "threadsafety", "atomic" },
    { "lst.clear()", "threadsafety", "atomic" },
    { "lst.copy()", "threadsafety", "atomic" },
    { "d[key]", "threadsafety", "atomic" },
    { "d.get(key)", "threadsafety", "atomic" },
    { "key in d", "threadsafety", "atomic" },
    { "len(d)", "threadsafety", "atomic" },
    { "d[key] = value", "threadsafety", "atomic" },
    { "del d[key]", "threadsafety", "atomic" },
    { "d.pop(key)", "threadsafety", "atomic" },
    { "d.popitem()", "threadsafety", "atomic" },
    { "d.setdefault(key, v)", "threadsafety", "atomic" },
    { "d.update(other_dict)", "threadsafety", "atomic" },
    { "d.pop(key, None)", "threadsafety", "atomic" },
    { "lst[i] = lst[i] + 1", "threadsafety", "not-atomic" },
    { "if lst:\n    item = lst.pop()", "threadsafety", "not-atomic" },
    { "d[key] = d[key] + 1", "threadsafety", "not-atomic" },
    { "if key in d:\n    del d[key]", "threadsafety", "not-atomic" },
};
const size_t exp_nrows = sizeof exp_rows / sizeof *exp_rows;

typedef struct cell {
    const char *c_verdict;     /* "atomic", "not-atomic", "error" */
    const char *c_rule;        /* the finding's rule or NULL */
    int c_gil;                 /* a GIL switch point falls inside the finding's window */
} cell;

/* The verdict of row r in one version's run. */
static cell judge(const exp_run *run, size_t r)
{
    char func[64];
    int32_t ci;
    uint32_t i;
    cell c = { "error", NULL, 0 };
    if (run->er_syntax || !run->er_bf)
        return c;
    snprintf(func, sizeof func, "%s%zu", EXP_ROW_FUNC, r);
    if ((ci = exp_find_code(run, func, 0, 0)) < 0)
        return c;
    c.c_verdict = "atomic";
    for (i = 0; i < run->er_res.r_count; i++) {
        const finding *f = &run->er_res.r_findings[i];
        if ((int32_t)f->f_code == ci && strcmp(f->f_rule, "GIL301")) {
            c.c_verdict = "not-atomic";
            c.c_gil |= f->f_nswitch > 0;
            if (!c.c_rule || strcmp(f->f_rule, c.c_rule) < 0)
                c.c_rule = f->f_rule;
        }
    }
    return c;
}

/* The row's code on one line, for text and markdown ("if lst: item = lst.pop()"). */
static void one_line(char *buf, size_t size, const char *code)
{
    size_t n = 0;
    for (; *code && n + 1 < size; code++) {
        if (*code == '\n') {
            while (code[1] == ' ')
                code++;
            if (n + 2 < size)
                buf[n++] = ' ';
            continue;
        }
        buf[n++] = *code;
    }
    buf[n] = 0;
}

int exp_table(FILE *out, const char *format, const int *minors, int nminors, const drv_ctx *c,
              FILE *err, diag_ctx *d)
{
    exp_run runs[EXP_MAX_VERSIONS];
    int nruns = 0, k, newest = -1;
    strbuf module;
    arena *a = NULL;
    size_t r;
    int rc = G_OK;

    sb_init(&module);
    sb_puts(&module, "import threading\n");
    for (r = 0; r < exp_nrows; r++) {
        char func[64];
        int32_t first;
        snprintf(func, sizeof func, "%s%zu", EXP_ROW_FUNC, r);
        exp_wrap(&module, func, exp_rows[r].row_code, NULL, &first);
    }
    if (module.sb_failed || arena_new(&a)) {
        sb_free(&module);
        return diag_add(d, G_ENOMEM, NULL, -1, "out of memory");
    }
    for (k = 0; k < nminors; k++) {
        diag_ctx one;
        diag_init(&one);
        if (exp_run_module(&runs[nruns], c, minors[k], NULL, (const uint8_t *)module.sb_buf,
                           module.sb_len, NULL, 0, NULL, "<atomicity table>", a, &one)) {
            char buf[1400];
            if (one.d_count)
                fprintf(err, "gilcheck: note: table: 3.%d left out: %s\n", minors[k],
                        diag_format(&one, one.d_count - 1, buf, sizeof buf));
            diag_free(&one);
            continue;
        }
        diag_free(&one);
        if (newest < 0 || runs[nruns].er_minor > runs[newest].er_minor)
            newest = nruns;
        nruns++;
    }
    if (!nruns) {
        rc = diag_add(d, G_EIO, NULL, -1, "table: no Python version could compile the table");
        goto done;
    }
    if (!strcmp(format, "json")) {
        json_t *arr = json_array();
        for (r = 0; r < exp_nrows; r++) {
            json_t *o = json_object(), *v = json_object(), *g = json_object();
            const char *rule = NULL;
            for (k = 0; k < nruns; k++) {
                cell cl = judge(&runs[k], r);
                char key[16];
                snprintf(key, sizeof key, "3.%d", runs[k].er_minor);
                json_object_set_new(v, key, json_string(cl.c_verdict));
                json_object_set_new(g, key, json_boolean(cl.c_gil));
                if (cl.c_rule && (k == newest || !rule))
                    rule = cl.c_rule;
            }
            json_object_set_new(v, "free-threaded", json_string(judge(&runs[newest], r).c_verdict));
            json_object_set_new(o, "code", json_string(exp_rows[r].row_code));
            json_object_set_new(o, "source", json_string(exp_rows[r].row_source));
            json_object_set_new(o, "documented", json_string(exp_rows[r].row_expected));
            json_object_set_new(o, "verdicts", v);
            json_object_set_new(o, "rule", rule ? json_string(rule) : json_null());
            json_object_set_new(o, "gil_switch", g);
            json_array_append_new(arr, o);
        }
        if (json_dumpf(arr, out, JSON_INDENT(1) | JSON_PRESERVE_ORDER) < 0)
            rc = diag_add(d, G_EIO, NULL, -1, "cannot write the table");
        fputc('\n', out);
        json_decref(arr);
    } else {
        int md = !strcmp(format, "markdown");
        const char *src = NULL;
        for (r = 0; r < exp_nrows; r++) {
            char code[128], cellbuf[64];
            const char *rule = NULL;
            if (!src || strcmp(src, exp_rows[r].row_source)) {
                src = exp_rows[r].row_source;
                if (r)
                    fputc('\n', out);
                if (md) {
                    fprintf(out, "| %s | documented |", !strcmp(src, "faq")
                            ? "Python FAQ operation" : "free-threading guarantees example");
                    for (k = 0; k < nruns; k++)
                        fprintf(out, " 3.%d |", runs[k].er_minor);
                    fputs(" free-threaded | rule |\n|---|---|", out);
                    for (k = 0; k <= nruns; k++)
                        fputs("---|", out);
                    fputs("---|\n", out);
                } else {
                    fprintf(out, "%-34s %-11s", !strcmp(src, "faq") ? "Python FAQ"
                            : "threadsafety.rst", "documented");
                    for (k = 0; k < nruns; k++)
                        fprintf(out, " 3.%-3d", runs[k].er_minor);
                    fputs(" free-threaded  rule\n", out);
                }
            }
            one_line(code, sizeof code, exp_rows[r].row_code);
            if (md)
                fprintf(out, "| `%s` | %s |", code, exp_rows[r].row_expected);
            else
                fprintf(out, "%-34s %-11s", code, exp_rows[r].row_expected);
            for (k = 0; k <= nruns; k++) {
                cell cl = judge(&runs[k < nruns ? k : newest], r);
                const char *sym = !strcmp(cl.c_verdict, "atomic") ? "yes" :
                                  !strcmp(cl.c_verdict, "not-atomic") ? (cl.c_gil && k < nruns ? "NO/S"
                                                                                    : "NO") : "err";
                if (cl.c_rule && (k == newest || !rule))
                    rule = cl.c_rule;
                snprintf(cellbuf, sizeof cellbuf, "%s", sym);
                if (md)
                    fprintf(out, " %s |", !strcmp(sym, "NO") ? "**no**" : !strcmp(sym, "NO/S") ?
                            "**no** (S)" : sym);
                else
                    fprintf(out, k < nruns ? " %-5s" : " %-14s", cellbuf);
            }
            if (md)
                fprintf(out, " %s |\n", rule ? rule : "");
            else
                fprintf(out, " %s\n", rule ? rule : "");
        }
        if (!md)
            fputs("\nyes = atomic; NO = not atomic (judged by gilcheck on each version's bytecode);\n"
                  "NO/S = and a GIL build of that version can switch threads inside the window\n"
                  "(without S it loses updates on free-threaded builds, or when Python code such\n"
                  "as __eq__ or __hash__ runs inside it)\n", out);
    }
done:
    for (k = 0; k < nruns; k++)
        exp_run_free(&runs[k]);
    arena_free(a);
    sb_free(&module);
    return rc;
}
