/* A parallel for on pthreads; see pool.h. */
#include "plumbing/pool.h"

#include <cblas.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "irp.h"

typedef struct pool {
    pthread_mutex_t lock;
    size_t next, n, failed_at;
    int rc;
    char err[1024];
    pool_task fn;
    void *arg;
    const size_t *order; /* indices in the order to take them (NULL: 0, 1, ...) */
} pool;

static void *worker(void *p_)
{
    pool *p = p_;
    for (;;) {
        /* after a failure, only indices below the lowest failing one are still
         * taken: all of those run, so which failure is reported does not depend
         * on timing (in index order, none is left once one has failed) */
        pthread_mutex_lock(&p->lock);
        size_t i = p->n;
        while (i == p->n && p->next < p->n) {
            size_t c = p->order ? p->order[p->next] : p->next;
            p->next++;
            if (!p->rc || c < p->failed_at)
                i = c;
        }
        pthread_mutex_unlock(&p->lock);
        if (i >= p->n)
            return NULL;
        int rc = p->fn(p->arg, i);
        if (rc) {
            pthread_mutex_lock(&p->lock);
            if (!p->rc || i < p->failed_at) {
                p->rc = rc;
                p->failed_at = i;
                snprintf(p->err, sizeof p->err, "%s", irp_last_error());
            }
            pthread_mutex_unlock(&p->lock);
        }
    }
}

int pool_for(size_t n, pool_task fn, void *arg, size_t threads)
{
    return pool_for_order(n, NULL, fn, arg, threads);
}

int pool_for_order(size_t n, const size_t *order, pool_task fn, void *arg, size_t threads)
{
    pool p = {.n = n, .fn = fn, .arg = arg, .order = order};
    int blas_threads = openblas_get_num_threads();
    openblas_set_num_threads(1); /* also with one worker: results must not depend on it */
    if (threads > n)
        threads = n;
    if (threads <= 1) {
        int rc = IRP_OK; /* one worker: index order (the first failure is the lowest) */
        for (size_t i = 0; i < n && !rc; i++)
            rc = fn(arg, i);
        openblas_set_num_threads(blas_threads);
        return rc;
    }
    pthread_t tid[64];
    if (threads > 64)
        threads = 64;
    pthread_mutex_init(&p.lock, NULL);
    size_t started = 0;
    while (started < threads - 1 && !pthread_create(&tid[started], NULL, worker, &p))
        started++;
    worker(&p); /* the calling thread works too */
    for (size_t t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
    openblas_set_num_threads(blas_threads);
    pthread_mutex_destroy(&p.lock);
    return p.rc ? irp_fail(p.rc, "%s", p.err) : IRP_OK;
}

size_t pool_default_threads(void)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    return cpus > 0 ? (size_t)cpus : 1;
}
