/* bench/kernels.c — throughput of the kernels under IRP and its scaling on the
 * offline default dump. Prints CSV (one measurement per row) on stdout:
 *   kind,name,param,value,unit
 * Used by bench/bench.py; runnable alone: build/bench-kernels DUMP. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plumbing/dump.h"
#include "plumbing/provenance.h"
#include "irp.h"
#include "testutil_rand.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void out(const char *kind, const char *name, double param, double value, const char *unit)
{
    printf("%s,%s,%g,%.6g,%s\n", kind, name, param, value, unit);
    fflush(stdout);
}

/* Best of `reps` runs of a dgemm/sgemm of m×k · k×n. */
static double gemm_gflops(int single, size_t m, size_t n, size_t k, int reps)
{
    size_t na = m * k, nb = k * n, nc = m * n;
    void *a = malloc(na * (single ? 4 : 8)), *b = malloc(nb * (single ? 4 : 8)),
         *c = malloc(nc * (single ? 4 : 8));
    for (size_t i = 0; i < na; i++)
        single ? (((float *)a)[i] = (float)(i % 7) * 0.1f) : (((double *)a)[i] = (double)(i % 7) * 0.1);
    for (size_t i = 0; i < nb; i++)
        single ? (((float *)b)[i] = (float)(i % 5) * 0.1f) : (((double *)b)[i] = (double)(i % 5) * 0.1);
    double best = 1e30;
    for (int r = 0; r < reps; r++) {
        double t = now();
        if (single)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)n, (int)k, 1.0f,
                        a, (int)k, b, (int)n, 0.0f, c, (int)n);
        else
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)n, (int)k, 1.0, a,
                        (int)k, b, (int)n, 0.0, c, (int)n);
        t = now() - t;
        if (t < best)
            best = t;
    }
    free(a);
    free(b);
    free(c);
    return 2.0 * (double)m * (double)n * (double)k / best / 1e9;
}

/* Memory bandwidth one thread sees: best of 5 copies of 256 MiB (read + write
 * counted), GB/s. The roofline's byte bound for a worker. */
static double copy_gbs(void)
{
    size_t n = (size_t)256 << 20;
    char *a = malloc(n), *b = malloc(n);
    if (!a || !b) {
        free(a);
        free(b);
        return 0;
    }
    memset(a, 1, n);
    memset(b, 2, n);
    double best = 1e30;
    for (int r = 0; r < 5; r++) {
        double t = now();
        memcpy(b, a, n);
        t = now() - t;
        if (t < best)
            best = t;
        a[r] = b[n - 1 - (size_t)r]; /* the copies are used */
    }
    free(a);
    free(b);
    return 2.0 * (double)n / best / 1e9;
}

typedef struct bench_space {
    irp_mat *train, *test;
} bench_space;

/* Fits and applies IRP for every ordered pair of `spaces`; returns seconds. */
static double all_pairs(bench_space *sp, size_t ns, size_t k, size_t n_rows, int use_train,
                        const irp_options *o)
{
    double t0 = now();
    size_t *idx = malloc(k * sizeof *idx);
    irp_anchor_indices(idx, sp[0].train->rows, k, 0);
    irp_space **s = calloc(ns, sizeof *s);
    irp_subsets **sub = calloc(ns, sizeof *sub);
    irp_mat **xp = calloc(ns, sizeof *xp);
    for (size_t i = 0; i < ns; i++) { /* per-space work: linear in the number of spaces */
        irp_mat *a = irp_mat_select_rows(sp[i].train, idx, k);
        s[i] = irp_space_new(a, o->center);
        sub[i] = irp_subsets_for(s[i], o);
        const irp_mat *x = use_train ? sp[i].train : sp[i].test;
        irp_mat view = {n_rows, x->cols, x->data};
        xp[i] = irp_mat_new(n_rows, x->cols);
        irp_space_prepare(xp[i], s[i], &view);
        irp_mat_free(a);
    }
    for (size_t i = 0; i < ns; i++)
        for (size_t j = 0; j < ns; j++) {
            if (i == j)
                continue;
            irp_mat *t = irp_mat_new(s[i]->anchors->cols, s[j]->anchors->cols);
            irp_mat *y = irp_mat_new(n_rows, s[j]->anchors->cols);
            if (irp_translator_fit(t, s[i], s[j], sub[i], o, NULL) ||
                irp_translate_apply_prepared(y, t, s[j], xp[i], o)) {
                fprintf(stderr, "bench-kernels: %s\n", irp_last_error());
                exit(1);
            }
            irp_mat_free(t);
            irp_mat_free(y);
        }
    for (size_t i = 0; i < ns; i++) {
        irp_space_free(s[i]);
        irp_subsets_free(sub[i]);
        irp_mat_free(xp[i]);
    }
    free(s);
    free(sub);
    free(xp);
    free(idx);
    return now() - t0;
}

