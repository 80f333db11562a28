/* irp report — REPORT.md from the result tables and the paper's numbers.
 * Nothing here is typed by hand: each section is its kind's (experiment.h),
 * computed from <results>/<name>.csv; the findings are the claims table's
 * (claims.c), decided from the configs that opt into each. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "driver/experiment.h"
#include "kinds/claims.h"
#include "plumbing/provenance.h"
#include "plumbing/util.h"

static const char *usage =
    "usage: irp report [--results DIR] [--plots DIR] [--paper FILE|none] [--out FILE] CONFIG...\n"
    "\n"
    "Writes a Markdown report (default <results>/REPORT.md) with one section per\n"
    "config, computed from its result table (run 'irp run CONFIG...' first), with\n"
    "every setting it was computed with, its figure (linked relative to the report),\n"
    "and the paper's published numbers beside it (CSV columns table,key,column,value;\n"
    "default configs/paper-numbers.csv in the working directory, else the copy beside\n"
    "this binary, in its checkout or installed; 'none' leaves them out). It opens with the\n"
    "paper's key findings, each decided by a stated rule from the configs that opt into\n"
    "it in their [report] section:\n"
    "\n"
    "  [report]\n"
    "  claims = invertibility, ensembling     ; findings this config's numbers decide\n"
    "  paper = stitching:fashion-mnist        ; the paper's row shown beside its table\n"
    "\n"
    "The date is SOURCE_DATE_EPOCH when set (as for the PDFs), else the current time.\n";

/* The paper's numbers when --paper is not given: configs/paper-numbers.csv
 * under the working directory (the checkout), else beside the binary, in the
 * checkout it was built in (<exe>/../configs/) or where 'make install' put it
 * (<exe>/../share/irp/); the first that exists, or the first when none does
 * (its read error then names it). */
static const char *default_paper(char *buf, size_t size)
{
    static const char *cwd_path = "configs/paper-numbers.csv";
    if (access(cwd_path, F_OK) == 0)
        return cwd_path;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return cwd_path;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return cwd_path;
    *slash = '\0';
    const char *beside[] = {"../configs/paper-numbers.csv", "../share/irp/paper-numbers.csv"};
    for (size_t i = 0; i < sizeof beside / sizeof *beside; i++) {
        char joined[PATH_MAX + 64], real[PATH_MAX];
        int len = snprintf(joined, sizeof joined, "%s/%s", exe, beside[i]);
        if (len > 0 && (size_t)len < sizeof joined && realpath(joined, real) &&
            strlen(real) < size)
            return strcpy(buf, real);
    }
    return cwd_path;
}

/* Absolute, normalised form of an existing directory, or of cwd/path. */
static int absolute_dir(char *out, size_t size, const char *path)
{
    char buf[PATH_MAX];
    if (realpath(path, buf)) {
        snprintf(out, size, "%s", buf);
        return 0;
    }
    if (path[0] == '/')
        return snprintf(out, size, "%s", path) >= (int)size;
    if (!getcwd(buf, sizeof buf))
        return -1;
    return snprintf(out, size, "%s/%s", buf, path) >= (int)size;
}

/* `to` relative to directory `from` (both absolute, no '.' or '..'). */
static void relative_path(char *out, size_t size, const char *from, const char *to)
{
    if (!strcmp(from, "/")) {
        snprintf(out, size, "%s", to[1] ? to + 1 : ".");
        return;
    }
    size_t common = 0, i = 0;
    for (; from[i] && from[i] == to[i]; i++)
        if (from[i] == '/')
            common = i;
    if (!from[i] && (to[i] == '/' || !to[i]))
        common = i; /* from is a prefix of to */
    else if (!to[i] && from[i] == '/')
        common = i;
    size_t n = 0;
    out[0] = '\0';
    for (const char *p = from + common; *p; p++)
        if (*p == '/')
            n += (size_t)snprintf(out + n, n < size ? size - n : 0, "%s..", n ? "/" : "");
    const char *rest = to + common + (to[common] == '/');
    if (*rest)
        n += (size_t)snprintf(out + n, n < size ? size - n : 0, "%s%s", n ? "/" : "", rest);
    if (!n)
        snprintf(out, size, ".");
}

void report_section(const report *r, const report_entry *e)
{
    const config *c = e->c;
    const char *results = r->results_dir;
    fprintf(r->out, "\n## %s — `%s` (%s, data `%s`)\n", c->name, c->path, c->kind->name,
            c->data);
    md_settings(r->out, c);
    char prov[2048], table_path[1100];
    snprintf(table_path, sizeof table_path, "%s/%s.csv", results, c->name);
    provenance_read(prov, sizeof prov, table_path);
    if (prov[0])
        fprintf(r->out, "\nProvenance (`%s/%s.csv`): %s.\n", results, c->name, md_esc(prov));
    else
        fprintf(r->out, "\nProvenance: not recorded (`%s/%s.csv` was written by an older "
                        "irp; rerun 'irp run --force' to record it).\n",
                results, c->name);
    if (c->kind->report) /* optional: NULL means the table speaks for itself */
        c->kind->report(r, e);
    else
        fprintf(r->out, "\nThe %s kind writes no summary here: its numbers are in "
                        "`%s/%s.csv`.\n",
                c->kind->name, results, c->name);
    if (c->kind->figure) /* optional too */
        md_figure(r, c);
}

