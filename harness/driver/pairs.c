/* The pair engine; see pairs.h. */
#include "driver/pairs.h"
#include <pthread.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver/account.h"
#include "plumbing/pool.h"
#include "plumbing/util.h"

const char *const pair_method_name[PM_COUNT] = {M_IRP, M_ABSOLUTE, M_PROCRUSTES, M_AFFINE};

void pairs_cosine_rows(run_ctx *x, const pair_result *r, const char *method, double mean,
                       double floor)
{
    const char *a = x->d->spaces[r->src].name, *b = x->d->spaces[r->dst].name;
    row(x, a, b, method, MT_MEAN_COSINE, mean);
    row(x, a, b, method, MT_COSINE_FLOOR, floor);
}

/* The bootstrap rows' metric names: row() keeps the metric's pointer, so
 * they are literals. */
#define INTERVAL_NAMES(M) {M, M MT_LO, M MT_HI, M MT_DIFF, M MT_DIFF MT_LO, M MT_DIFF MT_HI}

int pairs_interval_rows(run_ctx *x, const pair_result *r, const char *method,
                        const char *metric, const double *v, const double *irp)
{
    const config *c = x->c;
    if (!c->bootstrap || !x->n_test)
        return IRP_OK;
    const char *a = x->d->spaces[r->src].name, *b = x->d->spaces[r->dst].name;
    static const char *const names[][6] = {INTERVAL_NAMES(MT_ACCURACY),
                                           INTERVAL_NAMES(MT_MEAN_COSINE)};
    const char *const *nm = NULL;
    for (size_t q = 0; q < sizeof names / sizeof *names; q++)
        if (!strcmp(metric, names[q][0]))
            nm = names[q];
    if (!nm)
        return irp_fail(IRP_EINVAL, "no bootstrap rows for metric '%s'", metric);
    double lo, hi, dlo = 0, dhi = 0;
    /* one pass: v's interval and, on the same resampled rows, that of
     * mean(v − irp), whose negation is IRP − method (exactly: the order
     * statistics at (1 ∓ level)/2 swap under negation) */
    int rc = irp_bootstrap_ci(&lo, &hi, v, irp, &dlo, &dhi, x->n_test, c->bootstrap,
                              c->bootstrap_level, PAIRS_BOOTSTRAP_SEED);
    if (rc)
        return rc;
    row(x, a, b, method, nm[1], lo);
    row(x, a, b, method, nm[2], hi);
    if (irp) {
        double mean = 0;
        for (size_t i = 0; i < x->n_test; i++)
            mean += irp[i] - v[i];
        row(x, a, b, M_IRP_MINUS_PROCRUSTES, nm[3], mean / (double)x->n_test);
        row(x, a, b, M_IRP_MINUS_PROCRUSTES, nm[4], -dhi);
        row(x, a, b, M_IRP_MINUS_PROCRUSTES, nm[5], -dlo);
    }
    return IRP_OK;
}

void pairs_fit_rows(run_ctx *x, const pair_result *r)
{
    const char *a = x->d->spaces[r->src].name, *b = x->d->spaces[r->dst].name;
    const irp_fit_info *info = r->fit;
    row(x, a, b, M_IRP, MT_SUBSET_SIZE, info->mean_subset_size);
    row(x, a, b, M_IRP, MT_RANK, info->mean_rank);
    row(x, a, b, M_IRP, MT_COND_MEAN, info->mean_cond);
    row(x, a, b, M_IRP, MT_COND_MAX, info->max_cond);
    row(x, a, b, M_IRP, MT_COND_KEPT_MEAN, info->mean_cond_kept);
    if (r->opts->decoder == IRP_DECODER_RIDGE)
        row(x, a, b, M_IRP, MT_COND_EFFECTIVE_MEAN, info->mean_cond_effective);
    if (!r->choice)
        return;
    if (x->cl->auto_delta)
        row(x, a, b, M_IRP, MT_AUTO_DELTA, r->choice->delta);
    if (x->cl->auto_omega)
        row(x, a, b, M_IRP, MT_AUTO_OMEGA, (double)r->choice->omega);
    row(x, a, b, M_IRP, MT_AUTO_SCORE, r->choice->score);
}

