/* What the server says about a document: findings as LSP diagnostics, a hover with a line's
 * bytecode and verdict, and code actions (`# noqa`, `with <lock>:`). */
#include <assert.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#define XXH_STATIC_LINKING_ONLY  /* XXH3_state_t on the stack */
#include <xxhash.h>

#include "../common/err.h"
#include "../common/strbuf.h"
#include "../report/report.h"
#include "lsp_int.h"

/* Where the rule documentation lives (docs/rules/GILnnn.md of the repository). */
#define RULE_DOC_URL "https://github.com/gilcheck/gilcheck/blob/main/docs/rules/%s.md"

/***** positions *****/

size_t lf_line_start(const lsp_doc *doc, uint32_t line)
{
    if (!doc->d_lines)
        return lsp_line_start(doc->d_text, doc->d_len, line);
    return line < doc->d_nlines ? doc->d_lines[line] : doc->d_len;
}

/* {k1: v1, k2: v2}, taking both references (NULL when memory runs out).  The diagnostics of a
 * large file hold thousands of these: built directly, they cost a third of what json_pack's
 * format parsing does. */
static json_t *pair(const char *k1, json_t *v1, const char *k2, json_t *v2)
{
    json_t *o = json_object();
    if (!o || json_object_set_new_nocheck(o, k1, v1) || json_object_set_new_nocheck(o, k2, v2)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *point(uint32_t line, uint32_t character)
{
    return pair("line", json_integer(line), "character", json_integer(character));
}

static json_t *position_json(const lsp_doc *doc, uint32_t line, size_t bytecol, int enc)
{
    size_t start = lf_line_start(doc, line);
    return point(line, lsp_char_of_col(doc->d_text, doc->d_len, start, bytecol, enc));
}

static json_t *range_json(const lsp_doc *doc, uint32_t l1, size_t c1, uint32_t l2, size_t c2,
                          int enc)
{
    return pair("start", position_json(doc, l1, c1, enc), "end", position_json(doc, l2, c2, enc));
}

/* A relatedInformation entry (takes range). */
static json_t *related_info(const char *uri, json_t *range, const char *message)
{
    return pair("location", pair("uri", json_string(uri), "range", range), "message",
                json_string(message));
}

static uint32_t line0(int32_t line)
{
    return line > 0 ? (uint32_t)(line - 1) : 0;
}

/***** diagnostics *****/

/* relatedInformation shows at most this many accesses of the other side (the engine keeps up to
 * six); the rest are counted in a last entry that points at the hover, which lists them all.
 * Three are enough to see where the race is, and an editor lists each entry under the
 * diagnostic (VS Code's Problems panel, its hover). */
#define LF_MAX_OTHERS 3

/* The LSP character of byte column `bytecol` of 0-based line `line` of the analysed text. */
static uint32_t char_at(const lsp_doc *doc, uint32_t line, size_t bytecol, int enc)
{
    return lsp_char_of_col(doc->d_text, doc->d_len, lf_line_start(doc, line), bytecol, enc);
}

/* Where a diagnostic's parts fall in the current text, and its severity: with the finding's
 * strings, everything its JSON is made of -- so also what the key of its text hashes. */
typedef struct dg_where {
    uint32_t w_severity;
    uint32_t w_range[4];       /* start line, character, end line, character */
    uint32_t w_has_read;       /* the read or check is shown (w_read) */
    uint32_t w_read[2];        /* its line, character */
    uint32_t w_nother;         /* accesses of the other side shown (w_other) */
    struct {
        uint32_t o_here;       /* in this document (else in rl_file, columns as bytes) */
        uint32_t o_line, o_char;
    } w_other[LF_MAX_OTHERS];
    uint32_t w_more;           /* accesses of the other side not shown */
} dg_where;

static int severity_of(const drv_ctx *c, const char *rule)
{
    const eng_rule *r = c ? rule_find(&c->c_kb, rule) : NULL;
    if (!strcmp(rule, "GIL000") || (r && !strcmp(r->r_severity, "error")))
        return 1;
    if (r && !strcmp(r->r_severity, "note"))
        return 3;
    return 2;
}

/* A finding's range: columns are UTF-8 byte columns + 1 (end exclusive) -- 3.11+ co_positions,
 * and a syntax error's SyntaxError.offset, which CPython 3.11 gives in bytes of the line for
 * parser and bracket errors (a mid-sequence column is taken to the end of its character); no
 * column: the whole line. */
static void finding_range(const lsp_doc *doc, const finding *f, int enc, uint32_t out[4])
{
    uint32_t l = line0(f->f_line), el = f->f_end_line > 0 ? line0(f->f_end_line) : l;
    size_t c1, c2;
    if (!strcmp(f->f_rule, "GIL000")) {
        c1 = f->f_col > 0 ? (size_t)f->f_col - 1 : 0;
        c2 = c1 + 1;
        el = l;
    } else if (f->f_col <= 0) {
        c1 = 0;
        c2 = SIZE_MAX / 2;
        el = l;
    } else {
        c1 = (size_t)f->f_col - 1;
        c2 = f->f_end_col > 0 ? (size_t)f->f_end_col - 1 : SIZE_MAX / 2;
        if (el < l)
            el = l;
    }
    out[0] = l;
    out[1] = char_at(doc, l, c1, enc);
    out[2] = el;
    out[3] = char_at(doc, el, c2, enc);
}

/* Fills w for finding f of doc (w zeroed first, so that it hashes the same every time). */
static void where_of(dg_where *w, const lsp_doc *doc, const drv_ctx *c, const finding *f,
                     int enc)
{
    uint32_t i;
    memset(w, 0, sizeof *w);
    w->w_severity = (uint32_t)severity_of(c, f->f_rule);
    finding_range(doc, f, enc, w->w_range);
    if (!strcmp(f->f_rule, "GIL000"))
        return;
    if (f->f_rel_line > 0) {
        w->w_has_read = 1;
        w->w_read[0] = line0(f->f_rel_line);
        w->w_read[1] = char_at(doc, w->w_read[0],
                               f->f_rel_col > 0 ? (size_t)f->f_rel_col - 1 : 0, enc);
    }
    /* the other side of the race: here, or in another file of the workspace */
    for (i = 0; i < f->f_nrelated && w->w_nother < LF_MAX_OTHERS; i++) {
        const eng_related *rl = &f->f_related[i];
        uint32_t line = line0(rl->rl_line), col = rl->rl_col > 0 ? (uint32_t)rl->rl_col - 1 : 0;
        int here = !rl->rl_file || !strcmp(rl->rl_file, doc->d_path);
        w->w_other[w->w_nother].o_here = (uint32_t)here;
        w->w_other[w->w_nother].o_line = line;
        w->w_other[w->w_nother].o_char = here ? char_at(doc, line, col, enc) : col;
        w->w_nother++;
    }
    w->w_more = f->f_nrelated - w->w_nother;
}

static json_t *span_json(uint32_t l1, uint32_t c1, uint32_t l2, uint32_t c2)
{
    return pair("start", point(l1, c1), "end", point(l2, c2));
}

/* The diagnostic of finding f, placed by w (where_of), as a JSON object (new reference; NULL
 * when memory runs out or a string is not UTF-8).  Everything it reads is hashed by
 * piece_key: a field added here is added there. */
static json_t *diagnostic_at(const lsp_doc *doc, const finding *f, const dg_where *w)
{
    char href[200];
    json_t *dg;
    uint32_t i;
    snprintf(href, sizeof href, RULE_DOC_URL, f->f_rule);
    dg = json_pack("{s:o,s:i,s:s,s:{s:s},s:s,s:s}", "range",
                   span_json(w->w_range[0], w->w_range[1], w->w_range[2], w->w_range[3]),
                   "severity", (int)w->w_severity, "code", f->f_rule, "codeDescription",
                   "href", href, "source", "gilcheck", "message", f->f_message);
    if (dg && (w->w_has_read || w->w_nother || w->w_more)) {
        json_t *info = json_array();
        if (w->w_has_read) {
            char what[300];
            snprintf(what, sizeof what, "the %s of %s", f->f_rel_what ? f->f_rel_what : "read",
                     f->f_target && *f->f_target ? f->f_target : "the shared state");
            json_array_append_new(info, related_info(doc->d_uri,
                                                     span_json(w->w_read[0], w->w_read[1],
                                                               w->w_read[0], w->w_read[1]),
                                                     what));
        }
        for (i = 0; i < w->w_nother; i++) {
            const eng_related *rl = &f->f_related[i];
            char uri[4200], text[1200];
            if (w->w_other[i].o_here)
                snprintf(uri, sizeof uri, "%s", doc->d_uri);
            else
                lsp_path_uri(rl->rl_file, uri, sizeof uri);
            snprintf(text, sizeof text, "%s %s in %s%s%s",
                     !strcmp(f->f_rule, "GIL301") ? "breaks:" : "races with:",
                     rl->rl_what ? rl->rl_what : "an access", rl->rl_function,
                     rl->rl_context ? ", " : "", rl->rl_context ? rl->rl_context : "");
            json_array_append_new(info, related_info(uri, span_json(w->w_other[i].o_line,
                                                                    w->w_other[i].o_char,
                                                                    w->w_other[i].o_line,
                                                                    w->w_other[i].o_char),
                                                     text));
        }
        if (w->w_more) {               /* said, at the finding: the hover lists them */
            char text[200];
            snprintf(text, sizeof text, "and %u more %s: the hover lists them all", w->w_more,
                     !strcmp(f->f_rule, "GIL301")
                         ? (w->w_more == 1 ? "window it breaks" : "windows it breaks")
                         : (w->w_more == 1 ? "access it races with" : "accesses it races with"));
            json_array_append_new(info, related_info(doc->d_uri,
                                                     span_json(w->w_range[0], w->w_range[1],
                                                               w->w_range[0], w->w_range[1]),
                                                     text));
        }
        json_object_set_new(dg, "relatedInformation", info);
    }
    return dg;
}

static json_t *diagnostic(const lsp_doc *doc, const drv_ctx *c, const finding *f, int enc)
{
    dg_where w;
    where_of(&w, doc, c, f, enc);
    return diagnostic_at(doc, f, &w);
}

/* A string into the key; NULL differs from "". */
static void key_str(XXH3_state_t *h, const char *s)
{
    XXH3_128bits_update(h, s ? s : "\x01<null>", s ? strlen(s) + 1 : 8);
}

/* The key of f's diagnostic text: every input of diagnostic_at. */
static XXH128_hash_t piece_key(const lsp_doc *doc, const finding *f, const dg_where *w)
{
    XXH3_state_t h;
    uint32_t i;
    XXH3_128bits_reset(&h);
    key_str(&h, doc->d_uri);
    XXH3_128bits_update(&h, w, sizeof *w);
    key_str(&h, f->f_rule);
    key_str(&h, f->f_message);
    if (w->w_has_read) {
        key_str(&h, f->f_rel_what);
        key_str(&h, f->f_target);
    }
    for (i = 0; i < w->w_nother; i++) {
        const eng_related *rl = &f->f_related[i];
        key_str(&h, w->w_other[i].o_here ? "" : rl->rl_file);
        key_str(&h, rl->rl_what);
        key_str(&h, rl->rl_function);
        key_str(&h, rl->rl_context);
    }
    return XXH3_128bits_digest(&h);
}

void lf_pieces_free(lf_pieces *ps)
{
    size_t i;
    for (i = 0; i < ps->ps_n; i++)
        free(ps->ps_items[i].p_text);
    free(ps->ps_items);
    free(ps->ps_slots);
    memset(ps, 0, sizeof *ps);
}

/* The piece with key k, or NULL. */
static lf_piece *piece_find(const lf_pieces *ps, XXH128_hash_t k)
{
    size_t i;
    if (!ps->ps_nslots)
        return NULL;
    for (i = (size_t)k.low64 & (ps->ps_nslots - 1); ps->ps_slots[i];
         i = (i + 1) & (ps->ps_nslots - 1)) {
        lf_piece *p = &ps->ps_items[ps->ps_slots[i] - 1];
        if (p->p_key[0] == k.low64 && p->p_key[1] == k.high64)
            return p;
    }
    return NULL;
}

/* Adds the piece (key k, text owned from now on) to ps, which has room for n pieces in all
 * (piece_room).  A key already there keeps its piece (text freed). */
static void piece_add(lf_pieces *ps, XXH128_hash_t k, char *text, size_t len)
{
    size_t i;
    if (piece_find(ps, k)) {
        free(text);
        return;
    }
    assert(ps->ps_n < ps->ps_cap);
    for (i = (size_t)k.low64 & (ps->ps_nslots - 1); ps->ps_slots[i];
         i = (i + 1) & (ps->ps_nslots - 1))
        ;
    ps->ps_items[ps->ps_n].p_key[0] = k.low64;
    ps->ps_items[ps->ps_n].p_key[1] = k.high64;
    ps->ps_items[ps->ps_n].p_text = text;
    ps->ps_items[ps->ps_n].p_len = len;
    ps->ps_slots[i] = (uint32_t)++ps->ps_n;
}

/* Room for n pieces.  G_OK or G_ENOMEM. */
static int piece_room(lf_pieces *ps, size_t n)
{
    size_t slots = 16;
    while (slots < n * 2 + 2)
        slots *= 2;
    if (n > UINT32_MAX / 2 || !(ps->ps_items = calloc(n ? n : 1, sizeof *ps->ps_items)) ||
        !(ps->ps_slots = calloc(slots, sizeof *ps->ps_slots))) {
        free(ps->ps_items);
        ps->ps_items = NULL;
        return G_ENOMEM;
    }
    ps->ps_cap = n;
    ps->ps_nslots = slots;
    return G_OK;
}

int lf_diagnostics_text(lsp_doc *doc, const drv_ctx *c, int enc, strbuf *out)
{
    lf_pieces next;
    uint32_t i, n = doc->d_have_res ? doc->d_res.r_res.r_count : 0;
    int first = 1;
    dg_where w;
    memset(&next, 0, sizeof next);
    if (piece_room(&next, n)) {
        lf_pieces_free(&doc->d_pieces);
        return G_ENOMEM;
    }
    sb_putc(out, '[');
    if (doc->d_error && doc->d_errmsg[0]) {  /* say why there is nothing, on the first line */
        char msg[360], *text;
        json_t *dg;
        snprintf(msg, sizeof msg, "gilcheck could not analyse this file: %s", doc->d_errmsg);
        dg = json_pack("{s:o,s:i,s:s,s:s}", "range",
                       span_json(0, 0, 0, char_at(doc, 0, SIZE_MAX / 2, enc)), "severity", 3,
                       "source", "gilcheck", "message", msg);
        if (dg && (text = json_dumps(dg, JSON_COMPACT))) {
            sb_puts(out, text);
            first = 0;
            free(text);
        }
        json_decref(dg);
    }
    for (i = 0; i < n; i++) {
        const finding *f = &doc->d_res.r_res.r_findings[i];
        XXH128_hash_t k;
        lf_piece *p;
        where_of(&w, doc, c, f, enc);
        k = piece_key(doc, f, &w);
        if (!(p = piece_find(&next, k))) {   /* the same diagnostic twice: one text */
            lf_piece *old = piece_find(&doc->d_pieces, k);
            char *text = NULL;
            if (old && old->p_text) {        /* unchanged since the last time: taken over */
                text = old->p_text;
                old->p_text = NULL;
                piece_add(&next, k, text, old->p_len);
            } else {
                json_t *dg = diagnostic_at(doc, f, &w);
                text = dg ? json_dumps(dg, JSON_COMPACT) : NULL;
                json_decref(dg);
                if (!text)
                    continue;                /* not UTF-8, or no memory: left out */
                piece_add(&next, k, text, strlen(text));
                next.ps_built++;
            }
            p = piece_find(&next, k);
        }
        if (!first)
            sb_putc(out, ',');
        sb_putn(out, p->p_text, p->p_len);
        first = 0;
    }
    sb_putc(out, ']');
    lf_pieces_free(&doc->d_pieces);
    doc->d_pieces = next;
    return out->sb_failed ? G_ENOMEM : G_OK;
}

/***** hover *****/

static int offset_in(const uint32_t *v, uint32_t n, uint32_t off)
{
    uint32_t i;
    for (i = 0; i < n; i++)
        if (v[i] == off)
            return 1;
    return 0;
}

/* The finding of `res` on (1-based) line `line`, or NULL. */
static const finding *finding_in(const eng_result *res, int32_t line)
{
    uint32_t i;
    for (i = 0; i < res->r_count; i++) {
        const finding *f = &res->r_findings[i];
        int32_t last = f->f_end_line > f->f_line ? f->f_end_line : f->f_line;
        if (!strcmp(f->f_rule, "GIL900"))
            continue;          /* about the comment, not the statement */
        if (strcmp(f->f_rule, "GIL000") && line >= f->f_line && line <= last)
            return f;
        if (!strcmp(f->f_rule, "GIL000") && line == f->f_line)
            return f;
    }
    return NULL;
}

/* The finding on (1-based) line `line`, or NULL; *suppressed is 1 when it is one a `# noqa`
 * comment dropped (the line is still not atomic). */
static const finding *finding_on(const lsp_doc *doc, int32_t line, int *suppressed)
{
    const finding *f = finding_in(&doc->d_res.r_res, line);
    *suppressed = 0;
    if (!f && (f = finding_in(&doc->d_res.r_noqa, line)))
        *suppressed = 1;
    return f;
}


/* Text for a markdown table cell: '|' escaped, line breaks as spaces. */
static void md_cell(strbuf *sb, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '|')
            sb_puts(sb, "\\|");
        else
            sb_putc(sb, *s == '\n' ? ' ' : *s);
    }
}

