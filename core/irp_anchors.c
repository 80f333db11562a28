#include <assert.h>
#include "irp_anchors.h"

#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "irp_error.h"
#include "irp_rng.h"

static int check_param(irp_prune_mode mode, double param)
{
    if (mode == IRP_PRUNE_THRESHOLD && !(param >= 0.0 && param <= 1.0))
        return irp_fail(IRP_EINVAL, "pruning threshold delta must be in [0, 1] (got %g)", param);
    if (mode == IRP_PRUNE_FRACTION && !(param > 0.0 && param <= 1.0))
        return irp_fail(IRP_EINVAL, "pruning fraction must be in (0, 1] (got %g)", param);
    if (mode != IRP_PRUNE_THRESHOLD && mode != IRP_PRUNE_FRACTION)
        return irp_fail(IRP_EINVAL, "unknown pruning mode %d", (int)mode);
    return IRP_OK;
}

/* The cosines FPS needs: cos[s][j] = an_j · an_{cur[s]} for every anchor j
 * and each of m runs s, as cblas_dgemv gives them one run at a time under the
 * kernel irp pins where the CPU has AVX2 and FMA (OpenBLAS's Haswell dgemv_t,
 * harness/plumbing/provenance.c): per row four lanes of fused multiply-adds,
 * lane l over the elements i ≡ l (mod 4) in order, then (l0 + l2) + (l1 + l3).
 * Taken here for all m runs at once, each anchor row is read once per step for
 * all of them instead of once per run (the rows, k·d doubles, outgrow the
 * cache: the dgemv was bound by that traffic). That kernel sums that way where
 * d is a multiple of 4 up to 2048, and only in its 4-row groups: the last k % 4
 * rows, other d, and CPUs without FMA go to cblas_dgemv itself. */
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_FPS_FMA 1
__attribute__((target("avx2,fma"))) static void fps_cosines_fma(double *const *cos,
                                                                const irp_mat *an,
                                                                const size_t *cur, size_t m,
                                                                size_t rows)
{
    size_t d = an->cols, m4 = m & ~(size_t)3;
    /* runs left over from the groups of four: one at a time, four rows at once
     * (four chains, as the kernel runs them) */
    for (size_t s = m4; s < m; s++) {
        const double *x = &IRP_AT(an, cur[s], 0);
        for (size_t j = 0; j < rows; j += 4) { /* rows: a multiple of 4 */
            __m256d c[4];
            for (size_t q = 0; q < 4; q++)
                c[q] = _mm256_setzero_pd();
            for (size_t i = 0; i < d; i += 4) {
                __m256d xv = _mm256_loadu_pd(x + i);
                for (size_t q = 0; q < 4; q++)
                    c[q] = _mm256_fmadd_pd(_mm256_loadu_pd(&IRP_AT(an, j + q, i)), xv, c[q]);
            }
            for (size_t q = 0; q < 4; q++) {
                double l[4];
                _mm256_storeu_pd(l, c[q]);
                cos[s][j + q] = (l[0] + l[2]) + (l[1] + l[3]);
            }
        }
    }
    for (size_t j = 0; j < rows; j += 2)
        for (size_t s0 = 0; s0 < m4; s0 += 4) {
            const double *a0 = &IRP_AT(an, j, 0), *a1 = &IRP_AT(an, j + 1, 0), *x[4];
            for (size_t q = 0; q < 4; q++)
                x[q] = &IRP_AT(an, cur[s0 + q], 0);
            __m256d c0[4], c1[4];
            for (size_t q = 0; q < 4; q++)
                c0[q] = c1[q] = _mm256_setzero_pd();
            for (size_t i = 0; i < d; i += 4) {
                __m256d v0 = _mm256_loadu_pd(a0 + i), v1 = _mm256_loadu_pd(a1 + i);
                for (size_t q = 0; q < 4; q++) {
                    __m256d xv = _mm256_loadu_pd(x[q] + i);
                    c0[q] = _mm256_fmadd_pd(v0, xv, c0[q]);
                    c1[q] = _mm256_fmadd_pd(v1, xv, c1[q]);
                }
            }
            for (size_t q = 0; q < 4; q++) {
                double l0[4], l1[4];
                _mm256_storeu_pd(l0, c0[q]);
                _mm256_storeu_pd(l1, c1[q]);
                cos[s0 + q][j] = (l0[0] + l0[2]) + (l0[1] + l0[3]);
                cos[s0 + q][j + 1] = (l1[0] + l1[2]) + (l1[1] + l1[3]);
            }
        }
}
#endif

