/* Python-like text for decoded objects, for disassembly listings and messages. */
#include "pyc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/mem.h"
#include "../common/strbuf.h"

/* An arbitrary-precision int in decimal: repeated division of the 15-bit digits by 10^4. */
static void repr_long(strbuf *sb, const pyc_obj *o)
{
    int32_t n = o->u.o_long.n;
    uint32_t count = (uint32_t)(n < 0 ? -(int64_t)n : n), i, used;
    uint32_t *work;
    char *out;
    size_t outlen = 0, cap;
    if (count == 0) {
        sb_putc(sb, '0');
        return;
    }
    cap = (size_t)count * 5 + 8;
    work = mem_alloc(count * sizeof *work);
    out = mem_alloc(cap);
    if (!work || !out) {
        mem_free(work);
        mem_free(out);
        sb_puts(sb, "<int>");
        return;
    }
    for (i = 0; i < count; i++)
        work[i] = o->u.o_long.digits[i];
    used = count;
    while (used) {
        uint32_t rem = 0, k;
        for (k = used; k-- > 0;) {
            uint32_t cur = rem << 15 | work[k];
            work[k] = cur / 10000;
            rem = cur % 10000;
        }
        while (used && work[used - 1] == 0)
            used--;
        for (k = 0; k < 4 && (used || rem); k++) {
            out[outlen++] = (char)('0' + rem % 10);
            rem /= 10;
        }
    }
    if (n < 0)
        sb_putc(sb, '-');
    while (outlen)
        sb_putc(sb, out[--outlen]);
    mem_free(work);
    mem_free(out);
}

/* repr(float): the shortest digits that read back the same, laid out as Python does
 * (fixed notation for exponents -4 .. 15, otherwise d.ddde+XX). */
