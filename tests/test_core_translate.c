/* Unit tests of core/irp_translate: translators, cosines, completion, rescale, options. */
#include "testutil.h"
#include <cblas.h>
#include <errno.h>
#include <unistd.h>

#include "irp_flat.h"

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

static void translate_work_is_counted_per_stage_of_the_apply(void **state)
{
    (void)state;
    /* 300 rows, 24 → 20 dims: the product 2·300·20·24; post-processing 3 per entry
     * rescaled + 1 un-centred; cosines 2 products (4 per entry), 3 with the floor (6).
     * Bytes: whole operands once (input, map, truth; a materialised translation is
     * written, then post-processed in a second pass); the blocks stay in cache. */
    irp_mat *ax = tu_gauss_mat(40, 24, 231), *ay = tu_gauss_mat(40, 20, 232);
    irp_mat *x = tu_gauss_mat(300, 24, 233), *truth = tu_gauss_mat(300, 20, 234);
    irp_options o;
    irp_options_default(&o);
    irp_space *s = irp_space_new(ax, 0), *t = irp_space_new(ay, 1);
    irp_mat *map = tu_gauss_mat(24, 20, 235), *xp = irp_mat_new(300, 24), *y = irp_mat_new(300, 20);
    double norms[300], mean, fl;
    irp_row_norms(norms, truth);
    assert_ok(irp_space_prepare(xp, s, x));
    double e = 300.0 * 20, gemm = 2.0 * 300 * 20 * 24;
    double fused_bytes = 8.0 * (300 * 20 + 24 * (300 + 20));
    irp_work w0 = irp_work_done(), w;
    o.rescale = IRP_RESCALE_MEAN_NORM;
    assert_ok(irp_translate_cosines(&mean, &fl, map, xp, t, &o, truth, norms, 3));
    w = irp_work_done();
    assert_true(w.flops - w0.flops == gemm + 4 * e + 6 * e);
    assert_true(w.bytes - w0.bytes == fused_bytes);
    o.rescale = IRP_RESCALE_NONE;
    w0 = irp_work_done();
    assert_ok(irp_translate_cosines(&mean, NULL, map, xp, t, &o, truth, norms, 3));
    w = irp_work_done();
    assert_true(w.flops - w0.flops == gemm + 1 * e + 4 * e);
    assert_true(w.bytes - w0.bytes == fused_bytes);
    for (o.single = 0; o.single < 2; o.single++) { /* float32: the same work */
        w0 = irp_work_done();
        assert_ok(irp_translate_apply_prepared(y, map, t, xp, &o));
        w = irp_work_done();
        assert_true(w.flops - w0.flops == gemm + e);
        assert_true(w.bytes - w0.bytes == 8.0 * (300 * 24 + 24 * 20 + e) + 16 * e);
    }
    w0 = irp_work_done(); /* the materialised cosines read both matrices once */
    assert_ok(irp_cosines(&mean, &fl, y, truth, norms, 3));
    w = irp_work_done();
    assert_true(w.flops - w0.flops == 6 * e && w.bytes - w0.bytes == 16 * e);
    irp_mat_free(ax); irp_mat_free(ay); irp_mat_free(x); irp_mat_free(truth);
    irp_mat_free(map); irp_mat_free(xp); irp_mat_free(y);
    irp_space_free(s); irp_space_free(t);
}

