/* A workspace's summaries for the language server: the files `gilcheck check ROOT` would check,
 * each summarized through the result cache, or an editor's unsaved buffer in its place; their
 * neighbours by imports; and compositions over all of them or over one file's neighbourhood,
 * made from snapshots that another thread may compose.
 *
 * A file is kept as its record (drv_blob_put: the summary and candidates as bytes, about 6 KB
 * for a hundred lines) rather than decoded: a snapshot copies the records it needs and the
 * composition decodes them into its own arena, so it shares nothing with the set, which goes on
 * changing under the main thread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xxhash.h>

#include "../common/err.h"
#include "../common/mem.h"
#include "../input/input.h"
#include "driver.h"

/* Files of one set beyond this are left out (said once, as a warning). */
#define WSET_MAX_FILES 10000

/* One file of the set. */
typedef struct wfile {
    char *wf_path;             /* as walked (the root joined with its relative path), or the
                                * buffer's path */
    drv_blob wf_disk;          /* the file's record from the cache or a fresh summary */
    uint8_t wf_have_disk;      /* wf_disk holds a record */
    uint8_t wf_buffered;       /* an editor's buffer stands for the file: wf_buf */
    uint8_t wf_walked;         /* listed by the last walk (a buffer alone goes with it) */
    uint8_t wf_waiting;        /* to be summarized from disk (again) */
    drv_blob wf_buf;           /* the buffer's record */
    char *wf_text;             /* the buffer's text, for its `# noqa` comments (malloc'd) */
    size_t wf_len;
    int64_t wf_tag;            /* the buffer's version, as the caller numbers them */
    uint32_t wf_order;         /* position in the walk (path order); buffers not walked after */
    char *wf_module;           /* the dotted module name of its path (malloc'd) */
    char **wf_imports;         /* absolute names the summary in use imports (malloc'd) */
    size_t wf_nimports;
} wfile;

struct drv_wset {
    drv_ctx *w_ctx;            /* the run (not owned) */
    char *w_root;              /* the workspace folder (malloc'd) */
    const drv_settings *w_run; /* the root's settings: the composition's engine options */
    drv_cache w_cache;         /* the root's result cache */
    int w_have_cache;          /* w_cache is open */
    wfile **w_files;           /* walk order, then buffers that were not walked */
    size_t w_n, w_cap;
    wfile **w_index;           /* open addressing by path; w_icap a power of two (or 0) */
    size_t w_icap;
    size_t w_waiting;          /* files with wf_waiting */
    uint64_t w_gen;            /* changes whenever a summary in use changes */
    arena *w_scratch;          /* drv_run_file's and decoding's arena */
    int w_capped;              /* the walk found more than WSET_MAX_FILES (said once) */
};

/* A snapshot, then its composition. */
struct drv_wcomp {
    arena *r_arena;            /* copies of the records, the decoded summaries, the findings */
    const drv_ctx *r_ctx;      /* the run: its rules (read only) */
    const drv_settings *r_run; /* the set's settings */
    drv_unit *r_units;         /* in the set's order */
    const drv_settings **r_sets; /* each unit's settings, or NULL when broken */
    const uint8_t **r_rec;     /* each unit's record ... */
    size_t *r_reclen;          /* ... and its length */
    int64_t *r_tag;            /* each unit's buffer version, or -1 for a file from disk */
    size_t r_n;
    int r_complete;            /* every file of the set is in it */
    uint64_t r_gen;            /* the set's generation when it was taken */
    int r_composed;            /* drv_wcomp_compose has run */
    int r_refs;
};

/***** files and the index *****/

static void wfile_free(wfile *f)
{
    size_t i;
    if (!f)
        return;
    free(f->wf_path);
    drv_blob_free(&f->wf_disk);
    drv_blob_free(&f->wf_buf);
    free(f->wf_text);
    free(f->wf_module);
    for (i = 0; i < f->wf_nimports; i++)
        free(f->wf_imports[i]);
    free(f->wf_imports);
    free(f);
}

static size_t path_hash(const char *path)
{
    return (size_t)XXH3_64bits(path, strlen(path));
}

