/* The anchor-count figure of the pair kinds; see gnuplot.h. */
#include <math.h>
#include <stdio.h>

#include "plumbing/gnuplot.h"
#include "irp.h"
#include "plumbing/vocab.h"

/* Number of anchors (a sweep over more than two k): the inter-space metric
 * against k on a log axis, one line per combination of the other swept keys;
 * invert plots mean cosine (and top-1 when retrieval is on), stitch accuracy. */
int gp_anchor_curve(const csv_table *t, const config *c, const char *dir, int inv)
{
    const char *g[] = {"anchors"};
    const char *metrics[] = {inv ? MT_MEAN_COSINE : MT_ACCURACY, MT_TOP1};
    size_t nm = inv && c->retrieval ? 2 : 1;
    variants v;
    gp_variants(&v, c, 1u << SK_ANCHORS);
    FILE *dat = gp_open_dat(dir, c->name);
    if (!dat)
        return IRP_EDATA;
    int rc = IRP_OK;
    for (size_t m = 0; !rc && m < nm; m++)
        for (size_t i = 0; !rc && i < v.n; i++) {
            agg_filter f[] = {{"method", M_IRP}, {"metric", metrics[m]}, {"encoder", "!=decoder"}};
            agg a;
            if ((rc = gp_build_variant(&a, t, f, 3, &v, i, g, 1)))
                break;
            names k;
            gp_distinct(&k, &a, 0);
            fprintf(dat, "# %s, variant %s: anchors mean std\n", metrics[m],
                    v.label[i][0] ? v.label[i] : "(all)");
            for (size_t j = 0; j < k.n; j++) {
                const char *key[] = {k.v[j]};
                const agg_group *x = agg_find(&a, key);
                fprintf(dat, "%s %.6f %.6f\n", k.v[j], x ? agg_mean(x) : NAN,
                        x ? agg_std(x) : NAN);
            }
            fprintf(dat, "\n\n");
            agg_free(&a);
        }
    gp_close_dat(dat);
    if (rc)
        return rc;
    FILE *gp = gp_open(dir, c->name, nm == 2 ? "1400,640" : "760,640",
                       nm == 2 ? "9in,4.1in" : "5in,4.1in");
    if (!gp)
        return IRP_EDATA;
    fprintf(gp, "set multiplot layout 1,%zu title \"%s: IRP against the number of anchors "
                "(mean over ordered pairs, test set)\"\n"
                "set logscale x 2\nset key below\nset grid\nset xlabel \"anchors k\"\n"
                "set yrange [0:1]\n",
            nm, c->name);
    for (size_t m = 0; m < nm; m++) {
        fprintf(gp, "set ylabel \"%s\"\nplot ",
                m ? "top-1 retrieval" : inv ? "mean cosine" : "stitching accuracy");
        for (size_t i = 0; i < v.n; i++)
            fprintf(gp, "%s%s index %zu using 1:2 with linespoints title %s", i ? ", " : "",
                    gp_dat(dir, c->name), m * v.n + i, gpq(v.label[i][0] ? v.label[i] : "IRP"));
        fputc('\n', gp);
    }
    return gp_render(gp, dir, c->name);
}