/* Plain text in markdown: the characters markdown gives a meaning escaped. */
static void md_text(strbuf *sb, const char *s)
{
    for (; s && *s; s++) {
        if (strchr("\\`*_[]<>|", *s))
            sb_putc(sb, '\\');
        sb_putc(sb, *s == '\n' ? ' ' : *s);
    }
}

/* The other side of f's race -- every access the engine kept, where relatedInformation shows
 * the first LF_MAX_OTHERS -- as a markdown list with links to the places, and the context this
 * side runs in. */
static void other_side(strbuf *sb, const lsp_doc *doc, const finding *f)
{
    const char *slash = strrchr(doc->d_path, '/');
    size_t dir = slash ? (size_t)(slash - doc->d_path) + 1 : 0;
    uint32_t i;
    if (f->f_context) {
        sb_puts(sb, "\n\nThis side runs in: ");
        md_text(sb, f->f_context);
        sb_puts(sb, ".");
    }
    if (!f->f_nrelated)
        return;
    sb_printf(sb, "\n\n**%s**:\n", !strcmp(f->f_rule, "GIL301") ? "Breaks" : "Races with");
    for (i = 0; i < f->f_nrelated; i++) {
        const eng_related *rl = &f->f_related[i];
        int here = !rl->rl_file || !strcmp(rl->rl_file, doc->d_path);
        char uri[4200];
        if (here)
            snprintf(uri, sizeof uri, "%s", doc->d_uri);
        else
            lsp_path_uri(rl->rl_file, uri, sizeof uri);
        sb_puts(sb, "\n- ");
        md_text(sb, rl->rl_what ? rl->rl_what : "an access");
        sb_puts(sb, " in `");
        sb_puts(sb, rl->rl_function ? rl->rl_function : "?");
        sb_puts(sb, "` at [");
        if (here) {
            sb_printf(sb, "line %d", rl->rl_line);
        } else {   /* relative to the document's directory when below it */
            md_text(sb, dir && !strncmp(rl->rl_file, doc->d_path, dir) ? rl->rl_file + dir
                                                                        : rl->rl_file);
            sb_printf(sb, ":%d", rl->rl_line);
        }
        sb_printf(sb, "](%s#L%d)", uri, rl->rl_line);
        if (rl->rl_context) {
            sb_puts(sb, ", ");
            md_text(sb, rl->rl_context);
        }
    }
}

