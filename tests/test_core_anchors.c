/* Unit tests of core/irp_anchors: FPS pruning, anchor subsets and their union. */
#include "testutil.h"

#include <cblas.h>
#include <errno.h>
#include <strings.h>
#include <unistd.h>

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
    irp_work w0 = irp_work_done(), w;
    assert_ok(irp_prune_fps(idx, &count, a, IRP_PRUNE_THRESHOLD, 0.2, 0));
    assert_int_equal(count, 6);
    /* work: the normalisation (3 per entry, 96 entries read and written once) and
     * one 12×8 gemv per anchor chosen (the sixth finds none left past 0.2) */
    w = irp_work_done();
    assert_true(w.flops - w0.flops == 288 + 6 * 192 && w.bytes - w0.bytes == 16 * 96);
    int dir_seen[6] = {0};
    for (size_t i = 0; i < count; i++)
        dir_seen[idx[i] / 2]++;
    for (int d = 0; d < 6; d++)
        assert_int_equal(dir_seen[d], 1);
    assert_int_equal(idx[0], 0);
    w0 = irp_work_done();
    assert_ok(irp_prune_fps(idx, &count, a, IRP_PRUNE_THRESHOLD, 0.0, 5));
    assert_int_equal(count, 12);
    w = irp_work_done(); /* all 12 taken: no gemv after the last */
    assert_true(w.flops - w0.flops == 288 + 11 * 192);
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
    /* all-anchor subsets: each count zero alone is refused */
    assert_null(irp_subsets_new_all(0, 3));
    assert_non_null(strstr(irp_last_error(), "cannot build 3 subsets of 0 anchors"));
    assert_null(irp_subsets_new_all(4, 0));
    assert_non_null(strstr(irp_last_error(), "cannot build 0 subsets of 4 anchors"));
    irp_subsets *all = irp_subsets_new_all(4, 2);
    assert_non_null(all);
    irp_subsets_free(all);
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

/* A trace down to floor 0.05 cut at each δ ≥ floor and ω ≤ 6 gives, index
 * for index, the subsets FPS run at that δ gives (the harness shares one
 * trace across a config's δ values on that promise); and it refuses what it
 * cannot give: δ below its floor, more subsets than traced. */
