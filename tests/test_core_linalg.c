/* Unit tests of core/irp_linalg: row normalisation, relative projection, pseudo-inverse. */
#include "testutil.h"

#include <float.h>
#include <pthread.h>

static void normalize_rows_unit_norm(void **state)
{
    (void)state;
    irp_mat *m = tu_gauss_mat(20, 7, 1);
    assert_ok(irp_rows_normalize(m, "m"));
    double norms[20];
    irp_row_norms(norms, m);
    for (int i = 0; i < 20; i++)
        assert_close(norms[i], 1.0, 1e-14);
    irp_mat_free(m);
}

static void normalize_rejects_zero_row_and_nan(void **state)
{
    (void)state;
    irp_mat *m = tu_gauss_mat(4, 3, 2);
    memset(&IRP_AT(m, 2, 0), 0, 3 * sizeof(double));
    assert_fails(irp_rows_normalize(m, "samples"), IRP_ENUMERIC, "samples row 2 has zero norm");
    IRP_AT(m, 1, 1) = NAN;
    assert_fails(irp_rows_normalize(m, "samples"), IRP_ENUMERIC, "row 1, column 1");
    IRP_AT(m, 1, 1) = INFINITY;
    assert_fails(irp_rows_normalize(m, "samples"), IRP_ENUMERIC, "non-finite");
    irp_mat_free(m);
}

static void relative_projection_invariant_to_rotation_and_scale(void **state)
{
    (void)state;
    irp_mat *x = tu_gauss_mat(30, 10, 3), *a = tu_gauss_mat(15, 10, 4), *q = tu_rotation(10, 5);
    irp_mat *xr = tu_mul(x, q), *ar = tu_mul(a, q);
    for (size_t i = 0; i < xr->rows * xr->cols; i++)
        xr->data[i] *= 7.5;
    for (size_t i = 0; i < ar->rows * ar->cols; i++)
        ar->data[i] *= 0.01;
    irp_mat *r1 = irp_mat_new(30, 15), *r2 = irp_mat_new(30, 15);
    assert_ok(irp_relative_projection(r1, x, a));
    assert_ok(irp_relative_projection(r2, xr, ar));
    assert_true(tu_max_abs_diff(r1, r2) < 1e-12);
    assert_true(tu_max_abs(r1) <= 1.0 + 1e-12);
    irp_mat_free(x); irp_mat_free(a); irp_mat_free(q); irp_mat_free(xr); irp_mat_free(ar);
    irp_mat_free(r1); irp_mat_free(r2);
}

static void relative_projection_rejects_bad_shapes(void **state)
{
    (void)state;
    irp_mat *x = tu_gauss_mat(5, 4, 1), *a = tu_gauss_mat(3, 5, 2), *none = irp_mat_new(0, 4);
    irp_mat *r = irp_mat_new(5, 3);
    assert_fails(irp_relative_projection(r, x, a), IRP_EINVAL, "dimension 4 but anchors have 5");
    assert_fails(irp_relative_projection(r, x, none), IRP_EINVAL, "k = 0");
    irp_mat_free(x); irp_mat_free(a); irp_mat_free(none); irp_mat_free(r);
}

/* Pseudo-inverse results are checked on well-conditioned fixtures (cond < 1e3),
 * so 1e-9 absolute is generous. */
static void check_pinv_identity(size_t m, size_t n, size_t rank, uint64_t seed)
{
    /* A = B·C with B m×rank, C rank×n: rank-deficient when rank < min(m, n). */
    irp_mat *b = tu_gauss_mat(m, rank, seed), *c = tu_gauss_mat(rank, n, seed + 1);
    irp_mat *a = tu_mul(b, c), *p = irp_mat_new(n, m);
    irp_pinv_info info;
    assert_ok(irp_pinv(p, a, -1, &info));
    assert_int_equal(info.rank, rank);
    irp_mat *ap = tu_mul(a, p), *apa = tu_mul(ap, a), *pa = tu_mul(p, a), *pap = tu_mul(pa, p);
    double scale = tu_max_abs(a);
    /* Moore–Penrose: A·A⁺·A = A and A⁺·A·A⁺ = A⁺, relative 1e-10 · cond. */
    double tol = 1e-10 * info.cond_kept;
    assert_true(tu_max_abs_diff(apa, a) <= tol * scale);
    assert_true(tu_max_abs_diff(pap, p) <= tol * tu_max_abs(p));
    irp_mat_free(b); irp_mat_free(c); irp_mat_free(a); irp_mat_free(p);
    irp_mat_free(ap); irp_mat_free(apa); irp_mat_free(pa); irp_mat_free(pap);
}

