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
    assert_ok(irp_top1_retrieval(&r, x, x));
    assert_close(r, 1.0, 0.0);
    for (size_t i = 0; i < 700; i++)
        memcpy(&IRP_AT(shift, i, 0), &IRP_AT(x, (i + 1) % 700, 0), 16 * sizeof(double));
    assert_ok(irp_top1_retrieval(&r, shift, x));
    assert_close(r, 0.0, 0.0);
    irp_mat *other = tu_gauss_mat(699, 16, 4);
    assert_fails(irp_top1_retrieval(&r, other, x), IRP_EINVAL, "shapes differ");
    irp_mat_free(a); irp_mat_free(b); irp_mat_free(x); irp_mat_free(shift); irp_mat_free(other);
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

int main(void)
{
    const struct CMUnitTest core_metrics[] = {
        cmocka_unit_test(cosine_and_retrieval_known_answers),
        cmocka_unit_test(linear_head_accuracy_known_answer),
        cmocka_unit_test(mlp_forward_each_activation),
        cmocka_unit_test(distribution_statistics_known_answers),
    };
    return cmocka_run_group_tests(core_metrics, NULL, NULL);
}
