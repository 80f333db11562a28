/* An independent reference of the whole IRP path, written apart from core/
 * with plain loops (no BLAS, no LAPACK, none of core's helpers): anchor
 * preparation (centring, normalisation, scale), FPS pruning (threshold and
 * fraction modes, seeded first points), the pseudo-inverse (normal equations,
 * Gauss–Jordan), the ω-averaged translator, anchor completion (the polar
 * factor from a Jacobi eigen-decomposition, no SVD), the per-row rescale and the
 * un-centring. The translated vectors themselves are compared with core's
 * (irp_space_new, irp_subsets_for, irp_translator_fit, irp_translate_apply)
 * for every combination of the translator's options, completion included, on small
 * random data whose anchor matrices are well conditioned (tolerance 1e-9). */
#include "testutil.h"

typedef struct ref_space {
    size_t k, d;
    double *a;    /* k×d prepared anchors: norm(A − μ) */
    double *mu;   /* d */
    double scale; /* mean ‖A − μ‖ */
} ref_space;

static uint64_t ref_next(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static ref_space ref_prepare(const irp_mat *raw, int center)
{
    ref_space s = {raw->rows, raw->cols, calloc(raw->rows * raw->cols, sizeof(double)),
                   calloc(raw->cols, sizeof(double)), 0};
    for (size_t i = 0; center && i < s.k; i++)
        for (size_t j = 0; j < s.d; j++)
            s.mu[j] += raw->data[i * s.d + j] / (double)s.k;
    for (size_t i = 0; i < s.k; i++) {
        double n = 0;
        for (size_t j = 0; j < s.d; j++) {
            double v = raw->data[i * s.d + j] - s.mu[j];
            s.a[i * s.d + j] = v;
            n += v * v;
        }
        n = sqrt(n);
        s.scale += n / (double)s.k;
        for (size_t j = 0; j < s.d; j++)
            s.a[i * s.d + j] /= n;
    }
    return s;
}

/* FPS on 1 − |cos| over the (unit) rows of a; returns how many were kept. */
static size_t ref_fps(size_t *out, const ref_space *s, int fraction, double param, size_t first)
{
    /* ceil(fraction·k), the product's rounding error forgiven (0.15·20 is 3) */
    size_t k = s->k, n = 0, want = fraction ? (size_t)ceil(param * (double)k - 1e-9) : k;
    if (want < 1)
        want = 1;
    double *mind = malloc(k * sizeof *mind);
    for (size_t i = 0; i < k; i++)
        mind[i] = INFINITY;
    size_t next = first;
    for (;;) {
        out[n++] = next;
        if (n == want)
            break;
        for (size_t i = 0; i < k; i++) {
            double c = 0;
            for (size_t j = 0; j < s->d; j++)
                c += s->a[i * s->d + j] * s->a[next * s->d + j];
            double dist = 1 - fabs(c);
            if (dist < mind[i])
                mind[i] = dist;
        }
        size_t best = 0;
        for (size_t i = 1; i < k; i++) /* ties: the lowest index */
            if (mind[i] > mind[best])
                best = i;
        if (!fraction && mind[best] < param)
            break;
        if (mind[best] <= 0 && !fraction) /* everything chosen (distance 0 to itself) */
            break;
        next = best;
    }
    free(mind);
    return n;
}

/* Inverse of an n×n matrix by Gauss–Jordan with partial pivoting (in place). */
static void ref_inverse(double *m, size_t n)
{
    double *aug = calloc(n * 2 * n, sizeof *aug);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++)
            aug[i * 2 * n + j] = m[i * n + j];
        aug[i * 2 * n + n + i] = 1;
    }
    for (size_t c = 0; c < n; c++) {
        size_t p = c;
        for (size_t r = c + 1; r < n; r++)
            if (fabs(aug[r * 2 * n + c]) > fabs(aug[p * 2 * n + c]))
                p = r;
        for (size_t j = 0; j < 2 * n; j++) {
            double t = aug[c * 2 * n + j];
            aug[c * 2 * n + j] = aug[p * 2 * n + j];
            aug[p * 2 * n + j] = t;
        }
        double piv = aug[c * 2 * n + c];
        for (size_t j = 0; j < 2 * n; j++)
            aug[c * 2 * n + j] /= piv;
        for (size_t r = 0; r < n; r++)
            if (r != c) {
                double f = aug[r * 2 * n + c];
                for (size_t j = 0; j < 2 * n; j++)
                    aug[r * 2 * n + j] -= f * aug[c * 2 * n + j];
            }
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            m[i * n + j] = aug[i * 2 * n + n + j];
    free(aug);
}

