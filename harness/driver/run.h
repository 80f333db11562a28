/* run.h — the experiment driver: a config's cells → cell files → its table,
 * and its figure. Kinds are called through the registry (experiment.h). */
#ifndef IRP_RUN_H
#define IRP_RUN_H

#include "plumbing/config.h"
#include "plumbing/dump.h"

typedef struct run_opts {
    const char *results_dir; /* default "results" */
    const char *plots_dir;   /* default "plots" */
    int force;               /* recompute cells already in results */
    int quiet;               /* no progress */
    int no_plots;
    int redraw;              /* draw figures from the existing tables only */
    size_t threads;          /* workers for the pairs of pair kinds (0: one per CPU) */
    struct stage_acct *acct; /* --account: where the time went (NULL: not kept) */
} run_opts;

/* The longest path a run writes (bytes), below every buffer that composes
 * one; the longest suffix after <dir>/<name> is a slice's temporary cell
 * file, ".cells/<16 hex>.csv.src<20 digits>.tmp". */
enum { RUN_MAX_PATH = 1000, RUN_MAX_SUFFIX = 64 };
/* Refuses, before any work, output directories and names whose files'
 * paths would not fit (they would be cut, and cells computed into a cut
 * directory name). */
int run_check_paths(const config *c, const run_opts *o);

/* Loads c's dump as its kind needs it (*out) and checks everything the config
 * needs from it before any work. */
int run_load(dump **out, const config *c, size_t threads);

/* Runs every cell not already done; writes <results>/<name>.csv. The run
 * takes the test split as doubles once and releases the dump's float32 copy
 * (dump_release): d's test rows cannot be read again after this call. */
int run_experiment(const config *c, dump *d, const run_opts *o);

/* Draws c's figure from its table. */
int run_figure(const config *c, const run_opts *o);

#endif
