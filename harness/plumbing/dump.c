/* The dump schema's reader (irp-embeddings/1; the writer is dump_write.c,
 * the prose data/README.md). Every failure names file, object and what was
 * expected. */
#include "plumbing/dump.h"
#include "plumbing/h5io.h"
#include "plumbing/util.h"

#include <errno.h>
#include <pthread.h>
#include <hdf5.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FAIL(...) irp_fail(IRP_EDATA, __VA_ARGS__)


/* The content hash (dump.h) covers shapes as 64-bit little-endian counts. */
static uint64_t hash_shape(uint64_t h, uint64_t rows, uint64_t cols)
{
    uint64_t v[2] = {rows, cols};
    return fnv1a(h, v, sizeof v);
}

static uint64_t hash_text(uint64_t h, const char *s)
{
    return fnv1a(h, s, strlen(s) + 1); /* with its terminator: "ab","c" ≠ "a","bc" */
}

/* A head as loaded: name, kind, activation, then every layer's shape,
 * weights and biases as IEEE doubles. */
static uint64_t hash_head(uint64_t h, const dump_head *hd)
{
    h = hash_text(hash_text(h, hd->name), hd->kind);
    h = hash_text(h, irp_activation_name(hd->head.activation));
    for (size_t l = 0; l < hd->head.num_layers; l++) {
        const irp_mat *w = hd->head.weights[l];
        h = hash_shape(h, w->rows, w->cols);
        h = fnv1a(h, w->data, w->rows * w->cols * sizeof *w->data);
        h = fnv1a(h, hd->head.biases[l], w->rows * sizeof *hd->head.biases[l]);
    }
    return h;
}

/* float32 [rows, cols], checking shape and finiteness; hashed into *hash
 * unless hash is NULL (its hash was handed over). */
static int read_floats(dump_matrix *out, uint64_t *hash, const char *file, hid_t loc,
                       const char *path, size_t want_rows, size_t want_cols /* 0: any */)
{
    float *buf;
    hsize_t dims[2];
    memset(out, 0, sizeof *out);
    int rc = h5_read_array((void **)&buf, dims, file, loc, path, K_FLOAT32, 2, H5T_NATIVE_FLOAT,
                        sizeof(float));
    if (rc)
        return rc;
    if (want_rows && dims[0] != want_rows)
        rc = FAIL("%s: %s: expected %zu rows, got %llu", file, path, want_rows,
                  (unsigned long long)dims[0]);
    else if (want_cols && dims[1] != want_cols)
        rc = FAIL("%s: %s: expected %zu columns, got %llu", file, path, want_cols,
                  (unsigned long long)dims[1]);
    else if (dims[0] == 0 || dims[1] == 0)
        rc = FAIL("%s: %s: empty (%llux%llu)", file, path, (unsigned long long)dims[0],
                  (unsigned long long)dims[1]);
    for (size_t i = 0; !rc && i < dims[0] * dims[1]; i++)
        if (!isfinite(buf[i]))
            rc = FAIL("%s: %s: non-finite value at row %zu, column %zu", file, path,
                      i / (size_t)dims[1], i % (size_t)dims[1]);
    if (rc) {
        free(buf);
        return rc;
    }
    *out = (dump_matrix){dims[0], dims[1], buf, NULL, NULL, NULL};
    if (hash) {
        *hash = hash_shape(*hash, out->rows, out->cols);
        *hash = fnv1a(*hash, buf, out->rows * out->cols * sizeof *buf);
    }
    return IRP_OK;
}

/* Bytes of training splits streamed by scan_floats in this process (dump.h). */
static uint64_t scanned_bytes;

uint64_t dump_scanned_bytes(void)
{
    return scanned_bytes;
}

/* A float32 [rows, cols] dataset open for streaming in blocks of rows. */
typedef struct float_scan {
    hid_t ds, sp;
    hsize_t dims[2], block; /* block: rows read at once */
    float *buf;             /* block rows */
} float_scan;

static void scan_close(float_scan *f)
{
    free(f->buf);
    if (f->sp >= 0)
        H5Sclose(f->sp);
    if (f->ds >= 0)
        H5Dclose(f->ds);
    f->buf = NULL, f->sp = f->ds = -1;
}

/* Opens path as a float32 dataset of rank 2, want_rows rows (0: any), neither
 * side empty, with a buffer for a block; FAIL naming the problem (f is then
 * closed). */
static int scan_open(float_scan *f, const char *file, hid_t loc, const char *path,
                     size_t want_rows)
{
    *f = (float_scan){-1, -1, {0, 0}, 0, NULL};
    if (!h5_exists(loc, path))
        return FAIL("%s: %s: missing (expected a float32 dataset of rank 2)", file, path);
    if ((f->ds = H5Dopen2(loc, path, H5P_DEFAULT)) < 0)
        return FAIL("%s: %s: not a dataset (expected float32, rank 2)", file, path);
    hid_t t = H5Dget_type(f->ds);
    f->sp = H5Dget_space(f->ds);
    hsize_t *dims = f->dims;
    int rc = IRP_OK, r = H5Sget_simple_extent_ndims(f->sp);
    if (!(H5Tget_class(t) == H5T_FLOAT && H5Tget_size(t) == 4))
        rc = FAIL("%s: %s: expected float32 values, got %s of %zu bytes", file, path,
                  H5Tget_class(t) == H5T_FLOAT ? "float" : "another type", H5Tget_size(t));
    else if (r != 2)
        rc = FAIL("%s: %s: expected rank 2, got rank %d", file, path, r);
    H5Tclose(t);
    if (!rc) {
        H5Sget_simple_extent_dims(f->sp, dims, NULL);
        if (want_rows && dims[0] != want_rows)
            rc = FAIL("%s: %s: expected %zu rows, got %llu", file, path, want_rows,
                      (unsigned long long)dims[0]);
        else if (dims[0] == 0 || dims[1] == 0)
            rc = FAIL("%s: %s: empty", file, path);
    }
    f->block = dims[0] && dims[0] < 4096 ? dims[0] : 4096;
    size_t bytes = 0;
    if (!rc && (h5_shape_bytes(&bytes, dims[0], dims[1], sizeof(float)) ||
                !h5_plausible(f->ds, bytes) ||
                h5_shape_bytes(&bytes, f->block, dims[1], sizeof(float))))
        rc = FAIL("%s: %s: declared shape %llux%llu is too large", file, path,
                  (unsigned long long)dims[0], (unsigned long long)dims[1]);
    if (!rc && !(f->buf = malloc(bytes)))
        rc = irp_fail(IRP_ENOMEM, "out of memory");
    if (rc)
        scan_close(f);
    return rc;
}

/* The block of rows from r0 into f->buf, each value checked finite; *bytes: its
 * size. */