static void pinv_moore_penrose_identities(void **state)
{
    (void)state;
    check_pinv_identity(40, 12, 12, 10); /* tall, full rank */
    check_pinv_identity(12, 40, 12, 20); /* wide, full rank */
    check_pinv_identity(30, 20, 7, 30);  /* rank-deficient */
}

/* Plain Gauss–Jordan inverse of the n×n matrix g + λI (n ≤ 8), into inv. */
static void gj_inverse_shifted(double inv[8][8], const irp_mat *g, double lambda)
{
    size_t n = g->rows;
    double aug[8][16];
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < 2 * n; j++)
            aug[i][j] = j < n ? IRP_AT(g, i, j) + (i == j) * lambda : (j - n == i);
    for (size_t c = 0; c < n; c++) {
        double piv = aug[c][c];
        for (size_t j = 0; j < 2 * n; j++)
            aug[c][j] /= piv;
        for (size_t i = 0; i < n; i++)
            if (i != c) {
                double f = aug[i][c];
                for (size_t j = 0; j < 2 * n; j++)
                    aug[i][j] -= f * aug[c][j];
            }
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            inv[i][j] = aug[i][n + j];
}

static void pinv_matches_normal_equations(void **state)
{
    (void)state;
    /* Full column rank: A⁺ = (AᵀA)⁻¹Aᵀ. Reference by Gauss–Jordan on AᵀA. */
    size_t m = 25, n = 5;
    irp_mat *a = tu_gauss_mat(m, n, 11), *p = irp_mat_new(n, m), *g = irp_mat_new(n, n);
    assert_ok(irp_pinv(p, a, -1, NULL));
    assert_ok(irp_gemm_tn(g, a, a));
    double inv[8][8];
    gj_inverse_shifted(inv, g, 0);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < m; j++) {
            double ref = 0;
            for (size_t l = 0; l < n; l++)
                ref += inv[i][l] * IRP_AT(a, j, l);
            assert_close(IRP_AT(p, i, j), ref, 1e-10);
        }
    irp_mat_free(a); irp_mat_free(p); irp_mat_free(g);
}

/* Ridge against its definition: tall A (25×5): (AᵀA + λI)⁻¹Aᵀ; wide A (5×25),
 * the same matrix written Aᵀ(AAᵀ + λI)⁻¹ (only a 5×5 inverse); λ → 0 is the
 * pseudo-inverse on well-conditioned A; a negative, NaN or infinite λ is refused. */
