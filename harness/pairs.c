/* The pair engine; see pairs.h. */
#include "pairs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"
#include "util.h"

void pairs_cosine_rows(run_ctx *x, size_t i, size_t j, const char *method, double mean,
                       double floor)
{
    const char *a = x->d->spaces[i].name, *b = x->d->spaces[j].name;
    row(x, a, b, method, "mean_cosine", mean);
    row(x, a, b, method, "cosine_floor", floor);
}

void pairs_interval_rows(run_ctx *x, size_t i, size_t j, const char *method, const char *metric,
                         const double *v)
{
    const config *c = x->c;
    if (!c->bootstrap || !x->n_test)
        return;
    const char *a = x->d->spaces[i].name, *b = x->d->spaces[j].name;
    /* keep[cell][0] tags what keep[cell] + 1 holds: 0 nothing yet, else the
     * first letter of the metric: IRP's first metric of the cell (accuracy
     * for stitch, mean_cosine for invert), the one Procrustes is paired with */
    double *kept = x->keep ? x->keep[x->cell_index] : NULL;
    const double *irp = kept && !strcmp(method, "procrustes") && kept[0] == (double)metric[0]
                            ? kept + 1
                            : NULL;
    /* row() keeps the metric's pointer: names are literals */
    static const char *const names[][6] = {
        {"accuracy", "accuracy_lo", "accuracy_hi", "accuracy_diff", "accuracy_diff_lo",
         "accuracy_diff_hi"},
        {"mean_cosine", "mean_cosine_lo", "mean_cosine_hi", "mean_cosine_diff",
         "mean_cosine_diff_lo", "mean_cosine_diff_hi"}};
    const char *const *nm = NULL;
    for (size_t q = 0; q < sizeof names / sizeof *names; q++)
        if (!strcmp(metric, names[q][0]))
            nm = names[q];
    if (!nm)
        return;
    double lo, hi, dlo = 0, dhi = 0;
    /* one pass: v's interval and, on the same resampled rows, that of
     * mean(v − irp), whose negation is IRP − Procrustes (exactly: the order
     * statistics at (1 ∓ level)/2 swap under negation) */
    if (irp_bootstrap_ci(&lo, &hi, v, irp, &dlo, &dhi, x->n_test, c->bootstrap,
                         c->bootstrap_level, PAIRS_BOOTSTRAP_SEED)) {
        x->buf_failed = 1;
        return;
    }
    row(x, a, b, method, nm[1], lo);
    row(x, a, b, method, nm[2], hi);
    if (kept && !kept[0] && !strcmp(method, "irp")) {
        kept[0] = (double)metric[0];
        memcpy(kept + 1, v, x->n_test * sizeof *v);
    }
    if (irp) {
        double mean = 0;
        for (size_t r = 0; r < x->n_test; r++)
            mean += irp[r] - v[r];
        row(x, a, b, "irp-procrustes", nm[3], mean / (double)x->n_test);
        row(x, a, b, "irp-procrustes", nm[4], -dhi);
        row(x, a, b, "irp-procrustes", nm[5], -dlo);
    }
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
    irp_union **un;   /* anchors the subsets of each space use */
    irp_mat **ru;     /* test rows' cosines to them (the factored path) */
    size_t *pi, *pj;  /* the pairs, in order */
    int autos;        /* δ or ω = auto: chosen per pair (pair_task_auto) */
    row_buf *out;       /* rows per pair */
} shared;

