/* Allocation failure, injected, as the test suites of SQLite and of the
 * numerical libraries do it: for every public core entry point that allocates,
 * each of its allocations fails in turn, alone (the ones before and after it
 * succeed). The call must then return IRP_ENOMEM with a message that says
 * "out of memory" (a constructor: NULL and that message) -- never crash, never
 * carry on with a NULL, never succeed with a part missing. The sanitizer build
 * of this test (make test's second pass) also counts what each failing path
 * leaks. Allocations of the core (malloc, calloc, realloc) reach the wrappers
 * below through the linker's --wrap (the Makefile's rule for this test);
 * OpenBLAS's and LAPACKE's own allocations are not affected. */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static long fail_at = -1; /* the allocation (counted from 0) that fails; -1: none */
static long allocs;

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);

static int fails_now(void)
{
    return fail_at >= 0 && allocs++ == fail_at;
}

void *__wrap_malloc(size_t n)
{
    return fails_now() ? (errno = ENOMEM, NULL) : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
    return fails_now() ? (errno = ENOMEM, NULL) : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
    return fails_now() ? (errno = ENOMEM, NULL) : __real_realloc(p, n);
}

/* The inputs, made before any allocation is made to fail. */
typedef struct fixture {
    irp_mat *ax, *ay;   /* 48 paired anchors, 10 and 8 dimensions */
    irp_mat *x, *truth; /* 20 test rows of each side */
    irp_space *sx, *sy; /* centred */
    irp_subsets *sub;   /* ω 3, δ 0.5 */
    irp_union *u;
    irp_options o;
    irp_head head;
    int32_t labels[20];
    double v[20], w[20], truth_norms[20];
} fixture;

/* Runs body(f) with allocation i failing, for i = 0, 1, ... until a run makes
 * fewer than i + 1 allocations (nothing failed: then it must succeed). */
static void every_allocation_fails(const char *name, int (*body)(fixture *), fixture *f)
{
    long i = 0;
    for (;; i++) {
        allocs = 0;
        fail_at = i;
        irp_clear_error();
        int rc = body(f);
        fail_at = -1;
        if (allocs <= i) {
            if (rc)
                fail_msg("%s: fails (%d: %s) with every allocation made", name, rc,
                         irp_last_error());
            break;
        }
        if (rc != IRP_ENOMEM)
            fail_msg("%s: allocation %ld of %ld failed, yet it returned %d (%s); expected "
                     "IRP_ENOMEM",
                     name, i, allocs, rc, irp_last_error());
        if (!strstr(irp_last_error(), "out of memory"))
            fail_msg("%s: allocation %ld failed; its message '%s' does not say out of memory",
                     name, i, irp_last_error());
    }
    if (i == 0)
        fail_msg("%s: allocates nothing, so this test tests nothing of it", name);
}

static int nomem(void)
{
    return irp_fail(IRP_ENOMEM, "out of memory (the test's own output)");
}

static int space_new(fixture *f)
{
    irp_space *s = irp_space_new(f->ax, 1);
    irp_space_free(s);
    return s ? IRP_OK : IRP_ENOMEM;
}

static int subsets_for(fixture *f)
{
    irp_subsets *s = irp_subsets_for(f->sx, &f->o);
    irp_subsets_free(s);
    return s ? IRP_OK : IRP_ENOMEM;
}

/* an FPS trace and a cut of it (the subsets every δ of a group shares) */
static int fps_trace(fixture *f)
{
    irp_fps_trace *t = irp_fps_trace_new(f->sx->anchors, 3, 0.1, 7);
    irp_subsets *s = t ? irp_subsets_cut(t, 2, 0.3) : NULL;
    irp_subsets_free(s);
    irp_fps_trace_free(t);
    return s ? IRP_OK : IRP_ENOMEM;
}

static int union_new(fixture *f)
{
    irp_union *u = irp_union_new(f->sub);
    irp_union_free(u);
    return u ? IRP_OK : IRP_ENOMEM;
}

static int keep_full_inverse(fixture *f)
{
    irp_space *s = irp_space_new(f->ay, 1);
    if (!s)
        return IRP_ENOMEM;
    int rc = irp_space_keep_full_inverse(s, &f->o);
    irp_space_free(s);
    return rc;
}

