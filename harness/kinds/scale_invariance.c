/* scale_invariance.c — the scale-invariance kind: each space's own heads
 * on its test rows rescaled (multiplied by a factor, or every row set to
 * factor × the mean training norm, as IRP's rescaling does). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinds/kinds.h"
#include "plumbing/gnuplot.h"
#include "plumbing/vocab.h"

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

int scale_inv_run(run_ctx *x, const cell_group *g)
{
    (void)g;
    int rc = IRP_OK;
    for (size_t s = 0; !rc && s < x->d->num_spaces; s++) {
        const dump_space *sp = &x->d->spaces[s];
        const dump_head *h = dump_find_head(sp, x->cl->head);
        irp_mat *z = irp_mat_copy(x->test[s]);
        if (!z)
            return irp_fail(IRP_ENOMEM, "out of memory");
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
            row(x, sp->name, sp->name, x->cl->scale_mode, MT_ACCURACY, acc);
        irp_mat_free(z);
    }
    return rc;
}

/* Scale invariance: accuracy vs input scale factor per head (mean over encoders). */
int scale_inv_figure(const config *c, const csv_table *t, const char *dir, const char *results)
{
    (void)results;
    const char *g[] = {"scale_mode", "head", "factor"};
    agg acc;
    agg_filter f[] = {{"metric", MT_ACCURACY}};
    int rc = agg_build(&acc, t, f, 1, g, 3);
    if (rc)
        return rc;
    names modes, heads, factors;
    gp_distinct(&modes, &acc, 0);
    gp_distinct(&heads, &acc, 1);
    gp_distinct(&factors, &acc, 2);
    FILE *dat = gp_open_dat(dir, c->name);
    if (!dat)
        return IRP_EDATA;
    for (size_t m = 0; m < modes.n; m++)
        for (size_t h = 0; h < heads.n; h++) {
            fprintf(dat, "# scale_mode %s head %s: factor mean_accuracy min max\n", modes.v[m],
                    heads.v[h]);
            for (size_t i = 0; i < factors.n; i++) {
                const char *k[] = {modes.v[m], heads.v[h], factors.v[i]};
                const agg_group *a = agg_find(&acc, k);
                if (a)
                    fprintf(dat, "%s %.6f %.6f %.6f\n", factors.v[i], agg_mean(a), a->min,
                            a->max);
            }
            fprintf(dat, "\n\n");
        }
    gp_close_dat(dat);
    FILE *gp = gp_open(dir, c->name, "1200,500", "8in,3.3in");
    if (!gp)
        return IRP_EDATA;
    fprintf(gp, "set multiplot layout 1,%zu title \"%s: head accuracy vs input scale (mean over "
                "encoders)\"\nset logscale x\nset yrange [0:1]\nset key bottom center\n"
                "set ylabel \"test accuracy\"\n",
            modes.n, c->name);
    for (size_t m = 0; m < modes.n; m++) {
        fprintf(gp, "set title %s\nset xlabel \"%s\"\nplot ", gpq(modes.v[m]),
                strcmp(modes.v[m], "multiply") ? "row norm / mean training norm"
                                               : "factor multiplying the embeddings");
        for (size_t h = 0; h < heads.n; h++)
            fprintf(gp, "%s%s index %zu using 1:2 with linespoints title %s",
                    h ? ", " : "", gp_dat(dir, c->name), m * heads.n + h, gpq(heads.v[h]));
        fprintf(gp, "\n");
    }
    agg_free(&acc);
    return gp_render(gp, dir, c->name);
}

void scale_inv_report(const report *r, const report_entry *l)
{
    const config *c = l->c;
    FILE *o = r->out;
    const char *g3[] = {"scale_mode", "head", "factor"};
    agg a;
    agg_filter f[] = {{"metric", MT_ACCURACY}};
    if (agg_build(&a, l->t, f, 1, g3, 3))
        return;
    fprintf(o, "\nTest accuracy (mean over encoders) of each head when its inputs are rescaled. "
               "*multiply*: z → factor·z. *set-norm*: every row set to norm factor × the mean "
               "training norm (what IRP's rescaling does).\n");
    for (size_t m = 0; m < c->num_values[SK_SCALE_MODE]; m++) {
        fprintf(o, "\n**%s**\n\n| head |", c->values[SK_SCALE_MODE][m]);
        for (size_t fi = 0; fi < c->num_values[SK_FACTOR]; fi++)
            fprintf(o, " %s |", c->values[SK_FACTOR][fi]);
        fputc('\n', o);
        md_dashes(o, 1 + c->num_values[SK_FACTOR]);
        for (size_t h = 0; h < c->num_values[SK_HEAD]; h++) {
            fprintf(o, "| %s |", c->values[SK_HEAD][h]);
            for (size_t fi = 0; fi < c->num_values[SK_FACTOR]; fi++) {
                const char *k[] = {c->values[SK_SCALE_MODE][m], c->values[SK_HEAD][h],
                                   c->values[SK_FACTOR][fi]};
                const agg_group *g = agg_find(&a, k);
                if (g)
                    fprintf(o, " %.3f |", agg_mean(g));
                else
                    fprintf(o, " n/a |");
            }
            fputc('\n', o);
        }
    }
    agg_free(&a);
}