/* The engine's schedule of finding f (f_ilv) as a markdown table, one row per step. */
static void interleaving_table(strbuf *sb, const eng_interleaving *il)
{
    uint32_t i;
    sb_printf(sb, "\n\n**Interleaving** (%s%s):\n\n| Thread A | Thread B | sees |\n"
              "|---|---|---|\n", il->il_kind,
              il->il_gil ? "" : ", free-threaded builds only");
    for (i = 0; i < il->il_nsteps; i++) {
        const eng_step *st = &il->il_steps[i];
        strbuf cell;
        sb_init(&cell);
        if (st->st_instr >= 0)
            sb_printf(&cell, "`%u %s%s%s`", st->st_offset, st->st_opname, st->st_arg ? " " : "",
                      st->st_arg ? st->st_arg : "");
        else
            sb_printf(&cell, "(%s)", st->st_opname);
        if (st->st_switch)
            sb_puts(&cell, " \xe2\x87\x84 switch");   /* U+21C4: the other thread runs next */
        sb_puts(sb, "| ");
        if (st->st_thread == 'B')
            sb_puts(sb, " | ");
        md_cell(sb, cell.sb_buf);
        if (st->st_thread == 'A')
            sb_puts(sb, " | ");
        sb_puts(sb, " | ");
        md_cell(sb, st->st_sees);
        sb_puts(sb, " |\n");
        if (cell.sb_failed)
            sb->sb_failed = 1;
        sb_free(&cell);
    }
    sb_puts(sb, "\nFinal: ");
    md_cell(sb, il->il_final);
    sb_puts(sb, ". One after the other: ");
    md_cell(sb, il->il_expected);
    sb_puts(sb, ".");
}

