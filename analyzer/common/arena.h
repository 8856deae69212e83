/* Region allocator: everything decoded from one file lives in one arena, freed with one call. */
#ifndef GILCHECK_COMMON_ARENA_H
#define GILCHECK_COMMON_ARENA_H

#include <stddef.h>

typedef struct arena arena;

/* Creates an empty arena in *out.  Returns G_OK or G_ENOMEM (then *out is NULL). */
int arena_new(arena **out);

/* Marks an arena that will be reset and filled again many times (one file after another): its
 * chunks are then huge pages (mem_alloc_huge), cheap to touch for the first time, at the price of
 * memory a small arena would not need.  Call it before the first allocation. */
void arena_hint_reused(arena *a);

/* Returns n bytes aligned for any scalar type, owned by the arena, or NULL when memory runs out
 * (the arena stays valid).  In a GILCHECK_DEBUG_POOL build each call is its own malloc so that
 * AddressSanitizer sees every block's bounds. */
void *arena_alloc(arena *a, size_t n);

/* arena_alloc of count * size bytes; NULL on overflow as well. */
void *arena_array(arena *a, size_t count, size_t size);

/* Gives back the end of p, the most recent allocation of n bytes, keeping its first `keep`
 * bytes: for arrays sized by an upper bound before the count is known.  Does nothing when p is
 * not the most recent allocation (or in a GILCHECK_DEBUG_POOL build). */
void arena_shrink(arena *a, void *p, size_t n, size_t keep);

/* Forgets every allocation but keeps the memory for the next ones, so a loop over many files
 * reuses warm pages instead of asking the system for fresh ones each time. */
void arena_reset(arena *a);

/* arena_reset, then frees kept chunks beyond the first `keep` bytes of them: a loop over files
 * whose one large file must not make every later file hold its memory.  Returns the bytes
 * freed. */
size_t arena_trim(arena *a, size_t keep);

/* Bytes handed out so far (for memory reports). */
size_t arena_used(const arena *a);

/* Frees every block and the arena itself.  NULL is allowed. */
void arena_free(arena *a);

#endif
