#include <assert.h>
#include "irp_linalg.h"

#include <cblas.h>
#include <float.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "irp_error.h"

static _Thread_local irp_work work_done;

irp_work irp_work_done(void)
{
    return work_done;
}

void irp_work_count(double flops, double bytes)
{
    work_done.flops += flops;
    work_done.bytes += bytes;
}

/* rows × cols, zeroed or (a copy about to fill every element) not */
static irp_mat *mat_alloc(size_t rows, size_t cols, int zero)
{
    irp_mat *m = malloc(sizeof *m);
    size_t n = rows * cols;
    int fits = !(cols && n / cols != rows) && n <= SIZE_MAX / sizeof(double);
    double *d = !fits ? NULL
              : zero  ? calloc(n ? n : 1, sizeof *d)
                      : malloc((n ? n : 1) * sizeof *d);
    if (!m || !d) {
        free(m);
        free(d);
        irp_fail(IRP_ENOMEM, "out of memory for a %zux%zu matrix", rows, cols);
        return NULL;
    }
    m->rows = rows;
    m->cols = cols;
    m->data = d;
    return m;
}

irp_mat *irp_mat_new(size_t rows, size_t cols)
{
    return mat_alloc(rows, cols, 1);
}

irp_mat *irp_mat_copy(const irp_mat *m)
{
    irp_mat *c = mat_alloc(m->rows, m->cols, 0);
    if (c)
        memcpy(c->data, m->data, m->rows * m->cols * sizeof *c->data);
    return c;
}

irp_mat *irp_mat_select_rows(const irp_mat *m, const size_t *indices, size_t num_indices)
{
    irp_mat *c = mat_alloc(num_indices, m->cols, 0);
    if (!c)
        return NULL;
    for (size_t i = 0; i < num_indices; i++)
        memcpy(&IRP_AT(c, i, 0), &IRP_AT(m, indices[i], 0), m->cols * sizeof *c->data);
    return c;
}

void irp_mat_free(irp_mat *m)
{
    if (!m)
        return;
    free(m->data);
    free(m);
}

irp_status irp_check_finite(const irp_mat *m, const char *what)
{
    assert(m);
    for (size_t i = 0; i < m->rows; i++)
        for (size_t j = 0; j < m->cols; j++)
            if (!isfinite(IRP_AT(m, i, j)))
                return irp_fail(IRP_ENUMERIC, "%s has a non-finite value at row %zu, column %zu",
                                what, i, j);
    return IRP_OK;
}

double irp_dot(const double *a, const double *b, size_t n)
{
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += a[i] * b[i];
        s1 += a[i + 1] * b[i + 1];
        s2 += a[i + 2] * b[i + 2];
        s3 += a[i + 3] * b[i + 3];
    }
    for (; i < n; i++)
        s0 += a[i] * b[i];
    return (s0 + s1) + (s2 + s3);
}

double irp_vec_norm(const double *v, size_t n)
{
    return sqrt(irp_dot(v, v, n));
}

void irp_row_norms(double *out, const irp_mat *m)
{
    for (size_t i = 0; i < m->rows; i++)
        out[i] = irp_vec_norm(&IRP_AT(m, i, 0), m->cols);
}

irp_status irp_rows_normalize(irp_mat *m, const char *what)
{
    assert(m);
    int rc = irp_check_finite(m, what);
    if (rc)
        return rc;
    for (size_t i = 0; i < m->rows; i++) {
        double n = irp_vec_norm(&IRP_AT(m, i, 0), m->cols);
        if (!(n > 1e-300))
            return irp_fail(IRP_ENUMERIC, "%s row %zu has zero norm; cosines are undefined", what,
                            i);
        double *row = &IRP_AT(m, i, 0), inv = 1.0 / n;
        for (size_t j = 0; j < m->cols; j++)
            row[j] *= inv;
    }
    irp_work_count(3.0 * (double)m->rows * (double)m->cols,
                   16.0 * (double)m->rows * (double)m->cols);
    return IRP_OK;
}

