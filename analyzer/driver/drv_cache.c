/* The result cache: one file's outcome stored under a hash of its path and content, gilcheck's
 * version and executable, the settings and the rules' text, so a second run over unchanged files only reads and
 * hashes them (XXH3-128 from Debian's libxxhash).
 *
 * Entry file: "GILCACH3", the 16-byte key, the dependency (a .pyc's source named by its
 * co_filename: u32 path length or 0xffffffff for none, the path, the 16-byte hash of its
 * content, all zero when it could not be read), u64 record length, the drv_blob record, and a
 * seal of everything before it with the user's secret (drv_key.c): a random 12-byte nonce and
 * the 16-byte ChaCha20-Poly1305 tag of the entry as associated data (RFC 8439, no plaintext).
 * Anything that does not check out -- damaged, or written by anyone without the secret:
 * committed to the repository, another user's -- is a miss.  (The seal was an HMAC-SHA-256,
 * half of a warm run with one file changed; the AEAD's tag is a MAC as strong and about five
 * times faster here.)
 *
 * The directories are opened one component at a time without following symbolic links
 * (openat, O_NOFOLLOW): a committed .gilcheck_cache symlink turns the cache off instead of
 * making gilcheck create directories and files where it points. */
#define _DEFAULT_SOURCE  /* getrandom */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#define XXH_STATIC_LINKING_ONLY  /* XXH3_state_t on the stack */
#include <xxhash.h>
#include <mbedtls/chachapoly.h>

#include "../common/err.h"
#include "../common/mem.h"
#include "../input/input.h"
#include "driver.h"

#ifndef GILCHECK_VERSION
#define GILCHECK_VERSION "0.0.0"
#endif

#define ENTRY_MAGIC "GILCACHB"   /* 4: interleavings packed (BLOB_FORMAT 4); 5: summaries know
                                  * container types (SUM_FORMAT 4), findings their target type;
                                  * 6: where started threads are kept (SUM_FORMAT 5); 7: stored
                                  * constants (SUM_FORMAT 6); 8: value windows (SUM_FORMAT 8);
                                  * 9: the summary before the candidates (BLOB_FORMAT 6);
                                  * A: the dependency in the record (BLOB_FORMAT 7);
                                  * B: sealed with ChaCha20-Poly1305, not HMAC-SHA-256 */
#define NO_DEP 0xffffffffu
#define NONCE_SIZE 12
#define MAC_SIZE (NONCE_SIZE + 16) /* the seal: nonce, then the Poly1305 tag */
#define CACHE_NAME ".gilcheck_cache"

static const char cachedir_tag[] =
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by gilcheck.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n";

const char *drv_cache_root(const drv_settings *s, char *buf, size_t size)
{
    snprintf(buf, size, "%s/.gilcheck_cache", s->s_root && *s->s_root ? s->s_root : ".");
    return buf;
}

/* ---- the run's digest ---- */

static void hash_str(XXH3_state_t *h, const char *s)
{
    XXH3_128bits_update(h, s ? s : "\x01<null>", s ? strlen(s) + 1 : 8);
}

static int by_name(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Every *.yaml of the rules directory, names and contents in name order. */
static int hash_rules(XXH3_state_t *h, const char *dir, diag_ctx *d)
{
    DIR *dp = dir ? opendir(dir) : NULL;
    struct dirent *e;
    char **names = NULL, path[4096];
    size_t n = 0, cap = 0, i;
    int rc = G_OK;
    if (!dp)
        return diag_add(d, G_EIO, dir, -1, "cannot open the rules directory");
    while ((e = readdir(dp))) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 5, ".yaml"))
            continue;
        if (n == cap) {
            char **grown = mem_realloc(names, (cap = cap ? cap * 2 : 32) * sizeof *names);
            if (!grown) {
                rc = G_ENOMEM;
                break;
            }
            names = grown;
        }
        if (!(names[n] = mem_alloc(len + 1))) {
            rc = G_ENOMEM;
            break;
        }
        memcpy(names[n++], e->d_name, len + 1);
    }
    closedir(dp);
    if (!rc && n)
        qsort(names, n, sizeof *names, by_name);
    for (i = 0; i < n; i++) {
        uint8_t *buf;
        size_t len;
        int err;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (!rc && in_read_file(&buf, &len, &err, path) == G_OK) {
            hash_str(h, names[i]);
            XXH3_128bits_update(h, &len, sizeof len);
            XXH3_128bits_update(h, buf ? buf : (uint8_t *)"", len);
            mem_free(buf);
        } else if (!rc) {
            rc = diag_add(d, G_EIO, path, -1, "cannot read the rule");
        }
        mem_free(names[i]);
    }
    mem_free(names);
    if (rc == G_ENOMEM)
        return diag_add(d, G_ENOMEM, NULL, -1, "out of memory");
    return rc;
}

