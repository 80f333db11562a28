/* irp run — validate every config, then run them, then draw their figures. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "driver/account.h"
#include "driver/experiment.h"
#include "plumbing/par.h"
#include "plumbing/pool.h"
#include "driver/run.h"
#include "plumbing/util.h"

static const char *usage =
    "usage: irp run [options] CONFIG...\n"
    "\n"
    "Runs the experiments declared in INI configs (see configs/*.ini). Any key given\n"
    "a comma-separated list is swept: one cell per combination of values. Every config\n"
    "and every dump it names is validated before any work starts.\n"
    "\n"
    "Each finished cell is saved at once (results/<name>.cells/); a rerun skips cells\n"
    "already done, so an interrupted sweep resumes where it stopped. A cell is keyed\n"
    "on its settings and on the content of the spaces it reads (their embeddings and\n"
    "heads, not the file's time): a dump regenerated with other numbers recomputes\n"
    "it, a touched or copied one does not. The table results/<name>.csv (long\n"
    "format: one row per cell, pair, method and metric; its header names the dump's\n"
    "content hash, the irp version, the BLAS kernel and the CPU) and the figure\n"
    "plots/<name>.{png,pdf} (+ the .gp script and .dat data) are rewritten\n"
    "atomically at the end. OpenBLAS's kernel is pinned (Haswell, on any CPU with\n"
    "AVX2) so that the tables are the same on every such machine; IRP_UNPINNED=1\n"
    "leaves it to the CPU.\n"
    "\n"
    "options:\n"
    "  --force          recompute every cell\n"
    "  --results DIR    where tables go (default results)\n"
    "  --plots DIR      where figures go (default plots)\n"
    "  --no-plots       skip gnuplot\n"
    "  --redraw         only draw the figures again, from the tables already in\n"
    "                   --results (each must have been computed from its config as\n"
    "                   it is now); reads no dump, computes nothing\n"
    "  --quiet          no progress on stderr\n"
    "  --threads N      translate N pairs at once, BLAS single-threaded meanwhile;\n"
    "                   with N > 1 the dump is checked in two processes at once\n"
    "                   (default: one per CPU; results do not depend on N)\n"
    "  --account FILE   also write, as CSV, where the time went: per stage (load,\n"
    "                   prepare, references, fit, apply, score) the CPU seconds and\n"
    "                   the floating-point operations and bytes the kernels did\n"
    "                   (make bench turns it into a roofline account; one process\n"
    "                   only, not with MPI)\n"
    "\n";

/* Whether `account` names the same file as one of c's tables (the account is
 * written last: it would replace the table just written). By directory and name,
 * so that a table not made yet is caught too. */
static int account_is_table(const char *account, const config *c, const run_opts *o)
{
    char *dir = xstrdup(account), *res = realpath(o->results_dir, NULL), *ad = NULL;
    const char *base = account;
    int same = 0;
    if (dir) {
        char *slash = strrchr(dir, '/');
        base = slash ? account + (slash - dir) + 1 : account;
        if (slash)
            slash[slash == dir] = 0; /* "/x" keeps "/" */
        ad = realpath(slash ? dir : ".", NULL);
    }
    if (res && ad && !strcmp(res, ad)) {
        size_t len = strlen(c->name);
        const char *extra = c->kind->extra_table ? c->kind->extra_table : "";
        same = !strncmp(base, c->name, len) &&
               (!strcmp(base + len, ".csv") ||
                (*extra && !strncmp(base + len, extra, strlen(extra)) &&
                 !strcmp(base + len + strlen(extra), ".csv")));
    }
    free(dir);
    free(res);
    free(ad);
    return same;
}

/* --redraw: every config parses, every table is its config's own (checked as
 * irp report checks it), then each figure is drawn from its table. */
