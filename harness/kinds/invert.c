/* invert.c — the invert kind: translate every ordered pair (and X → X)
 * and score the translation by its mean cosine to the true embedding, with a
 * floor (the cosine to a random other row), top-1 retrieval on request. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "kinds/kinds.h"
#include "plumbing/gnuplot.h"
#include "driver/pairs.h"

/* The rows of one method: mean cosine and floor; with bootstrap, the
 * interval of the mean cosine (per_row receives the per-row cosines; with
 * paired_irp, IRP's, the method is also compared with IRP row by row); with
 * retrieval, top-1. */
static int method_rows(run_ctx *x, const pair_result *r, const char *method, const irp_mat *y,
                       double *per_row, const double *paired_irp)
{
    const char *a = x->d->spaces[r->src].name, *b = x->d->spaces[r->dst].name;
    size_t j = r->dst;
    double v, f;
    int rc = irp_cosines(&v, &f, y, x->test[j], x->test_norms[j], PAIRS_FLOOR_SEED);
    if (rc)
        return rc;
    pairs_cosine_rows(x, r, method, v, f);
    if (x->c->bootstrap &&
        ((rc = irp_row_cosines(per_row, y, x->test[j], x->test_norms[j])) ||
         (rc = pairs_interval_rows(x, r, method, MT_MEAN_COSINE, per_row, paired_irp))))
        return rc;
    if (x->c->retrieval) {
        if ((rc = irp_top1_retrieval(&v, y, x->test[j])))
            return rc;
        row(x, a, b, method, MT_TOP1, v);
    }
    return IRP_OK;
}

/* One (pair, cell): IRP, its translator's diagnostics, the absolute
 * baseline, then the references (Procrustes paired with IRP). */
static int score(run_ctx *x, void *ctx, const pair_result *r)
{
    (void)ctx;
    int rc = IRP_OK;
    size_t n = x->n_test ? x->n_test : 1;
    double *irp_rows = x->c->bootstrap ? malloc(n * sizeof *irp_rows) : NULL;
    double *rows = x->c->bootstrap ? malloc(n * sizeof *rows) : NULL;
    if (x->c->bootstrap && (!irp_rows || !rows))
        rc = irp_fail(IRP_ENOMEM, "out of memory");
    if (!rc && r->irp_cosines_only)
        pairs_cosine_rows(x, r, M_IRP, r->irp_mean_cosine, r->irp_cosine_floor);
    else if (!rc)
        rc = method_rows(x, r, M_IRP, r->y[PM_IRP], irp_rows, NULL);
    if (!rc)
        pairs_fit_rows(x, r);
    if (!rc && r->y[PM_ABSOLUTE])
        rc = method_rows(x, r, M_ABSOLUTE, r->y[PM_ABSOLUTE], rows, NULL);
    if (!rc && r->y[PM_PROCRUSTES])
        rc = method_rows(x, r, M_PROCRUSTES, r->y[PM_PROCRUSTES], rows, irp_rows);
    if (!rc && r->y[PM_AFFINE])
        rc = method_rows(x, r, M_AFFINE, r->y[PM_AFFINE], rows, NULL);
    free(irp_rows);
    free(rows);
    return rc;
}

int invert_run(run_ctx *x, const cell_group *g)
{
    pairs_modality_rows(x, g);
    /* per-row cosines (retrieval, intervals) need the translation itself */
    pair_scoring s = {score, NULL, !x->c->retrieval && !x->c->bootstrap, x->c->intra};
    return pairs_run(x, g, &s);
}