/* the fit of a subset through the target's kept full inverse (δ = 0) */
static int fit_full(fixture *f)
{
    irp_space *s = irp_space_new(f->ay, 1);
    irp_options o = f->o;
    o.delta = 0;
    o.num_subspaces = 2;
    irp_subsets *sub = s ? irp_subsets_for(f->sx, &o) : NULL;
    irp_mat *t = irp_mat_new(10, 8);
    int rc = !s || !sub || !t ? IRP_ENOMEM : irp_space_keep_full_inverse(s, &o);
    if (!rc)
        rc = irp_translator_fit(t, f->sx, s, sub, &o, NULL);
    if (rc == IRP_ENOMEM && !strstr(irp_last_error(), "out of memory"))
        nomem();
    irp_mat_free(t);
    irp_subsets_free(sub);
    irp_space_free(s);
    return rc;
}

static int translator_fit(fixture *f)
{
    irp_mat *t = irp_mat_new(10, 8);
    irp_fit_info info;
    int rc = t ? irp_translator_fit(t, f->sx, f->sy, f->sub, &f->o, &info) : nomem();
    irp_mat_free(t);
    return rc;
}

static int translator_fit_completion(fixture *f)
{
    irp_options o = f->o;
    o.completion = 1;
    o.decoder = IRP_DECODER_RIDGE;
    o.lambda = 0.1;
    irp_mat *t = irp_mat_new(10, 8);
    int rc = t ? irp_translator_fit(t, f->sx, f->sy, f->sub, &o, NULL) : nomem();
    irp_mat_free(t);
    return rc;
}

static int fit_prefixes_and_factored(fixture *f)
{
    size_t omegas[2] = {1, 3};
    irp_mat *t[2], *m[2];
    irp_fit_info info[2];
    for (int j = 0; j < 2; j++)
        t[j] = irp_mat_new(10, 8), m[j] = irp_mat_new(f->u->prefix[omegas[j] - 1], 8);
    int rc = !t[0] || !t[1] || !m[0] || !m[1]
                 ? nomem()
                 : irp_translator_fit_prefixes(t, info, omegas, 2, f->sx, f->sy, f->sub, &f->o);
    if (!rc)
        rc = irp_translator_fit_factored(m, info, omegas, 2, f->sx, f->sy, f->sub, f->u, &f->o);
    for (int j = 0; j < 2; j++)
        irp_mat_free(t[j]), irp_mat_free(m[j]);
    return rc;
}

static int translate_paths(fixture *f)
{
    irp_mat *t = irp_mat_new(10, 8), *out = irp_mat_new(20, 8), *prep = irp_mat_new(20, 10),
            *r = irp_mat_new(20, f->u->len);
    int rc = !t || !out || !prep || !r ? nomem() : IRP_OK;
    if (!rc)
        rc = irp_translator_fit(t, f->sx, f->sy, f->sub, &f->o, NULL);
    if (!rc)
        rc = irp_translate_apply(out, t, f->sx, f->sy, f->x, &f->o);
    if (!rc)
        rc = irp_space_prepare(prep, f->sx, f->x);
    double mean, floor;
    if (!rc)
        rc = irp_translate_cosines(&mean, &floor, t, prep, f->sy, &f->o, f->truth,
                                   f->truth_norms, 1);
    if (!rc)
        rc = irp_union_encode(r, f->sx, prep, f->u);
    if (!rc)
        rc = irp_decode_stepwise(out, f->sx, f->sy, f->sub, f->x, &f->o);
    irp_mat_free(t);
    irp_mat_free(out);
    irp_mat_free(prep);
    irp_mat_free(r);
    return rc;
}

static int translate_float32(fixture *f)
{
    irp_options o = f->o;
    o.single = 1;
    irp_mat *t = irp_mat_new(10, 8), *out = irp_mat_new(20, 8);
    int rc = !t || !out ? nomem() : irp_translator_fit(t, f->sx, f->sy, f->sub, &o, NULL);
    if (!rc)
        rc = irp_translate_apply(out, t, f->sx, f->sy, f->x, &o);
    irp_mat_free(t);
    irp_mat_free(out);
    return rc;
}

static int references(fixture *f)
{
    irp_mat *p = irp_mat_new(10, 8), *a = irp_mat_new(11, 8), *out = irp_mat_new(20, 8);
    int rc = !p || !a || !out ? nomem() : irp_procrustes_fit(p, f->ax, f->ay);
    if (!rc)
        rc = irp_affine_fit(a, f->ax, f->ay, -1);
    if (!rc)
        rc = irp_affine_apply(out, a, f->x);
    irp_mat_free(p);
    irp_mat_free(a);
    irp_mat_free(out);
    return rc;
}

