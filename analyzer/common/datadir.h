/* Where gilcheck's data files are: beside the running executable, or in the source tree of the
 * build tree it was built in. */
#ifndef GILCHECK_COMMON_DATADIR_H
#define GILCHECK_COMMON_DATADIR_H

#include <stddef.h>

/* Finds one of gilcheck's data files or directories:
 *   1. <bindir>/<GILCHECK_DATA_FROM_BIN>/<installed>, i.e. <prefix>/share/gilcheck/<installed>
 *      for the executable at <prefix>/bin/gilcheck (found through /proc/self/exe, else argv0
 *      when it names a path; NULL argv0 is fine);
 *   2. only when the executable lies inside the build tree it was built in:
 *      <source tree>/<in_source>.
 * Writes the first that exists into out and returns G_OK.  Otherwise returns G_EIO, leaves in
 * out the first candidate, and writes every path tried, separated by ", ", into tried (when it
 * is not NULL).  Thread-safe; keeps no state. */
int data_find(char *out, size_t size, const char *installed, const char *in_source,
              const char *argv0, char *tried, size_t tried_size);

#endif
