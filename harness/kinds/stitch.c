/* stitch.c — the stitch kind: translate every ordered pair into the
 * target's space and score it with the target's classification head (the
 * paper's zero-shot stitching), beside each encoder on its own head. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinds/kinds.h"
#include "plumbing/gnuplot.h"
#include "driver/pairs.h"

static double row_mean(const double *v, size_t n)
{
    double sum = 0;
    for (size_t r = 0; r < n; r++)
        sum += v[r];
    return sum / (double)n;
}

/* The rows of one method: the decoder's head accuracy and the mean cosine;
 * with bootstrap, their intervals (correct receives the per-row
 * correctness, cos scratch room; with paired_irp, IRP's per-row
 * correctness, the method's accuracy is also compared with IRP's). */
static int method_rows(run_ctx *x, const pair_result *r, const char *method, const irp_mat *y,
                       double *correct, double *cos, const double *paired_irp)
{
    const dump_space *dst = &x->d->spaces[r->dst];
    const dump_head *h = dump_find_head(dst, x->cl->head);
    const char *a = x->d->spaces[r->src].name;
    size_t j = r->dst;
    double v;
    int rc;
    if (!x->c->bootstrap) {
        if ((rc = irp_head_accuracy(&v, &h->head, y, x->d->test_labels)))
            return rc;
        row(x, a, dst->name, method, MT_ACCURACY, v);
        if ((rc = irp_cosines(&v, NULL, y, x->test[j], x->test_norms[j], 0)))
            return rc;
        row(x, a, dst->name, method, MT_MEAN_COSINE, v);
        return IRP_OK;
    }
    /* intervals: the per-row scores, whose mean in row order is the same value
     * to the bit (a count of 0/1, and the cosines summed as irp_cosines sums them) */
    if ((rc = irp_head_correct(correct, &h->head, y, x->d->test_labels)))
        return rc;
    row(x, a, dst->name, method, MT_ACCURACY, row_mean(correct, x->n_test));
    if ((rc = pairs_interval_rows(x, r, method, MT_ACCURACY, correct, paired_irp)))
        return rc;
    if ((rc = irp_row_cosines(cos, y, x->test[j], x->test_norms[j])))
        return rc;
    row(x, a, dst->name, method, MT_MEAN_COSINE, row_mean(cos, x->n_test));
    return pairs_interval_rows(x, r, method, MT_MEAN_COSINE, cos, NULL);
}

/* Room for the per-row scores of two methods (bootstrap). */
typedef struct scratch {
    double *irp_correct, *correct, *cos;
} scratch;

static int scratch_new(scratch *s, const run_ctx *x)
{
    size_t n = x->n_test ? x->n_test : 1;
    *s = (scratch){0};
    if (!x->c->bootstrap)
        return IRP_OK;
    s->irp_correct = malloc(n * sizeof(double));
    s->correct = malloc(n * sizeof(double));
    s->cos = malloc(n * sizeof(double));
    return s->irp_correct && s->correct && s->cos ? IRP_OK
                                                  : irp_fail(IRP_ENOMEM, "out of memory");
}

static void scratch_free(scratch *s)
{
    free(s->irp_correct);
    free(s->correct);
    free(s->cos);
}

/* One (pair, cell): IRP, its translator's diagnostics, the absolute
 * baseline, then the references (Procrustes' accuracy paired with IRP's). */
static int score(run_ctx *x, void *ctx, const pair_result *r)
{
    (void)ctx;
    scratch b;
    int rc = scratch_new(&b, x);
    if (!rc)
        rc = method_rows(x, r, M_IRP, r->y[PM_IRP], b.irp_correct, b.cos, NULL);
    if (!rc)
        pairs_fit_rows(x, r);
    if (!rc && r->y[PM_ABSOLUTE])
        rc = method_rows(x, r, M_ABSOLUTE, r->y[PM_ABSOLUTE], b.correct, b.cos, NULL);
    if (!rc && r->y[PM_PROCRUSTES])
        rc = method_rows(x, r, M_PROCRUSTES, r->y[PM_PROCRUSTES], b.correct, b.cos,
                         b.irp_correct);
    if (!rc && r->y[PM_AFFINE])
        rc = method_rows(x, r, M_AFFINE, r->y[PM_AFFINE], b.correct, b.cos, NULL);
    scratch_free(&b);
    return rc;
}