/* A further "encoder": space `base` under a random rotation (same geometry,
 * new coordinates), for the scaling curve beyond the 5 trained encoders. */
static bench_space rotated(const bench_space *base, uint64_t seed)
{
    size_t d = base->train->cols;
    irp_mat *q = tu_rotation(d, seed);
    bench_space r = {irp_mat_new(base->train->rows, d), irp_mat_new(base->test->rows, d)};
    irp_gemm_nn(r.train, base->train, q);
    irp_gemm_nn(r.test, base->test, q);
    irp_mat_free(q);
    return r;
}

/* --peaks: the peaks (2 threads and 1) and the apply kernel at the paper's
 * dimensions, in double and single precision, for bench/paper_scale.py. */
static int peaks_only(void)
{
    printf("kind,name,param,value,unit\n");
    out("peak", "dgemm", 2048, gemm_gflops(0, 2048, 2048, 2048, 3), "GFLOP/s");
    out("peak", "sgemm", 2048, gemm_gflops(1, 2048, 2048, 2048, 3), "GFLOP/s");
    static const size_t dims[] = {384, 512, 768, 1280};
    for (size_t i = 0; i < 4; i++) {
        out("kernel", "apply_dgemm_10000xd_dxd", (double)dims[i],
            gemm_gflops(0, 10000, dims[i], dims[i], 3), "GFLOP/s");
        out("kernel", "apply_sgemm_10000xd_dxd", (double)dims[i],
            gemm_gflops(1, 10000, dims[i], dims[i], 3), "GFLOP/s");
    }
    int threads = openblas_get_num_threads();
    openblas_set_num_threads(1);
    out("peak", "dgemm_1thread", 2048, gemm_gflops(0, 2048, 2048, 2048, 3), "GFLOP/s");
    out("peak", "sgemm_1thread", 2048, gemm_gflops(1, 2048, 2048, 2048, 3), "GFLOP/s");
    out("peak", "copy_1thread", 256, copy_gbs(), "GB/s");
    out("kernel", "apply_dgemm_1thread_10000xd_dxd", 768, gemm_gflops(0, 10000, 768, 768, 3),
        "GFLOP/s");
    openblas_set_num_threads(threads);
    return 0;
}

