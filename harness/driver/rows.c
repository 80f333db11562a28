/* Result rows; columns from keys.h. */
#include "driver/rows.h"

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