/* Finding f's two-thread schedule: the one it carries, else made now from the document's
 * decoded code (the buffer's summary carries none: a schedule is made when its line is
 * hovered, not for every candidate on every edit).  Allocations in a; NULL when f has no
 * window. */
static const eng_interleaving *schedule_of(const lsp_doc *doc, const finding *f, arena *a)
{
    eng_interleaving *il;
    if (f->f_ilv)
        return f->f_ilv;
    if (!doc->d_bc || f->f_code >= doc->d_bc->bf_ncodes || !(il = arena_alloc(a, sizeof *il)) ||
        eng_interleave(il, f, &doc->d_bc->bf_codes[f->f_code], a) || !il->il_nsteps)
        return NULL;
    return il;
}

json_t *lf_hover(lsp_doc *doc, uint32_t line, int enc)
{
    int suppressed = 0;
    const finding *f = doc->d_have_res ? finding_on(doc, (int32_t)line + 1, &suppressed) : NULL;
    strbuf sb, arg, sw;
    uint32_t i, k, nshared = 0, ninstr = 0, nswitch = 0;
    json_t *out;
    (void)enc;
    if (!doc->d_have_res)
        return json_null();
    if (f && !strcmp(f->f_rule, "GIL000")) {
        sb_init(&sb);
        sb_printf(&sb, "**GIL000** %s\n\nThe buffer does not compile yet; no bytecode to show.",
                  f->f_message);
        goto done;
    }
    if (!doc->d_res.r_image)
        return json_null();
    if (!doc->d_bc) {
        diag_ctx d;
        diag_init(&d);
        if (bc_decode_file(&doc->d_bc, doc->d_res.r_image, doc->d_path, &d))
            doc->d_bc = NULL;
        diag_free(&d);
        if (!doc->d_bc)
            return json_null();
    }
    sb_init(&sb);
    sb_init(&arg);
    sb_init(&sw);
    for (i = 0; i < doc->d_bc->bf_ncodes; i++) {
        const bc_code *bc = &doc->d_bc->bf_codes[i];
        const pyc_obj *name = bc->bc_src->co_qualname ? bc->bc_src->co_qualname
                                                      : bc->bc_src->co_name;
        const finding *fc = f && f->f_code == i ? f : NULL;
        int header = 0;
        for (k = 0; k < bc->bc_ninstrs; k++) {
            const bc_instr *in = &bc->bc_instrs[k];
            const char *acc;
            if (in->in_line != (int32_t)line + 1 || in->in_sem == SEM_NOP)
                continue;
            if (!header) {
                sb_printf(&sb, "%sbytecode of line %u in `%.*s` (Python 3.%d):\n\n```text\n",
                          ninstr ? "```\n\n" : "", line + 1,
                          name ? (int)name->u.o_str.len : 1, name ? name->u.o_str.s : "?",
                          doc->d_res.r_image->f_minor);
                header = 1;
            }
            ninstr++;
            sb_clear(&arg);
            bc_argtext(&arg, bc, in, BC_ARG_DIS);
            sb_printf(&sb, "%4u %-22s %-16s", in->in_offset, bc_opname(bc, in), arg.sb_buf);
            if ((acc = bc_access_words(in))) {
                nshared++;
                sb_printf(&sb, "  <- %s", acc);
            }
            if (fc && in->in_offset == fc->f_first && fc->f_first != fc->f_last)
                sb_printf(&sb, " (the %s)", fc->f_rel_what ? fc->f_rel_what : "read");
            if (fc && in->in_offset == fc->f_last)
                sb_puts(&sb, " (the write)");
            sb_putc(&sb, '\n');
            sb_clear(&sw);
            bc_switch_words(&sw, bc, k);
            if (fc ? offset_in(fc->f_switch, fc->f_nswitch, in->in_offset) : sw.sb_len > 0) {
                sb_printf(&sb, "     ~~ a GIL build can switch threads here (%s) ~~\n",
                          sw.sb_len ? sw.sb_buf : "Python code runs");
                nswitch++;
            }
        }
    }
    sb_free(&arg);
    sb_free(&sw);
    if (ninstr)
        sb_printf(&sb, "```\n\n%s Free-threaded builds can run another thread between any two "
                  "instructions.\n\n",
                  nswitch ? (f ? "`~~` marks where a GIL build can hand the GIL to another thread "
                                 "between the read and the write." :
                                 "`~~` marks where a GIL build can hand the GIL to another thread.")
                          : (f ? "No instruction between the read and the write lets a GIL build "
                                 "switch threads." :
                                 "No instruction on this line lets a GIL build switch threads."));
    if (f) {
        char where[400];
        arena *a;
        const eng_interleaving *il;
        sb_printf(&sb, "**Not atomic**%s ([%s](" RULE_DOC_URL ")): %s.\n\n",
                  suppressed ? " (suppressed by `# noqa`)" : "", f->f_rule, f->f_rule,
                  f->f_message);
        sb_printf(&sb, "The %s and the write of `%s` are separate instructions (offsets %u..%u); "
                  "%s.", f->f_rel_what ? f->f_rel_what : "read",
                  f->f_target ? f->f_target : "?", f->f_first, f->f_last,
                  rep_where(f, where, sizeof where));
        if (f->f_nswitch) {
            sb_puts(&sb, " Switch points at offsets");
            for (k = 0; k < f->f_nswitch; k++)
                sb_printf(&sb, "%s %u", k ? "," : "", f->f_switch[k]);
            sb_puts(&sb, ".");
        }
        other_side(&sb, doc, f);
        if (!arena_new(&a)) {
            if ((il = schedule_of(doc, f, a)))
                interleaving_table(&sb, il);
            arena_free(a);
        }
    } else if (!ninstr) {
        sb_printf(&sb, "No bytecode on line %u.", line + 1);
    } else if (nshared) {
        sb_printf(&sb, "**Atomic** as far as gilcheck sees: %u access%s to shared state, but no "
                  "read-modify-write or check-then-act window between them that another thread "
                  "could split (or the function does not run concurrently; see `--scope`).",
                  nshared, nshared == 1 ? "" : "es");
    } else {
        sb_puts(&sb, "**Atomic**: the line touches no shared state (only locals and constants).");
    }
done:
    out = sb.sb_failed ? json_null()
                       : json_pack("{s:{s:s,s:s},s:o}", "contents", "kind", "markdown", "value",
                                   sb.sb_buf, "range",
                                   range_json(doc, line, 0, line, SIZE_MAX / 2, enc));
    sb_free(&sb);
    return out ? out : json_null();
}