int main(int argc, char **argv)
{
    /* the peaks of the kernels irp runs: OpenBLAS pinned as irp pins it (on a CPU with
     * AVX-512 its own choice would be faster, and not what the runner can reach) */
    provenance_pin_blas(argv);
    if (argc == 2 && !strcmp(argv[1], "--peaks"))
        return peaks_only();
    if (argc != 2) {
        fprintf(stderr, "usage: bench-kernels DUMP.h5 | --peaks\n");
        return 2;
    }
    printf("kind,name,param,value,unit\n");
    out("peak", "dgemm", 2048, gemm_gflops(0, 2048, 2048, 2048, 3), "GFLOP/s");
    out("peak", "sgemm", 2048, gemm_gflops(1, 2048, 2048, 2048, 3), "GFLOP/s");
    /* the dominant kernel of a sweep: translating the test set, 10000 x d · d x d */
    static const size_t dims[] = {128, 256, 384}; /* the latent sizes of the dump */
    for (size_t i = 0; i < 3; i++)
        out("kernel", "apply_dgemm_10000xd_dxd", (double)dims[i],
            gemm_gflops(0, 10000, dims[i], dims[i], 5), "GFLOP/s");
    /* the factored apply (pruned cells): 10000 x u · u x 256, u = anchors in the
     * union of the subsets; short inner dimension, so bound by writing the output */
    static const size_t us[] = {16, 64, 128};
    for (size_t i = 0; i < 3; i++)
        out("kernel", "apply_factored_10000xu_ux256", (double)us[i],
            gemm_gflops(0, 10000, 256, us[i], 5), "GFLOP/s");
    /* the runner's workers run BLAS single-threaded: the peak one such worker sees */
    int threads = openblas_get_num_threads();
    openblas_set_num_threads(1);
    out("peak", "dgemm_1thread", 2048, gemm_gflops(0, 2048, 2048, 2048, 3), "GFLOP/s");
    out("peak", "copy_1thread", 256, copy_gbs(), "GB/s");
    out("kernel", "apply_dgemm_1thread_10000xd_dxd", 256, gemm_gflops(0, 10000, 256, 256, 5),
        "GFLOP/s");
    openblas_set_num_threads(threads);
    dump *dm;
    if (dump_load(&dm, argv[1], NULL, 0)) {
        fprintf(stderr, "bench-kernels: %s\n", irp_last_error());
        return 1;
    }
    size_t ns = dm->num_spaces;
    bench_space *sp = calloc(10, sizeof *sp);
    for (size_t i = 0; i < ns && i < 10; i++)
        sp[i] = (bench_space){dump_rows(&dm->spaces[i].train, NULL, dm->num_train),
                              dump_rows(&dm->spaces[i].test, NULL, dm->num_test)};
    irp_options o;
    irp_options_default(&o);
    o.num_subspaces = 8;
    o.delta = 0.65;
    /* SVD pseudo-inverse of a full anchor set, per target dimension */
    for (size_t i = 0; i < ns; i++) {
        size_t idx[1280];
        irp_anchor_indices(idx, dm->num_train, 1280, 0);
        irp_mat *a = irp_mat_select_rows(sp[i].train, idx, 1280);
        irp_mat *p = irp_mat_new(a->cols, 1280);
        double t = now();
        irp_pinv(p, a, -1, NULL);
        out("kernel", "pinv_1280xd_seconds", (double)a->cols, now() - t, "s");
        irp_mat_free(a);
        irp_mat_free(p);
    }
    static const size_t ns_rows[] = {1000, 2000, 5000, 10000, 20000, 40000, 60000};
    for (size_t r = 0; r < sizeof ns_rows / sizeof *ns_rows; r++)
        if (ns_rows[r] <= dm->num_train)
            out("scaling_n", "all_pairs_seconds", (double)ns_rows[r],
                all_pairs(sp, ns, 1280, ns_rows[r], 1, &o), "s");
    static const size_t ks[] = {128, 256, 512, 1280, 2560, 5120};
    for (size_t r = 0; r < sizeof ks / sizeof *ks; r++) {
        out("scaling_k", "all_pairs_seconds_delta0.65", (double)ks[r],
            all_pairs(sp, ns, ks[r], dm->num_test, 0, &o), "s");
        irp_options o0 = o;
        o0.num_subspaces = 1;
        o0.delta = 0;
        out("scaling_k", "all_pairs_seconds_delta0", (double)ks[r],
            all_pairs(sp, ns, ks[r], dm->num_test, 0, &o0), "s");
    }
    size_t made = ns;
    for (size_t e = 2; e <= 10; e++) {
        while (made < e) {
            sp[made] = rotated(&sp[made % ns], 1000 + made);
            made++;
        }
        double t = all_pairs(sp, e, 1280, dm->num_test, 0, &o);
        out("scaling_encoders", "all_pairs_seconds", (double)e, t, "s");
        out("scaling_encoders", "seconds_per_ordered_pair", (double)e, t / (double)(e * (e - 1)),
            "s");
    }
    for (size_t i = 0; i < made; i++) {
        irp_mat_free(sp[i].train);
        irp_mat_free(sp[i].test);
    }
    free(sp);
    dump_free(dm);
    return 0;
}
