/* Label-free choice of δ and ω; see irp_auto.h. */
#include "irp_auto.h"

#include <math.h>
#include <stdlib.h>

#include "irp_metrics.h"

irp_status irp_auto_select(irp_auto_choice *out, const irp_mat *ax, const irp_mat *ay,
                           const irp_options *base, const double *deltas, size_t num_deltas,
                           const size_t *omegas, size_t num_omegas, double holdout)
{
    if (!out || !ax || !ay || !base || !deltas || !omegas || !num_deltas || !num_omegas)
        return irp_fail(IRP_EINVAL, "auto: empty grid or NULL argument");
    size_t k = ax->rows;
    if (ay->rows != k)
        return irp_fail(IRP_EINVAL, "auto: %zu source anchors but %zu target anchors", k,
                        ay->rows);
    if (!(holdout > 0 && holdout < 1))
        return irp_fail(IRP_EINVAL, "auto: held-out fraction must be in (0, 1) (got %g)", holdout);
    size_t h = (size_t)llround(holdout * (double)k);
    if (h < 1)
        h = 1;
    if (k < 3 || h > k - 2)
        return irp_fail(IRP_EINVAL, "auto: %zu anchors cannot be split into a fit set of at "
                                    "least 2 and a held-out set of %zu (held-out fraction %g)",
                        k, h, holdout);
    size_t f = k - h, max_omega = 0;
    for (size_t b = 0; b < num_omegas; b++)
        if (omegas[b] > max_omega)
            max_omega = omegas[b];
    size_t *fi = malloc(f * sizeof *fi), *hi = malloc(h * sizeof *hi);
    irp_mat **ts = calloc(num_omegas, sizeof *ts);
    irp_fit_info *info = calloc(num_omegas, sizeof *info);
    irp_mat *axf = NULL, *ayf = NULL, *axh = NULL, *ayh = NULL;
    if (fi && hi) {
        for (size_t i = 0; i < f; i++)
            fi[i] = i;
        for (size_t i = 0; i < h; i++)
            hi[i] = f + i;
        axf = irp_mat_select_rows(ax, fi, f);
        ayf = irp_mat_select_rows(ay, fi, f);
        axh = irp_mat_select_rows(ax, hi, h);
        ayh = irp_mat_select_rows(ay, hi, h);
    }
    irp_mat *xp = irp_mat_new(h, ax->cols), *y = irp_mat_new(h, ay->cols);
    irp_status rc = (!fi || !hi || !ts || !info || !axf || !ayf || !axh || !ayh || !xp || !y)
                        ? irp_fail(IRP_ENOMEM, "auto: out of memory")
                        : IRP_OK;
    for (size_t b = 0; !rc && b < num_omegas; b++)
        if (!(ts[b] = irp_mat_new(ax->cols, ay->cols)))
            rc = irp_fail(IRP_ENOMEM, "auto: out of memory");
    irp_space *sx = rc ? NULL : irp_space_new(axf, base->center),
              *sy = rc ? NULL : irp_space_new(ayf, base->center);
    if (!rc && (!sx || !sy))
        rc = irp_fail(irp_last_status(), "auto: %s", irp_last_error());
    if (!rc)
        rc = irp_space_prepare(xp, sx, axh);
    out->score = -INFINITY;
    out->fit = f;
    out->held_out = h;
    for (size_t a = 0; !rc && a < num_deltas; a++) {
        irp_options o = *base;
        o.delta = deltas[a];
        o.num_subspaces = max_omega;
        rc = irp_options_check(&o);
        irp_subsets *sub = rc ? NULL : irp_subsets_for(sx, &o);
        if (!rc && !sub)
            rc = irp_fail(irp_last_status(), "auto: %s", irp_last_error());
        if (!rc)
            rc = irp_translator_fit_prefixes(ts, info, omegas, num_omegas, sx, sy, sub, &o);
        for (size_t b = 0; !rc && b < num_omegas; b++) {
            double score;
            o.num_subspaces = omegas[b];
            rc = irp_translate_apply_prepared(y, ts[b], sy, xp, &o);
            if (!rc)
                rc = irp_mean_cosine(&score, y, ayh);
            if (!rc && score > out->score) {
                out->score = score;
                out->delta = deltas[a];
                out->omega = omegas[b];
            }
        }
        irp_subsets_free(sub);
    }
    for (size_t b = 0; ts && b < num_omegas; b++)
        irp_mat_free(ts[b]);
    free(ts);
    free(info);
    free(fi);
    free(hi);
    irp_mat_free(axf);
    irp_mat_free(ayf);
    irp_mat_free(axh);
    irp_mat_free(ayh);
    irp_mat_free(xp);
    irp_mat_free(y);
    irp_space_free(sx);
    irp_space_free(sy);
    return rc;
}