/* pinv(B) (d×m) of a full-rank m×d B: (BᵀB)⁻¹Bᵀ when m ≥ d, Bᵀ(BBᵀ)⁻¹ otherwise. */
static double *ref_pinv(const double *b, size_t m, size_t d)
{
    size_t r = m >= d ? d : m;
    double *g = calloc(r * r, sizeof *g), *p = calloc(d * m, sizeof *p);
    for (size_t i = 0; i < r; i++)
        for (size_t j = 0; j < r; j++)
            for (size_t t = 0; t < (m >= d ? m : d); t++)
                g[i * r + j] += m >= d ? b[t * d + i] * b[t * d + j] : b[i * d + t] * b[j * d + t];
    ref_inverse(g, r);
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < m; j++)
            for (size_t t = 0; t < r; t++)
                p[i * m + j] += m >= d ? g[i * r + t] * b[j * d + t] : b[t * d + i] * g[t * r + j];
    free(g);
    return p;
}

/* Eigen-decomposition of a symmetric n×n S by cyclic Jacobi rotations:
 * on return S's diagonal holds the eigenvalues and V's columns the vectors. */
static void ref_jacobi(double *s, double *v, size_t n)
{
    for (size_t i = 0; i < n * n; i++)
        v[i] = i % (n + 1) == 0;
    for (int sweep = 0; sweep < 100; sweep++) {
        double off = 0;
        for (size_t p = 0; p < n; p++)
            for (size_t q = p + 1; q < n; q++)
                off += s[p * n + q] * s[p * n + q];
        if (off < 1e-30)
            break;
        for (size_t p = 0; p < n; p++)
            for (size_t q = p + 1; q < n; q++) {
                if (s[p * n + q] == 0)
                    continue;
                double th = (s[q * n + q] - s[p * n + p]) / (2 * s[p * n + q]);
                double t = (th >= 0 ? 1 : -1) / (fabs(th) + sqrt(th * th + 1));
                double c = 1 / sqrt(t * t + 1), sn = t * c;
                for (size_t k = 0; k < n; k++) { /* S ← S·J */
                    double a = s[k * n + p], b = s[k * n + q];
                    s[k * n + p] = c * a - sn * b;
                    s[k * n + q] = sn * a + c * b;
                }
                for (size_t k = 0; k < n; k++) { /* S ← Jᵀ·S */
                    double a = s[p * n + k], b = s[q * n + k];
                    s[p * n + k] = c * a - sn * b;
                    s[q * n + k] = sn * a + c * b;
                }
                for (size_t k = 0; k < n; k++) { /* V ← V·J */
                    double a = v[k * n + p], b = v[k * n + q];
                    v[k * n + p] = c * a - sn * b;
                    v[k * n + q] = sn * a + c * b;
                }
            }
    }
}

/* The part of the orthogonal polar factor of an n×n M that its range fixes:
 * U_r·V_rᵀ = M·(MᵀM)^(+1/2) over the nonzero singular values. When M is
 * singular the rest of the Procrustes rotation is arbitrary, but it acts on
 * directions the decoded rows never reach (the null space of Â, which is the
 * null space of T when the anchors span the source), so the translation is
 * the same whatever completion picks there. */
static void ref_polar(double *q, const double *m, size_t n)
{
    double *g = calloc(n * n, sizeof *g), *v = malloc(n * n * sizeof *v);
    double *h = calloc(n * n, sizeof *h);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            for (size_t r = 0; r < n; r++)
                g[i * n + j] += m[r * n + i] * m[r * n + j];
    ref_jacobi(g, v, n);
    double top = 0;
    for (size_t e = 0; e < n; e++)
        top = fmax(top, g[e * n + e]);
    for (size_t e = 0; e < n; e++) {
        double l = g[e * n + e];
        if (l <= 1e-12 * top)
            continue;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                h[i * n + j] += v[i * n + e] * v[j * n + e] / sqrt(l);
    }
    memset(q, 0, n * n * sizeof *q);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            for (size_t r = 0; r < n; r++)
                q[i * n + j] += m[i * n + r] * h[r * n + j];
    free(g);
    free(v);
    free(h);
}

/* Completion as core documents it: Â = norm(A_X)·T, Q the rotation/reflection
 * minimising ‖Â·Q − norm(A_Y)‖ (polar factor of Âᵀ·norm(A_Y)), T ← T·Q. */
