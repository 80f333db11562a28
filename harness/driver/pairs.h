/* pairs.h — the pair engine shared by the kinds that translate (EXP_PAIRS).
 *
 * For one group of cells (same settings but ω), it draws the anchors, prepares
 * each space once (anchors, FPS subsets for the largest ω, test rows, the
 * factored encoding), then, on worker threads, translates every ordered pair
 * (src → dst) by every method — IRP for each cell, the absolute baseline
 * where dimensions match, the Procrustes and affine references once for all
 * cells — and hands each (pair, cell) to the kind's scorer with every
 * method's result. The engine writes no row itself: the kind writes the rows
 * it wants, with the helpers below. Rows come out in pair order whatever the
 * thread count. */
#ifndef IRP_PAIRS_H
#define IRP_PAIRS_H

#include "driver/rows.h"
#include "irp_auto.h"
#include "plumbing/vocab.h"

/* The draw of the "random other row" of every cosine floor. */
enum { PAIRS_FLOOR_SEED = 12345 };
/* The seed of every bootstrap draw: one draw for all methods of a pair, so
 * two methods' intervals, and their paired difference, resample the same rows. */
enum { PAIRS_BOOTSTRAP_SEED = 4242 };

/* The methods the engine runs, in the order their rows are conventionally
 * written; pair_method_name[m] is the table's name (vocab.h). */
enum pair_method { PM_IRP, PM_ABSOLUTE, PM_PROCRUSTES, PM_AFFINE, PM_COUNT };
extern const char *const pair_method_name[PM_COUNT];

/* One (pair, cell), as the kind's scorer sees it. The cell is x->cl (rows
 * written now go to it). */
typedef struct pair_result {
    size_t src, dst; /* indices into x->d->spaces */
    /* src's first n_test test rows in dst's space, per method (n_test × dy).
     * NULL where the method did not run: absolute when src == dst or the
     * dimensions differ; the references with 'references = false'; IRP when
     * irp_cosines_only. The same matrices for every cell of the pair except
     * IRP's; valid during the call only. */
    const irp_mat *y[PM_COUNT];
    /* The scorer asked for cosines only (pair_scoring.cosines_only): IRP's
     * translation was scored in cache-sized blocks, never materialised. */
    int irp_cosines_only;
    double irp_mean_cosine, irp_cosine_floor;
    const irp_fit_info *fit;       /* IRP's fitted translator */
    const irp_options *opts;       /* the options it was fitted with */
    const irp_auto_choice *choice; /* δ/ω = auto: what the pair chose; NULL otherwise */
} pair_result;

/* Scores one (pair, cell); called on a worker thread. Returns IRP_OK, or an
 * error set with irp_fail (the run stops with it, the pair named): a metric
 * that cannot be computed is an error, never a silently missing row. */
typedef int (*pair_score_fn)(run_ctx *x, void *ctx, const pair_result *r);

typedef struct pair_scoring {
    pair_score_fn score;
    void *ctx;        /* the kind's own, passed to score: shared by every worker
                         thread, so read-only during pairs_run */
    int cosines_only; /* the kind scores IRP by mean cosine and floor alone */
    int intra;        /* include X → X pairs */
} pair_scoring;

int pairs_run(run_ctx *x, const cell_group *g, const pair_scoring *s);

/* ---- helpers for the kinds' scorers and runs ---- */

/* The two rows (mean_cosine, cosine_floor) of one method. */
void pairs_cosine_rows(run_ctx *x, const pair_result *r, const char *method, double mean,
                       double floor);
/* With the config's bootstrap on: the rows <metric>_lo and <metric>_hi, the
 * interval of the mean of v (n_test per-row scores of `method`). With
 * paired_irp (IRP's per-row scores of the same metric) also IRP − method,
 * compared row by row on the same resamples: method M_IRP_MINUS_PROCRUSTES,
 * <metric>_diff and its _lo/_hi. No-op when bootstrap is off. */
int pairs_interval_rows(run_ctx *x, const pair_result *r, const char *method,
                        const char *metric, const double *v, const double *paired_irp);
/* The diagnostic rows of IRP's fitted translator (anchors kept, rank,
 * conditioning; with auto, what was chosen). */
void pairs_fit_rows(run_ctx *x, const pair_result *r);
/* When the loaded spaces mix modalities (two or more distinct plain-word
 * modality attributes, every space having one): per cell of g, one row per
 * space (encoder = decoder = the space, method M_SPACE, metric
 * "modality:<m>", value 1). A dump of one modality gets none. Call before
 * pairs_run, from the slice that writes the cell's own rows. */
void pairs_modality_rows(run_ctx *x, const cell_group *g);

/* Keeps FPS traces in x across groups: one per space and distinct (anchors,
 * anchor seed, centring, subspace seed), traced down to `floor` (the smallest
 * δ > 0 of the threshold groups to be computed). A group at δ >= floor then
 * cuts its subsets from the trace (the same indices: irp_subsets_cut) instead
 * of running FPS again. IRP_ENOMEM only. */
int pairs_traces_new(run_ctx *x, double floor);
void pairs_traces_free(run_ctx *x);

#endif