static wfile *find(const drv_wset *w, const char *path)
{
    size_t i;
    if (!w->w_icap)
        return NULL;
    for (i = path_hash(path) & (w->w_icap - 1);; i = (i + 1) & (w->w_icap - 1)) {
        if (!w->w_index[i])
            return NULL;
        if (!strcmp(w->w_index[i]->wf_path, path))
            return w->w_index[i];
    }
}

/* Rebuilds the index for w_files[0..w_n) (after a removal, or to grow).  G_OK or G_ENOMEM
 * (the old index is kept: lookups of new files then fail). */
static int reindex(drv_wset *w)
{
    size_t cap = 64, i, k;
    wfile **idx;
    while (cap < w->w_n * 2 + 2)
        cap *= 2;
    if (!(idx = calloc(cap, sizeof *idx)))
        return G_ENOMEM;
    for (k = 0; k < w->w_n; k++) {
        for (i = path_hash(w->w_files[k]->wf_path) & (cap - 1); idx[i]; i = (i + 1) & (cap - 1))
            ;
        idx[i] = w->w_files[k];
    }
    free(w->w_index);
    w->w_index = idx;
    w->w_icap = cap;
    return G_OK;
}

/* Puts f into the index (which has room). */
static void index_put(drv_wset *w, wfile *f)
{
    size_t i;
    for (i = path_hash(f->wf_path) & (w->w_icap - 1); w->w_index[i]; i = (i + 1) & (w->w_icap - 1))
        ;
    w->w_index[i] = f;
}

/* A new file at the end of the order.  NULL when memory runs out. */
static wfile *add(drv_wset *w, const char *path)
{
    wfile *f;
    char module[512];
    int package = 0;
    if (w->w_n == w->w_cap) {
        size_t cap = w->w_cap ? w->w_cap * 2 : 256;
        wfile **grown = realloc(w->w_files, cap * sizeof *grown);
        if (!grown)
            return NULL;
        w->w_files = grown;
        w->w_cap = cap;
    }
    if (!(f = calloc(1, sizeof *f)))
        return NULL;
    if (in_module_name(module, sizeof module, path, &package))
        snprintf(module, sizeof module, "%s", "__main__");
    f->wf_path = strdup(path);
    f->wf_module = strdup(module);
    if (!f->wf_path || !f->wf_module) {
        wfile_free(f);
        return NULL;
    }
    w->w_files[w->w_n++] = f;
    if ((w->w_n + 1) * 2 > w->w_icap) {
        if (reindex(w)) {
            w->w_n--;
            wfile_free(f);
            return NULL;
        }
    } else {
        index_put(w, f);
    }
    return f;
}

/* Removes the files for which drop[k] is set, keeping the order. */
static void remove_marked(drv_wset *w, const uint8_t *drop)
{
    size_t k, n = 0;
    for (k = 0; k < w->w_n; k++) {
        if (drop[k]) {
            if (w->w_files[k]->wf_waiting)
                w->w_waiting--;
            wfile_free(w->w_files[k]);
        } else {
            w->w_files[n++] = w->w_files[k];
        }
    }
    w->w_n = n;
    if (reindex(w)) {           /* the old index names freed files: none until the next add */
        free(w->w_index);
        w->w_index = NULL;
        w->w_icap = 0;
    }
}

/* The names the summary in `rec` imports become f's (decoded in the scratch arena).  A record
 * without a summary imports nothing. */
static void take_imports(drv_wset *w, wfile *f, const eng_summary *sum)
{
    const char **names = NULL;
    uint32_t n = 0, i;
    for (i = 0; i < f->wf_nimports; i++)
        free(f->wf_imports[i]);
    free(f->wf_imports);
    f->wf_imports = NULL;
    f->wf_nimports = 0;
    if (!sum || eng_summary_imports(&names, &n, sum, w->w_scratch) || !n ||
        !(f->wf_imports = calloc(n, sizeof *f->wf_imports)))
        return;
    for (i = 0; i < n && (f->wf_imports[i] = strdup(names[i])); i++)
        f->wf_nimports++;
}

