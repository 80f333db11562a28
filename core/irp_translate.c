#include <assert.h>
#include "irp_translate.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "irp_error.h"
#include "irp_metrics.h"
#include "irp_reference.h"

void irp_options_default(irp_options *o)
{
    memset(o, 0, sizeof *o);
    o->num_subspaces = 1;
    o->prune_mode = IRP_PRUNE_THRESHOLD;
    o->delta = 0.0;
    o->seed = 0;
    o->rcond = -1.0;
    o->rescale = IRP_RESCALE_MEAN_NORM;
}

irp_status irp_options_check(const irp_options *o)
{
    assert(o);
    if (o->num_subspaces < 1)
        return irp_fail(IRP_EINVAL, "number of subspaces omega must be at least 1 (got 0)");
    if (o->prune_mode == IRP_PRUNE_THRESHOLD && !(o->delta >= 0.0 && o->delta <= 1.0))
        return irp_fail(IRP_EINVAL, "pruning threshold delta must be in [0, 1] (got %g)",
                        o->delta);
    if (o->prune_mode == IRP_PRUNE_FRACTION && !(o->delta > 0.0 && o->delta <= 1.0))
        return irp_fail(IRP_EINVAL, "pruning fraction must be in (0, 1] (got %g)", o->delta);
    if (o->prune_mode != IRP_PRUNE_THRESHOLD && o->prune_mode != IRP_PRUNE_FRACTION)
        return irp_fail(IRP_EINVAL, "unknown pruning mode %d", (int)o->prune_mode);
    if (!(o->rcond < 1.0) || isnan(o->rcond))
        return irp_fail(IRP_EINVAL, "rcond must be below 1 (negative selects the default; got %g)",
                        o->rcond);
    if (o->decoder != IRP_DECODER_PINV && o->decoder != IRP_DECODER_RIDGE)
        return irp_fail(IRP_EINVAL, "unknown decoder %d", (int)o->decoder);
    if (!(o->lambda >= 0) || isinf(o->lambda))
        return irp_fail(IRP_EINVAL, "ridge lambda must be a finite number >= 0 (got %g)",
                        o->lambda);
    if (o->rescale != IRP_RESCALE_MEAN_NORM && o->rescale != IRP_RESCALE_NONE)
        return irp_fail(IRP_EINVAL, "unknown rescale mode %d", (int)o->rescale);
    return IRP_OK;
}

void irp_space_free(irp_space *s)
{
    if (!s)
        return;
    irp_mat_free(s->anchors);
    irp_mat_free(s->full_inverse);
    free(s->mean);
    free(s);
}

/* The λ the target-side inverse uses: the ridge's, 0 for the pseudo-inverse
 * (irp_ridge_inv with λ = 0 is the pseudo-inverse). */
static double inverse_lambda(const irp_options *o)
{
    return o->decoder == IRP_DECODER_RIDGE ? o->lambda : 0.0;
}

irp_status irp_space_keep_full_inverse(irp_space *s, const irp_options *o)
{
    assert(s);
    assert(o);
    int rc = irp_options_check(o);
    if (rc)
        return rc;
    double lambda = inverse_lambda(o);
    irp_mat *p = irp_mat_new(s->anchors->cols, s->anchors->rows);
    if (!p)
        return irp_fail(IRP_ENOMEM, "out of memory");
    if ((rc = irp_ridge_inv(p, s->anchors, lambda, o->rcond, &s->full_info))) {
        irp_mat_free(p);
        return rc;
    }
    irp_mat_free(s->full_inverse);
    s->full_inverse = p;
    s->full_lambda = lambda;
    s->full_rcond = o->rcond;
    return IRP_OK;
}