static void fps_cosines(double *const *cos, const irp_mat *an, const size_t *cur, size_t m)
{
    size_t k = an->rows, d = an->cols, done = 0;
#ifdef HAVE_FPS_FMA
    if (d % 4 == 0 && d <= 2048 && __builtin_cpu_supports("avx2") &&
        __builtin_cpu_supports("fma")) {
        done = k & ~(size_t)3;
        fps_cosines_fma(cos, an, cur, m, done);
    }
#endif
    for (size_t s = 0; s < m && done < k; s++)
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)(k - done), (int)d, 1.0,
                    &IRP_AT(an, done, 0), (int)d, &IRP_AT(an, cur[s], 0), 1, 0.0, &cos[s][done],
                    1);
    /* bytes: none; the anchors were read once by the normalisation and stay in cache */
    irp_work_count(2.0 * (double)m * (double)k * (double)d, 0);
}

/* m FPS runs over the rows of `an` (normalised, k×d), run s from first[s],
 * side by side (one step of each at a time: their cosines in one pass),
 * keeping at most `limit`; in threshold mode each stopping before an anchor
 * whose distance is below `param`. out[s] receives run s's indices and
 * counts[s] their number; dist (optional): dist[s][t] the distance that
 * admitted out[s][t] (dist[s][0] = +inf). */
static irp_status fps_runs(size_t *const *out, double *const *dist, size_t *counts,
                           const irp_mat *an, size_t limit, irp_prune_mode mode, double param,
                           const size_t *first, size_t m)
{
    size_t k = an->rows;
    if (k && m > SIZE_MAX / sizeof(double) / k)
        return irp_fail(IRP_ENOMEM, "out of memory pruning %zu anchors %zu times", k, m);
    double *mind = malloc(m * k * sizeof *mind), *cosv = malloc(m * k * sizeof *cosv);
    double *admitted = malloc(m * sizeof *admitted), **cs = malloc(m * sizeof *cs);
    unsigned char *taken = calloc(m * k, 1);
    size_t *cur = malloc(m * sizeof *cur), *live = malloc(m * sizeof *live),
           *lcur = malloc(m * sizeof *lcur);
    if (!mind || !cosv || !admitted || !cs || !taken || !cur || !live || !lcur) {
        free(mind);
        free(cosv);
        free(admitted);
        free(cs);
        free(taken);
        free(cur);
        free(live);
        free(lcur);
        return irp_fail(IRP_ENOMEM, "out of memory pruning %zu anchors", k);
    }
    for (size_t i = 0; i < m * k; i++)
        mind[i] = INFINITY;
    for (size_t s = 0; s < m; s++) {
        cur[s] = first[s];
        admitted[s] = INFINITY;
        counts[s] = 0;
    }
    size_t nlive = m;
    for (size_t s = 0; s < m; s++)
        live[s] = s;
    while (nlive) {
        size_t kept = 0;
        for (size_t r = 0; r < nlive; r++) { /* admit each run's newest anchor */
            size_t s = live[r];
            if (dist)
                dist[s][counts[s]] = admitted[s];
            out[s][counts[s]++] = cur[s];
            taken[s * k + cur[s]] = 1;
            if (counts[s] < limit)
                live[kept++] = s;
        }
        if (!(nlive = kept))
            break;
        /* cosines of every anchor to each live run's newest one */
        for (size_t r = 0; r < nlive; r++) {
            lcur[r] = cur[live[r]];
            cs[r] = &cosv[live[r] * k];
        }
        fps_cosines(cs, an, lcur, nlive);
        kept = 0;
        for (size_t r = 0; r < nlive; r++) {
            size_t s = live[r], best = k;
            double best_d = -1.0, *md = &mind[s * k];
            const double *cv = &cosv[s * k];
            const unsigned char *tk = &taken[s * k];
            for (size_t i = 0; i < k; i++) {
                if (tk[i])
                    continue;
                double dc = 1.0 - fabs(cv[i]);
                if (dc < 0)
                    dc = 0; /* |cos| may exceed 1 by rounding */
                if (dc < md[i])
                    md[i] = dc;
                if (md[i] > best_d) {
                    best_d = md[i];
                    best = i;
                }
            }
            if (best == k)
                continue; /* all taken */
            if (mode == IRP_PRUNE_THRESHOLD && best_d < param)
                continue;
            cur[s] = best;
            admitted[s] = best_d;
            live[kept++] = s;
        }
        nlive = kept;
    }
    free(mind);
    free(cosv);
    free(admitted);
    free(cs);
    free(taken);
    free(cur);
    free(live);
    free(lcur);
    return IRP_OK;
}

