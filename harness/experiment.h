/* experiment.h — the registry of experiment kinds.
 *
 * A config's 'type' names one row of exp_kinds[] (experiments.c). A kind is
 * one file, exp_<name>.c, holding everything particular to it: what it needs
 * from the dump, its extra validation, its run (rows for one group of cells),
 * its figure and its report section. The driver (run.c, runcmd.c, report.c)
 * calls through the row and never tests a kind's name; the plumbing below
 * the kinds (pool, rows, pairs, gnuplot, markdown, agg, csvio) knows no kind.
 *
 * Adding a kind: write exp_<name>.c with the four functions, declare them
 * below, add one row to exp_kinds[]. The README has a worked example. */
#ifndef IRP_EXPERIMENT_H
#define IRP_EXPERIMENT_H

#include "config.h"
#include "csvio.h"
#include "dump.h"
#include "markdown.h"
#include "rows.h"

/* What a kind needs; the driver validates and loads accordingly. */
enum {
    EXP_PAIRS = 1u << 0,  /* translates ordered pairs (pairs.c): at least 2 spaces (1 with
                             intra), k ≤ training rows, the training split read on demand
                             (only anchors), cells that differ only in ω run as one group */
    EXP_LABELS = 1u << 1, /* the dump must have labels */
    EXP_HEADS = 1u << 2,  /* every target space must hold every 'head' value */
    EXP_INTRA = 1u << 3,  /* pair kind that may pair a space with itself (key 'intra'), and
                             scores by cosines (key 'retrieval') */
    EXP_BINS = 1u << 4    /* draws histograms (key 'bins') */
};

#define KEY_BIT(ID) (1u << SK_##ID)
/* The keys of an IRP translation (every pair kind). */
#define IRP_TRANSLATION_KEYS                                                                  \
    (KEY_BIT(ANCHORS) | KEY_BIT(ANCHOR_SEED) | KEY_BIT(OMEGA) | KEY_BIT(DELTA) |              \
     KEY_BIT(PRUNE) | KEY_BIT(RCOND) | KEY_BIT(LAMBDA) | KEY_BIT(RESCALE) |                  \
     KEY_BIT(CENTER) |                                                                       \
     KEY_BIT(COMPLETION) | KEY_BIT(SEED))

typedef struct exp_kind {
    const char *name;    /* the config's 'type' */
    const char *summary; /* one line for --help */
    unsigned needs;      /* EXP_* */
    unsigned keys;       /* the sweep keys its numbers depend on: bits 1u << SK_... */
    const char *extra_table; /* suffix of a second table the run writes ("-hist"), or NULL */
    /* Checks beyond `needs` (NULL: none); IRP_EDATA naming config and dump. */
    int (*check)(const config *c, const dump *d);
    /* Writes the rows of every cell of g (g->n ≥ 1; one cell unless EXP_PAIRS). */
    int (*run)(run_ctx *x, const cell_group *g);
    /* Draws <plots>/<name>.{dat,gp,png,pdf} from the table t. */
    int (*figure)(const config *c, const csv_table *t, const char *plots_dir,
                  const char *results_dir);
    /* Writes its section of REPORT.md (after the common heading). */
    void (*report)(const report *r, const report_entry *e);
} exp_kind;

extern const exp_kind exp_kinds[];
extern const size_t num_exp_kinds;

/* The kind named `name`, or NULL. */
const exp_kind *exp_kind_find(const char *name);
/* "invert, stitch, ..." (static buffer). */
const char *exp_kind_names(void);

/* exp_invert.c */
int invert_run(run_ctx *x, const cell_group *g);
int invert_figure(const config *c, const csv_table *t, const char *plots, const char *results);
void invert_report(const report *r, const report_entry *e);
/* exp_stitch.c */
int stitch_run(run_ctx *x, const cell_group *g);
int stitch_figure(const config *c, const csv_table *t, const char *plots, const char *results);
void stitch_report(const report *r, const report_entry *e);
/* exp_scale_invariance.c */
int scale_inv_run(run_ctx *x, const cell_group *g);
int scale_inv_figure(const config *c, const csv_table *t, const char *plots, const char *results);
void scale_inv_report(const report *r, const report_entry *e);
/* exp_scale_distribution.c */
int scale_dist_check(const config *c, const dump *d);
int scale_dist_run(run_ctx *x, const cell_group *g);
int scale_dist_figure(const config *c, const csv_table *t, const char *plots,
                      const char *results);
void scale_dist_report(const report *r, const report_entry *e);
/* exp_anchor_rank.c */
int anchor_rank_check(const config *c, const dump *d);
int anchor_rank_run(run_ctx *x, const cell_group *g);
int anchor_rank_figure(const config *c, const csv_table *t, const char *plots,
                       const char *results);
void anchor_rank_report(const report *r, const report_entry *e);

#endif