irp_space *irp_space_new(const irp_mat *anchors, int center)
{
    size_t k = anchors->rows, d = anchors->cols;
    if (k == 0 || d == 0) {
        irp_fail(IRP_EINVAL, "a space needs at least one anchor of dimension >= 1 (got %zux%zu)",
                 k, d);
        return NULL;
    }
    if (irp_check_finite(anchors, "anchors"))
        return NULL;
    irp_space *s = calloc(1, sizeof *s);
    if (!s || !(s->mean = calloc(d, sizeof *s->mean)) || !(s->anchors = irp_mat_copy(anchors))) {
        irp_space_free(s);
        irp_fail(IRP_ENOMEM, "out of memory for a space of %zu anchors", k);
        return NULL;
    }
    s->centered = center != 0;
    double raw_max = 0;
    if (center) {
        for (size_t i = 0; i < k; i++) {
            cblas_daxpy((int)d, 1.0 / (double)k, &IRP_AT(anchors, i, 0), 1, s->mean, 1);
            double n = irp_vec_norm(&IRP_AT(anchors, i, 0), d);
            raw_max = n > raw_max ? n : raw_max;
        }
        for (size_t i = 0; i < k; i++)
            cblas_daxpy((int)d, -1.0, s->mean, 1, &IRP_AT(s->anchors, i, 0), 1);
        /* a row equal to the mean is zero after centring up to rounding (|x|·1e-16),
         * which normalising would blow up into a direction of noise */
        for (size_t i = 0; i < k; i++)
            if (!(irp_vec_norm(&IRP_AT(s->anchors, i, 0), d) > 1e-12 * raw_max)) {
                irp_space_free(s);
                irp_fail(IRP_ENUMERIC, "centred anchors row %zu has zero norm (it equals the "
                                       "anchors' mean%s); cosines are undefined",
                         i, k > 1 ? "" : ": one anchor cannot be centred");
                return NULL;
            }
    }
    double sum = 0;
    for (size_t i = 0; i < k; i++)
        sum += irp_vec_norm(&IRP_AT(s->anchors, i, 0), d);
    s->scale = sum / (double)k;
    if (irp_rows_normalize(s->anchors, center ? "centred anchors" : "anchors")) {
        irp_space_free(s);
        return NULL;
    }
    return s;
}

irp_status irp_space_prepare(irp_mat *out, const irp_space *s, const irp_mat *x)
{
    assert(out);
    assert(s);
    assert(x);
    size_t d = s->anchors->cols;
    if (x->cols != d)
        return irp_fail(IRP_EINVAL, "samples have dimension %zu but the space has %zu", x->cols,
                        d);
    if (out->rows != x->rows || out->cols != d)
        return irp_fail(IRP_EINVAL, "prepared output must be %zux%zu", x->rows, d);
    if (out != x)
        memcpy(out->data, x->data, x->rows * d * sizeof *x->data);
    if (s->centered)
        for (size_t i = 0; i < x->rows; i++) {
            double *row = &IRP_AT(out, i, 0);
            for (size_t j = 0; j < d; j++)
                row[j] -= s->mean[j];
        }
    return irp_rows_normalize(out, s->centered ? "centred samples" : "samples");
}

irp_status irp_space_encode(irp_mat *out, const irp_space *s, const irp_mat *x, const size_t *indices,
                     size_t num_indices)
{
    assert(out);
    assert(s);
    assert(x);
    if (!indices)
        num_indices = s->anchors->rows;
    if (num_indices == 0)
        return irp_fail(IRP_EINVAL, "relative projection needs at least one anchor (k = 0)");
    irp_mat *xp = irp_mat_new(x->rows, x->cols);
    irp_mat *a = indices ? irp_mat_select_rows(s->anchors, indices, num_indices) : s->anchors;
    int rc = (!xp || !a) ? IRP_ENOMEM : irp_space_prepare(xp, s, x);
    if (!rc)
        rc = irp_gemm_nt(out, xp, a);
    irp_mat_free(xp);
    if (indices)
        irp_mat_free(a);
    return rc;
}

irp_subsets *irp_subsets_for(const irp_space *src, const irp_options *o)
{
    if (irp_options_check(o))
        return NULL;
    if (o->prune_mode == IRP_PRUNE_THRESHOLD && o->delta == 0.0) /* keeps every anchor */
        return irp_subsets_new_all(src->anchors->rows, o->num_subspaces);
    return irp_subsets_new(src->anchors, o->num_subspaces, o->prune_mode, o->delta, o->seed);
}

static int check_pair(const irp_space *src, const irp_space *dst, const irp_subsets *sub)
{
    if (src->anchors->rows != dst->anchors->rows)
        return irp_fail(IRP_EINVAL,
                        "anchors are not parallel: source has %zu anchors, target has %zu",
                        src->anchors->rows, dst->anchors->rows);
    if (sub->num_anchors != src->anchors->rows)
        return irp_fail(IRP_EINVAL, "subsets were drawn from %zu anchors but the spaces have %zu",
                        sub->num_anchors, src->anchors->rows);
    return IRP_OK;
}

/* Target-side pseudo-inverse of subset s, returned transposed-ready as P
 * (dy×m) = pinv(A_Y[I_s]); also the source-side subset A_X[I_s] (m×dx). */
