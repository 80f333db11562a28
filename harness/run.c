/* Experiment execution. Each cell (one combination of sweep values) is
 * computed whole and written atomically to <results>/<name>.cells/<id>.csv;
 * a cell file that exists is not recomputed (resume) unless --force. The
 * experiment's table <results>/<name>.csv is then assembled from the cells,
 * again atomically. */
#include "run.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cblas.h>
#include <pthread.h>

#include "commands.h"

const char *const result_columns[] = {
    "experiment", "dataset", "anchors", "anchor_seed", "omega",   "delta",  "prune",
    "rcond",      "rescale", "center",  "completion",  "seed",    "head",   "factor",
    "scale_mode", "encoder", "decoder", "method",      "metric",  "value"};
const size_t num_result_columns = sizeof result_columns / sizeof *result_columns;

typedef struct ctx {
    const config *c;
    const dump *d;
    const cell *cl;
    csv_out *w;
    size_t n_test;
    irp_mat **test; /* per space, first n_test rows */
    double **test_norms; /* their row norms */
    size_t threads;
    size_t cell_index;       /* of cl in its group */
    struct recs *buf;        /* a worker's rows (NULL: write at once) */
    int buf_failed;
} ctx;

static void row(ctx *x, const char *enc, const char *dec, const char *method, const char *metric,
                double value);

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void write_row(ctx *x, const char *enc, const char *dec, const char *method,
                      const char *metric, double value)
{
    csv_out *w = x->w;
    csv_out_str(w, x->c->name);
    csv_out_str(w, x->d->dataset);
    for (int k = 0; k < SK_COUNT; k++)
        csv_out_str(w, x->cl->text[k]);
    csv_out_str(w, enc);
    csv_out_str(w, dec);
    csv_out_str(w, method);
    csv_out_str(w, metric);
    csv_out_num(w, value);
    csv_out_end_row(w);
}

int run_check(const config *c, const dump *d)
{
    if (c->type == EXP_INVERT || c->type == EXP_STITCH) {
        if (d->num_spaces < 2 && !(c->type == EXP_INVERT && c->intra))
            return irp_fail(IRP_EDATA, "%s: %s needs at least 2 spaces, %s has %zu", c->path,
                            exp_type_name(c->type), d->path, d->num_spaces);
        for (size_t i = 0; i < c->num_values[SK_ANCHORS]; i++) {
            size_t k = (size_t)strtoull(c->values[SK_ANCHORS][i], NULL, 10);
            if (k > d->num_train)
                return irp_fail(IRP_EDATA, "%s: anchors = %zu but %s has only %zu training rows",
                                c->path, k, d->path, d->num_train);
        }
    }
    for (size_t t = 0; t < c->num_targets; t++)
        if (!dump_find_space(d, c->targets[t]))
            return irp_fail(IRP_EDATA, "%s: targets: space '%s' is not among the spaces loaded from %s",
                            c->path, c->targets[t], d->path);
    if (c->type == EXP_STITCH || c->type == EXP_SCALE_INV) {
        if (!d->test_labels)
            return irp_fail(IRP_EDATA, "%s: %s needs labels but %s has none", c->path,
                            exp_type_name(c->type), d->path);
        for (size_t i = 0; i < c->num_values[SK_HEAD]; i++)
            for (size_t s = 0; s < d->num_spaces; s++)
                if (config_is_target(c, d->spaces[s].name) &&
                    !dump_find_head(&d->spaces[s], c->values[SK_HEAD][i]))
                    return irp_fail(IRP_EDATA, "%s: head '%s' is not in %s:/spaces/%s/heads",
                                    c->path, c->values[SK_HEAD][i], d->path, d->spaces[s].name);
    }
    if (c->type == EXP_SCALE_DIST && d->num_train < 3)
        return irp_fail(IRP_EDATA, "%s: too few rows for a distribution", d->path);
    return IRP_OK;
}

/* ---- invert / stitch: translate every ordered pair with every method ---- */

typedef void (*evaluate_fn)(ctx *x, size_t src, size_t dst, const char *method,
                            const irp_mat *y);

enum { FLOOR_SEED = 12345 }; /* the draw of the "random other row" of every floor */