static void repr_float(strbuf *sb, double v)
{
    char buf[40], digits[24];
    int prec, exp, nd = 0, i;
    char *e;
    if (isnan(v)) {
        sb_puts(sb, "nan");
        return;
    }
    if (isinf(v)) {
        sb_puts(sb, v < 0 ? "-inf" : "inf");
        return;
    }
    for (prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*e", prec - 1, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    /* buf is [-]d[.ddd]e[+-]XX */
    e = strchr(buf, 'e');
    exp = atoi(e + 1);
    for (i = buf[0] == '-'; buf + i < e; i++)
        if (buf[i] != '.')
            digits[nd++] = buf[i];
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    if (buf[0] == '-')
        sb_putc(sb, '-');
    if (exp >= -4 && exp < 16) {
        if (exp < 0) {
            sb_puts(sb, "0.");
            for (i = -1; i > exp; i--)
                sb_putc(sb, '0');
            sb_putn(sb, digits, (size_t)nd);
        } else {
            for (i = 0; i <= exp; i++)
                sb_putc(sb, i < nd ? digits[i] : '0');
            sb_putc(sb, '.');
            if (nd > exp + 1)
                sb_putn(sb, digits + exp + 1, (size_t)(nd - exp - 1));
            else
                sb_putc(sb, '0');
        }
    } else {
        sb_putc(sb, digits[0]);
        if (nd > 1) {
            sb_putc(sb, '.');
            sb_putn(sb, digits + 1, (size_t)(nd - 1));
        }
        sb_printf(sb, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    }
}

static void repr_text(strbuf *sb, const pyc_obj *o, int is_bytes)
{
    const unsigned char *s = (const unsigned char *)o->u.o_str.s;
    uint32_t i, n = o->u.o_str.len;
    char q = '\'';
    if (memchr(s, '\'', n) && !memchr(s, '"', n))
        q = '"';
    if (is_bytes)
        sb_putc(sb, 'b');
    sb_putc(sb, q);
    for (i = 0; i < n; i++) {
        unsigned char ch = s[i];
        if (ch == (unsigned char)q || ch == '\\')
            sb_printf(sb, "\\%c", ch);
        else if (ch == '\n')
            sb_puts(sb, "\\n");
        else if (ch == '\r')
            sb_puts(sb, "\\r");
        else if (ch == '\t')
            sb_puts(sb, "\\t");
        else if (ch < 0x20 || ch == 0x7f || (is_bytes && ch >= 0x80))
            sb_printf(sb, "\\x%02x", ch);
        else
            sb_putc(sb, (char)ch);  /* UTF-8 text passes through */
    }
    sb_putc(sb, q);
}

static void repr_obj(strbuf *sb, const pyc_obj *o, size_t stop, int depth)
{
    uint32_t i;
    if (stop && sb->sb_len > stop)
        return;
    if (depth > 50) {
        sb_puts(sb, "...");
        return;
    }
    switch (o->o_kind) {
    case PYC_NONE: sb_puts(sb, "None"); break;
    case PYC_FALSE: sb_puts(sb, "False"); break;
    case PYC_TRUE: sb_puts(sb, "True"); break;
    case PYC_ELLIPSIS: sb_puts(sb, "Ellipsis"); break;
    case PYC_STOPITER: sb_puts(sb, "StopIteration"); break;
    case PYC_INT: sb_printf(sb, "%lld", (long long)o->u.o_int); break;
    case PYC_LONG: repr_long(sb, o); break;
    case PYC_FLOAT: repr_float(sb, o->u.o_float); break;
    case PYC_COMPLEX:
        if (o->u.o_complex.re == 0 && !signbit(o->u.o_complex.re)) {
            repr_float(sb, o->u.o_complex.im);
            sb_putc(sb, 'j');
        } else {
            sb_putc(sb, '(');
            repr_float(sb, o->u.o_complex.re);
            if (!signbit(o->u.o_complex.im) || isnan(o->u.o_complex.im))
                sb_putc(sb, '+');
            repr_float(sb, o->u.o_complex.im);
            sb_puts(sb, "j)");
        }
        break;
    case PYC_BYTES: repr_text(sb, o, 1); break;
    case PYC_STR: repr_text(sb, o, 0); break;
    case PYC_TUPLE: case PYC_LIST: case PYC_SET: case PYC_FROZENSET: case PYC_SLICE: {
        const char *open = o->o_kind == PYC_TUPLE ? "(" : o->o_kind == PYC_LIST ? "["
                         : o->o_kind == PYC_SET ? "{" : o->o_kind == PYC_SLICE ? "slice("
                         : "frozenset({";
        const char *close = o->o_kind == PYC_TUPLE ? ")" : o->o_kind == PYC_LIST ? "]"
                          : o->o_kind == PYC_SET ? "}" : o->o_kind == PYC_SLICE ? ")" : "})";
        if (o->o_kind == PYC_FROZENSET && o->u.o_seq.n == 0) {
            sb_puts(sb, "frozenset()");
            break;
        }
        sb_puts(sb, open);
        for (i = 0; i < o->u.o_seq.n; i++) {
            if (i)
                sb_puts(sb, ", ");
            if (stop && sb->sb_len > stop)
                break;
            repr_obj(sb, o->u.o_seq.items[i], stop, depth + 1);
        }
        if (o->o_kind == PYC_TUPLE && o->u.o_seq.n == 1)
            sb_putc(sb, ',');
        sb_puts(sb, close);
        break;
    }
    case PYC_DICT:
        sb_putc(sb, '{');
        for (i = 0; i < o->u.o_seq.n; i++) {
            if (i)
                sb_puts(sb, ", ");
            if (stop && sb->sb_len > stop)
                break;
            repr_obj(sb, o->u.o_seq.items[2 * i], stop, depth + 1);
            sb_puts(sb, ": ");
            repr_obj(sb, o->u.o_seq.items[2 * i + 1], stop, depth + 1);
        }
        sb_putc(sb, '}');
        break;
    case PYC_CODE: {
        const pyc_code *c = o->u.o_code;
        sb_printf(sb, "<code object %.*s, file \"%.*s\", line %d>", (int)c->co_name->u.o_str.len,
                  c->co_name->u.o_str.s, (int)c->co_filename->u.o_str.len,
                  c->co_filename->u.o_str.s, c->co_firstlineno);
        break;
    }
    default:
        sb_puts(sb, "NULL");
        break;
    }
}

void pyc_repr(strbuf *sb, const pyc_obj *o, size_t limit)
{
    size_t start = sb->sb_len;
    repr_obj(sb, o, limit ? start + limit : 0, 0);
    if (limit && sb->sb_len > start + limit && !sb->sb_failed) {
        sb->sb_len = start + limit;
        /* back off to a character boundary so the text stays valid UTF-8 */
        while (sb->sb_len > start && (sb->sb_buf[sb->sb_len] & 0xC0) == 0x80)
            sb->sb_len--;
        sb->sb_buf[sb->sb_len] = 0;
        sb_puts(sb, "...");
    }
}