static void ref_complete(double *t, const ref_space *sx, const ref_space *sy)
{
    size_t k = sx->k, dx = sx->d, dy = sy->d;
    double *ahat = calloc(k * dy, sizeof *ahat), *m = calloc(dy * dy, sizeof *m);
    double *q = malloc(dy * dy * sizeof *q), *tq = calloc(dx * dy, sizeof *tq);
    for (size_t r = 0; r < k; r++)
        for (size_t j = 0; j < dy; j++)
            for (size_t i = 0; i < dx; i++)
                ahat[r * dy + j] += sx->a[r * dx + i] * t[i * dy + j];
    for (size_t i = 0; i < dy; i++)
        for (size_t j = 0; j < dy; j++)
            for (size_t r = 0; r < k; r++)
                m[i * dy + j] += ahat[r * dy + i] * sy->a[r * dy + j];
    ref_polar(q, m, dy);
    for (size_t i = 0; i < dx; i++)
        for (size_t j = 0; j < dy; j++)
            for (size_t c = 0; c < dy; c++)
                tq[i * dy + j] += t[i * dy + c] * q[c * dy + j];
    memcpy(t, tq, dx * dy * sizeof *t);
    free(ahat);
    free(m);
    free(q);
    free(tq);
}

/* The whole path: y (n×dy) for x (n×dx). */
static double *ref_translate(const irp_mat *ax, const irp_mat *ay, const irp_mat *x,
                             const irp_options *o)
{
    ref_space sx = ref_prepare(ax, o->center), sy = ref_prepare(ay, o->center);
    size_t k = sx.k, dx = sx.d, dy = sy.d, w = o->num_subspaces;
    int fraction = o->prune_mode == IRP_PRUNE_FRACTION;
    double *t = calloc(dx * dy, sizeof *t);
    size_t *idx = malloc(k * sizeof *idx);
    for (size_t s = 0; s < w; s++) {
        uint64_t st = o->seed + s;
        size_t first = (size_t)(ref_next(&st) % k);
        size_t m = ref_fps(idx, &sx, fraction, o->delta, first);
        double *b = malloc(m * dy * sizeof *b);
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < dy; j++)
                b[i * dy + j] = sy.a[idx[i] * dy + j];
        double *p = ref_pinv(b, m, dy); /* dy×m */
        for (size_t i = 0; i < dx; i++)
            for (size_t j = 0; j < dy; j++)
                for (size_t r = 0; r < m; r++)
                    t[i * dy + j] += sx.a[idx[r] * dx + i] * p[j * m + r] / (double)w;
        free(b);
        free(p);
    }
    if (o->completion)
        ref_complete(t, &sx, &sy);
    double *y = calloc(x->rows * dy, sizeof *y), *xr = malloc(dx * sizeof *xr);
    for (size_t n = 0; n < x->rows; n++) {
        double nx = 0, ny = 0;
        for (size_t j = 0; j < dx; j++) {
            xr[j] = x->data[n * dx + j] - sx.mu[j];
            nx += xr[j] * xr[j];
        }
        for (size_t j = 0; j < dx; j++)
            xr[j] /= sqrt(nx);
        for (size_t j = 0; j < dy; j++) {
            for (size_t i = 0; i < dx; i++)
                y[n * dy + j] += xr[i] * t[i * dy + j];
            ny += y[n * dy + j] * y[n * dy + j];
        }
        for (size_t j = 0; j < dy; j++) {
            if (o->rescale == IRP_RESCALE_MEAN_NORM)
                y[n * dy + j] *= sy.scale / sqrt(ny);
            y[n * dy + j] += sy.mu[j];
        }
    }
    free(xr);
    free(t);
    free(idx);
    free(sx.a);
    free(sx.mu);
    free(sy.a);
    free(sy.mu);
    return y;
}

/* core's translation of x with the same options */
static irp_mat *core_translate(const irp_mat *ax, const irp_mat *ay, const irp_mat *x,
                               const irp_options *o)
{
    irp_space *sx = irp_space_new(ax, o->center), *sy = irp_space_new(ay, o->center);
    assert_non_null(sx);
    assert_non_null(sy);
    irp_subsets *sub = irp_subsets_for(sx, o);
    assert_non_null(sub);
    irp_mat *t = irp_mat_new(ax->cols, ay->cols), *y = irp_mat_new(x->rows, ay->cols);
    assert_ok(irp_translator_fit(t, sx, sy, sub, o, NULL));
    assert_ok(irp_translate_apply(y, t, sx, sy, x, o));
    irp_mat_free(t);
    irp_subsets_free(sub);
    irp_space_free(sx);
    irp_space_free(sy);
    return y;
}

