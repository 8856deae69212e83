/* `gilcheck check` over many files: worker processes, because the embedded libpython compiles
 * on one thread per process.  Workers are forked before the parent starts the interpreter, take
 * the next file index from a counter in shared memory, and send each file's outcome as a
 * drv_blob record over their own pipe.  The parent puts each record into the run's store as it
 * comes (drv_spill: beyond a megabyte, a temporary file), so it holds next to nothing while
 * the workers' memory counts; when they are done the records are composed from the store in
 * path order (drv_compose_records: each summary kept compactly, none whole).  With a cache, a
 * run whose files all have the keys of a run that stored its outcome reads that outcome and
 * does nothing else. */
#define _DEFAULT_SOURCE  /* MAP_ANONYMOUS, which POSIX does not have */
#include "check_pool.h"

#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/err.h"
#include "../common/mem.h"
#include "cli.h"

#define MAX_JOBS 256
#define MAX_RECORD ((uint32_t)1 << 30)
#define WORKER_KEEP ((size_t)8 << 20)   /* arena chunks a worker keeps from file to file */

/* Shared between the parent and its workers (MAP_SHARED). */
typedef struct shared {
    long sh_next;              /* next position of p_todo to take (atomic; may pass p_ntodo) */
    long sh_cur[MAX_JOBS];     /* index worker w is analysing, -1 between files */
} shared;

typedef struct worker {
    pid_t w_pid;               /* 0: not running */
    int w_fd;                  /* read end of its pipe */
} worker;

typedef struct pool {
    char *const *p_paths;
    size_t p_n;
    drv_ctx *p_drv;
    drv_cache *p_cache;
    shared *p_sh;
    size_t *p_todo;            /* the files the workers analyse (the cache's misses), in order;
                                  fixed before the first fork, so inherited, not shared */
    size_t p_ntodo;
    worker p_w[MAX_JOBS];
    int p_jobs;
    drv_spill *p_store;        /* every file's record, by index */
    uint8_t *p_have;           /* one per file: 1 when its record is in the store */
    uint8_t *p_buf;            /* a record being received (mem_alloc'd, reused) */
    size_t p_bufcap;
    int p_oom;                 /* a record could not be stored */
    drv_unit *p_units;         /* one per file: its failure, then its findings */
    uint8_t (*p_keys)[16];     /* with a cache: each file's key ... */
    uint8_t *p_keyed;          /* ... when it has one */
    uint8_t p_runkey[16];      /* the whole run's (run_key) */
    diag_ctx *p_diags;         /* one per file: its messages */
    arena *p_arena;            /* the parent's: the composition */
    rep_ctx *p_rep;
    FILE *p_err;
    int p_failed;              /* a file could not be analysed */
} pool;

int check_default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > MAX_JOBS ? MAX_JOBS : (int)n;
}

/* ---- records ---- */

/* A record that says the file failed with `text`. */
static void error_record(drv_blob *out, const char *path, const char *text)
{
    diag_ctx d;
    diag_init(&d);
    diag_add(&d, G_EIO, path, -1, "%s", text);
    out->b_len = 0;
    drv_blob_put(out, G_EIO, NULL, &d);
    diag_free(&d);
}

/* Stores p[0..n) as file i's record. */
static void keep(pool *p, size_t i, const uint8_t *rec, size_t n)
{
    if (drv_spill_put(p->p_store, i, rec, n))
        p->p_oom = 1;
    p->p_have[i] = 1;
}

/* Stores a record that says file i failed with `text`. */
static void keep_error(pool *p, size_t i, const char *text)
{
    drv_blob b = { NULL, 0, 0 };
    error_record(&b, p->p_paths[i], text);
    keep(p, i, b.b_data, b.b_len);
    drv_blob_free(&b);
}

static int read_record(const uint8_t **out, size_t *out_len, void *ctx, size_t i)
{
    return drv_spill_get(out, out_len, ((pool *)ctx)->p_store, i);
}

