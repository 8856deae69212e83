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

int cmd_clean(int argc, char **argv, FILE *out, FILE *err)
{
    drv_settings s;
    diag_ctx d;
    char dir[4096];
    unsigned long files = 0;
    int status = EXIT_CLEAN;
    if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        fputs(clean_usage, out);
        return EXIT_CLEAN;
    }
    if (argc > 1) {
        fprintf(err, "gilcheck: error: clean: unexpected argument '%s'\n\n%s", argv[1],
                clean_usage);
        return EXIT_ERROR;
    }
    memset(&s, 0, sizeof s);
    diag_init(&d);
    if (drv_config_find(&s, ".", &d) == G_OK) {
        drv_cache_root(&s, dir, sizeof dir);
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
    drv_settings_free(&s);
    return status;
}
