#include <assert.h>
#include "irp_metrics.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "irp_error.h"
#include "irp_rng.h"

static int same_shape(const irp_mat *a, const irp_mat *b, const char *what)
{
    if (a->rows != b->rows || a->cols != b->cols)
        return irp_fail(IRP_EINVAL, "%s: shapes differ (%zux%zu vs %zux%zu)", what, a->rows,
                        a->cols, b->rows, b->cols);
    if (a->rows == 0)
        return irp_fail(IRP_EINVAL, "%s: no rows to compare", what);
    return IRP_OK;
}

/* The one-off forms: the truth's row norms computed here. */
static int cosines_once(double *mean, double *floor, const irp_mat *a, const irp_mat *b,
                        uint64_t seed)
{
    double *norms = malloc((b->rows ? b->rows : 1) * sizeof *norms);
    if (!norms)
        return irp_fail(IRP_ENOMEM, "out of memory for %zu row norms", b->rows);
    irp_row_norms(norms, b);
    int rc = irp_cosines(mean, floor, a, b, norms, seed);
    free(norms);
    return rc;
}

irp_status irp_mean_cosine(double *out, const irp_mat *a, const irp_mat *b)
{
    assert(out);
    assert(a);
    assert(b);
    return cosines_once(out, NULL, a, b, 0);
}

irp_status irp_mean_cosine_floor(double *out, const irp_mat *a, const irp_mat *b, uint64_t seed)
{
    assert(out);
    assert(a);
    assert(b);
    double mean;
    return cosines_once(&mean, out, a, b, seed);
}

irp_status irp_cosines(double *mean, double *floor, const irp_mat *a, const irp_mat *b,
                const double *b_norms, uint64_t seed)
{
    assert(mean);
    assert(a);
    assert(b);
    assert(b_norms);
    int rc = same_shape(a, b, "mean cosine");
    if (rc)
        return rc;
    size_t n = a->rows;
    if (floor && n < 2)
        return irp_fail(IRP_EINVAL, "cosine floor needs at least 2 rows (got %zu)", n);
    irp_cosine_acc acc;
    irp_cosine_acc_start(&acc, n, floor != NULL, seed);
    irp_cosine_acc_add(&acc, a, 0, b, b_norms);
    irp_work_count(0, 16.0 * (double)n * (double)a->cols);
    *mean = acc.sum / (double)n;
    if (floor)
        *floor = acc.sum_floor / (double)n;
    return IRP_OK;
}

void irp_cosine_acc_start(irp_cosine_acc *acc, size_t n, int floor, uint64_t seed)
{
    memset(acc, 0, sizeof *acc);
    acc->n = n;
    acc->floor = floor;
    irp_rng_seed(&acc->rng, seed);
}

/* The cosine sums, two rows at a time. Each row r is first mapped as
 * irp_postprocess maps a translation, x = a_r·f_r (+ μ): f_r = s/‖a_r‖ when
 * rescaling (and ‖a_r‖ > 1e-300), else 1, which leaves a_r as it is (x·1 = x
 * exactly). Then x·x, x·b_i and (floor) x·b_j, every sum taken exactly as
 * irp_dot takes it (four lanes, then (s0 + s1) + (s2 + s3)), so the results
 * are those of writing x out and calling irp_dot, to the bit. Two rows side by
 * side give six independent chains instead of three, so the adds overlap
 * instead of waiting on each other; where the CPU has AVX2 the four lanes sit
 * in one register (same products, same sums: C11 mode contracts nothing into
 * fused multiply-adds). */
#define LANES_SUM(v) (((v)[0] + (v)[1]) + ((v)[2] + (v)[3]))
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
/* ‖a0‖², ‖a1‖² */
__attribute__((target("avx2"))) static void sumsq2_avx2(double *out, const double *a0,
                                                        const double *a1, size_t n)
{
    __m256d p0 = _mm256_setzero_pd(), p1 = p0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        __m256d x0 = _mm256_loadu_pd(a0 + i), x1 = _mm256_loadu_pd(a1 + i);
        p0 = _mm256_add_pd(p0, _mm256_mul_pd(x0, x0));
        p1 = _mm256_add_pd(p1, _mm256_mul_pd(x1, x1));
    }
    double v0[4], v1[4];
    _mm256_storeu_pd(v0, p0);
    _mm256_storeu_pd(v1, p1);
    for (; i < n; i++) {
        v0[0] += a0[i] * a0[i];
        v1[0] += a1[i] * a1[i];
    }
    out[0] = LANES_SUM(v0);
    out[1] = LANES_SUM(v1);
}