static int scan_block(float_scan *f, const char *file, const char *path, hsize_t r0,
                      size_t *bytes)
{
    hsize_t cnt[2] = {f->dims[0] - r0 < f->block ? f->dims[0] - r0 : f->block, f->dims[1]},
            off[2] = {r0, 0};
    size_t n = (size_t)(cnt[0] * cnt[1]);
    int rc = IRP_OK;
    hid_t ms = H5Screate_simple(2, cnt, NULL);
    H5Sselect_hyperslab(f->sp, H5S_SELECT_SET, off, NULL, cnt, NULL);
    if (H5Dread(f->ds, H5T_NATIVE_FLOAT, ms, f->sp, H5P_DEFAULT, f->buf) < 0)
        rc = FAIL("%s: %s: read failed", file, path);
    for (size_t i = 0; !rc && i < n; i++)
        if (!isfinite(f->buf[i]))
            rc = FAIL("%s: %s: non-finite value at row %zu, column %zu", file, path,
                      (size_t)r0 + i / (size_t)f->dims[1], i % (size_t)f->dims[1]);
    scanned_bytes += n * sizeof *f->buf;
    H5Sclose(ms);
    *bytes = n * sizeof *f->buf;
    return rc;
}

/* Shape and finiteness of a float32 [rows, cols] dataset, streamed in blocks
 * of rows; nothing is kept but where to find it. */
static int scan_floats(dump_matrix *out, uint64_t *hash, const char *file, hid_t loc,
                       const char *path, size_t want_rows)
{
    memset(out, 0, sizeof *out);
    float_scan f;
    int rc = scan_open(&f, file, loc, path, want_rows);
    if (rc)
        return rc;
    *hash = hash_shape(*hash, f.dims[0], f.dims[1]);
    size_t bytes;
    for (hsize_t r0 = 0; !rc && r0 < f.dims[0]; r0 += f.block)
        if (!(rc = scan_block(&f, file, path, r0, &bytes)))
            *hash = fnv1a(*hash, f.buf, bytes);
    size_t rows = (size_t)f.dims[0], cols = (size_t)f.dims[1];
    scan_close(&f);
    if (!rc) {
        *out = (dump_matrix){rows, cols, NULL, xstrdup(file), xstrdup(path), NULL};
        if (!out->file || !out->object)
            rc = irp_fail(IRP_ENOMEM, "out of memory");
    }
    return rc;
}

/* scan_floats for the training splits of n spaces at once, block by block,
 * their FNV-1a chains interleaved (fnv1a_many): entry i of ent (DUMP_HAND_SPACE
 * words) gets {name hash, rows, cols, train_hash, 0}, what load_space takes
 * from a handover. Returns nonzero if any split is not a finite float32
 * [num_train, cols > 0] dataset or memory runs out: the caller then scans
 * space by space, which reports the first problem in load order (this scan
 * may meet a later space's first). */
static int scan_side_by_side(uint64_t *ent, const dump *d, hid_t file, char *const *names,
                             size_t n)
{
    float_scan *f = calloc(n, sizeof *f);
    const void **buf = malloc(n * sizeof *buf);
    size_t *len = malloc(n * sizeof *len), open = 0, rows = d->num_train;
    uint64_t *h = malloc(n * sizeof *h);
    int bad = !f || !buf || !len || !h || !rows;
    char path[600];
    for (; !bad && open < n; open++) {
        snprintf(path, sizeof path, "/spaces/%s/train", names[open]);
        if ((bad = scan_open(&f[open], d->path, file, path, rows) != IRP_OK))
            break; /* (closed by scan_open) */
        buf[open] = f[open].buf;
        h[open] = hash_shape(hash_text(FNV1A_INIT, names[open]), rows, f[open].dims[1]);
    }
    for (hsize_t r0 = 0; !bad && r0 < rows; r0 += f[0].block) {
        for (size_t i = 0; !bad && i < n; i++) {
            snprintf(path, sizeof path, "/spaces/%s/train", names[i]);
            bad = scan_block(&f[i], d->path, path, r0, &len[i]) != IRP_OK;
        }
        if (!bad)
            fnv1a_many(h, buf, len, n);
    }
    for (size_t i = 0; !bad && i < n; i++) {
        uint64_t *e = ent + DUMP_HAND_SPACE * i;
        e[0] = hash_text(FNV1A_INIT, names[i]), e[1] = rows, e[2] = f[i].dims[1], e[3] = h[i];
        e[4] = 0;
    }
    for (size_t i = 0; f && i < open; i++)
        scan_close(&f[i]);
    free(f), free(buf), free(len), free(h);
    return bad;
}

/* The training split as the guarded child found it (dump_load_checked): the
 * dataset must still be float32 of the shape the child saw; its values were
 * validated and hashed there. Returns 1 when it is not (the caller scans). */
static int locate_floats(dump_matrix *out, const char *file, hid_t loc, const char *path,
                         size_t rows, size_t cols)
{
    memset(out, 0, sizeof *out);
    if (!h5_exists(loc, path))
        return 1;
    hid_t ds = H5Dopen2(loc, path, H5P_DEFAULT);
    if (ds < 0)
        return 1;
    hid_t t = H5Dget_type(ds), sp = H5Dget_space(ds);
    hsize_t dims[2] = {0, 0};
    int same = H5Tget_class(t) == H5T_FLOAT && H5Tget_size(t) == 4 &&
               H5Sget_simple_extent_ndims(sp) == 2 && H5Sget_simple_extent_dims(sp, dims, NULL) == 2 &&
               dims[0] == rows && dims[1] == cols;
    H5Sclose(sp);
    H5Tclose(t);
    H5Dclose(ds);
    if (!same)
        return 1;
    *out = (dump_matrix){rows, cols, NULL, xstrdup(file), xstrdup(path), NULL};
    if (!out->file || !out->object)
        return irp_fail(IRP_ENOMEM, "out of memory");
    return IRP_OK;
}

typedef struct row_pos {
    size_t row, pos;
} row_pos;

static int cmp_row(const void *a, const void *b)
{
    size_t x = ((const row_pos *)a)->row, y = ((const row_pos *)b)->row;
    return (x > y) - (x < y);
}

