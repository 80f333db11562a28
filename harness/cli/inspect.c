/* irp inspect — what a dump holds, with every head's accuracy recomputed in C. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "plumbing/util.h"
#include "plumbing/dump.h"

static const char *usage =
    "usage: irp inspect FILE...\n"
    "\n"
    "Validates each embedding dump (schema irp-embeddings/1) and lists its spaces\n"
    "(dimension, rows, mean/std of the L2 norms of test embeddings) and heads, with\n"
    "each head's accuracy recomputed here beside the accuracy the producer\n"
    "recorded. Exit 0 if all files are valid and every recomputed accuracy equals\n"
    "the recorded one; 1 otherwise (the first problem is named on stderr).\n";

static void norm_stats(const dump_matrix *m, double *mean, double *std)
{
    double s = 0, s2 = 0, *n = malloc(m->rows * sizeof *n);
    if (!n) {
        *mean = *std = NAN;
        return;
    }
    dump_row_norms(n, m);
    for (size_t i = 0; i < m->rows; i++)
        s += n[i];
    *mean = s / (double)m->rows;
    for (size_t i = 0; i < m->rows; i++)
        s2 += (n[i] - *mean) * (n[i] - *mean);
    *std = m->rows > 1 ? sqrt(s2 / (double)(m->rows - 1)) : 0.0;
    free(n);
}

static int inspect_one(const char *path, int *mismatches)
{
    dump *d;
    if (dump_load_checked(&d, path, NULL, 0, 0))
        return die_last();
    /* names from the file go to a terminal: control characters shown as '?' */
    char shown[4][4096];
    printf("%s\n  dataset %s, %zu classes, %zu train / %zu test samples%s\n"
           "  content fnv1a64 %016llx (embeddings, heads, ids, labels; not times or paths)\n",
           printable(shown[0], sizeof shown[0], path),
           printable(shown[1], sizeof shown[1], d->dataset), d->num_classes, d->num_train, d->num_test,
           d->train_labels ? "" : ", unlabeled", (unsigned long long)d->content_hash);
    for (size_t i = 0; i < d->num_spaces; i++) {
        const dump_space *s = &d->spaces[i];
        double mean, std;
        norm_stats(&s->test, &mean, &std);
        irp_mat *z[2] = {dump_rows(&s->train, NULL, s->train.rows),
                         dump_rows(&s->test, NULL, s->test.rows)};
        if (!z[0] || !z[1] || dump_check_nonzero(d, s, "train", z[0], NULL) ||
            dump_check_nonzero(d, s, "test", z[1], NULL)) {
            irp_mat_free(z[0]);
            irp_mat_free(z[1]);
            dump_free(d);
            return die_last();
        }
        printf("  space %-12s dim %4zu  norm %.4g ± %.3g  model %s  content %016llx\n", s->name,
               s->dim, mean, std, printable(shown[2], sizeof shown[2], s->model), (unsigned long long)s->content_hash);
        for (size_t h = 0; h < s->num_heads; h++) {
            const dump_head *hd = &s->heads[h];
            double acc[2] = {NAN, NAN};
            const int32_t *lab[2] = {d->train_labels, d->test_labels};
            for (int k = 0; k < 2 && lab[k]; k++)
                if (irp_head_accuracy(&acc[k], &hd->head, z[k], lab[k])) {
                    irp_mat_free(z[0]);
                    irp_mat_free(z[1]);
                    dump_free(d);
                    return die("%s: /spaces/%s/heads/%s: %s", path, s->name, hd->name,
                               irp_last_error());
                }
            double rec[2] = {hd->train_accuracy, hd->test_accuracy};
            const char *verdict = "ok";
            for (int k = 0; k < 2; k++) {
                size_t n = k ? d->num_test : d->num_train;
                if (!isnan(rec[k]) && !isnan(acc[k]) && fabs(rec[k] - acc[k]) > 0.5 / (double)n) {
                    verdict = "MISMATCH";
                    fprintf(stderr,
                            "irp: %s: /spaces/%s/heads/%s: recorded %s accuracy %.6f but "
                            "recomputed %.6f\n",
                            path, s->name, hd->name, k ? "test" : "train", rec[k], acc[k]);
                    (*mismatches)++;
                }
            }
            char r0[32] = "none recorded", r1[32] = "none recorded";
            if (!isnan(rec[0]))
                snprintf(r0, sizeof r0, "recorded %.4f", rec[0]);
            if (!isnan(rec[1]))
                snprintf(r1, sizeof r1, "recorded %.4f", rec[1]);
            printf("    head %-14s %-6s %-8s layers %zu  test acc %.4f (%s)  train acc %.4f "
                   "(%s)  %s\n",
                   printable(shown[2], sizeof shown[2], hd->name),
                   printable(shown[3], sizeof shown[3], hd->kind), irp_activation_name(hd->head.activation),
                   hd->head.num_layers, acc[1], r1, acc[0], r0, verdict);
        }
        irp_mat_free(z[0]);
        irp_mat_free(z[1]);
    }
    dump_free(d);
    return 0;
}

int cmd_inspect(int argc, char **argv)
{
    if (argc < 2)
        return fputs(usage, stderr), 2;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return fputs(usage, stdout), 0;
    int mismatches = 0;
    for (int i = 1; i < argc; i++)
        if (inspect_one(argv[i], &mismatches))
            return 1;
    if (mismatches)
        return die("%d head accurac%s differ from the recorded values", mismatches,
                   mismatches == 1 ? "y" : "ies");
    return 0;
}