/* The imports of a record (drv_blob_put bytes). */
static void record_imports(drv_wset *w, wfile *f, const drv_blob *rec)
{
    drv_unit u;
    diag_ctx quiet;
    diag_init(&quiet);
    arena_reset(w->w_scratch);
    if (drv_blob_get(&u, f->wf_path, rec->b_data, rec->b_len, w->w_scratch, &quiet) == G_OK)
        take_imports(w, f, u.u_sum);
    else
        take_imports(w, f, NULL);
    diag_free(&quiet);
    arena_reset(w->w_scratch);
}

/***** the set *****/

int drv_wset_new(drv_wset **out, drv_ctx *c, const char *root, const char *argv0, diag_ctx *d)
{
    drv_wset *w = calloc(1, sizeof *w);
    char dir[4200];
    *out = NULL;
    if (!w || !(w->w_root = strdup(root)) || arena_new(&w->w_scratch)) {
        if (w)
            free(w->w_root);
        free(w);
        return diag_add(d, G_ENOMEM, root, -1, "out of memory");
    }
    w->w_ctx = c;
    if (drv_settings_for(&w->w_run, c, root, d)) {
        drv_wset_free(w);
        return G_EBAD;
    }
    /* the cache of the folder's configuration root, or of the folder itself: where
     * `gilcheck check` run in the folder keeps it */
    if (w->w_run->s_root && *w->w_run->s_root)
        drv_cache_root(w->w_run, dir, sizeof dir);
    else
        snprintf(dir, sizeof dir, "%s/.gilcheck_cache", root);
    {
        struct stat st;
        diag_ctx quiet;
        diag_init(&quiet);
        /* no cache for a folder that is not a directory; a cache that cannot be opened only
         * costs speed */
        if (stat(root, &st) == 0 && S_ISDIR(st.st_mode) &&
            drv_cache_open_in(&w->w_cache, c, dir, argv0, &quiet) == G_OK)
            w->w_have_cache = 1;
        else
            drv_cache_close(&w->w_cache);
        diag_free(&quiet);
    }
    *out = w;
    return G_OK;
}

void drv_wset_free(drv_wset *w)
{
    size_t k;
    if (!w)
        return;
    for (k = 0; k < w->w_n; k++)
        wfile_free(w->w_files[k]);
    free(w->w_files);
    free(w->w_index);
    if (w->w_have_cache)
        drv_cache_close(&w->w_cache);
    arena_free(w->w_scratch);
    free(w->w_root);
    free(w);
}

const char *drv_wset_root(const drv_wset *w)
{
    return w->w_root;
}

size_t drv_wset_count(const drv_wset *w)
{
    return w->w_n;
}

size_t drv_wset_waiting(const drv_wset *w)
{
    return w->w_waiting;
}

uint64_t drv_wset_generation(const drv_wset *w)
{
    return w->w_gen;
}

int drv_wset_has(const drv_wset *w, const char *path)
{
    return find(w, path) != NULL;
}

static int by_order(const void *a, const void *b)
{
    const wfile *x = *(wfile *const *)a, *y = *(wfile *const *)b;
    return x->wf_order < y->wf_order ? -1 : x->wf_order > y->wf_order;
}

