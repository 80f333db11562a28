#include "plumbing/agg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irp.h"

static int keep(const csv_table *t, char **row, const agg_filter *f, size_t nf)
{
    for (size_t i = 0; i < nf; i++) {
        int c = csv_table_col(t, f[i].col);
        if (c < 0)
            return 0;
        const char *v = f[i].value;
        int neg = v[0] == '!';
        if (neg)
            v++;
        const char *other = v;
        if (v[0] == '=') {
            int c2 = csv_table_col(t, v + 1);
            if (c2 < 0)
                return 0;
            other = row[c2];
        }
        if ((strcmp(row[c], other) == 0) == neg)
            return 0;
    }
    return 1;
}

int agg_build(agg *out, const csv_table *t, const agg_filter *filters, size_t nf,
              const char *const *group_cols, size_t ng)
{
    memset(out, 0, sizeof *out);
    out->num_keys = ng;
    int vc = csv_table_col(t, "value"), gc[AGG_MAX_KEYS];
    if (vc < 0 || ng > AGG_MAX_KEYS)
        return irp_fail(IRP_EDATA, "result table has no 'value' column");
    for (size_t k = 0; k < ng; k++)
        if ((gc[k] = csv_table_col(t, group_cols[k])) < 0)
            return irp_fail(IRP_EDATA, "result table has no '%s' column", group_cols[k]);
    for (size_t r = 0; r < t->num_rows; r++) {
        char **row = t->rows[r];
        if (!keep(t, row, filters, nf) || !row[vc][0])
            continue;
        double v = strtod(row[vc], NULL);
        const char *keys[AGG_MAX_KEYS];
        for (size_t k = 0; k < ng; k++) {
            keys[k] = row[gc[k]];
            if (strlen(keys[k]) >= sizeof out->groups->key[0]) { /* never truncated, merged */
                agg_free(out);
                return irp_fail(IRP_EDATA, "result table: a '%s' value of %zu bytes (at most "
                                "%zu): '%.40s...'",
                                group_cols[k], strlen(keys[k]), sizeof out->groups->key[0] - 1,
                                keys[k]);
            }
        }
        agg_group *g = (agg_group *)agg_find(out, keys);
        if (!g) {
            if (out->num_groups == out->cap) {
                size_t cap = out->cap ? 2 * out->cap : 16;
                agg_group *ng2 = realloc(out->groups, cap * sizeof *ng2);
                if (!ng2)
                    return irp_fail(IRP_ENOMEM, "out of memory");
                out->groups = ng2;
                out->cap = cap;
            }
            g = &out->groups[out->num_groups++];
            memset(g, 0, sizeof *g);
            g->min = INFINITY;
            g->max = -INFINITY;
            for (size_t k = 0; k < ng; k++)
                snprintf(g->key[k], sizeof g->key[k], "%s", keys[k]);
        }
        g->sum += v;
        g->sumsq += v * v;
        g->min = fmin(g->min, v);
        g->max = fmax(g->max, v);
        g->n++;
    }
    return IRP_OK;
}

void agg_free(agg *a)
{
    free(a->groups);
    memset(a, 0, sizeof *a);
}

double agg_mean(const agg_group *g) { return g->n ? g->sum / (double)g->n : NAN; }

double agg_std(const agg_group *g)
{
    if (g->n < 2)
        return 0.0;
    double m = agg_mean(g), v = (g->sumsq - (double)g->n * m * m) / (double)(g->n - 1);
    return v > 0 ? sqrt(v) : 0.0;
}

const agg_group *agg_find(const agg *a, const char *const *keys)
{
    for (size_t i = 0; i < a->num_groups; i++) {
        size_t k = 0;
        while (k < a->num_keys && !strcmp(a->groups[i].key[k], keys[k]))
            k++;
        if (k == a->num_keys)
            return &a->groups[i];
    }
    return NULL;
}
