/* Text from the analysed tree (file names, source lines, names in bytecode) made safe to print
 * on a terminal or in a CI log: control characters shown as escapes, never sent raw. */
#ifndef GILCHECK_COMMON_ESCAPE_H
#define GILCHECK_COMMON_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

#include "strbuf.h"

/* esc_char flags. */
#define ESC_KEEP_TAB 1   /* a tab stays a tab (source lines keep their indentation) */

/* The character at s[0..n) (n > 0) as it is shown: its own bytes, or an escape when it is a
 * control character -- C0 and DEL as "\n", "\r", "\t", "\x1b"; C1 (U+0080-U+009F) and the bidi
 * controls (U+061C, U+200E/F, U+202A-E, U+2066-9: "Trojan Source") as "\u202e"; a byte that is
 * not UTF-8 as "\xff".  Writes the escape, NUL-terminated, into buf (at least 8 bytes) and
 * returns 1 with the bytes it stands for in *used; returns 0 (buf untouched) when the character
 * is shown as it is, *used being its length in bytes. */
int esc_char(const char *s, size_t n, int flags, char *buf, size_t *used);

/* Writes s[0..n) to out with every control character escaped (esc_char). */
void esc_write(FILE *out, const char *s, size_t n, int flags);

/* esc_write of a NUL-terminated string; NULL writes nothing. */
void esc_puts(FILE *out, const char *s);

/* esc_puts of a path at the start of an output line: a relative path that starts with a blank,
 * ':' or '#' is written "./PATH", so that no line of gilcheck's output can start a GitHub
 * Actions workflow command ("::warning ...", "##[...]"), which the runner looks for after
 * leading blanks. */
void esc_path(FILE *out, const char *path);

/* esc_write into a growing buffer: s (NULL appends nothing) with every control character
 * escaped. */
void esc_sb(strbuf *sb, const char *s);

/* Writes text (lines ending in '\n', as txt_wrap makes them) to out, each line whose first
 * non-blank character is ':' or '#' with that character written as an escape ("\x3a"), so that
 * wrapping a long path or name at a blank cannot start a workflow command either. */
void esc_lines(FILE *out, const char *text);

#endif