/* The two rows every inversion reports, however the cosines were computed. */
static void cosine_rows(ctx *x, size_t i, size_t j, const char *method, double mean,
                        double floor)
{
    const char *a = x->d->spaces[i].name, *b = x->d->spaces[j].name;
    row(x, a, b, method, "mean_cosine", mean);
    row(x, a, b, method, "cosine_floor", floor);
}

static void eval_invert(ctx *x, size_t i, size_t j, const char *method, const irp_mat *y)
{
    const char *a = x->d->spaces[i].name, *b = x->d->spaces[j].name;
    double v, f;
    if (!irp_cosines(&v, &f, y, x->test[j], x->test_norms[j], FLOOR_SEED))
        cosine_rows(x, i, j, method, v, f);
    if (x->c->retrieval && !irp_top1_retrieval(&v, y, x->test[j]))
        row(x, a, b, method, "top1", v);
}

static void eval_stitch(ctx *x, size_t i, size_t j, const char *method, const irp_mat *y)
{
    const dump_space *dst = &x->d->spaces[j];
    const dump_head *h = dump_find_head(dst, x->cl->head);
    double v;
    if (!irp_head_accuracy(&v, &h->head, y, x->d->test_labels))
        row(x, x->d->spaces[i].name, dst->name, method, "accuracy", v);
    if (!irp_cosines(&v, NULL, y, x->test[j], x->test_norms[j], 0))
        row(x, x->d->spaces[i].name, dst->name, method, "mean_cosine", v);
}

/* One group of cells that differ only in ω: spaces, subsets (drawn for the
 * largest ω) and every per-subset pseudo-inverse are shared; each cell gets
 * its own translator and rows. */
typedef struct group {
    size_t n;
    cell *cells;
    csv_out *writers;
} group;

static void select_cell(ctx *x, const group *g, size_t j)
{
    x->cl = &g->cells[j];
    x->w = &g->writers[j];
    x->cell_index = j;
}

/* ---- a parallel for: workers take indices in turn; BLAS runs single-threaded
 * meanwhile (OpenBLAS's own threads spin on these small products). The error
 * kept is that of the lowest failing index, so it does not depend on timing. */
typedef int (*task_fn)(void *arg, size_t index);

typedef struct pool {
    pthread_mutex_t lock;
    size_t next, n, failed_at;
    int rc;
    char err[1024];
    task_fn fn;
    void *arg;
} pool;

static void *worker(void *p_)
{
    pool *p = p_;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        size_t i = p->next < p->n && !p->rc ? p->next++ : p->n;
        pthread_mutex_unlock(&p->lock);
        if (i >= p->n)
            return NULL;
        int rc = p->fn(p->arg, i);
        if (rc) {
            pthread_mutex_lock(&p->lock);
            if (!p->rc || i < p->failed_at) {
                p->rc = rc;
                p->failed_at = i;
                snprintf(p->err, sizeof p->err, "%s", irp_last_error());
            }
            pthread_mutex_unlock(&p->lock);
        }
    }
}

static int parallel_for(size_t n, task_fn fn, void *arg, size_t threads)
{
    pool p = {.n = n, .fn = fn, .arg = arg};
    int blas_threads = openblas_get_num_threads();
    openblas_set_num_threads(1); /* also with one worker: results must not depend on it */
    if (threads > n)
        threads = n;
    if (threads <= 1) {
        int rc = IRP_OK;
        for (size_t i = 0; i < n && !rc; i++)
            rc = fn(arg, i);
        openblas_set_num_threads(blas_threads);
        return rc;
    }
    pthread_t tid[64];
    if (threads > 64)
        threads = 64;
    pthread_mutex_init(&p.lock, NULL);
    size_t started = 0;
    while (started < threads - 1 && !pthread_create(&tid[started], NULL, worker, &p))
        started++;
    worker(&p); /* the calling thread works too */
    for (size_t t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
    openblas_set_num_threads(blas_threads);
    pthread_mutex_destroy(&p.lock);
    return p.rc ? irp_fail(p.rc, "%s", p.err) : IRP_OK;
}

/* Rows a worker produced for one pair, written later in pair order so the
 * files do not depend on scheduling. */
typedef struct rec {
    size_t cell;
    const char *enc, *dec, *method, *metric;
    double value;
} rec;

typedef struct recs {
    rec *r;
    size_t n, cap;
} recs;

static void row(ctx *x, const char *enc, const char *dec, const char *method, const char *metric,
                double value)
{
    if (!x->buf) {
        write_row(x, enc, dec, method, metric, value);
        return;
    }
    recs *b = x->buf;
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 64;
        rec *r = realloc(b->r, cap * sizeof *r);
        if (!r) {
            x->buf_failed = 1;
            return;
        }
        b->r = r;
        b->cap = cap;
    }
    b->r[b->n++] = (rec){x->cell_index, enc, dec, method, metric, value};
}

