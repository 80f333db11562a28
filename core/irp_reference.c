#include <assert.h>
#include "irp_reference.h"

#include <stdlib.h>
#include <string.h>

#include "irp_error.h"

static int check_parallel(const irp_mat *ax, const irp_mat *ay)
{
    if (ax->rows == 0)
        return irp_fail(IRP_EINVAL, "fitting a map needs at least one anchor (k = 0)");
    if (ax->rows != ay->rows)
        return irp_fail(IRP_EINVAL, "anchors are not parallel: %zu source vs %zu target rows",
                        ax->rows, ay->rows);
    int rc = irp_check_finite(ax, "source anchors");
    return rc ? rc : irp_check_finite(ay, "target anchors");
}

irp_status irp_procrustes_fit(irp_mat *out, const irp_mat *ax, const irp_mat *ay)
{
    assert(out);
    assert(ax);
    assert(ay);
    int rc = check_parallel(ax, ay);
    if (rc)
        return rc;
    size_t dx = ax->cols, dy = ay->cols, r = dx < dy ? dx : dy;
    if (out->rows != dx || out->cols != dy)
        return irp_fail(IRP_EINVAL, "Procrustes map must be %zux%zu", dx, dy);
    irp_mat *m = irp_mat_new(dx, dy), *u = irp_mat_new(dx, r), *vt = irp_mat_new(r, dy);
    double *s = malloc(r * sizeof *s);
    rc = (!m || !u || !vt || !s) ? irp_fail(IRP_ENOMEM, "out of memory for Procrustes")
                                 : irp_gemm_tn(m, ax, ay);
    if (!rc)
        rc = irp_svd(u, s, vt, m);
    if (!rc)
        rc = irp_gemm_nn(out, u, vt);
    irp_mat_free(m);
    irp_mat_free(u);
    irp_mat_free(vt);
    free(s);
    return rc;
}

static irp_mat *with_ones(const irp_mat *x)
{
    irp_mat *a = irp_mat_new(x->rows, x->cols + 1);
    if (!a)
        return NULL;
    for (size_t i = 0; i < x->rows; i++) {
        memcpy(&IRP_AT(a, i, 0), &IRP_AT(x, i, 0), x->cols * sizeof *a->data);
        IRP_AT(a, i, x->cols) = 1.0;
    }
    return a;
}

irp_status irp_affine_fit(irp_mat *out, const irp_mat *ax, const irp_mat *ay, double rcond)
{
    assert(out);
    assert(ax);
    assert(ay);
    int rc = check_parallel(ax, ay);
    if (rc)
        return rc;
    if (out->rows != ax->cols + 1 || out->cols != ay->cols)
        return irp_fail(IRP_EINVAL, "affine map must be %zux%zu", ax->cols + 1, ay->cols);
    irp_mat *a = with_ones(ax), *p = irp_mat_new(ax->cols + 1, ax->rows);
    rc = (!a || !p) ? IRP_ENOMEM : irp_pinv(p, a, rcond, NULL);
    if (!rc)
        rc = irp_gemm_nn(out, p, ay);
    irp_mat_free(a);
    irp_mat_free(p);
    return rc;
}

irp_status irp_affine_apply(irp_mat *out, const irp_mat *w, const irp_mat *x)
{
    assert(out);
    assert(w);
    assert(x);
    if (w->rows != x->cols + 1)
        return irp_fail(IRP_EINVAL, "affine map has %zu rows; samples of dimension %zu need %zu",
                        w->rows, x->cols, x->cols + 1);
    irp_mat *a = with_ones(x);
    int rc = !a ? IRP_ENOMEM : irp_gemm_nn(out, a, w);
    irp_mat_free(a);
    return rc;
}
