/* irp compare — two result tables cell by cell: the check that a rerun (on
 * this machine or another) regenerated the committed numbers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "plumbing/csvio.h"
#include "plumbing/provenance.h"
#include "plumbing/util.h"

static const char *usage =
    "usage: irp compare [--tolerance REL] [--show N] OLD.csv NEW.csv\n"
    "\n"
    "Compares two result tables written by 'irp run' cell by cell: a cell is a row's\n"
    "'value', keyed by all its other columns (experiment, swept keys, encoder,\n"
    "decoder, method, metric); two runs of one config under different result\n"
    "names (each table holding one name) are matched by the other columns.\n"
    "Comment lines (the config hash, the provenance) are not compared; a\n"
    "different provenance is printed as a note.\n"
    "\n"
    "Prints 'identical' when every cell has the same text, or each differing cell\n"
    "(up to N, default 20) with both values and the difference, then a summary\n"
    "line: how many cells differ, the largest absolute and relative difference,\n"
    "and the rows found in one table only.\n"
    "\n"
    "  --tolerance REL  cells whose relative difference |a-b|/max(|a|,|b|) is at\n"
    "                   most REL count as equal (default 0: the same text)\n"
    "  --show N         differing cells to list (default 20)\n"
    "\n"
    "Exit 0 when identical or within the tolerance, 1 otherwise (or on an error,\n"
    "named on stderr). Nothing is written.\n";

typedef struct keyed {
    char *key;
    size_t row;
} keyed;

static int cmp_keyed(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->row > y->row) - (x->row < y->row);
}

/* rows keyed by every column but value (and skip, when >= 0), sorted */
static keyed *key_rows(const csv_table *t, int vcol, int skip)
{
    keyed *k = calloc(t->num_rows ? t->num_rows : 1, sizeof *k);
    for (size_t i = 0; k && i < t->num_rows; i++) {
        size_t len = 1;
        for (size_t j = 0; j < t->num_cols; j++)
            len += strlen(t->rows[i][j]) + 24;
        if (!(k[i].key = malloc(len))) {
            for (size_t m = 0; m < i; m++)
                free(k[m].key);
            free(k);
            return NULL;
        }
        char *p = k[i].key;
        for (size_t j = 0; j < t->num_cols; j++) /* length-prefixed: no two rows collide */
            if ((int)j != vcol && (int)j != skip)
                p += sprintf(p, "%zu:%s", strlen(t->rows[i][j]), t->rows[i][j]);
        *p = '\0';
        k[i].row = i;
    }
    if (k)
        qsort(k, t->num_rows, sizeof *k, cmp_keyed);
    return k;
}

static void free_keys(keyed *k, size_t n)
{
    for (size_t i = 0; k && i < n; i++)
        free(k[i].key);
    free(k);
}

/* every row holds the same text in column j */
static int single_value(const csv_table *t, int j)
{
    for (size_t i = 1; i < t->num_rows; i++)
        if (strcmp(t->rows[i][j], t->rows[0][j]))
            return 0;
    return 1;
}

/* the row's identity, columns that vary in the table only */
static void describe(char *buf, size_t n, const csv_table *t, size_t row, int vcol,
                     const int *varies)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t j = 0; j < t->num_cols && used < n; j++)
        if ((int)j != vcol && varies[j])
            used += (size_t)snprintf(buf + used, n - used, "%s%s=%s", used ? " " : "",
                                     t->header[j], t->rows[row][j]);
}

/* |a-b| / max(|a|,|b|) of two cells' texts that differ as text: 0 when they
 * are the same number written differently (0.5, 0.50; nan, NaN), INFINITY
 * when they are not both numbers, or only one is NaN, or they are different
 * infinities; *abs_out is |a-b| (INFINITY in those cases). */
static double cell_diff(const char *va, const char *vb, double *abs_out)
{
    char *ea, *eb;
    double x = strtod(va, &ea), y = strtod(vb, &eb);
    *abs_out = INFINITY;
    if (!*va || !*vb || *ea || *eb)
        return INFINITY;
    if (isnan(x) || isnan(y))
        return isnan(x) && isnan(y) ? (*abs_out = 0) : INFINITY;
    if (isinf(x) || isinf(y))
        return x == y ? (*abs_out = 0) : INFINITY;
    double d = fabs(x - y), m = fmax(fabs(x), fabs(y));
    *abs_out = d;
    return m > 0 ? d / m : 0;
}