static int linalg(fixture *f)
{
    irp_mat *p = irp_mat_new(8, 48), *u = irp_mat_new(48, 8), *vt = irp_mat_new(8, 8),
            *rel = irp_mat_new(20, 48), *c = irp_mat_copy(f->ay),
            *sel = irp_mat_select_rows(f->ay, (size_t[]){3, 1}, 2);
    double s[8];
    irp_pinv_info pi;
    int rc = !p || !u || !vt || !rel || !c || !sel ? nomem() : irp_pinv(p, f->ay, -1, &pi);
    if (!rc)
        rc = irp_ridge_inv(p, f->ay, 0.5, -1, &pi);
    if (!rc)
        rc = irp_svd(u, s, vt, f->ay);
    if (!rc)
        rc = irp_relative_projection(rel, f->truth, f->ay);
    irp_mat_free(p);
    irp_mat_free(u);
    irp_mat_free(vt);
    irp_mat_free(rel);
    irp_mat_free(c);
    irp_mat_free(sel);
    return rc;
}

static int auto_select(fixture *f)
{
    irp_auto_choice ch;
    double deltas[2] = {0, 0.5};
    size_t omegas[2] = {1, 2};
    return irp_auto_select(&ch, f->ax, f->ay, &f->o, deltas, 2, omegas, 2, 0.25);
}

static int flat(fixture *f)
{
    double t[80], mux[10], muy[8], scale, size, rel[20 * 48];
    int64_t kept[48];
    size_t count;
    int rc = irp_flat_fit(t, mux, muy, &scale, &size, f->ax->data, f->ay->data, 48, 10, 8, 3, 0,
                          0.5, 1, -1, 1, 1);
    if (!rc)
        rc = irp_flat_fps(kept, &count, f->ax->data, 48, 10, 1, 0, 0.5, 0);
    if (!rc)
        rc = irp_flat_relative(rel, f->x->data, 20, 10, f->ax->data, 48, 1);
    return rc;
}

static int metrics(fixture *f)
{
    double mean, floor, acc, lo, hi, dlo, dhi, correct[20];
    irp_dist_stats st;
    int rc = irp_mean_cosine_floor(&floor, f->x, f->x, 3);
    if (!rc)
        rc = irp_cosines(&mean, &floor, f->truth, f->truth, f->truth_norms, 4);
    if (!rc)
        rc = irp_top1_retrieval(&acc, f->truth, f->truth);
    if (!rc)
        rc = irp_head_accuracy(&acc, &f->head, f->truth, f->labels);
    if (!rc)
        rc = irp_head_correct(correct, &f->head, f->truth, f->labels);
    if (!rc)
        rc = irp_bootstrap_ci(&lo, &hi, f->v, f->w, &dlo, &dhi, 20, 50, 0.9, 7);
    if (!rc)
        rc = irp_dist_stats_compute(&st, f->v, 20);
    return rc;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->ax = tu_gauss_mat(48, 10, 1);
    irp_mat *proj = tu_gauss_mat(10, 8, 2);
    f->ay = tu_mul(f->ax, proj);
    f->x = tu_gauss_mat(20, 10, 3);
    f->truth = tu_mul(f->x, proj);
    irp_mat_free(proj);
    irp_row_norms(f->truth_norms, f->truth);
    irp_options_default(&f->o);
    f->o.num_subspaces = 3;
    f->o.delta = 0.5;
    f->o.center = 1;
    f->sx = irp_space_new(f->ax, 1);
    f->sy = irp_space_new(f->ay, 1);
    f->sub = irp_subsets_for(f->sx, &f->o);
    assert_non_null(f->sub);
    f->u = irp_union_new(f->sub);
    assert_non_null(f->u);
    static irp_mat *layers[2];
    static double *biases[2];
    static double b0[6], b1[4];
    layers[0] = tu_gauss_mat(6, 8, 5);
    layers[1] = tu_gauss_mat(4, 6, 6);
    biases[0] = b0, biases[1] = b1;
    f->head = (irp_head){.num_layers = 2, .weights = layers, .biases = biases,
                         .activation = IRP_ACT_RELU};
    assert_ok(irp_head_check(&f->head, 8));
    for (int i = 0; i < 20; i++)
        f->labels[i] = i % 4, f->v[i] = sin(i + 1.0), f->w[i] = cos(i * 0.5);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    irp_mat_free(f->head.weights[0]);
    irp_mat_free(f->head.weights[1]);
    irp_union_free(f->u);
    irp_subsets_free(f->sub);
    irp_space_free(f->sx);
    irp_space_free(f->sy);
    irp_mat_free(f->ax);
    irp_mat_free(f->ay);
    irp_mat_free(f->x);
    irp_mat_free(f->truth);
    free(f);
    return 0;
}