/* m FPS runs over the rows of `anchors`, normalised here once, run s from
 * first[s]: at most k anchors each, or the fraction `param` of them. */
static irp_status prune_runs(size_t *const *out, size_t *counts, const irp_mat *anchors,
                             irp_prune_mode mode, double param, const size_t *first, size_t m)
{
    size_t k = anchors->rows;
    irp_mat *an = irp_mat_copy(anchors);
    if (!an)
        return irp_fail(IRP_ENOMEM, "out of memory pruning %zu anchors", k);
    int rc = irp_rows_normalize(an, "anchors");
    size_t limit = k;
    if (mode == IRP_PRUNE_FRACTION) {
        limit = (size_t)ceil(param * (double)k - 1e-12);
        if (limit < 1)
            limit = 1;
    }
    if (!rc)
        rc = fps_runs(out, NULL, counts, an, limit, mode, param, first, m);
    irp_mat_free(an);
    return rc;
}

irp_status irp_prune_fps(size_t *out_indices, size_t *out_count, const irp_mat *anchors,
                  irp_prune_mode mode, double param, size_t first)
{
    assert(out_indices);
    assert(out_count);
    assert(anchors);
    size_t k = anchors->rows;
    int rc = check_param(mode, param);
    if (rc)
        return rc;
    if (k == 0)
        return irp_fail(IRP_EINVAL, "cannot prune an empty anchor set (k = 0)");
    if (first >= k)
        return irp_fail(IRP_EINVAL, "first anchor %zu is out of range (k = %zu)", first, k);
    return prune_runs(&out_indices, out_count, anchors, mode, param, &first, 1);
}

void irp_fps_trace_free(irp_fps_trace *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->num_subsets; i++) {
        if (t->order)
            free(t->order[i]);
        if (t->dist)
            free(t->dist[i]);
    }
    free(t->order);
    free(t->dist);
    free(t->lens);
    free(t);
}

