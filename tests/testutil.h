/* testutil.h — fixtures shared by the tests: seeded Gaussian matrices, random
 * rotations, cmocka glue, and a scratch directory to run commands in.
 * Header-only so each test binary stays one file. */
#ifndef IRP_TESTUTIL_H
#define IRP_TESTUTIL_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "irp.h"

#define assert_ok(expr)                                                                     \
    do {                                                                                    \
        int rc_ = (expr);                                                                   \
        if (rc_ != IRP_OK)                                                                  \
            fail_msg("%s returned %d: %s", #expr, rc_, irp_last_error());                 \
    } while (0)

#define assert_close(a, b, tol)                                                             \
    do {                                                                                    \
        double a_ = (a), b_ = (b);                                                          \
        if (!(fabs(a_ - b_) <= (tol)))                                                      \
            fail_msg("%s = %.17g, expected %.17g within %g", #a, a_, b_, (double)(tol));    \
    } while (0)

/* A standard normal draw from splitmix64 (Box–Muller). */
static inline double tu_gauss(irp_rng *r)
{
    double u1 = ((double)(irp_rng_next(r) >> 11) + 0.5) / 9007199254740992.0;
    double u2 = (double)(irp_rng_next(r) >> 11) / 9007199254740992.0;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

static inline irp_mat *tu_gauss_mat(size_t rows, size_t cols, uint64_t seed)
{
    irp_rng r;
    irp_rng_seed(&r, seed);
    irp_mat *m = irp_mat_new(rows, cols);
    for (size_t i = 0; i < rows * cols; i++)
        m->data[i] = tu_gauss(&r);
    return m;
}

/* A random d×d orthogonal matrix: U·Vᵀ of a Gaussian matrix's SVD. */
static inline irp_mat *tu_rotation(size_t d, uint64_t seed)
{
    irp_mat *g = tu_gauss_mat(d, d, seed), *u = irp_mat_new(d, d), *vt = irp_mat_new(d, d);
    irp_mat *q = irp_mat_new(d, d);
    double *s = malloc(d * sizeof *s);
    assert_ok(irp_svd(u, s, vt, g));
    assert_ok(irp_gemm_nn(q, u, vt));
    irp_mat_free(g);
    irp_mat_free(u);
    irp_mat_free(vt);
    free(s);
    return q;
}

static inline irp_mat *tu_mul(const irp_mat *a, const irp_mat *b)
{
    irp_mat *c = irp_mat_new(a->rows, b->cols);
    assert_ok(irp_gemm_nn(c, a, b));
    return c;
}

static inline double tu_max_abs_diff(const irp_mat *a, const irp_mat *b)
{
    assert_int_equal(a->rows, b->rows);
    assert_int_equal(a->cols, b->cols);
    double m = 0;
    for (size_t i = 0; i < a->rows * a->cols; i++)
        m = fmax(m, fabs(a->data[i] - b->data[i]));
    return m;
}

static inline double tu_max_abs(const irp_mat *a)
{
    double m = 0;
    for (size_t i = 0; i < a->rows * a->cols; i++)
        m = fmax(m, fabs(a->data[i]));
    return m;
}

/* Expect `expr` to fail with `status` and a message containing `needle`. */
#define assert_fails(expr, status, needle)                                                  \
    do {                                                                                    \
        irp_clear_error();                                                                  \
        int rc_ = (expr);                                                                   \
        assert_int_equal(rc_, (status));                                                    \
        if (!strstr(irp_last_error(), (needle)))                                            \
            fail_msg("error '%s' does not mention '%s'", irp_last_error(), (needle));      \
    } while (0)

/* A parallel pair of spaces for translation tests: train and test rows of x
 * and of y = scale · x · Q (+ noise). */
typedef struct pair_fixture {
    irp_mat *x_train, *y_train, *x_test, *y_test; /* rows parallel */
} pair_fixture;

/* y = scale · x · Q (+ noise), Q a rotation (dx == dy) */
static inline pair_fixture make_rotated(size_t n, size_t d, double scale, double noise,
                                        uint64_t seed)
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

static inline void free_fixture(pair_fixture *f)
{
    irp_mat_free(f->x_train); irp_mat_free(f->y_train);
    irp_mat_free(f->x_test); irp_mat_free(f->y_test);
}

/* ---- core tests that must run under the BLAS kernel irp pins ---- */
#include <errno.h>
#include <unistd.h>

/* Executes the test again, once, with OPENBLAS_CORETYPE=Haswell (the kernel
 * irp pins where the CPU has AVX2 and FMA: harness/plumbing/provenance.c), so
 * that bit-for-bit checks meet the kernel irp runs; unless IRP_UNPINNED is set
 * (valgrind, which would not follow the exec, sets it). Returns only when no
 * exec is needed (0) or the exec failed (1, with a message). */
static inline int tu_run_pinned(int argc, char **argv)
{
    const char *core = getenv("OPENBLAS_CORETYPE");
    if (argc >= 1 && !getenv("IRP_UNPINNED") && __builtin_cpu_supports("avx2") &&
        __builtin_cpu_supports("fma") && (!core || strcmp(core, "Haswell"))) {
        setenv("OPENBLAS_CORETYPE", "Haswell", 1);
        execv("/proc/self/exe", argv);
        fprintf(stderr, "cannot run again under OPENBLAS_CORETYPE=Haswell: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}

/* ---- tests that run commands in a scratch directory (pipeline, hostile,
 * mpi, valgrind) ---- */
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The irp binary under test: $IRP_BIN (tests/run.sh sets it beside each test
 * binary) or build/irp. */
static inline const char *tu_irp_bin(void)
{
    const char *b = getenv("IRP_BIN");
    return b ? b : "build/irp";
}

/* rel made absolute against the repository ($PWD: tests run from its root). */
static inline const char *tu_abs(char *out, size_t size, const char *rel)
{
    snprintf(out, size, "%s%s%s", rel[0] == '/' ? "" : getenv("PWD"), rel[0] == '/' ? "" : "/",
             rel);
    return out;
}

/* A fresh directory /tmp/irp-<tag>-XXXXXX in work (setup), removed with
 * everything in it by tu_rmwork (teardown). 0 on success. */
static inline int tu_mkwork(char *work, size_t size, const char *tag)
{
    snprintf(work, size, "/tmp/irp-%s-XXXXXX", tag);
    return mkdtemp(work) ? 0 : -1;
}

static inline int tu_rmwork(const char *work)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", work);
    return system(cmd) == 0 ? 0 : -1;
}

/* Runs a shell command inside work, its stdout to work/stdout.txt; returns
 * the exit code (128 + signal if killed), its stderr in err. */
static inline int tu_sh(const char *work, char *err, size_t errsize, const char *cmd_text)
{
    size_t len = strlen(cmd_text) + strlen(work) + 64;
    char *cmd = malloc(len);
    assert_non_null(cmd);
    snprintf(cmd, len, "cd '%s' && ( %s ) > stdout.txt 2> stderr.txt", work, cmd_text);
    int st = system(cmd);
    free(cmd);
    char path[512];
    snprintf(path, sizeof path, "%s/stderr.txt", work);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(err, 1, errsize - 1, f) : 0;
    err[n] = '\0';
    if (f)
        fclose(f);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* Whether work/rel exists. */
static inline int tu_exists(const char *work, const char *rel)
{
    char p[1200];
    snprintf(p, sizeof p, "%s/%s", work, rel);
    struct stat st;
    return !stat(p, &st);
}

/* work/name holding text. */
static inline void tu_write_file(const char *work, const char *name, const char *text)
{
    char p[1200];
    snprintf(p, sizeof p, "%s/%s", work, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

#endif
