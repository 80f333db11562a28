/* Unit tests of core/: known answers, identities and every bad-argument path.
 * Tolerances are stated per test; pseudo-inverse results are checked on
 * well-conditioned fixtures (cond < 1e3), so 1e-9 absolute is generous. */
#include "testutil.h"

/* ---- randomness ------------------------------------------------------- */

static void splitmix64_known_answers(void **state)
{
    (void)state;
    irp_rng r;
    irp_rng_seed(&r, 0);
    assert_true(irp_rng_next(&r) == 0xE220A8397B1DCDAFULL);
    assert_true(irp_rng_next(&r) == 0x6E789E6AA1B965F4ULL);
    assert_true(irp_rng_next(&r) == 0x06C45D188009454FULL);
}

static void anchor_indices_known_answer_and_nesting(void **state)
{
    (void)state;
    /* Hand-derived: n = 10, seed 0: j0 = 0 + 0xE220A8397B1DCDAF % 10 = 7,
     * j1 = 1 + 0x6E789E6AA1B965F4 % 9 = 1 + 2 = 3, j2 = 2 + 0x06C45D188009454F % 8 = 2 + 7 = 9. */
    size_t idx[3];
    assert_ok(irp_anchor_indices(idx, 10, 3, 0));
    assert_int_equal(idx[0], 0xE220A8397B1DCDAFULL % 10);
    assert_int_equal(idx[1], 1 + 0x6E789E6AA1B965F4ULL % 9);
    assert_int_equal(idx[2], 2 + 0x06C45D188009454FULL % 8);
    size_t big[1280], small[128];
    assert_ok(irp_anchor_indices(big, 60000, 1280, 42));
    assert_ok(irp_anchor_indices(small, 60000, 128, 42));
    assert_memory_equal(big, small, sizeof small);
    unsigned char *seen = calloc(60000, 1);
    for (size_t i = 0; i < 1280; i++) {
        assert_true(big[i] < 60000);
        assert_false(seen[big[i]]);
        seen[big[i]] = 1;
    }
    free(seen);
}

static void anchor_indices_reject_bad_counts(void **state)
{
    (void)state;
    size_t idx[4];
    assert_fails(irp_anchor_indices(idx, 10, 0, 0), IRP_EINVAL, "at least 1");
    assert_fails(irp_anchor_indices(idx, 3, 4, 0), IRP_EINVAL, "only 3 samples");
}

static void subspace_first_point_is_seeded(void **state)
{
    (void)state;
    irp_rng r;
    irp_rng_seed(&r, 7 + 2);
    assert_int_equal(irp_subspace_first(7, 2, 100), irp_rng_next(&r) % 100);
}

/* ---- linear algebra --------------------------------------------------- */

static void normalize_rows_unit_norm(void **state)
{
    (void)state;
    irp_mat *m = tu_gauss_mat(20, 7, 1);
    assert_ok(irp_rows_normalize(m, "m"));
    double norms[20];
    irp_row_norms(norms, m);
    for (int i = 0; i < 20; i++)
        assert_close(norms[i], 1.0, 1e-14);
    irp_mat_free(m);
}

static void normalize_rejects_zero_row_and_nan(void **state)
{
    (void)state;
    irp_mat *m = tu_gauss_mat(4, 3, 2);
    memset(&IRP_AT(m, 2, 0), 0, 3 * sizeof(double));
    assert_fails(irp_rows_normalize(m, "samples"), IRP_ENUMERIC, "samples row 2 has zero norm");
    IRP_AT(m, 1, 1) = NAN;
    assert_fails(irp_rows_normalize(m, "samples"), IRP_ENUMERIC, "row 1, column 1");
    IRP_AT(m, 1, 1) = INFINITY;
    assert_fails(irp_rows_normalize(m, "samples"), IRP_ENUMERIC, "non-finite");
    irp_mat_free(m);
}

static void relative_projection_invariant_to_rotation_and_scale(void **state)
{
    (void)state;
    irp_mat *x = tu_gauss_mat(30, 10, 3), *a = tu_gauss_mat(15, 10, 4), *q = tu_rotation(10, 5);
    irp_mat *xr = tu_mul(x, q), *ar = tu_mul(a, q);
    for (size_t i = 0; i < xr->rows * xr->cols; i++)
        xr->data[i] *= 7.5;
    for (size_t i = 0; i < ar->rows * ar->cols; i++)
        ar->data[i] *= 0.01;
    irp_mat *r1 = irp_mat_new(30, 15), *r2 = irp_mat_new(30, 15);
    assert_ok(irp_relative_projection(r1, x, a));
    assert_ok(irp_relative_projection(r2, xr, ar));
    assert_true(tu_max_abs_diff(r1, r2) < 1e-12);
    assert_true(tu_max_abs(r1) <= 1.0 + 1e-12);
    irp_mat_free(x); irp_mat_free(a); irp_mat_free(q); irp_mat_free(xr); irp_mat_free(ar);
    irp_mat_free(r1); irp_mat_free(r2);
}

static void relative_projection_rejects_bad_shapes(void **state)
{
    (void)state;
    irp_mat *x = tu_gauss_mat(5, 4, 1), *a = tu_gauss_mat(3, 5, 2), *none = irp_mat_new(0, 4);
    irp_mat *r = irp_mat_new(5, 3);
    assert_fails(irp_relative_projection(r, x, a), IRP_EINVAL, "dimension 4 but anchors have 5");
    assert_fails(irp_relative_projection(r, x, none), IRP_EINVAL, "k = 0");
    irp_mat_free(x); irp_mat_free(a); irp_mat_free(none); irp_mat_free(r);
}