static void fps_trace_cuts_every_delta_as_fps_runs_it(void **state)
{
    (void)state;
    irp_mat *a = tu_gauss_mat(300, 12, 7);
    irp_fps_trace *t = irp_fps_trace_new(a, 6, 0.05, 11);
    assert_non_null(t);
    const double deltas[] = {0.05, 0.1, 0.15, 0.25, 0.4, 0.6, 0.9, 1.0};
    const size_t omegas[] = {1, 3, 6};
    size_t first_count = 0, last_count = 0;
    for (size_t di = 0; di < sizeof deltas / sizeof *deltas; di++)
        for (size_t oi = 0; oi < sizeof omegas / sizeof *omegas; oi++) {
            irp_subsets *cut = irp_subsets_cut(t, omegas[oi], deltas[di]);
            irp_subsets *run = irp_subsets_new(a, omegas[oi], IRP_PRUNE_THRESHOLD, deltas[di], 11);
            assert_non_null(cut);
            assert_non_null(run);
            assert_int_equal(cut->num_subsets, run->num_subsets);
            assert_int_equal(cut->num_anchors, 300);
            for (size_t i = 0; i < run->num_subsets; i++) {
                if (cut->counts[i] != run->counts[i])
                    fail_msg("delta %g, subset %zu: cut keeps %zu, FPS %zu", deltas[di], i,
                             cut->counts[i], run->counts[i]);
                assert_memory_equal(cut->indices[i], run->indices[i],
                                    run->counts[i] * sizeof *run->indices[i]);
            }
            if (di == 0 && oi == 0)
                first_count = run->counts[0];
            if (di == 5 && oi == 0)
                last_count = run->counts[0];
            irp_subsets_free(cut);
            irp_subsets_free(run);
        }
    /* the δ values cut at different places (else equal counts would prove little) */
    if (!(first_count > last_count && last_count > 1))
        fail_msg("counts %zu at delta 0.05 and %zu at 0.6: the cuts do not differ", first_count,
                 last_count);
    /* a distance exactly at δ is admitted, by the cut as by FPS: axes and
     * diagonals of pairs of them, orthogonal ones at distance exactly 1 */
    irp_mat *ax = irp_mat_new(8, 4);
    for (size_t i = 0; i < 4; i++) {
        IRP_AT(ax, i, i) = 1;
        IRP_AT(ax, 4 + i, i) = IRP_AT(ax, 4 + i, (i + 1) % 4) = 1;
    }
    irp_fps_trace *tx = irp_fps_trace_new(ax, 1, 0.25, 0);
    irp_subsets *cx = irp_subsets_cut(tx, 1, 1.0);
    irp_subsets *rx = irp_subsets_new(ax, 1, IRP_PRUNE_THRESHOLD, 1.0, 0);
    assert_true(rx->counts[0] >= 2); /* anchors admitted at exactly δ = 1 */
    assert_true(tx->dist[0][1] == 1.0);
    assert_int_equal(cx->counts[0], rx->counts[0]);
    assert_memory_equal(cx->indices[0], rx->indices[0], rx->counts[0] * sizeof *rx->indices[0]);
    irp_subsets_free(cx);
    irp_subsets_free(rx);
    irp_fps_trace_free(tx);
    irp_mat_free(ax);
    assert_null(irp_subsets_cut(t, 1, 0.04));
    assert_non_null(strstr(irp_last_error(), "down to 0.05"));
    assert_null(irp_subsets_cut(t, 7, 0.5));
    assert_null(irp_subsets_cut(t, 0, 0.5));
    assert_null(irp_fps_trace_new(a, 2, 1.5, 11));
    assert_null(irp_fps_trace_new(a, 0, 0.1, 11));
    irp_fps_trace_free(t);
    irp_mat_free(a);
}

/* The trace's runs (side by side, their cosines summed in the order of
 * OpenBLAS's Haswell dgemv kernel, which irp pins) equal FPS run one subset at
 * a time, to the bit: the anchors kept, in order, and the distance that
 * admitted each. The reference takes each step's cosines from cblas_dgemv (one
 * BLAS thread, as the runner's workers run it: with two, OpenBLAS splits some
 * products along the sum) and, where the trace sums in the kernel's order
 * (rows of 4-row groups, d a multiple of 4 up to 2048, AVX2 and FMA), from
 * that order written out with fma(); under the Haswell kernel itself (main
 * runs this binary so, unless IRP_UNPINNED is set, as under valgrind) the two
 * must agree there. Shapes: d a multiple of 4, d = 13 and 2052 (cblas's path),
 * a k with a remainder of 4. */
static int kernel_order_applies(size_t d)
{
    return d % 4 == 0 && d <= 2048 && __builtin_cpu_supports("avx2") &&
           __builtin_cpu_supports("fma");
}

static size_t haswell_mismatches;

static void reference_cosines(double *cosv, const irp_mat *an, size_t cur)
{
    size_t k = an->rows, d = an->cols;
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)k, (int)d, 1.0, an->data, (int)d,
                &IRP_AT(an, cur, 0), 1, 0.0, cosv, 1);
    if (!kernel_order_applies(d))
        return;
    const char *core = openblas_get_corename();
    int haswell = core && !strcasecmp(core, "haswell");
    for (size_t j = 0; j < (k & ~(size_t)3); j++) {
        double l[4] = {0, 0, 0, 0};
        for (size_t i = 0; i < d; i++)
            l[i % 4] = fma(IRP_AT(an, j, i), IRP_AT(an, cur, i), l[i % 4]);
        double c = (l[0] + l[2]) + (l[1] + l[3]);
        if (haswell && c != cosv[j])
            haswell_mismatches++;
        cosv[j] = c;
    }
}