static int redraw(char **paths, size_t n, const run_opts *o)
{
    config **cs = calloc(n, sizeof *cs);
    int rc = cs ? IRP_OK : irp_fail(IRP_ENOMEM, "out of memory");
    time_t pdf_date;
    for (size_t i = 0; !rc && i < n; i++)
        rc = experiment_load(&cs[i], paths[i]);
    for (size_t i = 0; !rc && i < n; i++) {
        csv_table *t;
        if (!(rc = run_check_paths(cs[i], o)) && !(rc = rows_read_table(&t, cs[i], o->results_dir)))
            csv_table_free(t);
    }
    if (!rc)
        rc = source_date_epoch(0, &pdf_date);
    if (!rc)
        rc = mkdirs(o->plots_dir);
    for (size_t i = 0; !rc && i < n; i++) {
        if ((rc = run_figure(cs[i], o))) {
            char msg[2300];
            snprintf(msg, sizeof msg, "%s", irp_last_error());
            irp_fail(IRP_EDATA, "%s: %s", cs[i]->path, msg);
        } else if (!o->quiet)
            fprintf(stderr, "[%s] figure drawn again from %s/%s.csv\n", cs[i]->name,
                    o->results_dir, cs[i]->name);
    }
    for (size_t i = 0; cs && i < n; i++)
        config_free(cs[i]);
    free(cs);
    return rc ? die_last() : 0;
}