irp_fps_trace *irp_fps_trace_new(const irp_mat *anchors, size_t num_subsets, double floor,
                                 uint64_t seed)
{
    assert(anchors);
    size_t k = anchors->rows;
    if (num_subsets < 1 || k == 0 || check_param(IRP_PRUNE_THRESHOLD, floor)) {
        if (num_subsets < 1 || k == 0)
            irp_fail(IRP_EINVAL, "cannot trace %zu subsets of %zu anchors", num_subsets, k);
        return NULL;
    }
    irp_fps_trace *t = calloc(1, sizeof *t);
    irp_mat *an = irp_mat_copy(anchors);
    int rc = t && an ? IRP_OK : IRP_ENOMEM;
    if (!rc) {
        *t = (irp_fps_trace){num_subsets, k, floor, seed, calloc(num_subsets, sizeof *t->lens),
                             calloc(num_subsets, sizeof *t->order),
                             calloc(num_subsets, sizeof *t->dist)};
        rc = t->lens && t->order && t->dist ? IRP_OK : IRP_ENOMEM;
    }
    /* normalised once here (irp_prune_fps normalises a copy per call: the same bits) */
    if (!rc && (rc = irp_rows_normalize(an, "anchors")))
        goto done;
    size_t *first = rc ? NULL : malloc(num_subsets * sizeof *first);
    if (!rc && !first)
        rc = IRP_ENOMEM;
    for (size_t i = 0; !rc && i < num_subsets; i++) {
        if (!(t->order[i] = malloc(k * sizeof **t->order)) ||
            !(t->dist[i] = malloc(k * sizeof **t->dist)))
            rc = IRP_ENOMEM;
        else
            first[i] = irp_subspace_first(seed, i, k);
    }
    /* every subset's run side by side: each step reads the anchors once for all */
    if (!rc)
        rc = fps_runs(t->order, t->dist, t->lens, an, k, IRP_PRUNE_THRESHOLD, floor, first,
                      num_subsets);
    free(first);
done:
    if (rc == IRP_ENOMEM)
        irp_fail(IRP_ENOMEM, "out of memory tracing %zu subsets of %zu anchors", num_subsets, k);
    irp_mat_free(an);
    if (rc) {
        irp_fps_trace_free(t);
        return NULL;
    }
    return t;
}

void irp_subsets_free(irp_subsets *s)
{
    if (!s)
        return;
    if (s->indices)
        for (size_t i = 0; i < s->num_subsets; i++)
            free(s->indices[i]);
    free(s->indices);
    free(s->counts);
    free(s);
}

static irp_subsets *subsets_alloc(size_t num_subsets, size_t k)
{
    irp_subsets *s = calloc(1, sizeof *s);
    if (!s)
        goto oom;
    s->num_subsets = num_subsets;
    s->num_anchors = k;
    s->counts = calloc(num_subsets, sizeof *s->counts);
    s->indices = calloc(num_subsets, sizeof *s->indices);
    if (!s->counts || !s->indices)
        goto oom;
    for (size_t i = 0; i < num_subsets; i++)
        if (!(s->indices[i] = malloc(k * sizeof **s->indices)))
            goto oom;
    return s;
oom:
    irp_subsets_free(s);
    irp_fail(IRP_ENOMEM, "out of memory for %zu anchor subsets", num_subsets);
    return NULL;
}

irp_subsets *irp_subsets_new(const irp_mat *anchors, size_t num_subsets, irp_prune_mode mode,
                             double param, uint64_t seed)
{
    if (num_subsets < 1) {
        irp_fail(IRP_EINVAL, "number of subspaces omega must be at least 1 (got 0)");
        return NULL;
    }
    if (anchors->rows == 0) {
        irp_fail(IRP_EINVAL, "cannot draw subspaces from an empty anchor set (k = 0)");
        return NULL;
    }
    size_t k = anchors->rows;
    if (check_param(mode, param))
        return NULL;
    irp_subsets *s = subsets_alloc(num_subsets, k);
    size_t *first = s ? malloc(num_subsets * sizeof *first) : NULL;
    int rc = !s || !first ? irp_fail(IRP_ENOMEM, "out of memory pruning %zu anchors", k) : IRP_OK;
    for (size_t i = 0; !rc && i < num_subsets; i++)
        first[i] = irp_subspace_first(seed, i, k);
    /* as irp_prune_fps per subset, the ω runs side by side (fps_runs: the same bits) */
    if (!rc)
        rc = prune_runs(s->indices, s->counts, anchors, mode, param, first, num_subsets);
    free(first);
    if (rc) {
        irp_subsets_free(s);
        return NULL;
    }
    return s;
}

