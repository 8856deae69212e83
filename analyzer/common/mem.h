/* The one allocator every stage goes through, with a failure-injection hook for tests. */
#ifndef GILCHECK_COMMON_MEM_H
#define GILCHECK_COMMON_MEM_H

#include <stddef.h>

/* malloc/realloc/free that count allocations; mem_alloc and mem_realloc return NULL when the
 * allocation fails or is made to fail by mem_fail_after. */
void *mem_alloc(size_t n);
void *mem_realloc(void *p, size_t n);
void mem_free(void *p);

/* Test hook: the (n+1)-th allocation from now fails, and so does every one after it, until
 * mem_fail_after(-1) turns failure injection off.  Returns the number of allocations made since
 * the previous call, so a test can loop N = 0, 1, 2 ... until an operation succeeds. */
long mem_fail_after(long n);

/* Blocks allocated and not yet freed, for leak checks in tests. */
long mem_live(void);

/* a * b, or 0 with *overflow set when it does not fit in size_t. */
size_t mem_mul(size_t a, size_t b, int *overflow);

#endif