/* Rows of an on-demand matrix, read with one hyperslab selection. */
static irp_mat *read_rows(const dump_matrix *m, const size_t *idx, size_t n)
{
    irp_mat *out = irp_mat_new(n, m->cols);
    row_pos *order = malloc((n ? n : 1) * sizeof *order);
    size_t bytes = 0;
    float *buf = h5_shape_bytes(&bytes, n ? n : 1, m->cols, sizeof(float)) ? NULL : malloc(bytes);
    hid_t f = -1, ds = -1, sp = -1, ms = -1;
    int ok = out && order && buf;
    for (size_t i = 0; ok && i < n; i++)
        order[i] = (row_pos){idx ? idx[i] : i, i};
    if (ok)
        qsort(order, n, sizeof *order, cmp_row); /* HDF5 returns a union in file order */
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    ok = ok && (f = H5Fopen(m->file, H5F_ACC_RDONLY, H5P_DEFAULT)) >= 0 &&
         (ds = H5Dopen2(f, m->object, H5P_DEFAULT)) >= 0 && (sp = H5Dget_space(ds)) >= 0;
    if (ok) {
        H5Sselect_none(sp);
        size_t distinct = 0;
        for (size_t i = 0; i < n; i++) {
            if (i && order[i].row == order[i - 1].row)
                continue;
            hsize_t off[2] = {order[i].row, 0}, cnt[2] = {1, m->cols};
            H5Sselect_hyperslab(sp, H5S_SELECT_OR, off, NULL, cnt, NULL);
            distinct++;
        }
        hsize_t mdims[2] = {distinct, m->cols};
        ok = distinct == 0 ||
             ((ms = H5Screate_simple(2, mdims, NULL)) >= 0 &&
              H5Dread(ds, H5T_NATIVE_FLOAT, ms, sp, H5P_DEFAULT, buf) >= 0);
        for (size_t i = 0, r = (size_t)-1; ok && i < n; i++) {
            if (!i || order[i].row != order[i - 1].row)
                r++;
            for (size_t j = 0; j < m->cols; j++)
                IRP_AT(out, order[i].pos, j) = buf[r * m->cols + j];
        }
    }
    if (ms >= 0)
        H5Sclose(ms);
    if (sp >= 0)
        H5Sclose(sp);
    if (ds >= 0)
        H5Dclose(ds);
    if (f >= 0)
        H5Fclose(f);
    free(order);
    free(buf);
    if (!ok) {
        irp_mat_free(out);
        irp_fail(IRP_EDATA, "%s: %s: reading %zu rows failed", m->file, m->object, n);
        return NULL;
    }
    return out;
}

/* float32 [rows, cols] → irp_mat (double). */
static int read_matrix(irp_mat **out, const char *file, hid_t loc, const char *path,
                       size_t want_rows, size_t want_cols)
{
    dump_matrix m;
    uint64_t unused = 0; /* heads are hashed as loaded (hash_head) */
    *out = NULL;
    int rc = read_floats(&m, &unused, file, loc, path, want_rows, want_cols);
    if (rc)
        return rc;
    *out = dump_rows(&m, NULL, m.rows);
    free(m.data);
    return *out ? IRP_OK : irp_fail(IRP_ENOMEM, "%s: %s: out of memory", file, path);
}

struct dump_memo {
    size_t n, *idx; /* idx NULL: rows 0..n-1 */
    irp_mat *rows;
};

static pthread_mutex_t memo_lock = PTHREAD_MUTEX_INITIALIZER;

static void memo_free(struct dump_memo *memo)
{
    if (memo) {
        free(memo->idx);
        irp_mat_free(memo->rows);
        free(memo);
    }
}

/* Rows read on demand, through the matrix's memo: the same indices again (the
 * anchors of the next cell group) are a copy, not another read. The file is
 * still checked unchanged after each group (dump_unchanged), as before. */
static irp_mat *read_rows_memo(const dump_matrix *m, const size_t *idx, size_t n)
{
    dump_matrix *mm = (dump_matrix *)m; /* the memo is a cache, not the matrix's content */
    irp_mat *out = NULL;
    pthread_mutex_lock(&memo_lock);
    struct dump_memo *memo = mm->memo;
    if (memo && memo->n == n && !memo->idx == !idx &&
        (!idx || !memcmp(memo->idx, idx, n * sizeof *idx)))
        out = irp_mat_copy(memo->rows);
    pthread_mutex_unlock(&memo_lock);
    if (out)
        return out;
    if (!(out = read_rows(m, idx, n)))
        return NULL;
    struct dump_memo *fresh = calloc(1, sizeof *fresh);
    if (fresh && (fresh->rows = irp_mat_copy(out)) &&
        (!idx || (fresh->idx = malloc((n ? n : 1) * sizeof *idx)))) {
        fresh->n = n;
        if (idx)
            memcpy(fresh->idx, idx, n * sizeof *idx);
        pthread_mutex_lock(&memo_lock);
        memo = mm->memo;
        mm->memo = fresh;
        pthread_mutex_unlock(&memo_lock);
        memo_free(memo);
    } else
        memo_free(fresh); /* no memo: only slower */
    return out;
}

irp_mat *dump_rows(const dump_matrix *m, const size_t *idx, size_t n)
{
    if (!m->data && !m->file) {
        irp_fail(IRP_EINVAL, "dump rows already released (dump_release)");
        return NULL;
    }
    if (!m->data)
        return read_rows_memo(m, idx, n);
    irp_mat *out = irp_mat_new(n, m->cols);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const float *src = m->data + (idx ? idx[i] : i) * m->cols;
        double *dst = &IRP_AT(out, i, 0);
        for (size_t j = 0; j < m->cols; j++)
            dst[j] = src[j];
    }
    return out;
}