int cmd_run(int argc, char **argv)
{
    run_opts o = {.results_dir = "results", .plots_dir = "plots"};
    stage_acct acct = {0};
    const char *account = NULL;
    stage_mark start = acct_mark_process(&acct);
    int first = 1;
    for (; first < argc && argv[first][0] == '-'; first++) {
        const char *a = argv[first];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage, stdout);
            config_print_keys(stdout, 0, exp_kind_help(), NULL);
            return 0;
        } else if (!strcmp(a, "--force"))
            o.force = 1;
        else if (!strcmp(a, "--quiet"))
            o.quiet = 1;
        else if (!strcmp(a, "--no-plots"))
            o.no_plots = 1;
        else if (!strcmp(a, "--redraw"))
            o.redraw = 1;
        else if (!strcmp(a, "--threads") && first + 1 < argc) {
            char *end;
            unsigned long t = strtoul(argv[++first], &end, 10);
            if (*end || !argv[first][0] || t < 1 || t > 64)
                return die("run: --threads '%s': expected an integer from 1 to 64", argv[first]);
            o.threads = t;
        } else if ((!strcmp(a, "--account") || !strcmp(a, "--threads") || !strcmp(a, "--results") ||
                    !strcmp(a, "--plots")) &&
                   first + 1 == argc)
            return die("run: %s needs a value (see 'irp run --help')", a);
        else if (!strcmp(a, "--account") && first + 1 < argc) {
            account = argv[++first];
            if (!account[0])
                return die("run: --account: expected a file name, got an empty one");
            o.acct = &acct;
        } else if ((!strcmp(a, "--results") || !strcmp(a, "--plots")) && first + 1 < argc)
            *(a[2] == 'r' ? &o.results_dir : &o.plots_dir) = argv[++first];
        else
            return die("run: unknown option '%s' (see 'irp run --help')", a);
    }
    if (first == argc)
        return fputs(usage, stderr), 2;
    if (o.redraw && (o.no_plots || o.force))
        return die("run: --redraw draws the figures only; it cannot go with %s",
                   o.no_plots ? "--no-plots" : "--force");
    if (account && (o.redraw || par_size() > 1))
        return die("run: --account measures one process's run; it cannot go with %s",
                   o.redraw ? "--redraw" : "MPI (run it without mpirun)");
    if (o.redraw) /* MPI: rank 0 draws */
        return par_rank() ? 0 : redraw(argv + first, (size_t)(argc - first), &o);
    if (par_rank()) /* MPI: rank 0 reports and draws, the others compute */
        o.quiet = o.no_plots = 1;
    size_t n = (size_t)(argc - first);
    config **cs = calloc(n, sizeof *cs);
    dump **ds = calloc(n, sizeof *ds);
    /* Errors are agreed on by every rank (par_agree; the plain build's is the
     * identity) before anyone prints or stops, so that no rank waits for one
     * that gave up. */
    int rc = !cs || !ds ? irp_fail(IRP_ENOMEM, "out of memory") : 0;
    /* 1. every config parses and validates */
    for (size_t i = 0; !rc && i < n; i++)
        rc = experiment_load(&cs[i], argv[first + (int)i]);
    for (size_t i = 0; !rc && i < n; i++) /* names and extra tables ("x-hist") must not clash */
        for (size_t j = 0; !rc && j < n; j++) {
            const char *extra = cs[j]->kind->extra_table;
            size_t len = strlen(cs[j]->name);
            if (j < i && !strcmp(cs[i]->name, cs[j]->name))
                rc = irp_fail(IRP_EDATA, "%s and %s both write results named '%s'; give one a "
                              "different 'name'",
                              cs[j]->path, cs[i]->path, cs[i]->name);
            else if (i != j && extra && !strncmp(cs[i]->name, cs[j]->name, len) &&
                     !strcmp(cs[i]->name + len, extra))
                rc = irp_fail(IRP_EDATA, "%s writes results named '%s', which %s also writes "
                              "(its second table); give one a different 'name'",
                              cs[i]->path, cs[i]->name, cs[j]->path);
        }
    for (size_t i = 0; !rc && i < n; i++) /* output paths that fit, before any work */
        rc = run_check_paths(cs[i], &o);
    time_t pdf_date; /* the figures' date stamp, checked before any work */
    if (!rc && !o.no_plots)
        rc = source_date_epoch(0, &pdf_date);
    csv_out acct_out = {0}; /* opened before any work: a path that cannot be written stops it */
    for (size_t i = 0; !rc && account && i < n; i++) { /* never over a config, dump or table */
        if (!(rc = check_output(account, cs[i]->path)))
            rc = check_output(account, cs[i]->data_path);
        if (!rc && account_is_table(account, cs[i], &o))
            rc = irp_fail(IRP_EDATA, "%s: is the table %s writes; write the account elsewhere",
                          account, cs[i]->path);
    }
    /* written at the end; tried now (and removed: an interrupted run leaves nothing) so that
     * a path that cannot be written stops the run before any work */
    if (!rc && account && !(rc = csv_out_open(&acct_out, account)))
        csv_out_abort(&acct_out);
    /* 2. every dump loads and holds what its config needs */
    stage_mark m = acct_mark_process(o.acct);
    for (size_t i = 0; !rc && i < n; i++)
        if (!(rc = run_load(&ds[i], cs[i], o.threads)) && account) /* each space's embeddings, read once */
            for (size_t s = 0; s < ds[i]->num_spaces; s++)
                acct_add_bytes(&acct, ST_LOAD,
                               4.0 * (double)ds[i]->spaces[s].dim *
                                   (double)(ds[i]->num_train + ds[i]->num_test));
    acct_stop_process(o.acct, ST_LOAD, &m);
    if (!rc && (mkdirs(o.results_dir) || (!o.no_plots && mkdirs(o.plots_dir))))
        rc = IRP_EDATA;
    if ((rc = par_agree(rc)))
        rc = die_last();
    /* MPI: every rank must have read the same dumps (a shared file system, or
     * identical copies), or their cells would mix two datasets */
    for (size_t i = 0; !rc && par_size() > 1 && i < n; i++) {
        unsigned long long h = ds[i]->content_hash, h0 = h;
        par_bcast(&h0, sizeof h0);
        if (par_agree(h != h0 ? irp_fail(IRP_EDATA, "%s: data = %s: this rank read content "
                                         "%016llx, rank 0 %016llx; every rank must read the "
                                         "same dump",
                                         cs[i]->path, cs[i]->data, h, h0)
                              : IRP_OK))
            rc = die_last();
    }
    /* 3. run, 4. draw */
    for (size_t i = 0; !rc && i < n; i++) {
        double t0 = now_seconds();
        int r = run_experiment(cs[i], ds[i], &o);
        dump_free(ds[i]); /* each config has its own: the next run's memory starts lower */
        ds[i] = NULL;
        if (!r && !o.no_plots)
            r = run_figure(cs[i], &o);
        if (par_agree(r)) {
            char msg[2300];
            snprintf(msg, sizeof msg, "%s", irp_last_error());
            rc = die("%s: %s", cs[i]->path, msg);
        } else if (!o.quiet)
            fprintf(stderr, "[%s] done in %.1fs\n", cs[i]->name, now_seconds() - t0);
    }
    if (account && !rc) {
        if (!(rc = csv_out_open(&acct_out, account))) {
            acct_write(&acct_out, &acct, &start, o.threads ? o.threads : pool_default_threads());
            rc = csv_out_commit(&acct_out);
        }
        if (rc)
            rc = die_last();
    }
    for (size_t i = 0; i < n; i++) {
        if (ds)
            dump_free(ds[i]);
        if (cs)
            config_free(cs[i]);
    }
    free(cs);
    free(ds);
    return rc;
}