/* Everything a pair needs from its two spaces, computed once per space. */
typedef struct shared {
    ctx *x;
    const group *gr;
    evaluate_fn eval;
    irp_options opts; /* with ω = the largest of the group */
    const size_t *idx;
    size_t *omegas;
    irp_mat **raw;    /* anchors as read */
    irp_space **sp;   /* prepared anchors */
    irp_subsets **sub;
    irp_mat **xp;     /* test rows prepared in each source space */
    irp_union **un;   /* anchors the subsets of each space use */
    irp_mat **ru;     /* test rows' cosines to them (the factored path) */
    size_t *pi, *pj;  /* the pairs, in order */
    recs *out;        /* rows per pair */
} shared;

static int space_task(void *arg, size_t i)
{
    shared *s = arg;
    const ctx *x = s->x;
    const dump *d = x->d;
    const group *gr = s->gr;
    size_t k = gr->cells[0].anchors, dx = d->spaces[i].dim, cols = 0;
    s->raw[i] = dump_rows(&d->spaces[i].train, s->idx, k);
    s->sp[i] = s->raw[i] ? irp_space_new(s->raw[i], s->opts.center) : NULL;
    s->sub[i] = s->sp[i] ? irp_subsets_for(s->sp[i], &s->opts) : NULL;
    s->xp[i] = s->sub[i] ? irp_mat_new(x->n_test, dx) : NULL;
    if (!s->xp[i] || irp_space_prepare(s->xp[i], s->sp[i], x->test[i]))
        return irp_fail(IRP_EDATA, "space %s: %s", d->spaces[i].name, irp_last_error());
    /* Where pruning leaves fewer anchors than dimensions, translating through
     * them (n·|U|·dy) beats the dense translator (n·dx·dy): encode once here. */
    if (!(s->un[i] = irp_union_new(s->sub[i])))
        return IRP_ENOMEM;
    for (size_t c = 0; !s->opts.completion && c < gr->n; c++) {
        size_t u = s->un[i]->prefix[s->omegas[c] - 1];
        if (u < dx && u > cols)
            cols = u;
    }
    if (cols && (!(s->ru[i] = irp_mat_new(x->n_test, cols)) ||
                 irp_union_encode(s->ru[i], s->sp[i], s->xp[i], s->un[i])))
        return irp_fail(IRP_EDATA, "space %s: %s", d->spaces[i].name, irp_last_error());
    return IRP_OK;
}

