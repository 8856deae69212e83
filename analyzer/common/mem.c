/* The one allocator every stage goes through, with a failure-injection hook for tests. */
#define _DEFAULT_SOURCE  /* madvise and MADV_HUGEPAGE, which POSIX does not have */
#include "mem.h"

#include <stdint.h>
#include <stdlib.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

/* Failure injection is process-wide on purpose: it is a test-only switch, never set in a
 * normal run, and the code under test creates its own arenas internally. */
static long fail_after = -1;  /* allocations left before failing; -1 = never fail */
static long alloc_count;      /* allocations made since the last mem_fail_after call */
static long live;             /* blocks allocated and not yet freed */

static int should_fail(void)
{
    alloc_count++;
    if (fail_after < 0)
        return 0;
    if (fail_after == 0)
        return 1;
    fail_after--;
    return 0;
}

void *mem_alloc(size_t n)
{
    void *p;
    if (should_fail())
        return NULL;
    p = malloc(n ? n : 1);
    live += p != NULL;
    return p;
}

void *mem_realloc(void *p, size_t n)
{
    void *q;
    if (should_fail())
        return NULL;
    q = realloc(p, n ? n : 1);
    live += q != NULL && p == NULL;
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
    live++;
    return p;
}

void mem_free(void *p)
{
    live -= p != NULL;
    free(p);
}

long mem_live(void)
{
    return live;
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
