/* run.h — the experiment driver: a config's cells → cell files → its table,
 * and its figure. Kinds are called through the registry (experiment.h). */
#ifndef IRP_RUN_H
#define IRP_RUN_H

#include "config.h"
#include "dump.h"

typedef struct run_opts {
    const char *results_dir; /* default "results" */
    const char *plots_dir;   /* default "plots" */
    int force;               /* recompute cells already in results */
    int quiet;               /* no progress */
    int no_plots;
    size_t threads;          /* workers for the pairs of pair kinds (0: one per CPU) */
} run_opts;

/* Loads c's dump as its kind needs it (*out) and checks everything the config
 * needs from it before any work. */
int run_load(dump **out, const config *c);

/* Runs every cell not already done; writes <results>/<name>.csv. */
int run_experiment(const config *c, const dump *d, const run_opts *o);

/* Draws c's figure from its table. */
int run_figure(const config *c, const run_opts *o);

#endif