static void ridge_matches_definition(void **state)
{
    (void)state;
    const double lambda = 0.3;
    double inv[8][8];
    irp_mat *a = tu_gauss_mat(25, 5, 12), *r = irp_mat_new(5, 25), *g = irp_mat_new(5, 5);
    irp_pinv_info info;
    assert_ok(irp_ridge_inv(r, a, lambda, -1, &info));
    assert_ok(irp_gemm_tn(g, a, a));
    gj_inverse_shifted(inv, g, lambda);
    for (size_t i = 0; i < 5; i++)
        for (size_t j = 0; j < 25; j++) {
            double ref = 0;
            for (size_t l = 0; l < 5; l++)
                ref += inv[i][l] * IRP_AT(a, j, l);
            assert_close(IRP_AT(r, i, j), ref, 1e-12);
        }
    /* the condition of what ridge inverts, from the singular values */
    assert_true(info.cond_effective < info.cond_kept);
    assert_close(info.cond_effective * info.cond_effective,
                 (info.s_max * info.s_max + lambda) / (info.s_min * info.s_min + lambda), 1e-12);
    irp_mat *w = tu_gauss_mat(5, 25, 13), *rw = irp_mat_new(25, 5), *gw = irp_mat_new(5, 5);
    assert_ok(irp_ridge_inv(rw, w, lambda, -1, NULL));
    assert_ok(irp_gemm_nt(gw, w, w));
    gj_inverse_shifted(inv, gw, lambda);
    for (size_t i = 0; i < 25; i++)
        for (size_t j = 0; j < 5; j++) {
            double ref = 0;
            for (size_t l = 0; l < 5; l++)
                ref += IRP_AT(w, l, i) * inv[l][j];
            assert_close(IRP_AT(rw, i, j), ref, 1e-12);
        }
    /* λ → 0: the pseudo-inverse (error ~ λ/s_min², far below the tolerance) */
    irp_mat *p = irp_mat_new(5, 25);
    assert_ok(irp_pinv(p, a, -1, NULL));
    assert_ok(irp_ridge_inv(r, a, 1e-13, -1, NULL));
    for (size_t i = 0; i < 5 * 25; i++)
        assert_close(r->data[i], p->data[i], 1e-9);
    assert_ok(irp_ridge_inv(r, a, 0, -1, NULL)); /* λ = 0 is exactly the pseudo-inverse */
    assert_memory_equal(r->data, p->data, 5 * 25 * sizeof(double));
    assert_int_equal(irp_ridge_inv(r, a, -1e-3, -1, NULL), IRP_EINVAL);
    assert_int_equal(irp_ridge_inv(r, a, NAN, -1, NULL), IRP_EINVAL);
    assert_int_equal(irp_ridge_inv(r, a, INFINITY, -1, NULL), IRP_EINVAL);
    irp_mat_free(a); irp_mat_free(r); irp_mat_free(g);
    irp_mat_free(w); irp_mat_free(rw); irp_mat_free(gw); irp_mat_free(p);
}

static void pinv_reports_rank_and_condition(void **state)
{
    (void)state;
    irp_mat *d = irp_mat_new(3, 3), *p = irp_mat_new(3, 3);
    IRP_AT(d, 0, 0) = 4;
    IRP_AT(d, 1, 1) = 2;
    IRP_AT(d, 2, 2) = 1e-3;
    irp_pinv_info info;
    assert_ok(irp_pinv(p, d, -1, &info));
    assert_int_equal(info.rank, 3);
    assert_close(info.cond, 4000.0, 1e-9);
    assert_close(IRP_AT(p, 2, 2), 1000.0, 1e-9);
    assert_ok(irp_pinv(p, d, 1e-2, &info)); /* cutoff 0.04 drops 1e-3 */
    assert_int_equal(info.rank, 2);
    assert_close(info.cond_kept, 2.0, 1e-12);
    assert_close(IRP_AT(p, 2, 2), 0.0, 0.0);
    irp_mat *empty = irp_mat_new(0, 3), *pe = irp_mat_new(3, 0);
    assert_fails(irp_pinv(pe, empty, -1, NULL), IRP_EINVAL, "empty");
    /* an output wrong in one dimension only is refused too (3x4 into 4x2, 3x3) */
    irp_mat *w = irp_mat_new(3, 4), *o1 = irp_mat_new(4, 2), *o2 = irp_mat_new(3, 3);
    assert_fails(irp_pinv(o1, w, -1, NULL), IRP_EINVAL, "needs a 4x3 output, got 4x2");
    assert_fails(irp_pinv(o2, w, -1, NULL), IRP_EINVAL, "needs a 4x3 output, got 3x3");
    irp_mat_free(w); irp_mat_free(o1); irp_mat_free(o2);
    irp_mat_free(d); irp_mat_free(p); irp_mat_free(empty); irp_mat_free(pe);
}

