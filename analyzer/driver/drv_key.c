/* The result cache's secret: 32 random bytes per user, kept in the user's cache directory
 * ($XDG_CACHE_HOME/gilcheck/cache-key, else ~/.cache/gilcheck/cache-key), never in the analysed
 * tree, so that an entry someone else wrote (a committed .gilcheck_cache, another user's) does
 * not carry a valid MAC. */
#define _DEFAULT_SOURCE  /* getrandom */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/err.h"
#include "driver.h"

#define KEY_NAME "cache-key"

/* Opens (creating it 0700 when missing) the directory `name` in dirfd, which must be a
 * directory of ours that nobody else can write: git's safe.directory idea for a secret.
 * Returns the descriptor, or -1 with *why set. */
static int own_dir(int dirfd, const char *name, int create, const char **why)
{
    struct stat st;
    int fd;
    if (create && mkdirat(dirfd, name, 0700) && errno != EEXIST) {
        *why = strerror(errno);
        return -1;
    }
    if ((fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
        *why = errno == ELOOP || errno == ENOTDIR ? "a symbolic link or not a directory"
                                                  : strerror(errno);
        return -1;
    }
    if (fstat(fd, &st) || st.st_uid != geteuid() || (st.st_mode & 022)) {
        close(fd);
        *why = "not owned by this user, or writable by others";
        return -1;
    }
    return fd;
}

/* Reads the key from dirfd: 1 when it is there and sound, 0 when absent, -1 when unusable. */
static int read_key(uint8_t out[DRV_KEY_SIZE], int dirfd, const char **why)
{
    struct stat st;
    ssize_t got;
    int fd = openat(dirfd, KEY_NAME, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        *why = strerror(errno);
        return errno == ENOENT ? 0 : -1;
    }
    if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077) ||
        st.st_size != DRV_KEY_SIZE) {
        close(fd);
        *why = "not a private file of this user of the right size";
        return -1;
    }
    got = read(fd, out, DRV_KEY_SIZE);
    close(fd);
    if (got != DRV_KEY_SIZE) {
        *why = "cannot read it";
        return -1;
    }
    return 1;
}

/* Writes a new random key under a temporary name and links it in: of two runs creating it at
 * once, one wins and both read the winner's. */
static void make_key(int dirfd)
{
    uint8_t key[DRV_KEY_SIZE];
    char tmp[64];
    size_t got = 0;
    int fd;
    while (got < sizeof key) {
        ssize_t r = getrandom(key + got, sizeof key - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return;
        got += (size_t)r;
    }
    snprintf(tmp, sizeof tmp, KEY_NAME ".%ld.tmp", (long)getpid());
    fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    if (write(fd, key, sizeof key) == (ssize_t)sizeof key && !fsync(fd))
        linkat(dirfd, tmp, dirfd, KEY_NAME, 0);
    close(fd);
    unlinkat(dirfd, tmp, 0);
    memset(key, 0, sizeof key);
}

/* Says why the cache is off (a warning) and returns G_EIO. */
static int off(diag_ctx *d, int code, const char *file, long offset, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

static int off(diag_ctx *d, int code, const char *file, long offset, const char *fmt, ...)
{
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    diag_add(d, code, file, offset, "%s", msg);
    return G_EIO;
}

int drv_key_load(uint8_t out[DRV_KEY_SIZE], diag_ctx *d)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME"), *why = "";
    char base[4096];
    int basefd, dirfd, rc;
    if (xdg && *xdg == '/') {
        snprintf(base, sizeof base, "%s", xdg);
    } else {
        struct passwd *pw = (!home || !*home) ? getpwuid(geteuid()) : NULL;
        if ((!home || !*home) && pw)
            home = pw->pw_dir;
        if (!home || !*home)
            return off(d, 0, NULL, -1, "the result cache is off: no home directory to "
                            "keep its key in");
        snprintf(base, sizeof base, "%s/.cache", home);
    }
    mkdir(base, 0700);         /* the user's cache directory itself: as XDG says, 0700 */
    if ((basefd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        return off(d, 0, base, -1, "the result cache is off: cannot open it for the "
                        "cache's key (%s)", strerror(errno));
    dirfd = own_dir(basefd, "gilcheck", 1, &why);
    close(basefd);
    if (dirfd < 0)
        return off(d, 0, base, -1, "the result cache is off: its key cannot be kept in "
                        "gilcheck/ here (%s)", why);
    if ((rc = read_key(out, dirfd, &why)) == 0) {
        make_key(dirfd);
        rc = read_key(out, dirfd, &why);
    }
    close(dirfd);
    if (rc != 1)
        return off(d, 0, base, -1, "the result cache is off: its key gilcheck/" KEY_NAME
                        " is unusable (%s)", why);
    return G_OK;
}