/***** code actions *****/

/* [start, end) of 0-based line l, end before the line break. */
static void line_bounds(const lsp_doc *doc, uint32_t l, size_t *start, size_t *end)
{
    const char *nl;
    *start = lf_line_start(doc, l);
    nl = memchr(doc->d_text + *start, '\n', doc->d_len - *start);
    *end = nl ? (size_t)(nl - doc->d_text) : doc->d_len;
    if (*end > *start && doc->d_text[*end - 1] == '\r')
        (*end)--;
}

static size_t indent_of(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i;
}

/* Names bound to a lock in the source: `NAME = threading.Lock()` at module level, and
 * `self.NAME = ...Lock()` in methods.  Returns how many were put into names[]. */
static int lock_names(const lsp_doc *doc, char names[][96], int max)
{
    static const char *const ctors[] = { "Lock(", "RLock(", "allocate_lock(", "Condition(",
                                         "Semaphore(" };
    size_t pos = 0;
    int n = 0;
    while (pos < doc->d_len && n < max) {
        const char *s = doc->d_text + pos, *nl = memchr(s, '\n', doc->d_len - pos);
        size_t len = nl ? (size_t)(nl - s) : doc->d_len - pos, ind = indent_of(s, len), e, v;
        int self = 0, k;
        pos += len + 1;
        if (len - ind > 5 && !strncmp(s + ind, "self.", 5))
            self = 1;
        else if (ind)
            continue;
        e = ind + (self ? 5 : 0);
        if (e >= len || !(isalpha((unsigned char)s[e]) || s[e] == '_'))
            continue;
        while (e < len && (isalnum((unsigned char)s[e]) || s[e] == '_'))
            e++;
        for (v = e; v < len && s[v] == ' '; v++)
            ;
        if (v >= len || s[v] != '=' || (v + 1 < len && s[v + 1] == '='))
            continue;
        for (k = 0; k < 5; k++) {
            const char *hit = NULL;
            size_t j, cl = strlen(ctors[k]);
            for (j = v + 1; j + cl <= len && !hit; j++)
                if (!memcmp(s + j, ctors[k], cl) &&
                    (j == 0 || !(isalnum((unsigned char)s[j - 1]) || s[j - 1] == '_') ||
                     s[j - 1] == '.'))
                    hit = s + j;
            if (hit && e - ind < 95) {
                int dup = 0, m;
                memcpy(names[n], s + ind, e - ind);
                names[n][e - ind] = 0;
                for (m = 0; m < n; m++)
                    dup |= !strcmp(names[m], names[n]);
                n += !dup;
                break;
            }
        }
    }
    return n;
}