static int pair_task(void *arg, size_t p)
{
    shared *s = arg;
    ctx x = *s->x; /* this worker's view: rows go to the pair's buffer */
    x.buf = &s->out[p];
    const dump *d = x.d;
    const group *gr = s->gr;
    size_t i = s->pi[p], j = s->pj[p], n = gr->n;
    size_t dx = d->spaces[i].dim, dy = d->spaces[j].dim;
    const char *a = d->spaces[i].name, *b = d->spaces[j].name;
    irp_mat **ts = calloc(n, sizeof *ts), **tsel = calloc(n, sizeof *tsel);
    irp_fit_info *info = calloc(n, sizeof *info), *isel = calloc(n, sizeof *isel);
    int *fac = calloc(n, sizeof *fac);
    size_t *sel = malloc(n * sizeof *sel), *om = malloc(n * sizeof *om);
    irp_mat *t = irp_mat_new(dx, dy), *y = irp_mat_new(x.n_test, dy);
    irp_mat *aff = irp_mat_new(dx + 1, dy);
    int rc = (!ts || !tsel || !info || !isel || !fac || !sel || !om || !t || !y || !aff)
                 ? irp_fail(IRP_ENOMEM, "out of memory")
                 : IRP_OK;
    for (size_t c = 0; !rc && c < n; c++) {
        size_t u = s->un[i]->prefix[s->omegas[c] - 1];
        fac[c] = s->ru[i] && u <= s->ru[i]->cols;
        if (!(ts[c] = irp_mat_new(fac[c] ? u : dx, dy)))
            rc = IRP_ENOMEM;
    }
    for (int f = 0; f < 2 && !rc; f++) { /* fit the dense, then the factored cells */
        size_t m = 0;
        for (size_t c = 0; c < n; c++)
            if (fac[c] == f) {
                sel[m] = c;
                om[m] = s->omegas[c];
                tsel[m++] = ts[c];
            }
        if (m)
            rc = f ? irp_translator_fit_factored(tsel, isel, om, m, s->sp[i], s->sp[j], s->sub[i],
                                                 s->un[i], &s->opts)
                   : irp_translator_fit_prefixes(tsel, isel, om, m, s->sp[i], s->sp[j],
                                                 s->sub[i], &s->opts);
        for (size_t c = 0; !rc && c < m; c++)
            info[sel[c]] = isel[c];
    }
    /* inversion scored by cosines alone: never materialise the translation */
    int cos_only = x.c->type == EXP_INVERT && !x.c->retrieval;
    double cm = 0, cf = 0;
    for (size_t c = 0; !rc && c < n; c++) {
        select_cell(&x, gr, c);
        /* δ = 0 gives every ω the same translator: translate once */
        int same = c && !fac[c] && !fac[c - 1] &&
                   !memcmp(ts[c]->data, ts[c - 1]->data, dx * dy * sizeof(double));
        const irp_mat *in = fac[c] ? s->ru[i] : s->xp[i];
        if (cos_only && !same)
            rc = irp_translate_cosines(&cm, &cf, ts[c], in, s->sp[j], &s->opts, x.test[j],
                                       x.test_norms[j], FLOOR_SEED);
        else if (!cos_only && fac[c])
            rc = irp_translate_apply_factored(y, ts[c], in, s->sp[j], &s->opts);
        else if (!cos_only && !same)
            rc = irp_translate_apply_prepared(y, ts[c], s->sp[j], in, &s->opts);
        if (rc)
            break;
        if (cos_only)
            cosine_rows(&x, i, j, "irp", cm, cf);
        else
            s->eval(&x, i, j, "irp", y);
        row(&x, a, b, "irp", "subset_size", info[c].mean_subset_size);
        row(&x, a, b, "irp", "rank", info[c].mean_rank);
        row(&x, a, b, "irp", "cond_mean", info[c].mean_cond);
        row(&x, a, b, "irp", "cond_max", info[c].max_cond);
        if (i != j && dx == dy)
            s->eval(&x, i, j, "absolute", x.test[i]);
    }
    if (!rc && x.c->references) { /* ω-independent: computed once, written per cell */
        rc = irp_procrustes_fit(t, s->sp[i]->anchors, s->sp[j]->anchors);
        if (!rc)
            rc = irp_translate_apply_prepared(y, t, s->sp[j], s->xp[i], &s->opts);
        for (size_t c = 0; !rc && c < n; c++) {
            select_cell(&x, gr, c);
            s->eval(&x, i, j, "procrustes", y);
        }
        if (!rc)
            rc = irp_affine_fit(aff, s->raw[i], s->raw[j], s->opts.rcond);
        if (!rc)
            rc = irp_affine_apply(y, aff, x.test[i]);
        for (size_t c = 0; !rc && c < n; c++) {
            select_cell(&x, gr, c);
            s->eval(&x, i, j, "affine", y);
        }
    }
    if (!rc && x.buf_failed)
        rc = irp_fail(IRP_ENOMEM, "out of memory buffering rows");
    if (rc)
        rc = irp_fail(rc, "%s -> %s: %s", a, b, irp_last_error());
    for (size_t c = 0; ts && c < n; c++)
        irp_mat_free(ts[c]);
    free(ts);
    free(tsel);
    free(info);
    free(isel);
    free(fac);
    free(sel);
    free(om);
    irp_mat_free(t);
    irp_mat_free(y);
    irp_mat_free(aff);
    return rc;
}