static int read_vector_f32(double **out, const char *file, hid_t loc, const char *path,
                           size_t want)
{
    float *buf;
    hsize_t dims[2];
    *out = NULL;
    int rc = h5_read_array((void **)&buf, dims, file, loc, path, K_FLOAT32, 1, H5T_NATIVE_FLOAT,
                        sizeof(float));
    if (rc)
        return rc;
    if (dims[0] != want)
        rc = FAIL("%s: %s: expected %zu values, got %llu", file, path, want,
                  (unsigned long long)dims[0]);
    if (!rc && !(*out = malloc(want * sizeof **out)))
        rc = irp_fail(IRP_ENOMEM, "out of memory");
    for (size_t i = 0; !rc && i < want; i++) {
        if (!isfinite(buf[i]))
            rc = FAIL("%s: %s: non-finite value at %zu", file, path, i);
        else
            (*out)[i] = buf[i];
    }
    free(buf);
    if (rc) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

static void head_free(dump_head *h)
{
    free(h->name);
    free(h->kind);
    for (size_t l = 0; l < h->head.num_layers; l++) {
        if (h->head.weights)
            irp_mat_free(h->head.weights[l]);
        if (h->head.biases)
            free(h->head.biases[l]);
    }
    free(h->head.weights);
    free(h->head.biases);
}

static int load_head(dump_head *h, const char *file, hid_t fid, hid_t heads, const char *space,
                     const char *name, size_t dim, size_t num_classes)
{
    char obj[512];
    snprintf(obj, sizeof obj, "/spaces/%s/heads/%s", space, name);
    memset(h, 0, sizeof *h);
    h->train_accuracy = h->test_accuracy = NAN;
    if (!(h->name = xstrdup(name)))
        return irp_fail(IRP_ENOMEM, "out of memory");
    hid_t g = H5Gopen2(heads, name, H5P_DEFAULT);
    if (g < 0)
        return FAIL("%s: %s: expected a group", file, obj);
    char *act = NULL;
    double v;
    int found, rc = h5_attr_string(&h->kind, file, g, obj, "kind", 0);
    if (!rc && !h->kind)
        rc = FAIL("%s: %s: missing attribute 'kind' (expected \"linear\" or \"mlp\")", file, obj);
    if (!rc && strcmp(h->kind, "linear") && strcmp(h->kind, "mlp"))
        rc = FAIL("%s: %s: attribute 'kind' is \"%s\"; expected \"linear\" or \"mlp\"", file, obj,
                  h->kind);
    if (!rc)
        rc = h5_attr_string(&act, file, g, obj, "activation", 0);
    if (!rc && act && irp_activation_parse(&h->head.activation, act))
        rc = FAIL("%s: %s: attribute 'activation' is \"%s\"; expected identity, relu, tanh, "
                  "sigmoid or gelu",
                  file, obj, act);
    if (!rc && !(rc = h5_attr_number(&v, &found, file, g, obj, "train_accuracy")) && found)
        h->train_accuracy = v;
    if (!rc && !(rc = h5_attr_number(&v, &found, file, g, obj, "test_accuracy")) && found)
        h->test_accuracy = v;
    size_t layers = 1;
    if (!rc && !strcmp(h->kind, "mlp")) {
        rc = h5_attr_number(&v, &found, file, g, obj, "num_layers");
        if (!rc && (!found || !(v >= 1 && v <= 64 && v == floor(v))))
            rc = FAIL("%s: %s: attribute 'num_layers' must be an integer from 1 to 64", file,
                      obj);
        if (!rc)
            layers = (size_t)v;
    }
    if (!rc) {
        h->head.weights = calloc(layers, sizeof *h->head.weights);
        h->head.biases = calloc(layers, sizeof *h->head.biases);
        if (!h->head.weights || !h->head.biases)
            rc = irp_fail(IRP_ENOMEM, "out of memory");
        else
            h->head.num_layers = layers;
    }
    size_t in = dim;
    for (size_t l = 0; !rc && l < layers; l++) {
        char wpath[600], bpath[600];
        if (!strcmp(h->kind, "linear"))
            snprintf(wpath, sizeof wpath, "%s/weight", obj),
                snprintf(bpath, sizeof bpath, "%s/bias", obj);
        else
            snprintf(wpath, sizeof wpath, "%s/layer_%zu/weight", obj, l),
                snprintf(bpath, sizeof bpath, "%s/layer_%zu/bias", obj, l);
        rc = read_matrix(&h->head.weights[l], file, fid, wpath, 0, in);
        size_t out = rc ? 0 : h->head.weights[l]->rows;
        if (!rc && l + 1 == layers && out != num_classes)
            rc = FAIL("%s: %s: last layer has %zu outputs but the dump has %zu classes", file,
                      wpath, out, num_classes);
        if (!rc)
            rc = read_vector_f32(&h->head.biases[l], file, fid, bpath, out);
        in = out;
    }
    free(act);
    H5Gclose(g);
    return rc;
}

void dump_release(dump_matrix *m)
{
    free(m->data);
    m->data = NULL;
}

static void space_free(dump_space *s)
{
    free(s->name);
    free(s->model);
    free(s->modality);
    free(s->train.data);
    free(s->train.file);
    free(s->train.object);
    memo_free(s->train.memo);
    free(s->test.data);
    for (size_t i = 0; i < s->num_heads; i++)
        head_free(&s->heads[i]);
    free(s->heads);
}

typedef struct name_list {
    size_t n, cap;
    char **names;
} name_list;

static herr_t collect(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    (void)g;
    (void)info;
    name_list *l = data;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 8;
        char **nn = realloc(l->names, cap * sizeof *nn);
        if (!nn)
            return -1;
        l->names = nn;
        l->cap = cap;
    }
    return (l->names[l->n++] = xstrdup(name)) ? 0 : -1;
}

/* Names become CSV fields, figure labels and report cells: printable and
 * short, so that no name can break a line, a table or a path buffer. */
enum { DUMP_MAX_NAME = 200 };

/* The members of group `g` (the object `obj` of `file`), with checked names. */
static int list_group(name_list *l, hid_t g, const char *file, const char *obj)
{
    memset(l, 0, sizeof *l);
    H5O_info_t info;
    if (g < 0 || H5Oget_info2(g, &info, H5O_INFO_BASIC) < 0 || info.type != H5O_TYPE_GROUP)
        return FAIL("%s: %s: expected a group", file, obj);
    hsize_t idx = 0;
    if (H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, &idx, collect, l) < 0)
        return FAIL("%s: %s: its members cannot be listed (a broken link?)", file, obj);
    for (size_t i = 0; i < l->n; i++) {
        const char *n = l->names[i];
        size_t len = strlen(n), bad = 0;
        for (const char *p = n; *p; p++)
            bad += (unsigned char)*p < 32 || *p == 127;
        if (len > DUMP_MAX_NAME || bad) {
            char shown[64];
            size_t k = 0;
            for (const char *p = n; *p && k < 40; p++)
                shown[k++] = (unsigned char)*p < 32 || *p == 127 ? '?' : *p;
            shown[k] = '\0';
            return FAIL("%s: %s/%s%s: %s; expected a printable name of at most %d characters",
                        file, obj, shown, len > 40 ? "..." : "",
                        bad ? "a name with a control character (newline, escape...)"
                            : "a name too long",
                        DUMP_MAX_NAME);
        }
    }
    return IRP_OK;
}

static void list_free(name_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->names[i]);
    free(l->names);
}

/* hand: NULL, or the child's {name hash, train rows, train cols, train_hash,
 * test_hash} */