static int subset_pair(irp_mat **ax, irp_mat **p, const irp_space *src, const irp_space *dst,
                       const irp_subsets *sub, size_t s, const irp_options *o,
                       irp_pinv_info *pi)
{
    size_t m = sub->counts[s];
    *ax = irp_mat_select_rows(src->anchors, sub->indices[s], m);
    double lambda = inverse_lambda(o);
    /* every anchor in order: the target's kept inverse, when made with this λ and cutoff */
    int full = dst->full_inverse && m == dst->anchors->rows && dst->full_lambda == lambda &&
               dst->full_rcond == o->rcond;
    for (size_t t = 0; full && t < m; t++)
        full = sub->indices[s][t] == t;
    if (full) {
        *p = irp_mat_copy(dst->full_inverse);
        *pi = dst->full_info;
        return (!*ax || !*p) ? IRP_ENOMEM : IRP_OK;
    }
    irp_mat *ay = irp_mat_select_rows(dst->anchors, sub->indices[s], m);
    *p = irp_mat_new(dst->anchors->cols, m);
    int rc = (!*ax || !ay || !*p) ? IRP_ENOMEM : irp_ridge_inv(*p, ay, lambda, o->rcond, pi);
    irp_mat_free(ay);
    return rc;
}

/* Completion: decode the full source anchor set through t and align it to
 * the target's full anchor set by a rotation/reflection Q; t ← t·Q. */
static int complete(irp_mat *t, const irp_space *src, const irp_space *dst)
{
    size_t dy = dst->anchors->cols;
    irp_mat *ahat = irp_mat_new(src->anchors->rows, dy), *q = irp_mat_new(dy, dy);
    irp_mat *t0 = irp_mat_copy(t);
    int rc = (!ahat || !q || !t0) ? IRP_ENOMEM : irp_gemm_nn(ahat, src->anchors, t0);
    if (!rc)
        rc = irp_procrustes_fit(q, ahat, dst->anchors); /* rotation/reflection, dy×dy */
    if (!rc)
        rc = irp_gemm_nn(t, t0, q);
    irp_mat_free(ahat);
    irp_mat_free(q);
    irp_mat_free(t0);
    return rc;
}

/* Shared by the dense and the factored fit: walks subsets 0..max ω − 1 once,
 * computing each distinct subset's pseudo-inverse P_s = pinv(A_Y[I_s]) (dy×m),
 * and accumulates either T's sum Σ A_X[I_s]ᵀ·P_sᵀ (u == NULL, dx×dy) or M's
 * rows Σ E_sᵀ·P_sᵀ (|U|×dy: row pos[a] gathers anchor a's column of P_s);
 * translator j is emitted when s + 1 = omegas[j]. */
