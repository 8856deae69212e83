/* `gilcheck rule`: prints a rule's documentation from its YAML (rules/GILnnn.yaml). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "../engine/engine.h"
#include "cli.h"

static const char rule_usage[] =
    "usage: gilcheck rule GILnnn...\n"
    "       gilcheck rule --all\n"
    "\n"
    "Prints the documentation of rules: id, name, severity, summary, explanation, fix,\n"
    "references, and one unsafe and one safe example.\n"
    "\n"
    "exit codes: 0 printed, 2 an unknown rule id or the rules cannot be loaded\n";

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
    fprintf(out, "%s %s (%s)\n\n", r->r_id, r->r_name, r->r_severity);
    put_indented(out, r->r_summary, 0);
    fputs("\nExplanation:\n\n", out);
    put_indented(out, r->r_explanation, 2);
    fputs("\nFix:\n\n", out);
    put_indented(out, r->r_fix, 2);
    if (r->r_nrefs) {
        fputs("\nReferences:\n\n", out);
        for (i = 0; i < r->r_nrefs; i++)
            fprintf(out, "  - %s: %s\n", r->r_ref_titles[i], r->r_ref_urls[i]);
    }
    if (r->r_nunsafe) {
        fputs("\nUnsafe example:\n\n", out);
        put_indented(out, r->r_unsafe[0], 4);
    }
    if (r->r_nsafe) {
        fputs("\nSafe example:\n\n", out);
        put_indented(out, r->r_safe[0], 4);
    }
}

int cmd_rule(int argc, char **argv, const char *argv0, FILE *out, FILE *err)
{
    int all = 0, i, status = EXIT_CLEAN, printed = 0, nids = 0;
    uint32_t k;
    diag_ctx d;
    arena *a = NULL;
    eng_kb kb;

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(rule_usage, out);
            return EXIT_CLEAN;
        } else if (!strcmp(argv[i], "--all")) {
            all = 1;
        } else if (argv[i][0] == '-') {
            fprintf(err, "gilcheck: error: rule: unknown option '%s'\n\n%s", argv[i], rule_usage);
            return EXIT_ERROR;
        } else {
            nids++;
        }
    }
    if (!all && !nids) {
        fprintf(err, "gilcheck: error: rule: name a rule (GIL101) or --all\n\n%s", rule_usage);
        return EXIT_ERROR;
    }
    diag_init(&d);
    if (arena_new(&a) || rule_load_dir(&kb, rule_default_dir(argv0), a, &d)) {
        cli_print_diags(&d, err);
        fprintf(err, "gilcheck: error: cannot load the rules\n");
        status = EXIT_ERROR;
        goto done;
    }
    if (all) {
        for (k = 0; k < kb.k_nrules; k++) {
            if (printed++)
                fputs("\n----\n\n", out);
            print_rule(out, &kb.k_rules[k]);
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
        if (printed++)
            fputs("\n----\n\n", out);
        print_rule(out, r);
    }
done:
    arena_free(a);
    diag_free(&d);
    if (fflush(out) != 0 || ferror(out))
        status = EXIT_ERROR;
    return status;
}