static int pairs(ctx *x, const group *gr, evaluate_fn eval, int include_intra)
{
    const dump *d = x->d;
    size_t ns = d->num_spaces, k = gr->cells[0].anchors, np = 0;
    shared s = {.x = x, .gr = gr, .eval = eval, .opts = gr->cells[0].opts};
    size_t *idx = malloc(k * sizeof *idx);
    s.idx = idx;
    s.omegas = malloc(gr->n * sizeof *s.omegas);
    s.raw = calloc(ns, sizeof *s.raw);
    s.sp = calloc(ns, sizeof *s.sp);
    s.sub = calloc(ns, sizeof *s.sub);
    s.xp = calloc(ns, sizeof *s.xp);
    s.un = calloc(ns, sizeof *s.un);
    s.ru = calloc(ns, sizeof *s.ru);
    s.pi = malloc(ns * ns * sizeof *s.pi);
    s.pj = malloc(ns * ns * sizeof *s.pj);
    s.out = calloc(ns * ns, sizeof *s.out);
    int rc = (!idx || !s.omegas || !s.raw || !s.sp || !s.sub || !s.xp || !s.un || !s.ru ||
              !s.pi || !s.pj || !s.out)
                 ? irp_fail(IRP_ENOMEM, "out of memory")
                 : IRP_OK;
    size_t max_omega = 0;
    for (size_t j = 0; !rc && j < gr->n; j++) {
        s.omegas[j] = gr->cells[j].opts.num_subspaces;
        if (s.omegas[j] > max_omega)
            max_omega = s.omegas[j];
    }
    s.opts.num_subspaces = max_omega;
    if (!rc)
        rc = irp_anchor_indices(idx, d->num_train, k, gr->cells[0].anchor_seed);
    /* per-space work, once per group: anchors, prepared space, pruned subsets */
    if (!rc)
        rc = parallel_for(ns, space_task, &s, x->threads);
    for (size_t i = 0; !rc && i < ns; i++)
        for (size_t j = 0; j < ns; j++)
            if ((i != j || include_intra) && config_is_target(x->c, d->spaces[j].name)) {
                s.pi[np] = i;
                s.pj[np++] = j;
            }
    if (!rc)
        rc = parallel_for(np, pair_task, &s, x->threads);
    for (size_t p = 0; !rc && p < np; p++) /* rows in pair order, as a serial run writes them */
        for (size_t r = 0; r < s.out[p].n; r++) {
            const rec *e = &s.out[p].r[r];
            select_cell(x, gr, e->cell);
            row(x, e->enc, e->dec, e->method, e->metric, e->value);
        }
    for (size_t i = 0; i < ns; i++) {
        if (s.raw)
            irp_mat_free(s.raw[i]);
        if (s.sp)
            irp_space_free(s.sp[i]);
        if (s.sub)
            irp_subsets_free(s.sub[i]);
        if (s.xp)
            irp_mat_free(s.xp[i]);
        if (s.un)
            irp_union_free(s.un[i]);
        if (s.ru)
            irp_mat_free(s.ru[i]);
    }
    for (size_t p = 0; s.out && p < ns * ns; p++)
        free(s.out[p].r);
    free(idx);
    free(s.omegas);
    free(s.raw);
    free(s.sp);
    free(s.sub);
    free(s.xp);
    free(s.un);
    free(s.ru);
    free(s.pi);
    free(s.pj);
    free(s.out);
    return rc;
}

static int run_invert(ctx *x, const group *g) { return pairs(x, g, eval_invert, x->c->intra); }

static int run_stitch(ctx *x, const group *g)
{
    for (size_t c = 0; c < g->n; c++) {
        select_cell(x, g, c);
        for (size_t j = 0; j < x->d->num_spaces; j++) /* the oracle: own encoder, own head */
            if (config_is_target(x->c, x->d->spaces[j].name))
                eval_stitch(x, j, j, "non-stitch", x->test[j]);
    }
    return pairs(x, g, eval_stitch, 0);
}