irp_status irp_gemm(irp_mat *out, double alpha, const irp_mat *a, int ta, const irp_mat *b, int tb,
             double beta)
{
    assert(out);
    assert(a);
    assert(b);
    size_t m = ta ? a->cols : a->rows, ka = ta ? a->rows : a->cols;
    size_t kb = tb ? b->cols : b->rows, n = tb ? b->rows : b->cols;
    if (ka != kb || out->rows != m || out->cols != n)
        return irp_fail(IRP_EINVAL,
                        "matrix product shapes disagree: (%zux%zu)%s · (%zux%zu)%s into %zux%zu",
                        a->rows, a->cols, ta ? "ᵀ" : "", b->rows, b->cols, tb ? "ᵀ" : "",
                        out->rows, out->cols);
    if (m == 0 || n == 0)
        return IRP_OK;
    if (ka == 0) {
        for (size_t i = 0; i < m * n; i++)
            out->data[i] = beta == 0.0 ? 0.0 : beta * out->data[i];
        return IRP_OK;
    }
    cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                (int)m, (int)n, (int)ka, alpha, a->data, (int)a->cols, b->data, (int)b->cols, beta,
                out->data, (int)out->cols);
    irp_work_count(2.0 * (double)m * (double)n * (double)ka,
                   8.0 * ((double)m * (double)ka + (double)ka * (double)n + (double)m * (double)n));
    return IRP_OK;
}

irp_status irp_gemm_nt(irp_mat *out, const irp_mat *a, const irp_mat *b)
{
    assert(out);
    assert(a);
    assert(b);
    return irp_gemm(out, 1.0, a, 0, b, 1, 0.0);
}
irp_status irp_gemm_nn(irp_mat *out, const irp_mat *a, const irp_mat *b)
{
    assert(out);
    assert(a);
    assert(b);
    return irp_gemm(out, 1.0, a, 0, b, 0, 0.0);
}
irp_status irp_gemm_tn(irp_mat *out, const irp_mat *a, const irp_mat *b)
{
    assert(out);
    assert(a);
    assert(b);
    return irp_gemm(out, 1.0, a, 1, b, 0, 0.0);
}

irp_status irp_relative_projection(irp_mat *out, const irp_mat *x, const irp_mat *anchors)
{
    assert(out);
    assert(x);
    assert(anchors);
    if (anchors->rows == 0)
        return irp_fail(IRP_EINVAL, "relative projection needs at least one anchor (k = 0)");
    if (x->cols != anchors->cols)
        return irp_fail(IRP_EINVAL, "samples have dimension %zu but anchors have %zu", x->cols,
                        anchors->cols);
    irp_mat *xn = irp_mat_copy(x), *an = irp_mat_copy(anchors);
    int rc = (!xn || !an) ? IRP_ENOMEM : IRP_OK;
    if (!rc)
        rc = irp_rows_normalize(xn, "samples");
    if (!rc)
        rc = irp_rows_normalize(an, "anchors");
    if (!rc)
        rc = irp_gemm_nt(out, xn, an);
    irp_mat_free(xn);
    irp_mat_free(an);
    return rc;
}

double irp_pinv_default_rcond(size_t rows, size_t cols)
{
    return DBL_EPSILON * (double)(rows > cols ? rows : cols);
}

irp_status irp_svd(irp_mat *u, double *s, irp_mat *vt, const irp_mat *a)
{
    assert(u);
    assert(s);
    assert(vt);
    assert(a);
    size_t m = a->rows, n = a->cols, r = m < n ? m : n;
    if (r == 0)
        return irp_fail(IRP_EINVAL, "SVD of an empty %zux%zu matrix", m, n);
    if (u->rows != m || u->cols != r || vt->rows != r || vt->cols != n)
        return irp_fail(IRP_EINVAL, "SVD output shapes do not match a %zux%zu input", m, n);
    int rc = irp_check_finite(a, "matrix to decompose");
    if (rc)
        return rc;
    irp_mat *work = irp_mat_copy(a);
    if (!work)
        return IRP_ENOMEM;
    lapack_int info = LAPACKE_dgesdd(LAPACK_ROW_MAJOR, 'S', (lapack_int)m, (lapack_int)n,
                                     work->data, (lapack_int)n, s, u->data, (lapack_int)r,
                                     vt->data, (lapack_int)n);
    irp_mat_free(work);
    double p = (double)r, q = (double)(m > n ? m : n);
    irp_work_count(6.0 * q * p * p + 20.0 * p * p * p,
                   8.0 * (2.0 * (double)m * (double)n + (double)m * p + p + p * (double)n));
    if (info != 0)
        return irp_fail(IRP_ELAPACK, "LAPACKE_dgesdd failed on a %zux%zu matrix (info = %d)", m,
                        n, (int)info);
    return IRP_OK;
}