irp_subsets *irp_subsets_new_all(size_t num_anchors, size_t num_subsets)
{
    if (num_anchors == 0 || num_subsets == 0) {
        irp_fail(IRP_EINVAL, "cannot build %zu subsets of %zu anchors", num_subsets, num_anchors);
        return NULL;
    }
    irp_subsets *s = subsets_alloc(num_subsets, num_anchors);
    if (!s)
        return NULL;
    for (size_t j = 0; j < num_subsets; j++) {
        for (size_t i = 0; i < num_anchors; i++)
            s->indices[j][i] = i;
        s->counts[j] = num_anchors;
    }
    return s;
}

irp_subsets *irp_subsets_cut(const irp_fps_trace *t, size_t num_subsets, double delta)
{
    assert(t);
    if (num_subsets < 1 || num_subsets > t->num_subsets || !(delta >= t->floor && delta <= 1)) {
        irp_fail(IRP_EINVAL, "cannot cut %zu subsets at delta %g from a trace of %zu down to %g",
                 num_subsets, delta, t->num_subsets, t->floor);
        return NULL;
    }
    irp_subsets *s = subsets_alloc(num_subsets, t->num_anchors);
    if (!s)
        return NULL;
    for (size_t i = 0; i < num_subsets; i++) {
        size_t n = 1; /* the first point; then each while it was admitted at >= delta */
        while (n < t->lens[i] && !(t->dist[i][n] < delta))
            n++;
        memcpy(s->indices[i], t->order[i], n * sizeof *t->order[i]);
        s->counts[i] = n;
    }
    return s;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

irp_status irp_subsets_representatives(size_t *rep, const irp_subsets *s)
{
    assert(rep);
    assert(s);
    size_t n = s->num_subsets;
    size_t **sorted = calloc(n, sizeof *sorted);
    int rc = sorted ? IRP_OK : irp_fail(IRP_ENOMEM, "out of memory");
    for (size_t i = 0; !rc && i < n; i++) {
        if (!(sorted[i] = malloc((s->counts[i] ? s->counts[i] : 1) * sizeof **sorted))) {
            rc = irp_fail(IRP_ENOMEM, "out of memory");
            break;
        }
        memcpy(sorted[i], s->indices[i], s->counts[i] * sizeof **sorted);
        qsort(sorted[i], s->counts[i], sizeof **sorted, cmp_size);
    }
    for (size_t i = 0; !rc && i < n; i++) {
        rep[i] = i;
        for (size_t j = 0; j < i; j++)
            if (rep[j] == j && s->counts[j] == s->counts[i] &&
                !memcmp(sorted[j], sorted[i], s->counts[i] * sizeof **sorted)) {
                rep[i] = j;
                break;
            }
    }
    for (size_t i = 0; sorted && i < n; i++)
        free(sorted[i]);
    free(sorted);
    return rc;
}

irp_union *irp_union_new(const irp_subsets *s)
{
    irp_union *u = calloc(1, sizeof *u);
    if (u) {
        u->order = malloc((s->num_anchors ? s->num_anchors : 1) * sizeof *u->order);
        u->prefix = malloc((s->num_subsets ? s->num_subsets : 1) * sizeof *u->prefix);
        u->pos = malloc((s->num_anchors ? s->num_anchors : 1) * sizeof *u->pos);
    }
    if (!u || !u->order || !u->prefix || !u->pos) {
        irp_union_free(u);
        irp_fail(IRP_ENOMEM, "out of memory for the union of %zu subsets", s->num_subsets);
        return NULL;
    }
    for (size_t a = 0; a < s->num_anchors; a++)
        u->pos[a] = SIZE_MAX;
    for (size_t i = 0; i < s->num_subsets; i++) {
        for (size_t t = 0; t < s->counts[i]; t++) {
            size_t a = s->indices[i][t];
            if (u->pos[a] == SIZE_MAX) {
                u->pos[a] = u->len;
                u->order[u->len++] = a;
            }
        }
        u->prefix[i] = u->len;
    }
    return u;
}

void irp_union_free(irp_union *u)
{
    if (!u)
        return;
    free(u->order);
    free(u->prefix);
    free(u->pos);
    free(u);
}