static int load_space(dump_space *s, const dump *d, hid_t file, const char *name, unsigned flags,
                      const uint64_t *hand, int hand_has_test)
{
    char obj[512], path[600];
    memset(s, 0, sizeof *s);
    snprintf(obj, sizeof obj, "/spaces/%s", name);
    if (!(s->name = xstrdup(name)))
        return irp_fail(IRP_ENOMEM, "out of memory");
    hid_t g = H5Gopen2(file, obj, H5P_DEFAULT);
    if (g < 0)
        return FAIL("%s: %s: expected a group holding train and test", d->path, obj);
    snprintf(path, sizeof path, "%s/train", obj);
    s->content_hash = hash_text(FNV1A_INIT, name);
    int rc = 1, handed = 0;
    if ((flags & DUMP_TRAIN_ON_DEMAND) && hand && hand[0] == s->content_hash &&
        hand[1] == d->num_train && (rc = locate_floats(&s->train, d->path, file, path,
                                                       (size_t)hand[1], (size_t)hand[2])) == IRP_OK)
        s->content_hash = hand[3], handed = 1;
    else if (rc == 1)
        rc = flags & DUMP_TRAIN_ON_DEMAND
                 ? scan_floats(&s->train, &s->content_hash, d->path, file, path, d->num_train)
                 : read_floats(&s->train, &s->content_hash, d->path, file, path, d->num_train, 0);
    s->train_hash = s->content_hash;
    snprintf(path, sizeof path, "%s/test", obj);
    /* the test rows are read here either way (they are kept), checked again,
     * and hashed only when the child's hash of them was not handed over */
    if (!rc)
        rc = read_floats(&s->test, handed && hand_has_test ? NULL : &s->content_hash, d->path,
                         file, path, d->num_test, s->train.cols);
    if (!rc && handed && hand_has_test)
        s->content_hash = hand[4];
    s->test_hash = s->content_hash;
    if (!rc)
        s->dim = s->train.cols;
    double v;
    int found;
    if (!rc && !(rc = h5_attr_number(&v, &found, d->path, g, obj, "dim")) && found &&
        v != (double)s->dim)
        rc = FAIL("%s: %s: attribute dim = %g but the embeddings have %zu columns", d->path, obj,
                  v, s->dim);
    if (!rc)
        rc = h5_attr_string(&s->model, d->path, g, obj, "model", 0);
    if (!rc)
        rc = h5_attr_string(&s->modality, d->path, g, obj, "modality", 0);
    if (!rc && !s->model)
        s->model = xstrdup("");
    if (!rc && !s->modality)
        s->modality = xstrdup("");
    /* Optional per-space ids: must equal the shared sample ids row for row. */
    for (int split = 0; !rc && split < 2; split++) {
        snprintf(path, sizeof path, "%s/ids/%s", obj, split ? "test" : "train");
        if (!h5_exists(file, path))
            continue;
        int64_t *ids = NULL;
        hsize_t dims[2] = {0, 0};
        size_t n = split ? d->num_test : d->num_train;
        const int64_t *want = split ? d->test_ids : d->train_ids;
        rc = h5_read_array((void **)&ids, dims, d->path, file, path, K_INT, 1, H5T_NATIVE_INT64,
                        sizeof *ids);
        if (!rc && dims[0] != n)
            rc = FAIL("%s: %s: %llu ids for %zu rows", d->path, path, (unsigned long long)dims[0],
                      n);
        for (size_t i = 0; !rc && i < n; i++)
            if (ids[i] != want[i])
                rc = FAIL("%s: %s: row %zu has id %lld but /samples says %lld; rows must be "
                          "parallel across spaces",
                          d->path, path, i, (long long)ids[i], (long long)want[i]);
        free(ids);
    }
    snprintf(path, sizeof path, "%s/heads", obj);
    if (!rc && h5_exists(file, path)) {
        hid_t hg = H5Gopen2(file, path, H5P_DEFAULT);
        name_list l;
        rc = list_group(&l, hg, d->path, path);
        if (!rc && !(s->heads = calloc(l.n ? l.n : 1, sizeof *s->heads)))
            rc = irp_fail(IRP_ENOMEM, "out of memory");
        for (size_t i = 0; !rc && i < l.n; i++) {
            rc = load_head(&s->heads[i], d->path, file, hg, name, l.names[i], s->dim, d->num_classes);
            s->num_heads = i + 1;
            if (!rc)
                s->content_hash = hash_head(s->content_hash, &s->heads[i]);
        }
        list_free(&l);
        H5Gclose(hg);
    }
    H5Gclose(g);
    return rc;
}

static int load_samples(dump *d, hid_t file, int split)
{
    const char *sp = split ? "test" : "train";
    char path[64];
    hsize_t dims[2];
    int64_t **ids = split ? &d->test_ids : &d->train_ids;
    int32_t **labels = split ? &d->test_labels : &d->train_labels;
    size_t *n = split ? &d->num_test : &d->num_train;
    snprintf(path, sizeof path, "/samples/%s/ids", sp);
    int rc = h5_read_array((void **)ids, dims, d->path, file, path, K_INT, 1, H5T_NATIVE_INT64,
                        sizeof **ids);
    if (rc)
        return rc;
    *n = dims[0];
    if (*n == 0)
        return FAIL("%s: %s: no samples", d->path, path);
    snprintf(path, sizeof path, "/samples/%s/labels", sp);
    if (!h5_exists(file, path))
        return IRP_OK;
    /* read wide, checked, then narrowed: HDF5's conversion to int32 would
     * clamp a label beyond int32 to 2147483647 */
    int64_t *wide = NULL;
    rc = h5_read_array((void **)&wide, dims, d->path, file, path, K_INT, 1, H5T_NATIVE_INT64,
                       sizeof *wide);
    if (!rc && dims[0] != *n)
        rc = FAIL("%s: %s: %llu labels for %zu ids", d->path, path, (unsigned long long)dims[0],
                  *n);
    for (size_t i = 0; !rc && i < *n; i++)
        if (wide[i] < 0 || (uint64_t)wide[i] >= d->num_classes)
            rc = FAIL("%s: %s: label %lld at row %zu is outside [0, %zu)", d->path, path,
                      (long long)wide[i], i, d->num_classes);
    if (!rc && !(*labels = malloc(*n * sizeof **labels)))
        rc = irp_fail(IRP_ENOMEM, "%s: out of memory for %s", d->path, path);
    for (size_t i = 0; !rc && i < *n; i++)
        (*labels)[i] = (int32_t)wide[i];
    free(wide);
    return rc;
}

int dump_load(dump **out, const char *path, const char *const *only, size_t num_only)
{
    return dump_load_flags(out, path, only, num_only, 0);
}

static int load_part(dump **out, const char *path, const char *const *only, size_t num_only,
                     unsigned flags, const uint64_t *hand, size_t hand_words, int part);

/* Elements of /spaces/NAME/train as its shape says (0 when it cannot be read:
 * the load then names what is wrong). Only to share the spaces out. */
static double train_elements(hid_t file, const char *name)
{
    char path[600];
    snprintf(path, sizeof path, "/spaces/%s/train", name);
    if (!h5_exists(file, path))
        return 0;
    hid_t ds = H5Dopen2(file, path, H5P_DEFAULT);
    if (ds < 0)
        return 0;
    hid_t sp = H5Dget_space(ds);
    hsize_t dims[2] = {0, 0};
    double n = sp >= 0 && H5Sget_simple_extent_ndims(sp) == 2 &&
                       H5Sget_simple_extent_dims(sp, dims, NULL) == 2
                   ? (double)dims[0] * (double)dims[1]
                   : 0;
    if (sp >= 0)
        H5Sclose(sp);
    H5Dclose(ds);
    return n;
}

/* Of the n wanted spaces (wanted[i]: their places in the file's list), how
 * many the first of two halves takes: a prefix, so that the halves' errors
 * come in the order one pass finds them, whose training elements are closest
 * to half of all (the spaces differ in width). */
static size_t first_half(hid_t file, const name_list *l, const size_t *wanted, size_t n)
{
    if (n < 2)
        return n;
    double *pre = malloc((n + 1) * sizeof *pre);
    if (!pre)
        return (n + 1) / 2;
    pre[0] = 0;
    for (size_t i = 0; i < n; i++)
        pre[i + 1] = pre[i] + train_elements(file, l->names[wanted[i]]);
    size_t best = 1;
    for (size_t m = 2; m < n; m++)
        if (fabs(2 * pre[m] - pre[n]) < fabs(2 * pre[best] - pre[n]))
            best = m;
    free(pre);
    return best;
}

int dump_load_handed(dump **out, const char *path, const char *const *only, size_t num_only,
                     unsigned flags, const uint64_t *hand, size_t hand_words)
{
    return load_part(out, path, only, num_only, flags, hand, hand_words, -1);
}