/* o_r = (x_r·x_r, x_r·b_r, x_r·c_r) for r = 0, 1; `floor` and `centred` are
 * constants where this is inlined, so each use is a loop of its own */
__attribute__((target("avx2"), always_inline)) static inline void
dot3x2_body(double *o0, double *o1, const double *a0, const double *a1, double f0, double f1,
            const double *m, const double *b0, const double *b1, const double *c0,
            const double *c1, size_t n, const int floor, const int centred)
{
    __m256d p0 = _mm256_setzero_pd(), q0 = p0, r0 = p0, p1 = p0, q1 = p0, r1 = p0;
    __m256d g0 = _mm256_set1_pd(f0), g1 = _mm256_set1_pd(f1);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        __m256d x0 = _mm256_mul_pd(_mm256_loadu_pd(a0 + i), g0);
        __m256d x1 = _mm256_mul_pd(_mm256_loadu_pd(a1 + i), g1);
        if (centred) {
            __m256d mu = _mm256_loadu_pd(m + i);
            x0 = _mm256_add_pd(x0, mu);
            x1 = _mm256_add_pd(x1, mu);
        }
        p0 = _mm256_add_pd(p0, _mm256_mul_pd(x0, x0));
        p1 = _mm256_add_pd(p1, _mm256_mul_pd(x1, x1));
        q0 = _mm256_add_pd(q0, _mm256_mul_pd(x0, _mm256_loadu_pd(b0 + i)));
        q1 = _mm256_add_pd(q1, _mm256_mul_pd(x1, _mm256_loadu_pd(b1 + i)));
        if (floor) {
            r0 = _mm256_add_pd(r0, _mm256_mul_pd(x0, _mm256_loadu_pd(c0 + i)));
            r1 = _mm256_add_pd(r1, _mm256_mul_pd(x1, _mm256_loadu_pd(c1 + i)));
        }
    }
    double pv0[4], qv0[4], rv0[4], pv1[4], qv1[4], rv1[4];
    _mm256_storeu_pd(pv0, p0);
    _mm256_storeu_pd(qv0, q0);
    _mm256_storeu_pd(rv0, r0);
    _mm256_storeu_pd(pv1, p1);
    _mm256_storeu_pd(qv1, q1);
    _mm256_storeu_pd(rv1, r1);
    for (; i < n; i++) {
        double x0 = a0[i] * f0, x1 = a1[i] * f1;
        if (centred) {
            x0 += m[i];
            x1 += m[i];
        }
        pv0[0] += x0 * x0;
        pv1[0] += x1 * x1;
        qv0[0] += x0 * b0[i];
        qv1[0] += x1 * b1[i];
        if (floor) {
            rv0[0] += x0 * c0[i];
            rv1[0] += x1 * c1[i];
        }
    }
    o0[0] = LANES_SUM(pv0);
    o0[1] = LANES_SUM(qv0);
    o0[2] = floor ? LANES_SUM(rv0) : 0;
    o1[0] = LANES_SUM(pv1);
    o1[1] = LANES_SUM(qv1);
    o1[2] = floor ? LANES_SUM(rv1) : 0;
}

__attribute__((target("avx2"))) static void dot3x2_avx2(double *o0, double *o1, const double *a0,
                                                        const double *a1, double f0, double f1,
                                                        const double *m, const double *b0,
                                                        const double *b1, const double *c0,
                                                        const double *c1, size_t n)
{
    if (c0 && m)
        dot3x2_body(o0, o1, a0, a1, f0, f1, m, b0, b1, c0, c1, n, 1, 1);
    else if (c0)
        dot3x2_body(o0, o1, a0, a1, f0, f1, m, b0, b1, c0, c1, n, 1, 0);
    else if (m)
        dot3x2_body(o0, o1, a0, a1, f0, f1, m, b0, b1, c0, c1, n, 0, 1);
    else
        dot3x2_body(o0, o1, a0, a1, f0, f1, m, b0, b1, c0, c1, n, 0, 0);
}
#define HAVE_DOT3_AVX2 1
#endif

