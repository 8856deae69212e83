/* Per-run diagnostics: error and warning messages collected while work goes on, never global. */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "mem.h"

void diag_init(diag_ctx *d)
{
    memset(d, 0, sizeof *d);
}

void diag_free(diag_ctx *d)
{
    size_t i;
    for (i = 0; i < d->d_count; i++) {
        mem_free(d->d_msgs[i].dm_file);
        mem_free(d->d_msgs[i].dm_text);
    }
    mem_free(d->d_msgs);
    diag_init(d);
}

static char *text_dup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = mem_alloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

int diag_add(diag_ctx *d, int code, const char *file, long offset, const char *fmt, ...)
{
    char buf[1024];
    diag_msg *m;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);

    if (d->d_count == d->d_cap) {
        size_t cap = d->d_cap ? d->d_cap * 2 : 8;
        diag_msg *grown = mem_realloc(d->d_msgs, cap * sizeof *grown);
        if (!grown) {
            d->d_oom = 1;
            return code;
        }
        d->d_msgs = grown;
        d->d_cap = cap;
    }
    m = &d->d_msgs[d->d_count];
    m->dm_code = code;
    m->dm_offset = offset;
    m->dm_file = file ? text_dup(file) : NULL;
    m->dm_text = text_dup(buf);
    if ((file && !m->dm_file) || !m->dm_text) {
        mem_free(m->dm_file);
        mem_free(m->dm_text);
        d->d_oom = 1;
        return code;
    }
    d->d_count++;
    return code;
}

const char *diag_format(const diag_ctx *d, size_t i, char *buf, size_t size)
{
    const diag_msg *m = &d->d_msgs[i];
    if (m->dm_file)
        snprintf(buf, size, "%s: %s", m->dm_file, m->dm_text);
    else
        snprintf(buf, size, "%s", m->dm_text);
    return buf;
}

const char *err_name(int code)
{
    switch (code) {
    case G_OK: return "ok";
    case G_ETRUNC: return "truncated";
    case G_EBAD: return "bad data";
    case G_EDEPTH: return "nested too deeply";
    case G_EVERSION: return "unsupported version";
    case G_ENOMEM: return "out of memory";
    case G_EIO: return "cannot read";
    case G_EUSAGE: return "usage";
    default: return "error";
    }
}

int diag_has_error(const diag_ctx *d)
{
    size_t i;
    for (i = 0; i < d->d_count; i++)
        if (d->d_msgs[i].dm_code < 0)
            return 1;
    return d->d_oom;
}
