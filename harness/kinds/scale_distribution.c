/* scale_distribution.c — the scale-distribution kind: the L2 norms of
 * each space's training embeddings, their moments and distance to a normal,
 * and a histogram beside the fitted normal density (a second table,
 * <results>/<name>-hist.csv). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinds/kinds.h"
#include "plumbing/gnuplot.h"
#include "plumbing/vocab.h"

int scale_dist_check(const config *c, const dump *d)
{
    if (d->num_train < 3)
        return irp_fail(IRP_EDATA, "%s: %s: too few training rows (%zu) for a distribution",
                        c->path, d->path, d->num_train);
    return IRP_OK;
}

int scale_dist_run(run_ctx *x, const cell_group *g)
{
    static const char *const stat_names[] = {
        MT_NORM_MEAN,    MT_NORM_STD,       MT_NORM_SKEWNESS,         MT_NORM_EXCESS_KURTOSIS,
        MT_NORM_JARQUE_BERA, MT_NORM_KS_NORMAL, MT_NORM_FRAC_OUTSIDE_3SD, MT_NORM_CV};
    (void)g;
    csv_out h;
    int rc = csv_out_open(&h, x->extra_table);
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
            rc = irp_fail(IRP_ENOMEM, "out of memory");
        if (!rc) {
            dump_row_norms(norms, &sp->train);
            rc = irp_dist_stats_compute(&st, norms, n);
        }
        if (!rc) {
            double v[] = {st.mean, st.std, st.skewness, st.excess_kurtosis, st.jarque_bera,
                          st.ks_normal, st.frac_outside_3sd, st.std / st.mean};
            for (size_t i = 0; i < sizeof v / sizeof *v; i++)
                row(x, sp->name, "", M_NORM, stat_names[i], v[i]);
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

/* Norm histograms with the fitted normal density, one panel per encoder. */
int scale_dist_figure(const config *c, const csv_table *table, const char *dir, const char *results_dir)
{
    (void)table; /* the figure draws the histogram table */
    char path[1024];
    snprintf(path, sizeof path, "%s/%s-hist.csv", results_dir, c->name);
    csv_table *t;
    int rc = csv_table_read(&t, path);
    if (rc)
        return rc;
    int ce = csv_table_col(t, "encoder"), cl = csv_table_col(t, "bin_lo"),
        ch = csv_table_col(t, "bin_hi"), cd = csv_table_col(t, "density"),
        cn = csv_table_col(t, "normal_pdf");
    if (ce < 0 || cl < 0 || ch < 0 || cd < 0 || cn < 0) {
        csv_table_free(t);
        return irp_fail(IRP_EDATA, "%s: missing histogram columns", path);
    }
    FILE *dat = gp_open_dat(dir, c->name);
    if (!dat) {
        csv_table_free(t);
        return IRP_EDATA;
    }
    names enc = {0};
    for (size_t r = 0; r < t->num_rows; r++) {
        char **row = t->rows[r];
        if (!enc.n || strcmp(enc.v[enc.n - 1], row[ce])) {
            if (enc.n)
                fprintf(dat, "\n\n");
            if (enc.n == 64)
                break;
            snprintf(enc.v[enc.n++], sizeof enc.v[0], "%s", row[ce]);
            fprintf(dat, "# %s: bin_center density normal_pdf width\n", row[ce]);
        }
        double lo = atof(row[cl]), hi = atof(row[ch]);
        fprintf(dat, "%.6g %s %s %.6g\n", (lo + hi) / 2, row[cd], row[cn], hi - lo);
    }
    gp_close_dat(dat);
    csv_table_free(t);
    size_t cols = enc.n < 3 ? enc.n : 3, rows = (enc.n + cols - 1) / (cols ? cols : 1);
    FILE *gp = gp_open(dir, c->name, "1200,700", "8in,4.7in");
    if (!gp)
        return IRP_EDATA;
    fprintf(gp, "set multiplot layout %zu,%zu title \"%s: L2 norms of the embeddings "
                "(training split) and the fitted normal\"\nset style fill solid 0.4\n"
                "set key top right\nset xlabel \"norm\"\n",
            rows ? rows : 1, cols ? cols : 1, c->name);
    for (size_t i = 0; i < enc.n; i++)
        fprintf(gp,
                "set title %s\nplot %s index %zu using 1:2:4 with boxes "
                "title \"histogram\", \"\" index %zu using 1:3 with lines lw 2 title "
                "\"normal fit\"\n",
                gpq(enc.v[i]), gp_dat(dir, c->name), i, i);
    return gp_render(gp, dir, c->name);
}

void scale_dist_report(const report *r, const report_entry *l)
{
    FILE *o = r->out;
    static const char *const stats[] = {MT_NORM_MEAN,     MT_NORM_STD,
                                        MT_NORM_CV,       MT_NORM_SKEWNESS,
                                        MT_NORM_EXCESS_KURTOSIS, MT_NORM_KS_NORMAL,
                                        MT_NORM_FRAC_OUTSIDE_3SD};
    const char *g2[] = {"encoder", "metric"};
    agg a;
    agg_filter f[] = {{"method", M_NORM}};
    if (agg_build(&a, l->t, f, 1, g2, 2))
        return;
    fprintf(o, "\nL2 norms of the training embeddings, per encoder. cv = std/mean; ks_normal = "
               "Kolmogorov–Smirnov distance to the normal with the same mean and std (a "
               "Gaussian sample of n rows gives about 0.87/√n: 0.0036 for 60,000); a normal has skewness 0, excess "
               "kurtosis 0 and 0.27%% beyond 3 sd. The figure's histograms have %zu bins "
               "(`%s-hist.csv`).\n\n| encoder |",
            l->c->bins, l->c->name);
    for (size_t s = 0; s < sizeof stats / sizeof *stats; s++)
        fprintf(o, " %s |", stats[s]);
    fputc('\n', o);
    md_dashes(o, 1 + sizeof stats / sizeof *stats);
    for (size_t i = 0; i < a.num_groups; i++) {
        if (strcmp(a.groups[i].key[1], "mean"))
            continue;
        fprintf(o, "| %s |", md_esc(a.groups[i].key[0]));
        for (size_t s = 0; s < sizeof stats / sizeof *stats; s++) {
            const char *k[] = {a.groups[i].key[0], stats[s]};
            const agg_group *g = agg_find(&a, k);
            fprintf(o, g ? " %.4g |" : " n/a |", g ? agg_mean(g) : 0.0);
        }
        fputc('\n', o);
    }
    agg_free(&a);
}