static double mean_row_norm(const dump_matrix *m)
{
    double *n = malloc(m->rows * sizeof *n), s = 0;
    if (!n)
        return NAN;
    dump_row_norms(n, m);
    for (size_t i = 0; i < m->rows; i++)
        s += n[i];
    free(n);
    return s / (double)m->rows;
}

static int run_scale_inv(ctx *x)
{
    int rc = IRP_OK;
    for (size_t s = 0; !rc && s < x->d->num_spaces; s++) {
        const dump_space *sp = &x->d->spaces[s];
        const dump_head *h = dump_find_head(sp, x->cl->head);
        irp_mat *z = irp_mat_copy(x->test[s]);
        if (!z)
            return IRP_ENOMEM;
        int set_norm = !strcmp(x->cl->scale_mode, "set-norm");
        double target = x->cl->factor * mean_row_norm(&sp->train);
        for (size_t i = 0; i < z->rows; i++) {
            double *r = &IRP_AT(z, i, 0), n = 0;
            for (size_t j = 0; j < z->cols; j++)
                n += r[j] * r[j];
            double f = set_norm ? (n > 0 ? target / sqrt(n) : 0) : x->cl->factor;
            for (size_t j = 0; j < z->cols; j++)
                r[j] *= f;
        }
        double acc;
        rc = irp_head_accuracy(&acc, &h->head, z, x->d->test_labels);
        if (!rc)
            row(x, sp->name, sp->name, x->cl->scale_mode, "accuracy", acc);
        irp_mat_free(z);
    }
    return rc;
}

/* Histogram of the embedding norms beside the fitted normal: a second table
 * <results>/<name>-hist.csv, written atomically. */
static int run_scale_dist(ctx *x, const char *hist_path)
{
    static const char *const stat_names[] = {"mean", "std", "skewness", "excess_kurtosis",
                                             "jarque_bera", "ks_normal", "frac_outside_3sd",
                                             "cv"};
    csv_out h;
    int rc = csv_out_open(&h, hist_path);
    if (rc)
        return rc;
    csv_out_comment(&h, "irp run %s: norm histograms (training split) and fitted normal",
                    x->c->path);
    for (const char *const *c = (const char *const[]){"encoder", "bin_lo", "bin_hi", "count",
                                                      "density", "normal_pdf", NULL};
         *c; c++)
        csv_out_str(&h, *c);
    csv_out_end_row(&h);
    for (size_t s = 0; !rc && s < x->d->num_spaces; s++) {
        const dump_space *sp = &x->d->spaces[s];
        size_t n = sp->train.rows, bins = x->c->bins;
        double *norms = malloc(n * sizeof *norms);
        size_t *count = calloc(bins, sizeof *count);
        irp_dist_stats st;
        if (!norms || !count)
            rc = IRP_ENOMEM;
        if (!rc) {
            dump_row_norms(norms, &sp->train);
            rc = irp_dist_stats_compute(&st, norms, n);
        }
        if (!rc) {
            double v[] = {st.mean, st.std, st.skewness, st.excess_kurtosis, st.jarque_bera,
                          st.ks_normal, st.frac_outside_3sd, st.std / st.mean};
            for (size_t i = 0; i < sizeof v / sizeof *v; i++)
                row(x, sp->name, "", "norm", stat_names[i], v[i]);
            double lo = st.min, width = (st.max - st.min) / (double)bins;
            for (size_t i = 0; i < n; i++) {
                size_t b = width > 0 ? (size_t)((norms[i] - lo) / width) : 0;
                count[b < bins ? b : bins - 1]++;
            }
            for (size_t b = 0; b < bins; b++) {
                double a = lo + width * (double)b, mid = a + width / 2;
                double z = (mid - st.mean) / st.std;
                csv_out_str(&h, sp->name);
                csv_out_num(&h, a);
                csv_out_num(&h, a + width);
                csv_out_int(&h, (long long)count[b]);
                csv_out_num(&h, (double)count[b] / ((double)n * width));
                csv_out_num(&h, exp(-0.5 * z * z) / (st.std * sqrt(6.283185307179586)));
                csv_out_end_row(&h);
            }
        }
        free(norms);
        free(count);
    }
    if (rc) {
        csv_out_abort(&h);
        return rc;
    }
    return csv_out_commit(&h);
}

