#include "csvio.h"
#include "util.h"

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "irp.h"


int csv_out_open(csv_out *w, const char *path)
{
    memset(w, 0, sizeof *w);
    size_t n = strlen(path);
    w->path = xstrdup(path);
    w->tmp = malloc(n + 5);
    if (!w->path || !w->tmp) {
        free(w->path);
        free(w->tmp);
        return irp_fail(IRP_ENOMEM, "out of memory");
    }
    snprintf(w->tmp, n + 5, "%s.tmp", path);
    if (!(w->fp = fopen(w->tmp, "w"))) {
        int e = errno;
        free(w->path);
        free(w->tmp);
        return irp_fail(IRP_EDATA, "%s: cannot write (%s)", path, strerror(e));
    }
    return IRP_OK;
}

void csv_out_comment(csv_out *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("# ", w->fp);
    vfprintf(w->fp, fmt, ap);
    fputc('\n', w->fp);
    va_end(ap);
}

static void sep(csv_out *w)
{
    if (w->fields_in_row++)
        fputc(',', w->fp);
}

void csv_out_str(csv_out *w, const char *s)
{
    sep(w);
    if (strpbrk(s, ",\"\r\n") || (s[0] == '#' && w->fields_in_row == 1))
        csv_fwrite(w->fp, s, strlen(s));
    else
        fputs(s, w->fp);
}

void csv_out_num(csv_out *w, double v)
{
    sep(w);
    if (!isnan(v))
        fprintf(w->fp, "%.17g", v);
}

void csv_out_int(csv_out *w, long long v)
{
    sep(w);
    fprintf(w->fp, "%lld", v);
}

void csv_out_end_row(csv_out *w)
{
    fputc('\n', w->fp);
    w->fields_in_row = 0;
}

static void out_free(csv_out *w)
{
    free(w->path);
    free(w->tmp);
    memset(w, 0, sizeof *w);
}

int csv_out_commit(csv_out *w)
{
    int bad = ferror(w->fp) | fflush(w->fp) | fsync(fileno(w->fp));
    bad |= fclose(w->fp);
    if (bad || rename(w->tmp, w->path)) {
        int e = errno;
        remove(w->tmp);
        int rc = irp_fail(IRP_EDATA, "%s: writing failed (%s)", w->path, strerror(e));
        out_free(w);
        return rc;
    }
    out_free(w);
    return IRP_OK;
}

void csv_out_abort(csv_out *w)
{
    if (w->fp) {
        fclose(w->fp);
        remove(w->tmp);
    }
    out_free(w);
}

/* ---- reading ---- */

typedef struct reader {
    csv_table *t;
    char **row;
    size_t row_len, row_cap;
    int failed;
} reader;

static void on_field(void *s, size_t len, void *data)
{
    reader *r = data;
    if (r->row_len == r->row_cap) {
        size_t cap = r->row_cap ? 2 * r->row_cap : 16;
        char **nr = realloc(r->row, cap * sizeof *nr);
        if (!nr) {
            r->failed = 1;
            return;
        }
        r->row = nr;
        r->row_cap = cap;
    }
    char *f = malloc(len + 1);
    if (!f) {
        r->failed = 1;
        return;
    }
    memcpy(f, s, len);
    f[len] = '\0';
    r->row[r->row_len++] = f;
}

static void on_row(int c, void *data)
{
    (void)c;
    reader *r = data;
    csv_table *t = r->t;
    if (!t->header) {
        t->header = r->row;
        t->num_cols = r->row_len;
    } else {
        char ***nr = realloc(t->rows, (t->num_rows + 1) * sizeof *nr);
        char **row = calloc(t->num_cols ? t->num_cols : 1, sizeof *row);
        if (!nr || !row) {
            free(nr == t->rows ? NULL : nr);
            free(row);
            r->failed = 1;
            return;
        }
        t->rows = nr;
        for (size_t j = 0; j < t->num_cols; j++)
            row[j] = j < r->row_len ? r->row[j] : xstrdup("");
        for (size_t j = t->num_cols; j < r->row_len; j++)
            free(r->row[j]);
        free(r->row);
        t->rows[t->num_rows++] = row;
    }
    r->row = NULL;
    r->row_len = r->row_cap = 0;
}

int csv_table_read(csv_table **out, const char *path)
{
    *out = NULL;
    FILE *fp = fopen(path, "r");
    if (!fp)
        return irp_fail(IRP_EDATA, "%s: cannot read (%s)", path, strerror(errno));
    struct csv_parser p;
    csv_init(&p, CSV_APPEND_NULL);
    reader r = {calloc(1, sizeof(csv_table)), NULL, 0, 0, 0};
    char line[65536];
    int rc = r.t ? IRP_OK : IRP_ENOMEM;
    while (!rc && fgets(line, sizeof line, fp)) {
        if (line[0] == '#')
            continue;
        size_t n = strlen(line);
        if (csv_parse(&p, line, n, on_field, on_row, &r) != n)
            rc = irp_fail(IRP_EDATA, "%s: malformed CSV (%s)", path, csv_strerror(csv_error(&p)));
        if (r.failed)
            rc = irp_fail(IRP_ENOMEM, "%s: out of memory", path);
    }
    if (!rc)
        csv_fini(&p, on_field, on_row, &r);
    csv_free(&p);
    fclose(fp);
    for (size_t j = 0; j < r.row_len; j++)
        free(r.row[j]);
    free(r.row);
    if (!rc && !r.t->header)
        rc = irp_fail(IRP_EDATA, "%s: empty CSV (expected a header row)", path);
    if (rc) {
        csv_table_free(r.t);
        return rc;
    }
    *out = r.t;
    return IRP_OK;
}

void csv_table_free(csv_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->num_rows; i++) {
        for (size_t j = 0; j < t->num_cols; j++)
            free(t->rows[i][j]);
        free(t->rows[i]);
    }
    free(t->rows);
    for (size_t j = 0; j < t->num_cols; j++)
        free(t->header[j]);
    free(t->header);
    free(t);
}

int csv_table_col(const csv_table *t, const char *name)
{
    for (size_t j = 0; j < t->num_cols; j++)
        if (!strcmp(t->header[j], name))
            return (int)j;
    return -1;
}