/* Per target space of each cell: the oracle (its own rows into its own
 * head) and its sign regime (the non-negative-feature finding). */
static int cell_rows(run_ctx *x, const cell_group *g)
{
    scratch b;
    int rc = scratch_new(&b, x);
    for (size_t c = 0; !rc && SLICE_HAS_CELL_ROWS(x) && c < g->n; c++) {
        rows_select_cell(x, g, c);
        for (size_t j = 0; !rc && j < x->d->num_spaces; j++) {
            const char *name = x->d->spaces[j].name;
            if (!config_is_target(x->c, name))
                continue;
            pair_result own = {.src = j, .dst = j};
            double v;
            if ((rc = method_rows(x, &own, M_NON_STITCH, x->test[j], b.correct, b.cos, NULL)) ||
                (rc = irp_negative_fraction(&v, x->test[j])))
                break;
            row(x, name, name, M_NON_STITCH, MT_NEGATIVE_FRACTION, v);
            if ((rc = irp_mean_share(&v, x->test[j])))
                break;
            row(x, name, name, M_NON_STITCH, MT_MEAN_SHARE, v);
        }
    }
    scratch_free(&b);
    return rc;
}

int stitch_run(run_ctx *x, const cell_group *g)
{
    int rc = cell_rows(x, g);
    if (rc)
        return rc;
    pairs_modality_rows(x, g);
    pair_scoring s = {score, NULL, 0, 0};
    return pairs_run(x, g, &s);
}

/* Stitching: encoder x decoder accuracy matrix (IRP off the diagonal, the
 * non-stitched oracle on it), one panel per variant, averaged over the rest. */
static int matrix(const csv_table *t, const config *c, const char *dir)
{
    const char *g[] = {"encoder", "decoder"};
    variants v;
    gp_variants(&v, c, 0);
    agg_filter f[] = {{"metric", MT_ACCURACY}, {"method", "!" M_ABSOLUTE}, {"method", "!" M_PROCRUSTES},
                      {"method", "!" M_AFFINE}};
    FILE *dat = gp_open_dat(dir, c->name);
    if (!dat)
        return IRP_EDATA;
    names enc;
    int rc = IRP_OK;
    gp_range range = GP_RANGE_EMPTY;
    for (size_t i = 0; !rc && i < v.n; i++) {
        agg acc;
        if ((rc = gp_build_variant(&acc, t, f, 4, &v, i, g, 2)))
            break;
        gp_distinct(&enc, &acc, 0);
        fprintf(dat, "# variant %s: i_decoder i_encoder accuracy (diagonal: non-stitch)\n",
                v.label[i][0] ? v.label[i] : "(all)");
        for (size_t a = 0; a < enc.n; a++) {
            for (size_t b = 0; b < enc.n; b++) {
                const char *k[] = {enc.v[a], enc.v[b]};
                const agg_group *x = agg_find(&acc, k);
                double val = x ? agg_mean(x) : NAN;
                gp_range_add(&range, val);
                fprintf(dat, "%zu %zu %.6f\n", b, a, val);
            }
            fprintf(dat, "\n");
        }
        fprintf(dat, "\n");
        agg_free(&acc);
    }
    gp_close_dat(dat);
    if (rc)
        return rc;
    size_t cols = v.n < 4 ? v.n : 4, rows = (v.n + cols - 1) / cols;
    char size_png[32], size_pdf[32];
    snprintf(size_png, sizeof size_png, "%zu,%zu", 120 + 600 * cols, 80 + 560 * rows);
    snprintf(size_pdf, sizeof size_pdf, "%.1fin,%.1fin", 0.5 + 4.2 * (double)cols,
             0.5 + 3.9 * (double)rows);
    FILE *gp = gp_open(dir, c->name, size_png, size_pdf);
    if (!gp)
        return IRP_EDATA;
    fprintf(gp, "set multiplot layout %zu,%zu title \"%s: zero-shot stitching accuracy (IRP); "
                "diagonal = own head\"\n",
            rows, cols, c->name);
    gp_heatmap_axes(gp, &enc, &enc, "decoder (head)", "encoder", "set xtics rotate by -30\n",
                    range);
    for (size_t i = 0; i < v.n; i++)
        gp_heatmap_panel(gp, gpq(v.label[i]), gp_dat(dir, c->name), i, "3", range);
    return gp_render(gp, dir, c->name);
}