/* Composes the run from its records: every unit's findings and messages, the run's own
 * messages in d. */
static void compose_all(pool *p, diag_ctx *d)
{
    if (p->p_oom) {
        diag_add(d, G_ENOMEM, NULL, -1, "out of memory");
        p->p_failed = 1;
    } else if (drv_compose_records(p->p_units, p->p_diags, p->p_n, p->p_drv, NULL, NULL,
                                   read_record, p, p->p_arena, d)) {
        p->p_failed = 1;
    }
}

/* Reports the run's messages d, then each file's messages and findings in path order. */
static void report_all(pool *p, const diag_ctx *d)
{
    size_t i, k;
    if (d->d_count)
        cli_print_diags(d, p->p_err);
    for (k = 0; k < d->d_count; k++)
        rep_error(p->p_rep, d->d_msgs[k].dm_code != 0, d->d_msgs[k].dm_file, d->d_msgs[k].dm_text);
    for (i = 0; i < p->p_n; i++) {
        const drv_unit *u = &p->p_units[i];
        diag_ctx *ud = &p->p_diags[i];
        if (ud->d_count) {
            cli_print_diags(ud, p->p_err);
            for (k = 0; k < ud->d_count; k++)   /* SARIF notifications, github annotations */
                rep_error(p->p_rep, ud->d_msgs[k].dm_code != 0, ud->d_msgs[k].dm_file,
                          ud->d_msgs[k].dm_text);
        }
        if (u->u_rc)
            p->p_failed = 1;
        else if (u->u_res.r_count)
            rep_file(p->p_rep, u->u_res.r_findings, u->u_res.r_count);
    }
}

/* ---- workers ---- */

