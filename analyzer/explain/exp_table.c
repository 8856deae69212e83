/* The atomicity table: each operation of the Python FAQ ("What kinds of global value mutation
 * are thread-safe?") and of the free-threading guarantees page (Doc/library/threadsafety.rst),
 * compiled by every Python version present and judged by the engine -- never typed in. */
#include "explain.h"

#include "../common/text.h"

#include <jansson.h>
#include <string.h>

#include "../common/err.h"

typedef struct cell {
    const char *c_verdict;     /* "atomic", "not-atomic", "not-thread-safe", "error" */
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
        if ((int32_t)f->f_code != ci || !strcmp(f->f_rule, "GIL301"))
            continue;
        if (!strcmp(f->f_rule, "GIL106")) {
            /* iteration over the shared container (GIL106): the guarantees page calls it not
             * thread-safe on any build, whatever the steps of one statement */
            if (strcmp(c.c_verdict, "not-atomic")) {
                c.c_verdict = "not-thread-safe";
                c.c_rule = f->f_rule;
            }
            continue;
        }
        if (eng_in_place(f, &run->er_bf->bf_codes[ci])) {
            /* `lst += iterable` on a list: changed in place, nothing lost */
            if (!strcmp(c.c_verdict, "atomic"))
                c.c_verdict = "safe";
            continue;
        }
        if (strcmp(c.c_verdict, "not-atomic"))
            c.c_rule = NULL;            /* a step-by-step race outranks the iteration's */
        c.c_verdict = "not-atomic";
        c.c_gil |= f->f_nswitch > 0;
        if (!c.c_rule || strcmp(f->f_rule, c.c_rule) < 0)
            c.c_rule = f->f_rule;
    }
    return c;
}

/* The free-threaded verdict of row r: the bytecode's (several steps are never atomic, iteration
 * never thread-safe), else the documentation's fact for the one operation. */
