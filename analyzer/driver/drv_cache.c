/* The result cache: one file's outcome stored under a hash of its path and content, gilcheck's
 * version and executable, the settings and the rules' text, so a second run over unchanged files only reads and
 * hashes them (XXH3-128 from Debian's libxxhash).
 *
 * Entry file: "GILCACH2", the 16-byte key, the dependency (a .pyc's source whose `# noqa`
 * comments were applied: u32 path length or 0xffffffff for none, the path, the 16-byte hash of its
 * content, all zero when it could not be read), u64 record length, the drv_blob record, and an
 * XXH3-64 checksum of everything before it.  Anything that does not check out is a miss. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#define XXH_STATIC_LINKING_ONLY  /* XXH3_state_t on the stack */
#include <xxhash.h>

#include "../common/err.h"
#include "../common/mem.h"
#include "../input/input.h"
#include "driver.h"

#ifndef GILCHECK_VERSION
#define GILCHECK_VERSION "0.0.0"
#endif

#define ENTRY_MAGIC "GILCACH4"   /* 3: blobs carry summaries (BLOB_FORMAT 3); 4: summaries know container types */
#define NO_DEP 0xffffffffu

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

/* Writes `text` to dir/name unless it exists. */
static void write_marker(const char *dir, const char *name, const char *text)
{
    char path[4096];
    int fd;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644)) < 0)
        return;
    if (write(fd, text, strlen(text)) < 0)
        unlink(path);
    close(fd);
}

int drv_cache_open(drv_cache *cache, drv_ctx *c, const drv_settings *run, const char *argv0,
                   diag_ctx *d)
{
    char root[4096];
    size_t n;
    int rc;
    memset(cache, 0, sizeof *cache);
    cache->ca_ctx = c;
    if ((rc = run_digest(cache->ca_digest, rule_default_dir(argv0), d)))
        return rc;
    drv_cache_root(run, root, sizeof root);
    n = strlen(root) + sizeof GILCHECK_VERSION + 2;
    if (!(cache->ca_dir = mem_alloc(n)))
        return diag_add(d, G_ENOMEM, NULL, -1, "out of memory");
    snprintf(cache->ca_dir, n, "%s/%s", root, GILCHECK_VERSION);
    if (mkdir(root, 0755) == 0) {       /* a new cache: tell backup tools and git to skip it */
        write_marker(root, "CACHEDIR.TAG", cachedir_tag);
        write_marker(root, ".gitignore", "# Automatically created by gilcheck.\n*\n");
    }
    cache->ca_write_ok = mkdir(cache->ca_dir, 0755) == 0 || errno == EEXIST;
    return G_OK;
}