static void check_pinv_identity(size_t m, size_t n, size_t rank, uint64_t seed)
{
    /* A = B·C with B m×rank, C rank×n: rank-deficient when rank < min(m, n). */
    irp_mat *b = tu_gauss_mat(m, rank, seed), *c = tu_gauss_mat(rank, n, seed + 1);
    irp_mat *a = tu_mul(b, c), *p = irp_mat_new(n, m);
    irp_pinv_info info;
    assert_ok(irp_pinv(p, a, -1, &info));
    assert_int_equal(info.rank, rank);
    irp_mat *ap = tu_mul(a, p), *apa = tu_mul(ap, a), *pa = tu_mul(p, a), *pap = tu_mul(pa, p);
    double scale = tu_max_abs(a);
    /* Moore–Penrose: A·A⁺·A = A and A⁺·A·A⁺ = A⁺, relative 1e-10 · cond. */
    double tol = 1e-10 * info.cond_kept;
    assert_true(tu_max_abs_diff(apa, a) <= tol * scale);
    assert_true(tu_max_abs_diff(pap, p) <= tol * tu_max_abs(p));
    irp_mat_free(b); irp_mat_free(c); irp_mat_free(a); irp_mat_free(p);
    irp_mat_free(ap); irp_mat_free(apa); irp_mat_free(pa); irp_mat_free(pap);
}

static void pinv_moore_penrose_identities(void **state)
{
    (void)state;
    check_pinv_identity(40, 12, 12, 10); /* tall, full rank */
    check_pinv_identity(12, 40, 12, 20); /* wide, full rank */
    check_pinv_identity(30, 20, 7, 30);  /* rank-deficient */
}

static void pinv_matches_normal_equations(void **state)
{
    (void)state;
    /* Full column rank: A⁺ = (AᵀA)⁻¹Aᵀ. Reference by Gauss–Jordan on AᵀA. */
    size_t m = 25, n = 5;
    irp_mat *a = tu_gauss_mat(m, n, 11), *p = irp_mat_new(n, m), *g = irp_mat_new(n, n);
    assert_ok(irp_pinv(p, a, -1, NULL));
    assert_ok(irp_gemm_tn(g, a, a));
    double aug[5][10];
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < 2 * n; j++)
            aug[i][j] = j < n ? IRP_AT(g, i, j) : (j - n == i);
    for (size_t c = 0; c < n; c++) {
        double piv = aug[c][c];
        for (size_t j = 0; j < 2 * n; j++)
            aug[c][j] /= piv;
        for (size_t i = 0; i < n; i++)
            if (i != c) {
                double f = aug[i][c];
                for (size_t j = 0; j < 2 * n; j++)
                    aug[i][j] -= f * aug[c][j];
            }
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < m; j++) {
            double ref = 0;
            for (size_t l = 0; l < n; l++)
                ref += aug[i][n + l] * IRP_AT(a, j, l);
            assert_close(IRP_AT(p, i, j), ref, 1e-10);
        }
    irp_mat_free(a); irp_mat_free(p); irp_mat_free(g);
}

static void pinv_reports_rank_and_condition(void **state)
{
    (void)state;
    irp_mat *d = irp_mat_new(3, 3), *p = irp_mat_new(3, 3);
    IRP_AT(d, 0, 0) = 4;
    IRP_AT(d, 1, 1) = 2;
    IRP_AT(d, 2, 2) = 1e-3;
    irp_pinv_info info;
    assert_ok(irp_pinv(p, d, -1, &info));
    assert_int_equal(info.rank, 3);
    assert_close(info.cond, 4000.0, 1e-9);
    assert_close(IRP_AT(p, 2, 2), 1000.0, 1e-9);
    assert_ok(irp_pinv(p, d, 1e-2, &info)); /* cutoff 0.04 drops 1e-3 */
    assert_int_equal(info.rank, 2);
    assert_close(info.cond_kept, 2.0, 1e-12);
    assert_close(IRP_AT(p, 2, 2), 0.0, 0.0);
    irp_mat *empty = irp_mat_new(0, 3), *pe = irp_mat_new(3, 0);
    assert_fails(irp_pinv(pe, empty, -1, NULL), IRP_EINVAL, "empty");
    irp_mat_free(d); irp_mat_free(p); irp_mat_free(empty); irp_mat_free(pe);
}

/* ---- pruning ------------------------------------------------------------ */

/* 6 orthogonal directions in R^8, each present twice with small jitter,
 * interleaved: rows 2i and 2i+1 share direction i (the second one negated,
 * which |cos| must still see as the same direction). */
static irp_mat *jittered_directions(void)
{
    irp_mat *a = tu_gauss_mat(12, 8, 99);
    for (size_t i = 0; i < 12; i++)
        for (size_t j = 0; j < 8; j++)
            IRP_AT(a, i, j) = 0.02 * IRP_AT(a, i, j) + (j == i / 2 ? (i % 2 ? -1.0 : 1.0) : 0.0);
    return a;
}

static void fps_keeps_one_per_direction(void **state)
{
    (void)state;
    irp_mat *a = jittered_directions();
    size_t idx[12], count;
    assert_ok(irp_prune_fps(idx, &count, a, IRP_PRUNE_THRESHOLD, 0.2, 0));
    assert_int_equal(count, 6);
    int dir_seen[6] = {0};
    for (size_t i = 0; i < count; i++)
        dir_seen[idx[i] / 2]++;
    for (int d = 0; d < 6; d++)
        assert_int_equal(dir_seen[d], 1);
    assert_int_equal(idx[0], 0);
    assert_ok(irp_prune_fps(idx, &count, a, IRP_PRUNE_THRESHOLD, 0.0, 5));
    assert_int_equal(count, 12);
    assert_int_equal(idx[0], 5);
    irp_mat_free(a);
}

static void fps_breaks_ties_by_lowest_index(void **state)
{
    (void)state;
    /* Exact axes: every unchosen axis is at distance 1 from the chosen ones. */
    irp_mat *a = irp_mat_new(4, 4);
    for (int i = 0; i < 4; i++)
        IRP_AT(a, i, i) = 1.0;
    size_t idx[4], count;
    assert_ok(irp_prune_fps(idx, &count, a, IRP_PRUNE_THRESHOLD, 0.5, 2));
    assert_int_equal(count, 4);
    assert_int_equal(idx[0], 2);
    assert_int_equal(idx[1], 0);
    assert_int_equal(idx[2], 1);
    assert_int_equal(idx[3], 3);
    irp_mat_free(a);
}