int drv_wset_walk(drv_wset *w, diag_ctx *d)
{
    in_paths ps = { NULL, 0, 0 };
    size_t k, n;
    uint8_t *drop;
    int rc = drv_walk(&ps, w->w_ctx, w->w_root, 1, d), changed = 0;
    if (rc && rc != G_EIO) {
        in_paths_free(&ps);
        return rc;
    }
    n = ps.p_n;
    if (n > WSET_MAX_FILES) {
        if (!w->w_capped)
            diag_add(d, 0, w->w_root, -1, "%zu Python files: only the first %d (in path order) "
                     "are summarized for the editor; `gilcheck check` checks them all", n,
                     WSET_MAX_FILES);
        w->w_capped = 1;
        n = WSET_MAX_FILES;
    }
    for (k = 0; k < w->w_n; k++)
        w->w_files[k]->wf_walked = 0;
    for (k = 0; k < n; k++) {
        wfile *f = find(w, ps.p_items[k]);
        if (!f) {
            if (!(f = add(w, ps.p_items[k]))) {
                rc = diag_add(d, G_ENOMEM, w->w_root, -1, "out of memory");
                break;
            }
            f->wf_waiting = 1;
            w->w_waiting++;
        }
        f->wf_walked = 1;
        f->wf_order = (uint32_t)k;
    }
    in_paths_free(&ps);
    /* files no longer found go, unless an editor's buffer stands for them */
    if ((drop = calloc(w->w_n ? w->w_n : 1, 1))) {
        size_t ndrop = 0;
        for (k = 0; k < w->w_n; k++) {
            wfile *f = w->w_files[k];
            if (!f->wf_walked && !f->wf_buffered) {
                drop[k] = 1;
                ndrop++;
                changed |= f->wf_have_disk;
            } else if (!f->wf_walked) {
                f->wf_order = 0x80000000u + (uint32_t)k;   /* after the walked files */
                if (f->wf_have_disk) {
                    drv_blob_free(&f->wf_disk);
                    f->wf_have_disk = 0;
                }
                if (f->wf_waiting) {
                    f->wf_waiting = 0;
                    w->w_waiting--;
                }
            }
        }
        if (ndrop)
            remove_marked(w, drop);
        free(drop);
    }
    /* the walk's order (stable for the buffers after it), as check composes them */
    if (w->w_n)
        qsort(w->w_files, w->w_n, sizeof *w->w_files, by_order);
    for (k = 0; k < w->w_n; k++)
        w->w_files[k]->wf_order = (uint32_t)k;
    if (changed)
        w->w_gen++;
    return rc == G_EIO ? G_OK : rc;   /* an unreadable directory: said in d, the rest goes on */
}

int drv_wset_step(drv_wset *w, diag_ctx *d)
{
    size_t k;
    wfile *f = NULL;
    drv_blob rec = { NULL, 0, 0 };
    for (k = 0; k < w->w_n && w->w_waiting; k++)
        if (w->w_files[k]->wf_waiting) {
            f = w->w_files[k];
            break;
        }
    if (!f) {
        w->w_waiting = 0;
        return 0;
    }
    f->wf_waiting = 0;
    w->w_waiting--;
    if (drv_run_file(&rec, w->w_ctx, w->w_have_cache ? &w->w_cache : NULL, f->wf_path,
                     w->w_scratch)) {
        drv_blob_free(&rec);
        diag_add(d, G_ENOMEM, f->wf_path, -1, "out of memory");
        return 1;
    }
    /* its messages (an unreadable file, a bad configuration) for the caller */
    {
        drv_unit u;
        arena_reset(w->w_scratch);
        if (drv_blob_get(&u, f->wf_path, rec.b_data, rec.b_len, w->w_scratch, d) == G_OK &&
            !f->wf_buffered)
            take_imports(w, f, u.u_sum);
        arena_reset(w->w_scratch);
    }
    drv_blob_free(&f->wf_disk);
    f->wf_disk = rec;
    f->wf_have_disk = 1;
    if (!f->wf_buffered)
        w->w_gen++;
    return 1;
}

int drv_wset_stale(drv_wset *w, const char *path)
{
    wfile *f = find(w, path);
    if (!f || !f->wf_walked)
        return 0;
    if (!f->wf_waiting) {
        f->wf_waiting = 1;
        w->w_waiting++;
    }
    return 1;
}

int drv_wset_remove(drv_wset *w, const char *path)
{
    wfile *f = find(w, path);
    size_t k;
    if (!f)
        return 0;
    if (f->wf_buffered) {       /* the editor still has it: its buffer stays */
        drv_blob_free(&f->wf_disk);
        f->wf_have_disk = 0;
        f->wf_walked = 0;
        if (f->wf_waiting) {
            f->wf_waiting = 0;
            w->w_waiting--;
        }
        return 1;
    }
    for (k = 0; k < w->w_n && w->w_files[k] != f; k++)
        ;
    if (k < w->w_n) {
        uint8_t *drop = calloc(w->w_n, 1);
        if (!drop)
            return 0;
        drop[k] = 1;
        if (f->wf_have_disk)
            w->w_gen++;
        remove_marked(w, drop);
        free(drop);
    }
    return 1;
}

