/* pool.h — a parallel for over indices on worker threads. */
#ifndef IRP_POOL_H
#define IRP_POOL_H

#include <stddef.h>

typedef int (*pool_task)(void *arg, size_t index);

/* Runs fn(arg, i) for i in [0, n) on `threads` workers (the caller is one),
 * BLAS single-threaded meanwhile (OpenBLAS's own threads spin on these small
 * products; and results must not depend on the count). Stops taking new
 * indices after a failure; returns the status and message of the lowest
 * failing index, so the error does not depend on timing either. */
int pool_for(size_t n, pool_task fn, void *arg, size_t threads);

/* pool_for, the workers taking the indices in `order` (a permutation of
 * [0, n); NULL: 0, 1, ...), e.g. the longest first so that no worker is left
 * alone with a long task at the end. The same failure is reported (the lowest
 * failing index: after one fails, every lower index still runs). */
int pool_for_order(size_t n, const size_t *order, pool_task fn, void *arg, size_t threads);

/* One worker per online CPU. */
size_t pool_default_threads(void);

#endif
