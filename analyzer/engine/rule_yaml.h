/* A small tree of a YAML document (libyaml events folded into mappings, sequences, scalars). */
#ifndef GILCHECK_ENGINE_RULE_YAML_H
#define GILCHECK_ENGINE_RULE_YAML_H

#include <stddef.h>

#include "../common/arena.h"
#include "../common/diag.h"

typedef enum ynode_kind { Y_SCALAR = 1, Y_SEQ, Y_MAP } ynode_kind;

typedef struct ynode {
    int y_kind;                   /* ynode_kind */
    const char *y_text;           /* Y_SCALAR: the value */
    struct ynode **y_items;       /* Y_SEQ: items; Y_MAP: key, value, key, value ... */
    size_t y_n;                   /* entries of y_items */
    int y_line;                   /* 1-based line where the node starts */
} ynode;

/* Parses the YAML file at path into a tree in `a`.  Returns G_OK, G_EIO or G_EBAD (with "FILE:
 * LINE: reason" in d). */
int yaml_load(ynode **out, const char *path, arena *a, diag_ctx *d);

/* The value of key in mapping m, or NULL. */
const ynode *yaml_get(const ynode *m, const char *key);

/* The text of a scalar value of key in m, or NULL. */
const char *yaml_str(const ynode *m, const char *key);

/* rule_table.c: the atomicity table's rows of the parsed atomicity.yaml into kb.  G_OK, or
 * G_EBAD / G_ENOMEM with a message naming path. */
struct eng_kb;
int rule_load_table(struct eng_kb *kb, const ynode *doc, const char *path, arena *a, diag_ctx *d);

#endif