static int fit_prefixes(irp_mat **out, irp_fit_info *info, const size_t *omegas, size_t num,
                        const irp_space *src, const irp_space *dst, const irp_subsets *sub,
                        const irp_union *u, const irp_options *o)
{
    int rc = irp_options_check(o);
    if (rc || (rc = check_pair(src, dst, sub)))
        return rc;
    if (u && o->completion)
        return irp_fail(IRP_EINVAL, "anchor completion needs the dense translator");
    size_t dx = src->anchors->cols, dy = dst->anchors->cols, max_omega = 0;
    size_t rows = u ? u->len : dx;
    for (size_t j = 0; j < num; j++) {
        if (omegas[j] < 1 || omegas[j] > sub->num_subsets)
            return irp_fail(IRP_EINVAL, "omega %zu is outside 1..%zu (the subsets drawn)",
                            omegas[j], sub->num_subsets);
        size_t want = u ? u->prefix[omegas[j] - 1] : dx;
        if (out[j]->rows != want || out[j]->cols != dy)
            return irp_fail(IRP_EINVAL, "translator must be %zux%zu (got %zux%zu)", want, dy,
                            out[j]->rows, out[j]->cols);
        if (omegas[j] > max_omega)
            max_omega = omegas[j];
    }
    size_t *rep = malloc(sub->num_subsets * sizeof *rep);
    irp_mat **cache = calloc(max_omega, sizeof *cache); /* dense: A_X[I]ᵀ·Pᵀ; factored: P */
    irp_pinv_info *pinfo = calloc(max_omega, sizeof *pinfo);
    irp_mat *sum = irp_mat_new(rows, dy);
    if (!rep || !cache || !pinfo || !sum)
        rc = irp_fail(IRP_ENOMEM, "out of memory fitting translators");
    if (!rc)
        rc = irp_subsets_representatives(rep, sub);
    irp_fit_info acc = {0};
    for (size_t s = 0; s < max_omega && !rc; s++) {
        size_t r = rep[s], m = sub->counts[s];
        if (r == s) {
            irp_mat *ax = NULL, *p = NULL;
            rc = subset_pair(&ax, &p, src, dst, sub, s, o, &pinfo[s]);
            if (!rc && u) {
                cache[s] = p;
                p = NULL;
            } else if (!rc && !(cache[s] = irp_mat_new(dx, dy)))
                rc = IRP_ENOMEM;
            else if (!rc) /* A_X[I]ᵀ (dx×m) · Pᵀ (m×dy) */
                rc = irp_gemm(cache[s], 1.0, ax, 1, p, 1, 0.0);
            irp_mat_free(ax);
            irp_mat_free(p);
            if (rc)
                break;
        }
        if (u) /* subset s's anchors are those of subset r (as a set), maybe reordered */
            for (size_t t = 0; t < m; t++) {
                size_t a = sub->indices[r][t];
                double *row = &IRP_AT(sum, u->pos[a], 0);
                for (size_t c = 0; c < dy; c++)
                    row[c] += cache[r]->data[c * m + t];
            }
        else
            for (size_t i = 0; i < dx * dy; i++)
                sum->data[i] += cache[r]->data[i];
        acc.mean_subset_size += (double)m;
        acc.mean_rank += (double)pinfo[r].rank;
        acc.mean_cond += pinfo[r].cond;
        acc.mean_cond_kept += pinfo[r].cond_kept;
        acc.mean_cond_effective += pinfo[r].cond_effective;
        if (pinfo[r].cond > acc.max_cond)
            acc.max_cond = pinfo[r].cond;
        for (size_t j = 0; j < num && !rc; j++) {
            if (omegas[j] != s + 1)
                continue;
            double w = 1.0 / (double)(s + 1);
            for (size_t i = 0; i < out[j]->rows * dy; i++) /* a prefix of sum's rows */
                out[j]->data[i] = w * sum->data[i];
            if (info) {
                info[j] = acc;
                info[j].mean_subset_size *= w;
                info[j].mean_rank *= w;
                info[j].mean_cond *= w;
                info[j].mean_cond_kept *= w;
                info[j].mean_cond_effective *= w;
            }
            if (o->completion)
                rc = complete(out[j], src, dst);
        }
    }
    for (size_t s = 0; cache && s < max_omega; s++)
        irp_mat_free(cache[s]);
    free(cache);
    free(pinfo);
    free(rep);
    irp_mat_free(sum);
    return rc;
}

irp_status irp_translator_fit_prefixes(irp_mat **out, irp_fit_info *info, const size_t *omegas,
                                size_t num, const irp_space *src, const irp_space *dst,
                                const irp_subsets *sub, const irp_options *o)
{
    assert(out);
    assert(omegas);
    assert(src);
    assert(dst);
    assert(sub);
    assert(o);
    return fit_prefixes(out, info, omegas, num, src, dst, sub, NULL, o);
}

irp_status irp_translator_fit_factored(irp_mat **out, irp_fit_info *info, const size_t *omegas,
                                size_t num, const irp_space *src, const irp_space *dst,
                                const irp_subsets *sub, const irp_union *u, const irp_options *o)
{
    assert(out);
    assert(omegas);
    assert(src);
    assert(dst);
    assert(sub);
    assert(u);
    assert(o);
    if (u->len > sub->num_anchors || sub->num_subsets == 0)
        return irp_fail(IRP_EINVAL, "the union was not built from these subsets");
    return fit_prefixes(out, info, omegas, num, src, dst, sub, u, o);
}

irp_status irp_union_encode(irp_mat *r, const irp_space *src, const irp_mat *xp, const irp_union *u)
{
    assert(r);
    assert(src);
    assert(xp);
    assert(u);
    size_t d = src->anchors->cols;
    if (xp->cols != d || r->rows != xp->rows || r->cols > u->len || r->cols == 0)
        return irp_fail(IRP_EINVAL, "union encoding must be %zux(1..%zu) from %zu-dim rows (got "
                                    "%zux%zu from %zu-dim)",
                        xp->rows, u->len, d, r->rows, r->cols, xp->cols);
    irp_mat *a = irp_mat_select_rows(src->anchors, u->order, r->cols);
    int rc = !a ? IRP_ENOMEM : irp_gemm_nt(r, xp, a);
    irp_mat_free(a);
    return rc;
}