/* The running executable's bytes: a rebuilt gilcheck of the same version (every development
 * build) must not read what an older build stored.  ~1 ms; nothing when it cannot be read. */
static void hash_binary(XXH3_state_t *h)
{
    uint8_t *buf;
    size_t len;
    int err;
    if (in_read_file(&buf, &len, &err, "/proc/self/exe"))
        return;
    XXH3_128bits_update(h, buf ? buf : (uint8_t *)"", len);
    mem_free(buf);
}

/* What changes every file's outcome besides the file, its settings and its interpreter:
 * gilcheck's version and executable and the rules' text. */
static int run_digest(uint8_t out[16], const char *rules, diag_ctx *d)
{
    XXH3_state_t *h = XXH3_createState();
    XXH128_canonical_t canon;
    int rc;
    if (!h)
        return diag_add(d, G_ENOMEM, NULL, -1, "out of memory");
    XXH3_128bits_reset(h);
    hash_str(h, "gilcheck " GILCHECK_VERSION);
    hash_binary(h);
    rc = hash_rules(h, rules, d);
    XXH128_canonicalFromHash(&canon, XXH3_128bits_digest(h));
    memcpy(out, canon.digest, 16);
    XXH3_freeState(h);
    return rc;
}

/* ---- opening, the directory ---- */

/* Writes `text` to name in the directory dirfd unless it exists (never through a link). */
static void write_marker(int dirfd, const char *name, const char *text)
{
    int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    if (write(fd, text, strlen(text)) < 0)
        unlinkat(dirfd, name, 0);
    close(fd);
}

/* Opens the directory name in dirfd, creating it (0755 under the umask) when create is set;
 * never follows a symbolic link.  The descriptor, or -1 with errno set (ELOOP for a link). */
static int open_dir(int dirfd, const char *name, int create, int *created)
{
    int fd;
    *created = create && mkdirat(dirfd, name, 0755) == 0;
    fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOTDIR) {  /* O_DIRECTORY saw a link first: which is it? */
        struct stat st;
        if (!fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) && S_ISLNK(st.st_mode))
            errno = ELOOP;
        else
            errno = ENOTDIR;
    }
    return fd;
}

int drv_cache_open(drv_cache *cache, drv_ctx *c, const drv_settings *run, const char *argv0,
                   diag_ctx *d)
{
    char root[4096];
    return drv_cache_open_in(cache, c, drv_cache_root(run, root, sizeof root), argv0, d);
}

