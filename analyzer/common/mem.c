/* The one allocator every stage goes through, with a failure-injection hook for tests. */
#define _DEFAULT_SOURCE  /* madvise and MADV_HUGEPAGE, which POSIX does not have */
#include "mem.h"

#include <stdint.h>
#include <stdlib.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

/* Failure injection is process-wide on purpose: it is a test-only switch, never set in a
 * normal run, and the code under test creates its own arenas internally.  The counters are
 * updated atomically: the language server composes in a thread of its own while its main
 * thread summarizes. */
static long fail_after = -1;  /* allocations left before failing; -1 = never fail */
static long alloc_count;      /* allocations made since the last mem_fail_after call */
static long live;             /* blocks allocated and not yet freed */

static int should_fail(void)
{
    __atomic_add_fetch(&alloc_count, 1, __ATOMIC_RELAXED);
    if (__atomic_load_n(&fail_after, __ATOMIC_RELAXED) < 0)
        return 0;
    if (fail_after == 0)        /* tests: one thread */
        return 1;
    fail_after--;
    return 0;
}

static void live_add(long n)
{
    __atomic_add_fetch(&live, n, __ATOMIC_RELAXED);
}

void *mem_alloc(size_t n)
{
    void *p;
    if (should_fail())
        return NULL;
    p = malloc(n ? n : 1);
    live_add(p != NULL);
    return p;
}

void *mem_realloc(void *p, size_t n)
{
    void *q;
    if (should_fail())
        return NULL;
    q = realloc(p, n ? n : 1);
    live_add(q != NULL && p == NULL);
    return q;
}

void *mem_alloc_huge(size_t n)
{
    void *p;
    if (should_fail())
        return NULL;
    if (posix_memalign(&p, MEM_HUGE_PAGE, n ? n : 1) != 0)
        return NULL;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    (void)madvise(p, n, MADV_HUGEPAGE);  /* only advice: without huge pages all still works */
#endif
    live_add(1);
    return p;
}

void mem_free(void *p)
{
    live_add(-(long)(p != NULL));
    free(p);
}

long mem_live(void)
{
    return __atomic_load_n(&live, __ATOMIC_RELAXED);
}

long mem_fail_after(long n)
{
    long made = alloc_count;
    fail_after = n;
    alloc_count = 0;
    return made;
}

size_t mem_mul(size_t a, size_t b, int *overflow)
{
    if (a != 0 && b > SIZE_MAX / a) {
        *overflow = 1;
        return 0;
    }
    return a * b;
}