static void fps_fraction_mode_keeps_fps_prefix(void **state)
{
    (void)state;
    irp_mat *a = tu_gauss_mat(50, 10, 7);
    size_t all[50], part[50], c_all, c_part;
    assert_ok(irp_prune_fps(all, &c_all, a, IRP_PRUNE_THRESHOLD, 0.0, 3));
    assert_ok(irp_prune_fps(part, &c_part, a, IRP_PRUNE_FRACTION, 0.25, 3));
    assert_int_equal(c_part, 13); /* ceil(0.25 · 50) */
    assert_memory_equal(all, part, c_part * sizeof *part);
    irp_mat_free(a);
}

static void fps_rejects_bad_arguments(void **state)
{
    (void)state;
    irp_mat *a = tu_gauss_mat(5, 3, 1), *none = irp_mat_new(0, 3);
    size_t idx[5], c;
    assert_fails(irp_prune_fps(idx, &c, a, IRP_PRUNE_THRESHOLD, 1.5, 0), IRP_EINVAL, "[0, 1]");
    assert_fails(irp_prune_fps(idx, &c, a, IRP_PRUNE_THRESHOLD, -0.1, 0), IRP_EINVAL, "[0, 1]");
    assert_fails(irp_prune_fps(idx, &c, a, IRP_PRUNE_THRESHOLD, NAN, 0), IRP_EINVAL, "delta");
    assert_fails(irp_prune_fps(idx, &c, a, IRP_PRUNE_FRACTION, 0.0, 0), IRP_EINVAL, "fraction");
    assert_fails(irp_prune_fps(idx, &c, a, IRP_PRUNE_THRESHOLD, 0.1, 5), IRP_EINVAL, "out of range");
    assert_fails(irp_prune_fps(idx, &c, none, IRP_PRUNE_THRESHOLD, 0.1, 0), IRP_EINVAL, "k = 0");
    assert_null(irp_subsets_new(a, 0, IRP_PRUNE_THRESHOLD, 0.1, 0));
    assert_non_null(strstr(irp_last_error(), "omega"));
    irp_mat_free(a); irp_mat_free(none);
}

static void subsets_representatives_find_equal_sets(void **state)
{
    (void)state;
    irp_mat *a = jittered_directions();
    /* δ = 0: every subset holds all 12 anchors (in different FPS orders). */
    irp_subsets *all = irp_subsets_new(a, 4, IRP_PRUNE_THRESHOLD, 0.0, 3);
    size_t r[6];
    assert_ok(irp_subsets_representatives(r, all));
    for (int i = 0; i < 4; i++)
        assert_int_equal(r[i], 0);
    /* δ = 0.2: one anchor per direction; which copy depends on the first point,
     * so a subset shares a representative exactly when it holds the same rows. */
    irp_subsets *some = irp_subsets_new(a, 6, IRP_PRUNE_THRESHOLD, 0.2, 3);
    assert_ok(irp_subsets_representatives(r, some));
    for (size_t i = 0; i < 6; i++) {
        unsigned mi = 0, mr = 0;
        for (size_t p = 0; p < some->counts[i]; p++)
            mi |= 1u << some->indices[i][p];
        for (size_t p = 0; p < some->counts[r[i]]; p++)
            mr |= 1u << some->indices[r[i]][p];
        assert_true(r[i] <= i);
        assert_int_equal(mi, mr);
        for (size_t j = 0; j < r[i]; j++) { /* and no earlier subset holds them */
            unsigned mj = 0;
            for (size_t p = 0; p < some->counts[j]; p++)
                mj |= 1u << some->indices[j][p];
            assert_int_not_equal(mi, mj);
        }
    }
    irp_subsets_free(all);
    irp_subsets_free(some);
    irp_mat_free(a);
}

static void translator_prefixes_equal_separate_fits(void **state)
{
    (void)state;
    /* out[j] from one shared pass equals a separate fit on the first ω_j subsets. */
    irp_mat *ax = tu_gauss_mat(90, 10, 201), *ay = tu_gauss_mat(90, 16, 202);
    irp_options o;
    irp_options_default(&o);
    o.num_subspaces = 8;
    o.delta = 0.3;
    o.completion = 1;
    irp_space *s = irp_space_new(ax, 0), *t = irp_space_new(ay, 0);
    irp_subsets *sub = irp_subsets_for(s, &o);
    size_t omegas[3] = {8, 1, 3};
    irp_mat *outs[3] = {irp_mat_new(10, 16), irp_mat_new(10, 16), irp_mat_new(10, 16)};
    irp_fit_info info[3];
    assert_ok(irp_translator_fit_prefixes(outs, info, omegas, 3, s, t, sub, &o));
    for (int j = 0; j < 3; j++) {
        irp_subsets prefix = {omegas[j], sub->num_anchors, sub->counts, sub->indices};
        irp_mat *one = irp_mat_new(10, 16);
        irp_fit_info fi;
        assert_ok(irp_translator_fit(one, s, t, &prefix, &o, &fi));
        assert_true(tu_max_abs_diff(one, outs[j]) <= 1e-12 * tu_max_abs(one));
        assert_close(fi.mean_subset_size, info[j].mean_subset_size, 1e-12);
        irp_mat_free(one);
    }
    size_t too_many = 9;
    assert_fails(irp_translator_fit_prefixes(outs, NULL, &too_many, 1, s, t, sub, &o), IRP_EINVAL,
                 "outside 1..8");
    for (int j = 0; j < 3; j++)
        irp_mat_free(outs[j]);
    irp_subsets_free(sub); irp_space_free(s); irp_space_free(t);
    irp_mat_free(ax); irp_mat_free(ay);
}