static int heatmap(const csv_table *t, const config *c, const char *dir)
{
    const char *g[] = {"omega", "delta"};
    variants v;
    gp_variants(&v, c, (1u << SK_OMEGA) | (1u << SK_DELTA));
    FILE *dat = gp_open_dat(dir, c->name);
    if (!dat)
        return IRP_EDATA;
    agg_filter fi[] = {{"method", M_IRP}, {"metric", MT_MEAN_COSINE}, {"encoder", "!=decoder"}};
    agg_filter fa[] = {{"method", M_IRP}, {"metric", MT_MEAN_COSINE}, {"encoder", "=decoder"}};
    names om, de;
    int rc = IRP_OK;
    gp_range range = GP_RANGE_EMPTY;
    for (size_t i = 0; !rc && i < v.n; i++) {
        agg inter, intra;
        rc = gp_build_variant(&inter, t, fi, 3, &v, i, g, 2);
        if (!rc && (rc = gp_build_variant(&intra, t, fa, 3, &v, i, g, 2)))
            agg_free(&inter);
        if (rc)
            break;
        gp_distinct(&om, &inter, 0);
        gp_distinct(&de, &inter, 1);
        fprintf(dat, "# variant %s: i_delta i_omega inter_mean_cosine intra_mean_cosine\n",
                v.label[i][0] ? v.label[i] : "(all)");
        for (size_t a = 0; a < om.n; a++) {
            for (size_t b = 0; b < de.n; b++) {
                const char *k[] = {om.v[a], de.v[b]};
                const agg_group *x = agg_find(&inter, k), *y = agg_find(&intra, k);
                double vx = x ? agg_mean(x) : NAN, vy = y ? agg_mean(y) : NAN;
                gp_range_add(&range, vx);
                gp_range_add(&range, vy);
                fprintf(dat, "%zu %zu %.6f %.6f\n", b, a, vx, vy);
            }
            fprintf(dat, "\n");
        }
        fprintf(dat, "\n");
        agg_free(&inter);
        agg_free(&intra);
    }
    gp_close_dat(dat);
    if (rc)
        return rc;
    char size_png[32], size_pdf[32];
    snprintf(size_png, sizeof size_png, "1200,%zu", 80 + 420 * v.n);
    snprintf(size_pdf, sizeof size_pdf, "8in,%.1fin", 0.5 + 2.9 * (double)v.n);
    FILE *gp = gp_open(dir, c->name, size_png, size_pdf);
    if (!gp)
        return IRP_EDATA;
    fprintf(gp, "set multiplot layout %zu,2 title \"%s: IRP mean cosine to the true target "
                "embedding (test set)\"\n",
            v.n, c->name);
    gp_heatmap_axes(gp, &de, &om, "delta (pruning threshold)", "omega (subspaces)", "", range);
    const char *cols[] = {"3", "4"}, *titles[] = {"inter-space (mean over ordered pairs)",
                                                  "intra-space (same space's anchors)"};
    for (size_t i = 0; i < v.n; i++)
        for (int p = 0; p < 2; p++) {
            char title[512], quoted[520]; /* two lines when the variant's label is plain text */
            int plain = gpq(v.label[i])[0] == '"';
            snprintf(title, sizeof title, "%s%s%s", titles[p], !v.label[i][0] ? ""
                                                               : plain ? "\\n" : ", ", v.label[i]);
            snprintf(quoted, sizeof quoted, "%s%s%s", plain ? "\"" : "",
                     plain ? title : gpq(title), plain ? "\"" : "");
            gp_heatmap_panel(gp, quoted, gp_dat(dir, c->name), i, cols[p], range);
        }
    return gp_render(gp, dir, c->name);
}

int invert_figure(const config *c, const csv_table *t, const char *plots, const char *results)
{
    (void)results;
    return c->num_values[SK_ANCHORS] > 2 ? gp_anchor_curve(t, c, plots, 1) : heatmap(t, c, plots);
}

void invert_report(const report *r, const report_entry *l)
{
    const config *c = l->c;
    FILE *o = r->out;
    int keys[SK_COUNT];
    size_t nk;
    fprintf(o, "\nMean over pairs of the mean cosine between decoded and true test embeddings "
               "(± sample standard deviation over pairs, n − 1). The floor is the mean cosine to the true embedding of a "
               "random *other* test row: a mean cosine means little unless it stands well "
               "above its floor.\n\n|");
    md_swept_header(o, c, keys, &nk);
    fprintf(o, " inter-space IRP | floor | intra-space IRP |%s%s\n",
            c->references ? " inter Procrustes | inter Affine |" : "",
            c->retrieval ? " top-1 inter | top-1 intra |" : "");
    md_dashes(o, nk + 3 + (c->references ? 2 : 0) + (c->retrieval ? 2 : 0));
    for (size_t i = 0; i < config_num_cells(c); i++) {
        cell cl;
        config_cell(&cl, c, i);
        agg_group g;
        fputc('|', o);
        md_swept_cells(o, &cl, keys, nk);
        md_cell_stat(&g, l->t, &cl, M_IRP, MT_MEAN_COSINE, PAIRS_INTER);
        md_pm(o, &g);
        md_cell_stat(&g, l->t, &cl, M_IRP, MT_COSINE_FLOOR, PAIRS_INTER);
        md_pm(o, &g);
        md_cell_stat(&g, l->t, &cl, M_IRP, MT_MEAN_COSINE, PAIRS_INTRA);
        md_pm(o, &g);
        if (c->references) {
            md_cell_stat(&g, l->t, &cl, M_PROCRUSTES, MT_MEAN_COSINE, PAIRS_INTER);
            md_pm(o, &g);
            md_cell_stat(&g, l->t, &cl, M_AFFINE, MT_MEAN_COSINE, PAIRS_INTER);
            md_pm(o, &g);
        }
        if (c->retrieval) {
            md_cell_stat(&g, l->t, &cl, M_IRP, MT_TOP1, PAIRS_INTER);
            md_pm(o, &g);
            md_cell_stat(&g, l->t, &cl, M_IRP, MT_TOP1, PAIRS_INTRA);
            md_pm(o, &g);
        }
        fputc('\n', o);
    }
}
