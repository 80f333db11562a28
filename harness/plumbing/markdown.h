/* markdown.h — what report sections are written with: the report being
 * written, its loaded configs and tables, and Markdown table helpers over
 * result tables (cell statistics, the paper's numbers, settings lines).
 * Knows no experiment kind. */
#ifndef IRP_MARKDOWN_H
#define IRP_MARKDOWN_H

#include <stdio.h>

#include "plumbing/agg.h"
#include "plumbing/config.h"
#include "plumbing/csvio.h"

typedef struct report_entry {
    config *c;
    csv_table *t; /* <results>/<name>.csv */
} report_entry;

typedef struct report {
    FILE *out;
    const char *results_dir;
    const char *plots_dir;  /* where the figures are (as given) */
    const char *plots_link; /* the same directory relative to the report's own directory */
    const csv_table *paper; /* the paper's numbers (table,key,column,value); NULL: none */
    const report_entry *e;
    size_t n;
} report;

enum pair_kind { PAIRS_INTER, PAIRS_INTRA, PAIRS_ANY };

/* Mean/min/max over the pairs of one cell's rows of `method` and `metric`
 * (n = 0 when there are none). */
void md_cell_stat(agg_group *out, const csv_table *t, const cell *cl, const char *method,
                  const char *metric, enum pair_kind kind);
/* The value of one pair in one cell (NAN when absent). */
double md_pair_value(const csv_table *t, const cell *cl, const char *enc, const char *dec,
                     const char *method, const char *metric);
/* One cell's rows of `method` and `metric` grouped by (encoder, decoder), for
 * many lookups with agg_find (md_pair_value scans the table once per call). */
int md_cell_pairs(agg *out, const csv_table *t, const cell *cl, const char *method,
                  const char *metric);
/* The mean of (enc, dec) in an md_cell_pairs result (NAN when absent). */
double md_pair_at(const agg *a, const char *enc, const char *dec);
/* The cell of c whose values for `keys` are `vals` (others: any); 0 if none. */
int md_cell_where(cell *out, const config *c, const int *keys, const char *const *vals,
                  size_t n);

/* Two cells of one table compared pair by pair (ordered inter pairs present
 * in both): mean of a − b, a 95% percentile bootstrap interval of it over the
 * pairs (2000 resamples, fixed seed), and the pairs where each is higher.
 * n = 0 when no pair is in both. */
typedef struct md_paired {
    size_t n, a_wins, b_wins;
    double mean, lo, hi;
} md_paired;
void md_paired_pairs(md_paired *out, const csv_table *t, const cell *a, const cell *b,
                     const char *method, const char *metric);
/* " +0.123 [+0.100, +0.150], 18 vs 2 of 20 pairs" (or " —"). */
void md_paired_print(FILE *o, const md_paired *p);

/* The paper's number (table, key, column), or NULL. */
const char *md_paper(const report *r, const char *table, const char *key, const char *col);

/* s safe inside a Markdown table cell (names come from dumps): '|' escaped,
 * '<', '>' and '`' as entities, control characters as '?'. One of 8 rotating
 * static buffers. */
const char *md_esc(const char *s);

/* " 0.123 ± 0.045 |" or " n/a |". */
void md_pm(FILE *o, const agg_group *g);
/* " 0.123 |" or " — |" for NAN. */
void md_num(FILE *o, double v);
/* "|---|---|...". */
void md_dashes(FILE *o, size_t n);
/* Header cells of the swept keys (and ω, δ always; prune when not threshold);
 * keys[] receives them. */
void md_swept_header(FILE *o, const config *c, int *keys, size_t *nk);
void md_swept_cells(FILE *o, const cell *cl, const int *keys, size_t nk);
/* "Settings: anchors = 1280, ..., center = true." — every key with one value,
 * so a table shows what it was computed with, swept or not. */
void md_settings(FILE *o, const config *c);
/* The figure of c, linked relative to the report. */
void md_figure(const report *r, const config *c);


#endif