static void reference_fps(size_t *order, double *dist, size_t *len, const irp_mat *an,
                          double floor, size_t first)
{
    size_t k = an->rows, cur = first, n = 0;
    double *mind = malloc(k * sizeof *mind), *cosv = malloc(k * sizeof *cosv), admitted = INFINITY;
    unsigned char *taken = calloc(k, 1);
    for (size_t i = 0; i < k; i++)
        mind[i] = INFINITY;
    for (;;) {
        dist[n] = admitted;
        order[n++] = cur;
        taken[cur] = 1;
        if (n == k)
            break;
        reference_cosines(cosv, an, cur);
        size_t best = k;
        double best_d = -1;
        for (size_t i = 0; i < k; i++) {
            if (taken[i])
                continue;
            double dc = 1.0 - fabs(cosv[i]);
            if (dc < 0)
                dc = 0;
            if (dc < mind[i])
                mind[i] = dc;
            if (mind[i] > best_d) {
                best_d = mind[i];
                best = i;
            }
        }
        if (best == k || best_d < floor)
            break;
        cur = best;
        admitted = best_d;
    }
    *len = n;
    free(mind);
    free(cosv);
    free(taken);
}

static void fps_trace_equals_one_dgemv_per_step(void **state)
{
    (void)state;
    int threads = openblas_get_num_threads();
    openblas_set_num_threads(1);
    const size_t shapes[][2] = {{300, 12}, {300, 256}, {301, 12}, {303, 13}, {64, 2048}, {40, 2052}};
    for (size_t c = 0; c < sizeof shapes / sizeof *shapes; c++) {
        size_t k = shapes[c][0], d = shapes[c][1];
        irp_mat *a = tu_gauss_mat(k, d, 40 + c), *an = irp_mat_copy(a);
        assert_ok(irp_rows_normalize(an, "anchors"));
        irp_fps_trace *t = irp_fps_trace_new(a, 5, 0.02, 3);
        assert_non_null(t);
        size_t *order = malloc(k * sizeof *order), len;
        double *dist = malloc(k * sizeof *dist);
        for (size_t s = 0; s < 5; s++) {
            reference_fps(order, dist, &len, an, 0.02, irp_subspace_first(3, s, k));
            if (len != t->lens[s])
                fail_msg("k %zu d %zu subset %zu: %zu anchors, one dgemv per step %zu", k, d, s,
                         t->lens[s], len);
            assert_memory_equal(t->order[s], order, len * sizeof *order);
            if (memcmp(t->dist[s], dist, len * sizeof *dist))
                fail_msg("k %zu d %zu subset %zu: the distances differ", k, d, s);
            assert_true(len > 2);
        }
        free(order);
        free(dist);
        irp_fps_trace_free(t);
        irp_mat_free(a);
        irp_mat_free(an);
    }
    openblas_set_num_threads(threads);
    if (haswell_mismatches)
        fail_msg("%zu cosines differ from cblas_dgemv under the Haswell kernel",
                 haswell_mismatches);
    const char *core = openblas_get_corename();
    if (kernel_order_applies(12) && !getenv("IRP_UNPINNED") &&
        !(core && !strcasecmp(core, "haswell")))
        fail_msg("OpenBLAS runs its %s kernel, not Haswell: the order was not checked against it",
                 core ? core : "unknown");
}

int main(int argc, char **argv)
{
    /* under the kernel irp pins (harness/plumbing/provenance.c), as irp runs:
     * executed again once with it chosen (valgrind, which would not follow,
     * sets IRP_UNPINNED) */
    if (tu_run_pinned(argc, argv))
        return 1;
    const struct CMUnitTest core_anchors[] = {
        cmocka_unit_test(fps_keeps_one_per_direction),
        cmocka_unit_test(fps_breaks_ties_by_lowest_index),
        cmocka_unit_test(fps_fraction_mode_keeps_fps_prefix),
        cmocka_unit_test(fps_rejects_bad_arguments),
        cmocka_unit_test(pruning_lowers_condition_number),
        cmocka_unit_test(subsets_representatives_find_equal_sets),
        cmocka_unit_test(fps_trace_cuts_every_delta_as_fps_runs_it),
        cmocka_unit_test(fps_trace_equals_one_dgemv_per_step),
    };
    return cmocka_run_group_tests(core_anchors, NULL, NULL);
}
