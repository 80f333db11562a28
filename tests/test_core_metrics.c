/* Unit tests of core/irp_metrics: cosines, retrieval, classifier heads, distribution stats. */
#include "testutil.h"

static void cosine_and_retrieval_known_answers(void **state)
{
    (void)state;
    irp_mat *a = irp_mat_new(2, 2), *b = irp_mat_new(2, 2);
    IRP_AT(a, 0, 0) = 1; IRP_AT(b, 0, 0) = 2;                      /* cos 1 */
    IRP_AT(a, 1, 0) = 1; IRP_AT(b, 1, 0) = 1; IRP_AT(b, 1, 1) = 1; /* cos 1/√2 */
    double c;
    assert_ok(irp_mean_cosine(&c, a, b));
    assert_close(c, (1.0 + 1.0 / sqrt(2.0)) / 2.0, 1e-15);
    assert_ok(irp_mean_cosine_floor(&c, a, b, 0)); /* the other rows: cos(a0,b1), cos(a1,b0) */
    assert_close(c, (1.0 / sqrt(2.0) + 1.0) / 2.0, 1e-15);
    /* the one-pass form: same answers given the truth's row norms */
    double norms[2], m1, f1;
    irp_row_norms(norms, b);
    assert_ok(irp_cosines(&m1, &f1, a, b, norms, 0));
    assert_close(m1, (1.0 + 1.0 / sqrt(2.0)) / 2.0, 1e-15);
    assert_close(f1, (1.0 / sqrt(2.0) + 1.0) / 2.0, 1e-15);
    irp_mat *g1 = tu_gauss_mat(301, 37, 5), *g2 = tu_gauss_mat(301, 37, 6);
    double gn[301], m0 = 0, f0 = 0;
    irp_rng rng; /* a plain reference: cosines from sums, the documented draw of the other row */
    irp_rng_seed(&rng, 99);
    for (size_t i = 0; i < 301; i++) {
        size_t j = (i + 1 + (size_t)(irp_rng_next(&rng) % 300)) % 301;
        double ab = 0, aj = 0, aa = 0, bb = 0, jj = 0;
        for (size_t q = 0; q < 37; q++) {
            ab += IRP_AT(g1, i, q) * IRP_AT(g2, i, q);
            aj += IRP_AT(g1, i, q) * IRP_AT(g2, j, q);
            aa += IRP_AT(g1, i, q) * IRP_AT(g1, i, q);
            bb += IRP_AT(g2, i, q) * IRP_AT(g2, i, q);
            jj += IRP_AT(g2, j, q) * IRP_AT(g2, j, q);
        }
        m0 += ab / sqrt(aa * bb) / 301;
        f0 += aj / sqrt(aa * jj) / 301;
    }
    irp_row_norms(gn, g2);
    assert_ok(irp_cosines(&m1, &f1, g1, g2, gn, 99));
    assert_close(m1, m0, 1e-14);
    assert_close(f1, f0, 1e-14);
    assert_ok(irp_cosines(&m1, NULL, g1, g2, gn, 99));
    assert_close(m1, m0, 1e-14);
    assert_ok(irp_mean_cosine(&m1, g1, g2)); /* the one-off forms */
    assert_close(m1, m0, 1e-14);
    assert_ok(irp_mean_cosine_floor(&f1, g1, g2, 99));
    assert_close(f1, f0, 1e-14);
    double naive = 0; /* irp_dot against a plain sum, odd length */
    for (size_t j = 0; j < 37; j++)
        naive += IRP_AT(g1, 0, j) * IRP_AT(g2, 0, j);
    assert_close(irp_dot(&IRP_AT(g1, 0, 0), &IRP_AT(g2, 0, 0), 37), naive, 1e-13);
    irp_mat *one = tu_gauss_mat(1, 37, 7);
    assert_fails(irp_cosines(&m1, &f1, one, one, gn, 0), IRP_EINVAL, "at least 2 rows");
    assert_fails(irp_cosines(&m1, &f1, g1, one, gn, 0), IRP_EINVAL, "shapes differ");
    irp_mat_free(g1); irp_mat_free(g2); irp_mat_free(one);
    irp_mat *x = tu_gauss_mat(700, 16, 3), *shift = irp_mat_new(700, 16);
    double r;
    irp_work w0 = irp_work_done(), w;
    assert_ok(irp_top1_retrieval(&r, x, x));
    assert_close(r, 1.0, 0.0);
    /* work: both 700x16 copies normalised (3 per entry; read and written), then
     * similarities in blocks of 512 rows (512 and 188): 2·700·700·16, each block
     * reading its rows and all of the truth and writing its scores */
    w = irp_work_done();
    assert_true(w.flops - w0.flops == 2 * 3 * 11200 + 2.0 * 700 * 700 * 16);
    assert_true(w.bytes - w0.bytes == 2 * 16 * 11200 + 8.0 * (11200 + 2 * 11200 + 700 * 700));
    for (size_t i = 0; i < 700; i++)
        memcpy(&IRP_AT(shift, i, 0), &IRP_AT(x, (i + 1) % 700, 0), 16 * sizeof(double));
    assert_ok(irp_top1_retrieval(&r, shift, x));
    assert_close(r, 0.0, 0.0);
    irp_mat *other = tu_gauss_mat(699, 16, 4);
    assert_fails(irp_top1_retrieval(&r, other, x), IRP_EINVAL, "shapes differ");
    irp_mat_free(a); irp_mat_free(b); irp_mat_free(x); irp_mat_free(shift); irp_mat_free(other);
}