/* The portable loops: one row, x formed element by element. */
static void dot3_plain(double *out, const double *a, double f, const double *m, const double *b,
                       const double *c, size_t n)
{
    double p[4] = {0}, q[4] = {0}, r[4] = {0};
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (size_t l = 0; l < 4; l++) {
            double x = a[i + l] * f;
            if (m)
                x += m[i + l];
            p[l] += x * x;
            q[l] += x * b[i + l];
            if (c)
                r[l] += x * c[i + l];
        }
    for (; i < n; i++) {
        double x = a[i] * f;
        if (m)
            x += m[i];
        p[0] += x * x;
        q[0] += x * b[i];
        if (c)
            r[0] += x * c[i];
    }
    out[0] = LANES_SUM(p);
    out[1] = LANES_SUM(q);
    out[2] = LANES_SUM(r);
}

static int simd_on = 1;

int irp_metrics_simd(int on)
{
    int was = simd_on;
    simd_on = on != 0;
    return was;
}

/* The factor irp_postprocess scales a row of squared norm ss by. */
static double rescale_factor(const double *scale, double ss)
{
    if (!scale)
        return 1.0;
    double n = sqrt(ss);
    return n > 1e-300 ? *scale / n : 1.0;
}

/* Asks for a truth row ahead of its use: the floor's rows are random, so the
 * CPU's own prefetcher cannot guess them (measured: they cost the offline
 * grid 0.6 of 15 CPU-s unprefetched, irp run --account). */
static void prefetch_row(const double *row, size_t d)
{
#if defined(__GNUC__)
    for (size_t o = 0; o < d; o += 8)
        __builtin_prefetch(row + o);
    __builtin_prefetch(row + d - 1);
#else
    (void)row;
    (void)d;
#endif
}

enum { FLOOR_CHUNK = 64, FLOOR_AHEAD = 4 }; /* rows drawn at a time; rows prefetched ahead */

void irp_cosine_acc_add_many(irp_cosine_acc *acc, size_t num, const double *const *a, size_t lda,
                             size_t rows_all, size_t row0, const irp_mat *b,
                             const double *b_norms, const double *scale, const double *mean)
{
    if (num == 0)
        return;
    size_t n = acc[0].n, d = b->cols;
    int floor = acc[0].floor;
#ifdef HAVE_DOT3_AVX2
    int avx2 = simd_on && __builtin_cpu_supports("avx2");
#endif
    for (size_t c0 = 0; c0 < rows_all; c0 += FLOOR_CHUNK) {
        size_t rows = rows_all - c0 < FLOOR_CHUNK ? rows_all - c0 : FLOOR_CHUNK;
        size_t js[FLOOR_CHUNK] = {0};
        /* a random other row: (i + 1 + r mod (n − 1)) mod n, drawn in row order; the
         * same draws for every sum (same seed, same rows), so drawn once */
        for (size_t t = 0; floor && t < rows; t++) {
            js[t] = (row0 + c0 + t + 1 + (size_t)(irp_rng_next(&acc[0].rng) % (uint64_t)(n - 1))) % n;
            if (t < FLOOR_AHEAD)
                prefetch_row(&IRP_AT(b, js[t], 0), d);
        }
        for (size_t r = 0; r < rows; r += 2) {
            size_t pair = rows - r < 2 ? 1 : 2; /* a lone last row is computed twice */
            for (size_t t = r + FLOOR_AHEAD; floor && t < r + FLOOR_AHEAD + 2 && t < rows; t++)
                prefetch_row(&IRP_AT(b, js[t], 0), d);
            size_t i[2] = {row0 + c0 + r, row0 + c0 + r + pair - 1},
                   j[2] = {js[r], js[r + pair - 1]};
            const double *bi[2] = {&IRP_AT(b, i[0], 0), &IRP_AT(b, i[1], 0)};
            const double *bj[2] = {floor ? &IRP_AT(b, j[0], 0) : NULL,
                                   floor ? &IRP_AT(b, j[1], 0) : NULL};
            /* every translation of these two rows while their truth is in cache */
            for (size_t m = 0; m < num; m++) {
                const double *ar[2] = {&a[m][(c0 + r) * lda], &a[m][(c0 + r + pair - 1) * lda]};
                double ss[2] = {0, 0}, f[2], dots[2][3]; /* x·x, x·b_i, x·b_j */
#ifdef HAVE_DOT3_AVX2
                if (avx2) {
                    if (scale)
                        sumsq2_avx2(ss, ar[0], ar[1], d);
                    f[0] = rescale_factor(scale, ss[0]);
                    f[1] = rescale_factor(scale, ss[1]);
                    dot3x2_avx2(dots[0], dots[1], ar[0], ar[1], f[0], f[1], mean, bi[0], bi[1],
                                bj[0], bj[1], d);
                } else
#endif
                    for (size_t t = 0; t < 2; t++) {
                        f[t] = rescale_factor(scale, scale ? irp_dot(ar[t], ar[t], d) : 0);
                        dot3_plain(dots[t], ar[t], f[t], mean, bi[t], bj[t], d);
                    }
                for (size_t t = 0; t < pair; t++) {
                    double na = sqrt(dots[t][0]);
                    if (na > 0 && b_norms[i[t]] > 0)
                        acc[m].sum += dots[t][1] / (na * b_norms[i[t]]);
                    if (floor && na > 0 && b_norms[j[t]] > 0)
                        acc[m].sum_floor += dots[t][2] / (na * b_norms[j[t]]);
                }
            }
        }
    }
    for (size_t m = 1; m < num; m++) /* each where its own draws would have left it */
        acc[m].rng = acc[0].rng;
    /* bytes: callers (a block in cache, or a matrix read once) */
    irp_work_count(2.0 * (floor ? 3.0 : 2.0) * (double)num * (double)rows_all * (double)d, 0);
}