static void factored_translation_equals_dense(void **state)
{
    (void)state;
    /* T_ω = Â_X[U_ω]ᵀ·M_ω: applied through the union's cosines it gives the
     * dense translator's output, for every ω prefix, centred, with the union
     * holding exactly the anchors of the first ω subsets. */
    irp_mat *ax = tu_gauss_mat(120, 24, 211), *ay = tu_gauss_mat(120, 20, 212);
    irp_mat *x = tu_gauss_mat(50, 24, 213);
    irp_options o;
    irp_options_default(&o);
    o.num_subspaces = 6;
    o.delta = 0.5;
    o.center = 1;
    irp_space *s = irp_space_new(ax, 1), *t = irp_space_new(ay, 1);
    irp_subsets *sub = irp_subsets_for(s, &o);
    irp_union *u = irp_union_new(sub);
    assert_non_null(u);
    for (size_t k = 0; k < sub->num_subsets; k++) { /* prefix k = |subsets 0..k| as a set */
        size_t n = 0;
        for (size_t a = 0; a < 120; a++) {
            int in = 0;
            for (size_t q = 0; q <= k && !in; q++)
                for (size_t p = 0; p < sub->counts[q]; p++)
                    in |= sub->indices[q][p] == a;
            n += in;
            if (in)
                assert_true(u->pos[a] < u->prefix[k] && u->order[u->pos[a]] == a);
        }
        assert_int_equal(u->prefix[k], n);
    }
    size_t omegas[3] = {6, 1, 3};
    irp_mat *dense[3], *fac[3];
    irp_fit_info idense[3], ifac[3];
    for (int j = 0; j < 3; j++) {
        dense[j] = irp_mat_new(24, 20);
        fac[j] = irp_mat_new(u->prefix[omegas[j] - 1], 20);
    }
    assert_ok(irp_translator_fit_prefixes(dense, idense, omegas, 3, s, t, sub, &o));
    assert_ok(irp_translator_fit_factored(fac, ifac, omegas, 3, s, t, sub, u, &o));
    irp_mat *xp = irp_mat_new(50, 24), *r = irp_mat_new(50, u->len);
    irp_mat *y1 = irp_mat_new(50, 20), *y2 = irp_mat_new(50, 20);
    assert_ok(irp_space_prepare(xp, s, x));
    assert_ok(irp_union_encode(r, s, xp, u));
    for (int j = 0; j < 3; j++) {
        assert_ok(irp_translate_apply_prepared(y1, dense[j], t, xp, &o));
        assert_ok(irp_translate_apply_factored(y2, fac[j], r, t, &o));
        assert_true(tu_max_abs_diff(y1, y2) <= 1e-10 * tu_max_abs(y1));
        assert_close(ifac[j].mean_rank, idense[j].mean_rank, 1e-12);
        assert_close(ifac[j].max_cond, idense[j].max_cond, 1e-12 * idense[j].max_cond);
    }
    /* bad arguments: completion has no factored form; shapes are checked */
    o.completion = 1;
    assert_fails(irp_translator_fit_factored(fac, NULL, omegas, 1, s, t, sub, u, &o), IRP_EINVAL,
                 "completion");
    o.completion = 0;
    assert_fails(irp_translator_fit_factored(fac + 1, NULL, omegas, 1, s, t, sub, u, &o),
                 IRP_EINVAL, "translator must be");
    irp_mat *tall = irp_mat_new(u->len + 1, 20), *wide = irp_mat_new(50, u->len + 1);
    assert_fails(irp_translate_apply_factored(y2, tall, r, t, &o), IRP_EINVAL,
                 "factored translator is");
    assert_fails(irp_union_encode(wide, s, xp, u), IRP_EINVAL, "union encoding");
    irp_mat_free(tall);
    irp_mat_free(wide);
    for (int j = 0; j < 3; j++) {
        irp_mat_free(dense[j]);
        irp_mat_free(fac[j]);
    }
    irp_mat_free(xp); irp_mat_free(r); irp_mat_free(y1); irp_mat_free(y2); irp_mat_free(x);
    irp_union_free(u); irp_subsets_free(sub); irp_space_free(s); irp_space_free(t);
    irp_mat_free(ax); irp_mat_free(ay);
}

static void translate_cosines_equal_materialized(void **state)
{
    (void)state;
    /* Cosines computed block by block without keeping the translation equal those
     * of the materialised translation, dense and factored, over 300 rows (blocks of
     * 128 and a remainder), centred. */
    irp_mat *ax = tu_gauss_mat(150, 24, 221), *ay = tu_gauss_mat(150, 20, 222);
    irp_mat *x = tu_gauss_mat(300, 24, 223), *truth = tu_gauss_mat(300, 20, 224);
    irp_options o;
    irp_options_default(&o);
    o.num_subspaces = 2;
    o.delta = 0.5;
    o.center = 1;
    irp_space *s = irp_space_new(ax, 1), *t = irp_space_new(ay, 1);
    irp_subsets *sub = irp_subsets_for(s, &o);
    irp_union *u = irp_union_new(sub);
    size_t omega = 2;
    irp_mat *dense = irp_mat_new(24, 20), *fac = irp_mat_new(u->prefix[1], 20);
    assert_ok(irp_translator_fit_prefixes(&dense, NULL, &omega, 1, s, t, sub, &o));
    assert_ok(irp_translator_fit_factored(&fac, NULL, &omega, 1, s, t, sub, u, &o));
    irp_mat *xp = irp_mat_new(300, 24), *r = irp_mat_new(300, u->len), *y = irp_mat_new(300, 20);
    double norms[300], m0, f0, m1, f1;
    irp_row_norms(norms, truth);
    assert_ok(irp_space_prepare(xp, s, x));
    assert_ok(irp_union_encode(r, s, xp, u));
    assert_ok(irp_translate_apply_prepared(y, dense, t, xp, &o));
    assert_ok(irp_cosines(&m0, &f0, y, truth, norms, 7));
    assert_ok(irp_translate_cosines(&m1, &f1, dense, xp, t, &o, truth, norms, 7));
    assert_close(m1, m0, 1e-13);
    assert_close(f1, f0, 1e-13);
    assert_ok(irp_translate_apply_factored(y, fac, r, t, &o));
    assert_ok(irp_cosines(&m0, &f0, y, truth, norms, 7));
    assert_ok(irp_translate_cosines(&m1, NULL, fac, r, t, &o, truth, norms, 7));
    assert_close(m1, m0, 1e-13);
    irp_mat *small = irp_mat_new(300, 19);
    assert_fails(irp_translate_cosines(&m1, &f1, dense, xp, t, &o, small, norms, 7), IRP_EINVAL,
                 "truth is 300x19");
    assert_fails(irp_translate_cosines(&m1, &f1, dense, r, s, &o, truth, norms, 7), IRP_EINVAL,
                 "translator is 24x20");
    irp_mat_free(small); irp_mat_free(dense); irp_mat_free(fac); irp_mat_free(xp);
    irp_mat_free(r); irp_mat_free(y); irp_mat_free(x); irp_mat_free(truth);
    irp_union_free(u); irp_subsets_free(sub); irp_space_free(s); irp_space_free(t);
    irp_mat_free(ax); irp_mat_free(ay);
}