/* The mean cosine and floor are summed row by row from irp_dot's sums (four
 * lanes, then (s0 + s1) + (s2 + s3)), whichever instruction set runs them
 * (AVX2 where the CPU has it): equal to the bit to a plain loop over irp_dot,
 * for widths with and without a remainder of 4. */
/* Both paths (AVX2 where the CPU has it, and the portable loops a CPU without
 * it runs) give irp_dot's sums to the bit, at every remainder of d mod 4. */
static void cosines_equal_irp_dot_to_the_bit(void **state)
{
    (void)state;
    /* rows: even, odd (a lone last row), and past the 64 rows drawn at a time */
    static const size_t row_counts[] = {40, 7, 131};
    for (int simd = 1; simd >= 0; simd--)
    for (size_t d = 1; d <= 14; d++) {
        assert_int_equal(irp_metrics_simd(simd), 1); /* each round puts it back */
        size_t n = row_counts[d % 3];
        irp_mat *a = tu_gauss_mat(n, d, 300 + d), *b = tu_gauss_mat(n, d, 400 + d);
        double norms[131], mean, floor;
        irp_row_norms(norms, b);
        assert_ok(irp_cosines(&mean, &floor, a, b, norms, 9));
        irp_rng rng;
        irp_rng_seed(&rng, 9);
        double want = 0, want_floor = 0;
        for (size_t i = 0; i < n; i++) {
            size_t j = (i + 1 + (size_t)(irp_rng_next(&rng) % (n - 1))) % n;
            const double *ai = &IRP_AT(a, i, 0);
            double na = sqrt(irp_dot(ai, ai, d));
            want += irp_dot(ai, &IRP_AT(b, i, 0), d) / (na * norms[i]);
            want_floor += irp_dot(ai, &IRP_AT(b, j, 0), d) / (na * norms[j]);
        }
        if (!(mean == want / (double)n && floor == want_floor / (double)n))
            fail_msg("d = %zu, n = %zu, %s path: mean %.17g floor %.17g, irp_dot gives %.17g %.17g",
                     d, n, simd ? "AVX2" : "portable", mean, floor, want / (double)n,
                     want_floor / (double)n);
        irp_metrics_simd(1);
        irp_mat_free(a);
        irp_mat_free(b);
    }
}

static void linear_head_accuracy_known_answer(void **state)
{
    (void)state;
    irp_mat *w = irp_mat_new(3, 2), *z = irp_mat_new(4, 2);
    double bias[3] = {0, 0, 0.5};
    IRP_AT(w, 0, 0) = 1;
    IRP_AT(w, 1, 1) = 1; /* class 2: constant 0.5 */
    double zs[8] = {2, 0, 0, 2, 0.1, 0.2, -1, -1};
    memcpy(z->data, zs, sizeof zs);
    int32_t labels[4] = {0, 1, 2, 0}; /* predictions: 0, 1, 2, 2 */
    irp_head h = {1, &w, (double *[]){bias}, IRP_ACT_IDENTITY};
    double acc;
    assert_ok(irp_head_accuracy(&acc, &h, z, labels));
    assert_close(acc, 0.75, 0.0);
    irp_mat *z3 = irp_mat_new(4, 3);
    assert_fails(irp_head_accuracy(&acc, &h, z3, labels), IRP_EINVAL, "takes 2 inputs but receives 3");
    irp_mat_free(w); irp_mat_free(z); irp_mat_free(z3);
}

