/* Replays fuzz corpora as an ordinary test: every file in the given directories goes through
 * LLVMFuzzerTestOneInput once.  Built without libFuzzer, so it runs everywhere. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long n;
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc(n > 0 ? (size_t)n : 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        fclose(f);
        return -1;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(buf, (size_t)n);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    long files = 0;
    int i, failed = 0;
    for (i = 1; i < argc; i++) {
        DIR *dp = opendir(argv[i]);
        struct dirent *e;
        if (!dp) {
            fprintf(stderr, "replay: cannot open %s\n", argv[i]);
            return 1;
        }
        while ((e = readdir(dp))) {
            char path[4096];
            struct stat st;
            snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
            if (e->d_name[0] == '.' || stat(path, &st) || !S_ISREG(st.st_mode))
                continue;
            if (replay_file(path)) {
                fprintf(stderr, "replay: cannot read %s\n", path);
                failed++;
            }
            files++;
        }
        closedir(dp);
    }
    printf("replayed %ld inputs\n", files);
    printf("%ld passed, %d failed\n", files - failed, failed);
    return failed || files == 0;
}