static double cond_of(const irp_mat *a)
{
    irp_mat *p = irp_mat_new(a->cols, a->rows);
    irp_pinv_info info;
    assert_ok(irp_pinv(p, a, -1, &info));
    irp_mat_free(p);
    return info.cond;
}

static void pruning_lowers_condition_number(void **state)
{
    (void)state;
    /* 16 axes plus a tight cluster of 24 anchors around one direction u. */
    irp_mat *a = irp_mat_new(40, 16), *g = tu_gauss_mat(25, 16, 5);
    for (size_t i = 0; i < 16; i++)
        IRP_AT(a, i, i) = 1.0;
    for (size_t i = 16; i < 40; i++)
        for (size_t j = 0; j < 16; j++)
            IRP_AT(a, i, j) = IRP_AT(g, 0, j) + 0.02 * IRP_AT(g, i - 15, j);
    assert_ok(irp_rows_normalize(a, "anchors"));
    size_t idx[40], count;
    assert_ok(irp_prune_fps(idx, &count, a, IRP_PRUNE_THRESHOLD, 0.5, 0));
    assert_true(count < 40);
    irp_mat *s = irp_mat_select_rows(a, idx, count);
    double full = cond_of(a), pruned = cond_of(s);
    if (!(pruned < 0.5 * full))
        fail_msg("pruned condition %g is not below half the full %g", pruned, full);
    irp_mat_free(a); irp_mat_free(g); irp_mat_free(s);
}

/* ---- IRP ---------------------------------------------------------------- */

typedef struct pair_fixture {
    irp_mat *x_train, *y_train, *x_test, *y_test; /* rows parallel */
} pair_fixture;

/* y = scale · x · Q (+ noise), Q a rotation (dx == dy) */
static pair_fixture make_rotated(size_t n, size_t d, double scale, double noise, uint64_t seed)
{
    pair_fixture f;
    irp_mat *q = tu_rotation(d, seed + 100);
    f.x_train = tu_gauss_mat(n, d, seed);
    f.x_test = tu_gauss_mat(n / 2, d, seed + 1);
    f.y_train = tu_mul(f.x_train, q);
    f.y_test = tu_mul(f.x_test, q);
    irp_mat *e1 = tu_gauss_mat(n, d, seed + 2), *e2 = tu_gauss_mat(n / 2, d, seed + 3);
    for (size_t i = 0; i < n * d; i++)
        f.y_train->data[i] = scale * f.y_train->data[i] + noise * e1->data[i];
    for (size_t i = 0; i < n / 2 * d; i++)
        f.y_test->data[i] = scale * f.y_test->data[i] + noise * e2->data[i];
    irp_mat_free(q); irp_mat_free(e1); irp_mat_free(e2);
    return f;
}

static void free_fixture(pair_fixture *f)
{
    irp_mat_free(f->x_train); irp_mat_free(f->y_train);
    irp_mat_free(f->x_test); irp_mat_free(f->y_test);
}

/* IRP src → dst through the closed-form translator; returns mean cosine. */
static double irp_cos(const irp_mat *ax, const irp_mat *ay, const irp_mat *x, const irp_mat *y,
                      const irp_options *o, irp_fit_info *info)
{
    irp_space *s = irp_space_new(ax, o->center), *t = irp_space_new(ay, o->center);
    assert_non_null(s);
    assert_non_null(t);
    irp_subsets *sub = irp_subsets_for(s, o);
    assert_non_null(sub);
    irp_mat *tr = irp_mat_new(ax->cols, ay->cols), *out = irp_mat_new(x->rows, ay->cols);
    assert_ok(irp_translator_fit(tr, s, t, sub, o, info));
    assert_ok(irp_translate_apply(out, tr, s, t, x, o));
    double c;
    assert_ok(irp_mean_cosine(&c, out, y));
    irp_mat_free(tr); irp_mat_free(out); irp_subsets_free(sub);
    irp_space_free(s); irp_space_free(t);
    return c;
}

static void intra_space_inversion_exact_when_k_ge_d(void **state)
{
    (void)state;
    irp_mat *a = tu_gauss_mat(64, 32, 21), *x = tu_gauss_mat(200, 32, 22);
    irp_options o;
    irp_options_default(&o);
    double c = irp_cos(a, a, x, x, &o, NULL);
    if (!(c > 0.9999))
        fail_msg("intra-space mean cosine %.6f <= 0.9999", c);
    irp_mat_free(a); irp_mat_free(x);
}