static void mlp_forward_each_activation(void **state)
{
    (void)state;
    /* x = [1, −2], W1 = I, b1 = 0, W2 = [[1, 1], [1, −1]], b2 = [0.5, 0]. */
    static const struct { const char *act; double l0, l1; } want[] = {
        {"identity", -0.5, 3.0},
        {"relu", 1.5, 1.0},
        {"tanh", 0.5 + tanh(1.0) + tanh(-2.0), tanh(1.0) - tanh(-2.0)},
        {"sigmoid", 0.5 + 0.7310585786300049 + 0.11920292202211755,
         0.7310585786300049 - 0.11920292202211755},
        {"gelu", 0.5 + 0.8413447460685429 - 0.04550026389635842,
         0.8413447460685429 + 0.04550026389635842},
    };
    irp_mat *w1 = irp_mat_new(2, 2), *w2 = irp_mat_new(2, 2), *x = irp_mat_new(1, 2);
    irp_mat *logits = irp_mat_new(1, 2);
    IRP_AT(w1, 0, 0) = IRP_AT(w1, 1, 1) = 1;
    IRP_AT(w2, 0, 0) = IRP_AT(w2, 0, 1) = IRP_AT(w2, 1, 0) = 1;
    IRP_AT(w2, 1, 1) = -1;
    IRP_AT(x, 0, 0) = 1;
    IRP_AT(x, 0, 1) = -2;
    double b1[2] = {0, 0}, b2[2] = {0.5, 0};
    irp_mat *ws[2] = {w1, w2};
    double *bs[2] = {b1, b2};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        irp_head h = {2, ws, bs, IRP_ACT_IDENTITY};
        assert_ok(irp_activation_parse(&h.activation, want[i].act));
        assert_string_equal(irp_activation_name(h.activation), want[i].act);
        assert_ok(irp_head_forward(logits, &h, x));
        assert_close(IRP_AT(logits, 0, 0), want[i].l0, 1e-12);
        assert_close(IRP_AT(logits, 0, 1), want[i].l1, 1e-12);
    }
    irp_activation act;
    assert_fails(irp_activation_parse(&act, "swish"), IRP_EINVAL, "unknown activation 'swish'");
    b1[1] = NAN;
    irp_head bad = {2, ws, bs, IRP_ACT_RELU};
    assert_fails(irp_head_forward(logits, &bad, x), IRP_ENUMERIC, "bias");
    irp_mat_free(w1); irp_mat_free(w2); irp_mat_free(x); irp_mat_free(logits);
}

static void distribution_statistics_known_answers(void **state)
{
    (void)state;
    double v[5] = {1, 2, 3, 4, 5};
    irp_dist_stats st;
    assert_ok(irp_dist_stats_compute(&st, v, 5));
    assert_close(st.mean, 3.0, 1e-15);
    assert_close(st.std, sqrt(2.5), 1e-15);
    assert_close(st.skewness, 0.0, 1e-15);
    assert_close(st.excess_kurtosis, -1.3, 1e-12);
    assert_close(st.jarque_bera, 5.0 / 6.0 * (1.69 / 4.0), 1e-12);
    /* A large Gaussian sample: KS distance small, kurtosis near 0. */
    irp_mat *g = tu_gauss_mat(20000, 1, 9);
    assert_ok(irp_dist_stats_compute(&st, g->data, 20000));
    assert_true(st.ks_normal < 0.015);
    assert_true(fabs(st.excess_kurtosis) < 0.1);
    assert_true(st.frac_outside_3sd < 0.005);
    assert_fails(irp_dist_stats_compute(&st, v, 2), IRP_EINVAL, "at least 3");
    double flat[4] = {1, 1, 1, 1};
    assert_fails(irp_dist_stats_compute(&st, flat, 4), IRP_ENUMERIC, "equal");
    irp_mat_free(g);
}

/* The sign regime: strictly negative entries over all entries; −0 and 0 are
 * not negative; an empty matrix gives 0; NULL is refused. And the share of
 * the energy in the mean direction, on rows whose answer is known. */
static void negative_fraction_known_answers(void **state)
{
    (void)state;
    irp_mat *m = irp_mat_new(2, 3);
    double v[] = {-1, 0, -0.0, 2, -1e-300, 5};
    memcpy(m->data, v, sizeof v);
    double f;
    assert_ok(irp_negative_fraction(&f, m));
    assert_true(f == 2.0 / 6.0);
    irp_mat *e = irp_mat_new(0, 4);
    f = -1;
    assert_ok(irp_negative_fraction(&f, e));
    assert_true(f == 0);
    assert_int_equal(irp_negative_fraction(NULL, m), IRP_EINVAL);
    /* the mean direction's share of the energy: ‖μ‖² / mean ‖row‖² */
    irp_mat *r = irp_mat_new(2, 2);
    double w[] = {3, 0, 1, 0}; /* μ = (2, 0): 4 / ((9 + 1) / 2) */
    memcpy(r->data, w, sizeof w);
    assert_ok(irp_mean_share(&f, r));
    assert_close(f, 0.8, 1e-15);
    IRP_AT(r, 1, 0) = -3; /* opposite rows: no mean */
    assert_ok(irp_mean_share(&f, r));
    assert_true(f == 0);
    IRP_AT(r, 1, 0) = 3; /* identical rows: all of it */
    assert_ok(irp_mean_share(&f, r));
    assert_close(f, 1, 1e-15);
    assert_ok(irp_mean_share(&f, e));
    assert_true(f == 0);
    irp_mat_free(r);
    irp_mat_free(m);
    irp_mat_free(e);
}