static int summarise(const char *a_path, const char *b_path, double tol, size_t same,
                     size_t within, size_t differ, size_t only_a, size_t only_b, double max_abs,
                     double max_rel, const char *unit)
{
    char pa[2048], pb[2048];
    provenance_read(pa, sizeof pa, a_path);
    provenance_read(pb, sizeof pb, b_path);
    if (strcmp(pa, pb))
        printf("  note: provenance differs:\n    %s: %s\n    %s: %s\n", a_path,
               pa[0] ? pa : "(none)", b_path, pb[0] ? pb : "(none)");
    if (!differ && !only_a && !only_b && !within)
        printf("%s: identical to %s (%zu %s)\n", b_path, a_path, same, unit);
    else if (!differ && !only_a && !only_b)
        printf("%s: equal to %s within relative %g (%zu %s; %zu differ in text, largest "
               "|Δ| %.3g, relative %.3g)\n",
               b_path, a_path, tol, same + within, unit, within, max_abs, max_rel);
    else if (!same && !within && !differ)
        printf("%s: DIFFERS from %s: no %s in common (%zu rows only in %s, %zu only in %s): "
               "the tables hold other settings, pairs or metrics\n",
               b_path, a_path, unit, only_a, a_path, only_b, b_path);
    else
        printf("%s: DIFFERS from %s: %zu of %zu %s differ%s (largest |Δ| %.3g, relative "
               "%.3g); %zu rows only in %s, %zu only in %s\n",
               b_path, a_path, differ, same + within + differ, unit,
               tol > 0 ? " beyond the tolerance" : "", max_abs, max_rel, only_a, a_path, only_b,
               b_path);
    return differ || only_a || only_b;
}

/* tables without a value column (their headers equal): row i against row i,
 * field by field */
static int compare_positional(const csv_table *a, const csv_table *b, const char *a_path,
                              const char *b_path, double tol, long show)
{
    size_t same = 0, within = 0, differ = 0, n = a->num_rows < b->num_rows ? a->num_rows : b->num_rows;
    double max_abs = 0, max_rel = 0, d;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < a->num_cols; j++) {
            if (!strcmp(a->rows[i][j], b->rows[i][j])) {
                same++;
                continue;
            }
            double rel = cell_diff(a->rows[i][j], b->rows[i][j], &d);
            if (rel <= tol)
                within++;
            else if ((long)++differ <= show)
                printf("  differs: row %zu, %s: %s -> %s (|Δ| %.3g, relative %.3g)\n", i + 1,
                       a->header[j], a->rows[i][j], b->rows[i][j], d, rel);
            max_abs = fmax(max_abs, d);
            max_rel = fmax(max_rel, rel);
        }
    return summarise(a_path, b_path, tol, same, within, differ, a->num_rows - n,
                     b->num_rows - n, max_abs, max_rel, "fields");
}