static void rotation_and_scale_recovered(void **state)
{
    (void)state;
    pair_fixture f = make_rotated(300, 24, 3.5, 0.01, 31);
    irp_options o;
    irp_options_default(&o);
    irp_fit_info info;
    double c = irp_cos(f.x_train, f.y_train, f.x_test, f.y_test, &o, &info);
    if (!(c > 0.999))
        fail_msg("rotation recovery mean cosine %.6f <= 0.999", c);
    assert_close(info.mean_subset_size, 300.0, 0.0);
    /* the raw embeddings are unrelated by comparison */
    double raw;
    assert_ok(irp_mean_cosine(&raw, f.x_test, f.y_test));
    assert_true(fabs(raw) < 0.3);
    free_fixture(&f);
}

static void closed_form_equals_stepwise(void **state)
{
    (void)state;
    /* Different dimensions, centring, ω = 4, δ = 0.3: the two paths agree. */
    irp_mat *ax = tu_gauss_mat(60, 12, 41), *ay = tu_gauss_mat(60, 20, 42);
    irp_mat *x = tu_gauss_mat(50, 12, 43);
    for (size_t i = 0; i < 60 * 12; i++)
        ax->data[i] += 0.7; /* a shared mean direction, as real encoders have */
    irp_options o;
    irp_options_default(&o);
    o.num_subspaces = 4;
    o.delta = 0.3;
    o.center = 1;
    o.seed = 5;
    irp_space *s = irp_space_new(ax, 1), *t = irp_space_new(ay, 1);
    irp_subsets *sub = irp_subsets_for(s, &o);
    assert_non_null(sub);
    irp_mat *tr = irp_mat_new(12, 20), *fast = irp_mat_new(50, 20), *slow = irp_mat_new(50, 20);
    assert_ok(irp_translator_fit(tr, s, t, sub, &o, NULL));
    for (int mode = 0; mode < 2; mode++) { /* rescale hides a global factor: check both */
        o.rescale = mode ? IRP_RESCALE_NONE : IRP_RESCALE_MEAN_NORM;
        assert_ok(irp_translate_apply(fast, tr, s, t, x, &o));
        assert_ok(irp_decode_stepwise(slow, s, t, sub, x, &o));
        double rel = tu_max_abs_diff(fast, slow) / tu_max_abs(slow);
        if (!(rel <= 1e-10))
            fail_msg("closed form vs stepwise relative difference %g > 1e-10", rel);
    }
    o.completion = 1;
    assert_fails(irp_decode_stepwise(slow, s, t, sub, x, &o), IRP_EINVAL, "translator");
    irp_mat_free(ax); irp_mat_free(ay); irp_mat_free(x); irp_mat_free(tr);
    irp_mat_free(fast); irp_mat_free(slow); irp_subsets_free(sub);
    irp_space_free(s); irp_space_free(t);
}

static void omega_average_is_mean_of_members(void **state)
{
    (void)state;
    irp_mat *ax = tu_gauss_mat(80, 10, 51), *ay = tu_gauss_mat(80, 14, 52);
    irp_mat *x = tu_gauss_mat(20, 10, 53);
    irp_options o;
    irp_options_default(&o);
    o.num_subspaces = 3;
    o.delta = 0.2;
    o.rescale = IRP_RESCALE_NONE;
    irp_space *s = irp_space_new(ax, 0), *t = irp_space_new(ay, 0);
    irp_subsets *sub = irp_subsets_for(s, &o);
    irp_mat *avg = irp_mat_new(20, 14), *one = irp_mat_new(20, 14), *sum = irp_mat_new(20, 14);
    assert_ok(irp_decode_stepwise(avg, s, t, sub, x, &o));
    /* differently seeded subsets really differ */
    assert_true(sub->counts[0] != sub->counts[1] ||
                memcmp(sub->indices[0], sub->indices[1], sub->counts[0] * sizeof(size_t)) != 0);
    for (size_t m = 0; m < 3; m++) {
        irp_subsets single = {1, sub->num_anchors, &sub->counts[m], &sub->indices[m]};
        irp_options o1 = o;
        o1.num_subspaces = 1;
        assert_ok(irp_decode_stepwise(one, s, t, &single, x, &o1));
        for (size_t i = 0; i < 20 * 14; i++)
            sum->data[i] += one->data[i] / 3.0;
    }
    assert_true(tu_max_abs_diff(avg, sum) <= 1e-12 * tu_max_abs(sum));
    irp_mat_free(ax); irp_mat_free(ay); irp_mat_free(x); irp_mat_free(avg);
    irp_mat_free(one); irp_mat_free(sum); irp_subsets_free(sub);
    irp_space_free(s); irp_space_free(t);
}

static void rescale_sets_target_scale(void **state)
{
    (void)state;
    pair_fixture f = make_rotated(100, 8, 5.0, 0.05, 61);
    irp_options o;
    irp_options_default(&o);
    irp_space *s = irp_space_new(f.x_train, 0), *t = irp_space_new(f.y_train, 0);
    irp_subsets *sub = irp_subsets_for(s, &o);
    irp_mat *tr = irp_mat_new(8, 8), *out = irp_mat_new(50, 8);
    assert_ok(irp_translator_fit(tr, s, t, sub, &o, NULL));
    assert_ok(irp_translate_apply(out, tr, s, t, f.x_test, &o));
    double norms[50], ref[100], mean_ref = 0;
    irp_row_norms(norms, out);
    irp_row_norms(ref, f.y_train);
    for (int i = 0; i < 100; i++)
        mean_ref += ref[i] / 100.0;
    assert_close(t->scale, mean_ref, 1e-12 * mean_ref);
    for (int i = 0; i < 50; i++)
        assert_close(norms[i], mean_ref, 1e-9 * mean_ref);
    o.rescale = IRP_RESCALE_NONE;
    assert_ok(irp_translate_apply(out, tr, s, t, f.x_test, &o));
    irp_row_norms(norms, out);
    assert_true(fabs(norms[0] - mean_ref) > 1.0); /* unit-ish, far from ~14 */
    irp_mat_free(tr); irp_mat_free(out); irp_subsets_free(sub);
    irp_space_free(s); irp_space_free(t); free_fixture(&f);
}