void drv_cache_close(drv_cache *cache)
{
    mem_free(cache->ca_dir);
    memset(cache, 0, sizeof *cache);
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

/* The key of `path` with content data[0..len): the run's digest, the digest of the settings
 * that apply to the file, what compiles it (the interpreter's magic number and version, not
 * its path), the path and the content.  0, or -1 when there is no key (the settings are broken
 * or the interpreter does not start: the analysis says why). */
static int make_key(key *k, const drv_cache *cache, const char *path, const uint8_t *data,
                    size_t len)
{
    static const char hex[] = "0123456789abcdef";
    XXH3_state_t st;
    XXH128_canonical_t canon;
    const drv_settings *s;
    const char *ident;
    diag_ctx quiet;
    int i, rc;
    diag_init(&quiet);
    rc = drv_settings_for(&s, cache->ca_ctx, path, &quiet);
    diag_free(&quiet);
    if (rc || !(ident = drv_python_identity(cache->ca_ctx, s)))
        return -1;
    XXH3_INITSTATE(&st);
    XXH3_128bits_reset(&st);
    XXH3_128bits_update(&st, cache->ca_digest, 16);
    XXH3_128bits_update(&st, s->s_digest, 16);
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
    memcpy(k->k_hash, canon.digest, 16);
    for (i = 0; i < 16; i++) {
        k->k_hex[2 * i] = hex[k->k_hash[i] >> 4];
        k->k_hex[2 * i + 1] = hex[k->k_hash[i] & 15];
    }
    k->k_hex[32] = 0;
    return 0;
}

static void entry_path(char *buf, size_t size, const drv_cache *cache, const key *k)
{
    snprintf(buf, size, "%s/%.2s/%s", cache->ca_dir, k->k_hex, k->k_hex + 2);
}

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

/* Reads the whole file into *out (mem_alloc'd); G_EIO when it cannot. */
static int slurp(uint8_t **out, size_t *out_len, const char *path)
{
    int fd = open(path, O_RDONLY);
    struct stat st;
    uint8_t *buf;
    size_t got = 0;
    *out = NULL;
    if (fd < 0)
        return G_EIO;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
        !(buf = mem_alloc((size_t)st.st_size))) {
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

/* A hit puts the stored record into *out and returns 1; a miss (absent, damaged, another key,
 * a changed dependency) returns 0. */
static int lookup(drv_blob *out, const drv_cache *cache, const key *k)
{
    char path[4096];
    uint8_t *buf, dh[16];
    size_t len, at = 8 + 16, mlen = strlen(ENTRY_MAGIC);
    uint32_t dlen;
    uint64_t blen, sum;
    entry_path(path, sizeof path, cache, k);
    if (slurp(&buf, &len, path))
        return 0;
    if (len < at + 4 + 8 + 8 || memcmp(buf, ENTRY_MAGIC, mlen) || memcmp(buf + 8, k->k_hash, 16))
        goto miss;
    memcpy(&sum, buf + len - 8, 8);
    if (sum != XXH3_64bits(buf, len - 8))
        goto miss;
    memcpy(&dlen, buf + at, 4);
    at += 4;
    if (dlen != NO_DEP) {
        char dep[4096];
        if (dlen >= sizeof dep || len - at < (size_t)dlen + 16 + 8 + 8)
            goto miss;
        memcpy(dep, buf + at, dlen);
        dep[dlen] = 0;
        dep_hash(dh, dep);
        if (memcmp(dh, buf + at + dlen, 16))
            goto miss;
        at += dlen + 16;
    }
    memcpy(&blen, buf + at, 8);
    at += 8;
    if (blen != len - at - 8)
        goto miss;
    memmove(buf, buf + at, (size_t)blen);
    drv_blob_free(out);
    out->b_data = buf;
    out->b_len = (size_t)blen;
    out->b_cap = len;
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

/* Stores the record; failures only cost the next run a miss. */
static void store(drv_cache *cache, const key *k, const char *dep, const drv_blob *rec)
{
    char path[4096], tmp[4200];
    uint8_t head[8 + 16 + 4], dh[16];
    uint32_t dlen = dep ? (uint32_t)strlen(dep) : NO_DEP;
    uint64_t blen = rec->b_len, sum;
    XXH3_state_t st;
    static unsigned long serial;
    int fd, bad;
    if (!cache->ca_write_ok || (dep && strlen(dep) >= 4096))
        return;
    entry_path(path, sizeof path, cache, k);
    path[strlen(cache->ca_dir) + 3] = 0;            /* the <2 hex> directory */
    if (mkdir(path, 0755) && errno != EEXIST)
        return;
    path[strlen(cache->ca_dir) + 3] = '/';
    snprintf(tmp, sizeof tmp, "%.*s.tmp.%ld.%lu", (int)(strlen(cache->ca_dir) + 4), path,
             (long)getpid(), serial++);
    if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644)) < 0)
        return;
    memcpy(head, ENTRY_MAGIC, 8);
    memcpy(head + 8, k->k_hash, 16);
    memcpy(head + 24, &dlen, 4);
    XXH3_INITSTATE(&st);
    XXH3_64bits_reset(&st);
    XXH3_64bits_update(&st, head, sizeof head);
    bad = write_all(fd, head, sizeof head);
    if (dep) {
        dep_hash(dh, dep);
        XXH3_64bits_update(&st, dep, dlen);
        XXH3_64bits_update(&st, dh, 16);
        bad = bad || write_all(fd, dep, dlen) || write_all(fd, dh, 16);
    }
    XXH3_64bits_update(&st, &blen, 8);
    XXH3_64bits_update(&st, rec->b_data, rec->b_len);
    sum = XXH3_64bits_digest(&st);
    bad = bad || write_all(fd, &blen, 8) || write_all(fd, rec->b_data, rec->b_len) ||
          write_all(fd, &sum, 8);
    if (close(fd) || bad || rename(tmp, path)) {
        unlink(tmp);
        return;
    }
    cache->ca_stored++;
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
    *out_dep = NULL;   /* `# noqa` is applied after the composition, not stored */
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
    hit = lookup(out, cache, &k);
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
    if (lookup(out, cache, &k)) {
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
        store(cache, &k, dep, out);
    return rc;
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