int cmd_report(int argc, char **argv)
{
    char paper_buf[PATH_MAX + 64];
    const char *results = "results", *plots = "plots", *paper = NULL, *outp = NULL;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage, stdout);
            fprintf(stdout, "\nclaims: %s\n", claim_names());
            return 0;
        }
        if (i + 1 >= argc)
            return die("report: option '%s' needs a value", argv[i]);
        if (!strcmp(argv[i], "--results"))
            results = argv[++i];
        else if (!strcmp(argv[i], "--plots"))
            plots = argv[++i];
        else if (!strcmp(argv[i], "--paper"))
            paper = argv[++i];
        else if (!strcmp(argv[i], "--out"))
            outp = argv[++i];
        else
            return die("report: unknown option '%s' (see 'irp report --help')", argv[i]);
    }
    if (i == argc)
        return fputs(usage, stderr), 2;
    if (!paper)
        paper = default_paper(paper_buf, sizeof paper_buf);
    if (outp && !*outp)
        return die("report: --out is empty; expected a file name");
    time_t when_t;
    if (source_date_epoch(time(NULL), &when_t))
        return die_last();
    char defout[1024];
    if (!outp) {
        snprintf(defout, sizeof defout, "%s/REPORT.md", results);
        outp = defout;
    }
    size_t n = (size_t)(argc - i);
    report_entry *e = calloc(n, sizeof *e);
    csv_table *paper_t = NULL;
    int rc = e ? 0 : die("out of memory");
    if (!rc && strcmp(paper, "none") && csv_table_read(&paper_t, paper)) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", irp_last_error());
        rc = die("%s; pass --paper FILE (the paper's numbers: configs/paper-numbers.csv in the "
                 "irp repository) or --paper none",
                 msg);
    }
    if (!rc && paper_t &&
        (csv_table_col(paper_t, "table") < 0 || csv_table_col(paper_t, "key") < 0 ||
         csv_table_col(paper_t, "column") < 0 || csv_table_col(paper_t, "value") < 0))
        rc = die("%s: expected the columns table,key,column,value (as configs/paper-numbers.csv)",
                 paper);
    for (size_t j = 0; !rc && j < n; j++) {
        if (experiment_load(&e[j].c, argv[i + (int)j])) {
            rc = die_last();
            break;
        }
        if (rows_read_table(&e[j].t, e[j].c, results))
            rc = die_last();
    }
    /* the report must not replace any of its inputs */
    for (size_t j = 0; !rc && j < n; j++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s.csv", results, e[j].c->name);
        if (check_output(outp, e[j].c->path) || check_output(outp, path))
            rc = die_last();
    }
    if (!rc && paper_t && check_output(outp, paper))
        rc = die_last();
    csv_out w; /* only for its temp-file + rename; the body is Markdown */
    char out_parent[PATH_MAX];
    snprintf(out_parent, sizeof out_parent, "%s", outp);
    char *last = strrchr(out_parent, '/');
    if (last && last != out_parent) {
        *last = '\0';
        if (!rc && mkdirs(out_parent))
            rc = die_last();
    }
    if (!rc && csv_out_open(&w, outp))
        rc = die_last();
    if (!rc) {
        /* figure links relative to the report's own directory */
        char out_dir[PATH_MAX], plots_abs[PATH_MAX], link[PATH_MAX];
        snprintf(out_dir, sizeof out_dir, "%s", outp);
        char *slash = strrchr(out_dir, '/');
        if (slash)
            *slash = '\0';
        else
            snprintf(out_dir, sizeof out_dir, ".");
        char out_abs[PATH_MAX];
        if (absolute_dir(out_abs, sizeof out_abs, out_dir[0] ? out_dir : "/") ||
            absolute_dir(plots_abs, sizeof plots_abs, plots))
            snprintf(link, sizeof link, "%s", plots);
        else
            relative_path(link, sizeof link, out_abs, plots_abs);
        report r = {.out = w.fp, .results_dir = results, .plots_dir = plots, .plots_link = link,
                    .paper = paper_t,
                    .e = e, .n = n};
        char when[64];
        struct tm tm;
        gmtime_r(&when_t, &tm); /* checked in range by source_date_epoch */
        strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
        fprintf(r.out,
                "# irp reproduction report\n\nGenerated by `irp report` (irp %s) on %s from the "
                "result tables in `%s/` (each written by `irp run` from the dumps its config "
                "names; each section names the dump's content hash, the code version, the BLAS "
                "kernel and the CPU that computed its table). ",
                provenance_version(), when, results);
        if (paper_t)
            fprintf(r.out, "The paper's numbers are read from `%s`. ", paper);
        else
            fprintf(r.out, "The paper's numbers are left out (`--paper none`). ");
        fprintf(r.out, "Paper: Maiorca et al. 2024, *Latent Space Translation via Inverse "
                       "Relative Projection* (arXiv 2406.15057).\n");
        claims_write(&r);
        for (size_t j = 0; j < n; j++)
            report_section(&r, &e[j]);
        if (csv_out_commit(&w))
            rc = die_last();
        else
            fprintf(stderr, "[report] wrote %s\n", outp);
    }
    for (size_t j = 0; e && j < n; j++) {
        config_free(e[j].c);
        csv_table_free(e[j].t);
    }
    free(e);
    csv_table_free(paper_t);
    return rc;
}