void irp_cosine_acc_add_post(irp_cosine_acc *acc, const irp_mat *a, size_t row0, const irp_mat *b,
                             const double *b_norms, const double *scale, const double *mean)
{
    const double *rows = a->data;
    irp_cosine_acc_add_many(acc, 1, &rows, a->cols, a->rows, row0, b, b_norms, scale, mean);
}

void irp_cosine_acc_add(irp_cosine_acc *acc, const irp_mat *a, size_t row0, const irp_mat *b,
                        const double *b_norms)
{
    irp_cosine_acc_add_post(acc, a, row0, b, b_norms, NULL, NULL);
}

irp_status irp_top1_retrieval(double *out, const irp_mat *pred, const irp_mat *truth)
{
    assert(out);
    assert(pred);
    assert(truth);
    int rc = same_shape(pred, truth, "top-1 retrieval");
    if (rc)
        return rc;
    size_t n = pred->rows, block = 512;
    irp_mat *p = irp_mat_copy(pred), *t = irp_mat_copy(truth);
    irp_mat *s = irp_mat_new(block < n ? block : n, n);
    if (!p || !t || !s) {
        rc = IRP_ENOMEM;
        goto done;
    }
    if ((rc = irp_rows_normalize(p, "translated rows")) ||
        (rc = irp_rows_normalize(t, "true rows")))
        goto done;
    size_t hits = 0;
    for (size_t b0 = 0; b0 < n; b0 += block) {
        size_t nb = n - b0 < block ? n - b0 : block;
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nb, (int)n, (int)p->cols, 1.0,
                    &IRP_AT(p, b0, 0), (int)p->cols, t->data, (int)t->cols, 0.0, s->data, (int)n);
        irp_work_count(2.0 * (double)nb * (double)n * (double)p->cols,
                       8.0 * ((double)nb * (double)p->cols + (double)n * (double)p->cols +
                              (double)nb * (double)n));
        for (size_t i = 0; i < nb; i++) {
            const double *row = &IRP_AT(s, i, 0);
            double self = row[b0 + i];
            int hit = 1;
            for (size_t j = 0; j < n && hit; j++)
                if (j != b0 + i && row[j] >= self)
                    hit = 0;
            hits += (size_t)hit;
        }
    }
    *out = (double)hits / (double)n;
done:
    irp_mat_free(p);
    irp_mat_free(t);
    irp_mat_free(s);
    return rc;
}

