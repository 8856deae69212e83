/* `gilcheck rule`: prints a rule's documentation from its YAML (rules/GILnnn.yaml). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../common/err.h"
#include "../common/strbuf.h"
#include "../common/text.h"
#include "../engine/engine.h"
#include "cli.h"

static const char rule_usage[] =
    "usage: gilcheck rule [--format text|json] GILnnn...\n"
    "       gilcheck rule [--format text|json] --all\n"
    "\n"
    "Prints the documentation of rules: id, name, severity, summary, explanation, fix, the "
    "settings that change what it reports, references, and one unsafe and one safe example.\n"
    "\n"
    "  --format json   one object per rule ({\"code\", \"name\", \"summary\", \"severity\", "
    "\"explanation\", \"fix\", \"options\", \"opt_in\", \"references\", \"examples\"}); an array "
    "with --all or several rules\n"
    "\n"
    "exit codes: 0 printed, 2 an unknown rule id or the rules cannot be loaded\n";

/* An example as a reader sees it (as tools/gen_rule_docs.py writes it): the corpus's labels
 * `# expect: GILnnn` become `# reported: GILnnn`, a `# gilcheck-scope:` header goes.  Appends
 * to sb. */
static void reader_example(strbuf *sb, const char *code)
{
    const char *p = code;
    if (!strncmp(p, "# gilcheck-scope:", 17))
        p += strcspn(p, "\n") + (p[strcspn(p, "\n")] == '\n');
    while (*p) {
        const char *hit = strstr(p, "# expect:");
        if (!hit) {
            sb_puts(sb, p);
            break;
        }
        sb_putn(sb, p, (size_t)(hit - p));
        sb_puts(sb, "# reported:");
        p = hit + 9;
    }
}

/* Writes text with every line indented by `indent` spaces (blank lines stay empty). */
static void put_indented(FILE *out, const char *text, int indent)
{
    int at_start = 1;
    for (; text && *text; text++) {
        if (at_start && *text != '\n')
            fprintf(out, "%*s", indent, "");
        fputc(*text, out);
        at_start = *text == '\n';
    }
    if (!at_start)
        fputc('\n', out);
}

static void print_rule(FILE *out, const eng_rule *r)
{
    uint32_t i;
    strbuf sb;
    fprintf(out, "%s %s (%s)\n\n", r->r_id, r->r_name, r->r_severity);
    put_indented(out, r->r_summary, 0);
    if (r->r_opt_in)
        fprintf(out, "\nNot in the default selection: select it with extend-select = "
                "[\"%s\"] (or --extend-select %s).\n", r->r_id, r->r_id);
    sb_init(&sb);              /* a paragraph per line: wrapped to the terminal afterwards */
    fputs("\nExplanation:\n\n", out);
    txt_unwrap(&sb, r->r_explanation);
    put_indented(out, sb.sb_buf, 2);
    fputs("\nFix:\n\n", out);
    sb_clear(&sb);
    txt_unwrap(&sb, r->r_fix);
    put_indented(out, sb.sb_buf, 2);
    if (r->r_noptions) {
        fputs("\nOptions (docs/configuration.md):\n\n", out);
        for (i = 0; i < r->r_noptions; i++)
            fprintf(out, "  - %s\n", r->r_options[i]);
    }
    if (r->r_nrefs) {
        fputs("\nReferences:\n\n", out);
        for (i = 0; i < r->r_nrefs; i++)
            fprintf(out, "  - %s: %s\n", r->r_ref_titles[i], r->r_ref_urls[i]);
    }
    sb_clear(&sb);
    if (r->r_nunsafe) {
        fputs("\nUnsafe example:\n\n", out);
        reader_example(&sb, r->r_unsafe[0]);
        put_indented(out, sb.sb_buf, 4);
    }
    if (r->r_nsafe) {
        sb_clear(&sb);
        fputs("\nSafe example:\n\n", out);
        reader_example(&sb, r->r_safe[0]);
        put_indented(out, sb.sb_buf, 4);
    }
    sb_free(&sb);
}

