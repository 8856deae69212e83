/* Text for people: the closest of some names to a misspelt one ("did you mean"), and paragraphs
 * wrapped to a width without breaking words. */
#ifndef GILCHECK_COMMON_TEXT_H
#define GILCHECK_COMMON_TEXT_H

#include <stddef.h>

#include "strbuf.h"

/* The candidate closest to `word` by edit distance (insertions, deletions, substitutions and
 * swaps of neighbours), when it is close enough to be a typo: at most a third of the longer
 * name's length, and at least one edit less than the word itself.  NULL when none is. */
const char *txt_suggest(const char *word, const char *const *cands, size_t n);

/* Columns the UTF-8 text s[0..n) takes on a terminal: one per code point. */
size_t txt_width(const char *s, size_t n);

/* Appends `text` wrapped to `width` columns: words are separated by blanks and never broken (a
 * word wider than the line gets a line of its own), the first line starts with `indent` spaces
 * and the next ones with `hang`; a newline in text starts a new line (with `hang`).  Ends with a
 * newline. */
void txt_wrap(strbuf *out, const char *text, size_t width, size_t indent, size_t hang);

/* Appends markdown text with each paragraph on one line (its lines joined by a blank), so that
 * it can be wrapped to any width: fenced code, blank lines and list items ("- ") keep their
 * lines, and a line indented differently starts a new paragraph. */
void txt_unwrap(strbuf *out, const char *text);

#endif
