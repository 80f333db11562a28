/* exp_stitch.c — the stitch kind: translate every ordered pair into the
 * target's space and score it with the target's classification head (the
 * paper's zero-shot stitching), beside each encoder on its own head. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "experiment.h"
#include "gnuplot.h"
#include "pairs.h"

static void score(run_ctx *x, size_t i, size_t j, const char *method, const irp_mat *y)
{
    const dump_space *dst = &x->d->spaces[j];
    const dump_head *h = dump_find_head(dst, x->cl->head);
    double v;
    if (!irp_head_accuracy(&v, &h->head, y, x->d->test_labels))
        row(x, x->d->spaces[i].name, dst->name, method, "accuracy", v);
    if (!irp_cosines(&v, NULL, y, x->test[j], x->test_norms[j], 0))
        row(x, x->d->spaces[i].name, dst->name, method, "mean_cosine", v);
}

int stitch_run(run_ctx *x, const cell_group *g)
{
    for (size_t c = 0; c < g->n; c++) {
        rows_select_cell(x, g, c);
        for (size_t j = 0; j < x->d->num_spaces; j++) /* the oracle: own encoder, own head */
            if (config_is_target(x->c, x->d->spaces[j].name))
                score(x, j, j, "non-stitch", x->test[j]);
    }
    pair_scoring s = {score, 0, 0};
    return pairs_run(x, g, &s);
}

/* Stitching: encoder x decoder accuracy matrix (IRP off the diagonal, the
 * non-stitched oracle on it), one panel per variant, averaged over the rest. */
static int matrix(const csv_table *t, const config *c, const char *dir)
{
    const char *g[] = {"encoder", "decoder"};
    variants v;
    gp_variants(&v, c, 0);
    agg_filter f[] = {{"metric", "accuracy"}, {"method", "!absolute"}, {"method", "!procrustes"},
                      {"method", "!affine"}};
    FILE *dat = gp_open_dat(dir, c->name);
    if (!dat)
        return IRP_EDATA;
    names enc;
    int rc = IRP_OK;
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
                fprintf(dat, "%zu %zu %.6f\n", b, a, x ? agg_mean(x) : NAN);
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
    gp_tics(gp, "x", &enc);
    gp_tics(gp, "y", &enc);
    fprintf(gp, "set xlabel \"decoder (head)\"\nset ylabel \"encoder\"\nset xtics rotate by -30\n"
                "set palette rgbformulae 33,13,10\nset cbrange [0:1]\n"
                "set xrange [-0.5:%zu.5]\nset yrange [-0.5:%zu.5]\n",
            enc.n - 1, enc.n - 1);
    for (size_t i = 0; i < v.n; i++)
        fprintf(gp,
                "set title %s\nplot %s index %zu using 1:2:3 with image notitle, "
                "\"\" index %zu using 1:2:(sprintf(\"%%.2f\", $3)) with labels notitle\n",
                gpq(v.label[i]), gp_dat(dir, c->name), i, i);
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

void stitch_report(const report *r, const report_entry *l)
{
    const config *c = l->c;
    FILE *o = r->out;
    int keys[SK_COUNT];
    size_t nk;
    fprintf(o, "\nMean ± std over ordered (encoder, head) pairs of test accuracy. Zero-shot = "
               "IRP; Absolute = raw source embeddings into the target head (only equal "
               "dimensions); Non-stitch = each encoder with its own head; Procrustes / Affine = "
               "references fitted on both spaces' anchors at once (not zero-shot).\n\n|");
    md_swept_header(o, c, keys, &nk);
    fprintf(o, " Zero-shot | Absolute | Non-stitch | Available (IRP / Absolute) |%s\n",
            c->references ? " Procrustes | Affine |" : "");
    md_dashes(o, nk + 4 + (c->references ? 2 : 0));
    for (size_t i = 0; i < config_num_cells(c); i++) {
        cell cl;
        config_cell(&cl, c, i);
        agg_group irp, ab, ns, pr, af;
        md_cell_stat(&irp, l->t, &cl, "irp", "accuracy", PAIRS_INTER);
        md_cell_stat(&ab, l->t, &cl, "absolute", "accuracy", PAIRS_INTER);
        md_cell_stat(&ns, l->t, &cl, "non-stitch", "accuracy", PAIRS_INTRA);
        fputc('|', o);
        md_swept_cells(o, &cl, keys, nk);
        md_pm(o, &irp);
        md_pm(o, &ab);
        md_pm(o, &ns);
        fprintf(o, " %zu / %zu |", irp.n, ab.n);
        if (c->references) {
            md_cell_stat(&pr, l->t, &cl, "procrustes", "accuracy", PAIRS_INTER);
            md_cell_stat(&af, l->t, &cl, "affine", "accuracy", PAIRS_INTER);
            md_pm(o, &pr);
            md_pm(o, &af);
        }
        fputc('\n', o);
    }
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
}