/* The cutoff's boundaries, each of which a plausible bug would move: the cutoff
 * is relative to s_max (a matrix with s_max = 1e6), LAPACK's default uses the
 * larger dimension (a wide 2×200 matrix), and a singular value equal to the
 * cutoff is dropped ("treated as zero when ≤ rcond·s_max"). */
static void pinv_cutoff_boundaries(void **state)
{
    (void)state;
    irp_pinv_info info;
    irp_mat *a = irp_mat_new(3, 3), *p = irp_mat_new(3, 3);
    IRP_AT(a, 0, 0) = 1e6, IRP_AT(a, 1, 1) = 1e3, IRP_AT(a, 2, 2) = 1;
    assert_ok(irp_pinv(p, a, 1e-4, &info)); /* relative cutoff 100: keeps 1e6 and 1e3 */
    assert_int_equal(info.rank, 2);
    assert_close(IRP_AT(p, 1, 1), 1e-3, 1e-15);
    assert_close(IRP_AT(p, 2, 2), 0, 0);
    irp_mat_free(a);
    irp_mat_free(p);
    a = irp_mat_new(2, 200), p = irp_mat_new(200, 2);
    IRP_AT(a, 0, 0) = 1, IRP_AT(a, 1, 1) = 150 * DBL_EPSILON; /* between 2·eps and 200·eps */
    assert_ok(irp_pinv(p, a, -1, &info));
    assert_close(info.rcond_used, 200 * DBL_EPSILON, 0);
    assert_int_equal(info.rank, 1);
    irp_mat_free(a);
    irp_mat_free(p);
    a = irp_mat_new(2, 2), p = irp_mat_new(2, 2);
    IRP_AT(a, 0, 0) = 1, IRP_AT(a, 1, 1) = 0.5;
    assert_ok(irp_pinv(p, a, 0.5, &info)); /* s = 0.5 = cutoff: dropped */
    assert_int_equal(info.rank, 1);
    assert_ok(irp_pinv(p, a, 0.4999999, &info));
    assert_int_equal(info.rank, 2);
    assert_close(IRP_AT(p, 1, 1), 2, 1e-12);
    irp_mat_free(a);
    irp_mat_free(p);
}

/* The work counters (irp_work_done): exact model counts per call, per thread. */
static irp_work work_since(irp_work w0)
{
    irp_work w = irp_work_done();
    return (irp_work){w.flops - w0.flops, w.bytes - w0.bytes};
}

static void work_counts_products_svds_and_normalisation(void **state)
{
    (void)state;
    irp_mat *a = tu_gauss_mat(3, 5, 11), *b = tu_gauss_mat(5, 4, 12), *c = irp_mat_new(3, 4);
    irp_work w0 = irp_work_done(), w;
    assert_ok(irp_gemm_nn(c, a, b)); /* 2·3·4·5; 8·(15 + 20 + 12) */
    w = work_since(w0);
    assert_true(w.flops == 120 && w.bytes == 376);
    irp_mat *bt = irp_mat_new(4, 5);
    w0 = irp_work_done();
    assert_ok(irp_gemm_tn(bt, c, a)); /* (4×3)·(3×5): m 4, n 5, k 3 */
    w = work_since(w0);
    assert_true(w.flops == 120 && w.bytes == 8.0 * (12 + 15 + 20));
    w0 = irp_work_done();
    assert_ok(irp_rows_normalize(c, "c")); /* 3 per entry, read and written */
    w = work_since(w0);
    assert_true(w.flops == 36 && w.bytes == 192);
    irp_mat *e = irp_mat_new(0, 4), *e0 = irp_mat_new(0, 0); /* empty products do no work */
    w0 = irp_work_done();
    assert_ok(irp_gemm_nt(e0, e, e));
    w = work_since(w0);
    assert_true(w.flops == 0 && w.bytes == 0);
    /* SVD of 5×3 (p 3, q 5): 6·5·9 + 20·27; pinv adds the 3×5 product of rank 3 */
    irp_mat *u = irp_mat_new(5, 3), *vt = irp_mat_new(3, 3), *p = irp_mat_new(3, 5);
    irp_mat *m = tu_gauss_mat(5, 3, 13);
    double s[3];
    w0 = irp_work_done();
    assert_ok(irp_svd(u, s, vt, m));
    w = work_since(w0);
    assert_true(w.flops == 810 && w.bytes == 8.0 * (30 + 15 + 3 + 9));
    w0 = irp_work_done();
    assert_ok(irp_pinv(p, m, -1, NULL));
    w = work_since(w0);
    assert_true(w.flops == 810 + 2 * 3 * 5 * 3 && w.bytes == 8.0 * (57 + 3 * 8 + 15));
    irp_mat_free(a); irp_mat_free(b); irp_mat_free(c); irp_mat_free(bt); irp_mat_free(e); irp_mat_free(e0);
    irp_mat_free(u); irp_mat_free(vt); irp_mat_free(p); irp_mat_free(m);
}