static json_t *text_edit(const lsp_doc *doc, uint32_t l1, size_t c1, uint32_t l2, size_t c2,
                         const char *text, int enc)
{
    return json_pack("{s:o,s:s}", "range", range_json(doc, l1, c1, l2, c2, enc), "newText", text);
}

static json_t *action(const lsp_doc *doc, const char *title, json_t *diag, json_t *edit)
{
    json_t *changes = json_object();
    json_object_set_new(changes, doc->d_uri, json_pack("[o]", edit));
    return json_pack("{s:s,s:s,s:[o],s:{s:o}}", "title", title, "kind", "quickfix",
                     "diagnostics", diag, "edit", "changes", changes);
}

/* `# noqa: CODE` at the end of the finding's line, or `, CODE` after an existing list. */
static json_t *noqa_action(const lsp_doc *doc, const finding *f, json_t *diag, int enc)
{
    uint32_t l = line0(f->f_line);
    size_t start, end, full, i;
    char text[64], title[80];
    const char *s;
    line_bounds(doc, l, &start, &end);
    full = end;
    s = doc->d_text + start;
    snprintf(text, sizeof text, "  # noqa: %s", f->f_rule);
    for (i = 0; i + 7 <= end - start; i++)
        if (!strncmp(s + i, "# noqa:", 7)) {
            snprintf(text, sizeof text, ", %s", f->f_rule);
            break;
        }
    while (end > start && (doc->d_text[end - 1] == ' ' || doc->d_text[end - 1] == '\t') &&
           text[0] == ' ')
        end--;
    snprintf(title, sizeof title, "Suppress %s on this line (# noqa)", f->f_rule);
    return action(doc, title, diag,
                  text_edit(doc, l, end - start, l, full - start, text, enc));
}