#define OOM_CASE(fn)                                                                        \
    static void oom_##fn(void **state) { every_allocation_fails(#fn, fn, *state); }
OOM_CASE(space_new)
OOM_CASE(subsets_for)
OOM_CASE(fps_trace)
OOM_CASE(union_new)
OOM_CASE(keep_full_inverse)
OOM_CASE(fit_full)
OOM_CASE(translator_fit)
OOM_CASE(translator_fit_completion)
OOM_CASE(fit_prefixes_and_factored)
OOM_CASE(translate_paths)
OOM_CASE(translate_float32)
OOM_CASE(references)
OOM_CASE(linalg)
OOM_CASE(auto_select)
OOM_CASE(flat)
OOM_CASE(metrics)

/* The other half of irp_error.h's contract: a NULL where an object is
 * required is a programming error and stops the program at an assert, not a
 * crash somewhere further in (a child process takes the abort). */
static void null_objects_trip_an_assert(void **state)
{
    fixture *f = *state;
    for (int which = 0; which < 4; which++) {
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            int null = open("/dev/null", O_WRONLY); /* the assert's own line is expected */
            if (null >= 0)
                dup2(null, 2);
            /* cmocka's handlers would turn a segfault into its own abort() */
            const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
            for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
                signal(sigs[i], SIG_DFL);
            irp_mat *p = irp_mat_new(10, 8);
            if (which == 0)
                irp_procrustes_fit(p, f->ax, NULL);
            else if (which == 1)
                irp_procrustes_fit(p, NULL, f->ay);
            else if (which == 2)
                irp_procrustes_fit(NULL, f->ax, f->ay);
            else { /* the matrix to decompose (its shape is read first) */
                double sv[8];
                irp_svd(irp_mat_new(10, 8), sv, irp_mat_new(8, 8), NULL);
            }
            _exit(0);
        }
        int st;
        assert_int_equal(waitpid(pid, &st, 0), pid);
        if (!(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT))
            fail_msg("case %d (irp_procrustes_fit, then irp_svd) with a NULL argument: %s %d, "
                     "expected an assert's "
                     "SIGABRT",
                     which, WIFSIGNALED(st) ? "signal" : "exit",
                     WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
    }
}

/* irp_error.h: a message is kept up to 511 bytes and cut there. */
static void long_messages_are_cut_at_511_bytes(void **state)
{
    (void)state;
    char text[700];
    memset(text, 'x', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    assert_int_equal(irp_fail(IRP_EINVAL, "%s", text), IRP_EINVAL);
    assert_int_equal(strlen(irp_last_error()), 511);
    text[511] = '\0';
    assert_string_equal(irp_last_error(), text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(oom_space_new),
        cmocka_unit_test(oom_subsets_for),
        cmocka_unit_test(oom_fps_trace),
        cmocka_unit_test(oom_union_new),
        cmocka_unit_test(oom_keep_full_inverse),
        cmocka_unit_test(oom_fit_full),
        cmocka_unit_test(oom_translator_fit),
        cmocka_unit_test(oom_translator_fit_completion),
        cmocka_unit_test(oom_fit_prefixes_and_factored),
        cmocka_unit_test(oom_translate_paths),
        cmocka_unit_test(oom_translate_float32),
        cmocka_unit_test(oom_references),
        cmocka_unit_test(oom_linalg),
        cmocka_unit_test(oom_auto_select),
        cmocka_unit_test(oom_flat),
        cmocka_unit_test(oom_metrics),
        cmocka_unit_test(null_objects_trip_an_assert),
        cmocka_unit_test(long_messages_are_cut_at_511_bytes),
    };
    return cmocka_run_group_tests_name("core_oom", tests, setup, teardown);
}
