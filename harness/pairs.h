/* pairs.h — the pair engine shared by the kinds that translate (EXP_PAIRS).
 *
 * For one group of cells (same settings but ω), it draws the anchors, prepares
 * each space once (anchors, FPS subsets for the largest ω, test rows, the
 * factored encoding), then translates every ordered pair on worker threads —
 * IRP for each cell, the absolute baseline where dimensions match, and the
 * Procrustes and affine references once — and hands each translation to the
 * kind's scorer. Rows come out in pair order whatever the thread count. */
#ifndef IRP_PAIRS_H
#define IRP_PAIRS_H

#include "rows.h"

/* The draw of the "random other row" of every cosine floor. */
enum { PAIRS_FLOOR_SEED = 12345 };

/* Scores y, the translation of space src's test rows into space dst. */
typedef void (*pair_score_fn)(run_ctx *x, size_t src, size_t dst, const char *method,
                              const irp_mat *y);

typedef struct pair_scoring {
    pair_score_fn score;
    /* The kind scores IRP by mean cosine and floor alone: IRP translations are
     * then scored in cache-sized blocks without materialising them, and
     * written with pairs_cosine_rows. */
    int cosines_only;
    int intra; /* include X→X pairs */
} pair_scoring;

int pairs_run(run_ctx *x, const cell_group *g, const pair_scoring *s);

/* The seed of every bootstrap draw: one draw for all methods of a pair, so
 * two methods' intervals, and their paired difference, resample the same rows. */
enum { PAIRS_BOOTSTRAP_SEED = 4242 };

/* With the config's bootstrap on: the interval rows <metric>_lo and
 * <metric>_hi of the per-row scores v (n_test values) of one pair and method;
 * IRP's are kept for the cell (x->keep) and a Procrustes score is then also
 * compared with them row for row (method "irp-procrustes": <metric>_diff and
 * its _lo/_hi, IRP minus Procrustes). No-op when bootstrap is off. */
void pairs_interval_rows(run_ctx *x, size_t src, size_t dst, const char *method,
                         const char *metric, const double *v);

/* The two rows (mean_cosine, cosine_floor) of one pair and method. */
void pairs_cosine_rows(run_ctx *x, size_t src, size_t dst, const char *method, double mean,
                       double floor);

#endif