/* Rounding to float and widening back, n values: exact conversions (the
 * widening is exact, the rounding is to nearest), so the AVX2 loops give the
 * plain loops' values. */
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
__attribute__((target("avx2"))) static void to_float_avx2(float *dst, const double *src, size_t n)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        _mm_storeu_ps(dst + i, _mm256_cvtpd_ps(_mm256_loadu_pd(src + i)));
    for (; i < n; i++)
        dst[i] = (float)src[i];
}
__attribute__((target("avx2"))) static void to_double_avx2(double *dst, const float *src, size_t n)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        _mm256_storeu_pd(dst + i, _mm256_cvtps_pd(_mm_loadu_ps(src + i)));
    for (; i < n; i++)
        dst[i] = (double)src[i];
}
#define HAVE_CONVERT_AVX2 1
#endif

static void to_float(float *dst, const double *src, size_t n)
{
#ifdef HAVE_CONVERT_AVX2
    if (__builtin_cpu_supports("avx2")) {
        to_float_avx2(dst, src, n);
        return;
    }
#endif
    for (size_t i = 0; i < n; i++)
        dst[i] = (float)src[i];
}

static void to_double(double *dst, const float *src, size_t n)
{
#ifdef HAVE_CONVERT_AVX2
    if (__builtin_cpu_supports("avx2")) {
        to_double_avx2(dst, src, n);
        return;
    }
#endif
    for (size_t i = 0; i < n; i++)
        dst[i] = (double)src[i];
}

/* Float32 apply (opts->single): the map rounded to float once, the input
 * rows block by block, the product summed in float by sgemm (about twice
 * dgemm's rate), everything after it (rescale, cosines, heads) in double. */
typedef struct apply32 {
    float *map, *in, *out; /* map k×dy; blocks of up to `rows` rows */
    size_t rows;
} apply32;

static int apply32_new(apply32 *a, const irp_mat *map, size_t rows)
{
    size_t k = map->rows, dy = map->cols;
    a->rows = rows;
    a->map = malloc(k * dy * sizeof *a->map);
    a->in = malloc(rows * k * sizeof *a->in);
    a->out = malloc(rows * dy * sizeof *a->out);
    if (!a->map || !a->in || !a->out) {
        free(a->map);
        free(a->in);
        free(a->out);
        return irp_fail(IRP_ENOMEM, "out of memory");
    }
    to_float(a->map, map->data, k * dy);
    return IRP_OK;
}

static void apply32_free(apply32 *a)
{
    free(a->map);
    free(a->in);
    free(a->out);
}

/* out (rows×dy, leading dimension ldo) = in[0..rows)[0..k) · map, where in
 * has leading dimension ld: in double, or through a (rows ≤ a->rows). */
static void apply_block_ld(double *out, size_t ldo, size_t rows, const double *in, size_t ld,
                           const irp_mat *map, const apply32 *a)
{
    size_t k = map->rows, dy = map->cols;
    if (!a) {
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)dy, (int)k, 1.0,
                    in, (int)ld, map->data, (int)dy, 0.0, out, (int)ldo);
        irp_work_count(2.0 * (double)rows * (double)dy * (double)k, 0); /* bytes: callers */
        return;
    }
    for (size_t i = 0; i < rows; i++)
        to_float(&a->in[i * k], &in[i * ld], k);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)dy, (int)k, 1.0f, a->in,
                (int)k, a->map, (int)dy, 0.0f, a->out, (int)dy);
    for (size_t i = 0; i < rows; i++)
        to_double(&out[i * ldo], &a->out[i * dy], dy);
    irp_work_count(2.0 * (double)rows * (double)dy * (double)k, 0); /* bytes: callers */
}

static void apply_block(double *out, size_t rows, const double *in, size_t ld, const irp_mat *map,
                        const apply32 *a)
{
    apply_block_ld(out, map->cols, rows, in, ld, map, a);
}

enum { APPLY_BLOCK = 128 }; /* rows translated, post-processed and compared while in cache */

/* Whether in · [A | B] gives in · A and in · B to the bit. Under OpenBLAS's
 * Haswell dgemm run by one thread (the kernel irp pins, and the runner's
 * workers) each element is the same sum over k in the same order wherever its
 * column falls (checked on 936 shapes, dy 4..1280 and not multiples of 8
 * included, and by test_core_translate). Not so under SkylakeX's kernels
 * (their small-matrix path, and edge tiles for dy % 8 != 0) or with several
 * BLAS threads, which split the columns at other places: there each map is
 * multiplied alone. */
static int wide_products_exact(void)
{
    const char *core = openblas_get_corename();
    return core && !strcmp(core, "Haswell") && openblas_get_num_threads() == 1;
}