/* part -1: every wanted space; 0 or 1: the first or second half (first_half) */
static int load_part(dump **out, const char *path, const char *const *only, size_t num_only,
                     unsigned flags, const uint64_t *hand, size_t hand_words, int part)
{
    *out = NULL;
    h5_quiet();
    struct stat st;
    if (stat(path, &st))
        return FAIL("%s: cannot open (%s); point 'data' at an existing dump (the offline "
                    "default dumps are made by 'make data')",
                    path, strerror(errno));
    if (!S_ISREG(st.st_mode)) /* a FIFO or device would hang or mislead HDF5 */
        return FAIL("%s: not a regular file; expected an %s dump", path, DUMP_SCHEMA);
    if (H5Fis_hdf5(path) <= 0) {
        FILE *f = fopen(path, "rb");
        if (!f)
            return FAIL("%s: cannot open (no such file or no permission); point 'data' at an "
                        "existing dump (the offline default dumps are made by 'make data')",
                        path);
        fclose(f);
        return FAIL("%s: not an HDF5 file (expected an %s dump)", path, DUMP_SCHEMA);
    }
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0)
        return FAIL("%s: HDF5 could not open it", path);
    /* (a file whose links cannot be listed is corrupted: the reads below say
     * where, or the checked loader's child reports the library's crash) */
    if (h5_refuse_foreign_links(file, path)) {
        H5Fclose(file);
        return IRP_EDATA;
    }
    dump *d = calloc(1, sizeof *d);
    if (d)
        d->file.dev = (uint64_t)st.st_dev, d->file.ino = (uint64_t)st.st_ino,
        d->file.size = (uint64_t)st.st_size,
        d->file.mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
    int rc = !d || !(d->path = xstrdup(path)) ? irp_fail(IRP_ENOMEM, "%s: out of memory", path)
                                               : IRP_OK;
    /* the child's findings count only for the file it read: same identity */
    if (!rc && !(hand && hand_words >= DUMP_HAND_HEAD && hand[0] == DUMP_HAND_MAGIC &&
                 hand[1] == d->file.dev && hand[2] == d->file.ino && hand[3] == d->file.size &&
                 hand[4] == (uint64_t)d->file.mtime_ns &&
                 hand[5] <= (hand_words - DUMP_HAND_HEAD) / DUMP_HAND_SPACE))
        hand = NULL;
    char *schema = NULL;
    double v;
    int found;
    if (!rc)
        rc = h5_attr_string(&schema, path, file, "/", "schema", 0);
    if (!rc && (!schema || strcmp(schema, DUMP_SCHEMA)))
        rc = FAIL("%s: / attribute 'schema' is %s%s%s; expected \"%s\"", path,
                  schema ? "\"" : "", schema ? schema : "missing", schema ? "\"" : "", DUMP_SCHEMA);
    if (!rc)
        rc = h5_attr_string(&d->dataset, path, file, "/", "dataset", 0);
    if (!rc && !d->dataset)
        d->dataset = xstrdup("");
    if (!rc)
        rc = h5_attr_string(&d->class_names, path, file, "/", "class_names", 1);
    if (!rc && !d->class_names)
        d->class_names = xstrdup("");
    if (!rc && !(rc = h5_attr_number(&v, &found, path, file, "/", "num_classes")) &&
        (!found || !(v >= 1 && v <= 1000000 && v == floor(v))))
        rc = FAIL("%s: / attribute 'num_classes': expected an integer from 1 to 1000000", path);
    if (!rc)
        d->num_classes = (size_t)v;
    if (!rc)
        rc = load_samples(d, file, 0);
    if (!rc)
        rc = load_samples(d, file, 1);
    if (!rc && !d->train_labels != !d->test_labels)
        rc = FAIL("%s: /samples/%s/labels: present, but /samples/%s/labels is not; a labelled "
                  "dump has labels in both splits",
                  path, d->train_labels ? "train" : "test", d->train_labels ? "test" : "train");
    name_list l = {0};
    if (!rc && !h5_exists(file, "spaces"))
        rc = FAIL("%s: /spaces: missing (expected one group per encoder)", path);
    if (!rc) {
        hid_t g = H5Gopen2(file, "spaces", H5P_DEFAULT);
        rc = list_group(&l, g, path, "/spaces");
        if (g >= 0)
            H5Gclose(g);
    }
    if (!rc && l.n == 0)
        rc = FAIL("%s: /spaces: no encoder groups", path);
    for (size_t i = 0; !rc && i < num_only; i++) {
        size_t j = 0;
        while (j < l.n && strcmp(l.names[j], only[i]))
            j++;
        char shown[80];
        if (j == l.n)
            rc = FAIL("%s: /spaces/%s: no such space (the file has %zu spaces; see 'irp inspect "
                      "%s')",
                      path, printable(shown, sizeof shown, only[i]), l.n, path);
    }
    size_t *wanted = rc ? NULL : malloc((l.n ? l.n : 1) * sizeof *wanted), nw = 0;
    if (!rc && (!wanted || !(d->spaces = calloc(l.n, sizeof *d->spaces))))
        rc = irp_fail(IRP_ENOMEM, "out of memory");
    for (size_t i = 0; !rc && i < l.n; i++) {
        int want = !only;
        for (size_t j = 0; !want && j < num_only; j++)
            want = !strcmp(only[j], l.names[i]);
        if (want)
            wanted[nw++] = i;
    }
    size_t from = 0, to = nw;
    if (!rc && part >= 0) {
        size_t m = first_half(file, &l, wanted, nw);
        from = part ? m : 0, to = part ? nw : m;
    }
    /* nothing handed over (the guarded child, or an unguarded load): the
     * training splits to stream through are scanned side by side */
    uint64_t *mine = NULL;
    char **names = NULL;
    if (!rc && !hand && (flags & DUMP_TRAIN_ON_DEMAND) && to - from > 1 &&
        (mine = calloc((to - from) * DUMP_HAND_SPACE, sizeof *mine)) &&
        (names = malloc((to - from) * sizeof *names))) {
        for (size_t w = from; w < to; w++)
            names[w - from] = l.names[wanted[w]];
        if (scan_side_by_side(mine, d, file, names, to - from)) {
            free(mine);
            mine = NULL;
        }
    }
    for (size_t w = from; !rc && w < to; w++) {
        size_t i = wanted[w];
        const uint64_t *h = hand && d->num_spaces < hand[5]
                                ? hand + DUMP_HAND_HEAD + DUMP_HAND_SPACE * d->num_spaces
                            : mine ? mine + DUMP_HAND_SPACE * (w - from)
                                   : NULL;
        rc = load_space(&d->spaces[d->num_spaces], d, file, l.names[i], flags, h, !mine);
        d->num_spaces++;
    }
    free(mine);
    free(names);
    free(wanted);
    list_free(&l);
    free(schema);
    H5Fclose(file);
    if (rc) {
        dump_free(d);
        return rc;
    }
    d->content_hash = dump_content_hash(d);
    *out = d;
    return IRP_OK;
}