int stitch_figure(const config *c, const csv_table *t, const char *plots, const char *results)
{
    (void)results;
    return c->num_values[SK_ANCHORS] > 2 ? gp_anchor_curve(t, c, plots, 0) : matrix(t, c, plots);
}

/* The paper's stitching number, or a dash when the paper-numbers file lacks it. */
static const char *pv(const report *r, const char *ds, const char *col)
{
    const char *v = md_paper(r, "stitching", ds, col);
    return v ? v : "—";
}

/* delta = auto beside what fixed δ gives in the same config: for every auto
 * cell, the cells that differ from it only in a numeric δ; the best of them
 * by mean accuracy (one δ for every pair, chosen with labels: an oracle), the
 * per-pair oracle (each pair its best fixed δ), and the paper's δ. */
static void auto_table(const report *r, const report_entry *l, const char *paper_delta)
{
    const config *c = l->c;
    FILE *o = r->out;
    int shown = 0;
    agg pairs;
    const char *pg[] = {"encoder", "decoder"};
    agg_filter pf[] = {{"method", M_IRP}, {"metric", MT_ACCURACY}};
    if (agg_build(&pairs, l->t, pf, 2, pg, 2))
        return;
    for (size_t i = 0; i < config_num_cells(c); i++) {
        cell a;
        config_cell(&a, c, i);
        if (!a.auto_delta)
            continue;
        if (!shown++) {
            fprintf(o, "\n**δ chosen without labels** (`delta = auto`: per ordered pair, the δ "
                       "of {");
            for (size_t k = 0; k < c->num_auto_deltas; k++)
                fprintf(o, "%s%g", k ? ", " : "", c->auto_deltas[k]);
            fprintf(o, "} whose translation of %.0f%% held-out anchors best matches the "
                       "receiver's own embeddings of them; then fitted on all anchors). Beside "
                       "it, from the same config's fixed-δ cells: the best single δ for all "
                       "pairs and each pair's best δ, both chosen with the test labels (oracles, "
                       "not zero-shot), and the paper's δ. Gap closed = (auto − paper's δ) / "
                       "(best fixed − paper's δ).\n\n"
                       "| ω | center | Auto: zero-shot | chosen δ: mean (min–max) | held-out "
                       "cosine | Best fixed δ (oracle) | Per-pair oracle | Paper's δ | Gap "
                       "closed | Auto − paper's δ, paired over pairs: mean [95%% interval], "
                       "wins |\n",
                    100 * c->auto_holdout);
            md_dashes(o, 10);
        }
        agg_group za, dl, sc;
        md_cell_stat(&za, l->t, &a, M_IRP, MT_ACCURACY, PAIRS_INTER);
        md_cell_stat(&dl, l->t, &a, M_IRP, MT_AUTO_DELTA, PAIRS_INTER);
        md_cell_stat(&sc, l->t, &a, M_IRP, MT_AUTO_SCORE, PAIRS_INTER);
        double best = NAN, paper = NAN, oracle = 0;
        cell paper_cell;
        const char *best_at = "";
        size_t n_or = 0;
        for (size_t d = 0; d < c->num_values[SK_DELTA]; d++) {
            const char *dv = c->values[SK_DELTA][d];
            if (!strcmp(dv, "auto"))
                continue;
            int keys[SK_COUNT];
            const char *vals[SK_COUNT];
            size_t nk = 0;
            for (int k = 0; k < SK_COUNT; k++) {
                keys[nk] = k;
                vals[nk++] = k == SK_DELTA ? dv : a.text[k];
            }
            cell f;
            agg_group g;
            if (!md_cell_where(&f, c, keys, vals, nk))
                continue;
            md_cell_stat(&g, l->t, &f, M_IRP, MT_ACCURACY, PAIRS_INTER);
            if (g.n && (isnan(best) || agg_mean(&g) > best)) {
                best = agg_mean(&g);
                best_at = dv;
            }
            if (g.n && paper_delta && atof(dv) == atof(paper_delta)) {
                paper = agg_mean(&g);
                paper_cell = f;
            }
        }
        /* each pair's best fixed δ: every cell's accuracies grouped by pair once */
        size_t nd = c->num_values[SK_DELTA];
        agg *by = calloc(nd + 1, sizeof *by); /* [nd]: the auto cell */
        int *have = calloc(nd + 1, sizeof *have);
        for (size_t d = 0; by && have && d <= nd; d++) {
            cell f = a;
            if (d < nd) {
                if (!strcmp(c->values[SK_DELTA][d], "auto"))
                    continue;
                int keys[SK_COUNT];
                const char *vals[SK_COUNT];
                for (int k = 0; k < SK_COUNT; k++) {
                    keys[k] = k;
                    vals[k] = k == SK_DELTA ? c->values[SK_DELTA][d] : a.text[k];
                }
                if (!md_cell_where(&f, c, keys, vals, SK_COUNT))
                    continue;
            }
            have[d] = !md_cell_pairs(&by[d], l->t, &f, M_IRP, MT_ACCURACY);
        }
        for (size_t p = 0; by && have && have[nd] && p < pairs.num_groups; p++) {
            const char *e = pairs.groups[p].key[0], *dd = pairs.groups[p].key[1];
            if (!strcmp(e, dd) || isnan(md_pair_at(&by[nd], e, dd)))
                continue;
            double pb = NAN;
            for (size_t d = 0; d < nd; d++) {
                double v = have[d] ? md_pair_at(&by[d], e, dd) : NAN;
                if (!isnan(v) && (isnan(pb) || v > pb))
                    pb = v;
            }
            if (!isnan(pb)) {
                oracle += pb;
                n_or++;
            }
        }
        for (size_t d = 0; by && have && d <= nd; d++)
            if (have[d])
                agg_free(&by[d]);
        free(by);
        free(have);
        fprintf(o, "| %s | %s |", a.text[SK_OMEGA], a.text[SK_CENTER]);
        md_pm(o, &za);
        if (dl.n)
            fprintf(o, " %.3g (%g–%g) |", agg_mean(&dl), dl.min, dl.max);
        else
            fprintf(o, " — |");
        md_num(o, sc.n ? agg_mean(&sc) : NAN);
        if (isnan(best))
            fprintf(o, " — |");
        else
            fprintf(o, " %.3f (δ = %s) |", best, best_at);
        md_num(o, n_or ? oracle / (double)n_or : NAN);
        md_num(o, paper);
        double gap = (agg_mean(&za) - paper) / (best - paper);
        if (za.n && !isnan(paper) && !isnan(best) && best > paper)
            fprintf(o, " %.0f%% |", 100 * gap);
        else
            fprintf(o, " — |");
        md_paired pd = {0};
        if (!isnan(paper))
            md_paired_pairs(&pd, l->t, &a, &paper_cell, M_IRP, MT_ACCURACY);
        md_paired_print(o, &pd);
        fprintf(o, " |\n");
    }
    agg_free(&pairs);
}

