/* Markdown helpers for report sections; see markdown.h. */
#include "plumbing/markdown.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


/* Filters selecting one cell's rows of `method` and `metric`; returns their
 * number (f holds SK_COUNT + 2, the caller may append). */
static size_t cell_filters(agg_filter *f, const cell *cl, const char *method, const char *metric)
{
    size_t n = 0;
    for (int k = 0; k < SK_COUNT; k++)
        f[n++] = (agg_filter){sweep_key_name(k), cl->text[k]};
    f[n++] = (agg_filter){"method", method};
    f[n++] = (agg_filter){"metric", metric};
    return n;
}

void md_cell_stat(agg_group *out, const csv_table *t, const cell *cl, const char *method,
                  const char *metric, enum pair_kind kind)
{
    agg_filter f[SK_COUNT + 4];
    size_t n = cell_filters(f, cl, method, metric);
    if (kind != PAIRS_ANY)
        f[n++] = (agg_filter){"encoder", kind == PAIRS_INTER ? "!=decoder" : "=decoder"};
    agg a;
    memset(out, 0, sizeof *out);
    out->sum = NAN;
    if (agg_build(&a, t, f, n, NULL, 0))
        return;
    if (a.num_groups)
        *out = a.groups[0];
    agg_free(&a);
}

int md_cell_pairs(agg *out, const csv_table *t, const cell *cl, const char *method,
                  const char *metric)
{
    agg_filter f[SK_COUNT + 2];
    size_t n = cell_filters(f, cl, method, metric);
    const char *g[] = {"encoder", "decoder"};
    return agg_build(out, t, f, n, g, 2);
}

double md_pair_at(const agg *a, const char *enc, const char *dec)
{
    const char *k[] = {enc, dec};
    const agg_group *g = agg_find(a, k);
    return g && g->n ? agg_mean(g) : NAN;
}

double md_pair_value(const csv_table *t, const cell *cl, const char *enc, const char *dec,
                     const char *method, const char *metric)
{
    agg_filter f[SK_COUNT + 4];
    size_t n = cell_filters(f, cl, method, metric);
    f[n++] = (agg_filter){"encoder", enc};
    f[n++] = (agg_filter){"decoder", dec};
    agg a;
    double v = NAN;
    if (!agg_build(&a, t, f, n, NULL, 0)) {
        if (a.num_groups && a.groups[0].n)
            v = agg_mean(&a.groups[0]);
        agg_free(&a);
    }
    return v;
}

void md_paired_pairs(md_paired *out, const csv_table *t, const cell *a, const cell *b,
                     const char *method, const char *metric)
{
    memset(out, 0, sizeof *out);
    agg pairs;
    const char *pg[] = {"encoder", "decoder"};
    agg_filter pf[] = {{"method", method}, {"metric", metric}};
    if (agg_build(&pairs, t, pf, 2, pg, 2))
        return;
    agg ca, cb; /* each cell's values once, then looked up per pair */
    int bad = md_cell_pairs(&ca, t, a, method, metric);
    if (!bad && md_cell_pairs(&cb, t, b, method, metric)) {
        agg_free(&ca);
        bad = 1;
    }
    double *d = bad ? NULL : malloc((pairs.num_groups ? pairs.num_groups : 1) * sizeof *d);
    for (size_t q = 0; d && q < pairs.num_groups; q++) {
        const char *e = pairs.groups[q].key[0], *dd = pairs.groups[q].key[1];
        double va = md_pair_at(&ca, e, dd), vb = md_pair_at(&cb, e, dd);
        if (!strcmp(e, dd) || isnan(va) || isnan(vb))
            continue;
        d[out->n++] = va - vb;
        out->a_wins += va > vb;
        out->b_wins += vb > va;
        out->mean += va - vb;
    }
    if (out->n) {
        out->mean /= (double)out->n;
        if (irp_bootstrap_ci(&out->lo, &out->hi, d, NULL, NULL, NULL, out->n, 2000, 0.95, 99))
            out->lo = out->hi = NAN;
    }
    free(d);
    if (!bad) {
        agg_free(&ca);
        agg_free(&cb);
    }
    agg_free(&pairs);
}

void md_paired_print(FILE *o, const md_paired *p)
{
    if (!p->n)
        fprintf(o, " —");
    else
        fprintf(o, " %+.3f [%+.3f, %+.3f], %zu vs %zu of %zu pairs", p->mean, p->lo, p->hi,
                p->a_wins, p->b_wins, p->n);
}

int md_cell_where(cell *out, const config *c, const int *keys, const char *const *vals,
                  size_t n)
{
    for (size_t i = 0; i < config_num_cells(c); i++) {
        config_cell(out, c, i);
        size_t j = 0;
        while (j < n && !strcmp(out->text[keys[j]], vals[j]))
            j++;
        if (j == n)
            return 1;
    }
    return 0;
}