int dump_load_flags(dump **out, const char *path, const char *const *only, size_t num_only,
                    unsigned flags)
{
    return dump_load_handed(out, path, only, num_only, flags, NULL, 0);
}

uint64_t dump_content_hash(const dump *d)
{
    uint64_t h = hash_text(FNV1A_INIT, "irp-content/1"), nc = d->num_classes;
    h = fnv1a(h, &nc, sizeof nc);
    h = hash_shape(h, d->num_train, d->num_test);
    h = fnv1a(h, d->train_ids, d->num_train * sizeof *d->train_ids);
    h = fnv1a(h, d->test_ids, d->num_test * sizeof *d->test_ids);
    if (d->train_labels) {
        h = fnv1a(h, d->train_labels, d->num_train * sizeof *d->train_labels);
        h = fnv1a(h, d->test_labels, d->num_test * sizeof *d->test_labels);
    }
    for (size_t i = 0; i < d->num_spaces; i++)
        h = fnv1a(h, &d->spaces[i].content_hash, sizeof d->spaces[i].content_hash);
    return h;
}

void dump_free(dump *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->num_spaces; i++)
        space_free(&d->spaces[i]);
    free(d->spaces);
    free(d->path);
    free(d->dataset);
    free(d->class_names);
    free(d->train_ids);
    free(d->test_ids);
    free(d->train_labels);
    free(d->test_labels);
    free(d);
}

int dump_check_nonzero(const dump *d, const dump_space *s, const char *split, const irp_mat *m,
                       const size_t *idx)
{
    for (size_t i = 0; i < m->rows; i++) {
        const double *r = &IRP_AT(m, i, 0);
        size_t j = 0;
        while (j < m->cols && r[j] == 0)
            j++;
        if (j == m->cols)
            return idx ? FAIL("%s: /spaces/%s/%s: row %zu (anchor %zu) is all zero; IRP "
                              "normalises every row, so an all-zero embedding cannot be encoded",
                              d->path, s->name, split, idx[i], i)
                       : FAIL("%s: /spaces/%s/%s: row %zu is all zero; IRP normalises every row, "
                              "so an all-zero embedding cannot be encoded",
                              d->path, s->name, split, i);
    }
    return IRP_OK;
}

void dump_row_norms(double *out, const dump_matrix *m)
{
    for (size_t i = 0; i < m->rows; i++) {
        const float *r = m->data + i * m->cols;
        double q = 0;
        for (size_t j = 0; j < m->cols; j++)
            q += (double)r[j] * r[j];
        out[i] = sqrt(q);
    }
}