static const char *free_threaded(const exp_run *newest, const eng_table_row *row, size_t r)
{
    cell c = judge(newest, r);
    if (strcmp(c.c_verdict, "atomic") && strcmp(c.c_verdict, "safe"))
        return c.c_verdict;
    return row->tr_free_threaded ? row->tr_free_threaded : "atomic";
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

/* A cell of the text and markdown tables: "yes", "safe" (in place), "NO", "NO/S" (a GIL build of
 * that version can switch inside the window), "NTS" (iterates over shared state) or "err". */
static const char *symbol(const exp_run *run, size_t r)
{
    cell cl = judge(run, r);
    if (!strcmp(cl.c_verdict, "atomic"))
        return "yes";
    if (!strcmp(cl.c_verdict, "safe"))
        return "safe";
    if (!strcmp(cl.c_verdict, "not-atomic"))
        return cl.c_gil ? "NO/S" : "NO";
    if (!strcmp(cl.c_verdict, "not-thread-safe"))
        return "NTS";
    return "err";
}

/* The heading of the section row r starts, or NULL when it continues one: the FAQ, then the
 * guarantees page's sections (list, dict, set, bytearray). */
static const char *section(const eng_table_row *rows, size_t r)
{
    const char *name = rows[r].tr_type ? rows[r].tr_type : "Python FAQ";
    if (r && !strcmp(rows[r - 1].tr_source, rows[r].tr_source) &&
        (!rows[r].tr_type || (rows[r - 1].tr_type && !strcmp(rows[r - 1].tr_type, rows[r].tr_type))))
        return NULL;
    return name;
}

/* The rule of row r's findings (the newest version's first). */
static const char *rule_of(const exp_run *runs, const int *ord, int nruns, int newest, size_t r)
{
    const char *rule = NULL;
    int k;
    for (k = 0; k < nruns; k++) {
        cell cl = judge(&runs[ord[k]], r);
        if (cl.c_rule && (ord[k] == newest || !rule))
            rule = cl.c_rule;
    }
    return rule;
}

/* The text table, no wider than `width`: the operation's column, then as many of the other
 * columns (documented, one per version newest first, free-threaded, rule) as fit; the columns
 * left over continue in a table below, the operations repeated. */
static void write_text_table(FILE *out, const eng_table_row *rows, size_t nrows,
                             const exp_run *runs, const int *ord, int nruns, int newest,
                             size_t width)
{
    enum { MAXCOLS = EXP_MAX_VERSIONS + 3 };
    char heads[MAXCOLS][16];
    size_t colw[MAXCOLS], codew = 16, r;
    int ncols = nruns + 3, c0 = 0, k;
    strbuf legend;
    for (r = 0; r < nrows; r++) {
        char code[160];
        one_line(code, sizeof code, rows[r].tr_code);
        if (strlen(code) > codew)
            codew = strlen(code);
    }
    snprintf(heads[0], sizeof heads[0], "documented");
    colw[0] = 15;
    for (k = 0; k < nruns; k++) {
        snprintf(heads[k + 1], sizeof heads[k + 1], "3.%d", runs[ord[k]].er_minor);
        colw[k + 1] = 4;
    }
    snprintf(heads[nruns + 1], sizeof heads[0], "free-threaded");
    colw[nruns + 1] = 15;
    snprintf(heads[nruns + 2], sizeof heads[0], "rule");
    colw[nruns + 2] = 6;
    {
        /* when every column fits beside a narrower code column, a longer code takes a line of
         * its own above its cells rather than pushing columns into a table below */
        size_t others = 0;
        for (k = 0; k < ncols; k++)
            others += 2 + colw[k];
        if (codew + others > width && width > others && width - others >= 24)
            codew = width - others;
    }
    while (c0 < ncols) {
        size_t used = codew;
        int c1 = c0;
        while (c1 < ncols && (c1 == c0 || used + 2 + colw[c1] <= width))
            used += 2 + colw[c1++];
        if (c0)
            fputc('\n', out);
        for (r = 0; r < nrows; r++) {
            char code[160];
            const char *head = section(rows, r), *rule = rule_of(runs, ord, nruns, newest, r);
            if (head) {
                if (r)
                    fputc('\n', out);
                fprintf(out, "%-*s", (int)codew, head);
                for (k = c0; k < c1; k++)
                    fprintf(out, "  %-*s", k + 1 < c1 ? (int)colw[k] : 0, heads[k]);
                fputc('\n', out);
            }
            one_line(code, sizeof code, rows[r].tr_code);
            if (strlen(code) > codew)
                fprintf(out, "%s\n%-*s", code, (int)codew, "");
            else
                fprintf(out, "%-*s", (int)codew, code);
            for (k = c0; k < c1; k++) {
                const char *v = k == 0 ? rows[r].tr_category
                                : k <= nruns ? symbol(&runs[ord[k - 1]], r)
                                : k == nruns + 1 ? free_threaded(&runs[newest], &rows[r], r)
                                : rule ? rule : "";
                fprintf(out, "  %-*s", k + 1 < c1 ? (int)colw[k] : 0, v);
            }
            fputc('\n', out);
        }
        c0 = c1;
    }
    sb_init(&legend);
    txt_wrap(&legend, "yes = atomic; safe = an in-place operator on a list, dict or set: nothing "
             "is lost (the store puts the same object back); NO = not atomic (judged by gilcheck "
             "on each version's bytecode, with L, lst, D, d lists and dicts, s a set, ba a "
             "bytearray); NO/S = and a GIL build of that version can switch threads inside the "
             "window (without S it shows on free-threaded builds, or when Python code such as "
             "__eq__ or __hash__ runs inside it); NTS = iterates over shared state: not "
             "thread-safe on any build. free-threaded: the bytecode's verdict, and for one "
             "operation the documentation's (atomic; safe: will not corrupt; not-atomic).",
             width, 0, 0);
    fputc('\n', out);
    fputs(legend.sb_buf, out);
    sb_free(&legend);
}

int exp_table(FILE *out, const char *format, const int *minors, int nminors, const drv_ctx *c,
              size_t width, int *out_printed, FILE *err, diag_ctx *d)
{
    exp_run runs[EXP_MAX_VERSIONS];
    int nruns = 0, k, newest = -1, ord[EXP_MAX_VERSIONS];
    const eng_table_row *rows = c->c_kb.k_rows;
    const size_t nrows = c->c_kb.k_nrows;
    strbuf module;
    arena *a = NULL;
    size_t r;
    int rc = G_OK;

    sb_init(&module);
    /* the documentation's names and their types (the FAQ: "L, L1, L2 are lists, D, D1, D2 are
     * dicts"; the guarantees page by section), bound once as a module would */
    sb_puts(&module, "import threading\n"
            "L = []\nL1 = []\nL2 = []\nlst = []\nlst1 = []\nlst2 = []\n"
            "D = {}\nD1 = {}\nD2 = {}\nd = {}\nother_dict = {}\na_dict = {}\n"
            "s = set()\nba = bytearray()\nother_bytearray = bytearray()\n");
    for (r = 0; r < nrows; r++) {
        char func[64];
        int32_t first;
        snprintf(func, sizeof func, "%s%zu", EXP_ROW_FUNC, r);
        exp_wrap(&module, func, rows[r].tr_code, NULL, &first);
    }
    if (module.sb_failed || arena_new(&a)) {
        sb_free(&module);
        return diag_add(d, G_ENOMEM, NULL, -1, "out of memory");
    }
    for (k = 0; k < nminors; k++) {
        diag_ctx one;
        diag_init(&one);
        if (exp_run_module(&runs[nruns], c, NULL, minors[k], NULL, (const uint8_t *)module.sb_buf,
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
    /* newest version first, in every output */
    for (k = 0; k < nruns; k++) {
        int j;
        ord[k] = k;
        for (j = k; j > 0 && runs[ord[j]].er_minor > runs[ord[j - 1]].er_minor; j--) {
            int x = ord[j];
            ord[j] = ord[j - 1];
            ord[j - 1] = x;
        }
    }
    if (!strcmp(format, "json")) {
        json_t *arr = json_array();
        for (r = 0; r < nrows; r++) {
            json_t *o = json_object(), *v = json_object(), *g = json_object();
            const char *rule = NULL;
            for (k = 0; k < nruns; k++) {
                const exp_run *run = &runs[ord[k]];
                cell cl = judge(run, r);
                char key[16];
                snprintf(key, sizeof key, "3.%d", run->er_minor);
                json_object_set_new(v, key, json_string(cl.c_verdict));
                json_object_set_new(g, key, json_boolean(cl.c_gil));
                if (cl.c_rule && (ord[k] == newest || !rule))
                    rule = cl.c_rule;
            }
            json_object_set_new(v, "free-threaded",
                                json_string(free_threaded(&runs[newest], &rows[r], r)));
            json_object_set_new(o, "code", json_string(rows[r].tr_code));
            json_object_set_new(o, "source", json_string(rows[r].tr_source));
            json_object_set_new(o, "documented", json_string(rows[r].tr_category));
            json_object_set_new(o, "says", json_string(rows[r].tr_says));
            json_object_set_new(o, "type", rows[r].tr_type ? json_string(rows[r].tr_type)
                                                           : json_null());
            json_object_set_new(o, "verdicts", v);
            json_object_set_new(o, "rule", rule ? json_string(rule) : json_null());
            json_object_set_new(o, "gil_switch", g);
            json_array_append_new(arr, o);
        }
        if (json_dumpf(arr, out, JSON_INDENT(1) | JSON_PRESERVE_ORDER) < 0)
            rc = diag_add(d, G_EIO, NULL, -1, "cannot write the table");
        fputc('\n', out);
        json_decref(arr);
    } else if (!strcmp(format, "markdown")) {
        for (r = 0; r < nrows; r++) {
            char code[160];
            const char *head = section(rows, r), *rule = rule_of(runs, ord, nruns, newest, r);
            const char *ft = free_threaded(&runs[newest], &rows[r], r);
            if (head) {
                if (r)
                    fputc('\n', out);
                fprintf(out, "| %s | documented |", rows[r].tr_type ? head : "Python FAQ operation");
                for (k = 0; k < nruns; k++)
                    fprintf(out, " 3.%d |", runs[ord[k]].er_minor);
                fputs(" free-threaded | rule |\n|---|---|", out);
                for (k = 0; k <= nruns; k++)
                    fputs("---|", out);
                fputs("---|\n", out);
            }
            one_line(code, sizeof code, rows[r].tr_code);
            fprintf(out, "| `%s` | %s |", code, rows[r].tr_category);
            for (k = 0; k < nruns; k++) {
                const char *sym = symbol(&runs[ord[k]], r);
                fprintf(out, " %s |", !strcmp(sym, "NO") ? "**no**" : !strcmp(sym, "NO/S") ?
                        "**no** (S)" : !strcmp(sym, "NTS") ? "**not thread-safe**" : sym);
            }
            fprintf(out, " %s | %s |\n", !strcmp(ft, "atomic") ? "yes" : !strcmp(ft, "safe")
                    ? "safe" : !strcmp(ft, "not-thread-safe") ? "**not thread-safe**" : "**no**",
                    rule ? rule : "");
        }
    } else {
        write_text_table(out, rows, nrows, runs, ord, nruns, newest, width);
    }
    if (!rc)
        *out_printed = 1;
done:
    for (k = 0; k < nruns; k++)
        exp_run_free(&runs[k]);
    arena_free(a);
    sb_free(&module);
    return rc;
}