static int mkdirs(const char *path)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0777) && errno != EEXIST)
                return irp_fail(IRP_EDATA, "%s: cannot create directory (%s)", buf,
                                strerror(errno));
            *p = '/';
        }
    if (mkdir(buf, 0777) && errno != EEXIST)
        return irp_fail(IRP_EDATA, "%s: cannot create directory (%s)", buf, strerror(errno));
    return IRP_OK;
}

static void header_row(csv_out *w)
{
    for (size_t i = 0; i < num_result_columns; i++)
        csv_out_str(w, result_columns[i]);
    csv_out_end_row(w);
}

/* Appends the data lines (not comments, not the header) of a cell file. */
static int append_cell(FILE *out, const char *path)
{
    FILE *in = fopen(path, "r");
    if (!in)
        return irp_fail(IRP_EDATA, "%s: cannot read (%s)", path, strerror(errno));
    char line[8192];
    int header_seen = 0;
    while (fgets(line, sizeof line, in)) {
        if (line[0] == '#')
            continue;
        if (!header_seen) {
            header_seen = 1;
            continue;
        }
        fputs(line, out);
    }
    fclose(in);
    return IRP_OK;
}

static void fmt_secs(char *buf, size_t n, double s)
{
    if (s < 60)
        snprintf(buf, n, "%.1fs", s);
    else if (s < 3600)
        snprintf(buf, n, "%dm%02ds", (int)s / 60, (int)s % 60);
    else
        snprintf(buf, n, "%dh%02dm", (int)s / 3600, ((int)s % 3600) / 60);
}

/* <cells_dir>/<id>.csv: the id covers the cell's inputs and the dump's stamp. */
static void cell_path(char *buf, size_t n, const char *cells_dir, const config *c,
                      const cell *cl, uint64_t stamp)
{
    snprintf(buf, n, "%s/%016llx.csv", cells_dir,
             (unsigned long long)(config_cell_hash(c, cl) ^ stamp));
}