int dump_unchanged(const dump *d)
{
    struct stat st;
    if (stat(d->path, &st) || (uint64_t)st.st_dev != d->file.dev ||
        (uint64_t)st.st_ino != d->file.ino || (uint64_t)st.st_size != d->file.size ||
        (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec != d->file.mtime_ns)
        return FAIL("%s: the dump changed while this run read it; nothing was written from it "
                    "(run again)",
                    d->path);
    return IRP_OK;
}

const dump_space *dump_find_space(const dump *d, const char *name)
{
    for (size_t i = 0; i < d->num_spaces; i++)
        if (!strcmp(d->spaces[i].name, name))
            return &d->spaces[i];
    return NULL;
}

const dump_head *dump_find_head(const dump_space *s, const char *name)
{
    for (size_t i = 0; i < s->num_heads; i++)
        if (!strcmp(s->heads[i].name, name))
            return &s->heads[i];
    return NULL;
}

/* dump_guarded's child: the loader with its arguments, and what it hands over */
struct load_args {
    const char *path;
    const char *const *only;
    size_t num_only;
    unsigned flags;
    int part;       /* -1: every wanted space; 0, 1: the first or second half */
    uint64_t *hand; /* malloc'd in the child (DUMP_HAND_MAGIC ...) */
    size_t hand_words;
};

static int load_in_child(void *arg)
{
    struct load_args *a = arg;
    dump *d;
    int rc = load_part(&d, a->path, a->only, a->num_only, a->flags, NULL, 0, a->part);
    if (rc)
        return rc;
    size_t n = DUMP_HAND_HEAD + DUMP_HAND_SPACE * d->num_spaces;
    if ((a->hand = malloc(n * sizeof *a->hand))) {
        uint64_t *h = a->hand;
        h[0] = DUMP_HAND_MAGIC, h[1] = d->file.dev, h[2] = d->file.ino, h[3] = d->file.size;
        h[4] = (uint64_t)d->file.mtime_ns, h[5] = d->num_spaces;
        for (size_t i = 0; i < d->num_spaces; i++) {
            uint64_t *e = h + DUMP_HAND_HEAD + DUMP_HAND_SPACE * i;
            e[0] = hash_text(FNV1A_INIT, d->spaces[i].name), e[1] = d->spaces[i].train.rows;
            e[2] = d->spaces[i].train.cols, e[3] = d->spaces[i].train_hash;
            e[4] = d->spaces[i].test_hash;
        }
        a->hand_words = n;
    } /* (none handed over: the parent validates the training split itself) */
    dump_free(d); /* freed, or memcheck (test_valgrind) counts the child's dump as lost */
    return IRP_OK;
}

static const void *load_handover(void *arg, size_t *bytes)
{
    const struct load_args *a = arg;
    *bytes = a->hand_words * sizeof *a->hand;
    return a->hand;
}

/* A guarded child under way: its pid and the read end of its pipe. */
typedef struct guard {
    pid_t pid;
    int fd;
} guard;

static int guard_secs(const char *path, long long *secs);
static int guard_start(guard *g, const char *path, long long secs, int (*reader)(void *arg),
                       void *arg, const void *(*handover)(void *arg, size_t *bytes), int close_fd);
static int guard_finish(guard *g, const char *path, void **got, size_t *got_bytes);

/* A child not needed any more (its sibling failed first): stopped and reaped. */
static void guard_discard(guard *g)
{
    kill(g->pid, SIGKILL);
    close(g->fd);
    while (waitpid(g->pid, NULL, 0) < 0 && errno == EINTR)
        ;
}

/* The two halves' handovers as one, as a single child would have written it
 * (the halves are a prefix and the rest, in load order); NULL when either is
 * missing or they saw different files (the parent then validates itself). */
static uint64_t *merge_hands(const uint64_t *h0, size_t b0, const uint64_t *h1, size_t b1,
                             size_t *words)
{
    size_t w0 = b0 / sizeof *h0, w1 = b1 / sizeof *h1;
    if (!h0 || !h1 || w0 < DUMP_HAND_HEAD || w1 < DUMP_HAND_HEAD ||
        memcmp(h0, h1, 5 * sizeof *h0) || h0[5] != (w0 - DUMP_HAND_HEAD) / DUMP_HAND_SPACE ||
        h1[5] != (w1 - DUMP_HAND_HEAD) / DUMP_HAND_SPACE)
        return NULL;
    size_t e0 = DUMP_HAND_SPACE * (size_t)h0[5], e1 = DUMP_HAND_SPACE * (size_t)h1[5];
    uint64_t *h = malloc((DUMP_HAND_HEAD + e0 + e1) * sizeof *h);
    if (!h)
        return NULL;
    memcpy(h, h0, (DUMP_HAND_HEAD + e0) * sizeof *h);
    memcpy(h + DUMP_HAND_HEAD + e0, h1 + DUMP_HAND_HEAD, e1 * sizeof *h);
    h[5] = h0[5] + h1[5];
    *words = DUMP_HAND_HEAD + e0 + e1;
    return h;
}

int dump_load_checked(dump **out, const char *path, const char *const *only, size_t num_only,
                      unsigned flags)
{
    *out = NULL;
    long long secs;
    if (guard_secs(path, &secs))
        return IRP_EDATA;
    int halves = flags & DUMP_LOAD_SPLIT ? 2 : 1;
    struct load_args a[2] = {{path, only, num_only, flags, halves == 2 ? 0 : -1, NULL, 0},
                             {path, only, num_only, flags, 1, NULL, 0}};
    guard g[2];
    void *got[2] = {NULL, NULL};
    size_t bytes[2] = {0, 0};
    /* the halves at once, each in a child of its own; the first half's error
     * is the one a single pass would meet first */
    if (guard_start(&g[0], path, secs, load_in_child, &a[0], load_handover, -1))
        return IRP_EDATA;
    if (halves == 2 && guard_start(&g[1], path, secs, load_in_child, &a[1], load_handover,
                                   g[0].fd)) {
        guard_discard(&g[0]);
        return IRP_EDATA;
    }
    int rc = guard_finish(&g[0], path, &got[0], &bytes[0]);
    if (halves == 2 && rc)
        guard_discard(&g[1]);
    else if (halves == 2)
        rc = guard_finish(&g[1], path, &got[1], &bytes[1]);
    if (rc) {
        free(got[0]);
        free(got[1]);
        return IRP_EDATA;
    }
    size_t words = bytes[0] / sizeof(uint64_t);
    uint64_t *hand = got[0];
    if (halves == 2) {
        hand = merge_hands(got[0], bytes[0], got[1], bytes[1], &words);
        free(got[0]);
        free(got[1]);
    }
    rc = dump_load_handed(out, path, only, num_only, flags, hand, hand ? words : 0);
    free(hand);
    return rc;
}

int dump_guarded(const char *path, int (*reader)(void *arg), void *arg)
{
    long long secs;
    guard g;
    if (guard_secs(path, &secs) || guard_start(&g, path, secs, reader, arg, NULL, -1))
        return IRP_EDATA;
    return guard_finish(&g, path, NULL, NULL);
}

/* The child's time limit (IRP_LOAD_TIMEOUT; a day at most: alarm() takes an
 * unsigned int). */
static int guard_secs(const char *path, long long *secs)
{
    struct stat fst;
    return env_long("IRP_LOAD_TIMEOUT", 1, 86400,
                    10 + (stat(path, &fst) ? 0 : (long long)(fst.st_size / (10 << 20))), secs);
}

/* Starts reader(arg) in a child with the time limit; on success there, what
 * handover(arg) returns, if anything, goes to the parent through the pipe
 * (guard_finish reads it). close_fd: a sibling's pipe, not the child's to hold. */
static int guard_start(guard *g, const char *path, long long secs, int (*reader)(void *arg),
                       void *arg, const void *(*handover)(void *arg, size_t *bytes), int close_fd)
{
    int fds[2];
    if (pipe(fds))
        return FAIL("%s: cannot check the file (pipe: %s)", path, strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return FAIL("%s: cannot check the file (fork: %s)", path, strerror(errno));
    }
    if (pid == 0) { /* the child: read it all; report the error, if any */
        close(fds[0]);
        if (close_fd >= 0)
            close(close_fd);
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) /* a crash report of the library is not the user's message */
            dup2(null, 2);
        /* die by the library's fault, whatever handlers the parent installed */
        const int sigs[] = {SIGALRM, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
        for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
            signal(sigs[i], SIG_DFL);
        alarm((unsigned)secs);
        int rc = reader(arg);
        const char *m = rc ? irp_last_error() : NULL;
        size_t len = m ? strlen(m) : 0;
        if (!rc && handover)
            m = handover(arg, &len);
        while (m && len > 0) {
            ssize_t w = write(fds[1], m, len);
            if (w <= 0 && !(w < 0 && errno == EINTR))
                break; /* the parent then gets a message cut short, or no handover */
            if (w > 0)
                m += w, len -= (size_t)w;
        }
        _exit(rc ? 1 : 0);
    }
    close(fds[1]);
    g->pid = pid;
    g->fd = fds[0];
    return IRP_OK;
}

/* All the child of g wrote, and how it ended: IRP_OK when its reader returned
 * IRP_OK (then *got, if asked for, holds its handover: malloc'd, *got_bytes
 * long), else its error, or its crash or hang named. */
static int guard_finish(guard *g, const char *path, void **got, size_t *got_bytes)
{
    if (got)
        *got = NULL, *got_bytes = 0;
    pid_t pid = g->pid;
    int fds[2] = {g->fd, -1};
    /* all the child wrote: its error message, or what it hands over (which
     * the parent must take in full before waiting, or a large one would block
     * the child on a full pipe) */
    size_t n = 0, cap = 1024;
    char *msg = malloc(cap), *more;
    for (ssize_t r; msg;) {
        if (n == cap - 1) {
            cap = cap < (64u << 20) ? 2 * cap : 0; /* a sane child hands over far less */
            if (!cap || !(more = realloc(msg, cap))) {
                free(msg), msg = NULL;
                break;
            }
            msg = more;
        }
        if ((r = read(fds[0], msg + n, cap - 1 - n)) > 0)
            n += (size_t)r;
        else if (r == 0 || errno != EINTR)
            break;
    }
    if (msg)
        msg[n] = '\0';
    close(fds[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) {
            free(msg);
            return FAIL("%s: cannot check the file (waitpid: %s)", path, strerror(errno));
        }
    int rc = IRP_OK;
    if (WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM)
        rc = FAIL("%s: corrupted HDF5 file: the HDF5 library did not finish reading it in the "
                    "time allowed (IRP_LOAD_TIMEOUT); nothing was written",
                    path);
    else if (WIFSIGNALED(st) || (WIFEXITED(st) && WEXITSTATUS(st) != 0 && !n))
        rc = FAIL("%s: corrupted HDF5 file: the HDF5 library crashed reading it (%s %d); "
                    "nothing was written",
                    path, WIFSIGNALED(st) ? "signal" : "exit", WIFSIGNALED(st) ? WTERMSIG(st)
                                                                           : WEXITSTATUS(st));
    else if (WEXITSTATUS(st) != 0)
        rc = irp_fail(IRP_EDATA, "%s", msg ? msg : "(its message was lost: out of memory)");
    if (!rc && got && msg && n)
        *got = msg, *got_bytes = n, msg = NULL;
    free(msg);
    return rc;
}