int drv_cache_open_in(drv_cache *cache, drv_ctx *c, const char *root, const char *argv0,
                      diag_ctx *d)
{
    char parent[4096];
    size_t n = strlen(root);
    int rc, pfd, cfd, created, e;
    /* the directory that holds .gilcheck_cache: it is opened first, and the cache below it
     * without following links */
    if (n >= sizeof parent)
        return G_OK;            /* no cache: every file a miss */
    memcpy(parent, root, n + 1);
    if (n > sizeof CACHE_NAME && !strcmp(parent + n - (sizeof CACHE_NAME - 1), CACHE_NAME) &&
        parent[n - sizeof CACHE_NAME] == '/')
        parent[n - sizeof CACHE_NAME] = 0;
    else
        strcpy(parent, ".");
    memset(cache, 0, sizeof *cache);
    cache->ca_fd = cache->ca_runs_fd = -1;
    cache->ca_ctx = c;
    cache->ca_roots = c->c_roots;
    if ((rc = run_digest(cache->ca_digest, rule_default_dir(argv0), d)))
        return rc;
    if ((rc = drv_key_load(cache->ca_key, d)))
        return rc;
    n = strlen(root) + sizeof GILCHECK_VERSION + 2;
    if (!(cache->ca_dir = mem_alloc(n)))
        return diag_add(d, G_ENOMEM, NULL, -1, "out of memory");
    snprintf(cache->ca_dir, n, "%s/%s", root, GILCHECK_VERSION);
    if ((pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        return G_OK;            /* nothing to read, nowhere to write: every file a miss */
    cfd = open_dir(pfd, CACHE_NAME, 1, &created);
    e = errno;
    close(pfd);
    if (cfd < 0 && (e == ELOOP || e == ENOTDIR)) {
        diag_add(d, 0, root, -1, "is a %s: the result cache is not used (nothing is written "
                 "through it; remove it, or run with --no-cache)",
                 e == ELOOP ? "symbolic link" : "file, not a directory");
        return G_EIO;
    }
    if (cfd < 0)
        return G_OK;
    if (created) {              /* a new cache: tell backup tools and git to skip it */
        write_marker(cfd, "CACHEDIR.TAG", cachedir_tag);
        write_marker(cfd, ".gitignore", "# Automatically created by gilcheck.\n*\n");
    }
    cache->ca_fd = open_dir(cfd, GILCHECK_VERSION, 1, &created);
    e = errno;
    close(cfd);
    if (cache->ca_fd < 0 && (e == ELOOP || e == ENOTDIR)) {
        diag_add(d, 0, cache->ca_dir, -1, "is a %s: the result cache is not used",
                 e == ELOOP ? "symbolic link" : "file, not a directory");
        return G_EIO;
    }
    cache->ca_write_ok = cache->ca_fd >= 0;
    return G_OK;
}

void drv_cache_close(drv_cache *cache)
{
    if (cache->ca_dir && cache->ca_fd >= 0)   /* opened (a zeroed cache was never opened) */
        close(cache->ca_fd);
    if (cache->ca_dir && cache->ca_runs_fd >= 0)
        close(cache->ca_runs_fd);
    mem_free(cache->ca_dir);
    memset(cache, 0, sizeof *cache);   /* the key too */
    cache->ca_fd = cache->ca_runs_fd = -1;
}

/* The tag of p[0..n) under nonce: ChaCha20-Poly1305 with the user's secret as key and p as the
 * associated data of an empty message (libmbedcrypto, which Debian's libgit2 is built on).
 * 0, or -1. */
static int tag_of(uint8_t tag[16], const drv_cache *cache, const uint8_t nonce[NONCE_SIZE],
                  const void *p, size_t n)
{
    mbedtls_chachapoly_context ctx;
    int rc;
    mbedtls_chachapoly_init(&ctx);
    rc = mbedtls_chachapoly_setkey(&ctx, cache->ca_key) ||
         mbedtls_chachapoly_encrypt_and_tag(&ctx, 0, nonce, p, n, NULL, NULL, tag);
    mbedtls_chachapoly_free(&ctx);
    return rc ? -1 : 0;
}

/* Seals p[0..n): a fresh random nonce (never one nonce for two entries: the one-time Poly1305
 * key comes from it) and the tag.  0, or -1. */
static int seal(uint8_t out[MAC_SIZE], const drv_cache *cache, const void *p, size_t n)
{
    size_t got = 0;
    while (got < NONCE_SIZE) {
        ssize_t r = getrandom(out + got, NONCE_SIZE - got, 0);
        if (r < 0 && errno != EINTR)
            return -1;
        got += r > 0 ? (size_t)r : 0;
    }
    return tag_of(out + NONCE_SIZE, cache, out, p, n);
}

/* Was p[0..n) sealed with the user's secret as `mac`?  The tags are compared in time that does
 * not depend on where they differ. */
static int sealed(const drv_cache *cache, const void *p, size_t n, const uint8_t *mac)
{
    uint8_t tag[16], diff = 0;
    int i;
    if (tag_of(tag, cache, mac, p, n))
        return 0;
    for (i = 0; i < 16; i++)
        diff |= tag[i] ^ mac[NONCE_SIZE + i];
    return diff == 0;
}

/* ---- entries ---- */

static void hash_ident(XXH3_state_t *h, const char *ident)
{
    XXH3_128bits_update(h, ident, strlen(ident) + 1);
}

typedef struct key {
    uint8_t k_hash[16];
    char k_hex[33];            /* "ab" "cdef..." */
} key;

/* k from a hash. */
static void key_of(key *k, const uint8_t hash[16])
{
    static const char hex[] = "0123456789abcdef";
    int i;
    memcpy(k->k_hash, hash, 16);
    for (i = 0; i < 16; i++) {
        k->k_hex[2 * i] = hex[hash[i] >> 4];
        k->k_hex[2 * i + 1] = hex[hash[i] & 15];
    }
    k->k_hex[32] = 0;
}

/* The key of `path` with content data[0..len): the run's digest, the digest of the settings
 * that apply to the file, what compiles it (the interpreter's magic number and version, not
 * its path), the path and the content.  0, or -1 when there is no key (the settings are broken
 * or the interpreter does not start: the analysis says why). */
static int make_key(key *k, const drv_cache *cache, const char *path, const uint8_t *data,
                    size_t len)
{
    XXH3_state_t st;
    XXH128_canonical_t canon;
    const drv_settings *s;
    const char *ident;
    diag_ctx quiet;
    int rc;
    diag_init(&quiet);
    rc = drv_settings_for(&s, cache->ca_ctx, path, &quiet);
    diag_free(&quiet);
    if (rc || !(ident = drv_python_identity(cache->ca_ctx, s)))
        return -1;
    XXH3_INITSTATE(&st);
    XXH3_128bits_reset(&st);
    XXH3_128bits_update(&st, cache->ca_digest, 16);
    XXH3_128bits_update(&st, s->s_digest, 16);
    /* a record without schedules cannot serve a run that shows them (SARIF) */
    XXH3_128bits_update(&st, &cache->ca_ctx->c_no_schedules, sizeof cache->ca_ctx->c_no_schedules);
    hash_ident(&st, ident);
    XXH3_128bits_update(&st, path, strlen(path) + 1);
    {
        /* the module the path is imported as (an __init__.py added above it renames it) */
        char module[512];
        int package = 0;
        if (in_module_name(module, sizeof module, path, &package))
            module[0] = 0;
        XXH3_128bits_update(&st, module, strlen(module) + 1);
        XXH3_128bits_update(&st, &package, sizeof package);
    }
    XXH3_128bits_update(&st, data, len);
    XXH128_canonicalFromHash(&canon, XXH3_128bits_digest(&st));
    key_of(k, canon.digest);
    return 0;
}

/* The entry's directory name ("ab"; the file's is k_hex + 2). */
static void entry_names(char dir[3], const key *k)
{
    dir[0] = k->k_hex[0];
    dir[1] = k->k_hex[1];
    dir[2] = 0;
}

/* What the entry records of a .pyc's source: the hash of its content when drv_pyc_source lets
 * it be read (all zero when it cannot be read), all 0xff when it is refused -- so an entry made
 * with other roots, where the decision was the other one, is a miss. */
static void dep_state(uint8_t out[16], const drv_cache *cache, const char *pyc, const char *path);

/* Hash of a dependency's content; all zero when it cannot be read. */
static void dep_hash(uint8_t out[16], const char *path)
{
    uint8_t *buf;
    size_t len;
    int err;
    XXH128_canonical_t canon;
    memset(out, 0, 16);
    if (!*path || in_read_file(&buf, &len, &err, path))
        return;
    XXH128_canonicalFromHash(&canon, XXH3_128bits(buf ? buf : (uint8_t *)"", len));
    memcpy(out, canon.digest, 16);
    out[0] |= 1;               /* never all zero */
    mem_free(buf);
}

/* Reads the entry of key k whole into *out (mem_alloc'd), opening its directory and file without
 * following links; G_EIO when it cannot (absent, a link, not a regular file). */
static int slurp(uint8_t **out, size_t *out_len, int base, const key *k)
{
    char sub[3];
    int dfd, fd;
    struct stat st;
    uint8_t *buf;
    size_t got = 0;
    *out = NULL;
    entry_names(sub, k);
    if (base < 0 || (dfd = openat(base, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
        return G_EIO;
    fd = openat(dfd, k->k_hex + 2, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    close(dfd);
    if (fd < 0)
        return G_EIO;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
        (uint64_t)st.st_size > ((uint64_t)1 << 31) || !(buf = mem_alloc((size_t)st.st_size))) {
        close(fd);
        return G_EIO;
    }
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (got != (size_t)st.st_size) {
        mem_free(buf);
        return G_EIO;
    }
    *out = buf;
    *out_len = got;
    return G_OK;
}

static void dep_state(uint8_t out[16], const drv_cache *cache, const char *pyc, const char *path)
{
    if (drv_pyc_source(cache->ca_roots, pyc, path))
        dep_hash(out, path);
    else
        memset(out, 0xff, 16);
}

/* Is the dependency stored at buf[*at] (dlen bytes of its path, then its 16-byte state) as
 * it was for file `pyc`?  Moves *at past it; 0 when it changed or does not fit. */
static int dep_unchanged(const drv_cache *cache, const char *pyc, const uint8_t *buf, size_t len,
                         size_t *at, uint32_t dlen)
{
    char dep[4096];
    uint8_t dh[16];
    if (dlen >= sizeof dep || len - *at < (size_t)dlen + 16 + 8 + MAC_SIZE)
        return 0;
    memcpy(dep, buf + *at, dlen);
    dep[dlen] = 0;
    dep_state(dh, cache, pyc, dep);
    if (memcmp(dh, buf + *at + dlen, 16))
        return 0;
    *at += dlen + 16;
    return 1;
}

/* The record that ends an entry at buf[at] (its 8-byte length, then the bytes, then the MAC)
 * becomes *out, which takes buf; 0 (buf untouched) when the length does not match. */
static int take_record(drv_blob *out, uint8_t *buf, size_t len, size_t at)
{
    uint64_t blen;
    memcpy(&blen, buf + at, 8);
    at += 8;
    if (blen != len - at - MAC_SIZE)
        return 0;
    memmove(buf, buf + at, (size_t)blen);
    drv_blob_free(out);
    out->b_data = buf;
    out->b_len = (size_t)blen;
    out->b_cap = len;
    return 1;
}

/* A hit puts the stored record into *out and returns 1; a miss (absent, damaged, another key,
 * a changed dependency) returns 0.  `path` is the analysed file's. */
static int lookup(drv_blob *out, const drv_cache *cache, const key *k, const char *src)
{
    uint8_t *buf;
    size_t len, at = 8 + 16, mlen = strlen(ENTRY_MAGIC);
    uint32_t dlen;
    if (slurp(&buf, &len, cache->ca_fd, k))
        return 0;
    if (len < at + 4 + 8 + MAC_SIZE || memcmp(buf, ENTRY_MAGIC, mlen) ||
        memcmp(buf + 8, k->k_hash, 16))
        goto miss;
    /* before anything else in it is believed: written by us, with the secret? */
    if (!sealed(cache, buf, len - MAC_SIZE, buf + len - MAC_SIZE))
        goto miss;
    memcpy(&dlen, buf + at, 4);
    at += 4;
    if (dlen != NO_DEP && !dep_unchanged(cache, src, buf, len, &at, dlen))
        goto miss;
    if (take_record(out, buf, len, at))
        return 1;
miss:
    mem_free(buf);
    return 0;
}

static int write_all(int fd, const void *p, size_t n)
{
    const uint8_t *q = p;
    while (n) {
        ssize_t w = write(fd, q, n);
        if (w <= 0)
            return -1;
        q += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Writes entry[0..n) and its MAC as the entry of key k (temporary file + rename); failures
 * only cost the next run a miss.  Returns 1 when stored. */
static int write_entry(drv_cache *cache, int base, const key *k, const uint8_t *entry, size_t n)
{
    char sub[3], tmp[64];
    uint8_t mac[MAC_SIZE];
    static unsigned long serial;
    int dfd, fd, created, bad;
    entry_names(sub, k);
    if (base < 0 || seal(mac, cache, entry, n) || (dfd = open_dir(base, sub, 1, &created)) < 0)
        return 0;
    snprintf(tmp, sizeof tmp, ".tmp.%ld.%lu", (long)getpid(), serial++);
    fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        close(dfd);
        return 0;
    }
    bad = write_all(fd, entry, n) || write_all(fd, mac, sizeof mac);
    if (close(fd) || bad || renameat(dfd, tmp, dfd, k->k_hex + 2)) {
        unlinkat(dfd, tmp, 0);
        close(dfd);
        return 0;
    }
    close(dfd);
    return 1;
}

/* Stores the record of the file at `src`; failures only cost the next run a miss. */
static void store(drv_cache *cache, const key *k, const char *src, const char *dep,
                  const drv_blob *rec)
{
    uint8_t dh[16], *entry;
    uint32_t dlen = dep ? (uint32_t)strlen(dep) : NO_DEP;
    uint64_t blen = rec->b_len;
    size_t n, size;
    if (!cache->ca_write_ok || (dep && strlen(dep) >= 4096))
        return;
    /* the entry in one buffer: the MAC covers exactly the bytes written */
    size = 8 + 16 + 4 + (dep ? dlen + 16 : 0) + 8 + rec->b_len;
    if (!(entry = mem_alloc(size)))
        return;
    memcpy(entry, ENTRY_MAGIC, 8);
    memcpy(entry + 8, k->k_hash, 16);
    memcpy(entry + 24, &dlen, 4);
    n = 28;
    if (dep) {
        dep_state(dh, cache, src, dep);
        memcpy(entry + n, dep, dlen);
        memcpy(entry + n + dlen, dh, 16);
        n += dlen + 16;
    }
    memcpy(entry + n, &blen, 8);
    n += 8;
    if (rec->b_len)
        memcpy(entry + n, rec->b_data, rec->b_len);
    n += rec->b_len;
    cache->ca_stored += (unsigned long)write_entry(cache, cache->ca_fd, k, entry, n);
    mem_free(entry);
}

/* ---- one file ---- */

/* drv_summarize into a record.  *out_rc is the analysis's outcome. */
static int analyze_to(drv_blob *out, int *out_rc, const char **out_dep, drv_ctx *c,
                      const char *path, const uint8_t *src, size_t len, arena *a)
{
    drv_result res;
    diag_ctx d;
    int rc;
    diag_init(&d);
    *out_rc = drv_summarize(&res, c, path, src, len, a, &d);
    /* `# noqa` is applied after the composition, but a .pyc's summary depends on the source
     * it names: its marks were read from it when allowed, and its findings name it or not
     * (drv_pyc_source, which depends on the run's roots) -- the entry records that */
    *out_dep = *out_rc ? NULL : res.r_named;
    rc = drv_blob_put(out, *out_rc, &res, &d);
    if (!*out_rc)
        drv_result_free(&res);
    diag_free(&d);
    return rc;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

int drv_cache_get(drv_blob *out, drv_cache *cache, const char *path)
{
    uint8_t *buf = NULL;
    size_t len;
    int err, hit;
    key k;
    if (in_read_file(&buf, &len, &err, path))
        return 0;
    hit = make_key(&k, cache, path, buf ? buf : (uint8_t *)"", len);
    mem_free(buf);
    if (hit)
        return 0;
    hit = lookup(out, cache, &k, path);
    cache->ca_hits += (unsigned long)hit;
    return hit;
}

int drv_run_file(drv_blob *out, drv_ctx *c, drv_cache *cache, const char *path, arena *a)
{
    uint8_t *buf = NULL;
    size_t len;
    int err, arc, rc, pyc = ends_with(path, ".pyc");
    const char *dep;
    key k;
    out->b_len = 0;
    arena_reset(a);
    /* a fresh __pycache__ pyc stands for the source: it is what is analysed, and cheap to read,
     * so the source is not read and nothing keyed by its content alone is stored */
    if (!cache || (!pyc && drv_fresh_pycache(c, path)) ||
        in_read_file(&buf, &len, &err, path))   /* unreadable: drv_analyze says why */
        return analyze_to(out, &arc, &dep, c, path, NULL, 0, a);
    if (make_key(&k, cache, path, buf ? buf : (uint8_t *)"", len)) {
        mem_free(buf);
        return analyze_to(out, &arc, &dep, c, path, NULL, 0, a);
    }
    if (lookup(out, cache, &k, path)) {
        cache->ca_hits++;
        mem_free(buf);
        return G_OK;
    }
    if (pyc)
        rc = analyze_to(out, &arc, &dep, c, path, NULL, 0, a);
    else
        rc = analyze_to(out, &arc, &dep, c, path, buf ? buf : (uint8_t *)"", len, a);
    mem_free(buf);
    if (!rc && !arc)   /* failures are not stored: they may be the machine's, not the file's */
        store(cache, &k, path, dep, out);
    return rc;
}

int drv_cache_key(uint8_t out[16], drv_cache *cache, const char *path)
{
    uint8_t *buf = NULL;
    size_t len;
    int err, rc;
    key k;
    /* drv_run_file analyses these without the cache: nothing keyed by the source stands for
     * them */
    if ((!ends_with(path, ".pyc") && drv_fresh_pycache(cache->ca_ctx, path)) ||
        in_read_file(&buf, &len, &err, path))
        return -1;
    rc = make_key(&k, cache, path, buf ? buf : (uint8_t *)"", len);
    mem_free(buf);
    if (!rc)
        memcpy(out, k.k_hash, 16);
    return rc;
}

int drv_cache_get_keyed(drv_blob *out, drv_cache *cache, const char *path, const uint8_t hash[16])
{
    key k;
    int hit;
    key_of(&k, hash);
    hit = lookup(out, cache, &k, path);
    cache->ca_hits += (unsigned long)hit;
    return hit;
}

/* ---- a whole run ----
 *
 * Entry, in <version>/runs/<2 hex>/<30 hex>: "GILRUN01", the 16-byte key, u32 dependencies and per dependency u32 the file's index,
 * u32 path length, the path and the 16 bytes of its state (dep_state), u64 length and the
 * outcome (drv_run_put), and the MAC.  The key covers every file's key in order, so any change
 * -- a file's content or settings, a file added or removed -- is another entry. */

#define RUN_MAGIC "GILRUN02"   /* 2: sealed with ChaCha20-Poly1305 */

/* The directory of run entries, <version>/runs (apart from the files' entries), opened once
 * without following links and made when `create`; -1 when there is none. */
static int runs_dir(drv_cache *cache, int create)
{
    int created;
    if (!cache->ca_dir)
        return -1;             /* never opened */
    if (cache->ca_runs_fd < 0 && cache->ca_fd >= 0 && (create || !cache->ca_runs_tried)) {
        cache->ca_runs_fd = open_dir(cache->ca_fd, "runs", create, &created);
        cache->ca_runs_tried = 1;
    }
    return cache->ca_runs_fd;
}

void drv_cache_run_key(uint8_t out[16], const drv_cache *cache, const drv_settings *run,
                       int check_names, char *const *paths, const uint8_t (*keys)[16], size_t n)
{
    XXH3_state_t st;
    XXH128_canonical_t canon;
    uint64_t count = n;
    size_t i;
    XXH3_INITSTATE(&st);
    XXH3_128bits_reset(&st);
    XXH3_128bits_update(&st, RUN_MAGIC, 8);
    XXH3_128bits_update(&st, cache->ca_digest, 16);
    XXH3_128bits_update(&st, run->s_digest, 16);
    XXH3_128bits_update(&st, &check_names, sizeof check_names);
    XXH3_128bits_update(&st, &count, sizeof count);
    for (i = 0; i < n; i++) {
        XXH3_128bits_update(&st, paths[i], strlen(paths[i]) + 1);
        XXH3_128bits_update(&st, keys[i], 16);
    }
    XXH128_canonicalFromHash(&canon, XXH3_128bits_digest(&st));
    memcpy(out, canon.digest, 16);
}

int drv_cache_run_get(drv_blob *out, drv_cache *cache, const uint8_t hash[16],
                      char *const *paths, size_t n)
{
    uint8_t *buf;
    size_t len, at = 8 + 16;
    uint32_t ndeps, i;
    key k;
    key_of(&k, hash);
    if (slurp(&buf, &len, runs_dir(cache, 0), &k))
        return 0;
    if (len < at + 4 + 8 + MAC_SIZE || memcmp(buf, RUN_MAGIC, 8) || memcmp(buf + 8, hash, 16) ||
        !sealed(cache, buf, len - MAC_SIZE, buf + len - MAC_SIZE))
        goto miss;
    memcpy(&ndeps, buf + at, 4);
    at += 4;
    for (i = 0; i < ndeps; i++) {
        uint32_t unit, dlen;
        if (len - at < 8 + MAC_SIZE)
            goto miss;
        memcpy(&unit, buf + at, 4);
        memcpy(&dlen, buf + at + 4, 4);
        at += 8;
        if (unit >= n || !dep_unchanged(cache, paths[unit], buf, len, &at, dlen))
            goto miss;
    }
    if (take_record(out, buf, len, at)) {
        cache->ca_hits++;
        return 1;
    }
miss:
    mem_free(buf);
    return 0;
}

void drv_cache_run_store(drv_cache *cache, const uint8_t hash[16], char *const *paths,
                         const drv_unit *units, size_t n, const drv_blob *outcome)
{
    drv_blob e = { NULL, 0, 0 };
    uint64_t blen = outcome->b_len;
    uint32_t ndeps = 0;
    size_t i;
    key k;
    int bad;
    if (!cache->ca_write_ok)
        return;
    for (i = 0; i < n; i++)
        ndeps += units[i].u_dep != NULL;
    bad = drv_blob_append(&e, RUN_MAGIC, 8) || drv_blob_append(&e, hash, 16) ||
          drv_blob_append(&e, &ndeps, 4);
    for (i = 0; i < n && !bad; i++) {
        uint32_t unit = (uint32_t)i, dlen;
        uint8_t dh[16];
        if (!units[i].u_dep)
            continue;
        if (strlen(units[i].u_dep) >= 4096) {
            bad = 1;
            break;
        }
        dlen = (uint32_t)strlen(units[i].u_dep);
        dep_state(dh, cache, paths[i], units[i].u_dep);
        bad = drv_blob_append(&e, &unit, 4) || drv_blob_append(&e, &dlen, 4) ||
              drv_blob_append(&e, units[i].u_dep, dlen) || drv_blob_append(&e, dh, 16);
    }
    bad = bad || drv_blob_append(&e, &blen, 8) ||
          drv_blob_append(&e, outcome->b_data, outcome->b_len);
    key_of(&k, hash);
    if (!bad)
        cache->ca_stored += (unsigned long)write_entry(cache, runs_dir(cache, 1), &k, e.b_data,
                                                       e.b_len);
    drv_blob_free(&e);
}

/* ---- gilcheck clean ---- */

static int remove_tree(const char *path, unsigned long *files, diag_ctx *d, int depth)
{
    struct stat st;
    DIR *dp;
    struct dirent *e;
    int rc = G_OK;
    if (lstat(path, &st))
        return errno == ENOENT ? G_OK : diag_add(d, G_EIO, path, -1, "cannot remove (%s)",
                                                 strerror(errno));
    if (!S_ISDIR(st.st_mode)) {
        if (unlink(path))
            return diag_add(d, G_EIO, path, -1, "cannot remove (%s)", strerror(errno));
        (*files)++;
        return G_OK;
    }
    if (depth > 16 || !(dp = opendir(path)))
        return diag_add(d, G_EIO, path, -1, "cannot open the directory");
    while ((e = readdir(dp))) {
        char sub[4096];
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (snprintf(sub, sizeof sub, "%s/%s", path, e->d_name) >= (int)sizeof sub) {
            rc = diag_add(d, G_EIO, path, -1, "path too long below it");
            continue;
        }
        if (remove_tree(sub, files, d, depth + 1))
            rc = G_EIO;
    }
    closedir(dp);
    if (!rc && rmdir(path))
        rc = diag_add(d, G_EIO, path, -1, "cannot remove (%s)", strerror(errno));
    return rc;
}

int drv_cache_clean(const char *dir, unsigned long *out_files, diag_ctx *d)
{
    *out_files = 0;
    return remove_tree(dir, out_files, d, 0);
}