const char *md_paper(const report *r, const char *table, const char *key, const char *col)
{
    if (!r->paper)
        return NULL;
    int ct = csv_table_col(r->paper, "table"), ck = csv_table_col(r->paper, "key"),
        cc = csv_table_col(r->paper, "column"), cv = csv_table_col(r->paper, "value");
    if (ct < 0 || ck < 0 || cc < 0 || cv < 0)
        return NULL;
    for (size_t i = 0; i < r->paper->num_rows; i++) {
        char **row = r->paper->rows[i];
        if (!strcmp(row[ct], table) && !strcmp(row[ck], key) && !strcmp(row[cc], col))
            return row[cv];
    }
    return NULL;
}

const char *md_esc(const char *s)
{
    static char ring[8][1024];
    static unsigned next;
    char *b = ring[next++ % 8];
    size_t n = 0;
    for (const char *p = s; *p && n + 6 < sizeof ring[0]; p++) {
        const char *rep = *p == '|' ? "\\|" : *p == '<' ? "&lt;" : *p == '>' ? "&gt;"
                        : *p == '`' ? "&#96;" : NULL;
        if (rep)
            n += (size_t)snprintf(b + n, sizeof ring[0] - n, "%s", rep);
        else
            b[n++] = (unsigned char)*p < 32 || *p == 127 ? '?' : *p;
    }
    b[n] = '\0';
    return b;
}

void md_pm(FILE *o, const agg_group *g)
{
    if (g->n)
        fprintf(o, " %.3f ± %.3f |", agg_mean(g), agg_std(g));
    else
        fprintf(o, " n/a |");
}

void md_num(FILE *o, double v)
{
    if (isnan(v))
        fprintf(o, " — |");
    else
        fprintf(o, " %.3f |", v);
}

void md_dashes(FILE *o, size_t n)
{
    fputc('|', o);
    for (size_t i = 0; i < n; i++)
        fputs("---|", o);
    fputc('\n', o);
}

void md_swept_header(FILE *o, const config *c, int *keys, size_t *nk)
{
    *nk = 0;
    for (int k = 0; k < SK_COUNT; k++)
        if (c->num_values[k] > 1 || k == SK_OMEGA || k == SK_DELTA ||
            (k == SK_PRUNE && strcmp(c->values[k][0], "threshold"))) {
            keys[(*nk)++] = k;
            fprintf(o, " %s |", sweep_key_name(k));
        }
}

void md_swept_cells(FILE *o, const cell *cl, const int *keys, size_t nk)
{
    for (size_t i = 0; i < nk; i++)
        fprintf(o, " %s |", cl->text[keys[i]]);
}

void md_settings(FILE *o, const config *c)
{
    size_t n = 0;
    fprintf(o, "\nSettings:");
    for (int k = 0; k < SK_COUNT; k++)
        if ((c->kind_keys & (1u << k)) && c->num_values[k] == 1)
            fprintf(o, "%s %s = %s", n++ ? ";" : "", sweep_key_name(k), c->values[k][0]);
    for (int k = 0; k < SK_COUNT; k++)
        if ((c->kind_keys & (1u << k)) && c->num_values[k] > 1)
            fprintf(o, "%s %s swept over %zu values", n++ ? ";" : "", sweep_key_name(k),
                    c->num_values[k]);
    if (c->kind_needs & EXP_PAIRS)
        fprintf(o, "%s references = %s", n++ ? ";" : "", c->references ? "true" : "false");
    if (c->kind_needs & EXP_INTRA)
        fprintf(o, "; intra = %s; retrieval = %s", c->intra ? "true" : "false",
                c->retrieval ? "true" : "false");
    if (c->test_limit)
        fprintf(o, "%s test_limit = %zu", n++ ? ";" : "", c->test_limit);
    if (c->num_spaces) {
        fprintf(o, "%s spaces =", n++ ? ";" : "");
        for (size_t i = 0; i < c->num_spaces; i++)
            fprintf(o, "%s %s", i ? "," : "", c->spaces[i]);
    }
    if (c->num_targets) {
        fprintf(o, "%s targets =", n++ ? ";" : "");
        for (size_t i = 0; i < c->num_targets; i++)
            fprintf(o, "%s %s", i ? "," : "", c->targets[i]);
    }
    fprintf(o, "%s\n", n ? "." : " no sweep key applies to this kind.");
}

void md_figure(const report *r, const config *c)
{
    char png[4200];
    snprintf(png, sizeof png, "%s/%s.png", r->plots_dir, c->name);
    if (access(png, R_OK)) {
        fprintf(r->out, "\n*No figure: `%s` does not exist (drawn by `irp run` without "
                        "`--no-plots`).*\n",
                png);
        return;
    }
    fprintf(r->out, "\n![%s](%s/%s.png)  \n*Figure: `%s/%s.png` (also .pdf; script `%s/%s.gp`).*\n",
            c->name, r->plots_link, c->name, r->plots_dir, c->name, r->plots_dir, c->name);
}
