/* irp_flat.c — plain-array entry points over the core (irp_flat.h). Arrays
 * are wrapped, not copied: an irp_mat's data points at the caller's. */
#include "irp_flat.h"

#include <stdlib.h>
#include <string.h>

#include "irp_anchors.h"
#include "irp_rng.h"
#include "irp_translate.h"

static irp_mat wrap(const double *data, size_t rows, size_t cols)
{
    return (irp_mat){rows, cols, (double *)data}; /* read-only use by the core */
}

irp_status irp_flat_relative(double *out, const double *x, size_t n, size_t d,
                             const double *anchors, size_t k, int center)
{
    if (!out || !x || !anchors || !n || !d || !k)
        return irp_fail(IRP_EINVAL, "relative projection: empty input (%zu rows, %zu anchors, "
                                    "dimension %zu)", n, k, d);
    irp_mat a = wrap(anchors, k, d), xm = wrap(x, n, d), o = wrap(out, n, k);
    irp_space *s = irp_space_new(&a, center);
    if (!s)
        return irp_last_status();
    irp_status rc = irp_check_finite(&xm, "samples");
    if (!rc)
        rc = irp_space_encode(&o, s, &xm, NULL, k);
    irp_space_free(s);
    return rc;
}

irp_status irp_flat_anchor_indices(int64_t *out, size_t n, size_t k, uint64_t seed)
{
    if (!out)
        return irp_fail(IRP_EINVAL, "anchor indices: no output");
    size_t *idx = malloc((k ? k : 1) * sizeof *idx);
    if (!idx)
        return irp_fail(IRP_ENOMEM, "out of memory for %zu anchor indices", k);
    irp_status rc = irp_anchor_indices(idx, n, k, seed);
    for (size_t i = 0; !rc && i < k; i++)
        out[i] = (int64_t)idx[i];
    free(idx);
    return rc;
}

irp_status irp_flat_fps(int64_t *out, size_t *count, const double *anchors, size_t k, size_t d,
                        int center, int fraction, double param, size_t first)
{
    if (!out || !count || !anchors || !k || !d)
        return irp_fail(IRP_EINVAL, "FPS: empty input (%zu anchors of dimension %zu)", k, d);
    if (first >= k)
        return irp_fail(IRP_EINVAL, "FPS: first point %zu is outside 0..%zu", first, k - 1);
    irp_mat a = wrap(anchors, k, d);
    irp_space *s = irp_space_new(&a, center);
    size_t *idx = s ? malloc(k * sizeof *idx) : NULL;
    irp_status rc = !s ? irp_last_status() : !idx ? irp_fail(IRP_ENOMEM, "out of memory") : IRP_OK;
    if (!rc)
        rc = irp_prune_fps(idx, count, s->anchors,
                           fraction ? IRP_PRUNE_FRACTION : IRP_PRUNE_THRESHOLD, param, first);
    for (size_t i = 0; !rc && i < *count; i++)
        out[i] = (int64_t)idx[i];
    free(idx);
    irp_space_free(s);
    return rc;
}

irp_status irp_flat_fit(double *t, double *mu_x, double *mu_y, double *scale_y,
                        double *mean_subset_size, const double *ax, const double *ay,
                        size_t k, size_t dx, size_t dy, size_t omega, int fraction,
                        double delta, uint64_t seed, double rcond, int center, int completion)
{
    if (!t || !mu_x || !mu_y || !scale_y || !ax || !ay || !k || !dx || !dy)
        return irp_fail(IRP_EINVAL, "fit: empty input (%zu anchors, dimensions %zu and %zu)", k,
                        dx, dy);
    irp_options o;
    irp_options_default(&o);
    o.num_subspaces = omega;
    o.prune_mode = fraction ? IRP_PRUNE_FRACTION : IRP_PRUNE_THRESHOLD;
    o.delta = delta;
    o.seed = seed;
    o.rcond = rcond;
    o.center = center;
    o.completion = completion;
    irp_status rc = irp_options_check(&o);
    if (rc)
        return rc;
    irp_mat a = wrap(ax, k, dx), b = wrap(ay, k, dy), tm = wrap(t, dx, dy);
    irp_space *sx = irp_space_new(&a, center), *sy = sx ? irp_space_new(&b, center) : NULL;
    irp_subsets *sub = sy ? irp_subsets_for(sx, &o) : NULL;
    irp_fit_info info = {0};
    rc = sub ? irp_translator_fit(&tm, sx, sy, sub, &o, &info) : irp_last_status();
    if (!rc) {
        memcpy(mu_x, sx->mean, dx * sizeof *mu_x);
        memcpy(mu_y, sy->mean, dy * sizeof *mu_y);
        *scale_y = sy->scale;
        if (mean_subset_size)
            *mean_subset_size = info.mean_subset_size;
    }
    irp_subsets_free(sub);
    irp_space_free(sx);
    irp_space_free(sy);
    return rc;
}

irp_status irp_flat_apply(double *y, const double *x, size_t n, size_t dx, size_t dy,
                          const double *t, const double *mu_x, const double *mu_y, double scale_y,
                          int rescale)
{
    if (!y || !x || !t || !mu_x || !mu_y || !n || !dx || !dy)
        return irp_fail(IRP_EINVAL, "apply: empty input (%zu rows, dimensions %zu and %zu)", n,
                        dx, dy);
    if (rescale && !(scale_y > 0))
        return irp_fail(IRP_EINVAL, "apply: the target scale must be > 0 to rescale (got %g)",
                        scale_y);
    /* spaces with only what applying needs: the means (zero when not centred:
     * subtracting and adding zero changes no value) and the target scale */
    irp_mat none_x = {0, dx, NULL}, none_y = {0, dy, NULL};
    irp_space src = {.anchors = &none_x, .mean = (double *)mu_x, .scale = 0, .centered = 1},
              dst = {.anchors = &none_y, .mean = (double *)mu_y, .scale = scale_y, .centered = 1};
    irp_mat xm = wrap(x, n, dx), tm = wrap(t, dx, dy), ym = wrap(y, n, dy);
    irp_options o;
    irp_options_default(&o);
    o.rescale = rescale ? IRP_RESCALE_MEAN_NORM : IRP_RESCALE_NONE;
    irp_status rc = irp_check_finite(&xm, "samples");
    if (!rc)
        rc = irp_check_finite(&tm, "translator");
    if (!rc)
        rc = irp_translate_apply(&ym, &tm, &src, &dst, &xm, &o);
    return rc;
}

irp_status irp_flat_anchor_hash(uint64_t *out, const double *ax, size_t k, size_t d)
{
    if (!out || !ax || !k || !d)
        return irp_fail(IRP_EINVAL, "anchor hash: empty input (%zu anchors of dimension %zu)", k,
                        d);
    /* FNV-1a 64 over k and d (as size_t) and the values, in row order */
    uint64_t h = 0xCBF29CE484222325ULL;
    const size_t shape[2] = {k, d};
    const unsigned char *parts[2] = {(const unsigned char *)shape, (const unsigned char *)ax};
    size_t bytes[2] = {sizeof shape, 0};
    if (__builtin_mul_overflow(k, d, &bytes[1]) ||
        __builtin_mul_overflow(bytes[1], sizeof *ax, &bytes[1]))
        return irp_fail(IRP_EINVAL, "anchor hash: %zu x %zu values overflow", k, d);
    for (int p = 0; p < 2; p++)
        for (size_t i = 0; i < bytes[p]; i++)
            h = (h ^ parts[p][i]) * 0x100000001B3ULL;
    *out = h;
    return IRP_OK;
}