static int space_task(void *arg, size_t i)
{
    shared *s = arg;
    const run_ctx *x = s->x;
    const dump *d = x->d;
    const cell_group *gr = s->gr;
    size_t k = gr->cells[0].anchors, dx = d->spaces[i].dim, cols = 0;
    /* in a slice, the other spaces are targets only: their anchors are all they need */
    int target_only = x->slice != SLICE_ALL && x->slice != i;
    s->raw[i] = dump_rows(&d->spaces[i].train, s->idx, k);
    if (s->raw[i] && dump_check_nonzero(d, &d->spaces[i], "train", s->raw[i], s->idx))
        return IRP_EDATA;
    if (x->test[i] && dump_check_nonzero(d, &d->spaces[i], "test", x->test[i], NULL))
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
    s->sub[i] = s->sp[i] && !s->autos ? irp_subsets_for(s->sp[i], &s->opts) : NULL;
    s->xp[i] = s->sub[i] || (s->sp[i] && s->autos) ? irp_mat_new(x->n_test, dx) : NULL;
    if (!s->xp[i] || irp_space_prepare(s->xp[i], s->sp[i], x->test[i]))
        return irp_fail(IRP_EDATA, "space %s: %s", d->spaces[i].name, irp_last_error());
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

/* Bootstrap on: per cell of the group, room for IRP's per-row scores. */
static double **keep_new(const run_ctx *x, size_t cells)
{
    if (!x->c->bootstrap)
        return NULL;
    double **k = calloc(cells, sizeof *k);
    for (size_t c = 0; k && c < cells; c++)
        if (!(k[c] = calloc(x->n_test + 1, sizeof **k))) {
            while (c--)
                free(k[c]);
            free(k);
            return NULL;
        }
    return k;
}

static void keep_free(double **k, size_t cells)
{
    for (size_t c = 0; k && c < cells; c++)
        free(k[c]);
    free(k);
}

/* The Procrustes and affine references of pair (i, j): ω-independent,
 * computed once and written for every cell of the group. */
static int references(shared *s, run_ctx *x, size_t i, size_t j, irp_mat *t, irp_mat *y,
                      irp_mat *aff)
{
    const cell_group *gr = s->gr;
    int rc = irp_procrustes_fit(t, s->sp[i]->anchors, s->sp[j]->anchors);
    if (!rc)
        rc = irp_translate_apply_prepared(y, t, s->sp[j], s->xp[i], &s->opts);
    for (size_t c = 0; !rc && c < gr->n; c++) {
        rows_select_cell(x, gr, c);
        s->scoring->score(x, i, j, "procrustes", y);
    }
    if (!rc)
        rc = irp_affine_fit(aff, s->raw[i], s->raw[j], s->opts.rcond);
    if (!rc)
        rc = irp_affine_apply(y, aff, x->test[i]);
    for (size_t c = 0; !rc && c < gr->n; c++) {
        rows_select_cell(x, gr, c);
        s->scoring->score(x, i, j, "affine", y);
    }
    return rc;
}

/* The rows describing a fitted translator (anchors kept, rank, conditioning). */
static void fit_rows(run_ctx *x, const char *a, const char *b, const irp_fit_info *info,
                     const irp_options *o)
{
    row(x, a, b, "irp", "subset_size", info->mean_subset_size);
    row(x, a, b, "irp", "rank", info->mean_rank);
    row(x, a, b, "irp", "cond_mean", info->mean_cond);
    row(x, a, b, "irp", "cond_max", info->max_cond);
    row(x, a, b, "irp", "cond_kept_mean", info->mean_cond_kept);
    if (o->decoder == IRP_DECODER_RIDGE)
        row(x, a, b, "irp", "cond_effective_mean", info->mean_cond_effective);
}

/* The end of a pair's task: the references, then one error naming the pair. */
static int pair_finish(shared *s, run_ctx *x, size_t i, size_t j, irp_mat *t, irp_mat *y,
                       irp_mat *aff, int rc)
{
    if (!rc && x->c->references)
        rc = references(s, x, i, j, t, y, aff);
    if (!rc && x->buf_failed)
        rc = irp_fail(IRP_ENOMEM, "out of memory buffering rows");
    if (rc)
        rc = irp_fail(rc, "%s -> %s: %s", x->d->spaces[i].name, x->d->spaces[j].name,
                      irp_last_error());
    return rc;
}

/* δ and/or ω = auto: per cell, the pair's own choice from the config's grids
 * by the held-out-anchor score (irp_auto_select, no labels), then the usual
 * translation with it on all k anchors, and rows saying what was chosen. */
static int pair_task_auto(shared *s, size_t p)
{
    run_ctx x = *s->x;
    x.buf = &s->out[p];
    const config *c = x.c;
    const cell_group *gr = s->gr;
    size_t i = s->pi[p], j = s->pj[p];
    size_t dx = x.d->spaces[i].dim, dy = x.d->spaces[j].dim;
    const char *a = x.d->spaces[i].name, *b = x.d->spaces[j].name;
    irp_mat *t = irp_mat_new(dx, dy), *y = irp_mat_new(x.n_test, dy);
    irp_mat *aff = irp_mat_new(dx + 1, dy);
    x.keep = keep_new(&x, gr->n);
    int rc = (!t || !y || !aff || (c->bootstrap && !x.keep)) ? irp_fail(IRP_ENOMEM, "out of memory")
                                                            : IRP_OK;
    for (size_t q = 0; !rc && q < gr->n; q++) {
        const cell *cl = &gr->cells[q];
        rows_select_cell(&x, gr, q);
        irp_options o = cl->opts;
        double one_delta = o.delta;
        size_t one_omega = o.num_subspaces;
        irp_auto_choice ch;
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
            rc = irp_translator_fit(t, s->sp[i], s->sp[j], sub, &o, &info);
        irp_subsets_free(sub);
        double cm = 0, cf = 0;
        if (!rc && s->scoring->cosines_only) {
            rc = irp_translate_cosines(&cm, &cf, t, s->xp[i], s->sp[j], &o, x.test[j],
                                       x.test_norms[j], PAIRS_FLOOR_SEED);
            if (!rc)
                pairs_cosine_rows(&x, i, j, "irp", cm, cf);
        } else if (!rc) {
            rc = irp_translate_apply_prepared(y, t, s->sp[j], s->xp[i], &o);
            if (!rc)
                s->scoring->score(&x, i, j, "irp", y);
        }
        if (rc)
            break;
        fit_rows(&x, a, b, &info, &o);
        if (cl->auto_delta)
            row(&x, a, b, "irp", "auto_delta", ch.delta);
        if (cl->auto_omega)
            row(&x, a, b, "irp", "auto_omega", (double)ch.omega);
        row(&x, a, b, "irp", "auto_score", ch.score);
        if (i != j && dx == dy)
            s->scoring->score(&x, i, j, "absolute", x.test[i]);
    }
    rc = pair_finish(s, &x, i, j, t, y, aff, rc);
    keep_free(x.keep, gr->n);
    irp_mat_free(t);
    irp_mat_free(y);
    irp_mat_free(aff);
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
    size_t dx = d->spaces[i].dim, dy = d->spaces[j].dim;
    const char *a = d->spaces[i].name, *b = d->spaces[j].name;
    irp_mat **ts = calloc(n, sizeof *ts), **tsel = calloc(n, sizeof *tsel);
    irp_fit_info *info = calloc(n, sizeof *info), *isel = calloc(n, sizeof *isel);
    int *fac = calloc(n, sizeof *fac);
    size_t *sel = malloc(n * sizeof *sel), *om = malloc(n * sizeof *om);
    irp_mat *t = irp_mat_new(dx, dy), *y = irp_mat_new(x.n_test, dy);
    irp_mat *aff = irp_mat_new(dx + 1, dy);
    x.keep = keep_new(&x, n);
    int rc = (!ts || !tsel || !info || !isel || !fac || !sel || !om || !t || !y || !aff ||
              (x.c->bootstrap && !x.keep))
                 ? irp_fail(IRP_ENOMEM, "out of memory")
                 : IRP_OK;
    for (size_t c = 0; !rc && c < n; c++) {
        size_t u = s->un[i]->prefix[s->omegas[c] - 1];
        /* float32 applies dense translators only (a factored M cancels: see
         * irp_translate_apply_factored); factored in float64 still wins below dx / 2 */
        fac[c] = s->ru[i] && u <= s->ru[i]->cols && (!s->opts.single || 2 * u <= dx);
        if (!(ts[c] = irp_mat_new(fac[c] ? u : dx, dy)))
            rc = irp_fail(IRP_ENOMEM, "out of memory");
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
    int cos_only = s->scoring->cosines_only;
    double cm = 0, cf = 0;
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
                  !memcmp(ts[c]->data, ts[c - 1]->data, dx * dy * sizeof(double));
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
    for (size_t c = 0; !rc && c < n; c++) {
        rows_select_cell(&x, gr, c);
        const irp_mat *in = fac[c] ? s->ru[i] : s->xp[i];
        if (cos_only && !same[c]) {
            cm = cms[slot[c]];
            cf = cfs[slot[c]];
        } else if (!cos_only && fac[c])
            rc = irp_translate_apply_factored(y, ts[c], in, s->sp[j], &s->opts);
        else if (!cos_only && !same[c])
            rc = irp_translate_apply_prepared(y, ts[c], s->sp[j], in, &s->opts);
        if (rc)
            break;
        if (cos_only)
            pairs_cosine_rows(&x, i, j, "irp", cm, cf);
        else
            s->scoring->score(&x, i, j, "irp", y);
        fit_rows(&x, a, b, &info[c], &x.cl->opts);
        if (i != j && dx == dy)
            s->scoring->score(&x, i, j, "absolute", x.test[i]);
    }
    free(same);
    free(slot);
    free(ins);
    free(maps);
    free(cms);
    free(cfs);
    rc = pair_finish(s, &x, i, j, t, y, aff, rc);
    for (size_t c = 0; ts && c < n; c++)
        irp_mat_free(ts[c]);
    free(ts);
    free(tsel);
    free(info);
    free(isel);
    free(fac);
    free(sel);
    free(om);
    keep_free(x.keep, n);
    irp_mat_free(t);
    irp_mat_free(y);
    irp_mat_free(aff);
    return rc;
}

/* When the loaded spaces mix modalities (two or more distinct plain-word
 * modality attributes, every space having one), each cell gets one row per
 * space: encoder = decoder = the space, method "space", metric
 * "modality:<m>", value 1. The cross-domain finding reads them; a dump of one
 * modality gets none, so its tables are as before. */
static void modality_rows(run_ctx *x, const cell_group *gr)
{
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
            snprintf(metric, sizeof metric, "modality:%s", d->spaces[i].modality);
            row(x, d->spaces[i].name, d->spaces[i].name, "space", metric, 1);
        }
    }
}

int pairs_run(run_ctx *x, const cell_group *gr, const pair_scoring *scoring)
{
    if (!x->buf && SLICE_HAS_CELL_ROWS(x)) /* rows written at once: the metric names are not kept */
        modality_rows(x, gr);
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
        rc = pool_for(ns, space_task, &s, x->threads);
    for (size_t i = 0; !rc && i < ns; i++)
        for (size_t j = 0; j < ns; j++)
            if ((i != j || scoring->intra) && config_is_target(x->c, d->spaces[j].name) &&
                (x->slice == SLICE_ALL || x->slice == i)) {
                s.pi[np] = i;
                s.pj[np++] = j;
            }
    if (!rc)
        rc = pool_for(np, pair_task, &s, x->threads);
    for (size_t p = 0; !rc && p < np; p++) /* rows in pair order, as a serial run writes them */
        rows_flush(x, gr, &s.out[p]);
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