static int write_all(int fd, const void *buf, size_t n)
{
    const uint8_t *q = buf;
    while (n) {
        ssize_t w = write(fd, q, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        q += w;
        n -= (size_t)w;
    }
    return 0;
}

/* 1: all n bytes read; 0: end of file or an error before that. */
static int read_all(int fd, void *buf, size_t n)
{
    uint8_t *q = buf;
    while (n) {
        ssize_t r = read(fd, q, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return 0;
        q += r;
        n -= (size_t)r;
    }
    return 1;
}

/* Returns freed memory to the system (glibc keeps freed blocks of the sizes it has seen). */
static void give_back(void)
{
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}

/* A worker's life: take the next index, analyse, send `u32 index, u32 length, record`. */
static void worker_main(pool *p, int w, int fd)
{
    const char *crash = getenv("GILCHECK_TEST_WORKER_CRASH");  /* test hook: die on this path */
    drv_blob rec = { NULL, 0, 0 };
    arena *a;
    if (arena_new(&a))
        _exit(3);
    arena_hint_reused(a);
    for (;;) {
        long k = __atomic_fetch_add(&p->p_sh->sh_next, 1, __ATOMIC_SEQ_CST), i;
        uint32_t head[2];
        if (k >= (long)p->p_ntodo)
            break;
        i = (long)p->p_todo[k];
        __atomic_store_n(&p->p_sh->sh_cur[w], i, __ATOMIC_SEQ_CST);
        if (crash && *crash && strstr(p->p_paths[i], crash))
            raise(SIGKILL);
        if (drv_run_file(&rec, p->p_drv, p->p_cache, p->p_paths[i], a))
            error_record(&rec, p->p_paths[i], "out of memory");
        if (rec.b_len >= MAX_RECORD)
            error_record(&rec, p->p_paths[i], "too many findings to report");
        head[0] = (uint32_t)i;
        head[1] = (uint32_t)rec.b_len;
        if (write_all(fd, head, sizeof head) || write_all(fd, rec.b_data, rec.b_len))
            _exit(3);
        __atomic_store_n(&p->p_sh->sh_cur[w], -1L, __ATOMIC_SEQ_CST);
        /* a large file's memory is given back: the workers' memory counts beside the parent's,
         * and one file a hundred times the size of most must not make every later file hold it */
        if (arena_trim(a, WORKER_KEEP) | (rec.b_cap > WORKER_KEEP / 8 ? drv_blob_free(&rec), 1 : 0))
            give_back();
    }
    /* no in_shutdown, no atexit handlers: the parent owns stdout and the run's end */
    _exit(0);
}

/* Starts worker w.  Returns 0, or -1 when no process could be made. */
static int spawn(pool *p, int w)
{
    int fds[2], k;
    pid_t pid;
    if (pipe(fds))
        return -1;
    p->p_sh->sh_cur[w] = -1;
    fflush(NULL);              /* nothing buffered may be written twice */
    pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        for (k = 0; k < p->p_jobs; k++)
            if (p->p_w[k].w_pid)
                close(p->p_w[k].w_fd);
        worker_main(p, w, fds[1]);
    }
    close(fds[1]);
    p->p_w[w].w_pid = pid;
    p->p_w[w].w_fd = fds[0];
    return 0;
}

/* Worker w's pipe ended: reap it, blame the file it was on, replace it while work remains. */
static void worker_ended(pool *p, int w, int *spawns_left)
{
    int status = 0;
    long i;
    char why[128];
    close(p->p_w[w].w_fd);
    while (waitpid(p->p_w[w].w_pid, &status, 0) < 0 && errno == EINTR)
        ;
    p->p_w[w].w_pid = 0;
    i = __atomic_load_n(&p->p_sh->sh_cur[w], __ATOMIC_SEQ_CST);
    if (i >= 0 && (size_t)i < p->p_n && !p->p_have[i]) {
        if (WIFSIGNALED(status))
            snprintf(why, sizeof why, "the worker process analysing it was killed by signal %d",
                     WTERMSIG(status));
        else
            snprintf(why, sizeof why, "the worker process analysing it exited with status %d",
                     WEXITSTATUS(status));
        keep_error(p, (size_t)i, why);
    }
    if (__atomic_load_n(&p->p_sh->sh_next, __ATOMIC_SEQ_CST) < (long)p->p_ntodo &&
        *spawns_left > 0) {
        (*spawns_left)--;
        spawn(p, w);
    }
}

/* Reads one frame from worker w.  Returns 0, -1 when the pipe ended (the worker exited or
 * died), -2 when the frame makes no sense (the worker is then not to be trusted). */
static int receive(pool *p, int w)
{
    uint32_t head[2];
    if (!read_all(p->p_w[w].w_fd, head, sizeof head))
        return -1;
    if (head[0] >= p->p_n || head[1] >= MAX_RECORD)
        return -2;
    if (head[1] > p->p_bufcap) {
        uint8_t *g = mem_realloc(p->p_buf, head[1]);
        if (!g)
            return -2;
        p->p_buf = g;
        p->p_bufcap = head[1];
    }
    if (head[1] && !read_all(p->p_w[w].w_fd, p->p_buf, head[1]))
        return -1;
    keep(p, head[0], p->p_buf, head[1]);
    return 0;
}

static void run_workers(pool *p)
{
    struct pollfd fds[MAX_JOBS];
    int map[MAX_JOBS], w, nfds, jobs = p->p_jobs;
    int spawns_left = (int)(p->p_ntodo < 100000 ? p->p_ntodo : 100000) + jobs;
    if ((size_t)jobs > p->p_ntodo)
        jobs = (int)p->p_ntodo;
    for (w = 0; w < jobs; w++)
        if (spawn(p, w))
            break;
    for (;;) {
        nfds = 0;
        for (w = 0; w < p->p_jobs; w++) {
            if (!p->p_w[w].w_pid)
                continue;
            fds[nfds].fd = p->p_w[w].w_fd;
            fds[nfds].events = POLLIN;
            fds[nfds].revents = 0;
            map[nfds++] = w;
        }
        if (!nfds)
            break;
        if (poll(fds, (nfds_t)nfds, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (w = 0; w < nfds; w++) {
            int rc;
            if (!fds[w].revents)
                continue;
            rc = receive(p, map[w]);
            if (rc == -2)
                kill(p->p_w[map[w]].w_pid, SIGKILL);
            if (rc)
                worker_ended(p, map[w], &spawns_left);
        }
    }
    for (w = 0; w < p->p_jobs; w++)    /* only after poll failed */
        if (p->p_w[w].w_pid) {
            kill(p->p_w[w].w_pid, SIGKILL);
            worker_ended(p, w, &spawns_left);
        }
}

/* Stores what the cache already has and lists the rest for the workers: a run over unchanged
 * files then forks nothing.  Without a cache every file is listed. */
static void take_hits(pool *p)
{
    drv_blob b = { NULL, 0, 0 };
    size_t i;
    for (i = 0; i < p->p_n; i++) {
        if (p->p_keyed && p->p_keyed[i] &&
            drv_cache_get_keyed(&b, p->p_cache, p->p_paths[i], p->p_keys[i]))
            keep(p, i, b.b_data, b.b_len);
        else
            p->p_todo[p->p_ntodo++] = i;
    }
    drv_blob_free(&b);
}

/* Every file's cache key (p_keys, p_keyed), and the run's (p_runkey) when every file has one:
 * 1 when it does. */
static int run_key(pool *p)
{
    const drv_settings *run;
    diag_ctx quiet;
    size_t i;
    int all = 1, rc;
    if (!(p->p_keys = calloc(p->p_n ? p->p_n : 1, sizeof *p->p_keys)) ||
        !(p->p_keyed = calloc(p->p_n ? p->p_n : 1, 1)))
        return 0;
    for (i = 0; i < p->p_n; i++) {
        p->p_keyed[i] = !drv_cache_key(p->p_keys[i], p->p_cache, p->p_paths[i]);
        all &= p->p_keyed[i];
    }
    diag_init(&quiet);          /* the composition says it again if it is broken */
    rc = drv_settings_default(&run, p->p_drv, p->p_n ? p->p_paths[0] : NULL, &quiet);
    diag_free(&quiet);
    if (!all || rc)
        return 0;
    drv_cache_run_key(p->p_runkey, p->p_cache, run, p->p_drv->c_check_names, p->p_paths,
                      (const uint8_t(*)[16])p->p_keys, p->p_n);
    return 1;
}

/* The run's outcome from the cache into the units, their messages and d: 1 on a hit. */
static int run_hit(pool *p, diag_ctx *d)
{
    drv_blob b = { NULL, 0, 0 };
    size_t i;
    int failed = 0, ok;
    if (!drv_cache_run_get(&b, p->p_cache, p->p_runkey, p->p_paths, p->p_n))
        return 0;
    ok = !drv_run_get(p->p_units, p->p_diags, p->p_n, d, &failed, b.b_data, b.b_len, p->p_arena);
    drv_blob_free(&b);
    if (!ok) {                 /* as a miss: start again */
        for (i = 0; i < p->p_n; i++) {
            diag_free(&p->p_diags[i]);
            diag_init(&p->p_diags[i]);
            memset(&p->p_units[i], 0, sizeof p->p_units[i]);
            p->p_units[i].u_path = p->p_paths[i];
        }
        diag_free(d);
        diag_init(d);
        return 0;
    }
    p->p_failed = failed;
    return 1;
}

/* Stores the run's outcome when every file had a key and none failed. */
static void run_store(pool *p, const diag_ctx *d)
{
    drv_blob b = { NULL, 0, 0 };
    size_t i;
    if (p->p_failed)
        return;
    for (i = 0; i < p->p_n; i++)
        if (p->p_units[i].u_rc)
            return;     /* failures are not stored: they may be the machine's */
    if (!drv_run_put(&b, p->p_units, p->p_diags, p->p_n, d, 0))
        drv_cache_run_store(p->p_cache, p->p_runkey, p->p_paths, p->p_units, p->p_n, &b);
    drv_blob_free(&b);
}

int check_run(char *const *paths, size_t n, drv_ctx *drv, drv_cache *cache, int jobs,
              rep_ctx *rep, FILE *err)
{
    pool p;
    arena *wa = NULL;
    unsigned char *taken = NULL;
    drv_blob b = { NULL, 0, 0 };
    diag_ctx d;
    size_t i;
    int keyed = 0;
    memset(&p, 0, sizeof p);
    p.p_paths = paths;
    p.p_n = n;
    p.p_drv = drv;
    p.p_cache = cache;
    p.p_rep = rep;
    p.p_err = err;
    p.p_jobs = jobs < 1 ? 1 : jobs > MAX_JOBS ? MAX_JOBS : jobs;
    if (arena_new(&p.p_arena) || drv_spill_new(&p.p_store, n) ||
        !(p.p_have = calloc(n ? n : 1, 1)) ||
        !(p.p_todo = calloc(n ? n : 1, sizeof *p.p_todo)) || !(taken = calloc(n ? n : 1, 1)) ||
        !(p.p_units = calloc(n ? n : 1, sizeof *p.p_units)) ||
        !(p.p_diags = calloc(n ? n : 1, sizeof *p.p_diags))) {
        fprintf(err, "gilcheck: error: out of memory\n");
        arena_free(p.p_arena);
        drv_spill_free(p.p_store);
        free(p.p_have);
        free(p.p_todo);
        free(p.p_units);
        free(p.p_diags);
        free(taken);
        return 1;
    }
    diag_init(&d);
    for (i = 0; i < n; i++) {
        diag_init(&p.p_diags[i]);
        p.p_units[i].u_path = paths[i];
    }
    /* the whole run's outcome: nothing changed since a run that stored it */
    if (cache && (keyed = run_key(&p)) && run_hit(&p, &d))
        goto report;
    if (p.p_jobs > 1) {
        take_hits(&p);
        p.p_sh = p.p_ntodo > 1 ? mmap(NULL, sizeof *p.p_sh, PROT_READ | PROT_WRITE,
                                      MAP_SHARED | MAP_ANONYMOUS, -1, 0) : MAP_FAILED;
        if (p.p_sh != MAP_FAILED) {
            memset(p.p_sh, 0, sizeof *p.p_sh);
            run_workers(&p);
            for (i = 0; i < p.p_ntodo && i < (size_t)p.p_sh->sh_next; i++)
                taken[p.p_todo[i]] = 1;
            munmap(p.p_sh, sizeof *p.p_sh);
        }
    }
    /* here: everything with --jobs 1 (through the cache), one miss alone, and what no worker
     * took (no process could be made) */
    for (i = 0; i < n; i++) {
        if (p.p_have[i])
            continue;
        if (taken[i]) {
            keep_error(&p, i, "not analysed: its worker process ended");
            continue;
        }
        if (!wa && !arena_new(&wa))
            arena_hint_reused(wa);
        if (!wa || drv_run_file(&b, drv, cache, paths[i], wa))
            keep_error(&p, i, "out of memory");
        else
            keep(&p, i, b.b_data, b.b_len);
    }
    drv_blob_free(&b);
    arena_free(wa);
    mem_free(p.p_buf);         /* the workers are done: what is left is the composition's */
    p.p_buf = NULL;
    compose_all(&p, &d);
    if (keyed)
        run_store(&p, &d);
report:
    if (drv_fold_copies(p.p_units, n, p.p_arena)) {
        diag_add(&d, G_ENOMEM, NULL, -1, "out of memory");
        p.p_failed = 1;
    }
    report_all(&p, &d);
    diag_free(&d);
    arena_free(p.p_arena);
    for (i = 0; i < n; i++)
        diag_free(&p.p_diags[i]);
    drv_spill_free(p.p_store);
    mem_free(p.p_buf);
    free(p.p_have);
    free(p.p_todo);
    free(p.p_units);
    free(p.p_diags);
    free(p.p_keys);
    free(p.p_keyed);
    free(taken);
    return p.p_failed;
}
