/* `gilcheck clean`: removes the result cache, .gilcheck_cache/ (nothing else). */
#include <string.h>

#include "../common/err.h"
#include "../driver/driver.h"
#include "cli.h"

static const char clean_usage[] =
    "usage: gilcheck clean\n"
    "\n"
    "Removes gilcheck's result cache, the directory .gilcheck_cache/ in the current directory\n"
    "(in the configuration file's directory when there is one), and says what it removed.\n";

int cmd_clean(int argc, char **argv, const char *argv0, FILE *out, FILE *err)
{
    drv_ctx drv;
    const drv_settings *s;
    diag_ctx d;
    char dir[4096];
    unsigned long files = 0;
    int status = EXIT_CLEAN;
    if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        cli_help(out, clean_usage, cli_width(out));
        return EXIT_CLEAN;
    }
    if (argc > 1) {
        if (argv[1][0] == '-')
            return cli_unknown_option(err, "clean", argv[1],
                                      (const char *const[]){ "--help", NULL });
        return cli_usage_error(err, "clean", "unexpected argument '%s'", argv[1]);
    }
    diag_init(&d);
    if (drv_open(&drv, argv0, &d) == G_OK && drv_settings_default(&s, &drv, NULL, &d) == G_OK) {
        drv_cache_root(s, dir, sizeof dir);
        if (drv_cache_clean(dir, &files, &d))
            status = EXIT_ERROR;
        else if (files)
            fprintf(out, "removed %s (%lu file%s)\n", dir, files, files == 1 ? "" : "s");
        else
            fprintf(out, "nothing to remove: no %s\n", dir);
    } else {
        status = EXIT_ERROR;
    }
    cli_print_diags(&d, err);
    diag_free(&d);
    drv_close(&drv);
    return status;
}