int run_experiment(const config *c, const dump *d, const run_opts *o)
{
    char cells_dir[1024], table[1024], path[1200], hist[1024];
    snprintf(cells_dir, sizeof cells_dir, "%s/%s.cells", o->results_dir, c->name);
    snprintf(table, sizeof table, "%s/%s.csv", o->results_dir, c->name);
    snprintf(hist, sizeof hist, "%s/%s-hist.csv", o->results_dir, c->name);
    int rc = mkdirs(cells_dir);
    if (rc)
        return rc;
    struct stat st;
    uint64_t stamp = 0;
    if (!stat(d->path, &st)) /* a regenerated dump invalidates finished cells */
        stamp = (uint64_t)st.st_size * 0x9E3779B97F4A7C15ULL ^ (uint64_t)st.st_mtime;
    ctx x = {.c = c, .d = d, .threads = o->threads};
    if (!x.threads) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        x.threads = cpus > 0 ? (size_t)cpus : 1;
    }
    x.n_test = c->test_limit && c->test_limit < d->num_test ? c->test_limit : d->num_test;
    x.test = calloc(d->num_spaces, sizeof *x.test);
    x.test_norms = calloc(d->num_spaces, sizeof *x.test_norms);
    if (!x.test || !x.test_norms) {
        free(x.test);
        free(x.test_norms);
        return IRP_ENOMEM;
    }
    for (size_t s = 0; s < d->num_spaces && !rc; s++) {
        if (!(x.test[s] = dump_rows(&d->spaces[s].test, NULL, x.n_test)) ||
            !(x.test_norms[s] = malloc((x.n_test ? x.n_test : 1) * sizeof **x.test_norms)))
            rc = IRP_ENOMEM;
        else
            irp_row_norms(x.test_norms[s], x.test[s]);
    }
    size_t ncells = config_num_cells(c), done = 0, computed = 0, visited = 0;
    double t0 = now();
    int tty = isatty(2) && !o->quiet;
    unsigned char *seen = calloc(ncells, 1);
    cell *cells = calloc(ncells, sizeof *cells);
    csv_out *writers = calloc(ncells, sizeof *writers);
    if (!seen || !cells || !writers)
        rc = irp_fail(IRP_ENOMEM, "out of memory for %zu cells", ncells);
    /* Cells that differ only in ω form a group computed together (invert and
     * stitch share per-subset work across ω); other experiments go one by one. */
    int by_omega = c->type == EXP_INVERT || c->type == EXP_STITCH;
    for (size_t i = 0; !rc && i < ncells; i++) {
        if (seen[i])
            continue;
        group g = {0, cells, writers};
        cell first;
        config_cell(&first, c, i);
        for (size_t j = i; j < ncells && !rc; j++) {
            cell cl;
            if (seen[j])
                continue;
            config_cell(&cl, c, j);
            int same = j == i;
            if (!same && by_omega) {
                same = 1;
                for (int k = 0; k < SK_COUNT; k++)
                    if (k != SK_OMEGA && strcmp(cl.text[k], first.text[k]))
                        same = 0;
            }
            if (!same)
                continue;
            seen[j] = 1;
            visited++;
            cell_path(path, sizeof path, cells_dir, c, &cl, stamp);
            if (!o->force && access(path, R_OK) == 0 &&
                !(c->type == EXP_SCALE_DIST && access(hist, R_OK) != 0)) {
                done++;
                continue;
            }
            cells[g.n] = cl;
            if ((rc = csv_out_open(&writers[g.n], path)))
                break;
            csv_out_comment(&writers[g.n], "irp cell %zu/%zu of %s", j + 1, ncells, c->path);
            header_row(&writers[g.n]);
            g.n++;
        }
        if (!rc && g.n) {
            x.cl = &cells[0];
            x.w = &writers[0];
            switch (c->type) {
            case EXP_INVERT: rc = run_invert(&x, &g); break;
            case EXP_STITCH: rc = run_stitch(&x, &g); break;
            case EXP_SCALE_INV: rc = run_scale_inv(&x); break;
            case EXP_SCALE_DIST: rc = run_scale_dist(&x, hist); break;
            }
        }
        for (size_t j = 0; j < g.n; j++) {
            if (rc)
                csv_out_abort(&writers[j]);
            else if ((rc = csv_out_commit(&writers[j])) == IRP_OK)
                computed++;
            else
                for (size_t m = j + 1; m < g.n; m++)
                    csv_out_abort(&writers[m]);
            if (rc)
                break;
        }
        if (!rc && g.n && !o->quiet) {
            char eta[32], el[32];
            double elapsed = now() - t0;
            fmt_secs(el, sizeof el, elapsed);
            fmt_secs(eta, sizeof eta,
                     elapsed / (double)computed * (double)(ncells - visited));
            fprintf(stderr, "%s[%s] %zu/%zu cells done (elapsed %s, ETA %s)%s", tty ? "\r" : "",
                    c->name, visited, ncells, el, eta, tty ? "   " : "\n");
        }
    }
    free(seen);
    free(cells);
    free(writers);
    if (tty)
        fputc('\n', stderr);
    for (size_t s = 0; s < d->num_spaces; s++) {
        irp_mat_free(x.test[s]);
        free(x.test_norms[s]);
    }
    free(x.test);
    free(x.test_norms);
    if (rc)
        return rc;
    /* assemble the table from the cells, in sweep order */
    csv_out w;
    if ((rc = csv_out_open(&w, table)))
        return rc;
    csv_out_comment(&w, "irp run %s (fnv1a %016llx), data %s, %zu cells", c->path,
                    (unsigned long long)c->hash, d->path, ncells);
    header_row(&w);
    fflush(w.fp);
    for (size_t i = 0; !rc && i < ncells; i++) {
        cell cl;
        config_cell(&cl, c, i);
        cell_path(path, sizeof path, cells_dir, c, &cl, stamp);
        rc = append_cell(w.fp, path);
    }
    if (rc) {
        csv_out_abort(&w);
        return rc;
    }
    if (!o->quiet)
        fprintf(stderr, "[%s] %zu cells (%zu computed, %zu resumed) -> %s in %.1fs\n", c->name,
                ncells, computed, done, table, now() - t0);
    return csv_out_commit(&w);
}
