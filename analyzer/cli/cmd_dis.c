/* `gilcheck dis`: a readable disassembly of .pyc files, or dis-compatible JSON. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../bytecode/bytecode.h"
#include "../common/err.h"
#include "../common/strbuf.h"
#include "../pyc/pyc.h"
#include "cli.h"

static const char dis_usage[] =
    "usage: gilcheck dis [--json [--switch-edges] | --count] [--files-from LIST] FILE.pyc...\n"
    "\n"
    "Disassembles each code object (module first, then nested ones in pre-order): offset, line,\n"
    "opcode, argument and its meaning, jump targets and the exception table.\n"
    "\n"
    "  --count  decode only and print totals (files, code objects, instructions, bytes):\n"
    "           for benchmarks\n"
    "  --files-from LIST\n"
    "           also decode the files named in LIST, one path per line ('-' = standard\n"
    "           input), after those on the command line\n"
    "  --json   one JSON document per file and line:\n"
    "           {\"version\", \"magic\", \"code\": [{\"name\", \"qualname\", \"firstlineno\",\n"
    "            \"instructions\": [{\"offset\", \"opname\", \"arg\", \"line\", \"positions\",\n"
    "            \"target\"}], \"exceptiontable\": [{\"start\", \"end\", \"target\", \"depth\",\n"
    "            \"lasti\"}]}]}; a file that cannot be decoded gives {\"file\", \"error\"}\n"
    "  --switch-edges\n"
    "           with --json: also where a GIL build of the file's version can switch threads\n"
    "           (docs/switch-points.md): per instruction \"switch\" (the edges, of \"next\",\n"
    "           \"jump\", \"raise\") and \"handler\" (the offset its exceptions go to, or\n"
    "           null); per file \"switch_at_entry\" (frame entry and generator resumption check\n"
    "           before the first instruction)\n"
    "\n"
    "exit codes: 0 all files decoded, 2 some could not be read or decoded\n";


/***** JSON *****/

/* A JSON string from possibly non-UTF-8 bytes (lone surrogates): invalid bytes become U+FFFD. */
static json_t *json_text(const char *s, size_t n)
{
    json_t *j = json_stringn(s, n);
    strbuf sb;
    size_t i;
    if (j)
        return j;
    sb_init(&sb);
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80)
            sb_putc(&sb, (char)c);
        else if ((c & 0xE0) == 0xC0 && i + 1 < n && json_stringn(s + i, 2))
            sb_putn(&sb, s + i, 2), i += 1;
        else
            sb_puts(&sb, "\xEF\xBF\xBD");
    }
    j = sb.sb_failed ? NULL : json_stringn(sb.sb_buf, sb.sb_len);
    sb_free(&sb);
    return j ? j : json_string("");
}

static json_t *json_obj_text(const pyc_obj *o)
{
    return o ? json_text(o->u.o_str.s, o->u.o_str.len) : json_null();
}

static json_t *json_opt_int(int64_t v)
{
    return v < 0 ? json_null() : json_integer(v);
}