int drv_wset_buffer(drv_wset *w, const char *path, int rc, const drv_result *r,
                    const diag_ctx *msgs, const uint8_t *text, size_t len, int64_t tag)
{
    wfile *f = find(w, path);
    drv_blob rec = { NULL, 0, 0 };
    char *copy;
    if (!f) {
        if (!(f = add(w, path)))
            return G_ENOMEM;
        f->wf_order = 0x80000000u + (uint32_t)(w->w_n - 1);  /* after the walked files */
    }
    if (drv_blob_put(&rec, rc, rc ? NULL : r, msgs)) {
        drv_blob_free(&rec);
        return G_ENOMEM;
    }
    if (!(copy = malloc(len + 1))) {
        drv_blob_free(&rec);
        return G_ENOMEM;
    }
    memcpy(copy, text, len);
    copy[len] = 0;
    drv_blob_free(&f->wf_buf);
    free(f->wf_text);
    f->wf_buf = rec;
    f->wf_text = copy;
    f->wf_len = len;
    f->wf_tag = tag;
    f->wf_buffered = 1;
    arena_reset(w->w_scratch);
    take_imports(w, f, rc ? NULL : r->r_sum);
    arena_reset(w->w_scratch);
    w->w_gen++;
    return G_OK;
}

void drv_wset_unbuffer(drv_wset *w, const char *path)
{
    wfile *f = find(w, path);
    if (!f || !f->wf_buffered)
        return;
    drv_blob_free(&f->wf_buf);
    free(f->wf_text);
    f->wf_text = NULL;
    f->wf_len = 0;
    f->wf_buffered = 0;
    w->w_gen++;
    if (!f->wf_walked) {
        drv_wset_remove(w, path);
        return;
    }
    /* the buffer may have been thrown away unsaved: the file as it is on disk again */
    if (f->wf_have_disk)
        record_imports(w, f, &f->wf_disk);
    drv_wset_stale(w, path);
}

/***** neighbours *****/

/* Module names to files: open addressing over the files' module names. */
typedef struct modmap {
    size_t *mm_slot;           /* file index + 1, 0 empty; one slot per file */
    size_t mm_cap;
} modmap;

static size_t mod_hash(const char *s, size_t n)
{
    return (size_t)XXH3_64bits(s, n);
}

/* The first file (index) whose module is s[0..n), or SIZE_MAX. */
static size_t mod_find(const modmap *m, const drv_wset *w, const char *s, size_t n)
{
    size_t i;
    for (i = mod_hash(s, n) & (m->mm_cap - 1); m->mm_slot[i]; i = (i + 1) & (m->mm_cap - 1)) {
        const char *name = w->w_files[m->mm_slot[i] - 1]->wf_module;
        if (!strncmp(name, s, n) && !name[n])
            return m->mm_slot[i] - 1;
    }
    return SIZE_MAX;
}

/* The files an import name reaches: those of the longest prefix of it that is a module of the
 * set (as the composition resolves names); every file of that module name. */
static size_t mod_resolve(const modmap *m, const drv_wset *w, const char *name)
{
    size_t n = strlen(name);
    for (;;) {
        size_t k = mod_find(m, w, name, n);
        if (k != SIZE_MAX)
            return k;
        while (n && name[n - 1] != '.')
            n--;
        if (!n)
            return SIZE_MAX;
        n--;
    }
}

/* Marks in `keep` the files nearest to file `start` (breadth first over imports, both ways; files
 * of one module name count as one), at most `max` of them.  Returns how many are marked. */