irp_status irp_pinv(irp_mat *out, const irp_mat *a, double rcond, irp_pinv_info *info)
{
    return irp_ridge_inv(out, a, 0.0, rcond, info);
}

irp_status irp_ridge_inv(irp_mat *out, const irp_mat *a, double lambda, double rcond,
                         irp_pinv_info *info)
{
    assert(out);
    assert(a);
    size_t m = a->rows, n = a->cols, r = m < n ? m : n;
    if (r == 0)
        return irp_fail(IRP_EINVAL, "pseudo-inverse of an empty %zux%zu matrix", m, n);
    if (out->rows != n || out->cols != m)
        return irp_fail(IRP_EINVAL, "pseudo-inverse of %zux%zu needs a %zux%zu output, got %zux%zu",
                        m, n, n, m, out->rows, out->cols);
    if (!(lambda >= 0) || isinf(lambda))
        return irp_fail(IRP_EINVAL, "ridge lambda must be a finite number >= 0 (got %g)", lambda);
    if (rcond < 0)
        rcond = irp_pinv_default_rcond(m, n);
    irp_mat *u = irp_mat_new(m, r), *vt = irp_mat_new(r, n);
    double *s = malloc(r * sizeof *s);
    int rc = (!u || !vt || !s) ? irp_fail(IRP_ENOMEM, "out of memory for an SVD") : IRP_OK;
    if (!rc)
        rc = irp_svd(u, s, vt, a);
    if (!rc) {
        double cutoff = rcond * s[0];
        size_t rank = 0;
        while (rank < r && s[rank] > cutoff)
            rank++;
        /* out = V_used · diag(f(s)) · U_usedᵀ: scale the used rows of Vᵀ, then
         * out (n×m) = (Vtᵀ)(n×used) · (Uᵀ)(used×m). The pseudo-inverse uses the
         * kept values with f = 1/s; ridge every s > 0 with f = s/(s² + λ). */
        size_t used = rank;
        if (lambda > 0)
            for (used = 0; used < r && s[used] > 0;)
                used++;
        for (size_t i = 0; i < used; i++)
            cblas_dscal((int)n, lambda > 0 ? s[i] / (s[i] * s[i] + lambda) : 1.0 / s[i],
                        &IRP_AT(vt, i, 0), 1);
        if (used > 0) {
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasTrans, (int)n, (int)m, (int)used, 1.0,
                        vt->data, (int)n, u->data, (int)r, 0.0, out->data, (int)m);
            irp_work_count(2.0 * (double)n * (double)m * (double)used,
                           8.0 * ((double)used * ((double)n + (double)m) + (double)n * (double)m));
        } else
            memset(out->data, 0, n * m * sizeof *out->data);
        if (info) {
            info->rank = rank;
            info->s_max = s[0];
            info->s_min = s[r - 1];
            info->cond = s[r - 1] > 0 ? s[0] / s[r - 1] : INFINITY;
            info->cond_kept = rank > 0 ? s[0] / s[rank - 1] : INFINITY;
            /* what ridge inverts: (s_max² + λ) / (s_min² + λ) of AᵀA + λI, as a
             * condition of A (square root); the pseudo-inverse's is cond_kept */
            info->cond_effective = lambda > 0 ? sqrt((s[0] * s[0] + lambda) /
                                                     (s[r - 1] * s[r - 1] + lambda))
                                              : info->cond_kept;
            info->rcond_used = rcond;
        }
    }
    irp_mat_free(u);
    irp_mat_free(vt);
    free(s);
    return rc;
}