static json_t *code_json(const bc_code *bc, int edges)
{
    const pyc_code *c = bc->bc_src;
    json_t *j = json_object(), *ins = json_array(), *ex = json_array();
    uint32_t i;

    json_object_set_new(j, "name", json_obj_text(c->co_name));
    json_object_set_new(j, "qualname", json_obj_text(c->co_qualname));
    json_object_set_new(j, "firstlineno", json_integer(c->co_firstlineno));
    json_object_set_new(j, "filename", json_obj_text(c->co_filename));
    for (i = 0; i < bc->bc_ninstrs; i++) {
        const bc_instr *in = &bc->bc_instrs[i];
        json_t *e = json_object();
        json_object_set_new(e, "offset", json_integer(in->in_offset));
        json_object_set_new(e, "opname", json_string(bc_opname(bc, in)));
        json_object_set_new(e, "arg", in->in_hasarg ? json_integer(in->in_arg) : json_null());
        json_object_set_new(e, "line", json_opt_int(in->in_line));
        if (bc->bc_has_positions) {
            json_t *p = json_array();
            json_array_append_new(p, json_opt_int(in->in_pos.p_line));
            json_array_append_new(p, json_opt_int(in->in_pos.p_end_line));
            json_array_append_new(p, json_opt_int(in->in_pos.p_col));
            json_array_append_new(p, json_opt_int(in->in_pos.p_end_col));
            json_object_set_new(e, "positions", p);
        } else {
            json_object_set_new(e, "positions", json_null());
        }
        json_object_set_new(e, "target", json_opt_int(in->in_target));
        if (edges) {
            json_t *sw = json_array();
            int32_t h = bc_handler_index(bc, i);
            int k;
            for (k = BC_EDGE_NEXT; k <= BC_EDGE_RAISE; k++)
                if (bc_switch_on_edge(bc, i, (bc_edge)k))
                    json_array_append_new(sw, json_string(bc_edge_name((bc_edge)k)));
            json_object_set_new(e, "switch", sw);
            json_object_set_new(e, "handler", h >= 0 ? json_integer(bc->bc_instrs[h].in_offset)
                                                     : json_null());
        }
        json_array_append_new(ins, e);
    }
    for (i = 0; i < bc->bc_nhandlers; i++) {
        const bc_handler *h = &bc->bc_handlers[i];
        json_t *e = json_object();
        json_object_set_new(e, "start", json_integer(h->h_start));
        json_object_set_new(e, "end", json_integer(h->h_end));
        json_object_set_new(e, "target", json_integer(h->h_target));
        json_object_set_new(e, "depth", json_integer(h->h_depth));
        json_object_set_new(e, "lasti", json_boolean(h->h_lasti));
        json_array_append_new(ex, e);
    }
    json_object_set_new(j, "instructions", ins);
    json_object_set_new(j, "exceptiontable", ex);
    return j;
}

static int print_json(FILE *out, const char *path, const pyc_file *f, const bc_file *bf,
                      int edges)
{
    json_t *doc = json_object(), *codes = json_array();
    char ver[16];
    uint32_t i;
    int rc;
    snprintf(ver, sizeof ver, "3.%d", f->f_minor);
    json_object_set_new(doc, "file", json_text(path, strlen(path)));
    json_object_set_new(doc, "version", json_string(ver));
    json_object_set_new(doc, "magic", json_integer(f->f_magic));
    for (i = 0; i < bf->bf_ncodes; i++)
        json_array_append_new(codes, code_json(&bf->bf_codes[i], edges));
    json_object_set_new(doc, "code", codes);
    if (edges)
        json_object_set_new(doc, "switch_at_entry",
                            json_boolean(bc_version(f->f_minor) &&
                                         (bc_version(f->f_minor)->ov_flags & VF_SW_ENTRY)));
    rc = json_dumpf(doc, out, JSON_COMPACT | JSON_PRESERVE_ORDER);
    fputc('\n', out);
    json_decref(doc);
    return rc ? G_EIO : G_OK;
}

static void print_json_error(FILE *out, const char *path, const diag_ctx *d)
{
    json_t *doc = json_object();
    char buf[1400];
    json_object_set_new(doc, "file", json_text(path, strlen(path)));
    json_object_set_new(doc, "error", json_text(d->d_count ? diag_format(d, d->d_count - 1, buf,
                                                                          sizeof buf) : "error",
                                                d->d_count ? strlen(buf) : 5));
    json_dumpf(doc, out, JSON_COMPACT | JSON_PRESERVE_ORDER);
    fputc('\n', out);
    json_decref(doc);
}

/***** text *****/