/* Bootstrap intervals: on seeded synthetic samples whose true mean is known, a
 * 90% interval covers it in about 90% of 400 trials (tolerance 0.85–0.95:
 * the binomial sd of the rate is 0.015, and the percentile method runs a
 * little short at n = 200), for Gaussian values and for 0/1 values as an
 * accuracy; the paired interval of two methods differing by a constant is that
 * constant; same seed, same interval; bad arguments refused. And the per-row
 * values behind the means agree with the one-number functions. */
static void bootstrap_covers_true_mean(void **state)
{
    (void)state;
    irp_rng rng;
    irp_rng_seed(&rng, 2024);
    double v[200], w[200];
    for (int kind = 0; kind < 2; kind++) {
        size_t cover = 0, trials = 400;
        double truth = kind ? 0.7 : 0.3;
        for (size_t t = 0; t < trials; t++) {
            for (size_t i = 0; i < 200; i++)
                v[i] = kind ? (double)((irp_rng_next(&rng) >> 11) * 0x1.0p-53 < truth)
                            : truth + tu_gauss(&rng);
            double lo, hi;
            assert_ok(irp_bootstrap_ci(&lo, &hi, v, NULL, NULL, NULL, 200, 400, 0.9, 7 + t));
            assert_true(lo <= hi);
            cover += lo <= truth && truth <= hi;
        }
        double rate = (double)cover / (double)trials;
        if (!(rate >= 0.85 && rate <= 0.95))
            fail_msg("%s: 90%% intervals covered the true mean in %.3f of trials",
                     kind ? "0/1 values" : "Gaussian values", rate);
    }
    for (size_t i = 0; i < 200; i++)
        w[i] = v[i] - 0.125; /* exactly representable: every resampled difference is 0.125 */
    double lo, hi, dlo, dhi, lo2, hi2;
    assert_ok(irp_bootstrap_ci(&lo, &hi, v, w, &dlo, &dhi, 200, 100, 0.95, 3));
    assert_true(dlo == 0.125 && dhi == 0.125);
    assert_ok(irp_bootstrap_ci(&lo2, &hi2, v, NULL, NULL, NULL, 200, 100, 0.95, 3));
    assert_true(lo2 == lo && hi2 == hi); /* the paired part does not change the draw */
    assert_ok(irp_bootstrap_ci(&lo2, &hi2, v, NULL, NULL, NULL, 200, 100, 0.95, 4));
    assert_true(lo2 != lo || hi2 != hi);
    assert_int_equal(irp_bootstrap_ci(&lo, &hi, v, NULL, NULL, NULL, 0, 100, 0.9, 1), IRP_EINVAL);
    assert_int_equal(irp_bootstrap_ci(&lo, &hi, v, NULL, NULL, NULL, 200, 5, 0.9, 1), IRP_EINVAL);
    assert_int_equal(irp_bootstrap_ci(&lo, &hi, v, NULL, NULL, NULL, 200, 100, 1, 1), IRP_EINVAL);
    assert_int_equal(irp_bootstrap_ci(&lo, &hi, v, w, NULL, NULL, 200, 100, 0.9, 1), IRP_EINVAL);
    /* per-row values: their means are the one-number functions' */
    irp_mat *a = tu_gauss_mat(50, 6, 31), *b = tu_gauss_mat(50, 6, 32);
    double norms[50], rows[50], m = 0, want;
    irp_row_norms(norms, b);
    assert_ok(irp_row_cosines(rows, a, b, norms));
    for (size_t i = 0; i < 50; i++)
        m += rows[i] / 50;
    assert_ok(irp_cosines(&want, NULL, a, b, norms, 0));
    assert_close(m, want, 1e-15);
    irp_head h = {0};
    irp_mat *wt = tu_gauss_mat(3, 6, 33);
    double bias[3] = {0.1, -0.2, 0};
    irp_mat *ws[1] = {wt};
    double *bs[1] = {bias};
    h.num_layers = 1;
    h.weights = ws;
    h.biases = bs;
    int32_t labels[50];
    for (size_t i = 0; i < 50; i++)
        labels[i] = (int32_t)(i % 3);
    double acc, right = 0;
    assert_ok(irp_head_correct(rows, &h, a, labels));
    for (size_t i = 0; i < 50; i++) {
        assert_true(rows[i] == 0 || rows[i] == 1);
        right += rows[i];
    }
    assert_ok(irp_head_accuracy(&acc, &h, a, labels));
    assert_true(right / 50 == acc);
    irp_mat_free(a);
    irp_mat_free(b);
    irp_mat_free(wt);
}

