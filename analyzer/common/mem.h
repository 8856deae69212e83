/* The one allocator every stage goes through, with a failure-injection hook for tests. */
#ifndef GILCHECK_COMMON_MEM_H
#define GILCHECK_COMMON_MEM_H

#include <stddef.h>

/* malloc/realloc/free that count allocations; mem_alloc and mem_realloc return NULL when the
 * allocation fails or is made to fail by mem_fail_after. */
void *mem_alloc(size_t n);
void *mem_realloc(void *p, size_t n);
void mem_free(void *p);

/* Huge pages, where the system has them, are this big and aligned. */
#define MEM_HUGE_PAGE ((size_t)2 << 20)

/* mem_alloc of a large block, n a multiple of MEM_HUGE_PAGE, that will be written all over and
 * reused: aligned to MEM_HUGE_PAGE and, on Linux with transparent huge pages, advised to be
 * backed by them, so that first touching it costs one page fault per 2 MiB instead of one per
 * 4 KiB.  Counted and failure-injected like mem_alloc; freed with mem_free. */
void *mem_alloc_huge(size_t n);

/* Test hook: the (n+1)-th allocation from now fails, and so does every one after it, until
 * mem_fail_after(-1) turns failure injection off.  Returns the number of allocations made since
 * the previous call, so a test can loop N = 0, 1, 2 ... until an operation succeeds. */
long mem_fail_after(long n);

/* Blocks allocated and not yet freed, for leak checks in tests. */
long mem_live(void);

/* a * b, or 0 with *overflow set when it does not fit in size_t. */
size_t mem_mul(size_t a, size_t b, int *overflow);

#endif