static void print_text(FILE *out, const pyc_file *f, const bc_file *bf)
{
    strbuf sb;
    uint32_t i, k;
    sb_init(&sb);
    for (i = 0; i < bf->bf_ncodes; i++) {
        const bc_code *bc = &bf->bf_codes[i];
        const pyc_code *c = bc->bc_src;
        const pyc_obj *title = c->co_qualname ? c->co_qualname : c->co_name;
        uint8_t *is_target = calloc(bc->bc_nunits + 1, 1);
        int32_t last_line = -2;
        if (i)
            fputc('\n', out);
        fprintf(out, "Disassembly of %.*s (%.*s, line %d), Python 3.%d:\n",
                (int)title->u.o_str.len, title->u.o_str.s, (int)c->co_filename->u.o_str.len,
                c->co_filename->u.o_str.s, c->co_firstlineno, f->f_minor);
        for (k = 0; is_target && k < bc->bc_ninstrs; k++)
            if (bc->bc_instrs[k].in_target >= 0)
                is_target[bc->bc_instrs[k].in_target / 2] = 1;
        for (k = 0; k < bc->bc_nhandlers && is_target; k++)
            is_target[bc->bc_handlers[k].h_target / 2] = 1;
        for (k = 0; k < bc->bc_ninstrs; k++) {
            const bc_instr *in = &bc->bc_instrs[k];
            char line[16] = "";
            if (in->in_line != last_line) {
                if (in->in_line >= 0)
                    snprintf(line, sizeof line, "%d", in->in_line);
                else
                    snprintf(line, sizeof line, "--");
                last_line = in->in_line;
            }
            sb_clear(&sb);
            bc_argtext(&sb, bc, in, BC_ARG_DIS);
            fprintf(out, "%6s %2s %6u %-28s", line,
                    is_target && is_target[in->in_offset / 2] ? ">>" : "", in->in_offset,
                    bc_opname(bc, in));
            if (in->in_hasarg)
                fprintf(out, " %6d", in->in_arg);
            if (sb.sb_len)
                fprintf(out, " (%s)", sb.sb_buf);
            fputc('\n', out);
        }
        if (bc->bc_nhandlers) {
            fputs("ExceptionTable:\n", out);
            for (k = 0; k < bc->bc_nhandlers; k++) {
                const bc_handler *h = &bc->bc_handlers[k];
                fprintf(out, "  %u to %u -> %u [%u]%s\n", h->h_start, h->h_end, h->h_target,
                        h->h_depth, h->h_lasti ? " lasti" : "");
            }
        }
        free(is_target);
    }
    sb_free(&sb);
}

/* The input files: command-line arguments, then the lines of a --files-from list. */
typedef struct file_list {
    const char **fl_paths;  /* the paths, in order (point into argv or fl_text) */
    size_t fl_n;            /* used entries of fl_paths */
    size_t fl_cap;          /* allocated entries of fl_paths */
    char *fl_text;          /* the list file's contents, NUL-separated (owned), or NULL */
} file_list;

static int list_add(file_list *fl, const char *path)
{
    if (fl->fl_n == fl->fl_cap) {
        size_t cap = fl->fl_cap ? fl->fl_cap * 2 : 64;
        const char **grown = realloc((void *)fl->fl_paths, cap * sizeof *grown);
        if (!grown)
            return G_ENOMEM;
        fl->fl_paths = grown;
        fl->fl_cap = cap;
    }
    fl->fl_paths[fl->fl_n++] = path;
    return G_OK;
}

/* Appends the non-empty lines of `name` ('-' = stdin) to fl, which then owns the text.  Returns
 * G_OK, G_EIO (errno tells why) or G_ENOMEM; on failure fl may hold some of the lines. */
static int list_read(file_list *fl, const char *name)
{
    FILE *fp = strcmp(name, "-") ? fopen(name, "r") : stdin;
    char *text = NULL, *p, *end;
    size_t len = 0, cap = 0, got;
    int rc = G_OK, e;
    if (!fp)
        return G_EIO;
    for (;;) {
        if (cap - len < 4096) {
            char *grown = realloc(text, cap ? cap * 2 : 65536);
            if (!grown) {
                rc = G_ENOMEM;
                break;
            }
            text = grown;
            cap = cap ? cap * 2 : 65536;
        }
        got = fread(text + len, 1, cap - len - 1, fp);
        len += got;
        if (got == 0)
            break;
    }
    if (!rc && ferror(fp))
        rc = G_EIO;
    e = errno;
    if (fp != stdin)
        fclose(fp);
    errno = e;
    if (rc) {
        free(text);
        return rc;
    }
    text[len] = 0;
    fl->fl_text = text;
    for (p = text; p < text + len; p = end + 1) {
        end = memchr(p, '\n', (size_t)(text + len - p));
        if (!end)
            end = text + len;
        *end = 0;
        if (end > p && end[-1] == '\r')
            end[-1] = 0;
        if (*p && (rc = list_add(fl, p)))
            return rc;
    }
    return G_OK;
}

