/* The parallel for (harness/plumbing/pool.h): every index exactly once for any
 * thread count, nothing for n = 0, real concurrency with two workers, the
 * lowest failing index's error whatever the timing and the order the
 * indices are taken in, BLAS threads restored. */
#include "testutil.h"

#include <cblas.h>
#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "plumbing/pool.h"

typedef struct {
    pthread_mutex_t lock;
    size_t count[100];
} visits;

static int visit(void *arg, size_t i)
{
    visits *v = arg;
    pthread_mutex_lock(&v->lock);
    v->count[i]++;
    pthread_mutex_unlock(&v->lock);
    return IRP_OK;
}

static void every_index_once(void **state)
{
    (void)state;
    const size_t threads[] = {0, 1, 2, 3, 10, 64, 100};
    const size_t ns[] = {1, 2, 7, 100};
    for (size_t t = 0; t < sizeof threads / sizeof *threads; t++)
        for (size_t k = 0; k < sizeof ns / sizeof *ns; k++) {
            visits v = {.lock = PTHREAD_MUTEX_INITIALIZER};
            assert_ok(pool_for(ns[k], visit, &v, threads[t]));
            for (size_t i = 0; i < 100; i++)
                assert_int_equal(v.count[i], i < ns[k]);
        }
}

static int never(void *arg, size_t i)
{
    (void)arg;
    (void)i;
    fail_msg("a task ran for n = 0");
    return IRP_EINVAL;
}

static void nothing_for_zero(void **state)
{
    (void)state;
    for (size_t t = 0; t < 4; t++)
        assert_ok(pool_for(0, never, NULL, t));
}

/* Two tasks that each wait for the other to start: they finish only if two
 * workers run at once. A serial loop would wait out the 30 s deadline and
 * fail (a deadlock guard, not a speed limit). */
typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int arrived;
    pthread_t who[2];
} meeting;

static int meet(void *arg, size_t i)
{
    meeting *m = arg;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 30;
    pthread_mutex_lock(&m->lock);
    m->who[i] = pthread_self();
    m->arrived++;
    pthread_cond_broadcast(&m->cond);
    int rc = 0;
    while (m->arrived < 2 && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&m->cond, &m->lock, &until);
    int met = m->arrived == 2;
    pthread_mutex_unlock(&m->lock);
    return met ? IRP_OK : irp_fail(IRP_EINVAL, "task %zu met nobody", i);
}

static void two_workers_run_at_once(void **state)
{
    (void)state;
    meeting m = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};
    assert_ok(pool_for(2, meet, &m, 2));
    assert_int_equal(m.arrived, 2);
    assert_false(pthread_equal(m.who[0], m.who[1]));
}

/* Indices 3 and 5 fail with their own messages; 5 usually fails first in
 * time when it is fast and 3 is slow, yet the error is always index 3's. */
static int fail_3_and_5(void *arg, size_t i)
{
    (void)arg;
    if (i == 3) {
        struct timespec nap = {0, 20 * 1000 * 1000};
        nanosleep(&nap, NULL);
        return irp_fail(IRP_EDATA, "index 3 failed");
    }
    if (i == 5)
        return irp_fail(IRP_EINVAL, "index 5 failed");
    return IRP_OK;
}

static void lowest_failing_index_reported(void **state)
{
    (void)state;
    for (size_t t = 1; t <= 4; t++) {
        int rc = pool_for(8, fail_3_and_5, NULL, t);
        assert_int_equal(rc, IRP_EDATA);
        assert_string_equal(irp_last_error(), "index 3 failed");
    }
}

/* Taken in a given order: every index once; with two workers the tasks start
 * in that order (recorded as they are taken); and the lowest failing index is
 * still the one reported when the order puts a higher failure first (index 5
 * fails at once, index 3 later: 3 must still run, though a failure came first). */
typedef struct {
    pthread_mutex_t lock;
    size_t seen[16], n;
} started;

static int record(void *arg, size_t i)
{
    started *st = arg;
    pthread_mutex_lock(&st->lock);
    st->seen[st->n++] = i;
    pthread_mutex_unlock(&st->lock);
    return IRP_OK;
}

static void taken_in_the_given_order(void **state)
{
    (void)state;
    const size_t order[8] = {5, 7, 0, 3, 6, 1, 4, 2};
    for (size_t t = 1; t <= 3; t++) {
        started st = {.lock = PTHREAD_MUTEX_INITIALIZER};
        assert_ok(pool_for_order(8, order, record, &st, t));
        assert_int_equal(st.n, 8);
        size_t count[8] = {0};
        for (size_t i = 0; i < 8; i++)
            count[st.seen[i]]++;
        for (size_t i = 0; i < 8; i++)
            assert_int_equal(count[i], 1);
        if (t == 2) /* the two workers take them in order; the first two may swap */
            for (size_t i = 2; i < 8; i++)
                assert_true(st.seen[i] == order[i] || st.seen[i] == order[i - 1] ||
                            (i + 1 < 8 && st.seen[i] == order[i + 1]));
    }
    const size_t high_first[8] = {5, 6, 7, 4, 3, 2, 1, 0};
    for (size_t t = 1; t <= 4; t++) {
        int rc = pool_for_order(8, high_first, fail_3_and_5, NULL, t);
        assert_int_equal(rc, IRP_EDATA);
        assert_string_equal(irp_last_error(), "index 3 failed");
    }
}

static int count_blas(void *arg, size_t i)
{
    (void)i;
    int *seen = arg;
    if (openblas_get_num_threads() != 1)
        __atomic_store_n(seen, openblas_get_num_threads(), __ATOMIC_RELAXED);
    return IRP_OK;
}

static void blas_single_threaded_inside_and_restored(void **state)
{
    (void)state;
    openblas_set_num_threads(2);
    int before = openblas_get_num_threads(), seen = 1;
    for (size_t t = 1; t <= 2; t++) {
        assert_ok(pool_for(4, count_blas, &seen, t));
        assert_int_equal(seen, 1);
        assert_int_equal(openblas_get_num_threads(), before);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_index_once),
        cmocka_unit_test(nothing_for_zero),
        cmocka_unit_test(two_workers_run_at_once),
        cmocka_unit_test(lowest_failing_index_reported),
        cmocka_unit_test(taken_in_the_given_order),
        cmocka_unit_test(blas_single_threaded_inside_and_restored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