/* The sums taken on the fly over rows as irp_postprocess makes them (rescaled,
 * un-centred) equal postprocessing a copy and summing that, to the bit; several
 * translations side by side (a leading dimension wider than a row) equal one
 * at a time, and leave each sum's draws where its own would have. */
static void cosines_on_the_fly_equal_postprocessed(void **state)
{
    (void)state;
    for (int simd = 1; simd >= 0; simd--)
    for (int centred = 0; centred < 2; centred++)
    for (size_t d = 5; d <= 8; d++) {
        irp_metrics_simd(simd);
        size_t n = d == 5 ? 67 : 70; /* odd, and more than 64 rows */
        irp_mat *anchors = tu_gauss_mat(30, d, 500 + d), *b = tu_gauss_mat(n, d, 600 + d);
        irp_space *sp = irp_space_new(anchors, centred);
        irp_mat *side = irp_mat_new(n, 3 * d); /* three translations, row by row */
        irp_mat *one[3];
        double norms[70];
        irp_row_norms(norms, b);
        for (int m = 0; m < 3; m++) {
            one[m] = tu_gauss_mat(n, d, 700 + 10 * d + (size_t)m);
            if (m == 1)
                memset(&IRP_AT(one[m], 3, 0), 0, d * sizeof(double)); /* a zero row: not scaled */
            for (size_t i = 0; i < n; i++)
                memcpy(&IRP_AT(side, i, (size_t)m * d), &IRP_AT(one[m], i, 0), d * sizeof(double));
        }
        irp_cosine_acc want[3], got[3], many[3];
        const double *cols[3];
        for (int m = 0; m < 3; m++) {
            irp_mat *y = irp_mat_copy(one[m]);
            irp_postprocess(y, sp, IRP_RESCALE_MEAN_NORM);
            irp_cosine_acc_start(&want[m], n, 1, 5);
            irp_cosine_acc_add(&want[m], y, 0, b, norms);
            irp_cosine_acc_start(&got[m], n, 1, 5);
            irp_cosine_acc_add_post(&got[m], one[m], 0, b, norms, &sp->scale,
                                    centred ? sp->mean : NULL);
            irp_cosine_acc_start(&many[m], n, 1, 5);
            cols[m] = &IRP_AT(side, 0, (size_t)m * d);
            irp_mat_free(y);
        }
        irp_cosine_acc_add_many(many, 3, cols, 3 * d, n, 0, b, norms, &sp->scale,
                                centred ? sp->mean : NULL);
        for (int m = 0; m < 3; m++) {
            if (!(got[m].sum == want[m].sum && got[m].sum_floor == want[m].sum_floor &&
                  many[m].sum == want[m].sum && many[m].sum_floor == want[m].sum_floor))
                fail_msg("d = %zu, centred %d, %s, translation %d: %.17g %.17g %.17g", d, centred,
                         simd ? "AVX2" : "portable", m, want[m].sum, got[m].sum, many[m].sum);
            assert_true(irp_rng_next(&many[m].rng) == irp_rng_next(&want[m].rng));
            irp_mat_free(one[m]);
        }
        irp_metrics_simd(1);
        irp_mat_free(side);
        irp_mat_free(b);
        irp_mat_free(anchors);
        irp_space_free(sp);
    }
}

int main(void)
{
    const struct CMUnitTest core_metrics[] = {
        cmocka_unit_test(cosine_and_retrieval_known_answers),
        cmocka_unit_test(cosines_equal_irp_dot_to_the_bit),
        cmocka_unit_test(cosines_on_the_fly_equal_postprocessed),
        cmocka_unit_test(linear_head_accuracy_known_answer),
        cmocka_unit_test(mlp_forward_each_activation),
        cmocka_unit_test(distribution_statistics_known_answers),
        cmocka_unit_test(negative_fraction_known_answers),
        cmocka_unit_test(bootstrap_covers_true_mean),
    };
    return cmocka_run_group_tests(core_metrics, NULL, NULL);
}