typedef struct shared {
    run_ctx *x;
    const cell_group *gr;
    const pair_scoring *scoring;
    irp_options opts; /* with ω = the largest of the group */
    const size_t *idx;
    size_t *omegas;
    irp_mat **raw;    /* anchors as read */
    irp_space **sp;   /* prepared anchors */
    irp_subsets **sub;
    irp_mat **xp;     /* test rows prepared in each source space */
    unsigned char *xp_kept; /* xp[i] belongs to x->xpm (not freed with the group) */
    irp_union **un;   /* anchors the subsets of each space use */
    irp_mat **ru;     /* test rows' cosines to them (the factored path) */
    size_t *pi, *pj;  /* the pairs, in order */
    int autos;        /* δ or ω = auto: chosen per pair (pair_task_auto) */
    row_buf *out;       /* rows per pair */
    stage_acct *sa, *pa; /* --account: per space, per pair (NULL: not kept) */
    size_t ns;           /* group_task: indices below ns are spaces, the rest pairs */
    signed char *ready;  /* per space: 0 under way, 1 done, -1 failed */
    pthread_mutex_t lock;
    pthread_cond_t done;
} shared;

static int space_work(shared *s, size_t i);

typedef struct fps_memo {
    struct fps_memo *next;
    size_t k;
    uint64_t anchor_seed, seed;
    int center;
    irp_fps_trace *t;
} fps_memo;

/* A space's prepared test rows and what they were prepared against: centring
 * makes them depend on the anchors' mean (k, anchor seed); without it, on the
 * test rows alone. */
typedef struct xp_memo {
    irp_mat *xp; /* NULL: none kept */
    int center;
    size_t k;
    uint64_t anchor_seed;
} xp_memo;

int pairs_traces_new(run_ctx *x, double floor)
{
    if (!(x->fps = calloc(x->d->num_spaces, sizeof *x->fps)))
        return irp_fail(IRP_ENOMEM, "out of memory");
    x->fps_floor = floor;
    return IRP_OK;
}

void pairs_traces_free(run_ctx *x)
{
    for (size_t i = 0; x->fps && i < x->d->num_spaces; i++)
        for (fps_memo *m = x->fps[i], *next; m; m = next) {
            next = m->next;
            irp_fps_trace_free(m->t);
            free(m);
        }
    free(x->fps);
    x->fps = NULL;
    for (size_t i = 0; x->xpm && i < x->d->num_spaces; i++)
        irp_mat_free(x->xpm[i].xp);
    free(x->xpm);
    x->xpm = NULL;
}

/* Space i's prepared test rows for the group: those kept from an earlier group
 * with the same anchors where there are (their test rows were checked then),
 * else prepared now and kept. */
static xp_memo *kept_rows(const shared *s, size_t i)
{
    const cell *c0 = &s->gr->cells[0];
    xp_memo *m = s->x->xpm ? &s->x->xpm[i] : NULL;
    return m && m->xp && m->center == s->opts.center &&
                   (!m->center || (m->k == c0->anchors && m->anchor_seed == c0->anchor_seed))
               ? m
               : NULL;
}

static int prepared_rows(shared *s, size_t i)
{
    const run_ctx *x = s->x;
    const cell *c0 = &s->gr->cells[0];
    xp_memo *m = kept_rows(s, i);
    if (m) {
        s->xp[i] = m->xp;
        s->xp_kept[i] = 1;
        return IRP_OK;
    }
    m = x->xpm ? &x->xpm[i] : NULL;
    const dump *d = x->d;
    s->xp[i] = irp_mat_new(x->n_test, d->spaces[i].dim);
    if (!s->xp[i] || irp_space_prepare(s->xp[i], s->sp[i], x->test[i]))
        return irp_fail(IRP_EDATA, "space %s: %s", d->spaces[i].name, irp_last_error());
    if (m) { /* kept: the memo owns them now */
        irp_mat_free(m->xp);
        *m = (xp_memo){s->xp[i], s->opts.center, c0->anchors, c0->anchor_seed};
        s->xp_kept[i] = 1;
    }
    return IRP_OK;
}

