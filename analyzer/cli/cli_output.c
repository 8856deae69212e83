/* check's output options: --format, -o, --statistics, --exit-zero, --color, and where the report
 * goes (stdout or a file) with or without colour. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/text.h"
#include "../report/report.h"
#include "cli.h"

/* The value of option `name` at argv[*i]: "--name VALUE" or "--name=VALUE".  NULL when argv[*i]
 * is not that option; *missing set when the value is absent. */
static const char *option_value(const char *name, int argc, char **argv, int *i, int *missing)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n))
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n])
        return NULL;
    if (*i + 1 >= argc) {
        *missing = 1;
        return NULL;
    }
    return argv[++*i];
}

int cli_output_option(cli_output *o, int argc, char **argv, int *i, FILE *err)
{
    const char *s = argv[*i], *v;
    int missing = 0;
    if (!strcmp(s, "--statistics")) {
        o->co_statistics = 1;
        return 1;
    }
    if (!strcmp(s, "--exit-zero")) {
        o->co_exit_zero = 1;
        return 1;
    }
    if ((v = option_value("--format", argc, argv, i, &missing)) ||
        (!missing && (v = option_value("--output-format", argc, argv, i, &missing)))) {
        if (!(o->co_format = rep_format_parse(v))) {
            static const char *const names[] = { "full", "concise", "json", "sarif", "github",
                                                 "html" };
            const char *near = txt_suggest(v, names, 6);
            cli_usage_error(err, "check", "--format takes full, concise, json, sarif, github or "
                            "html, not '%s'%s%s%s", v, near ? " (did you mean '" : "",
                            near ? near : "", near ? "'?)" : "");
            return -1;
        }
        return 1;
    }
    if (!missing && ((v = option_value("-o", argc, argv, i, &missing)) ||
                     (!missing && (v = option_value("--output-file", argc, argv, i, &missing))))) {
        o->co_file = v;
        return 1;
    }
    if (!missing && (v = option_value("--color", argc, argv, i, &missing))) {
        if (!strcmp(v, "auto"))
            o->co_color = CLI_COLOR_AUTO;
        else if (!strcmp(v, "always"))
            o->co_color = CLI_COLOR_ALWAYS;
        else if (!strcmp(v, "never"))
            o->co_color = CLI_COLOR_NEVER;
        else {
            cli_usage_error(err, "check", "--color takes auto, always or never, not '%s'", v);
            return -1;
        }
        return 1;
    }
    if (missing) {
        cli_usage_error(err, "check", "%s needs a value", s);
        return -1;
    }
    return 0;
}

int cli_output_color(const cli_output *o, FILE *fp)
{
    const char *no = getenv("NO_COLOR"), *force = getenv("FORCE_COLOR");
    if (o->co_color == CLI_COLOR_ALWAYS || o->co_color == CLI_COLOR_NEVER)
        return o->co_color == CLI_COLOR_ALWAYS;
    if (no && *no)
        return 0;
    if (force && *force)
        return 1;
    return isatty(fileno(fp));
}

FILE *cli_output_open(const cli_output *o, FILE *out, FILE *err)
{
    FILE *fp;
    if (!o->co_file || !strcmp(o->co_file, "-"))
        return out;
    if (!(fp = fopen(o->co_file, "w")))
        fprintf(err, "gilcheck: error: %s: cannot open for writing the report\n", o->co_file);
    return fp;
}