/* out = in[:, 0..map->rows) · map, then rescaled and un-centred; in float32
 * block by block when o->single. */
static int apply_all(irp_mat *out, const irp_mat *in, const irp_mat *map, const irp_space *dst,
                     const irp_options *o)
{
    if (!o->single)
        apply_block(out->data, out->rows, in->data, in->cols, map, NULL);
    else {
        apply32 a;
        size_t n = out->rows, dy = map->cols;
        int rc = apply32_new(&a, map, APPLY_BLOCK < n ? APPLY_BLOCK : n);
        if (rc)
            return rc;
        for (size_t r0 = 0; r0 < n; r0 += APPLY_BLOCK)
            apply_block(&out->data[r0 * dy], n - r0 < APPLY_BLOCK ? n - r0 : APPLY_BLOCK,
                        &in->data[r0 * in->cols], in->cols, map, &a);
        apply32_free(&a);
    }
    irp_postprocess(out, dst, o->rescale); /* a second pass over out: its bytes count */
    size_t n = out->rows, k = map->rows, dy = map->cols;
    irp_work_count(0, 8.0 * ((double)n * (double)k + (double)k * (double)dy + (double)n * (double)dy));
    return IRP_OK;
}

irp_status irp_translate_apply_factored(irp_mat *out, const irp_mat *m, const irp_mat *r,
                                 const irp_space *dst, const irp_options *o)
{
    assert(out);
    assert(m);
    assert(r);
    assert(dst);
    assert(o);
    size_t dy = dst->anchors->cols;
    if (m->cols != dy || m->rows > r->cols || m->rows == 0)
        return irp_fail(IRP_EINVAL, "factored translator is %zux%zu but needs (1..%zu)x%zu",
                        m->rows, m->cols, r->cols, dy);
    if (out->rows != r->rows || out->cols != dy)
        return irp_fail(IRP_EINVAL, "translated output must be %zux%zu", r->rows, dy);
    /* out = R[:, 0..u) · M: the first u columns of R, leading dimension R's width;
     * in float64 whatever o->single says (see the header) */
    irp_options o64 = *o;
    o64.single = 0;
    return apply_all(out, r, m, dst, &o64);
}

irp_status irp_translator_fit(irp_mat *out, const irp_space *src, const irp_space *dst,
                       const irp_subsets *sub, const irp_options *o, irp_fit_info *info)
{
    assert(out);
    assert(src);
    assert(dst);
    assert(sub);
    assert(o);
    size_t omega = sub->num_subsets;
    return irp_translator_fit_prefixes(&out, info, &omega, 1, src, dst, sub, o);
}

/* postprocess's work, for the account; count_bytes: whether y is read from and
 * written to memory (not a block in cache) */
static void postprocess_count(const irp_mat *y, const irp_space *dst, irp_rescale_mode rescale,
                              int count_bytes)
{
    double e = (double)y->rows * (double)y->cols,
           f = (rescale == IRP_RESCALE_MEAN_NORM ? 3.0 : 0.0) + (dst->centered ? 1.0 : 0.0);
    if (f > 0)
        irp_work_count(f * e, count_bytes ? 16.0 * e : 0);
}

static void postprocess(irp_mat *y, const irp_space *dst, irp_rescale_mode rescale,
                        int count_bytes)
{
    size_t d = y->cols;
    for (size_t i = 0; i < y->rows; i++) {
        double *row = &IRP_AT(y, i, 0);
        if (rescale == IRP_RESCALE_MEAN_NORM) {
            double n = irp_vec_norm(row, d);
            double f = dst->scale / n;
            if (n > 1e-300)
                for (size_t j = 0; j < d; j++)
                    row[j] *= f;
        }
        if (dst->centered)
            for (size_t j = 0; j < d; j++)
                row[j] += dst->mean[j];
    }
    postprocess_count(y, dst, rescale, count_bytes);
}

void irp_postprocess(irp_mat *y, const irp_space *dst, irp_rescale_mode rescale)
{
    postprocess(y, dst, rescale, 1);
}

irp_status irp_translate_apply_prepared(irp_mat *out, const irp_mat *t, const irp_space *dst,
                                 const irp_mat *xp, const irp_options *o)
{
    assert(out);
    assert(t);
    assert(dst);
    assert(xp);
    assert(o);
    size_t dy = dst->anchors->cols;
    if (t->rows != xp->cols || t->cols != dy)
        return irp_fail(IRP_EINVAL, "translator is %zux%zu but the spaces need %zux%zu", t->rows,
                        t->cols, xp->cols, dy);
    if (out->rows != xp->rows || out->cols != dy)
        return irp_fail(IRP_EINVAL, "translated output must be %zux%zu", xp->rows, dy);
    return apply_all(out, xp, t, dst, o);
}