static size_t neighbourhood(const drv_wset *w, size_t start, size_t max, uint8_t *keep)
{
    modmap m;
    size_t *first = NULL, *next = NULL, *edges = NULL, *queue = NULL, nedges = 0, k, j, head = 0,
           tail = 0, marked = 0, ecap = 0;
    memset(&m, 0, sizeof m);
    m.mm_cap = 64;
    while (m.mm_cap < w->w_n * 2 + 2)
        m.mm_cap *= 2;
    if (!(m.mm_slot = calloc(m.mm_cap, sizeof *m.mm_slot)) ||
        !(first = malloc(w->w_n * sizeof *first)) || !(queue = malloc(w->w_n * sizeof *queue)))
        goto done;
    /* a file per module name in the map; the others are chained to it (same locations) */
    if (!(next = malloc(w->w_n * sizeof *next)))
        goto done;
    for (k = 0; k < w->w_n; k++) {
        const char *name = w->w_files[k]->wf_module;
        size_t same = mod_find(&m, w, name, strlen(name)), i;
        first[k] = SIZE_MAX;
        next[k] = SIZE_MAX;
        if (same != SIZE_MAX) {
            next[k] = next[same];
            next[same] = k;
            continue;
        }
        for (i = mod_hash(name, strlen(name)) & (m.mm_cap - 1); m.mm_slot[i];
             i = (i + 1) & (m.mm_cap - 1))
            ;
        m.mm_slot[i] = k + 1;
    }
    /* edges both ways, as a list of (from, to) pairs grouped later by linear scans */
    for (k = 0; k < w->w_n; k++) {
        const wfile *f = w->w_files[k];
        for (j = 0; j < f->wf_nimports; j++) {
            size_t t = mod_resolve(&m, w, f->wf_imports[j]);
            if (t == SIZE_MAX || t == k)
                continue;
            if (nedges + 2 > ecap) {
                size_t cap = ecap ? ecap * 2 : 1024, *g = realloc(edges, cap * 2 * sizeof *g);
                if (!g)
                    goto done;
                edges = g;
                ecap = cap;
            }
            edges[2 * nedges] = k;
            edges[2 * nedges + 1] = t;
            nedges++;
            edges[2 * nedges] = t;
            edges[2 * nedges + 1] = k;
            nedges++;
        }
    }
    /* adjacency lists: first[k] heads a chain through `link` */
    {
        size_t *link = malloc((nedges ? nedges : 1) * sizeof *link), e;
        if (!link)
            goto done;
        for (e = 0; e < nedges; e++) {
            link[e] = first[edges[2 * e]];
            first[edges[2 * e]] = e;
        }
        queue[tail++] = start;
        keep[start] = 1;
        marked = 1;
        while (head < tail && marked < max) {
            size_t cur = queue[head++], same;
            /* the files of its module name, then its neighbours */
            for (same = next[cur]; same != SIZE_MAX && marked < max; same = next[same])
                if (!keep[same]) {
                    keep[same] = 1;
                    marked++;
                    queue[tail++] = same;
                }
            for (e = first[cur]; e != SIZE_MAX && marked < max; e = link[e]) {
                size_t t = edges[2 * e + 1];
                if (keep[t])
                    continue;
                keep[t] = 1;
                marked++;
                queue[tail++] = t;
            }
        }
        free(link);
    }
done:
    free(m.mm_slot);
    free(first);
    free(next);
    free(edges);
    free(queue);
    if (!marked) {              /* out of memory: the file alone */
        keep[start] = 1;
        marked = 1;
    }
    return marked;
}

/***** snapshots and compositions *****/

void drv_wcomp_release(drv_wcomp *r)
{
    if (r && --r->r_refs <= 0) {
        arena_free(r->r_arena);
        free(r);
    }
}

void drv_wcomp_retain(drv_wcomp *r)
{
    if (r)
        r->r_refs++;
}

