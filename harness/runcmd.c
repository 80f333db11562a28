/* irp run — validate every config, then run them, then draw their figures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "commands.h"
#include "config.h"
#include "plots.h"
#include "run.h"

static const char *usage =
    "usage: irp run [options] CONFIG...\n"
    "\n"
    "Runs the experiments declared in INI configs (see configs/*.ini). Any key given\n"
    "a comma-separated list is swept: one cell per combination of values. Every config\n"
    "and every dump it names is validated before any work starts.\n"
    "\n"
    "Each finished cell is saved at once (results/<name>.cells/); a rerun skips cells\n"
    "already done, so an interrupted sweep resumes where it stopped. The table\n"
    "results/<name>.csv (long format: one row per cell, pair, method and metric) and\n"
    "the figure plots/<name>.{png,pdf} (+ the .gp script and .dat data) are rewritten\n"
    "atomically at the end.\n"
    "\n"
    "options:\n"
    "  --force          recompute every cell\n"
    "  --results DIR    where tables go (default results)\n"
    "  --plots DIR      where figures go (default plots)\n"
    "  --no-plots       skip gnuplot\n"
    "  --quiet          no progress on stderr\n"
    "  --threads N      translate N pairs at once, BLAS single-threaded meanwhile\n"
    "                   (default: one per CPU; results do not depend on N)\n"
    "\n"
    "config keys ([experiment] section):\n"
    "  type        invert | stitch | scale-invariance | scale-distribution (required)\n"
    "  data        HDF5 dump, schema irp-embeddings/1 (required)\n"
    "  name        result name (default: config file name)\n"
    "  spaces      all | comma list of spaces     test_limit  first N test rows (0 = all)\n"
    "  targets     invert/stitch: decode only into these spaces (default all)\n"
    "  references  Procrustes + affine beside IRP (default true)\n"
    "  intra       invert: include X->X pairs (default true)\n"
    "  retrieval   invert: top-1 retrieval (default false)   bins  histogram bins (40)\n"
    "  sweepable:  anchors (1280), anchor_seed (0), omega (1), delta (0), prune\n"
    "              (threshold|fraction), rcond (-1 = LAPACK default), rescale\n"
    "              (mean-norm|none), center (false), completion (false), seed (0),\n"
    "              head (linear), factor (1), scale_mode (set-norm|multiply)\n";

typedef struct loaded {
    const char *path;
    const config *c;
    dump *d;
} loaded;

int cmd_run(int argc, char **argv)
{
    run_opts o = {"results", "plots", 0, 0, 0, 0};
    int first = 1;
    for (; first < argc && argv[first][0] == '-'; first++) {
        const char *a = argv[first];
        if (!strcmp(a, "--help") || !strcmp(a, "-h"))
            return fputs(usage, stdout), 0;
        else if (!strcmp(a, "--force"))
            o.force = 1;
        else if (!strcmp(a, "--quiet"))
            o.quiet = 1;
        else if (!strcmp(a, "--no-plots"))
            o.no_plots = 1;
        else if (!strcmp(a, "--threads") && first + 1 < argc) {
            char *end;
            unsigned long t = strtoul(argv[++first], &end, 10);
            if (*end || !argv[first][0] || t < 1 || t > 64)
                return die("run: --threads '%s': expected an integer from 1 to 64", argv[first]);
            o.threads = t;
        } else if ((!strcmp(a, "--results") || !strcmp(a, "--plots")) && first + 1 < argc)
            *(a[2] == 'r' ? &o.results_dir : &o.plots_dir) = argv[++first];
        else
            return die("run: unknown option '%s' (see 'irp run --help')", a);
    }
    if (first == argc)
        return fputs(usage, stderr), 2;
    size_t n = (size_t)(argc - first);
    config **cs = calloc(n, sizeof *cs);
    loaded *ds = calloc(n, sizeof *ds);
    int rc = 0;
    /* 1. every config parses and validates */
    for (size_t i = 0; !rc && i < n; i++)
        if (config_load(&cs[i], argv[first + (int)i]))
            rc = die_last();
    for (size_t i = 0; !rc && i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (!strcmp(cs[i]->name, cs[j]->name))
                rc = die("%s and %s both write results named '%s'; give one a different 'name'",
                         cs[j]->path, cs[i]->path, cs[i]->name);
    /* 2. every dump loads and holds what its config needs */
    for (size_t i = 0; !rc && i < n; i++) {
        const config *c = cs[i];
        ds[i].c = c;
        /* invert and stitch use only anchors from the training split */
        unsigned flags = c->type == EXP_INVERT || c->type == EXP_STITCH ? DUMP_TRAIN_ON_DEMAND : 0;
        if (dump_load_flags(&ds[i].d, c->data,
                            c->num_spaces ? (const char *const *)c->spaces : NULL, c->num_spaces,
                            flags))
            rc = die("%s: %s", c->path, irp_last_error());
        else if (run_check(c, ds[i].d))
            rc = die_last();
    }
    if (!rc && (mkdir(o.results_dir, 0777), mkdir(o.plots_dir, 0777), 0))
        rc = 1;
    /* 3. run, 4. draw */
    for (size_t i = 0; !rc && i < n; i++) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        if (run_experiment(cs[i], ds[i].d, &o))
            rc = die("%s: %s", cs[i]->path, irp_last_error());
        else if (!o.no_plots && plots_make(cs[i], &o))
            rc = die("%s: %s", cs[i]->path, irp_last_error());
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (!rc && !o.quiet)
            fprintf(stderr, "[%s] done in %.1fs\n", cs[i]->name,
                    (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
    }
    for (size_t i = 0; i < n; i++) {
        dump_free(ds[i].d);
        config_free(cs[i]);
    }
    free(cs);
    free(ds);
    return rc;
}
