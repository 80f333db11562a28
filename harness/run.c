/* Experiment execution. Each cell (one combination of sweep values) is
 * computed whole and written atomically to <results>/<name>.cells/<id>.csv;
 * a cell file that exists is not recomputed (resume) unless --force. The
 * experiment's table <results>/<name>.csv is then assembled from the cells,
 * again atomically. */
#include "run.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"

const char *const result_columns[] = {
    "experiment", "dataset", "anchors", "anchor_seed", "omega",   "delta",  "prune",
    "rcond",      "rescale", "center",  "completion",  "seed",    "head",   "factor",
    "scale_mode", "encoder", "decoder", "method",      "metric",  "value"};
const size_t num_result_columns = sizeof result_columns / sizeof *result_columns;

typedef struct ctx {
    const config *c;
    const dump *d;
    const cell *cl;
    csv_out *w;
    size_t n_test;
    irp_mat **test; /* per space, first n_test rows */
} ctx;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void row(ctx *x, const char *enc, const char *dec, const char *method, const char *metric,
                double value)
{
    csv_out *w = x->w;
    csv_out_str(w, x->c->name);
    csv_out_str(w, x->d->dataset);
    for (int k = 0; k < SK_COUNT; k++)
        csv_out_str(w, x->cl->text[k]);
    csv_out_str(w, enc);
    csv_out_str(w, dec);
    csv_out_str(w, method);
    csv_out_str(w, metric);
    csv_out_num(w, value);
    csv_out_end_row(w);
}

int run_check(const config *c, const dump *d)
{
    if (c->type == EXP_INVERT || c->type == EXP_STITCH) {
        if (d->num_spaces < 2 && !(c->type == EXP_INVERT && c->intra))
            return irp_fail(IRP_EDATA, "%s: %s needs at least 2 spaces, %s has %zu", c->path,
                            exp_type_name(c->type), d->path, d->num_spaces);
        for (size_t i = 0; i < c->num_values[SK_ANCHORS]; i++) {
            size_t k = (size_t)strtoull(c->values[SK_ANCHORS][i], NULL, 10);
            if (k > d->num_train)
                return irp_fail(IRP_EDATA, "%s: anchors = %zu but %s has only %zu training rows",
                                c->path, k, d->path, d->num_train);
        }
    }
    for (size_t t = 0; t < c->num_targets; t++) {
        size_t s = 0;
        while (s < d->num_spaces && strcmp(d->spaces[s].name, c->targets[t]))
            s++;
        if (s == d->num_spaces)
            return irp_fail(IRP_EDATA, "%s: targets: space '%s' is not among the spaces loaded from %s",
                            c->path, c->targets[t], d->path);
    }
    if (c->type == EXP_STITCH || c->type == EXP_SCALE_INV) {
        if (!d->test_labels)
            return irp_fail(IRP_EDATA, "%s: %s needs labels but %s has none", c->path,
                            exp_type_name(c->type), d->path);
        for (size_t i = 0; i < c->num_values[SK_HEAD]; i++)
            for (size_t s = 0; s < d->num_spaces; s++)
                if (config_is_target(c, d->spaces[s].name) &&
                    !dump_find_head(&d->spaces[s], c->values[SK_HEAD][i]))
                    return irp_fail(IRP_EDATA, "%s: head '%s' is not in %s:/spaces/%s/heads",
                                    c->path, c->values[SK_HEAD][i], d->path, d->spaces[s].name);
    }
    if (c->type == EXP_SCALE_DIST && d->num_train < 3)
        return irp_fail(IRP_EDATA, "%s: too few rows for a distribution", d->path);
    return IRP_OK;
}

/* ---- invert / stitch: translate every ordered pair with every method ---- */

typedef void (*evaluate_fn)(ctx *x, size_t src, size_t dst, const char *method,
                            const irp_mat *y);

static void eval_invert(ctx *x, size_t i, size_t j, const char *method, const irp_mat *y)
{
    const char *a = x->d->spaces[i].name, *b = x->d->spaces[j].name;
    double v;
    if (!irp_mean_cosine(&v, y, x->test[j]))
        row(x, a, b, method, "mean_cosine", v);
    if (!irp_mean_cosine_floor(&v, y, x->test[j], 12345))
        row(x, a, b, method, "cosine_floor", v);
    if (x->c->retrieval && !irp_top1_retrieval(&v, y, x->test[j]))
        row(x, a, b, method, "top1", v);
}