/* Adds name to names[*n] unless it is there (at most cap). */
static void add_name(const char **list, size_t *n, size_t cap, const char *name)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp(list[i], name))
            return;
    if (*n < cap)
        list[(*n)++] = name;
}

/* Enough cells for a per-pair table each; more would bury the section. */
enum { PER_PAIR_MAX_CELLS = 4, PER_PAIR_MAX_SPACES = 64 };

/* Each cell's zero-shot accuracy per ordered pair: encoder (row) through the
 * head of each space (column), the diagonal each encoder with its own head
 * (non-stitch, in italics), "—" where the config computed no such pair. */
static void per_pair_tables(FILE *o, const report_entry *l, const int *keys, size_t nk)
{
    const config *c = l->c;
    size_t ncells = config_num_cells(c);
    if (ncells > PER_PAIR_MAX_CELLS) {
        fprintf(o, "\n*Per pair: each ordered pair's accuracy is in `%s.csv` (the report draws "
                   "per-pair tables for configs of at most %d cells; this one has %zu).*\n",
                c->name, PER_PAIR_MAX_CELLS, ncells);
        return;
    }
    for (size_t i = 0; i < ncells; i++) {
        cell cl;
        config_cell(&cl, c, i);
        agg zs, own;
        if (md_cell_pairs(&zs, l->t, &cl, M_IRP, MT_ACCURACY))
            continue;
        if (md_cell_pairs(&own, l->t, &cl, M_NON_STITCH, MT_ACCURACY)) {
            agg_free(&zs);
            continue;
        }
        const char *rows[PER_PAIR_MAX_SPACES], *cols[PER_PAIR_MAX_SPACES];
        size_t nr = 0, nc = 0;
        for (size_t g = 0; g < own.num_groups; g++) {
            add_name(rows, &nr, PER_PAIR_MAX_SPACES, own.groups[g].key[0]);
            add_name(cols, &nc, PER_PAIR_MAX_SPACES, own.groups[g].key[1]);
        }
        for (size_t g = 0; g < zs.num_groups; g++) {
            add_name(rows, &nr, PER_PAIR_MAX_SPACES, zs.groups[g].key[0]);
            add_name(cols, &nc, PER_PAIR_MAX_SPACES, zs.groups[g].key[1]);
        }
        if (nr && nc) {
            fprintf(o, "\n**Per pair (");
            for (size_t k = 0; k < nk; k++)
                fprintf(o, "%s%s = %s", k ? ", " : "", sweep_key_name(keys[k]),
                        md_esc(cl.text[keys[k]]));
            fprintf(o, "):** zero-shot accuracy of each encoder (row) through each space's "
                       "head (column); the diagonal, in italics, is the encoder with its own "
                       "head.\n\n| encoder \\ head |");
            for (size_t j = 0; j < nc; j++)
                fprintf(o, " %s |", md_esc(cols[j]));
            fputc('\n', o);
            md_dashes(o, nc + 1);
            for (size_t e = 0; e < nr; e++) {
                fprintf(o, "| %s |", md_esc(rows[e]));
                for (size_t j = 0; j < nc; j++) {
                    int diag = !strcmp(rows[e], cols[j]);
                    double v = md_pair_at(diag ? &own : &zs, rows[e], cols[j]);
                    if (isnan(v))
                        fprintf(o, " — |");
                    else
                        fprintf(o, diag ? " *%.3f* |" : " %.3f |", v);
                }
                fputc('\n', o);
            }
        }
        agg_free(&zs);
        agg_free(&own);
    }
}

