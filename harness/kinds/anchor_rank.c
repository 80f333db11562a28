/* anchor_rank.c — the anchor-rank kind: the numerical rank and condition
 * numbers of each space's prepared anchor matrix norm(A − μ) (k × d), i.e.
 * how much of a space the anchors can express and how hard the
 * pseudo-inverse IRP decodes through is. Also an example of
 * a kind: this file plus one row in registry.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinds/kinds.h"
#include "plumbing/gnuplot.h"
#include "plumbing/vocab.h"

int anchor_rank_check(const config *c, const dump *d)
{
    for (size_t i = 0; i < c->num_values[SK_ANCHORS]; i++)
        if (strtoull(c->values[SK_ANCHORS][i], NULL, 10) > d->num_train)
            return irp_fail(IRP_EDATA, "%s: anchors = %s but %s has only %zu training rows",
                            c->path, c->values[SK_ANCHORS][i], d->path, d->num_train);
    return IRP_OK;
}

int anchor_rank_run(run_ctx *x, const cell_group *g)
{
    (void)g;
    const cell *cl = x->cl;
    size_t k = cl->anchors;
    size_t *idx = malloc(k * sizeof *idx);
    int rc = idx ? irp_anchor_indices(idx, x->d->num_train, k, cl->anchor_seed)
                 : irp_fail(IRP_ENOMEM, "out of memory");
    for (size_t s = 0; !rc && s < x->d->num_spaces; s++) {
        const dump_space *sp = &x->d->spaces[s];
        irp_mat *a = dump_rows(&sp->train, idx, k);
        irp_space *prep = a ? irp_space_new(a, cl->opts.center) : NULL;
        irp_mat *pinv = prep ? irp_mat_new(sp->dim, k) : NULL;
        irp_pinv_info info;
        if (!pinv || irp_pinv(pinv, prep->anchors, cl->opts.rcond, &info))
            rc = irp_fail(IRP_EDATA, "space %s: %s", sp->name, irp_last_error());
        else {
            row(x, sp->name, "", M_ANCHORS, MT_DIM, (double)sp->dim);
            row(x, sp->name, "", M_ANCHORS, MT_RANK, (double)info.rank);
            row(x, sp->name, "", M_ANCHORS, MT_COND, info.cond);
            row(x, sp->name, "", M_ANCHORS, MT_COND_KEPT, info.cond_kept);
        }
        irp_mat_free(a);
        irp_space_free(prep);
        irp_mat_free(pinv);
    }
    free(idx);
    return rc;
}

/* Bars: rank over dimension per space, one bar per anchor count; one panel per
 * combination of the other swept keys (e.g. center). */
