/* csvio.h — CSV tables through libcsv: an atomic writer (temp file + rename)
 * and a reader returning rows of strings. Lines starting with '#' are
 * comments (the writer puts the config name and hash there; gnuplot skips
 * them too). */
#ifndef IRP_CSVIO_H
#define IRP_CSVIO_H

#include <stddef.h>
#include <stdio.h>

typedef struct csv_out {
    FILE *fp;
    char *path, *tmp;
    int fields_in_row;
    size_t rows; /* rows ended so far (the header included) */
} csv_out;

/* Opens <path>.tmp; nothing appears at <path> until csv_out_commit. */
int csv_out_open(csv_out *w, const char *path);
void csv_out_comment(csv_out *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void csv_out_str(csv_out *w, const char *s);  /* quoted by libcsv only when needed */
void csv_out_num(csv_out *w, double v);       /* %.17g; empty for NaN */
void csv_out_int(csv_out *w, long long v);
void csv_out_end_row(csv_out *w);
/* Flush, fsync, rename over <path>. */
int csv_out_commit(csv_out *w);
/* Remove the temp file (on error paths). */
void csv_out_abort(csv_out *w);

typedef struct csv_table {
    size_t num_rows, num_cols; /* num_cols from the header row */
    char **header;             /* num_cols names */
    char ***rows;              /* rows[i][j], j < num_cols (every row has num_cols fields) */
} csv_table;

/* Reads a CSV file with a header row; lines starting with '#' are comments.
 * Every data row must have as many fields as the header, or the whole read
 * fails naming the line the row ends on (1-based, comment lines and the
 * header counted): "results/x.csv:7: 5 fields but the header has 20".
 * IRP_EDATA naming the file on failure (IRP_ENOMEM when out of memory). */
int csv_table_read(csv_table **out, const char *path);
void csv_table_free(csv_table *t);
/* Column index of `name`, or -1. */
int csv_table_col(const csv_table *t, const char *name);

#endif
