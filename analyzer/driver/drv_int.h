/* Internal to the driver: how settings layers combine, shared by drv_settings.c (the keys) and
 * drv_config.c (the files and roots). */
#ifndef GILCHECK_DRV_INT_H
#define GILCHECK_DRV_INT_H

#include "driver.h"

/* A fresh value in *out: the keys of `top` over those of `base` (either may be NULL); list keys
 * marked extend (extend-select, extend-exclude) join both, base's first.  s_config_path and
 * s_root come from base, else top.  Returns G_OK or G_ENOMEM (*out then empty). */
int drv_settings_merge(drv_settings *out, const drv_settings *base, const drv_settings *top);

/* Copies every string of s into fresh memory: *out owns them.  G_OK or G_ENOMEM. */
int drv_settings_copy(drv_settings *out, const drv_settings *s);

/* Fills s->s_digest from the keys that change findings and s_root. */
void drv_settings_digest(drv_settings *s);

/* Applies the table t ([tool.gilcheck], a client's settings object) to the layer: unknown keys
 * are errors naming the file and listing the keys (with "did you mean").  G_OK, G_EBAD or
 * G_ENOMEM with a message naming `file`. */
int drv_layer_apply(drv_settings *layer, const struct json_t *t, const char *file,
                    const char *what, diag_ctx *d);

/* The key table's bit for `name`, or 0 when there is no such key. */
uint64_t drv_key_bit(const char *name);

/* drv_blob_get keeps a summary's candidates' interleavings packed (the composition reports few
 * of them): decodes f's into a when it is one of those, else does nothing.  G_OK (f->f_ilv then
 * decoded, or NULL if the bytes were bad) or G_ENOMEM. */
int drv_blob_unpack(finding *f, arena *a);

#endif