static void eval_stitch(ctx *x, size_t i, size_t j, const char *method, const irp_mat *y)
{
    const dump_space *dst = &x->d->spaces[j];
    const dump_head *h = dump_find_head(dst, x->cl->head);
    double v;
    if (!irp_head_accuracy(&v, &h->head, y, x->d->test_labels))
        row(x, x->d->spaces[i].name, dst->name, method, "accuracy", v);
    if (!irp_mean_cosine(&v, y, x->test[j]))
        row(x, x->d->spaces[i].name, dst->name, method, "mean_cosine", v);
}

/* One group of cells that differ only in ω: spaces, subsets (drawn for the
 * largest ω) and every per-subset pseudo-inverse are shared; each cell gets
 * its own translator and rows. */
typedef struct group {
    size_t n;
    cell *cells;
    csv_out *writers;
} group;

static void select_cell(ctx *x, const group *g, size_t j)
{
    x->cl = &g->cells[j];
    x->w = &g->writers[j];
}

static int pairs(ctx *x, const group *gr, evaluate_fn eval, int include_intra)
{
    const dump *d = x->d;
    const cell *cl = &gr->cells[0];
    size_t ns = d->num_spaces, k = cl->anchors, max_omega = 0;
    irp_options opts = cl->opts;
    size_t *omegas = malloc(gr->n * sizeof *omegas);
    irp_mat **ts = calloc(gr->n, sizeof *ts);
    irp_fit_info *info = calloc(gr->n, sizeof *info);
    size_t *idx = malloc(k * sizeof *idx);
    irp_mat **raw = calloc(ns, sizeof *raw);
    irp_space **sp = calloc(ns, sizeof *sp);
    irp_subsets **sub = calloc(ns, sizeof *sub);
    irp_mat **xp = calloc(ns, sizeof *xp); /* test rows prepared in each source space */
    int rc = (!omegas || !ts || !info || !idx || !raw || !sp || !sub || !xp)
                 ? irp_fail(IRP_ENOMEM, "out of memory")
                 : IRP_OK;
    for (size_t j = 0; !rc && j < gr->n; j++) {
        omegas[j] = gr->cells[j].opts.num_subspaces;
        if (omegas[j] > max_omega)
            max_omega = omegas[j];
    }
    opts.num_subspaces = max_omega;
    if (!rc)
        rc = irp_anchor_indices(idx, d->num_train, k, cl->anchor_seed);
    /* per-space work, once per group: anchors, prepared space, pruned subsets */
    for (size_t i = 0; !rc && i < ns; i++) {
        raw[i] = dump_rows(&d->spaces[i].train, idx, k);
        sp[i] = raw[i] ? irp_space_new(raw[i], opts.center) : NULL;
        sub[i] = sp[i] ? irp_subsets_for(sp[i], &opts) : NULL;
        xp[i] = sub[i] ? irp_mat_new(x->n_test, d->spaces[i].dim) : NULL;
        if (!xp[i] || irp_space_prepare(xp[i], sp[i], x->test[i]))
            rc = irp_fail(IRP_EDATA, "space %s: %s", d->spaces[i].name, irp_last_error());
    }
    for (size_t i = 0; !rc && i < ns; i++)
        for (size_t j = 0; !rc && j < ns; j++) {
            if ((i == j && !include_intra) || !config_is_target(x->c, d->spaces[j].name))
                continue;
            size_t dx = d->spaces[i].dim, dy = d->spaces[j].dim;
            const char *a = d->spaces[i].name, *b = d->spaces[j].name;
            irp_mat *t = irp_mat_new(dx, dy), *y = irp_mat_new(x->n_test, dy);
            irp_mat *aff = irp_mat_new(dx + 1, dy);
            rc = (!t || !y || !aff) ? IRP_ENOMEM : IRP_OK;
            for (size_t c = 0; !rc && c < gr->n; c++)
                if (!(ts[c] = irp_mat_new(dx, dy)))
                    rc = IRP_ENOMEM;
            if (!rc)
                rc = irp_translator_fit_prefixes(ts, info, omegas, gr->n, sp[i], sp[j], sub[i],
                                                 &opts);
            for (size_t c = 0; !rc && c < gr->n; c++) {
                select_cell(x, gr, c);
                /* δ = 0 gives every ω the same translator: translate once */
                if (!c || memcmp(ts[c]->data, ts[c - 1]->data, dx * dy * sizeof(double)))
                    rc = irp_translate_apply_prepared(y, ts[c], sp[j], xp[i], &opts);
                if (rc)
                    break;
                eval(x, i, j, "irp", y);
                row(x, a, b, "irp", "subset_size", info[c].mean_subset_size);
                row(x, a, b, "irp", "rank", info[c].mean_rank);
                row(x, a, b, "irp", "cond_mean", info[c].mean_cond);
                row(x, a, b, "irp", "cond_max", info[c].max_cond);
                if (i != j && dx == dy)
                    eval(x, i, j, "absolute", x->test[i]);
            }
            if (!rc && x->c->references) { /* ω-independent: computed once, written per cell */
                rc = irp_procrustes_fit(t, sp[i]->anchors, sp[j]->anchors);
                if (!rc)
                    rc = irp_translate_apply_prepared(y, t, sp[j], xp[i], &opts);
                for (size_t c = 0; !rc && c < gr->n; c++) {
                    select_cell(x, gr, c);
                    eval(x, i, j, "procrustes", y);
                }
                if (!rc)
                    rc = irp_affine_fit(aff, raw[i], raw[j], opts.rcond);
                if (!rc)
                    rc = irp_affine_apply(y, aff, x->test[i]);
                for (size_t c = 0; !rc && c < gr->n; c++) {
                    select_cell(x, gr, c);
                    eval(x, i, j, "affine", y);
                }
            }
            if (rc)
                rc = irp_fail(rc, "%s -> %s: %s", a, b, irp_last_error());
            for (size_t c = 0; c < gr->n; c++) {
                irp_mat_free(ts[c]);
                ts[c] = NULL;
            }
            irp_mat_free(t);
            irp_mat_free(y);
            irp_mat_free(aff);
        }
    for (size_t i = 0; i < ns; i++) {
        if (raw)
            irp_mat_free(raw[i]);
        if (sp)
            irp_space_free(sp[i]);
        if (sub)
            irp_subsets_free(sub[i]);
        if (xp)
            irp_mat_free(xp[i]);
    }
    free(xp);
    free(omegas);
    free(ts);
    free(info);
    free(idx);
    free(raw);
    free(sp);
    free(sub);
    return rc;
}