static const char *const act_names[] = {"identity", "relu", "tanh", "sigmoid", "gelu"};

irp_status irp_activation_parse(irp_activation *out, const char *name)
{
    assert(out);
    for (size_t i = 0; i < sizeof act_names / sizeof *act_names; i++)
        if (strcmp(name, act_names[i]) == 0) {
            *out = (irp_activation)i;
            return IRP_OK;
        }
    return irp_fail(IRP_EINVAL,
                    "unknown activation '%s' (expected identity, relu, tanh, sigmoid or gelu)",
                    name);
}

const char *irp_activation_name(irp_activation act)
{
    return (unsigned)act < sizeof act_names / sizeof *act_names ? act_names[act] : "?";
}

static double activate(irp_activation act, double x)
{
    switch (act) {
    case IRP_ACT_RELU: return x > 0 ? x : 0;
    case IRP_ACT_TANH: return tanh(x);
    case IRP_ACT_SIGMOID: return 1.0 / (1.0 + exp(-x));
    case IRP_ACT_GELU: return 0.5 * x * (1.0 + erf(x / sqrt(2.0)));
    default: return x;
    }
}

irp_status irp_head_check(const irp_head *h, size_t dim)
{
    assert(h);
    if (h->num_layers < 1)
        return irp_fail(IRP_EINVAL, "a head needs at least one layer");
    if ((unsigned)h->activation > IRP_ACT_GELU)
        return irp_fail(IRP_EINVAL, "unknown activation %d", (int)h->activation);
    size_t in = dim;
    for (size_t l = 0; l < h->num_layers; l++) {
        const irp_mat *w = h->weights[l];
        if (w->cols != in)
            return irp_fail(IRP_EINVAL, "head layer %zu takes %zu inputs but receives %zu", l,
                            w->cols, in);
        if (w->rows == 0)
            return irp_fail(IRP_EINVAL, "head layer %zu has no outputs", l);
        int rc = irp_check_finite(w, "head weight");
        if (rc)
            return rc;
        for (size_t j = 0; j < w->rows; j++)
            if (!isfinite(h->biases[l][j]))
                return irp_fail(IRP_ENUMERIC, "head layer %zu bias %zu is not finite", l, j);
        in = w->rows;
    }
    return IRP_OK;
}

size_t irp_head_num_classes(const irp_head *h)
{
    return h->weights[h->num_layers - 1]->rows;
}

irp_status irp_head_forward(irp_mat *logits, const irp_head *h, const irp_mat *z)
{
    assert(logits);
    assert(h);
    assert(z);
    int rc = irp_head_check(h, z->cols);
    if (rc)
        return rc;
    size_t n = z->rows, c = irp_head_num_classes(h);
    if (logits->rows != n || logits->cols != c)
        return irp_fail(IRP_EINVAL, "logits must be %zux%zu", n, c);
    irp_mat *cur = (irp_mat *)z, *next = NULL;
    for (size_t l = 0; l < h->num_layers && !rc; l++) {
        const irp_mat *w = h->weights[l];
        int last = l + 1 == h->num_layers;
        next = last ? logits : irp_mat_new(n, w->rows);
        if (!next) {
            rc = IRP_ENOMEM;
            break;
        }
        for (size_t i = 0; i < n; i++)
            memcpy(&IRP_AT(next, i, 0), h->biases[l], w->rows * sizeof *next->data);
        rc = irp_gemm(next, 1.0, cur, 0, w, 1, 1.0);
        if (!last)
            for (size_t i = 0; i < n * w->rows; i++)
                next->data[i] = activate(h->activation, next->data[i]);
        if (cur != z)
            irp_mat_free(cur);
        cur = next;
    }
    if (rc && cur != z && cur != logits)
        irp_mat_free(cur);
    return rc;
}

irp_status irp_accuracy(double *out, const irp_mat *logits, const int32_t *labels)
{
    assert(out);
    assert(logits);
    assert(labels);
    if (logits->rows == 0 || logits->cols == 0)
        return irp_fail(IRP_EINVAL, "accuracy of an empty %zux%zu logit matrix", logits->rows,
                        logits->cols);
    size_t right = 0;
    for (size_t i = 0; i < logits->rows; i++) {
        const double *row = &IRP_AT(logits, i, 0);
        size_t best = 0;
        for (size_t j = 1; j < logits->cols; j++)
            if (row[j] > row[best])
                best = j;
        right += (labels[i] >= 0 && (size_t)labels[i] == best);
    }
    *out = (double)right / (double)logits->rows;
    return IRP_OK;
}

