/* agg.h — group-by means over long-format result tables (for plots, report). */
#ifndef IRP_AGG_H
#define IRP_AGG_H

#include <stddef.h>

#include "plumbing/csvio.h"

#define AGG_MAX_KEYS 4

typedef struct agg_group {
    char key[AGG_MAX_KEYS][256]; /* names are at most 200 bytes (dump.c); longer: an error */
    double sum, sumsq, min, max;
    size_t n;
} agg_group;

typedef struct agg {
    size_t num_groups, cap, num_keys;
    agg_group *groups; /* in order of first appearance */
} agg;

/* A row filter: "col=value" conditions, all must hold; a leading '!' on the
 * value negates it ("method=!absolute"); value "=col2" compares two columns
 * ("encoder==decoder" is written {"encoder", "=decoder"}, and "!=decoder"
 * means they differ). */
typedef struct agg_filter {
    const char *col, *value;
} agg_filter;

int agg_build(agg *out, const csv_table *t, const agg_filter *filters, size_t num_filters,
              const char *const *group_cols, size_t num_group_cols);
void agg_free(agg *a);

double agg_mean(const agg_group *g);
double agg_std(const agg_group *g); /* sample std (n−1); 0 for n = 1 */

/* The group whose keys equal `keys` (num_keys of them), or NULL. */
const agg_group *agg_find(const agg *a, const char *const *keys);

#endif