int drv_wset_snapshot(drv_wcomp **out, drv_wset *w, const char *focus, size_t max, diag_ctx *d)
{
    drv_wcomp *r;
    uint8_t *keep = NULL;
    size_t k, n = 0, usable = 0;
    *out = NULL;
    for (k = 0; k < w->w_n; k++)
        usable += w->w_files[k]->wf_buffered || w->w_files[k]->wf_have_disk;
    if (!(r = calloc(1, sizeof *r)) || arena_new(&r->r_arena)) {
        free(r);
        return diag_add(d, G_ENOMEM, NULL, -1, "out of memory");
    }
    r->r_refs = 1;
    r->r_ctx = w->w_ctx;
    r->r_run = w->w_run;
    r->r_gen = w->w_gen;
    if (focus && max < usable) {
        wfile *f = find(w, focus);
        size_t start;
        for (start = 0; f && start < w->w_n && w->w_files[start] != f; start++)
            ;
        if (!(keep = calloc(w->w_n ? w->w_n : 1, 1))) {
            drv_wcomp_release(r);
            return diag_add(d, G_ENOMEM, NULL, -1, "out of memory");
        }
        if (f && start < w->w_n)
            neighbourhood(w, start, max, keep);
    }
    for (k = 0; k < w->w_n; k++)
        n += (!keep || keep[k]) && (w->w_files[k]->wf_buffered || w->w_files[k]->wf_have_disk);
    r->r_complete = n == usable;
    r->r_units = arena_array(r->r_arena, n + 1, sizeof *r->r_units);
    r->r_sets = arena_array(r->r_arena, n + 1, sizeof *r->r_sets);
    r->r_rec = arena_array(r->r_arena, n + 1, sizeof *r->r_rec);
    r->r_reclen = arena_array(r->r_arena, n + 1, sizeof *r->r_reclen);
    r->r_tag = arena_array(r->r_arena, n + 1, sizeof *r->r_tag);
    if (!r->r_units || !r->r_sets || !r->r_rec || !r->r_reclen || !r->r_tag)
        goto oom;
    for (k = 0; k < w->w_n; k++) {
        const wfile *f = w->w_files[k];
        const drv_blob *rec = f->wf_buffered ? &f->wf_buf : &f->wf_disk;
        drv_unit *u = &r->r_units[r->r_n];
        size_t plen = strlen(f->wf_path) + 1;
        char *path;
        uint8_t *bytes;
        diag_ctx quiet;
        if ((keep && !keep[k]) || (!f->wf_buffered && !f->wf_have_disk))
            continue;
        memset(u, 0, sizeof *u);
        if (!(path = arena_alloc(r->r_arena, plen)) ||
            !(bytes = arena_alloc(r->r_arena, rec->b_len ? rec->b_len : 1)))
            goto oom;
        memcpy(path, f->wf_path, plen);
        memcpy(bytes, rec->b_data, rec->b_len);
        u->u_path = path;
        if (f->wf_buffered) {
            uint8_t *text = arena_alloc(r->r_arena, f->wf_len + 1);
            if (!text)
                goto oom;
            memcpy(text, f->wf_text, f->wf_len + 1);
            u->u_text = text;
            u->u_len = f->wf_len;
        }
        diag_init(&quiet);
        if (drv_settings_for(&r->r_sets[r->r_n], w->w_ctx, f->wf_path, &quiet))
            r->r_sets[r->r_n] = NULL;
        diag_free(&quiet);
        r->r_rec[r->r_n] = bytes;
        r->r_reclen[r->r_n] = rec->b_len;
        r->r_tag[r->r_n] = f->wf_buffered ? f->wf_tag : -1;
        r->r_n++;
    }
    free(keep);
    *out = r;
    return G_OK;
oom:
    free(keep);
    drv_wcomp_release(r);
    return diag_add(d, G_ENOMEM, NULL, -1, "out of memory");
}

static int read_snapshot(const uint8_t **out, size_t *out_len, void *ctx, size_t i)
{
    const drv_wcomp *r = ctx;
    *out = r->r_rec[i];
    *out_len = r->r_reclen[i];
    return G_OK;
}

int drv_wcomp_compose(drv_wcomp *r, diag_ctx *d)
{
    if (r->r_composed)
        return G_OK;
    r->r_composed = 1;
    /* each file's messages were said when it was summarized; with every unit's settings given
     * nothing is looked up (another thread may run this) */
    return drv_compose_records(r->r_units, NULL, r->r_n, (drv_ctx *)r->r_ctx, r->r_run, r->r_sets,
                               read_snapshot, r, r->r_arena, d);
}

int drv_wcomp_complete(const drv_wcomp *r)
{
    return r->r_complete;
}

uint64_t drv_wcomp_generation(const drv_wcomp *r)
{
    return r->r_gen;
}

size_t drv_wcomp_count(const drv_wcomp *r)
{
    return r->r_n;
}

const drv_unit *drv_wcomp_unit(const drv_wcomp *r, const char *path, int64_t *out_tag)
{
    size_t i;
    for (i = 0; i < r->r_n; i++)
        if (!strcmp(r->r_units[i].u_path, path)) {
            if (out_tag)
                *out_tag = r->r_tag[i];
            return &r->r_units[i];
        }
    return NULL;
}