irp_status irp_head_accuracy(double *out, const irp_head *h, const irp_mat *z, const int32_t *labels)
{
    assert(out);
    assert(h);
    assert(z);
    assert(labels);
    int rc = irp_head_check(h, z->cols);
    if (rc)
        return rc;
    irp_mat *logits = irp_mat_new(z->rows, irp_head_num_classes(h));
    rc = !logits ? IRP_ENOMEM : irp_head_forward(logits, h, z);
    if (!rc)
        rc = irp_accuracy(out, logits, labels);
    irp_mat_free(logits);
    return rc;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

irp_status irp_dist_stats_compute(irp_dist_stats *o, const double *v, size_t n)
{
    assert(o);
    assert(v);
    if (n < 3)
        return irp_fail(IRP_EINVAL, "distribution statistics need at least 3 values (got %zu)", n);
    memset(o, 0, sizeof *o);
    o->n = n;
    o->min = INFINITY;
    o->max = -INFINITY;
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i]))
            return irp_fail(IRP_ENUMERIC, "value %zu is not finite", i);
        sum += v[i];
        o->min = fmin(o->min, v[i]);
        o->max = fmax(o->max, v[i]);
    }
    double mean = sum / (double)n, m2 = 0, m3 = 0, m4 = 0;
    for (size_t i = 0; i < n; i++) {
        double d = v[i] - mean, d2 = d * d;
        m2 += d2;
        m3 += d2 * d;
        m4 += d2 * d2;
    }
    m2 /= (double)n;
    m3 /= (double)n;
    m4 /= (double)n;
    o->mean = mean;
    o->std = sqrt(m2 * (double)n / (double)(n - 1));
    if (!(m2 > 0))
        return irp_fail(IRP_ENUMERIC, "all %zu values are equal; no distribution to describe", n);
    o->skewness = m3 / pow(m2, 1.5);
    o->excess_kurtosis = m4 / (m2 * m2) - 3.0;
    o->jarque_bera = (double)n / 6.0 * (o->skewness * o->skewness +
                                         o->excess_kurtosis * o->excess_kurtosis / 4.0);
    double *sorted = malloc(n * sizeof *sorted);
    if (!sorted)
        return irp_fail(IRP_ENOMEM, "out of memory sorting %zu values", n);
    memcpy(sorted, v, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp_double);
    double ks = 0;
    size_t outside = 0;
    for (size_t i = 0; i < n; i++) {
        double z = (sorted[i] - mean) / o->std;
        double f = 0.5 * erfc(-z / sqrt(2.0));
        ks = fmax(ks, fmax(fabs((double)(i + 1) / (double)n - f), fabs(f - (double)i / (double)n)));
        outside += fabs(z) > 3.0;
    }
    free(sorted);
    o->ks_normal = ks;
    o->frac_outside_3sd = (double)outside / (double)n;
    return IRP_OK;
}

irp_status irp_negative_fraction(double *out, const irp_mat *m)
{
    if (!out || !m)
        return irp_fail(IRP_EINVAL, "irp_negative_fraction: NULL argument");
    size_t n = m->rows * m->cols, neg = 0;
    for (size_t i = 0; i < n; i++)
        neg += m->data[i] < 0;
    *out = n ? (double)neg / (double)n : 0;
    return IRP_OK;
}

irp_status irp_mean_share(double *out, const irp_mat *m)
{
    if (!out || !m)
        return irp_fail(IRP_EINVAL, "irp_mean_share: NULL argument");
    double *mu = calloc(m->cols ? m->cols : 1, sizeof *mu), energy = 0, mm = 0;
    if (!mu)
        return irp_fail(IRP_ENOMEM, "out of memory for a mean of %zu values", m->cols);
    for (size_t i = 0; i < m->rows; i++)
        for (size_t j = 0; j < m->cols; j++) {
            double v = IRP_AT(m, i, j);
            mu[j] += v;
            energy += v * v;
        }
    for (size_t j = 0; m->rows && j < m->cols; j++) {
        mu[j] /= (double)m->rows;
        mm += mu[j] * mu[j];
    }
    free(mu);
    *out = energy > 0 ? mm / (energy / (double)m->rows) : 0;
    return IRP_OK;
}

