/* `gilcheck check`'s run over its files: in this process, or in worker processes whose results
 * are reported in path order. */
#ifndef GILCHECK_CLI_CHECK_POOL_H
#define GILCHECK_CLI_CHECK_POOL_H

#include <stdio.h>

#include "../driver/driver.h"
#include "../report/report.h"

/* The number of online processors (at least 1): --jobs's default. */
int check_default_jobs(void);

/* Analyses paths[0..n) through the cache when it is not NULL, with `jobs` worker processes
 * (forked before this process ever starts the embedded interpreter; 1: here, no fork), and
 * reports every file's findings to rep and its errors to err, in path order and byte for byte
 * the same whatever `jobs` is.  A worker that dies costs an error for the file it was analysing
 * and is replaced.  Returns 1 when some file could not be analysed, else 0. */
int check_run(char *const *paths, size_t n, drv_ctx *drv, drv_cache *cache, int jobs,
              rep_ctx *rep, FILE *err);

#endif
