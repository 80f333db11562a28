/* rows.h — result rows: the context every experiment kind writes through.
 * A row is one (cell, encoder, decoder, method, metric) value of a result
 * table; its columns come from keys.h. Rows go straight to the cell's file,
 * or into a worker's buffer that is flushed later in a fixed order, so tables
 * never depend on thread scheduling. */
#ifndef IRP_ROWS_H
#define IRP_ROWS_H

#include <stddef.h>

#include "plumbing/config.h"
#include "plumbing/csvio.h"
#include "plumbing/dump.h"

/* The long-format columns every result table has, in order. */
extern const char *const result_columns[];
extern const size_t num_result_columns;

/* Rows a worker produced, written later (rows_flush) in a fixed order. */
typedef struct row_rec {
    size_t cell;
    const char *enc, *dec, *method, *metric;
    double value;
} row_rec;

typedef struct row_buf {
    row_rec *r;
    size_t n, cap;
} row_buf;

/* Cells computed together (one, or those differing only in ω for pair kinds);
 * each has its own writer (its cell file). */
typedef struct cell_group {
    size_t n;
    cell *cells;
    csv_out *writers;
} cell_group;

/* What a kind's run sees: the config, the dump, the test rows (first n_test,
 * as doubles, with their norms), the current cell and where its rows go. */
typedef struct run_ctx {
    const config *c;
    const dump *d;
    const cell *cl;
    csv_out *w;
    size_t n_test;
    irp_mat **test;      /* per space, first n_test rows */
    double **test_norms; /* their row norms */
    size_t threads;
    size_t cell_index; /* of cl in its group */
    row_buf *buf;      /* a worker's rows (NULL: write at once) */
    int buf_failed;
    const char *extra_table; /* path of the kind's second table, if any */
    /* MPI: compute only the pairs whose source is space `slice` (the cell's rows
     * that do not belong to a pair go with slice 0); SLICE_ALL: every pair */
    size_t slice;
    struct stage_acct *acct; /* --account: stages' time and work (NULL: not kept) */
    /* FPS traces kept across the config's groups, per space (pairs_traces_free;
     * NULL: none kept), each traced down to fps_floor, the smallest δ > 0 of a
     * threshold group this run computes: every δ's subsets are cut from it */
    struct fps_memo **fps;
    double fps_floor;
    /* each space's test rows prepared (irp_space_prepare), kept across the
     * config's groups that share the anchors (pairs_traces_free; NULL: none yet) */
    struct xp_memo *xpm;
} run_ctx;

#define SLICE_ALL ((size_t)-1)
/* Whether the current slice writes the rows of a cell that belong to no pair. */
#define SLICE_HAS_CELL_ROWS(x) ((x)->slice == SLICE_ALL || (x)->slice == 0)

/* Makes cell j of g the current one. */
void rows_select_cell(run_ctx *x, const cell_group *g, size_t j);
/* One row of the current cell (into x->buf when set). */
void row(run_ctx *x, const char *enc, const char *dec, const char *method, const char *metric,
         double value);
/* Writes b's rows in order, each into its cell's file. */
void rows_flush(run_ctx *x, const cell_group *g, const row_buf *b);
/* The header row of a result table. */
void rows_header(csv_out *w);
/* Whether a table read back has exactly the result columns, in order. */
int rows_header_ok(const csv_table *t);

/* <results_dir>/<c's name>.csv, read and checked as computed by 'irp run' from c
 * as it is now: the result columns, the config hash in its first line, every
 * row c's (its name, values of its sweep, a finite number or nothing) and no
 * row twice. IRP_EDATA naming the file and what to run otherwise. */
int rows_read_table(csv_table **out, const config *c, const char *results_dir);

#endif
