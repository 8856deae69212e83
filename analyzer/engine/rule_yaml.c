/* A small tree of a YAML document, built from libyaml's event stream. */
#include "rule_yaml.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "../common/err.h"
#include "../common/mem.h"

#define MAX_NEST 64

typedef struct builder {
    arena *b_arena;
    ynode *b_stack[MAX_NEST];   /* open collections */
    size_t b_caps[MAX_NEST];    /* allocated items of each open collection */
    int b_depth;
    ynode *b_root;
} builder;

static ynode *node_new(builder *b, int kind, int line)
{
    ynode *n = arena_alloc(b->b_arena, sizeof *n);
    if (n) {
        memset(n, 0, sizeof *n);
        n->y_kind = kind;
        n->y_line = line;
    }
    return n;
}

/* Adds n to the innermost open collection (or makes it the root). */
static int attach(builder *b, ynode *n)
{
    ynode *parent;
    size_t *cap;
    if (!b->b_depth) {
        if (!b->b_root)
            b->b_root = n;
        return G_OK;
    }
    parent = b->b_stack[b->b_depth - 1];
    cap = &b->b_caps[b->b_depth - 1];
    if (parent->y_n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        ynode **grown = arena_array(b->b_arena, ncap, sizeof *grown);
        if (!grown)
            return G_ENOMEM;
        if (parent->y_n)
            memcpy(grown, parent->y_items, parent->y_n * sizeof *grown);
        parent->y_items = grown;
        *cap = ncap;
    }
    parent->y_items[parent->y_n++] = n;
    return G_OK;
}

int yaml_load(ynode **out, const char *path, arena *a, diag_ctx *d)
{
    FILE *fp = fopen(path, "rb");
    yaml_parser_t parser;
    yaml_event_t event;
    builder b;
    int rc = G_OK, done = 0;

    *out = NULL;
    if (!fp)
        return diag_add(d, G_EIO, path, -1, "cannot open: %s", strerror(errno));
    memset(&b, 0, sizeof b);
    b.b_arena = a;
    if (!yaml_parser_initialize(&parser)) {
        fclose(fp);
        return diag_add(d, G_ENOMEM, path, -1, "out of memory");
    }
    yaml_parser_set_input_file(&parser, fp);
    while (!done && !rc) {
        ynode *n = NULL;
        int line;
        if (!yaml_parser_parse(&parser, &event)) {
            rc = diag_add(d, G_EBAD, path, -1, "line %lu: %s", (unsigned long)parser.problem_mark.line + 1,
                          parser.problem ? parser.problem : "invalid YAML");
            break;
        }
        line = (int)event.start_mark.line + 1;
        switch (event.type) {
        case YAML_SCALAR_EVENT: {
            char *text = arena_alloc(a, event.data.scalar.length + 1);
            n = node_new(&b, Y_SCALAR, line);
            if (!text || !n) {
                rc = G_ENOMEM;
                break;
            }
            memcpy(text, event.data.scalar.value, event.data.scalar.length);
            text[event.data.scalar.length] = 0;
            n->y_text = text;
            rc = attach(&b, n);
            break;
        }
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            n = node_new(&b, event.type == YAML_SEQUENCE_START_EVENT ? Y_SEQ : Y_MAP, line);
            if (!n || b.b_depth == MAX_NEST) {
                rc = n ? diag_add(d, G_EBAD, path, -1, "line %d: nested too deeply", line)
                       : G_ENOMEM;
                break;
            }
            if ((rc = attach(&b, n)))
                break;
            b.b_caps[b.b_depth] = 0;
            b.b_stack[b.b_depth++] = n;
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            if (b.b_depth)
                b.b_depth--;
            break;
        case YAML_ALIAS_EVENT:
            rc = diag_add(d, G_EBAD, path, -1, "line %d: aliases are not supported", line);
            break;
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        default:
            break;
        }
        yaml_event_delete(&event);
    }
    yaml_parser_delete(&parser);
    fclose(fp);
    if (rc == G_ENOMEM)
        return diag_add(d, G_ENOMEM, path, -1, "out of memory");
    if (rc)
        return rc;
    if (!b.b_root)
        return diag_add(d, G_EBAD, path, -1, "empty YAML document");
    *out = b.b_root;
    return G_OK;
}

const ynode *yaml_get(const ynode *m, const char *key)
{
    size_t i;
    if (!m || m->y_kind != Y_MAP)
        return NULL;
    for (i = 0; i + 1 < m->y_n; i += 2)
        if (m->y_items[i]->y_kind == Y_SCALAR && !strcmp(m->y_items[i]->y_text, key))
            return m->y_items[i + 1];
    return NULL;
}

const char *yaml_str(const ynode *m, const char *key)
{
    const ynode *v = yaml_get(m, key);
    return v && v->y_kind == Y_SCALAR ? v->y_text : NULL;
}
