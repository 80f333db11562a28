/* run.h — executing experiments: cells of a config → CSV rows. */
#ifndef IRP_RUN_H
#define IRP_RUN_H

#include "config.h"
#include "csvio.h"
#include "dump.h"

typedef struct run_opts {
    const char *results_dir; /* default "results" */
    const char *plots_dir;   /* default "plots" */
    int force;               /* recompute cells already in results */
    int quiet;               /* no progress */
    int no_plots;
    size_t threads;          /* workers for the pairs of invert/stitch (0: one per CPU) */
} run_opts;

/* The long-format columns every result table has, in order. */
extern const char *const result_columns[];
extern const size_t num_result_columns;

/* Checks everything a config needs from its dump (spaces, heads, anchors vs
 * samples) before any work. d must hold the config's spaces. */
int run_check(const config *c, const dump *d);

/* Runs every cell not already done; writes <results>/<name>.csv. */
int run_experiment(const config *c, const dump *d, const run_opts *o);

#endif
