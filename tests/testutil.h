/* testutil.h — fixtures shared by the tests: seeded Gaussian matrices, random
 * rotations, and cmocka glue. Header-only so each test binary stays one file. */
#ifndef IRP_TESTUTIL_H
#define IRP_TESTUTIL_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "irp.h"

#define assert_ok(expr)                                                                     \
    do {                                                                                    \
        int rc_ = (expr);                                                                   \
        if (rc_ != IRP_OK)                                                                  \
            fail_msg("%s returned %d: %s", #expr, rc_, irp_last_error());                 \
    } while (0)

#define assert_close(a, b, tol)                                                             \
    do {                                                                                    \
        double a_ = (a), b_ = (b);                                                          \
        if (!(fabs(a_ - b_) <= (tol)))                                                      \
            fail_msg("%s = %.17g, expected %.17g within %g", #a, a_, b_, (double)(tol));    \
    } while (0)

/* A standard normal draw from splitmix64 (Box–Muller). */
static inline double tu_gauss(irp_rng *r)
{
    double u1 = ((double)(irp_rng_next(r) >> 11) + 0.5) / 9007199254740992.0;
    double u2 = (double)(irp_rng_next(r) >> 11) / 9007199254740992.0;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

static inline irp_mat *tu_gauss_mat(size_t rows, size_t cols, uint64_t seed)
{
    irp_rng r;
    irp_rng_seed(&r, seed);
    irp_mat *m = irp_mat_new(rows, cols);
    for (size_t i = 0; i < rows * cols; i++)
        m->data[i] = tu_gauss(&r);
    return m;
}

/* A random d×d orthogonal matrix: U·Vᵀ of a Gaussian matrix's SVD. */
static inline irp_mat *tu_rotation(size_t d, uint64_t seed)
{
    irp_mat *g = tu_gauss_mat(d, d, seed), *u = irp_mat_new(d, d), *vt = irp_mat_new(d, d);
    irp_mat *q = irp_mat_new(d, d);
    double *s = malloc(d * sizeof *s);
    assert_ok(irp_svd(u, s, vt, g));
    assert_ok(irp_gemm_nn(q, u, vt));
    irp_mat_free(g);
    irp_mat_free(u);
    irp_mat_free(vt);
    free(s);
    return q;
}

static inline irp_mat *tu_mul(const irp_mat *a, const irp_mat *b)
{
    irp_mat *c = irp_mat_new(a->rows, b->cols);
    assert_ok(irp_gemm_nn(c, a, b));
    return c;
}

static inline double tu_max_abs_diff(const irp_mat *a, const irp_mat *b)
{
    assert_int_equal(a->rows, b->rows);
    assert_int_equal(a->cols, b->cols);
    double m = 0;
    for (size_t i = 0; i < a->rows * a->cols; i++)
        m = fmax(m, fabs(a->data[i] - b->data[i]));
    return m;
}

static inline double tu_max_abs(const irp_mat *a)
{
    double m = 0;
    for (size_t i = 0; i < a->rows * a->cols; i++)
        m = fmax(m, fabs(a->data[i]));
    return m;
}

/* Expect `expr` to fail with `status` and a message containing `needle`. */
#define assert_fails(expr, status, needle)                                                  \
    do {                                                                                    \
        irp_clear_error();                                                                  \
        int rc_ = (expr);                                                                   \
        assert_int_equal(rc_, (status));                                                    \
        if (!strstr(irp_last_error(), (needle)))                                            \
            fail_msg("error '%s' does not mention '%s'", irp_last_error(), (needle));      \
    } while (0)

/* A parallel pair of spaces for translation tests: train and test rows of x
 * and of y = scale · x · Q (+ noise). */
typedef struct pair_fixture {
    irp_mat *x_train, *y_train, *x_test, *y_test; /* rows parallel */
} pair_fixture;

/* y = scale · x · Q (+ noise), Q a rotation (dx == dy) */
static inline pair_fixture make_rotated(size_t n, size_t d, double scale, double noise,
                                        uint64_t seed)
{
    pair_fixture f;
    irp_mat *q = tu_rotation(d, seed + 100);
    f.x_train = tu_gauss_mat(n, d, seed);
    f.x_test = tu_gauss_mat(n / 2, d, seed + 1);
    f.y_train = tu_mul(f.x_train, q);
    f.y_test = tu_mul(f.x_test, q);
    irp_mat *e1 = tu_gauss_mat(n, d, seed + 2), *e2 = tu_gauss_mat(n / 2, d, seed + 3);
    for (size_t i = 0; i < n * d; i++)
        f.y_train->data[i] = scale * f.y_train->data[i] + noise * e1->data[i];
    for (size_t i = 0; i < n / 2 * d; i++)
        f.y_test->data[i] = scale * f.y_test->data[i] + noise * e2->data[i];
    irp_mat_free(q); irp_mat_free(e1); irp_mat_free(e2);
    return f;
}

static inline void free_fixture(pair_fixture *f)
{
    irp_mat_free(f->x_train); irp_mat_free(f->y_train);
    irp_mat_free(f->x_test); irp_mat_free(f->y_test);
}

#endif
