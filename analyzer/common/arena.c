/* Region allocator: everything decoded from one file lives in one arena, freed with one call. */
#include "arena.h"

#include <stdint.h>
#include <string.h>

#include "err.h"
#include "mem.h"

#define ARENA_ALIGN 16
#define ARENA_CHUNK (64 * 1024)

typedef struct chunk {
    struct chunk *c_next;  /* previously filled chunk */
    size_t c_size;         /* usable bytes after the header */
    size_t c_used;         /* bytes handed out from this chunk */
    /* data follows, aligned */
} chunk;

#define CHUNK_HDR ((sizeof(chunk) + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1))

struct arena {
    char *a_ptr;      /* next free byte of the head chunk (NULL in a debug-pool build) */
    char *a_end;      /* end of the head chunk's data */
    chunk *a_head;    /* chunk being filled; older ones follow c_next */
    chunk *a_spare;   /* emptied chunks kept by arena_reset, reused before new ones */
    size_t a_total;   /* bytes handed out */
    size_t a_chunk;   /* size of a new chunk, header included: ARENA_CHUNK or MEM_HUGE_PAGE */
};

int arena_new(arena **out)
{
    arena *a = mem_alloc(sizeof *a);
    *out = NULL;
    if (!a)
        return G_ENOMEM;
    a->a_ptr = a->a_end = NULL;
    a->a_head = NULL;
    a->a_spare = NULL;
    a->a_total = 0;
    a->a_chunk = ARENA_CHUNK;
    *out = a;
    return G_OK;
}

void arena_hint_reused(arena *a)
{
    a->a_chunk = MEM_HUGE_PAGE;
}

#ifndef GILCHECK_DEBUG_POOL
/* A chunk with room for want bytes: the arena's chunk size, or more for a large block (a whole
 * number of huge pages in a reused arena). */
static chunk *chunk_new(arena *a, size_t want)
{
    size_t size;
    chunk *c;
    if (want > SIZE_MAX - CHUNK_HDR - MEM_HUGE_PAGE)
        return NULL;
    size = CHUNK_HDR + want > a->a_chunk ? CHUNK_HDR + want : a->a_chunk;
    if (a->a_chunk == MEM_HUGE_PAGE) {
        size = (size + MEM_HUGE_PAGE - 1) & ~(MEM_HUGE_PAGE - 1);
        c = mem_alloc_huge(size);
    } else {
        c = mem_alloc(size);
    }
    if (!c)
        return NULL;
    c->c_size = size - CHUNK_HDR;
    c->c_used = 0;
    return c;
}

/* A spare chunk with room for n bytes, emptied; NULL when none fits. */
static chunk *spare_take(arena *a, size_t n)
{
    chunk **link, *c;
    for (link = &a->a_spare; (c = *link); link = &c->c_next) {
        if (c->c_size >= n) {
            *link = c->c_next;
            c->c_used = 0;
            return c;
        }
    }
    return NULL;
}
#endif

/* arena_alloc when the head chunk has no room (or in a debug-pool build): n is already rounded,
 * or 0 when the rounding overflowed. */
static void *alloc_slow(arena *a, size_t n)
{
    chunk *c = a->a_head;
    if (n == 0 || n > SIZE_MAX - ARENA_ALIGN - CHUNK_HDR)
        return NULL;
#ifdef GILCHECK_DEBUG_POOL
    /* One malloc per block: ASan then catches an overrun of any single allocation. */
    (void)c;
    c = mem_alloc(CHUNK_HDR + n);
    if (!c)
        return NULL;
    c->c_size = c->c_used = n;
    c->c_next = a->a_head;
    a->a_head = c;
#else
    {
        chunk *fresh = spare_take(a, n);
        if (!fresh)
            fresh = chunk_new(a, n);
        if (!fresh)
            return NULL;
        /* A large block gets its own chunk behind the head so the head keeps its free space. */
        if (c && n > a->a_chunk / 4) {
            fresh->c_next = c->c_next;
            c->c_next = fresh;
            fresh->c_used = n;
            a->a_total += n;
            return (char *)fresh + CHUNK_HDR;
        }
        if (c)
            c->c_used = (size_t)(a->a_ptr - ((char *)c + CHUNK_HDR));
        fresh->c_next = c;
        a->a_head = c = fresh;
        c->c_used = n;
        a->a_ptr = (char *)c + CHUNK_HDR + n;
        a->a_end = (char *)c + CHUNK_HDR + c->c_size;
    }
#endif
    a->a_total += n;
    return (char *)c + CHUNK_HDR + c->c_used - n;
}