static void translation_matches_reference(void **state)
{
    (void)state;
    enum { K = 30, DX = 6, DY = 5, N = 12 };
    irp_mat *ax = tu_gauss_mat(K, DX, 1), *ay = tu_gauss_mat(K, DY, 2), *x = tu_gauss_mat(N, DX, 3);
    for (size_t i = 0; i < K * DX; i++) /* an offset, so centring matters */
        ax->data[i] += 1.5;
    for (size_t i = 0; i < K * DY; i++)
        ay->data[i] = 0.7 * ay->data[i] + 0.5 * ax->data[(i / DY) * DX + i % DY] - 2.0;
    struct {
        irp_prune_mode mode;
        double param;
    } prune[] = {{IRP_PRUNE_THRESHOLD, 0}, {IRP_PRUNE_THRESHOLD, 0.5}, {IRP_PRUNE_THRESHOLD, 0.8},
                 {IRP_PRUNE_FRACTION, 0.5}, {IRP_PRUNE_FRACTION, 0.1}};
    size_t cases = 0;
    for (int complete = 0; complete < 2; complete++)
    for (int center = 0; center < 2; center++)
        for (int rescale = 0; rescale < 2; rescale++)
            for (size_t p = 0; p < sizeof prune / sizeof *prune; p++)
                for (size_t w = 1; w <= 3; w += 2) {
                    irp_options o;
                    irp_options_default(&o);
                    o.center = center;
                    o.rescale = rescale ? IRP_RESCALE_NONE : IRP_RESCALE_MEAN_NORM;
                    o.prune_mode = prune[p].mode;
                    o.delta = prune[p].param;
                    o.num_subspaces = w;
                    o.seed = 7;
                    o.completion = complete;
                    double *ref = ref_translate(ax, ay, x, &o);
                    irp_mat *y = core_translate(ax, ay, x, &o);
                    double worst = 0, scale = 0;
                    for (size_t i = 0; i < N * DY; i++) {
                        worst = fmax(worst, fabs(y->data[i] - ref[i]));
                        scale = fmax(scale, fabs(ref[i]));
                    }
                    if (!(worst <= 1e-9 * fmax(1, scale)))
                        fail_msg("completion %d center %d rescale %s prune %s %.2f omega %zu: "
                                 "max |core - reference| = %.3g",
                                 complete, center, rescale ? "none" : "mean-norm",
                                 prune[p].mode ? "fraction" : "threshold", prune[p].param, w,
                                 worst);
                    irp_mat_free(y);
                    free(ref);
                    cases++;
                }
    assert_int_equal(cases, 80);
    irp_mat_free(ax);
    irp_mat_free(ay);
    irp_mat_free(x);
}

/* FPS boundaries, checked against the reference: a threshold equal to a
 * distance that occurs keeps that anchor (the rule is "stop below δ"), and
 * fraction counts round up. */
static void fps_boundaries_match_reference(void **state)
{
    (void)state;
    irp_mat *a = tu_gauss_mat(20, 4, 11);
    ref_space s = ref_prepare(a, 0);
    size_t want[20], got[20], nw, ng;
    /* the second FPS step's distance, exactly */
    nw = ref_fps(want, &s, 1, 2.0 / 20, 3);
    assert_int_equal(nw, 2);
    double c = 0;
    for (size_t j = 0; j < 4; j++)
        c += s.a[want[0] * 4 + j] * s.a[want[1] * 4 + j];
    irp_space *sp = irp_space_new(a, 0);
    for (int above = 0; above < 2; above++) {
        double delta = 1 - fabs(c) + (above ? 1e-12 : 0);
        nw = ref_fps(want, &s, 0, delta, 3);
        assert_ok(irp_prune_fps(got, &ng, sp->anchors, IRP_PRUNE_THRESHOLD, delta, 3));
        assert_int_equal(ng, nw);
        assert_memory_equal(got, want, nw * sizeof *want);
        if (above) /* just above that distance: the second anchor is not taken */
            assert_int_equal(nw, 1);
        else /* exactly at it: taken ("stop below δ") */
            assert_true(nw >= 2);
    }
    for (size_t j = 1; j <= 20; j++) { /* fractions j/20 and just above keep j and j + 1 */
        double fs[2] = {0.05 * (double)j, 0.05 * (double)j + 0.01};
        for (int up = 0; up < 2 && fs[up] <= 1; up++) {
            nw = ref_fps(want, &s, 1, fs[up], 0);
            assert_ok(irp_prune_fps(got, &ng, sp->anchors, IRP_PRUNE_FRACTION, fs[up], 0));
            assert_int_equal(nw, j + (size_t)up);
            assert_int_equal(ng, nw);
            assert_memory_equal(got, want, nw * sizeof *want);
        }
    }
    irp_space_free(sp);
    free(s.a);
    free(s.mu);
    irp_mat_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(translation_matches_reference),
        cmocka_unit_test(fps_boundaries_match_reference),
    };
    return cmocka_run_group_tests_name("reference", tests, NULL, NULL);
}