static int run_invert(ctx *x, const group *g) { return pairs(x, g, eval_invert, x->c->intra); }

static int run_stitch(ctx *x, const group *g)
{
    for (size_t c = 0; c < g->n; c++) {
        select_cell(x, g, c);
        for (size_t j = 0; j < x->d->num_spaces; j++) /* the oracle: own encoder, own head */
            if (config_is_target(x->c, x->d->spaces[j].name))
                eval_stitch(x, j, j, "non-stitch", x->test[j]);
    }
    return pairs(x, g, eval_stitch, 0);
}

static double mean_row_norm(const dump_matrix *m)
{
    double *n = malloc(m->rows * sizeof *n), s = 0;
    if (!n)
        return NAN;
    dump_row_norms(n, m);
    for (size_t i = 0; i < m->rows; i++)
        s += n[i];
    free(n);
    return s / (double)m->rows;
}

static int run_scale_inv(ctx *x)
{
    int rc = IRP_OK;
    for (size_t s = 0; !rc && s < x->d->num_spaces; s++) {
        const dump_space *sp = &x->d->spaces[s];
        const dump_head *h = dump_find_head(sp, x->cl->head);
        irp_mat *z = irp_mat_copy(x->test[s]);
        if (!z)
            return IRP_ENOMEM;
        int set_norm = !strcmp(x->cl->scale_mode, "set-norm");
        double target = x->cl->factor * mean_row_norm(&sp->train);
        for (size_t i = 0; i < z->rows; i++) {
            double *r = &IRP_AT(z, i, 0), n = 0;
            for (size_t j = 0; j < z->cols; j++)
                n += r[j] * r[j];
            double f = set_norm ? (n > 0 ? target / sqrt(n) : 0) : x->cl->factor;
            for (size_t j = 0; j < z->cols; j++)
                r[j] *= f;
        }
        double acc;
        rc = irp_head_accuracy(&acc, &h->head, z, x->d->test_labels);
        if (!rc)
            row(x, sp->name, sp->name, x->cl->scale_mode, "accuracy", acc);
        irp_mat_free(z);
    }
    return rc;
}

/* Histogram of the embedding norms beside the fitted normal: a second table
 * <results>/<name>-hist.csv, written atomically. */
