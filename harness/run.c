/* The experiment driver. Each cell (one combination of sweep values) is
 * computed whole and written atomically to <results>/<name>.cells/<id>.csv;
 * a cell file that exists is not recomputed (resume) unless --force. The
 * experiment's table <results>/<name>.csv is then assembled from the cells,
 * again atomically. What a cell computes is its kind's (experiment.h). */
#include "run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "experiment.h"
#include "pool.h"
#include "util.h"

int run_load(dump **out, const config *c)
{
    const exp_kind *kind = c->kind;
    /* pair kinds use only anchors from the training split */
    unsigned flags = kind->needs & EXP_PAIRS ? DUMP_TRAIN_ON_DEMAND : 0;
    *out = NULL;
    dump *d;
    if (dump_load_flags(&d, c->data, c->num_spaces ? (const char *const *)c->spaces : NULL,
                        c->num_spaces, flags)) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", irp_last_error());
        return irp_fail(IRP_EDATA, "%s: %s", c->path, msg);
    }
    int rc = IRP_OK;
    if (kind->needs & EXP_PAIRS) {
        if (d->num_spaces < 2 && !(c->intra && (kind->needs & EXP_INTRA)))
            rc = irp_fail(IRP_EDATA, "%s: %s needs at least 2 spaces, %s has %zu", c->path,
                          kind->name, d->path, d->num_spaces);
        for (size_t i = 0; !rc && i < c->num_values[SK_ANCHORS]; i++) {
            size_t k = (size_t)strtoull(c->values[SK_ANCHORS][i], NULL, 10);
            if (k > d->num_train)
                rc = irp_fail(IRP_EDATA, "%s: anchors = %zu but %s has only %zu training rows",
                              c->path, k, d->path, d->num_train);
        }
    }
    for (size_t t = 0; !rc && t < c->num_targets; t++)
        if (!dump_find_space(d, c->targets[t]))
            rc = irp_fail(IRP_EDATA, "%s: targets: space '%s' is not among the spaces loaded from %s",
                          c->path, c->targets[t], d->path);
    if (!rc && (kind->needs & EXP_LABELS) && !d->test_labels)
        rc = irp_fail(IRP_EDATA, "%s: %s needs labels but %s has none", c->path, kind->name,
                      d->path);
    for (size_t i = 0; !rc && (kind->needs & EXP_HEADS) && i < c->num_values[SK_HEAD]; i++)
        for (size_t s = 0; !rc && s < d->num_spaces; s++)
            if (config_is_target(c, d->spaces[s].name) &&
                !dump_find_head(&d->spaces[s], c->values[SK_HEAD][i])) {
                char have[512] = "none";
                size_t n = 0;
                for (size_t h = 0; h < d->spaces[s].num_heads && n < sizeof have; h++)
                    n += (size_t)snprintf(have + n, sizeof have - n, "%s%s", h ? ", " : "",
                                          d->spaces[s].heads[h].name);
                rc = irp_fail(IRP_EDATA, "%s: head '%s' is not in %s:/spaces/%s/heads (it has: %s)",
                              c->path, c->values[SK_HEAD][i], d->path, d->spaces[s].name, have);
            }
    if (!rc && kind->check)
        rc = kind->check(c, d);
    if (rc) {
        dump_free(d);
        return rc;
    }
    *out = d;
    return IRP_OK;
}

/* Appends the data lines (not comments, not the header) of a cell file. */
static int append_cell(FILE *out, const char *path)
{
    FILE *in = fopen(path, "r");
    if (!in)
        return irp_fail(IRP_EDATA, "%s: cannot read (%s)", path, strerror(errno));
    char line[8192];
    int header_seen = 0;
    while (fgets(line, sizeof line, in)) {
        if (line[0] == '#')
            continue;
        if (!header_seen) {
            header_seen = 1;
            continue;
        }
        fputs(line, out);
    }
    fclose(in);
    return IRP_OK;
}

/* <cells_dir>/<id>.csv: the id covers the cell's inputs and the dump's stamp. */
static void cell_path(char *buf, size_t n, const char *cells_dir, const config *c,
                      const cell *cl, uint64_t stamp)
{
    snprintf(buf, n, "%s/%016llx.csv", cells_dir,
             (unsigned long long)(config_cell_hash(c, cl) ^ stamp));
}

/* Whether cells i and j are computed together: pair kinds share per-space and
 * per-subset work across ω. */
static int same_group(const config *c, const cell *a, const cell *b)
{
    if (!(c->kind->needs & EXP_PAIRS))
        return 0;
    for (int k = 0; k < SK_COUNT; k++)
        if (k != SK_OMEGA && strcmp(a->text[k], b->text[k]))
            return 0;
    return 1;
}

/* The test rows every kind reads: the first n_test, as doubles, with norms. */
static int load_test_rows(run_ctx *x)
{
    const dump *d = x->d;
    x->n_test = x->c->test_limit && x->c->test_limit < d->num_test ? x->c->test_limit
                                                                     : d->num_test;
    x->test = calloc(d->num_spaces, sizeof *x->test);
    x->test_norms = calloc(d->num_spaces, sizeof *x->test_norms);
    if (!x->test || !x->test_norms)
        return irp_fail(IRP_ENOMEM, "out of memory");
    for (size_t s = 0; s < d->num_spaces; s++) {
        if (!(x->test[s] = dump_rows(&d->spaces[s].test, NULL, x->n_test)) ||
            !(x->test_norms[s] = malloc((x->n_test ? x->n_test : 1) * sizeof **x->test_norms)))
            return irp_fail(IRP_ENOMEM, "out of memory for the test rows of %s",
                            d->spaces[s].name);
        irp_row_norms(x->test_norms[s], x->test[s]);
    }
    return IRP_OK;
}