static void *count_in_thread(void *arg)
{
    irp_work *w = arg;
    w[0] = irp_work_done(); /* a new thread starts at zero */
    irp_work_count(7, 9);
    w[1] = irp_work_done();
    return NULL;
}

static void work_counters_belong_to_their_thread(void **state)
{
    (void)state;
    irp_work_count(1, 1); /* this thread has done some work */
    irp_work before = irp_work_done(), w[2];
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, count_in_thread, w), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_true(w[0].flops == 0 && w[0].bytes == 0);
    assert_true(w[1].flops == 7 && w[1].bytes == 9);
    irp_work after = irp_work_done();
    assert_true(after.flops == before.flops && after.bytes == before.bytes);
}

/* A shape whose element count does not fit a size_t is refused (it once
 * wrapped round to a one-element buffer under a huge shape); copies and row
 * selections, which skip zeroing, hold exactly what they copied. */
static void matrix_shapes_that_overflow_are_refused(void **state)
{
    (void)state;
    irp_clear_error();
    assert_null(irp_mat_new((size_t)1 << 62, 8));
    assert_non_null(strstr(irp_last_error(), "out of memory"));
    assert_null(irp_mat_new(SIZE_MAX / 4, 2));
    assert_null(irp_mat_new((size_t)1 << 61, 1));
    irp_mat *a = irp_mat_new(3, 2);
    for (size_t i = 0; i < 6; i++)
        a->data[i] = (double)i + 0.5;
    irp_mat *c = irp_mat_copy(a);
    size_t idx[4] = {2, 0, 2, 1};
    irp_mat *r = irp_mat_select_rows(a, idx, 4);
    assert_memory_equal(c->data, a->data, 6 * sizeof(double));
    for (size_t i = 0; i < 4; i++)
        assert_memory_equal(&IRP_AT(r, i, 0), &IRP_AT(a, idx[i], 0), 2 * sizeof(double));
    irp_mat *z = irp_mat_new(0, 5);
    assert_non_null(z);
    irp_mat_free(z);
    irp_mat_free(a);
    irp_mat_free(c);
    irp_mat_free(r);
}

int main(void)
{
    const struct CMUnitTest core_linalg[] = {
        cmocka_unit_test(normalize_rows_unit_norm),
        cmocka_unit_test(matrix_shapes_that_overflow_are_refused),
        cmocka_unit_test(normalize_rejects_zero_row_and_nan),
        cmocka_unit_test(relative_projection_invariant_to_rotation_and_scale),
        cmocka_unit_test(relative_projection_rejects_bad_shapes),
        cmocka_unit_test(pinv_moore_penrose_identities),
        cmocka_unit_test(pinv_matches_normal_equations),
        cmocka_unit_test(ridge_matches_definition),
        cmocka_unit_test(pinv_reports_rank_and_condition),
        cmocka_unit_test(pinv_cutoff_boundaries),
        cmocka_unit_test(work_counts_products_svds_and_normalisation),
        cmocka_unit_test(work_counters_belong_to_their_thread),
    };
    return cmocka_run_group_tests(core_linalg, NULL, NULL);
}