/* The rule as one JSON object (a new reference). */
static json_t *rule_json(const eng_rule *r)
{
    json_t *o = json_object(), *refs = json_array(), *opts = json_array(), *ex;
    json_t *unsafe = json_array(), *safe = json_array();
    strbuf sb;
    uint32_t i;
    sb_init(&sb);
    json_object_set_new(o, "code", json_string(r->r_id));
    json_object_set_new(o, "name", json_string(r->r_name));
    json_object_set_new(o, "summary", json_string(r->r_summary));
    json_object_set_new(o, "severity", json_string(r->r_severity));
    json_object_set_new(o, "explanation", json_string(r->r_explanation));
    json_object_set_new(o, "fix", json_string(r->r_fix));
    for (i = 0; i < r->r_noptions; i++)
        json_array_append_new(opts, json_string(r->r_options[i]));
    json_object_set_new(o, "options", opts);
    json_object_set_new(o, "opt_in", json_boolean(r->r_opt_in));
    for (i = 0; i < r->r_nrefs; i++)
        json_array_append_new(refs, json_pack("{s:s,s:s}", "title", r->r_ref_titles[i], "url",
                                              r->r_ref_urls[i]));
    json_object_set_new(o, "references", refs);
    for (i = 0; i < r->r_nunsafe; i++) {
        sb_clear(&sb);
        reader_example(&sb, r->r_unsafe[i]);
        json_array_append_new(unsafe, json_string(sb.sb_buf));
    }
    for (i = 0; i < r->r_nsafe; i++) {
        sb_clear(&sb);
        reader_example(&sb, r->r_safe[i]);
        json_array_append_new(safe, json_string(sb.sb_buf));
    }
    ex = json_pack("{s:o,s:o}", "unsafe", unsafe, "safe", safe);
    json_object_set_new(o, "examples", ex);
    sb_free(&sb);
    return o;
}

int cmd_rule(int argc, char **argv, const char *argv0, FILE *out, FILE *err)
{
    int all = 0, i, status = EXIT_CLEAN, printed = 0, nids = 0, json = 0;
    json_t *arr = NULL;
    FILE *text = NULL;
    char *buf = NULL;
    size_t blen = 0;
    uint32_t k;
    diag_ctx d;
    arena *a = NULL;
    eng_kb kb;

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            cli_help(out, rule_usage, cli_width(out));
            return EXIT_CLEAN;
        } else if (!strcmp(argv[i], "--all")) {
            all = 1;
        } else if ((!strcmp(argv[i], "--format") || !strcmp(argv[i], "--output-format")) &&
                   i + 1 < argc) {
            const char *f = argv[++i];
            argv[i - 1] = argv[i] = "-";   /* consumed: not a rule id below */
            if (!strcmp(f, "json"))
                json = 1;
            else if (strcmp(f, "text"))
                return cli_usage_error(err, "rule", "--format takes text or json, not '%s'", f);
        } else if (!strcmp(argv[i], "-")) {
            continue;
        } else if (argv[i][0] == '-') {
            static const char *const opts[] = { "--all", "--format", "--output-format", "--help",
                                                NULL };
            return cli_unknown_option(err, "rule", argv[i], opts);
        } else {
            nids++;
        }
    }
    if (!all && !nids) {
        return cli_usage_error(err, "rule", "name a rule (GIL101) or --all");
    }
    diag_init(&d);
    if (arena_new(&a) || rule_load_dir(&kb, rule_default_dir(argv0), a, &d)) {
        cli_print_diags(&d, err);
        fprintf(err, "gilcheck: error: cannot load the rules\n");
        status = EXIT_ERROR;
        goto done;
    }
    arr = json_array();
    /* text is written wrapped to the terminal: through a buffer */
    if (!json && !(text = open_memstream(&buf, &blen)))
        text = out;
    if (all) {
        for (k = 0; k < kb.k_nrules; k++) {
            if (json) {
                json_array_append_new(arr, rule_json(&kb.k_rules[k]));
                continue;
            }
            if (printed++)
                fputs("\n----\n\n", text);
            print_rule(text, &kb.k_rules[k]);
        }
    }
    for (i = 1; i < argc; i++) {
        char id[16];
        size_t n;
        const eng_rule *r;
        if (argv[i][0] == '-')
            continue;
        for (n = 0; argv[i][n] && n + 1 < sizeof id; n++)
            id[n] = (char)toupper((unsigned char)argv[i][n]);
        id[n] = 0;
        r = argv[i][n] ? NULL : rule_find(&kb, id);
        if (!r) {
            fprintf(err, "gilcheck: error: rule: unknown rule '%s' (known:", argv[i]);
            for (k = 0; k < kb.k_nrules; k++)
                fprintf(err, " %s", kb.k_rules[k].r_id);
            fputs(")\n", err);
            status = EXIT_ERROR;
            continue;
        }
        if (json) {
            json_array_append_new(arr, rule_json(r));
            continue;
        }
        if (printed++)
            fputs("\n----\n\n", text);
        print_rule(text, r);
    }
    if (json && json_array_size(arr)) {
        /* one rule: its object, as `ruff rule CODE --output-format json`; else an array */
        json_t *doc = !all && nids == 1 ? json_array_get(arr, 0) : arr;
        json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputc('\n', out);
    }
    if (text && text != out) {
        fclose(text);
        cli_wrap_text(out, buf, cli_width(out));
    }
done:
    free(buf);
    json_decref(arr);
    arena_free(a);
    diag_free(&d);
    if (fflush(out) != 0 || ferror(out))
        status = EXIT_ERROR;
    return status;
}