void stitch_report(const report *r, const report_entry *l)
{
    const config *c = l->c;
    FILE *o = r->out;
    int keys[SK_COUNT];
    size_t nk;
    fprintf(o, "\nMean ± sample standard deviation (n − 1) over ordered (encoder, head) pairs "
               "of test accuracy. Zero-shot = "
               "IRP; Absolute = raw source embeddings into the target head (only equal "
               "dimensions); Non-stitch = each encoder with its own head; Procrustes / Affine = "
               "references fitted on both spaces' anchors at once (not zero-shot). Cond (when the "
               "config varies the inverse): condition number of the target's normalised anchor "
               "subsets over all singular values, over those the pseudo-inverse keeps, and of "
               "what is inverted (ridge: √((s_max² + λ)/(s_min² + λ))), means over pairs. "
               "The ± is that spread over pairs, not an interval; with `bootstrap` set, each "
               "pair's percentile interval over test rows is in the table, their bounds "
               "averaged here, and IRP vs Procrustes counts the pairs whose paired interval "
               "(same resampled rows) lies above 0, contains it, or lies below.\n\n|");
    md_swept_header(o, c, keys, &nk);
    /* a config that varies the inverse also shows what it inverts */
    int conds = c->num_values[SK_RCOND] > 1 || c->num_values[SK_LAMBDA] > 1;
    int boot = c->bootstrap > 0, vs = boot && c->references;
    fprintf(o, " Zero-shot | Absolute | Non-stitch | Available (IRP / Absolute) |%s%s",
            c->references ? " Procrustes | Affine |" : "",
            conds ? " Cond: all / kept / inverted |" : "");
    if (boot)
        fprintf(o, " Zero-shot %g%% interval, mean bounds |", 100 * c->bootstrap_level);
    if (vs)
        fprintf(o, " IRP vs Procrustes, paired: better / n.s. / worse |");
    fputc('\n', o);
    md_dashes(o, nk + 4 + (c->references ? 2 : 0) + conds + boot + vs);
    for (size_t i = 0; i < config_num_cells(c); i++) {
        cell cl;
        config_cell(&cl, c, i);
        agg_group irp, ab, ns, pr, af;
        md_cell_stat(&irp, l->t, &cl, M_IRP, MT_ACCURACY, PAIRS_INTER);
        md_cell_stat(&ab, l->t, &cl, M_ABSOLUTE, MT_ACCURACY, PAIRS_INTER);
        md_cell_stat(&ns, l->t, &cl, M_NON_STITCH, MT_ACCURACY, PAIRS_INTRA);
        fputc('|', o);
        md_swept_cells(o, &cl, keys, nk);
        md_pm(o, &irp);
        md_pm(o, &ab);
        md_pm(o, &ns);
        fprintf(o, " %zu / %zu |", irp.n, ab.n);
        if (c->references) {
            md_cell_stat(&pr, l->t, &cl, M_PROCRUSTES, MT_ACCURACY, PAIRS_INTER);
            md_cell_stat(&af, l->t, &cl, M_AFFINE, MT_ACCURACY, PAIRS_INTER);
            md_pm(o, &pr);
            md_pm(o, &af);
        }
        if (conds) { /* means over pairs of each pair's mean over its ω subsets */
            agg_group ca, ck, ce;
            md_cell_stat(&ca, l->t, &cl, M_IRP, MT_COND_MEAN, PAIRS_INTER);
            md_cell_stat(&ck, l->t, &cl, M_IRP, MT_COND_KEPT_MEAN, PAIRS_INTER);
            md_cell_stat(&ce, l->t, &cl, M_IRP, MT_COND_EFFECTIVE_MEAN, PAIRS_INTER);
            if (!ce.n)
                ce = ck; /* the pseudo-inverse inverts the kept spectrum */
            fprintf(o, " %.3g / %.3g / %.3g |", ca.n ? agg_mean(&ca) : NAN,
                    ck.n ? agg_mean(&ck) : NAN, ce.n ? agg_mean(&ce) : NAN);
        }
        if (boot) { /* each pair's interval over test rows; their bounds averaged */
            agg_group lo, hi;
            md_cell_stat(&lo, l->t, &cl, M_IRP, MT_ACCURACY MT_LO, PAIRS_INTER);
            md_cell_stat(&hi, l->t, &cl, M_IRP, MT_ACCURACY MT_HI, PAIRS_INTER);
            if (lo.n && hi.n)
                fprintf(o, " [%.3f, %.3f] |", agg_mean(&lo), agg_mean(&hi));
            else
                fprintf(o, " — |");
        }
        if (vs) { /* pairs whose paired interval of IRP − Procrustes excludes 0 */
            size_t better = 0, worse = 0, all = 0;
            agg pairs;
            const char *pg[] = {"encoder", "decoder"};
            agg_filter pf[] = {{"method", M_IRP_MINUS_PROCRUSTES}, {"metric", MT_ACCURACY MT_DIFF}};
            agg lo_p, hi_p;
            if (!agg_build(&pairs, l->t, pf, 2, pg, 2)) {
                int bad = md_cell_pairs(&lo_p, l->t, &cl, M_IRP_MINUS_PROCRUSTES, MT_ACCURACY MT_DIFF MT_LO);
                if (!bad && md_cell_pairs(&hi_p, l->t, &cl, M_IRP_MINUS_PROCRUSTES,
                                          MT_ACCURACY MT_DIFF MT_HI)) {
                    agg_free(&lo_p);
                    bad = 1;
                }
                for (size_t q = 0; !bad && q < pairs.num_groups; q++) {
                    const char *e = pairs.groups[q].key[0], *dd = pairs.groups[q].key[1];
                    double dlo = md_pair_at(&lo_p, e, dd), dhi = md_pair_at(&hi_p, e, dd);
                    if (!strcmp(e, dd) || isnan(dlo) || isnan(dhi))
                        continue;
                    all++;
                    better += dlo > 0;
                    worse += dhi < 0;
                }
                if (!bad) {
                    agg_free(&lo_p);
                    agg_free(&hi_p);
                }
                agg_free(&pairs);
            }
            fprintf(o, " %zu / %zu / %zu |", better, all - better - worse, worse);
        }
        fputc('\n', o);
    }
    const char *paper_delta = NULL;
    for (size_t p = 0; p < c->num_papers && !paper_delta; p++) {
        const char *colon = strchr(c->papers[p], ':');
        if (colon && !strncmp(c->papers[p], "stitching", (size_t)(colon - c->papers[p])))
            paper_delta = md_paper(r, "stitching", colon + 1, "delta");
    }
    auto_table(r, l, paper_delta);
    for (size_t p = 0; p < c->num_papers; p++) { /* [report] paper = stitching:<dataset> */
        const char *colon = strchr(c->papers[p], ':');
        if (!colon || strncmp(c->papers[p], "stitching", (size_t)(colon - c->papers[p])))
            continue;
        const char *ds = colon + 1, *zs = md_paper(r, "stitching", ds, "zero_shot_mean");
        if (!zs && r->paper) {
            fprintf(o, "\n*Paper: the paper-numbers file has no stitching row '%s'.*\n", ds);
            continue;
        }
        if (!zs)
            continue;
        fprintf(o,
                "\n**Paper (%s, ω = %s, δ = %s):** Zero-shot %s ± %s, Absolute %s ± %s, "
                "Non-stitch %s ± %s, Available %s (the paper's encoders are pretrained "
                "timm/HF models, not those of this dump).\n",
                ds, pv(r, ds, "omega"),
                pv(r, ds, "delta"), zs,
                pv(r, ds, "zero_shot_std"),
                pv(r, ds, "absolute_mean"),
                pv(r, ds, "absolute_std"),
                pv(r, ds, "non_stitch_mean"),
                pv(r, ds, "non_stitch_std"),
                pv(r, ds, "available_pairs"));
    }
    per_pair_tables(o, l, keys, nk);
}