/* `with LOCK:` around the statement lines of the finding (from the read or check to the write,
 * and the block of a compound statement that starts there), re-indented by four spaces. */
static json_t *lock_action(const lsp_doc *doc, const finding *f, const char *lock, json_t *diag,
                           int enc)
{
    uint32_t first = line0(f->f_line), last, l;
    size_t start, end, ind, lstart, lend;
    const char *step;
    strbuf sb;
    char title[160];
    json_t *act;
    if (f->f_rel_line > 0 && line0(f->f_rel_line) < first)
        first = line0(f->f_rel_line);
    last = line0(f->f_end_line > f->f_line ? f->f_end_line : f->f_line);
    line_bounds(doc, first, &start, &end);
    ind = indent_of(doc->d_text + start, end - start);
    if (ind == end - start) {
        json_decref(diag);
        return NULL;
    }
    for (l = last + 1;; l++) {         /* the block of an `if`, `for`... that starts here */
        size_t li;
        line_bounds(doc, l, &lstart, &lend);
        if (lstart >= doc->d_len)
            break;
        li = indent_of(doc->d_text + lstart, lend - lstart);
        if (li == lend - lstart)
            continue;                  /* blank: decided by what follows */
        if (li <= ind)
            break;
        last = l;
    }
    /* one more level of the file's own kind: a tab where the statement is indented with tabs */
    step = memchr(doc->d_text + start, '\t', ind) ? "\t" : "    ";
    sb_init(&sb);
    sb_putn(&sb, doc->d_text + start, ind);
    sb_printf(&sb, "with %s:\n", lock);
    for (l = first; l <= last; l++) {
        line_bounds(doc, l, &lstart, &lend);
        if (lend > lstart)
            sb_puts(&sb, step);
        sb_putn(&sb, doc->d_text + lstart, lend - lstart);
        if (l < last)
            sb_putc(&sb, '\n');
    }
    line_bounds(doc, last, &lstart, &lend);
    snprintf(title, sizeof title, "Wrap in `with %.96s:`", lock);
    act = sb.sb_failed ? NULL
                       : action(doc, title, diag,
                                text_edit(doc, first, 0, last, lend - lstart, sb.sb_buf, enc));
    sb_free(&sb);
    return act;
}