static void centering_recovers_offset_spaces(void **state)
{
    (void)state;
    /* y = x·Q + c: with centring IRP maps exactly; without, the offset hurts. */
    pair_fixture f = make_rotated(200, 16, 1.0, 0.0, 71);
    for (size_t i = 0; i < 200; i++)
        for (size_t j = 0; j < 16; j++)
            IRP_AT(f.y_train, i, j) += 3.0 + 0.1 * (double)j;
    for (size_t i = 0; i < 100; i++)
        for (size_t j = 0; j < 16; j++)
            IRP_AT(f.y_test, i, j) += 3.0 + 0.1 * (double)j;
    irp_options o;
    irp_options_default(&o);
    o.center = 1;
    o.rescale = IRP_RESCALE_NONE; /* exact scale is not recoverable; directions are */
    double c_on = irp_cos(f.x_train, f.y_train, f.x_test, f.y_test, &o, NULL);
    o.center = 0;
    double c_off = irp_cos(f.x_train, f.y_train, f.x_test, f.y_test, &o, NULL);
    if (!(c_on > 0.98 && c_on > c_off))
        fail_msg("centred %.4f, uncentred %.4f", c_on, c_off);
    free_fixture(&f);
}

static void completion_is_a_rotation_of_the_translator(void **state)
{
    (void)state;
    pair_fixture f = make_rotated(200, 12, 2.0, 0.3, 81);
    irp_options o;
    irp_options_default(&o);
    o.num_subspaces = 4;
    o.delta = 0.6;
    irp_space *s = irp_space_new(f.x_train, 0), *t = irp_space_new(f.y_train, 0);
    irp_subsets *sub = irp_subsets_for(s, &o);
    irp_mat *plain = irp_mat_new(12, 12), *comp = irp_mat_new(12, 12), *pinv = irp_mat_new(12, 12);
    assert_ok(irp_translator_fit(plain, s, t, sub, &o, NULL));
    o.completion = 1;
    assert_ok(irp_translator_fit(comp, s, t, sub, &o, NULL));
    /* Q = T⁺·T_c must be orthogonal: QᵀQ = I (T is square and full rank here). */
    assert_ok(irp_pinv(pinv, plain, -1, NULL));
    irp_mat *q = tu_mul(pinv, comp), *qtq = irp_mat_new(12, 12);
    assert_ok(irp_gemm_tn(qtq, q, q));
    for (size_t i = 0; i < 12; i++)
        for (size_t j = 0; j < 12; j++)
            assert_close(IRP_AT(qtq, i, j), i == j ? 1.0 : 0.0, 1e-8);
    assert_true(tu_max_abs_diff(plain, comp) > 1e-6); /* it did rotate something */
    irp_mat_free(plain); irp_mat_free(comp); irp_mat_free(pinv); irp_mat_free(q);
    irp_mat_free(qtq); irp_subsets_free(sub); irp_space_free(s); irp_space_free(t);
    free_fixture(&f);
}

static void completion_is_identity_on_exact_rotation(void **state)
{
    (void)state;
    /* Without pruning and noise T maps anchors exactly; the estimated
     * rotation is then I and the translation unchanged (cos > 0.9999). */
    pair_fixture f = make_rotated(100, 10, 1.0, 0.0, 91);
    irp_options o;
    irp_options_default(&o);
    o.completion = 1;
    double c = irp_cos(f.x_train, f.y_train, f.x_test, f.y_test, &o, NULL);
    if (!(c > 0.9999))
        fail_msg("completion on an exact rotation gave %.6f", c);
    free_fixture(&f);
}

static void options_check_rejects_out_of_range(void **state)
{
    (void)state;
    irp_options o;
    irp_options_default(&o);
    assert_ok(irp_options_check(&o));
    o.num_subspaces = 0;
    assert_fails(irp_options_check(&o), IRP_EINVAL, "omega");
    irp_options_default(&o);
    o.delta = 1.01;
    assert_fails(irp_options_check(&o), IRP_EINVAL, "delta");
    o.delta = NAN;
    assert_fails(irp_options_check(&o), IRP_EINVAL, "delta");
    irp_options_default(&o);
    o.prune_mode = IRP_PRUNE_FRACTION;
    o.delta = 0.0;
    assert_fails(irp_options_check(&o), IRP_EINVAL, "fraction");
    irp_options_default(&o);
    o.rcond = 2.0;
    assert_fails(irp_options_check(&o), IRP_EINVAL, "rcond");
}