static void free_test_rows(run_ctx *x)
{
    for (size_t s = 0; s < x->d->num_spaces; s++) {
        if (x->test)
            irp_mat_free(x->test[s]);
        if (x->test_norms)
            free(x->test_norms[s]);
    }
    free(x->test);
    free(x->test_norms);
}

int run_experiment(const config *c, const dump *d, const run_opts *o)
{
    char cells_dir[1024], table[1024], path[1200], extra[1024] = "";
    snprintf(cells_dir, sizeof cells_dir, "%s/%s.cells", o->results_dir, c->name);
    snprintf(table, sizeof table, "%s/%s.csv", o->results_dir, c->name);
    if (c->kind->extra_table)
        snprintf(extra, sizeof extra, "%s/%s%s.csv", o->results_dir, c->name,
                 c->kind->extra_table);
    int rc = mkdirs(cells_dir);
    if (rc)
        return rc;
    struct stat st;
    uint64_t stamp = 0;
    if (!stat(d->path, &st)) /* a regenerated dump invalidates finished cells */
        stamp = (uint64_t)st.st_size * 0x9E3779B97F4A7C15ULL ^ (uint64_t)st.st_mtime;
    run_ctx x = {.c = c, .d = d, .threads = o->threads ? o->threads : pool_default_threads(),
                 .extra_table = extra};
    rc = load_test_rows(&x);
    size_t ncells = config_num_cells(c), done = 0, computed = 0, visited = 0;
    double t0 = now_seconds();
    int tty = isatty(2) && !o->quiet;
    unsigned char *seen = calloc(ncells, 1);
    cell *cells = calloc(ncells, sizeof *cells);
    csv_out *writers = calloc(ncells, sizeof *writers);
    if (!rc && (!seen || !cells || !writers))
        rc = irp_fail(IRP_ENOMEM, "out of memory for %zu cells", ncells);
    for (size_t i = 0; !rc && i < ncells; i++) {
        if (seen[i])
            continue;
        cell_group g = {0, cells, writers};
        cell first;
        config_cell(&first, c, i);
        for (size_t j = i; j < ncells && !rc; j++) {
            cell cl;
            if (seen[j])
                continue;
            config_cell(&cl, c, j);
            if (j != i && !same_group(c, &first, &cl))
                continue;
            seen[j] = 1;
            visited++;
            cell_path(path, sizeof path, cells_dir, c, &cl, stamp);
            if (!o->force && access(path, R_OK) == 0 && (!extra[0] || access(extra, R_OK) == 0)) {
                done++;
                continue;
            }
            cells[g.n] = cl;
            if ((rc = csv_out_open(&writers[g.n], path)))
                break;
            csv_out_comment(&writers[g.n], "irp cell %zu/%zu of %s", j + 1, ncells, c->path);
            rows_header(&writers[g.n]);
            g.n++;
        }
        if (!rc && g.n) {
            rows_select_cell(&x, &g, 0);
            rc = c->kind->run(&x, &g);
        }
        for (size_t j = 0; j < g.n; j++) {
            if (rc)
                csv_out_abort(&writers[j]);
            else if ((rc = csv_out_commit(&writers[j])) == IRP_OK)
                computed++;
            else
                for (size_t m = j + 1; m < g.n; m++)
                    csv_out_abort(&writers[m]);
            if (rc)
                break;
        }
        if (!rc && g.n && !o->quiet) {
            char eta[32], el[32];
            double elapsed = now_seconds() - t0;
            fmt_secs(el, sizeof el, elapsed);
            fmt_secs(eta, sizeof eta, elapsed / (double)computed * (double)(ncells - visited));
            fprintf(stderr, "%s[%s] %zu/%zu cells done (elapsed %s, ETA %s)%s", tty ? "\r" : "",
                    c->name, visited, ncells, el, eta, tty ? "   " : "\n");
        }
    }
    free(seen);
    free(cells);
    free(writers);
    if (tty)
        fputc('\n', stderr);
    free_test_rows(&x);
    if (rc)
        return rc;
    /* assemble the table from the cells, in sweep order */
    csv_out w;
    if ((rc = csv_out_open(&w, table)))
        return rc;
    csv_out_comment(&w, "irp run %s (fnv1a %016llx), data %s, %zu cells", c->path,
                    (unsigned long long)c->hash, d->path, ncells);
    rows_header(&w);
    fflush(w.fp);
    for (size_t i = 0; !rc && i < ncells; i++) {
        cell cl;
        config_cell(&cl, c, i);
        cell_path(path, sizeof path, cells_dir, c, &cl, stamp);
        rc = append_cell(w.fp, path);
    }
    if (rc) {
        csv_out_abort(&w);
        return rc;
    }
    if (!o->quiet)
        fprintf(stderr, "[%s] %zu cells (%zu computed, %zu resumed) -> %s in %.1fs\n", c->name,
                ncells, computed, done, table, now_seconds() - t0);
    return csv_out_commit(&w);
}

int run_figure(const config *c, const run_opts *o)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.csv", o->results_dir, c->name);
    csv_table *t;
    int rc = csv_table_read(&t, path);
    if (rc)
        return rc;
    rc = c->kind->figure(c, t, o->plots_dir, o->results_dir);
    csv_table_free(t);
    return rc;
}