static int compare(const char *a_path, const char *b_path, double tol, long show)
{
    csv_table *a = NULL, *b = NULL;
    if (csv_table_read(&a, a_path) || csv_table_read(&b, b_path)) {
        csv_table_free(a);
        return die_last();
    }
    int rc = 0;
    if (a->num_cols != b->num_cols)
        rc = die("compare: %s has %zu columns, %s has %zu; not tables of the same kind", a_path,
                 a->num_cols, b_path, b->num_cols);
    for (size_t j = 0; !rc && j < a->num_cols; j++)
        if (strcmp(a->header[j], b->header[j]))
            rc = die("compare: column %zu is '%s' in %s but '%s' in %s", j + 1, a->header[j],
                     a_path, b->header[j], b_path);
    int vcol = rc ? -1 : csv_table_col(a, "value");
    if (!rc && vcol < 0) { /* another table (a histogram, a corpus summary): row by row */
        rc = compare_positional(a, b, a_path, b_path, tol, show);
        csv_table_free(a);
        csv_table_free(b);
        return rc;
    }
    /* two runs of one config under different result names (each table holds one
     * name): rows are matched by their settings, not by the name */
    int ecol = rc ? -1 : csv_table_col(a, "experiment"), skip = -1;
    if (ecol >= 0 && ecol != vcol && a->num_rows && b->num_rows &&
        single_value(a, ecol) && single_value(b, ecol) &&
        strcmp(a->rows[0][ecol], b->rows[0][ecol])) {
        skip = ecol;
        printf("  note: result names differ ('%s' in %s, '%s' in %s): rows are matched by "
               "their other columns\n",
               a->rows[0][ecol], a_path, b->rows[0][ecol], b_path);
    }
    keyed *ka = rc ? NULL : key_rows(a, vcol, skip), *kb = rc ? NULL : key_rows(b, vcol, skip);
    int *varies = rc ? NULL : calloc(a->num_cols, sizeof *varies);
    if (!rc && (!ka || !kb || !varies))
        rc = die("compare: out of memory");
    /* the columns that tell rows apart, over both tables; all of them if none does */
    int any = 0;
    for (size_t j = 0; !rc && j < a->num_cols; j++) {
        const char *first = a->num_rows ? a->rows[0][j] : b->num_rows ? b->rows[0][j] : "";
        for (size_t i = 0; i < a->num_rows && !varies[j]; i++)
            varies[j] = strcmp(a->rows[i][j], first) != 0;
        for (size_t i = 0; i < b->num_rows && !varies[j]; i++)
            varies[j] = strcmp(b->rows[i][j], first) != 0;
        if ((int)j == skip)
            varies[j] = 0;
        any |= varies[j] && (int)j != vcol;
    }
    for (size_t j = 0; !rc && !any && j < a->num_cols; j++)
        varies[j] = 1;
    size_t same = 0, within = 0, differ = 0, only_a = 0, only_b = 0, i = 0, k = 0;
    double max_abs = 0, max_rel = 0;
    char what[1024];
    while (!rc && (i < a->num_rows || k < b->num_rows)) {
        int c = i == a->num_rows ? 1 : k == b->num_rows ? -1 : strcmp(ka[i].key, kb[k].key);
        if (c) {
            const csv_table *t = c < 0 ? a : b;
            size_t row = c < 0 ? ka[i++].row : kb[k++].row;
            *(c < 0 ? &only_a : &only_b) += 1;
            if ((long)(only_a + only_b + differ) <= show) {
                describe(what, sizeof what, t, row, vcol, varies);
                printf("  only in %s: %s = %s\n", c < 0 ? a_path : b_path, what,
                       t->rows[row][vcol]);
            }
            continue;
        }
        const char *va = a->rows[ka[i].row][vcol], *vb = b->rows[kb[k].row][vcol];
        double d, rel = 0;
        if (!strcmp(va, vb)) {
            same++;
        } else {
            rel = cell_diff(va, vb, &d);
            if (rel <= tol) {
                within++;
            } else if ((long)(only_a + only_b + ++differ) <= show) {
                describe(what, sizeof what, a, ka[i].row, vcol, varies);
                printf("  differs: %s: %s -> %s (|Δ| %.3g, relative %.3g)\n", what, va, vb, d, rel);
            }
            max_abs = fmax(max_abs, d);
            max_rel = fmax(max_rel, rel);
        }
        i++, k++;
    }
    if (!rc)
        rc = summarise(a_path, b_path, tol, same, within, differ, only_a, only_b, max_abs,
                       max_rel, "cells");
    free_keys(ka, a->num_rows);
    free_keys(kb, b->num_rows);
    free(varies);
    csv_table_free(a);
    csv_table_free(b);
    return rc;
}

int cmd_compare(int argc, char **argv)
{
    double tol = 0;
    long show = 20;
    const char *files[2];
    int nfiles = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage, stdout);
            return 0;
        }
        if (!strcmp(a, "--tolerance") || !strcmp(a, "--show")) {
            char *end;
            if (i + 1 == argc)
                return die("compare: %s needs a value (see 'irp compare --help')", a);
            const char *v = argv[++i];
            if (a[2] == 't') {
                tol = strtod(v, &end);
                if (end == v || *end || !(tol >= 0 && tol <= 1))
                    return die("compare: --tolerance '%s': expected a number in [0, 1]", v);
            } else {
                show = strtol(v, &end, 10);
                if (end == v || *end || show < 0)
                    return die("compare: --show '%s': expected an integer >= 0", v);
            }
            continue;
        }
        if (a[0] == '-' && a[1])
            return die("compare: unknown option '%s' (see 'irp compare --help')", a);
        if (nfiles == 2)
            return die("compare: expected two tables, got a third: '%s'", a);
        files[nfiles++] = a;
    }
    if (nfiles != 2)
        return die("compare: expected two tables, OLD.csv and NEW.csv (see 'irp compare "
                   "--help')");
    return compare(files[0], files[1], tol, show);
}