irp_status irp_translate_cosines(double *mean, double *floor, const irp_mat *map, const irp_mat *in,
                          const irp_space *dst, const irp_options *o, const irp_mat *truth,
                          const double *truth_norms, uint64_t seed)
{
    assert(mean);
    assert(map);
    assert(in);
    return irp_translate_cosines_many(mean, floor, &map, &in, 1, dst, o, truth, truth_norms, seed);
}

irp_status irp_translate_cosines_many(double *mean, double *floor, const irp_mat *const *maps,
                                      const irp_mat *const *ins, size_t num, const irp_space *dst,
                                      const irp_options *o, const irp_mat *truth,
                                      const double *truth_norms, uint64_t seed)
{
    assert(mean);
    assert(maps);
    assert(ins);
    assert(dst);
    assert(o);
    assert(truth);
    size_t n = num ? ins[0]->rows : 0, dy = dst->anchors->cols;
    for (size_t m = 0; m < num; m++) {
        size_t k = maps[m]->rows;
        if (maps[m]->cols != dy || k == 0 || k > ins[m]->cols)
            return irp_fail(IRP_EINVAL, "translator is %zux%zu but needs (1..%zu)x%zu", k,
                            maps[m]->cols, ins[m]->cols, dy);
        if (ins[m]->rows != n)
            return irp_fail(IRP_EINVAL, "translation %zu has %zu rows, translation 0 has %zu", m,
                            ins[m]->rows, n);
    }
    if (num == 0)
        return IRP_OK;
    if (truth->rows != n || truth->cols != dy || n == 0)
        return irp_fail(IRP_EINVAL, "truth is %zux%zu but the translation is %zux%zu",
                        truth->rows, truth->cols, n, dy);
    if (floor && n < 2)
        return irp_fail(IRP_EINVAL, "cosine floor needs at least 2 rows (got %zu)", n);
    /* Each block of rows is translated by every map (side by side in one buffer),
     * then compared with the truth rows at once while those are in cache. In
     * float64, consecutive maps of one input (a pair's dense translators) are
     * multiplied as one wider matrix [T_m | T_m+1 | ...] where that gives each
     * map's product to the bit (wide_products_exact): the input block is packed
     * once instead of once per map. */
    int widen = !o->single && wide_products_exact();
    size_t rows = APPLY_BLOCK < n ? APPLY_BLOCK : n, ldc = num * dy;
    if (dy && num > SIZE_MAX / sizeof(double) / rows / dy) /* (rows, dy ≥ 1 here) */
        return irp_fail(IRP_ENOMEM, "%zu translations of %zu columns are too many at once", num,
                        dy);
    double *blk = malloc(rows * ldc * sizeof *blk);
    const double **vp = malloc(num * sizeof *vp);
    irp_cosine_acc *acc = malloc(num * sizeof *acc);
    apply32 *a32 = o->single ? calloc(num, sizeof *a32) : NULL;
    size_t *run = malloc(num * sizeof *run); /* run[m]: maps m.. multiplied together (0: inside a run) */
    irp_mat **wide = calloc(num, sizeof *wide); /* run[m] > 1: those maps side by side */
    int rc = !blk || !vp || !acc || (o->single && !a32) || !run || !wide
                 ? irp_fail(IRP_ENOMEM, "out of memory")
                 : IRP_OK;
    for (size_t m = 0; !rc && m < num; m += run[m]) {
        size_t g = 1, k = maps[m]->rows;
        while (widen && m + g < num && ins[m + g] == ins[m] && maps[m + g]->rows == k)
            run[m + g++] = 0;
        run[m] = g;
        if (g > 1 && !(wide[m] = irp_mat_new(k, g * dy)))
            rc = irp_fail(IRP_ENOMEM, "out of memory");
        for (size_t r = 0; !rc && g > 1 && r < k; r++)
            for (size_t q = 0; q < g; q++)
                memcpy(&IRP_AT(wide[m], r, q * dy), &IRP_AT(maps[m + q], r, 0), dy * sizeof(double));
    }
    for (size_t m = 0; !rc && a32 && m < num; m++)
        if ((rc = apply32_new(&a32[m], maps[m], rows)))
            a32[m].rows = 0; /* not made: rows > 0 marks those freed below */
    for (size_t m = 0; !rc && m < num; m++) {
        vp[m] = &blk[m * dy];
        irp_cosine_acc_start(&acc[m], n, floor != NULL, seed);
    }
    for (size_t r0 = 0; !rc && r0 < n; r0 += rows) {
        size_t nr = n - r0 < rows ? n - r0 : rows;
        for (size_t m = 0; m < num; m += run[m])
            apply_block_ld(&blk[m * dy], ldc, nr, &IRP_AT(ins[m], r0, 0), ins[m]->cols,
                           run[m] > 1 ? wide[m] : maps[m], a32 ? &a32[m] : NULL);
        irp_mat view = {nr, dy, NULL};
        for (size_t m = 0; m < num; m++)
            postprocess_count(&view, dst, o->rescale, 0);
        /* the rescale and un-centring done on the fly, as postprocess does them */
        irp_cosine_acc_add_many(acc, num, vp, ldc, nr, r0, truth, truth_norms,
                                o->rescale == IRP_RESCALE_MEAN_NORM ? &dst->scale : NULL,
                                dst->centered ? dst->mean : NULL);
    }
    if (!rc) {
        /* read once: each map and its input, and the truth (all maps meet a block of
         * it while it is in cache); the translated blocks stay in cache */
        double bytes = 8.0 * (double)n * (double)dy;
        for (size_t m = 0; m < num; m++)
            bytes += 8.0 * (double)maps[m]->rows * ((double)n + (double)dy);
        irp_work_count(0, bytes);
        for (size_t m = 0; m < num; m++) {
            mean[m] = acc[m].sum / (double)n;
            if (floor)
                floor[m] = acc[m].sum_floor / (double)n;
        }
    }
    for (size_t m = 0; a32 && m < num; m++)
        if (a32[m].rows)
            apply32_free(&a32[m]);
    free(a32);
    for (size_t m = 0; wide && m < num; m++)
        irp_mat_free(wide[m]);
    free(wide);
    free(run);
    free(blk);
    free(vp);
    free(acc);
    return rc;
}