irp_status irp_row_cosines(double *cos, const irp_mat *a, const irp_mat *b, const double *b_norms)
{
    if (!cos || !a || !b || !b_norms)
        return irp_fail(IRP_EINVAL, "irp_row_cosines: NULL argument");
    int rc = same_shape(a, b, "row cosines");
    if (rc)
        return rc;
    for (size_t i = 0; i < a->rows; i++) { /* as irp_cosine_acc_add, row by row */
        const double *ai = &IRP_AT(a, i, 0);
        double na = irp_vec_norm(ai, a->cols);
        cos[i] = na > 0 && b_norms[i] > 0 ? irp_dot(ai, &IRP_AT(b, i, 0), a->cols) /
                                                 (na * b_norms[i])
                                           : 0;
    }
    return IRP_OK;
}

irp_status irp_head_correct(double *correct, const irp_head *h, const irp_mat *z,
                            const int32_t *labels)
{
    if (!correct || !h || !z || !labels)
        return irp_fail(IRP_EINVAL, "irp_head_correct: NULL argument");
    int rc = irp_head_check(h, z->cols);
    if (rc)
        return rc;
    irp_mat *logits = irp_mat_new(z->rows, irp_head_num_classes(h));
    rc = !logits ? IRP_ENOMEM : irp_head_forward(logits, h, z);
    for (size_t i = 0; !rc && i < logits->rows; i++) { /* as irp_accuracy, row by row */
        const double *row = &IRP_AT(logits, i, 0);
        size_t best = 0;
        for (size_t j = 1; j < logits->cols; j++)
            if (row[j] > row[best])
                best = j;
        correct[i] = labels[i] >= 0 && (size_t)labels[i] == best;
    }
    irp_mat_free(logits);
    return rc;
}

irp_status irp_bootstrap_ci(double *lo, double *hi, const double *v, const double *w,
                            double *dlo, double *dhi, size_t n, size_t resamples, double level,
                            uint64_t seed)
{
    if (!lo || !hi || !v || (w && (!dlo || !dhi)))
        return irp_fail(IRP_EINVAL, "irp_bootstrap_ci: NULL argument");
    if (n < 1 || resamples < 10 || !(level > 0 && level < 1))
        return irp_fail(IRP_EINVAL, "bootstrap: needs rows (got %zu), at least 10 resamples "
                                    "(got %zu) and a level in (0, 1) (got %g)",
                        n, resamples, level);
    double *m = malloc(resamples * sizeof *m), *md = w ? malloc(resamples * sizeof *md) : NULL;
    if (!m || (w && !md)) {
        free(m);
        free(md);
        return irp_fail(IRP_ENOMEM, "out of memory for %zu bootstrap resamples", resamples);
    }
    irp_rng rng;
    irp_rng_seed(&rng, seed);
    for (size_t b = 0; b < resamples; b++) {
        double s = 0, sd = 0;
        for (size_t r = 0; r < n; r++) {
            size_t i = (size_t)(irp_rng_next(&rng) % (uint64_t)n);
            s += v[i];
            if (w)
                sd += v[i] - w[i];
        }
        m[b] = s / (double)n;
        if (w)
            md[b] = sd / (double)n;
    }
    /* order statistics at (1 ∓ level)/2: index ⌊q·(B − 1)⌋ and ⌈q·(B − 1)⌉ */
    size_t il = (size_t)floor((1 - level) / 2 * (double)(resamples - 1)),
           ih = (size_t)ceil((1 + level) / 2 * (double)(resamples - 1));
    qsort(m, resamples, sizeof *m, cmp_double);
    *lo = m[il];
    *hi = m[ih];
    if (w) {
        qsort(md, resamples, sizeof *md, cmp_double);
        *dlo = md[il];
        *dhi = md[ih];
    }
    free(m);
    free(md);
    return IRP_OK;
}
