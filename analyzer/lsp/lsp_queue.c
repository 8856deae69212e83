/* The reader thread: frames from the client, parsed as JSON, queued for the server loop (which
 * other threads wake through the same queue). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/err.h"
#include "lsp_int.h"

double lq_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void queue_push(lsp_queue *q, lsp_item *it)
{
    pthread_mutex_lock(&q->q_lock);
    if (q->q_tail)
        q->q_tail->it_next = it;
    else
        q->q_head = it;
    q->q_tail = it;
    q->q_count++;
    pthread_cond_signal(&q->q_cond);
    pthread_mutex_unlock(&q->q_lock);
}

/* An item that is not a message; NULL when memory runs out. */
static lsp_item *item_new(int kind, const char *err)
{
    lsp_item *it = calloc(1, sizeof *it);
    if (it) {
        it->it_kind = kind;
        snprintf(it->it_err, sizeof it->it_err, "%s", err);
    }
    return it;
}

int lq_post(lsp_queue *q)
{
    lsp_item *it = item_new(LQ_WAKE, "");
    if (!it)
        return G_ENOMEM;
    queue_push(q, it);
    return G_OK;
}

static void *reader_main(void *arg)
{
    lsp_queue *q = arg;
    for (;;) {
        const uint8_t *body;
        size_t len;
        char err[128] = "";
        int rc = lsp_reader_next(&q->q_reader, &body, &len, err, sizeof err);
        lsp_item *it;
        if (rc == 1) {
            json_error_t je;
            json_t *msg = json_loadb((const char *)body, len,
                                     JSON_ALLOW_NUL | JSON_DECODE_ANY, &je);
            if (msg) {
                it = item_new(LQ_MSG, "");
                if (it)
                    it->it_msg = msg;
                else
                    json_decref(msg);
            } else {
                char why[160];
                snprintf(why, sizeof why, "invalid JSON at offset %d: %.100s", je.position,
                         je.text);
                it = item_new(LQ_PARSE, why);
            }
            if (it)
                queue_push(q, it);
            continue;
        }
        if (rc == 0)
            it = item_new(LQ_EOF, "");
        else if (rc == G_ETRUNC)
            it = item_new(LQ_EOF, "input ended inside a message");
        else if (rc == G_EBAD)
            it = item_new(LQ_FATAL, err);
        else
            it = item_new(LQ_EOF, rc == G_ENOMEM ? "out of memory" : "read error");
        if (it)
            queue_push(q, it);
        pthread_mutex_lock(&q->q_lock);
        q->q_done = 1;
        pthread_cond_signal(&q->q_cond);
        pthread_mutex_unlock(&q->q_lock);
        return NULL;
    }
}

int lq_start(lsp_queue *q, int fd)
{
    pthread_condattr_t ca;
    memset(q, 0, sizeof *q);
    lsp_reader_init(&q->q_reader, fd);
    pthread_mutex_init(&q->q_lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&q->q_cond, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&q->q_thread, NULL, reader_main, q))
        return G_ENOMEM;
    q->q_started = 1;
    return G_OK;
}

lsp_item *lq_pop(lsp_queue *q, long timeout_ms)
{
    lsp_item *it;
    struct timespec until;
    if (timeout_ms >= 0) {
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += timeout_ms / 1000;
        until.tv_nsec += (timeout_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
    }
    pthread_mutex_lock(&q->q_lock);
    while (!q->q_head && !q->q_done) {
        if (timeout_ms < 0)
            pthread_cond_wait(&q->q_cond, &q->q_lock);
        else if (pthread_cond_timedwait(&q->q_cond, &q->q_lock, &until))
            break;
    }
    it = q->q_head;
    if (it) {
        q->q_head = it->it_next;
        if (!q->q_head)
            q->q_tail = NULL;
        q->q_count--;
        it->it_next = NULL;
    }
    pthread_mutex_unlock(&q->q_lock);
    return it;
}

size_t lq_pending(lsp_queue *q)
{
    size_t n;
    pthread_mutex_lock(&q->q_lock);
    n = q->q_count;
    pthread_mutex_unlock(&q->q_lock);
    return n;
}

void lq_item_free(lsp_item *it)
{
    if (it) {
        json_decref(it->it_msg);
        free(it);
    }
}

void lq_stop(lsp_queue *q)
{
    lsp_item *it;
    int done;
    pthread_mutex_lock(&q->q_lock);
    while ((it = q->q_head)) {
        q->q_head = it->it_next;
        lq_item_free(it);
    }
    q->q_tail = NULL;
    q->q_count = 0;
    done = q->q_done;
    pthread_mutex_unlock(&q->q_lock);
    if (q->q_started && done) {      /* the reader returned: reclaim everything */
        pthread_join(q->q_thread, NULL);
        lsp_reader_free(&q->q_reader);
    } else if (q->q_started) {
        pthread_detach(q->q_thread);
    }
}