int cmd_dis(int argc, char **argv, FILE *out, FILE *err)
{
    int json = 0, count = 0, edges = 0, status = EXIT_CLEAN, i, rc = G_OK;
    const char *list = NULL;
    file_list fl = { NULL, 0, 0, NULL };
    size_t k;
    arena *a = NULL;
    unsigned long long n_ok = 0, n_codes = 0, n_instrs = 0, n_bytes = 0, n_failed = 0;
    for (i = 1; i < argc && !rc; i++) {
        if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else if (!strcmp(argv[i], "--count")) {
            count = 1;
        } else if (!strcmp(argv[i], "--switch-edges")) {
            edges = 1;
        } else if (!strcmp(argv[i], "--files-from")) {
            if (i + 1 >= argc || list) {
                cli_usage_error(err, "dis", "--files-from needs one LIST");
                free((void *)fl.fl_paths);
                return EXIT_ERROR;
            }
            list = argv[++i];
        } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            cli_help(out, dis_usage, cli_width(out));
            free((void *)fl.fl_paths);
            return EXIT_CLEAN;
        } else if (!strcmp(argv[i], "--")) {
            while (++i < argc && !rc)
                rc = list_add(&fl, argv[i]);
        } else if (argv[i][0] == '-' && argv[i][1]) {
            static const char *const opts[] = { "--json", "--count", "--files-from", "--help",
                                                NULL };
            cli_unknown_option(err, "dis", argv[i], opts);
            free((void *)fl.fl_paths);
            return EXIT_ERROR;
        } else {
            rc = list_add(&fl, argv[i]);
        }
    }
    if (!rc && list && (rc = list_read(&fl, list)) == G_EIO) {
        fprintf(err, "gilcheck: error: dis: cannot read the list %s: %s\n", list, strerror(errno));
        free((void *)fl.fl_paths);
        return EXIT_ERROR;
    }
    if (rc || arena_new(&a)) {
        fprintf(err, "gilcheck: error: out of memory\n");
        free((void *)fl.fl_paths);
        free(fl.fl_text);
        return EXIT_ERROR;
    }
    if (!fl.fl_n) {
        cli_usage_error(err, "dis", "no input files");
        arena_free(a);
        free((void *)fl.fl_paths);
        free(fl.fl_text);
        return EXIT_ERROR;
    }
    if (fl.fl_n > 1)
        arena_hint_reused(a);  /* one arena, reset for each file */
    for (k = 0; k < fl.fl_n; k++) {
        const char *path = fl.fl_paths[k];
        diag_ctx d;
        pyc_file *f = NULL;
        bc_file *bf = NULL;
        diag_init(&d);
        arena_reset(a);
        if (pyc_load_path_in(&f, a, path, &d) || bc_decode_file(&bf, f, path, &d)) {
            cli_print_diags(&d, err);
            if (json)
                print_json_error(out, path, &d);
            status = EXIT_ERROR;
            n_failed++;
        } else if (count) {
            uint32_t c;
            n_ok++;
            n_bytes += f->f_size;
            n_codes += bf->bf_ncodes;
            for (c = 0; c < bf->bf_ncodes; c++)
                n_instrs += bf->bf_codes[c].bc_ninstrs;
        } else if (json) {
            print_json(out, path, f, bf, edges);
        } else {
            if (fl.fl_n > 1)
                fprintf(out, "%s%s:\n", k ? "\n" : "", path);
            print_text(out, f, bf);
        }
        pyc_file_free(f);
        diag_free(&d);
    }
    arena_free(a);
    free((void *)fl.fl_paths);
    free(fl.fl_text);
    if (count)
        fprintf(out, "files %llu code-objects %llu instructions %llu bytes %llu failed %llu\n",
                n_ok, n_codes, n_instrs, n_bytes, n_failed);
    if (fflush(out) != 0 || ferror(out)) {
        fprintf(err, "gilcheck: error: cannot write the output\n");
        status = EXIT_ERROR;
    }
    return status;
}