irp_status irp_translate_apply(irp_mat *out, const irp_mat *t, const irp_space *src,
                        const irp_space *dst, const irp_mat *x, const irp_options *o)
{
    assert(out);
    assert(t);
    assert(src);
    assert(dst);
    assert(x);
    assert(o);
    size_t dx = src->anchors->cols;
    if (t->rows != dx)
        return irp_fail(IRP_EINVAL, "translator is %zux%zu but the source space has dimension %zu",
                        t->rows, t->cols, dx);
    irp_mat *xp = irp_mat_new(x->rows, dx);
    int rc = !xp ? IRP_ENOMEM : irp_space_prepare(xp, src, x);
    if (!rc)
        rc = irp_translate_apply_prepared(out, t, dst, xp, o);
    irp_mat_free(xp);
    return rc;
}

irp_status irp_decode_stepwise(irp_mat *out, const irp_space *src, const irp_space *dst,
                        const irp_subsets *sub, const irp_mat *x, const irp_options *o)
{
    assert(out);
    assert(src);
    assert(dst);
    assert(sub);
    assert(x);
    assert(o);
    int rc = irp_options_check(o);
    if (rc || (rc = check_pair(src, dst, sub)))
        return rc;
    if (o->completion)
        return irp_fail(IRP_EINVAL,
                        "anchor completion is defined through the translator; use "
                        "irp_translator_fit");
    size_t n = x->rows, dy = dst->anchors->cols, omega = sub->num_subsets;
    if (out->rows != n || out->cols != dy)
        return irp_fail(IRP_EINVAL, "decoded output must be %zux%zu", n, dy);
    memset(out->data, 0, n * dy * sizeof *out->data);
    for (size_t s = 0; s < omega && !rc; s++) {
        size_t m = sub->counts[s];
        irp_mat *ax = NULL, *p = NULL, *r = irp_mat_new(n, m);
        rc = !r ? IRP_ENOMEM : subset_pair(&ax, &p, src, dst, sub, s, o, NULL);
        if (!rc) /* R = encode(x) against the subset */
            rc = irp_space_encode(r, src, x, sub->indices[s], m);
        if (!rc) /* Ŷ += (1/ω) · R · pinv(A_Y[I])ᵀ */
            rc = irp_gemm(out, 1.0 / (double)omega, r, 0, p, 1, 1.0);
        irp_mat_free(ax);
        irp_mat_free(p);
        irp_mat_free(r);
    }
    if (!rc)
        irp_postprocess(out, dst, o->rescale);
    return rc;
}