/* 1 when `out` already has an action with this title and the same edit (two findings on one
 * line give the same `with lock:` and the same `# noqa: GIL101`: offered once). */
static int have_action(json_t *out, json_t *a)
{
    size_t i;
    json_t *b;
    json_array_foreach(out, i, b)
        if (json_equal(json_object_get(b, "title"), json_object_get(a, "title")) &&
            json_equal(json_object_get(b, "edit"), json_object_get(a, "edit")))
            return 1;
    return 0;
}

static void add_action(json_t *out, json_t *a)
{
    if (!a)
        return;
    if (have_action(out, a))
        json_decref(a);
    else
        json_array_append_new(out, a);
}

/* "Suppress all on this line": one `# noqa` naming every code of the line's findings (or the
 * ones an existing `# noqa: ...` lacks), when the line has findings of two or more rules. */
static json_t *noqa_all_action(const lsp_doc *doc, const drv_ctx *c, uint32_t l, int enc)
{
    char codes[16][8];
    int n = 0, k;
    uint32_t i;
    size_t start, end, full, j;
    strbuf text, title;
    json_t *diags = json_array(), *act = NULL, *changes;
    const char *s;
    for (i = 0; i < doc->d_res.r_res.r_count; i++) {
        const finding *f = &doc->d_res.r_res.r_findings[i];
        int dup = 0;
        if (line0(f->f_line) != l || !strcmp(f->f_rule, "GIL000") || !strcmp(f->f_rule, "GIL900"))
            continue;
        json_array_append_new(diags, diagnostic(doc, c, f, enc));
        for (k = 0; k < n; k++)
            dup |= !strcmp(codes[k], f->f_rule);
        if (!dup && n < 16)
            snprintf(codes[n++], sizeof codes[0], "%s", f->f_rule);
    }
    if (n < 2) {
        json_decref(diags);
        return NULL;
    }
    line_bounds(doc, l, &start, &end);
    full = end;
    s = doc->d_text + start;
    sb_init(&text);
    sb_init(&title);
    for (j = 0; j + 7 <= end - start && strncmp(s + j, "# noqa:", 7); j++)
        ;
    sb_puts(&text, j + 7 <= end - start ? ", " : "  # noqa: ");
    for (k = 0; k < n; k++)
        sb_printf(&text, "%s%s", k ? ", " : "", codes[k]);
    while (end > start && (doc->d_text[end - 1] == ' ' || doc->d_text[end - 1] == '\t') &&
           text.sb_buf[0] == ' ')
        end--;
    sb_printf(&title, "Suppress all on this line (# noqa: ");
    for (k = 0; k < n; k++)
        sb_printf(&title, "%s%s", k ? ", " : "", codes[k]);
    sb_puts(&title, ")");
    if (!text.sb_failed && !title.sb_failed) {
        changes = json_object();
        json_object_set_new(changes, doc->d_uri,
                            json_pack("[o]", text_edit(doc, l, end - start, l, full - start,
                                                       text.sb_buf, enc)));
        act = json_pack("{s:s,s:s,s:o,s:{s:o}}", "title", title.sb_buf, "kind", "quickfix",
                        "diagnostics", diags, "edit", "changes", changes);
    } else {
        json_decref(diags);
    }
    sb_free(&text);
    sb_free(&title);
    return act;
}

json_t *lf_code_actions(const lsp_doc *doc, const drv_ctx *c, uint32_t first, uint32_t last,
                        int enc)
{
    json_t *out = json_array();
    char locks[16][96];
    int nlocks = -1, k;
    uint32_t i, l;
    if (!doc->d_have_res)
        return out;
    for (i = 0; i < doc->d_res.r_res.r_count; i++) {
        const finding *f = &doc->d_res.r_res.r_findings[i];
        l = line0(f->f_line);
        if (!strcmp(f->f_rule, "GIL000") || !strcmp(f->f_rule, "GIL900") || l < first ||
            l > last)
            continue;
        add_action(out, noqa_action(doc, f, diagnostic(doc, c, f, enc), enc));
        if (nlocks < 0)
            nlocks = lock_names(doc, locks, 16);
        for (k = 0; k < nlocks; k++) {
            int method = f->f_function && strchr(f->f_function, '.');
            if (!strncmp(locks[k], "self.", 5) && !method)
                continue;
            add_action(out, lock_action(doc, f, locks[k], diagnostic(doc, c, f, enc), enc));
        }
    }
    for (l = first; l <= last && l < first + 10000; l++)
        add_action(out, noqa_all_action(doc, c, l, enc));
    return out;
}
