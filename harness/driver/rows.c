/* Result rows; columns from keys.h. */
#include "driver/rows.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COLUMN(name) name,
#define SWEEP_COLUMN(ID, name, ...) name,
const char *const result_columns[] = {IRP_RESULT_HEAD(COLUMN) IRP_SWEEP_KEYS(SWEEP_COLUMN)
                                          IRP_RESULT_TAIL(COLUMN)};
#undef COLUMN
#undef SWEEP_COLUMN
const size_t num_result_columns = sizeof result_columns / sizeof *result_columns;

void rows_header(csv_out *w)
{
    for (size_t i = 0; i < num_result_columns; i++)
        csv_out_str(w, result_columns[i]);
    csv_out_end_row(w);
}

int rows_header_ok(const csv_table *t)
{
    if (t->num_cols != num_result_columns)
        return 0;
    for (size_t i = 0; i < num_result_columns; i++)
        if (strcmp(t->header[i], result_columns[i]))
            return 0;
    return 1;
}

void rows_select_cell(run_ctx *x, const cell_group *g, size_t j)
{
    x->cl = &g->cells[j];
    x->w = &g->writers[j];
    x->cell_index = j;
}

static void write_row(run_ctx *x, const char *enc, const char *dec, const char *method,
                      const char *metric, double value)
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

void row(run_ctx *x, const char *enc, const char *dec, const char *method, const char *metric,
         double value)
{
    if (!x->buf) {
        write_row(x, enc, dec, method, metric, value);
        return;
    }
    row_buf *b = x->buf;
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 64;
        row_rec *r = realloc(b->r, cap * sizeof *r);
        if (!r) {
            x->buf_failed = 1;
            return;
        }
        b->r = r;
        b->cap = cap;
    }
    b->r[b->n++] = (row_rec){x->cell_index, enc, dec, method, metric, value};
}

void rows_flush(run_ctx *x, const cell_group *g, const row_buf *b)
{
    for (size_t r = 0; r < b->n; r++) {
        const row_rec *e = &b->r[r];
        rows_select_cell(x, g, e->cell);
        write_row(x, e->enc, e->dec, e->method, e->metric, e->value);
    }
}

/* The config hash a result table was computed from (its first line says
 * "# irp run PATH (fnv1a HEX), ..."); 0 if it does not say. */
static uint64_t table_hash(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    unsigned long long h = 0;
    if (f && fgets(line, sizeof line, f)) {
        const char *p = strstr(line, "(fnv1a ");
        if (line[0] != '#' || !p || sscanf(p, "(fnv1a %llx)", &h) != 1)
            h = 0;
    }
    if (f)
        fclose(f);
    return h;
}

/* Sorts row indices by every column but the value. */
static const csv_table *key_table;
static int key_value_col;
static int cmp_row_keys(const void *a, const void *b)
{
    char **ra = key_table->rows[*(const size_t *)a], **rb = key_table->rows[*(const size_t *)b];
    for (size_t k = 0; k < key_table->num_cols; k++) {
        int d = (int)k == key_value_col ? 0 : strcmp(ra[k], rb[k]);
        if (d)
            return d;
    }
    return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

/* Whether a row's settings, pair, method and metric repeat an earlier row's
 * (irp run writes each once; a repeated row would be averaged in twice). Sets
 * the error naming both rows. */
static int rows_unique(const csv_table *t, const config *c, const char *path)
{
    if (t->num_rows < 2)
        return 1;
    size_t *ix = malloc(t->num_rows * sizeof *ix);
    if (!ix)
        return irp_fail(IRP_ENOMEM, "%s: out of memory", path), 0;
    for (size_t r = 0; r < t->num_rows; r++)
        ix[r] = r;
    key_table = t;
    key_value_col = csv_table_col(t, "value");
    qsort(ix, t->num_rows, sizeof *ix, cmp_row_keys);
    size_t first = 0, of = 0; /* the first repeat in file order, and the row it repeats */
    for (size_t r = 1; r < t->num_rows; r++) {
        char **a = t->rows[ix[r - 1]], **b = t->rows[ix[r]];
        size_t k = 0;
        while (k < t->num_cols && ((int)k == key_value_col || !strcmp(a[k], b[k])))
            k++;
        if (k == t->num_cols && (!first || ix[r] + 1 < first))
            first = ix[r] + 1, of = ix[r - 1] + 1;
    }
    int ok = !first;
    if (!ok)
        irp_fail(IRP_EDATA, "%s: data row %zu repeats data row %zu (same settings, pair, "
                 "method and metric); the table was not written by 'irp run %s' as it is "
                 "(run it again)", path, first, of, c->path);
    free(ix);
    return ok;
}

/* Whether every row of t belongs to config c: its experiment, values of c's
 * sweep, a number (or nothing) as value. Sets the error naming the row. */
static int result_rows_ok(const csv_table *t, const config *c, const char *path)
{
    int ce = csv_table_col(t, "experiment"), cv = csv_table_col(t, "value");
    for (size_t r = 0; r < t->num_rows; r++) {
        char **row = t->rows[r];
        const char *why = NULL;
        if (strcmp(row[ce], c->name))
            why = "another experiment's row";
        for (int k = 0; !why && k < SK_COUNT; k++) {
            const char *v = row[csv_table_col(t, sweep_key_name(k))];
            size_t i = 0;
            while (i < c->num_values[k] && strcmp(v, c->values[k][i]))
                i++;
            if (i == c->num_values[k])
                why = "a value the config does not sweep";
        }
        char *end;
        double x = row[cv][0] ? strtod(row[cv], &end) : 0;
        if (!why && row[cv][0] && (*end || !isfinite(x)))
            why = "a value that is not a finite number";
        if (why) {
            irp_fail(IRP_EDATA, "%s: data row %zu: %s; the table was not written by 'irp run %s' "
                     "as it is (run it again)", path, r + 1, why, c->path);
            return 0;
        }
    }
    return 1;
}

int rows_read_table(csv_table **out, const config *c, const char *results_dir)
{
    char path[1024];
    *out = NULL;
    snprintf(path, sizeof path, "%s/%s.csv", results_dir, c->name);
    csv_table *t;
    if (csv_table_read(&t, path)) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", irp_last_error());
        return irp_fail(IRP_EDATA, "%s (run 'irp run %s' first)", msg, c->path);
    }
    int rc = IRP_OK;
    if (!rows_header_ok(t))
        rc = irp_fail(IRP_EDATA, "%s: not a result table of irp run (expected the columns %s, "
                      "...); run 'irp run %s' to make it",
                      path, result_columns[0], c->path);
    else if (table_hash(path) != c->hash)
        rc = irp_fail(IRP_EDATA, "%s was not computed from %s as it is now (the config changed "
                      "since, or another config has the name '%s'); run 'irp run %s' first",
                      path, c->path, c->name, c->path);
    else if (!result_rows_ok(t, c, path) || !rows_unique(t, c, path))
        rc = IRP_EDATA;
    if (rc)
        csv_table_free(t);
    else
        *out = t;
    return rc;
}