/* Space i's subsets for the group: cut from its kept trace where there is
 * one for these anchors and seeds (traced now if not yet), else drawn. */
static irp_subsets *subsets_of(shared *s, size_t i)
{
    const irp_options *o = &s->opts;
    const cell *c0 = &s->gr->cells[0];
    run_ctx *x = s->x;
    if (!x->fps || o->prune_mode != IRP_PRUNE_THRESHOLD || !(o->delta > 0) ||
        o->delta < x->fps_floor || irp_options_check(o))
        return irp_subsets_for(s->sp[i], o);
    fps_memo *m = x->fps[i];
    while (m && !(m->k == c0->anchors && m->anchor_seed == c0->anchor_seed &&
                  m->seed == o->seed && m->center == o->center))
        m = m->next;
    if (!m) {
        if (!(m = calloc(1, sizeof *m))) {
            irp_fail(IRP_ENOMEM, "out of memory");
            return NULL;
        }
        *m = (fps_memo){x->fps[i], c0->anchors, c0->anchor_seed, o->seed, o->center, NULL};
        x->fps[i] = m;
    }
    /* traced now: the first time, for a larger ω, or after a trace that failed */
    if (!m->t || m->t->num_subsets < o->num_subspaces) {
        irp_fps_trace_free(m->t);
        m->t = irp_fps_trace_new(s->sp[i]->anchors, o->num_subspaces, x->fps_floor, o->seed);
    }
    return m->t ? irp_subsets_cut(m->t, o->num_subspaces, o->delta) : NULL;
}

static int space_task(void *arg, size_t i)
{
    shared *s = arg;
    stage_acct *a = s->sa ? &s->sa[i] : NULL;
    stage_mark m = acct_mark(a);
    int rc = space_work(s, i);
    acct_stop(a, ST_PREPARE, &m);
    return rc;
}