static int run_scale_dist(ctx *x, const char *hist_path)
{
    static const char *const stat_names[] = {"mean", "std", "skewness", "excess_kurtosis",
                                             "jarque_bera", "ks_normal", "frac_outside_3sd",
                                             "cv"};
    csv_out h;
    int rc = csv_out_open(&h, hist_path);
    if (rc)
        return rc;
    csv_out_comment(&h, "irp run %s: norm histograms (training split) and fitted normal",
                    x->c->path);
    for (const char *const *c = (const char *const[]){"encoder", "bin_lo", "bin_hi", "count",
                                                      "density", "normal_pdf", NULL};
         *c; c++)
        csv_out_str(&h, *c);
    csv_out_end_row(&h);
    for (size_t s = 0; !rc && s < x->d->num_spaces; s++) {
        const dump_space *sp = &x->d->spaces[s];
        size_t n = sp->train.rows, bins = x->c->bins;
        double *norms = malloc(n * sizeof *norms);
        size_t *count = calloc(bins, sizeof *count);
        irp_dist_stats st;
        if (!norms || !count)
            rc = IRP_ENOMEM;
        if (!rc) {
            dump_row_norms(norms, &sp->train);
            rc = irp_dist_stats_compute(&st, norms, n);
        }
        if (!rc) {
            double v[] = {st.mean, st.std, st.skewness, st.excess_kurtosis, st.jarque_bera,
                          st.ks_normal, st.frac_outside_3sd, st.std / st.mean};
            for (size_t i = 0; i < sizeof v / sizeof *v; i++)
                row(x, sp->name, "", "norm", stat_names[i], v[i]);
            double lo = st.min, width = (st.max - st.min) / (double)bins;
            for (size_t i = 0; i < n; i++) {
                size_t b = width > 0 ? (size_t)((norms[i] - lo) / width) : 0;
                count[b < bins ? b : bins - 1]++;
            }
            for (size_t b = 0; b < bins; b++) {
                double a = lo + width * (double)b, mid = a + width / 2;
                double z = (mid - st.mean) / st.std;
                csv_out_str(&h, sp->name);
                csv_out_num(&h, a);
                csv_out_num(&h, a + width);
                csv_out_int(&h, (long long)count[b]);
                csv_out_num(&h, (double)count[b] / ((double)n * width));
                csv_out_num(&h, exp(-0.5 * z * z) / (st.std * sqrt(6.283185307179586)));
                csv_out_end_row(&h);
            }
        }
        free(norms);
        free(count);
    }
    if (rc) {
        csv_out_abort(&h);
        return rc;
    }
    return csv_out_commit(&h);
}

static int mkdirs(const char *path)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0777) && errno != EEXIST)
                return irp_fail(IRP_EDATA, "%s: cannot create directory (%s)", buf,
                                strerror(errno));
            *p = '/';
        }
    if (mkdir(buf, 0777) && errno != EEXIST)
        return irp_fail(IRP_EDATA, "%s: cannot create directory (%s)", buf, strerror(errno));
    return IRP_OK;
}