int anchor_rank_figure(const config *c, const csv_table *t, const char *dir, const char *results)
{
    (void)results;
    const char *g[] = {"encoder", "anchors", "metric"};
    agg_filter f[] = {{"method", M_ANCHORS}};
    variants v;
    gp_variants(&v, c, KEY_BIT(ANCHORS));
    FILE *dat = gp_open_dat(dir, c->name);
    if (!dat)
        return IRP_EDATA;
    names enc = {0}, ks = {0};
    int rc = IRP_OK;
    for (size_t p = 0; !rc && p < v.n; p++) {
        agg a;
        if ((rc = gp_build_variant(&a, t, f, 1, &v, p, g, 3)))
            break;
        gp_distinct(&enc, &a, 0);
        gp_distinct(&ks, &a, 1);
        fprintf(dat, "# variant %s: encoder, then rank/dim at each k:", v.label[p][0] ? v.label[p] : "(all)");
        for (size_t j = 0; j < ks.n; j++)
            fprintf(dat, " %s", ks.v[j]);
        fputc('\n', dat);
        for (size_t i = 0; i < enc.n; i++) {
            fputc('"', dat); /* a data-file label: no quote or control character inside */
            for (const char *q = enc.v[i]; *q; q++)
                fputc(*q == '"' || (unsigned char)*q < 32 ? '?' : *q, dat);
            fputc('"', dat);
            for (size_t j = 0; j < ks.n; j++) {
                const char *kr[] = {enc.v[i], ks.v[j], MT_RANK}, *kd[] = {enc.v[i], ks.v[j], MT_DIM};
                const agg_group *r = agg_find(&a, kr), *d = agg_find(&a, kd);
                fprintf(dat, " %.6f", r && d ? agg_mean(r) / agg_mean(d) : NAN);
            }
            fputc('\n', dat);
        }
        fprintf(dat, "\n\n");
        agg_free(&a);
    }
    gp_close_dat(dat);
    if (rc)
        return rc;
    char size_png[32], size_pdf[32];
    snprintf(size_png, sizeof size_png, "%zu,500", 120 + 780 * v.n);
    snprintf(size_pdf, sizeof size_pdf, "%.1fin,3.3in", 0.5 + 5.2 * (double)v.n);
    FILE *gp = gp_open(dir, c->name, size_png, size_pdf);
    if (!gp)
        return IRP_EDATA;
    fprintf(gp, "set multiplot layout 1,%zu title \"%s: numerical rank of the anchors / "
                "dimension\"\nset style data histograms\nset style fill solid 0.6\n"
                "set yrange [0:1.05]\nset key below reverse Left\nset ylabel \"rank / dim\"\n",
            v.n, c->name);
    for (size_t p = 0; p < v.n; p++) {
        fprintf(gp, "set title %s\nplot ", gpq(v.label[p]));
        for (size_t j = 0; j < ks.n; j++) {
            char title[128];
            snprintf(title, sizeof title, "k = %s", ks.v[j]);
            fprintf(gp, "%s%s index %zu using %zu:xtic(1) title %s", j ? ", " : "",
                    gp_dat(dir, c->name), p, j + 2, gpq(title));
        }
        fputc('\n', gp);
    }
    return gp_render(gp, dir, c->name);
}

void anchor_rank_report(const report *r, const report_entry *l)
{
    FILE *o = r->out;
    int keys[SK_COUNT], col[SK_COUNT];
    size_t nk = 0;
    fprintf(o, "\nNumerical rank of each space's prepared anchors (singular values above "
               "rcond · s_max) and condition numbers: over all singular values, and over "
               "those the pseudo-inverse keeps.\n\n|");
    for (int k = 0; k < SK_COUNT; k++)
        if (l->c->num_values[k] > 1 || k == SK_ANCHORS) {
            keys[nk++] = k;
            fprintf(o, " %s |", sweep_key_name(k));
        }
    fprintf(o, " encoder | dim | rank | cond | cond (kept) |\n");
    md_dashes(o, nk + 5);
    int ce = csv_table_col(l->t, "encoder"), cm = csv_table_col(l->t, "metric");
    for (int k = 0; k < SK_COUNT; k++)
        if ((col[k] = csv_table_col(l->t, sweep_key_name(k))) < 0)
            return;
    if (ce < 0 || cm < 0)
        return;
    for (size_t i = 0; i < config_num_cells(l->c); i++) {
        cell cl;
        config_cell(&cl, l->c, i);
        for (size_t s = 0; s < l->t->num_rows; s++) { /* one line per space of this cell */
            char **row = l->t->rows[s];
            int k = 0;
            while (k < SK_COUNT && !strcmp(row[col[k]], cl.text[k]))
                k++;
            if (k < SK_COUNT || strcmp(row[cm], MT_DIM))
                continue;
            const char *e = row[ce];
            fputc('|', o);
            md_swept_cells(o, &cl, keys, nk);
            fprintf(o, " %s | %.0f | %.0f | %.3g | %.3g |\n", md_esc(e),
                    md_pair_value(l->t, &cl, e, "", M_ANCHORS, MT_DIM),
                    md_pair_value(l->t, &cl, e, "", M_ANCHORS, MT_RANK),
                    md_pair_value(l->t, &cl, e, "", M_ANCHORS, MT_COND),
                    md_pair_value(l->t, &cl, e, "", M_ANCHORS, MT_COND_KEPT));
        }
    }
}