static void translate_cosines_equal_materialized(void **state)
{
    (void)state;
    /* Cosines computed block by block without keeping the translation (rescaled
     * and un-centred on the fly) equal those of the materialised translation, over
     * 300 rows (blocks of 128 and a remainder), centred: dense to the bit,
     * factored to 1e-13. */
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
    assert_true(m1 == m0 && f1 == f0);
    assert_ok(irp_translate_apply_factored(y, fac, r, t, &o));
    assert_ok(irp_cosines(&m0, &f0, y, truth, norms, 7));
    assert_ok(irp_translate_cosines(&m1, NULL, fac, r, t, &o, truth, norms, 7));
    /* (not to the bit: with a few columns, k = |U|, OpenBLAS's Haswell kernel sums
     * a block of rows differently from all 300 at once; seen under valgrind) */
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

static void cosines_many_and_float32_apply(void **state)
{
    (void)state;
    /* Several maps at once give each map's single-call cosines to the bit; the
     * float32 apply stage stays within 1e-6 of float64 (cosines and rows, the
     * bound the issue sets on real dumps) yet is not float64 (it ran). */
    irp_mat *ax = tu_gauss_mat(150, 24, 231), *ay = tu_gauss_mat(150, 20, 232);
    irp_mat *x = tu_gauss_mat(300, 24, 233), *truth = tu_gauss_mat(300, 20, 234);
    irp_options o;
    irp_options_default(&o);
    o.num_subspaces = 4;
    o.delta = 0.5;
    o.center = 1;
    irp_space *s = irp_space_new(ax, 1), *t = irp_space_new(ay, 1);
    irp_subsets *sub = irp_subsets_for(s, &o);
    irp_union *u = irp_union_new(sub);
    size_t om[2] = {1, 4};
    irp_mat *dense[2] = {irp_mat_new(24, 20), irp_mat_new(24, 20)};
    irp_mat *fac = irp_mat_new(u->prefix[0], 20);
    assert_ok(irp_translator_fit_prefixes(dense, NULL, om, 2, s, t, sub, &o));
    assert_ok(irp_translator_fit_factored(&fac, NULL, om, 1, s, t, sub, u, &o));
    irp_mat *xp = irp_mat_new(300, 24), *r = irp_mat_new(300, u->len);
    irp_mat *y64 = irp_mat_new(300, 20), *y32 = irp_mat_new(300, 20);
    double norms[300], m[3], f[3], m1, f1;
    irp_row_norms(norms, truth);
    assert_ok(irp_space_prepare(xp, s, x));
    assert_ok(irp_union_encode(r, s, xp, u));
    const irp_mat *maps[3] = {dense[0], fac, dense[1]}, *ins[3] = {xp, r, xp};
    assert_ok(irp_translate_cosines_many(m, f, maps, ins, 3, t, &o, truth, norms, 7));
    for (int k = 0; k < 3; k++) {
        assert_ok(irp_translate_cosines(&m1, &f1, maps[k], ins[k], t, &o, truth, norms, 7));
        assert_true(m[k] == m1 && f[k] == f1);
    }
    /* maps of one input next to each other (the dense translators of a pair,
     * multiplied as one wider matrix in float64), then a map of another input,
     * then the first input again (a run of its own): each map's cosines still to
     * the bit, in float64 and in float32 (dy = 20: not a multiple of OpenBLAS's
     * 4- or 8-wide tiles, so the runs' edges fall inside a tile) */
    const irp_mat *pair_maps[5] = {dense[0], dense[1], fac, dense[1], dense[0]},
                  *pair_ins[5] = {xp, xp, r, xp, xp};
    irp_options o32s = o;
    o32s.single = 1;
    /* one BLAS thread, as the runner's workers (and, under the Haswell kernel
     * main pins, the wider product is then taken), then several */
    int threads = openblas_get_num_threads();
    for (int single = 0; single < 4; single++) {
        openblas_set_num_threads(single < 2 ? 1 : 2);
        const irp_options *op = single % 2 ? &o32s : &o;
        double mp[5], fp[5];
        assert_ok(irp_translate_cosines_many(mp, fp, pair_maps, pair_ins, 5, t, op, truth, norms,
                                             7));
        for (int k = 0; k < 5; k++) {
            assert_ok(irp_translate_cosines(&m1, &f1, pair_maps[k], pair_ins[k], t, op, truth,
                                            norms, 7));
            if (!(mp[k] == m1 && fp[k] == f1))
                fail_msg("%s, %d BLAS threads, map %d: %.17g %.17g vs %.17g %.17g alone",
                         single % 2 ? "float32" : "float64", single < 2 ? 1 : 2, k, mp[k], fp[k],
                         m1, f1);
        }
    }
    openblas_set_num_threads(threads);
    irp_mat *short_rows = irp_mat_new(299, 24);
    const irp_mat *bad_maps[2] = {dense[0], dense[1]}, *bad_ins[2] = {xp, short_rows};
    assert_fails(irp_translate_cosines_many(m, f, bad_maps, bad_ins, 2, t, &o, truth, norms, 7),
                 IRP_EINVAL, "translation 1 has 299 rows, translation 0 has 300");
    irp_mat_free(short_rows);
    irp_options o32 = o;
    o32.single = 1;
    double m32[3], f32[3], worst = 0, moved = 0;
    assert_ok(irp_translate_cosines_many(m32, f32, maps, ins, 3, t, &o32, truth, norms, 7));
    for (int k = 0; k < 3; k++) {
        assert_close(m32[k], m[k], 1e-6);
        assert_close(f32[k], f[k], 1e-6);
        moved += fabs(m32[k] - m[k]);
    }
    assert_true(moved > 0);
    for (int k = 0; k < 2; k++) { /* materialised: dense, then factored */
        if (k == 0) {
            assert_ok(irp_translate_apply_prepared(y64, dense[0], t, xp, &o));
            assert_ok(irp_translate_apply_prepared(y32, dense[0], t, xp, &o32));
        } else {
            assert_ok(irp_translate_apply_factored(y64, fac, r, t, &o));
            assert_ok(irp_translate_apply_factored(y32, fac, r, t, &o32));
        }
        double d = 0, scale = 0;
        for (size_t i = 0; i < 300 * 20; i++) {
            d = fmax(d, fabs(y32->data[i] - y64->data[i]));
            scale = fmax(scale, fabs(y64->data[i]));
        }
        worst = fmax(worst, d / scale);
        if (k == 0)
            assert_true(d > 0);
        else /* a factored map is never applied in float32: its entries cancel */
            assert_true(d == 0);
    }
    assert_true(worst < 1e-6);
    irp_mat_free(dense[0]); irp_mat_free(dense[1]); irp_mat_free(fac); irp_mat_free(xp);
    irp_mat_free(r); irp_mat_free(y64); irp_mat_free(y32); irp_mat_free(x); irp_mat_free(truth);
    irp_union_free(u); irp_subsets_free(sub); irp_space_free(s); irp_space_free(t);
    irp_mat_free(ax); irp_mat_free(ay);
}

/* δ = 0: a target that keeps the inverse of all its anchors gives every
 * source's translators to the bit, dense and with ω > 1; options it was not
 * made with (another pinv cutoff, ridge) are not served from it. */
static void kept_full_inverse_gives_the_same_translators(void **state)
{
    (void)state;
    irp_mat *ax = tu_gauss_mat(60, 12, 241), *ay = tu_gauss_mat(60, 9, 242);
    for (int variant = 0; variant < 3; variant++) {
        irp_options o;
        irp_options_default(&o);
        o.num_subspaces = 3;
        irp_space *s = irp_space_new(ax, 0), *t = irp_space_new(ay, 0), *tk = irp_space_new(ay, 0);
        assert_ok(irp_space_keep_full_inverse(tk, &o));
        if (variant == 1)
            o.rcond = 0.9; /* kept with the default cutoff: must not be used */
        if (variant == 2) {
            o.decoder = IRP_DECODER_RIDGE;
            o.lambda = 0.5;
        }
        irp_subsets *sub = irp_subsets_for(s, &o);
        size_t om[2] = {1, 3};
        irp_mat *plain[2] = {irp_mat_new(12, 9), irp_mat_new(12, 9)};
        irp_mat *kept[2] = {irp_mat_new(12, 9), irp_mat_new(12, 9)};
        irp_fit_info fp[2], fk[2];
        assert_ok(irp_translator_fit_prefixes(plain, fp, om, 2, s, t, sub, &o));
        assert_ok(irp_translator_fit_prefixes(kept, fk, om, 2, s, tk, sub, &o));
        for (int j = 0; j < 2; j++) {
            assert_memory_equal(plain[j]->data, kept[j]->data, 12 * 9 * sizeof(double));
            assert_true(fp[j].mean_rank == fk[j].mean_rank && fp[j].max_cond == fk[j].max_cond);
            irp_mat_free(plain[j]);
            irp_mat_free(kept[j]);
        }
        irp_subsets_free(sub);
        irp_space_free(s);
        irp_space_free(t);
        irp_space_free(tk);
    }
    irp_mat_free(ax);
    irp_mat_free(ay);
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

/* The ridge inverse in the translator: λ → 0 gives the pseudo-inverse's
 * translator on well-conditioned anchors; a real λ changes it, and the closed
 * form and the step-by-step path agree on it; bad decoder/λ are refused. */
static void ridge_decoder_in_translator(void **state)
{
    (void)state;
    irp_mat *ax = tu_gauss_mat(60, 12, 51), *ay = tu_gauss_mat(60, 20, 52);
    irp_mat *x = tu_gauss_mat(40, 12, 53);
    irp_options o;
    irp_options_default(&o);
    o.num_subspaces = 4;
    o.delta = 0.3;
    o.seed = 2;
    irp_space *s = irp_space_new(ax, 0), *t = irp_space_new(ay, 0);
    irp_subsets *sub = irp_subsets_for(s, &o);
    assert_non_null(sub);
    irp_mat *pinv = irp_mat_new(12, 20), *ridge = irp_mat_new(12, 20);
    irp_mat *fast = irp_mat_new(40, 20), *slow = irp_mat_new(40, 20);
    assert_ok(irp_translator_fit(pinv, s, t, sub, &o, NULL));
    o.decoder = IRP_DECODER_RIDGE;
    o.lambda = 1e-13;
    assert_ok(irp_translator_fit(ridge, s, t, sub, &o, NULL));
    double rel = tu_max_abs_diff(ridge, pinv) / tu_max_abs(pinv);
    if (!(rel <= 1e-9))
        fail_msg("ridge with lambda 1e-13 vs pinv: relative difference %g > 1e-9", rel);
    o.lambda = 0.5;
    irp_fit_info fi;
    assert_ok(irp_translator_fit(ridge, s, t, sub, &o, &fi));
    assert_true(tu_max_abs_diff(ridge, pinv) / tu_max_abs(pinv) > 1e-3);
    assert_true(fi.mean_cond_effective < fi.mean_cond_kept);
    assert_ok(irp_translate_apply(fast, ridge, s, t, x, &o));
    assert_ok(irp_decode_stepwise(slow, s, t, sub, x, &o));
    rel = tu_max_abs_diff(fast, slow) / tu_max_abs(slow);
    if (!(rel <= 1e-10))
        fail_msg("ridge: closed form vs stepwise relative difference %g > 1e-10", rel);
    o.lambda = -1;
    assert_fails(irp_options_check(&o), IRP_EINVAL, "lambda");
    o.lambda = NAN;
    assert_fails(irp_options_check(&o), IRP_EINVAL, "lambda");
    o.lambda = 0;
    o.decoder = (irp_decoder)7;
    assert_fails(irp_options_check(&o), IRP_EINVAL, "decoder");
    irp_mat_free(ax); irp_mat_free(ay); irp_mat_free(x); irp_mat_free(pinv);
    irp_mat_free(ridge); irp_mat_free(fast); irp_mat_free(slow); irp_subsets_free(sub);
    irp_space_free(s); irp_space_free(t);
}

/* Auto choice against its definition, through the public API: fit on the
 * first k − h anchors for each (δ, ω), decode the last h, mean cosine to the
 * target's own last h; the best wins, ties to the earlier δ then ω. And its
 * argument checks. */
static void auto_select_matches_definition(void **state)
{
    (void)state;
    size_t k = 50, dx = 12, dy = 9;
    irp_mat *ax = tu_gauss_mat(k, dx, 61), *ay = irp_mat_new(k, dy);
    irp_mat *m = tu_gauss_mat(dx, dy, 62), *noise = tu_gauss_mat(k, dy, 63);
    assert_ok(irp_gemm_nn(ay, ax, m));
    for (size_t i = 0; i < k * dy; i++)
        ay->data[i] += 0.8 * noise->data[i] + 0.5; /* a noisy map and a shared offset */
    double deltas[] = {0.9, 0.6, 0.3, 0};
    size_t omegas[] = {1, 3, 6};
    irp_options o;
    irp_options_default(&o);
    o.center = 1;
    o.seed = 4;
    irp_auto_choice ch;
    assert_ok(irp_auto_select(&ch, ax, ay, &o, deltas, 4, omegas, 3, 0.2));
    assert_int_equal(ch.held_out, 10);
    assert_int_equal(ch.fit, 40);
    /* the reference: the same loop written out */
    size_t fi[40], hi[10];
    for (size_t i = 0; i < 40; i++)
        fi[i] = i;
    for (size_t i = 0; i < 10; i++)
        hi[i] = 40 + i;
    irp_mat *axf = irp_mat_select_rows(ax, fi, 40), *ayf = irp_mat_select_rows(ay, fi, 40);
    irp_mat *axh = irp_mat_select_rows(ax, hi, 10), *ayh = irp_mat_select_rows(ay, hi, 10);
    irp_space *sx = irp_space_new(axf, 1), *sy = irp_space_new(ayf, 1);
    irp_mat *t = irp_mat_new(dx, dy), *y = irp_mat_new(10, dy);
    double best = -2, bd = -1, scores[4][3];
    size_t bo = 0;
    for (size_t a = 0; a < 4; a++)
        for (size_t b = 0; b < 3; b++) {
            irp_options q = o;
            q.delta = deltas[a];
            q.num_subspaces = omegas[b];
            irp_subsets *sub = irp_subsets_for(sx, &q);
            assert_non_null(sub);
            assert_ok(irp_translator_fit(t, sx, sy, sub, &q, NULL));
            assert_ok(irp_translate_apply(y, t, sx, sy, axh, &q));
            assert_ok(irp_mean_cosine(&scores[a][b], y, ayh));
            if (scores[a][b] > best) {
                best = scores[a][b];
                bd = deltas[a];
                bo = omegas[b];
            }
            irp_subsets_free(sub);
        }
    if (ch.delta != bd || ch.omega != bo || fabs(ch.score - best) > 1e-12)
        fail_msg("auto chose delta %g omega %zu (%.15f); the definition gives %g %zu (%.15f)",
                 ch.delta, ch.omega, ch.score, bd, bo, best);
    /* the grid is not flat here, or the test would check only tie-breaking */
    assert_true(fabs(scores[0][0] - scores[3][0]) > 0.01);
    /* ties: δ = 0 makes every ω the same translator, so ω = the first */
    double zero = 0;
    size_t rev[] = {6, 1};
    assert_ok(irp_auto_select(&ch, ax, ay, &o, &zero, 1, rev, 2, 0.2));
    assert_int_equal(ch.omega, 6);
    /* arguments */
    assert_fails(irp_auto_select(&ch, ax, ay, &o, deltas, 0, omegas, 3, 0.2), IRP_EINVAL, "empty");
    assert_fails(irp_auto_select(&ch, ax, ay, &o, deltas, 4, omegas, 3, 1.0), IRP_EINVAL,
                 "held-out fraction");
    assert_fails(irp_auto_select(&ch, ax, axh, &o, deltas, 4, omegas, 3, 0.2), IRP_EINVAL,
                 "50 source anchors but 10 target anchors");
    /* the smallest split: 3 anchors, a fraction that rounds to no row still holds
     * one out (fit 2, held out 1) */
    irp_mat *three = irp_mat_select_rows(ax, fi, 3), *three_y = irp_mat_select_rows(ay, fi, 3);
    irp_options plain;
    irp_options_default(&plain);
    assert_ok(irp_auto_select(&ch, three, three_y, &plain, &zero, 1, omegas, 1, 0.1));
    assert_int_equal(ch.fit, 2);
    assert_int_equal(ch.held_out, 1);
    irp_mat_free(three);
    irp_mat_free(three_y);
    irp_mat *two = irp_mat_select_rows(ax, fi, 2);
    assert_fails(irp_auto_select(&ch, two, two, &o, deltas, 4, omegas, 3, 0.2), IRP_EINVAL,
                 "cannot be split");
    double bad = 1.5;
    assert_fails(irp_auto_select(&ch, ax, ay, &o, &bad, 1, omegas, 3, 0.2), IRP_EINVAL, "delta");
    irp_mat_free(ax); irp_mat_free(ay); irp_mat_free(m); irp_mat_free(noise);
    irp_mat_free(axf); irp_mat_free(ayf); irp_mat_free(axh); irp_mat_free(ayh);
    irp_mat_free(t); irp_mat_free(y); irp_mat_free(two);
    irp_space_free(sx); irp_space_free(sy);
}

/* A space's statistics by hand, 3 anchors in 2-D: centred, the mean is the
 * anchors' mean, each row the unit direction of a − μ, the scale the mean
 * ‖a − μ‖; not centred, the mean is zero and the scale the mean ‖a‖. */
static void space_statistics_by_hand(void **state)
{
    (void)state;
    irp_mat *a = irp_mat_new(3, 2);
    const double v[] = {3, 0, 0, 4, 6, 8}; /* mean (3, 4) */
    memcpy(a->data, v, sizeof v);
    irp_space *c = irp_space_new(a, 1), *p = irp_space_new(a, 0);
    assert_non_null(c);
    assert_non_null(p);
    assert_true(fabs(c->mean[0] - 3) < 1e-15 && fabs(c->mean[1] - 4) < 1e-15);
    /* a − μ: (0, −4), (−3, 0), (3, 4): norms 4, 3, 5 */
    const double dir[] = {0, -1, -1, 0, 0.6, 0.8};
    for (size_t i = 0; i < 6; i++)
        if (fabs(c->anchors->data[i] - dir[i]) > 1e-15)
            fail_msg("centred anchor value %zu: %.17g, by hand %.17g", i, c->anchors->data[i],
                     dir[i]);
    assert_true(fabs(c->scale - 4.0) < 1e-14);
    /* not centred: ‖a‖ = 3, 4, 10 */
    assert_true(p->mean[0] == 0 && p->mean[1] == 0);
    assert_true(fabs(p->scale - 17.0 / 3) < 1e-14);
    const double udir[] = {1, 0, 0, 1, 0.6, 0.8};
    for (size_t i = 0; i < 6; i++)
        assert_true(fabs(p->anchors->data[i] - udir[i]) < 1e-15);
    irp_space_free(c);
    irp_space_free(p);
    /* the first row equal to the anchors' mean: it has no direction once centred,
     * exactly zero (1, 1) or, here, zero up to the rounding of the mean (a
     * residual of ~1e-17 that normalising would blow up into noise) */
    const double b0[] = {-0.7312715117751976, 0.6948674738744653},
                 c0[] = {0.5275492379532281, -0.4898619485211566};
    const double m0[] = {(b0[0] + c0[0]) / 2, (b0[1] + c0[1]) / 2, b0[0], b0[1], c0[0], c0[1]};
    memcpy(a->data, m0, sizeof m0);
    assert_null(irp_space_new(a, 1));
    assert_non_null(strstr(irp_last_error(), "centred anchors row 0 has zero norm (it equals"));
    const double e0[] = {1, 1, 0, 0, 2, 2};
    memcpy(a->data, e0, sizeof e0);
    assert_null(irp_space_new(a, 1));
    assert_non_null(strstr(irp_last_error(), "centred anchors row 0 has zero norm"));
    irp_mat_free(a);
}

/* The plain-array entry points (irp_flat.h, what Python and other languages
 * call) against the core path they wrap, value for value: relative
 * projection by hand, FPS's first-point bound, fit (translator, means,
 * scale) and apply against irp_translator_fit / irp_translate_apply on the
 * same data, and their empty-input refusals. */
static void flat_entry_points_equal_the_core(void **state)
{
    (void)state;
    double anchors3[6] = {1, 0, 0, 1, 1, 1}, x1[2] = {2, 0}, rel[3];
    assert_ok(irp_flat_relative(rel, x1, 1, 2, anchors3, 3, 0));
    assert_true(fabs(rel[0] - 1) < 1e-15 && fabs(rel[1]) < 1e-15 &&
                fabs(rel[2] - sqrt(0.5)) < 1e-15);
    int64_t idx[3];
    size_t count;
    assert_ok(irp_flat_fps(idx, &count, anchors3, 3, 2, 0, 0, 0.0, 2)); /* the last point */
    assert_int_equal(count, 3);
    assert_int_equal(idx[0], 2);
    assert_fails(irp_flat_fps(idx, &count, anchors3, 3, 2, 0, 0, 0.0, 3), IRP_EINVAL,
                 "first point 3 is outside 0..2");
    size_t k = 40, dx = 7, dy = 5, n = 9;
    irp_mat *ax = tu_gauss_mat(k, dx, 71), *ay = tu_gauss_mat(k, dy, 72), *x = tu_gauss_mat(n, dx, 73);
    for (size_t i = 0; i < k * dy; i++)
        ay->data[i] += 2.0; /* an offset, so the means are not zero */
    double t[7 * 5], mx[7], my[5], scale, size;
    assert_ok(irp_flat_fit(t, mx, my, &scale, &size, ax->data, ay->data, k, dx, dy, 3, 0, 0.3, 5,
                           -1, 1, 0));
    irp_options o;
    irp_options_default(&o);
    o.num_subspaces = 3;
    o.delta = 0.3;
    o.seed = 5;
    o.center = 1;
    irp_space *sx = irp_space_new(ax, 1), *sy = irp_space_new(ay, 1);
    irp_subsets *sub = irp_subsets_for(sx, &o);
    irp_mat *tref = irp_mat_new(dx, dy), *yref = irp_mat_new(n, dy);
    assert_ok(irp_translator_fit(tref, sx, sy, sub, &o, NULL));
    for (size_t i = 0; i < dx * dy; i++)
        assert_true(t[i] == tref->data[i]);
    for (size_t j = 0; j < dx; j++)
        assert_true(mx[j] == sx->mean[j]);
    for (size_t j = 0; j < dy; j++)
        assert_true(my[j] == sy->mean[j] && my[j] > 1);
    assert_true(scale == sy->scale && size > 0 && size <= (double)k);
    double y[9 * 5];
    assert_ok(irp_flat_apply(y, x->data, n, dx, dy, t, mx, my, scale, 1));
    assert_ok(irp_translate_apply(yref, tref, sx, sy, x, &o));
    for (size_t i = 0; i < n * dy; i++)
        if (fabs(y[i] - yref->data[i]) > 1e-12 * (1 + fabs(yref->data[i])))
            fail_msg("flat apply value %zu: %.17g, the core gives %.17g", i, y[i], yref->data[i]);
    assert_fails(irp_flat_fit(NULL, mx, my, &scale, &size, ax->data, ay->data, k, dx, dy, 3, 0,
                              0.3, 5, -1, 1, 0), IRP_EINVAL, "fit: empty input");
    assert_fails(irp_flat_apply(y, x->data, 0, dx, dy, t, mx, my, scale, 1), IRP_EINVAL,
                 "apply: empty input");
    assert_fails(irp_flat_apply(y, x->data, n, dx, dy, t, mx, my, 0.0, 1), IRP_EINVAL,
                 "target scale must be > 0");
    irp_subsets_free(sub);
    irp_space_free(sx); irp_space_free(sy);
    irp_mat_free(ax); irp_mat_free(ay); irp_mat_free(x); irp_mat_free(tref); irp_mat_free(yref);
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

int main(int argc, char **argv)
{
    /* under the kernel irp pins (harness/plumbing/provenance.c), as irp runs,
     * where cosines_many multiplies a pair's maps as one wider matrix: executed
     * again once with it chosen (valgrind, which would not follow, sets
     * IRP_UNPINNED) */
    if (tu_run_pinned(argc, argv))
        return 1;
    const struct CMUnitTest core_translate[] = {
        cmocka_unit_test(translator_prefixes_equal_separate_fits),
        cmocka_unit_test(factored_translation_equals_dense),
        cmocka_unit_test(translate_cosines_equal_materialized),
        cmocka_unit_test(translate_work_is_counted_per_stage_of_the_apply),
        cmocka_unit_test(intra_space_inversion_exact_when_k_ge_d),
        cmocka_unit_test(rotation_and_scale_recovered),
        cmocka_unit_test(closed_form_equals_stepwise),
        cmocka_unit_test(ridge_decoder_in_translator),
        cmocka_unit_test(auto_select_matches_definition),
        cmocka_unit_test(omega_average_is_mean_of_members),
        cmocka_unit_test(space_statistics_by_hand),
        cmocka_unit_test(flat_entry_points_equal_the_core),
        cmocka_unit_test(rescale_sets_target_scale),
        cmocka_unit_test(centering_recovers_offset_spaces),
        cmocka_unit_test(completion_is_a_rotation_of_the_translator),
        cmocka_unit_test(completion_is_identity_on_exact_rotation),
        cmocka_unit_test(options_check_rejects_out_of_range),
        cmocka_unit_test(cosines_many_and_float32_apply),
        cmocka_unit_test(kept_full_inverse_gives_the_same_translators),
        cmocka_unit_test(space_and_translator_reject_bad_inputs),
    };
    return cmocka_run_group_tests(core_translate, NULL, NULL);
}