static void space_and_translator_reject_bad_inputs(void **state)
{
    (void)state;
    irp_mat *a = tu_gauss_mat(10, 4, 1), *b = tu_gauss_mat(9, 4, 2), *none = irp_mat_new(0, 4);
    assert_null(irp_space_new(none, 0));
    assert_non_null(strstr(irp_last_error(), "at least one anchor"));
    IRP_AT(a, 3, 2) = NAN;
    assert_null(irp_space_new(a, 0));
    assert_non_null(strstr(irp_last_error(), "non-finite"));
    IRP_AT(a, 3, 2) = 1.0;
    irp_mat *same = irp_mat_new(5, 4);
    for (size_t i = 0; i < 5; i++)
        IRP_AT(same, i, 0) = 1.0; /* centring makes every row zero */
    assert_null(irp_space_new(same, 1));
    assert_non_null(strstr(irp_last_error(), "zero norm"));
    irp_space *s = irp_space_new(a, 0), *t = irp_space_new(b, 0);
    irp_options o;
    irp_options_default(&o);
    irp_subsets *sub = irp_subsets_for(s, &o);
    irp_mat *tr = irp_mat_new(4, 4);
    assert_fails(irp_translator_fit(tr, s, t, sub, &o, NULL), IRP_EINVAL, "not parallel");
    irp_mat *wrong = irp_mat_new(3, 4);
    assert_fails(irp_translator_fit(wrong, s, s, sub, &o, NULL), IRP_EINVAL, "must be 4x4");
    assert_ok(irp_translator_fit(tr, s, s, sub, &o, NULL));
    irp_mat *x = tu_gauss_mat(3, 4, 5), *out = irp_mat_new(3, 4);
    memset(&IRP_AT(x, 1, 0), 0, 4 * sizeof(double));
    assert_fails(irp_translate_apply(out, tr, s, s, x, &o), IRP_ENUMERIC, "row 1 has zero norm");
    for (size_t i = 0; i < out->rows * out->cols; i++)
        assert_false(isnan(out->data[i]));
    irp_mat *x5 = tu_gauss_mat(3, 5, 6);
    assert_fails(irp_translate_apply(out, tr, s, s, x5, &o), IRP_EINVAL, "dimension 5");
    irp_mat_free(a); irp_mat_free(b); irp_mat_free(none); irp_mat_free(same);
    irp_mat_free(tr); irp_mat_free(wrong); irp_mat_free(x); irp_mat_free(out); irp_mat_free(x5);
    irp_subsets_free(sub); irp_space_free(s); irp_space_free(t);
}

/* ---- references ----------------------------------------------------------- */

static void procrustes_recovers_rotation(void **state)
{
    (void)state;
    pair_fixture f = make_rotated(60, 9, 1.0, 0.0, 101);
    irp_mat *w = irp_mat_new(9, 9), *q = tu_rotation(9, 101 + 100);
    assert_ok(irp_procrustes_fit(w, f.x_train, f.y_train));
    assert_true(tu_max_abs_diff(w, q) < 1e-10);
    irp_mat_free(w); irp_mat_free(q); free_fixture(&f);
}

static void affine_recovers_affine_map(void **state)
{
    (void)state;
    irp_mat *x = tu_gauss_mat(50, 6, 111), *m = tu_gauss_mat(6, 4, 112);
    irp_mat *y = tu_mul(x, m);
    for (size_t i = 0; i < 50; i++)
        for (size_t j = 0; j < 4; j++)
            IRP_AT(y, i, j) += (double)j - 1.5;
    irp_mat *w = irp_mat_new(7, 4), *xt = tu_gauss_mat(10, 6, 113), *yt = tu_mul(xt, m);
    irp_mat *pred = irp_mat_new(10, 4);
    for (size_t i = 0; i < 10; i++)
        for (size_t j = 0; j < 4; j++)
            IRP_AT(yt, i, j) += (double)j - 1.5;
    assert_ok(irp_affine_fit(w, x, y, -1));
    assert_ok(irp_affine_apply(pred, w, xt));
    assert_true(tu_max_abs_diff(pred, yt) < 1e-10);
    irp_mat *short_y = tu_gauss_mat(49, 4, 1);
    assert_fails(irp_affine_fit(w, x, short_y, -1), IRP_EINVAL, "not parallel");
    irp_mat_free(x); irp_mat_free(m); irp_mat_free(y); irp_mat_free(w); irp_mat_free(xt);
    irp_mat_free(yt); irp_mat_free(pred); irp_mat_free(short_y);
}

/* ---- metrics -------------------------------------------------------------- */

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
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(splitmix64_known_answers),
        cmocka_unit_test(anchor_indices_known_answer_and_nesting),
        cmocka_unit_test(anchor_indices_reject_bad_counts),
        cmocka_unit_test(subspace_first_point_is_seeded),
        cmocka_unit_test(normalize_rows_unit_norm),
        cmocka_unit_test(normalize_rejects_zero_row_and_nan),
        cmocka_unit_test(relative_projection_invariant_to_rotation_and_scale),
        cmocka_unit_test(relative_projection_rejects_bad_shapes),
        cmocka_unit_test(pinv_moore_penrose_identities),
        cmocka_unit_test(pinv_matches_normal_equations),
        cmocka_unit_test(pinv_reports_rank_and_condition),
        cmocka_unit_test(fps_keeps_one_per_direction),
        cmocka_unit_test(fps_breaks_ties_by_lowest_index),
        cmocka_unit_test(fps_fraction_mode_keeps_fps_prefix),
        cmocka_unit_test(fps_rejects_bad_arguments),
        cmocka_unit_test(pruning_lowers_condition_number),
        cmocka_unit_test(subsets_representatives_find_equal_sets),
        cmocka_unit_test(translator_prefixes_equal_separate_fits),
        cmocka_unit_test(factored_translation_equals_dense),
        cmocka_unit_test(translate_cosines_equal_materialized),
        cmocka_unit_test(intra_space_inversion_exact_when_k_ge_d),
        cmocka_unit_test(rotation_and_scale_recovered),
        cmocka_unit_test(closed_form_equals_stepwise),
        cmocka_unit_test(omega_average_is_mean_of_members),
        cmocka_unit_test(rescale_sets_target_scale),
        cmocka_unit_test(centering_recovers_offset_spaces),
        cmocka_unit_test(completion_is_a_rotation_of_the_translator),
        cmocka_unit_test(completion_is_identity_on_exact_rotation),
        cmocka_unit_test(options_check_rejects_out_of_range),
        cmocka_unit_test(space_and_translator_reject_bad_inputs),
        cmocka_unit_test(procrustes_recovers_rotation),
        cmocka_unit_test(affine_recovers_affine_map),
        cmocka_unit_test(cosine_and_retrieval_known_answers),
        cmocka_unit_test(linear_head_accuracy_known_answer),
        cmocka_unit_test(mlp_forward_each_activation),
        cmocka_unit_test(distribution_statistics_known_answers),
    };
    return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