void *arena_alloc(arena *a, size_t n)
{
    /* Rounding wraps to 0 for n near SIZE_MAX (and n == 0 asks for one unit): both take the
     * slow path, which sorts them out. */
    size_t m = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (m - 1 < (size_t)(a->a_end - a->a_ptr)) {
        void *p = a->a_ptr;
        a->a_ptr += m;
        a->a_total += m;
        return p;
    }
    if (n == 0)
        m = ARENA_ALIGN;
    return alloc_slow(a, m);
}

void *arena_array(arena *a, size_t count, size_t size)
{
    int overflow = 0;
    size_t n = mem_mul(count, size, &overflow);
    if (overflow)
        return NULL;
    return arena_alloc(a, n);
}

void arena_shrink(arena *a, void *p, size_t n, size_t keep)
{
#ifdef GILCHECK_DEBUG_POOL
    (void)a, (void)p, (void)n, (void)keep;
#else
    size_t have = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    size_t want = (keep + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    chunk *c = a->a_head ? a->a_head->c_next : NULL;
    if (!p || want >= have)
        return;
    if ((char *)p + have == a->a_ptr) {
        /* the last block of the head chunk */
        a->a_ptr = (char *)p + want;
        a->a_total -= have - want;
    } else if (c && (char *)p == (char *)c + CHUNK_HDR && c->c_used == have) {
        /* a large block with a chunk of its own, just behind the head: its chunk becomes the
         * head when that leaves more room to allocate from */
        c->c_used = want;
        a->a_total -= have - want;
        if (c->c_size - want > (size_t)(a->a_end - a->a_ptr)) {
            chunk *head = a->a_head;
            head->c_used = (size_t)(a->a_ptr - ((char *)head + CHUNK_HDR));
            head->c_next = c->c_next;
            c->c_next = head;
            a->a_head = c;
            a->a_ptr = (char *)c + CHUNK_HDR + want;
            a->a_end = (char *)c + CHUNK_HDR + c->c_size;
        }
    }
#endif
}

void arena_reset(arena *a)
{
    chunk *c, *next;
#ifdef GILCHECK_DEBUG_POOL
    for (c = a->a_head; c; c = next) {
        next = c->c_next;
        mem_free(c);
    }
#else
    for (c = a->a_head; c; c = next) {
        next = c->c_next;
        c->c_next = a->a_spare;
        a->a_spare = c;
    }
#endif
    a->a_ptr = a->a_end = NULL;
    a->a_head = NULL;
    a->a_total = 0;
}

size_t arena_trim(arena *a, size_t keep)
{
    size_t kept = 0, freed = 0;
    chunk **link = &a->a_spare, *c;
    arena_reset(a);
    while ((c = *link)) {
        size_t size = CHUNK_HDR + c->c_size;
        if (kept + size <= keep) {
            kept += size;
            link = &c->c_next;
        } else {
            *link = c->c_next;
            freed += size;
            mem_free(c);
        }
    }
    return freed;
}

size_t arena_used(const arena *a)
{
    return a->a_total;
}

void arena_free(arena *a)
{
    chunk *c, *next;
    if (!a)
        return;
    arena_reset(a);
    for (c = a->a_spare; c; c = next) {
        next = c->c_next;
        mem_free(c);
    }
    mem_free(a);
}