static int space_work(shared *s, size_t i)
{
    const run_ctx *x = s->x;
    const dump *d = x->d;
    const cell_group *gr = s->gr;
    size_t k = gr->cells[0].anchors, dx = d->spaces[i].dim, cols = 0;
    /* in a slice, the other spaces are targets only: their anchors are all they need */
    int target_only = x->slice != SLICE_ALL && x->slice != i;
    s->raw[i] = dump_rows(&d->spaces[i].train, s->idx, k);
    if (s->raw[i] && dump_check_nonzero(d, &d->spaces[i], "train", s->raw[i], s->idx))
        return IRP_EDATA;
    /* (the test rows behind kept prepared rows were checked when those were made) */
    if (x->test[i] && !kept_rows(s, i) &&
        dump_check_nonzero(d, &d->spaces[i], "test", x->test[i], NULL))
        return IRP_EDATA;
    s->sp[i] = s->raw[i] ? irp_space_new(s->raw[i], s->opts.center) : NULL;
    /* δ = 0 (threshold): every subset from every source is all the anchors, so each
     * target's inverse is computed once here instead of once per pair */
    if (s->sp[i] && !s->autos && s->opts.prune_mode == IRP_PRUNE_THRESHOLD &&
        s->opts.delta == 0.0 && config_is_target(x->c, d->spaces[i].name) &&
        irp_space_keep_full_inverse(s->sp[i], &s->opts))
        return irp_fail(IRP_EDATA, "space %s: %s", d->spaces[i].name, irp_last_error());
    if (target_only)
        return s->sp[i] ? IRP_OK
                        : irp_fail(IRP_EDATA, "space %s: %s", d->spaces[i].name, irp_last_error());
    /* with auto, the subsets depend on the pair's choice: drawn per pair */
    s->sub[i] = s->sp[i] && !s->autos ? subsets_of(s, i) : NULL;
    if (!(s->sub[i] || (s->sp[i] && s->autos)))
        return irp_fail(IRP_EDATA, "space %s: %s", d->spaces[i].name, irp_last_error());
    int rc = prepared_rows(s, i);
    if (rc)
        return rc;
    if (s->autos)
        return IRP_OK;
    /* Where pruning leaves fewer anchors than dimensions, translating through
     * them (n·|U|·dy) beats the dense translator (n·dx·dy): encode once here. */
    if (!(s->un[i] = irp_union_new(s->sub[i])))
        return irp_fail(IRP_ENOMEM, "space %s: out of memory", d->spaces[i].name);
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

/* The Procrustes and affine references of pair (i, j): ω-independent,
 * fitted once for all cells of the group; yp and ya receive src's test rows
 * translated by each. */
static int references(shared *s, run_ctx *x, size_t i, size_t j, irp_mat *t, irp_mat *aff,
                      irp_mat *yp, irp_mat *ya)
{
    int rc = irp_procrustes_fit(t, s->sp[i]->anchors, s->sp[j]->anchors);
    if (!rc)
        rc = irp_translate_apply_prepared(yp, t, s->sp[j], s->xp[i], &s->opts);
    if (!rc)
        rc = irp_affine_fit(aff, s->raw[i], s->raw[j], s->opts.rcond);
    if (!rc)
        rc = irp_affine_apply(ya, aff, x->test[i]);
    return rc;
}

/* A pair's working matrices: the dense translator t (dx×dy), IRP's
 * translation y, the affine map, the references' translations. */
typedef struct pair_mats {
    irp_mat *t, *y, *aff, *yp, *ya;
} pair_mats;

static int pair_mats_new(pair_mats *m, const run_ctx *x, size_t dx, size_t dy, int need_y)
{
    int refs = x->c->references;
    m->t = irp_mat_new(dx, dy);
    /* scored by cosines alone, IRP's translation is never materialised: no n×dy matrix
     * (zeroing one per pair took 0.26 of the offline grid's 14 CPU-s: irp run --account) */
    m->y = need_y ? irp_mat_new(x->n_test, dy) : NULL;
    m->aff = refs ? irp_mat_new(dx + 1, dy) : NULL;
    m->yp = refs ? irp_mat_new(x->n_test, dy) : NULL;
    m->ya = refs ? irp_mat_new(x->n_test, dy) : NULL;
    return !m->t || (need_y && !m->y) || (refs && (!m->aff || !m->yp || !m->ya))
               ? irp_fail(IRP_ENOMEM, "out of memory")
               : IRP_OK;
}

static void pair_mats_free(pair_mats *m)
{
    irp_mat_free(m->t);
    irp_mat_free(m->y);
    irp_mat_free(m->aff);
    irp_mat_free(m->yp);
    irp_mat_free(m->ya);
}

/* The start of a pair's task: the references (before IRP, so that every
 * (pair, cell) is handed over with every method's result). */
static int pair_start(shared *s, run_ctx *x, size_t i, size_t j, pair_mats *m,
                      pair_result *r)
{
    size_t dx = x->d->spaces[i].dim, dy = x->d->spaces[j].dim;
    *r = (pair_result){.src = i, .dst = j};
    if (i != j && dx == dy)
        r->y[PM_ABSOLUTE] = x->test[i];
    int rc = pair_mats_new(m, x, dx, dy, !s->scoring->cosines_only);
    if (!rc && x->c->references) {
        rc = references(s, x, i, j, m->t, m->aff, m->yp, m->ya);
        r->y[PM_PROCRUSTES] = m->yp;
        r->y[PM_AFFINE] = m->ya;
    }
    return rc;
}

/* The end of a pair's task: one error naming the pair. */
static int pair_finish(run_ctx *x, size_t i, size_t j, int rc)
{
    if (!rc && x->buf_failed)
        rc = irp_fail(IRP_ENOMEM, "out of memory buffering rows");
    if (rc)
        rc = irp_fail(rc, "%s -> %s: %s", x->d->spaces[i].name, x->d->spaces[j].name,
                      irp_last_error());
    return rc;
}

/* δ and/or ω = auto: per cell, the pair's own choice from the config's grids
 * by the held-out-anchor score (irp_auto_select, no labels), then the usual
 * translation with it on all k anchors. */
static int pair_task_auto(shared *s, size_t p)
{
    run_ctx x = *s->x;
    x.buf = &s->out[p];
    const config *c = x.c;
    const cell_group *gr = s->gr;
    size_t i = s->pi[p], j = s->pj[p];
    pair_mats m;
    pair_result r;
    stage_acct *a = s->pa ? &s->pa[p] : NULL;
    stage_mark mk = acct_mark(a);
    int rc = pair_start(s, &x, i, j, &m, &r);
    acct_stop(a, ST_REFERENCES, &mk);
    for (size_t q = 0; !rc && q < gr->n; q++) {
        const cell *cl = &gr->cells[q];
        rows_select_cell(&x, gr, q);
        irp_options o = cl->opts;
        double one_delta = o.delta;
        size_t one_omega = o.num_subspaces;
        irp_auto_choice ch;
        mk = acct_mark(a);
        rc = irp_auto_select(&ch, s->raw[i], s->raw[j], &o,
                             cl->auto_delta ? c->auto_deltas : &one_delta,
                             cl->auto_delta ? c->num_auto_deltas : 1,
                             cl->auto_omega ? c->auto_omegas : &one_omega,
                             cl->auto_omega ? c->num_auto_omegas : 1, c->auto_holdout);
        o.delta = ch.delta;
        o.num_subspaces = ch.omega;
        irp_subsets *sub = rc ? NULL : irp_subsets_for(s->sp[i], &o);
        if (!rc && !sub)
            rc = irp_fail(IRP_EDATA, "%s", irp_last_error());
        irp_fit_info info;
        if (!rc)
            rc = irp_translator_fit(m.t, s->sp[i], s->sp[j], sub, &o, &info);
        irp_subsets_free(sub);
        acct_stop(a, ST_FIT, &mk);
        r.irp_cosines_only = s->scoring->cosines_only;
        r.y[PM_IRP] = r.irp_cosines_only ? NULL : m.y;
        mk = acct_mark(a);
        if (!rc && r.irp_cosines_only)
            rc = irp_translate_cosines(&r.irp_mean_cosine, &r.irp_cosine_floor, m.t, s->xp[i],
                                       s->sp[j], &o, x.test[j], x.test_norms[j],
                                       PAIRS_FLOOR_SEED);
        else if (!rc)
            rc = irp_translate_apply_prepared(m.y, m.t, s->sp[j], s->xp[i], &o);
        acct_stop(a, ST_APPLY, &mk);
        r.fit = &info;
        r.opts = &o;
        r.choice = &ch;
        mk = acct_mark(a);
        if (!rc)
            rc = s->scoring->score(&x, s->scoring->ctx, &r);
        acct_stop(a, ST_SCORE, &mk);
    }
    rc = pair_finish(&x, i, j, rc);
    pair_mats_free(&m);
    return rc;
}

static int pair_task(void *arg, size_t p)
{
    shared *s = arg;
    if (s->autos)
        return pair_task_auto(s, p);
    run_ctx x = *s->x; /* this worker's view: rows go to the pair's buffer */
    x.buf = &s->out[p];
    const dump *d = x.d;
    const cell_group *gr = s->gr;
    size_t i = s->pi[p], j = s->pj[p], n = gr->n;
    size_t dx = d->spaces[i].dim;
    irp_mat **ts = calloc(n, sizeof *ts), **tsel = calloc(n, sizeof *tsel);
    irp_fit_info *info = calloc(n, sizeof *info), *isel = calloc(n, sizeof *isel);
    int *fac = calloc(n, sizeof *fac);
    size_t *sel = malloc(n * sizeof *sel), *om = malloc(n * sizeof *om);
    pair_mats m;
    pair_result r;
    stage_acct *a = s->pa ? &s->pa[p] : NULL;
    stage_mark mk = acct_mark(a);
    int rc = pair_start(s, &x, i, j, &m, &r);
    acct_stop(a, ST_REFERENCES, &mk);
    mk = acct_mark(a);
    if (!rc && (!ts || !tsel || !info || !isel || !fac || !sel || !om))
        rc = irp_fail(IRP_ENOMEM, "out of memory");
    for (size_t c = 0; !rc && c < n; c++) {
        size_t u = s->un[i]->prefix[s->omegas[c] - 1];
        /* float32 applies dense translators only (a factored M cancels: see
         * irp_translate_apply_factored); factored in float64 still wins below dx / 2 */
        fac[c] = s->ru[i] && u <= s->ru[i]->cols && (!s->opts.single || 2 * u <= dx);
        if (!(ts[c] = irp_mat_new(fac[c] ? u : dx, m.t->cols)))
            rc = irp_fail(IRP_ENOMEM, "out of memory");
    }
    for (int f = 0; f < 2 && !rc; f++) { /* fit the dense, then the factored cells */
        size_t k = 0;
        for (size_t c = 0; c < n; c++)
            if (fac[c] == f) {
                sel[k] = c;
                om[k] = s->omegas[c];
                tsel[k++] = ts[c];
            }
        if (k)
            rc = f ? irp_translator_fit_factored(tsel, isel, om, k, s->sp[i], s->sp[j], s->sub[i],
                                                 s->un[i], &s->opts)
                   : irp_translator_fit_prefixes(tsel, isel, om, k, s->sp[i], s->sp[j],
                                                 s->sub[i], &s->opts);
        for (size_t c = 0; !rc && c < k; c++)
            info[sel[c]] = isel[c];
    }
    acct_stop(a, ST_FIT, &mk);
    mk = acct_mark(a);
    /* inversion scored by cosines alone: never materialise the translation */
    int cos_only = s->scoring->cosines_only;
    /* δ = 0 gives every ω the same translator: translate once */
    int *same = calloc(n, sizeof *same);
    /* cells' cosines in one pass over the truth: [0, nf) factored (always float64),
     * [nf, nm) dense (in the config's precision) */
    const irp_mat **ins = calloc(n, sizeof *ins), **maps = calloc(n, sizeof *maps);
    double *cms = calloc(n, sizeof *cms), *cfs = calloc(n, sizeof *cfs);
    size_t *slot = calloc(n, sizeof *slot);
    if (!rc && (!same || !ins || !maps || !cms || !cfs || !slot))
        rc = irp_fail(IRP_ENOMEM, "out of memory");
    for (size_t c = 0; !rc && c < n; c++)
        same[c] = c && !fac[c] && !fac[c - 1] &&
                  !memcmp(ts[c]->data, ts[c - 1]->data, dx * m.t->cols * sizeof(double));
    size_t nm = 0, nf = 0;
    for (int f = 1; cos_only && !rc && f >= 0; f--) {
        for (size_t c = 0; c < n; c++)
            if (!same[c] && fac[c] == f) {
                slot[c] = nm;
                ins[nm] = f ? s->ru[i] : s->xp[i];
                maps[nm++] = ts[c];
            }
        if (f)
            nf = nm;
    }
    irp_options o64 = s->opts;
    o64.single = 0;
    if (!rc && cos_only && nf)
        rc = irp_translate_cosines_many(cms, cfs, maps, ins, nf, s->sp[j], &o64, x.test[j],
                                        x.test_norms[j], PAIRS_FLOOR_SEED);
    if (!rc && cos_only && nm > nf)
        rc = irp_translate_cosines_many(cms + nf, cfs + nf, maps + nf, ins + nf, nm - nf,
                                        s->sp[j], &s->opts, x.test[j], x.test_norms[j],
                                        PAIRS_FLOOR_SEED);
    acct_stop(a, ST_APPLY, &mk);
    r.irp_cosines_only = cos_only;
    r.y[PM_IRP] = cos_only ? NULL : m.y;
    for (size_t c = 0; !rc && c < n; c++) {
        rows_select_cell(&x, gr, c);
        const irp_mat *in = fac[c] ? s->ru[i] : s->xp[i];
        mk = acct_mark(a);
        if (cos_only && !same[c]) {
            r.irp_mean_cosine = cms[slot[c]];
            r.irp_cosine_floor = cfs[slot[c]];
        } else if (!cos_only && fac[c])
            rc = irp_translate_apply_factored(m.y, ts[c], in, s->sp[j], &s->opts);
        else if (!cos_only && !same[c])
            rc = irp_translate_apply_prepared(m.y, ts[c], s->sp[j], in, &s->opts);
        if (!cos_only) /* an apply was done (cosines alone: all in the pass above) */
            acct_stop(a, ST_APPLY, &mk);
        r.fit = &info[c];
        r.opts = &x.cl->opts;
        mk = acct_mark(a);
        if (!rc)
            rc = s->scoring->score(&x, s->scoring->ctx, &r);
        acct_stop(a, ST_SCORE, &mk);
    }
    free(same);
    free(slot);
    free(ins);
    free(maps);
    free(cms);
    free(cfs);
    rc = pair_finish(&x, i, j, rc);
    for (size_t c = 0; ts && c < n; c++)
        irp_mat_free(ts[c]);
    free(ts);
    free(tsel);
    free(info);
    free(isel);
    free(fac);
    free(sel);
    free(om);
    pair_mats_free(&m);
    return rc;
}

void pairs_modality_rows(run_ctx *x, const cell_group *gr)
{
    if (x->buf || !SLICE_HAS_CELL_ROWS(x)) /* written at once: the metric names are not kept */
        return;
    const dump *d = x->d;
    int mixed = 0;
    for (size_t i = 0; i < d->num_spaces; i++) {
        if (!plain_modality(d->spaces[i].modality)) /* util.c */
            return;
        mixed |= strcmp(d->spaces[i].modality, d->spaces[0].modality) != 0;
    }
    for (size_t c = 0; mixed && c < gr->n; c++) {
        rows_select_cell(x, gr, c);
        for (size_t i = 0; i < d->num_spaces; i++) {
            char metric[48];
            snprintf(metric, sizeof metric, MT_MODALITY_PREFIX "%s", d->spaces[i].modality);
            row(x, d->spaces[i].name, d->spaces[i].name, M_SPACE, metric, 1);
        }
    }
}

/* Sorts order[0..n) (spaces, or pairs pi[p] → pj[p]) by dimension, or the
 * product of the two, the largest first; ties keep their order. */
static void widest_first(size_t *order, size_t n, const dump *d, const size_t *pi,
                         const size_t *pj)
{
    for (size_t a = 1; a < n; a++) { /* insertion sort: stable, and n is small */
        size_t v = order[a], b = a;
        double w = pi ? (double)d->spaces[pi[v]].dim * (double)d->spaces[pj[v]].dim
                      : (double)d->spaces[v].dim;
        for (; b > 0; b--) {
            size_t u = order[b - 1];
            double wu = pi ? (double)d->spaces[pi[u]].dim * (double)d->spaces[pj[u]].dim
                           : (double)d->spaces[u].dim;
            if (!(w > wu))
                break;
            order[b] = u;
        }
        order[b] = v;
    }
}

/* The group's spaces and pairs in one pool: task t < ns is space t's work,
 * t = ns + p is pair p, which first waits until its two spaces are done. A
 * worker that finishes the spaces goes on to the pairs whose spaces are ready
 * instead of waiting at a barrier for the slowest space. The pool takes every
 * space before any pair (and a lone worker runs them in index order), so the
 * space a pair waits for is being worked on: no task waits for one not yet
 * taken. A pair whose space failed fails too; the space's error, at the lower
 * index, is the one reported. */
static int group_task(void *arg, size_t t)
{
    shared *s = arg;
    if (t < s->ns) {
        int rc = space_task(s, t);
        pthread_mutex_lock(&s->lock);
        s->ready[t] = rc ? -1 : 1;
        pthread_cond_broadcast(&s->done);
        pthread_mutex_unlock(&s->lock);
        return rc;
    }
    size_t p = t - s->ns, i = s->pi[p], j = s->pj[p];
    pthread_mutex_lock(&s->lock);
    while (!s->ready[i] || !s->ready[j])
        pthread_cond_wait(&s->done, &s->lock);
    int ok = s->ready[i] > 0 && s->ready[j] > 0;
    pthread_mutex_unlock(&s->lock);
    return ok ? pair_task(s, p)
              : irp_fail(IRP_EDATA, "space %s or %s was not prepared", s->x->d->spaces[i].name,
                         s->x->d->spaces[j].name);
}

int pairs_run(run_ctx *x, const cell_group *gr, const pair_scoring *scoring)
{
    const dump *d = x->d;
    size_t ns = d->num_spaces, k = gr->cells[0].anchors, np = 0;
    shared s = {.x = x, .gr = gr, .scoring = scoring, .opts = gr->cells[0].opts,
                .autos = gr->cells[0].auto_delta || gr->cells[0].auto_omega};
    size_t *idx = malloc(k * sizeof *idx);
    s.idx = idx;
    s.omegas = malloc(gr->n * sizeof *s.omegas);
    s.raw = calloc(ns, sizeof *s.raw);
    s.sp = calloc(ns, sizeof *s.sp);
    s.sub = calloc(ns, sizeof *s.sub);
    s.xp = calloc(ns, sizeof *s.xp);
    s.xp_kept = calloc(ns, sizeof *s.xp_kept);
    if (!x->xpm) /* kept across groups: freed with the traces (pairs_traces_free) */
        x->xpm = calloc(ns, sizeof *x->xpm);
    s.un = calloc(ns, sizeof *s.un);
    s.ru = calloc(ns, sizeof *s.ru);
    s.pi = malloc(ns * ns * sizeof *s.pi);
    s.pj = malloc(ns * ns * sizeof *s.pj);
    s.out = calloc(ns * ns, sizeof *s.out);
    s.ns = ns;
    s.ready = calloc(ns ? ns : 1, sizeof *s.ready);
    pthread_mutex_init(&s.lock, NULL);
    pthread_cond_init(&s.done, NULL);
    if (x->acct) {
        s.sa = calloc(ns, sizeof *s.sa);
        s.pa = calloc(ns * ns, sizeof *s.pa);
    }
    int rc = (x->acct && (!s.sa || !s.pa)) || (!idx || !s.omegas || !s.raw || !s.sp || !s.sub || !s.xp || !s.xp_kept || !s.un || !s.ru ||
              !s.pi || !s.pj || !s.out || !s.ready)
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
    /* per-space work, once per group (anchors, prepared space, pruned subsets),
     * then the pairs, in one pool (group_task). The widest spaces and pairs
     * first (their work grows with the dimensions), so that no worker is left
     * alone with a long task at the end; the rows are written in pair order
     * all the same */
    size_t *order = malloc((ns + ns * ns + 1) * sizeof *order);
    if (!rc && !order)
        rc = irp_fail(IRP_ENOMEM, "out of memory");
    for (size_t i = 0; !rc && i < ns; i++)
        order[i] = i;
    if (!rc)
        widest_first(order, ns, d, NULL, NULL);
    for (size_t i = 0; !rc && i < ns; i++)
        for (size_t j = 0; j < ns; j++)
            if ((i != j || scoring->intra) && config_is_target(x->c, d->spaces[j].name) &&
                (x->slice == SLICE_ALL || x->slice == i)) {
                s.pi[np] = i;
                s.pj[np++] = j;
            }
    for (size_t p = 0; !rc && p < np; p++)
        order[ns + p] = p;
    if (!rc)
        widest_first(order + ns, np, d, s.pi, s.pj);
    for (size_t p = 0; !rc && p < np; p++)
        order[ns + p] += ns;
    if (!rc)
        rc = pool_for_order(ns + np, order, group_task, &s, x->threads);
    free(order);
    for (size_t p = 0; !rc && p < np; p++) /* rows in pair order, as a serial run writes them */
        rows_flush(x, gr, &s.out[p]);
    for (size_t i = 0; !rc && s.sa && i < ns; i++)
        acct_merge(x->acct, &s.sa[i]);
    for (size_t p = 0; !rc && s.pa && p < np; p++)
        acct_merge(x->acct, &s.pa[p]);
    free(s.sa);
    free(s.pa);
    for (size_t i = 0; i < ns; i++) {
        if (s.raw)
            irp_mat_free(s.raw[i]);
        if (s.sp)
            irp_space_free(s.sp[i]);
        if (s.sub)
            irp_subsets_free(s.sub[i]);
        if (s.xp && !(s.xp_kept && s.xp_kept[i]))
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
    free(s.xp_kept);
    free(s.un);
    free(s.ru);
    free(s.pi);
    free(s.pj);
    free(s.out);
    free(s.ready);
    pthread_cond_destroy(&s.done);
    pthread_mutex_destroy(&s.lock);
    return rc;
}
