#include "plumbing/csvio.h"
#include "plumbing/util.h"

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
    int rc = check_output(path, NULL);
    if (!rc && !(w->fp = create_tmp(w->tmp)))
        rc = irp_fail(IRP_EDATA, "%s: cannot write (%s)", path, tmp_strerror(errno));
    if (rc) {
        free(w->path);
        free(w->tmp);
        w->path = w->tmp = NULL;
    }
    return rc;
}

void csv_out_comment(csv_out *w, const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    /* one line, whatever the names in it hold (a path with a newline would
     * otherwise end the comment and start a row) */
    for (char *p = buf; *p; p++)
        if ((unsigned char)*p < 32 || *p == 127)
            *p = '?';
    fprintf(w->fp, "# %s\n", buf);
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
    w->rows++;
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
    w->fp = NULL;
    if (!bad && check_output(w->path, NULL)) { /* it may have appeared meanwhile */
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", irp_last_error());
        remove(w->tmp);
        out_free(w);
        return irp_fail(IRP_EDATA, "%s", msg);
    }
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
    size_t line;       /* physical line being parsed, 1-based (comments and header count) */
    int failed;        /* out of memory */
    size_t bad_line;   /* first data row whose field count differs from the header's; 0: none */
    size_t bad_fields; /* ... and its field count */
} reader;

static void drop_row(reader *r)
{
    for (size_t j = 0; j < r->row_len; j++)
        free(r->row[j]);
    free(r->row);
    r->row = NULL;
    r->row_len = r->row_cap = 0;
}

static void on_field(void *s, size_t len, void *data)
{
    reader *r = data;
    if (r->failed || r->bad_line)
        return;
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
    if (len)
        memcpy(f, s, len);
    f[len] = '\0';
    r->row[r->row_len++] = f;
}

/* The header row sets num_cols; every data row must have exactly that many
 * fields (the first one that does not is recorded in bad_line/bad_fields and
 * the read fails). A row becomes the table's directly: rows[i] is r->row. */
static void on_row(int c, void *data)
{
    (void)c;
    reader *r = data;
    csv_table *t = r->t;
    if (r->failed || r->bad_line) {
        drop_row(r);
        return;
    }
    if (!t->header) {
        t->header = r->row;
        t->num_cols = r->row_len;
    } else if (r->row_len != t->num_cols) {
        r->bad_line = r->line;
        r->bad_fields = r->row_len;
        drop_row(r);
        return;
    } else {
        char ***nr = realloc(t->rows, (t->num_rows + 1) * sizeof *nr);
        if (!nr) {
            r->failed = 1;
            drop_row(r);
            return;
        }
        t->rows = nr;
        t->rows[t->num_rows++] = r->row;
    }
    r->row = NULL;
    r->row_len = r->row_cap = 0;
}

/* IRP_OK, or the failure recorded by the callbacks (r->failed, r->bad_line). */
static int reader_status(const reader *r, const char *path)
{
    if (r->failed)
        return irp_fail(IRP_ENOMEM, "%s: out of memory", path);
    if (r->bad_line)
        return irp_fail(IRP_EDATA, "%s:%zu: %zu field%s but the header has %zu", path,
                        r->bad_line, r->bad_fields, r->bad_fields == 1 ? "" : "s",
                        r->t->num_cols);
    return IRP_OK;
}

int csv_table_read(csv_table **out, const char *path)
{
    *out = NULL;
    FILE *fp = fopen_regular(path, "CSV");
    if (!fp)
        return IRP_EDATA;
    struct csv_parser p;
    csv_init(&p, CSV_APPEND_NULL);
    reader r = {.t = calloc(1, sizeof(csv_table))};
    char line[65536];
    int rc = r.t ? IRP_OK : irp_fail(IRP_ENOMEM, "%s: out of memory", path);
    /* fgets may return a physical line in several pieces (longer than the
     * buffer): only the first piece starts a line, and a comment line is
     * skipped whole. */
    int line_start = 1, comment = 0;
    while (!rc && fgets(line, sizeof line, fp)) {
        size_t n = strlen(line);
        if (line_start) {
            r.line++;
            comment = line[0] == '#';
        }
        line_start = n && line[n - 1] == '\n';
        if (comment)
            continue;
        size_t used = csv_parse(&p, line, n, on_field, on_row, &r);
        if (!(rc = reader_status(&r, path)) && used != n)
            rc = irp_fail(IRP_EDATA, "%s:%zu: malformed CSV (%s)", path, r.line,
                          csv_strerror(csv_error(&p)));
    }
    if (!rc) {
        csv_fini(&p, on_field, on_row, &r); /* the last row, when the file does not end in a newline */
        rc = reader_status(&r, path);
    }
    csv_free(&p);
    fclose(fp);
    drop_row(&r);
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