static void header_row(csv_out *w)
{
    for (size_t i = 0; i < num_result_columns; i++)
        csv_out_str(w, result_columns[i]);
    csv_out_end_row(w);
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

static void fmt_secs(char *buf, size_t n, double s)
{
    if (s < 60)
        snprintf(buf, n, "%.1fs", s);
    else if (s < 3600)
        snprintf(buf, n, "%dm%02ds", (int)s / 60, (int)s % 60);
    else
        snprintf(buf, n, "%dh%02dm", (int)s / 3600, ((int)s % 3600) / 60);
}

/* <cells_dir>/<id>.csv: the id covers the cell's inputs and the dump's stamp. */
static void cell_path(char *buf, size_t n, const char *cells_dir, const config *c,
                      const cell *cl, uint64_t stamp)
{
    snprintf(buf, n, "%s/%016llx.csv", cells_dir,
             (unsigned long long)(config_cell_hash(c, cl) ^ stamp));
}

int run_experiment(const config *c, const dump *d, const run_opts *o)
{
    char cells_dir[1024], table[1024], path[1200], hist[1024];
    snprintf(cells_dir, sizeof cells_dir, "%s/%s.cells", o->results_dir, c->name);
    snprintf(table, sizeof table, "%s/%s.csv", o->results_dir, c->name);
    snprintf(hist, sizeof hist, "%s/%s-hist.csv", o->results_dir, c->name);
    int rc = mkdirs(cells_dir);
    if (rc)
        return rc;
    struct stat st;
    uint64_t stamp = 0;
    if (!stat(d->path, &st)) /* a regenerated dump invalidates finished cells */
        stamp = (uint64_t)st.st_size * 0x9E3779B97F4A7C15ULL ^ (uint64_t)st.st_mtime;
    ctx x = {.c = c, .d = d};
    x.n_test = c->test_limit && c->test_limit < d->num_test ? c->test_limit : d->num_test;
    x.test = calloc(d->num_spaces, sizeof *x.test);
    if (!x.test)
        return IRP_ENOMEM;
    for (size_t s = 0; s < d->num_spaces && !rc; s++) {
        if (!(x.test[s] = dump_rows(&d->spaces[s].test, NULL, x.n_test)))
            rc = IRP_ENOMEM;
    }
    size_t ncells = config_num_cells(c), done = 0, computed = 0, visited = 0;
    double t0 = now();
    int tty = isatty(2) && !o->quiet;
    unsigned char *seen = calloc(ncells, 1);
    cell *cells = calloc(ncells, sizeof *cells);
    csv_out *writers = calloc(ncells, sizeof *writers);
    if (!seen || !cells || !writers)
        rc = irp_fail(IRP_ENOMEM, "out of memory for %zu cells", ncells);
    /* Cells that differ only in ω form a group computed together (invert and
     * stitch share per-subset work across ω); other experiments go one by one. */
    int by_omega = c->type == EXP_INVERT || c->type == EXP_STITCH;
    for (size_t i = 0; !rc && i < ncells; i++) {
        if (seen[i])
            continue;
        group g = {0, cells, writers};
        cell first;
        config_cell(&first, c, i);
        for (size_t j = i; j < ncells && !rc; j++) {
            cell cl;
            if (seen[j])
                continue;
            config_cell(&cl, c, j);
            int same = j == i;
            if (!same && by_omega) {
                same = 1;
                for (int k = 0; k < SK_COUNT; k++)
                    if (k != SK_OMEGA && strcmp(cl.text[k], first.text[k]))
                        same = 0;
            }
            if (!same)
                continue;
            seen[j] = 1;
            visited++;
            cell_path(path, sizeof path, cells_dir, c, &cl, stamp);
            if (!o->force && access(path, R_OK) == 0 &&
                !(c->type == EXP_SCALE_DIST && access(hist, R_OK) != 0)) {
                done++;
                continue;
            }
            cells[g.n] = cl;
            if ((rc = csv_out_open(&writers[g.n], path)))
                break;
            csv_out_comment(&writers[g.n], "irp cell %zu/%zu of %s", j + 1, ncells, c->path);
            header_row(&writers[g.n]);
            g.n++;
        }
        if (!rc && g.n) {
            x.cl = &cells[0];
            x.w = &writers[0];
            switch (c->type) {
            case EXP_INVERT: rc = run_invert(&x, &g); break;
            case EXP_STITCH: rc = run_stitch(&x, &g); break;
            case EXP_SCALE_INV: rc = run_scale_inv(&x); break;
            case EXP_SCALE_DIST: rc = run_scale_dist(&x, hist); break;
            }
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
            double elapsed = now() - t0;
            fmt_secs(el, sizeof el, elapsed);
            fmt_secs(eta, sizeof eta,
                     elapsed / (double)computed * (double)(ncells - visited));
            fprintf(stderr, "%s[%s] %zu/%zu cells done (elapsed %s, ETA %s)%s", tty ? "\r" : "",
                    c->name, visited, ncells, el, eta, tty ? "   " : "\n");
        }
    }
    free(seen);
    free(cells);
    free(writers);
    if (tty)
        fputc('\n', stderr);
    for (size_t s = 0; s < d->num_spaces; s++)
        irp_mat_free(x.test[s]);
    free(x.test);
    if (rc)
        return rc;
    /* assemble the table from the cells, in sweep order */
    csv_out w;
    if ((rc = csv_out_open(&w, table)))
        return rc;
    csv_out_comment(&w, "irp run %s (fnv1a %016llx), data %s, %zu cells", c->path,
                    (unsigned long long)c->hash, d->path, ncells);
    header_row(&w);
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
                ncells, computed, done, table, now() - t0);
    return csv_out_commit(&w);
}
