/* HDF5 primitives (reading with checks of class, rank and shape; writing
 * datasets and attributes). No schema here: dump.c and dump_write.c own it. */
#include "plumbing/h5io.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plumbing/util.h"

#define FAIL(...) irp_fail(IRP_EDATA, __VA_ARGS__)

void h5_quiet(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

/* H5Lvisit callback: stops at the first link that is not a hard or soft link
 * inside the file (an external link would read another file, perhaps one the
 * sharer never sent; a user-defined one does what its plugin says), its name
 * printable into the buffer `data`. */
static herr_t foreign_link(hid_t group, const char *name, const H5L_info_t *info, void *data)
{
    (void)group;
    if (info->type == H5L_TYPE_HARD || info->type == H5L_TYPE_SOFT)
        return 0;
    printable(data, 512, name);
    return 1;
}

int h5_refuse_foreign_links(hid_t file, const char *path)
{
    char elink[512] = "";
    H5E_BEGIN_TRY { H5Lvisit(file, H5_INDEX_NAME, H5_ITER_NATIVE, foreign_link, elink); }
    H5E_END_TRY;
    if (elink[0])
        return irp_fail(IRP_EDATA, "%s: /%s is a link to another file (or of a kind irp does not "
                                   "follow); expected one self-contained file (copy the data in: "
                                   "h5copy, or h5py's f.copy)", path, elink);
    return IRP_OK;
}

int h5_plausible(hid_t ds, size_t bytes)
{
    if (bytes <= ((size_t)64 << 20))
        return 1;
    hid_t f = H5Iget_file_id(ds);
    hsize_t size = 0;
    int ok = f >= 0 && H5Fget_filesize(f, &size) >= 0 && bytes / 1024 <= size;
    if (f >= 0)
        H5Fclose(f);
    return ok;
}

int h5_shape_bytes(size_t *bytes, hsize_t rows, hsize_t cols, size_t elem)
{
    size_t n;
    if (rows > SIZE_MAX || cols > SIZE_MAX || __builtin_mul_overflow((size_t)rows, (size_t)cols, &n) ||
        __builtin_mul_overflow(n, elem, &n) || n > (size_t)PTRDIFF_MAX)
        return -1;
    *bytes = n;
    return 0;
}

int h5_exists(hid_t loc, const char *path)
{
    /* H5Lexists on each component, so "a/b" with "a" absent is simply absent. */
    char buf[512];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf; (p = strchr(p, '/')); p++) {
        *p = '\0';
        if (buf[0] && H5Lexists(loc, buf, H5P_DEFAULT) <= 0)
            return 0;
        *p = '/';
    }
    return H5Lexists(loc, buf, H5P_DEFAULT) > 0;
}

/* Closes what opening an attribute gave (each may be < 0: never opened). */
static void close_attr(hid_t a, hid_t t, hid_t sp)
{
    if (sp >= 0)
        H5Sclose(sp);
    if (t >= 0)
        H5Tclose(t);
    if (a >= 0)
        H5Aclose(a);
}

/* String attribute (fixed or variable length, scalar or — with join_list — an
 * array, joined with ','): class, dataspace and sizes are checked before any
 * read, so no form h5py writes can overflow a buffer. *out = NULL if absent. */
int h5_attr_string(char **out, const char *file, hid_t obj, const char *objname,
                   const char *name, int join_list)
{
    *out = NULL;
    if (H5Aexists(obj, name) <= 0)
        return IRP_OK;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t t = a < 0 ? -1 : H5Aget_type(a), sp = a < 0 ? -1 : H5Aget_space(a), mt = -1;
    H5S_class_t sc = sp < 0 ? H5S_NO_CLASS : H5Sget_simple_extent_type(sp);
    hssize_t points = sp < 0 ? -1 : H5Sget_simple_extent_npoints(sp);
    size_t n = sc == H5S_SCALAR ? 1 : points > 0 ? (size_t)points : 0;
    int rc = IRP_OK, vlen = t >= 0 && H5Tis_variable_str(t) > 0;
    size_t size = t >= 0 && !vlen ? H5Tget_size(t) : sizeof(char *);
    char **v = NULL, *buf = NULL;
    if (a < 0 || t < 0 || sp < 0)
        rc = FAIL("%s: %s attribute '%s': unreadable", file, objname, name);
    else if (H5Tget_class(t) != H5T_STRING)
        rc = FAIL("%s: %s attribute '%s': expected a string", file, objname, name);
    else if (n == 0 || (sc != H5S_SCALAR && sc != H5S_SIMPLE))
        rc = FAIL("%s: %s attribute '%s': expected a string, got an empty attribute", file,
                  objname, name);
    else if (n > 1 && !join_list)
        rc = FAIL("%s: %s attribute '%s': expected one string, got an array of %zu", file,
                  objname, name, n);
    else if (n > 65536 || size == 0 || size > (16u << 20) / n)
        rc = FAIL("%s: %s attribute '%s': %zu strings of %zu bytes is more than expected", file,
                  objname, name, n, size);
    else if ((mt = vlen ? H5Tcopy(H5T_C_S1) : H5Tcopy(t)) < 0 ||
             (vlen && (H5Tset_size(mt, H5T_VARIABLE) < 0 ||
                       H5Tset_cset(mt, H5Tget_cset(t)) < 0)))
        rc = FAIL("%s: %s attribute '%s': unreadable string type", file, objname, name);
    else if (!(vlen ? (void *)(v = calloc(n, sizeof *v)) : (void *)(buf = calloc(n * size + 1, 1))))
        rc = irp_fail(IRP_ENOMEM, "out of memory");
    else if (H5Aread(a, mt, vlen ? (void *)v : (void *)buf) < 0)
        rc = FAIL("%s: %s attribute '%s': unreadable string", file, objname, name);
    for (size_t i = 0; !rc && !vlen && i < n; i++) { /* NUL padding only after the text */
        const char *e = buf + i * size;
        for (size_t j = strnlen(e, size); j < size && !rc; j++)
            if (e[j])
                rc = FAIL("%s: %s attribute '%s': a NUL byte inside the string", file, objname,
                          name);
    }
    if (!rc) { /* join the strings with ',' */
        size_t total = 1;
        for (size_t i = 0; i < n; i++)
            total += (vlen ? (v[i] ? strlen(v[i]) : 0) : strnlen(buf + i * size, size)) + 1;
        char *joined = malloc(total), *p = joined;
        for (size_t i = 0; joined && i < n; i++) {
            const char *e = vlen ? (v[i] ? v[i] : "") : buf + i * size;
            size_t len = vlen ? strlen(e) : strnlen(e, size);
            if (i)
                *p++ = ',';
            memcpy(p, e, len);
            p += len;
        }
        if (joined)
            *p = '\0', *out = joined;
        else
            rc = irp_fail(IRP_ENOMEM, "out of memory");
    }
    if (v) {
        for (size_t i = 0; i < n; i++)
            if (v[i])
                H5free_memory(v[i]);
        free(v);
    }
    free(buf);
    if (mt >= 0)
        H5Tclose(mt);
    close_attr(a, t, sp);
    return rc;
}

/* Numeric scalar attribute → double; *found = 0 if absent. */
int h5_attr_number(double *out, int *found, const char *file, hid_t obj, const char *objname,
                       const char *name)
{
    *found = 0;
    if (H5Aexists(obj, name) <= 0)
        return IRP_OK;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t t = a < 0 ? -1 : H5Aget_type(a), sp = a < 0 ? -1 : H5Aget_space(a);
    H5T_class_t c = t < 0 ? H5T_NO_CLASS : H5Tget_class(t);
    int rc = IRP_OK;
    if (a < 0 || t < 0 || sp < 0)
        rc = FAIL("%s: %s attribute '%s': unreadable", file, objname, name);
    else if ((c != H5T_INTEGER && c != H5T_FLOAT) || H5Sget_simple_extent_npoints(sp) != 1)
        rc = FAIL("%s: %s attribute '%s': expected one number", file, objname, name);
    else if (H5Aread(a, H5T_NATIVE_DOUBLE, out) < 0)
        rc = FAIL("%s: %s attribute '%s': unreadable", file, objname, name);
    else
        *found = 1;
    close_attr(a, t, sp);
    return rc;
}

/* Reads dataset `path` (relative to loc) of the expected kind and rank into a
 * malloc'd buffer converted to `memtype`; dims[] receives the shape. */
int h5_read_array(void **out, hsize_t dims[2], const char *file, hid_t loc, const char *path,
                      enum h5_kind kind, int rank, hid_t memtype, size_t elem)
{
    *out = NULL;
    if (!h5_exists(loc, path))
        return FAIL("%s: %s: missing (expected %s dataset of rank %d)", file, path,
                    kind == K_INT ? "an integer" : kind == K_FLOAT32 ? "a float32" : "a float64",
                    rank);
    hid_t ds = H5Dopen2(loc, path, H5P_DEFAULT);
    if (ds < 0)
        return FAIL("%s: %s: not a dataset (expected %s, rank %d)", file, path,
                    kind == K_INT ? "integer" : kind == K_FLOAT32 ? "float32" : "float64", rank);
    hid_t t = H5Dget_type(ds), sp = H5Dget_space(ds);
    H5T_class_t c = H5Tget_class(t);
    size_t size = H5Tget_size(t);
    int r = H5Sget_simple_extent_ndims(sp), rc = IRP_OK;
    if (kind == K_INT && c != H5T_INTEGER)
        rc = FAIL("%s: %s: expected an integer dataset", file, path);
    else if (kind == K_FLOAT32 && !(c == H5T_FLOAT && size == 4))
        rc = FAIL("%s: %s: expected float32 values, got %s of %zu bytes", file, path,
                  c == H5T_FLOAT ? "float" : c == H5T_INTEGER ? "integer" : "another type", size);
    else if (kind == K_FLOAT64 && !(c == H5T_FLOAT && size == 8))
        rc = FAIL("%s: %s: expected float64 values, got %s of %zu bytes", file, path,
                  c == H5T_FLOAT ? "float" : c == H5T_INTEGER ? "integer" : "another type", size);
    else if (r != rank)
        rc = FAIL("%s: %s: expected rank %d, got rank %d", file, path, rank, r);
    if (!rc) {
        dims[0] = dims[1] = 1;
        H5Sget_simple_extent_dims(sp, dims, NULL);
    }
    size_t n = 0;
    if (!rc && (h5_shape_bytes(&n, dims[0], rank == 2 ? dims[1] : 1, elem) ||
                !h5_plausible(ds, n)))
        rc = FAIL("%s: %s: declared shape %llux%llu is too large for the file", file, path,
                  (unsigned long long)dims[0], (unsigned long long)(rank == 2 ? dims[1] : 1));
    /* A compact dataset holds its values in its header: fewer stored bytes than
     * its shape and type need make libhdf5 1.10.8 read past its own buffer
     * (found by fuzzing the translator reader). Refused before reading. */
    if (!rc) {
        hid_t pl = H5Dget_create_plist(ds);
        size_t need = 0;
        if (pl >= 0 && H5Pget_layout(pl) == H5D_COMPACT &&
            (h5_shape_bytes(&need, dims[0], rank == 2 ? dims[1] : 1, size) ||
             H5Dget_storage_size(ds) < (hsize_t)need))
            rc = FAIL("%s: %s: stores %llu bytes, fewer than its shape %llux%llu needs; "
                      "corrupted HDF5 file", file, path, (unsigned long long)H5Dget_storage_size(ds),
                      (unsigned long long)dims[0], (unsigned long long)(rank == 2 ? dims[1] : 1));
        if (pl >= 0)
            H5Pclose(pl);
    }
    if (!rc) {
        n /= elem; /* values */
        *out = malloc((n ? n : 1) * elem);
        if (!*out)
            rc = irp_fail(IRP_ENOMEM, "%s: %s: out of memory for %zu values", file, path, n);
        else if (n && H5Dread(ds, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, *out) < 0)
            rc = FAIL("%s: %s: read failed", file, path);
        if (rc) {
            free(*out);
            *out = NULL;
        }
    }
    H5Sclose(sp);
    H5Tclose(t);
    H5Dclose(ds);
    return rc;
}

/* ---- writing ---- */

herr_t h5_write_attr_str(hid_t obj, const char *name, const char *v)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, strlen(v) + 1);
    hid_t sp = H5Screate(H5S_SCALAR), a = H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    herr_t e = a < 0 ? -1 : H5Awrite(a, t, v);
    H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
    return e;
}

herr_t h5_write_attr_num(hid_t obj, const char *name, hid_t type, const void *v)
{
    hid_t sp = H5Screate(H5S_SCALAR), a = H5Acreate2(obj, name, type, sp, H5P_DEFAULT, H5P_DEFAULT);
    herr_t e = a < 0 ? -1 : H5Awrite(a, type == H5T_STD_I32LE ? H5T_NATIVE_INT32
                                         : type == H5T_STD_I64LE ? H5T_NATIVE_INT64
                                                                 : H5T_NATIVE_DOUBLE,
                                     v);
    H5Aclose(a);
    H5Sclose(sp);
    return e;
}

herr_t h5_write_ds(hid_t loc, const char *path, hid_t file_type, hid_t mem_type, int rank,
                       const hsize_t *dims, const void *data)
{
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    hid_t ds = H5Dcreate2(loc, path, file_type, sp, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    herr_t e = ds < 0 ? -1 : H5Dwrite(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
    H5Dclose(ds);
    H5Sclose(sp);
    H5Pclose(lcpl);
    return e;
}

/* float32 copy of a double matrix */
herr_t h5_write_mat32(hid_t loc, const char *path, const irp_mat *m)
{
    size_t count = m->rows * m->cols;
    float *buf = malloc((count ? count : 1) * sizeof *buf);
    if (!buf)
        return -1;
    for (size_t i = 0; i < m->rows * m->cols; i++)
        buf[i] = (float)m->data[i];
    hsize_t dims[2] = {m->rows, m->cols};
    herr_t e = h5_write_ds(loc, path, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 2, dims, buf);
    free(buf);
    return e;
}

herr_t h5_write_vec32(hid_t loc, const char *path, const double *v, size_t n)
{
    float *buf = malloc((n ? n : 1) * sizeof *buf);
    if (!buf)
        return -1;
    for (size_t i = 0; i < n; i++)
        buf[i] = (float)v[i];
    hsize_t dims[1] = {n};
    herr_t e = h5_write_ds(loc, path, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 1, dims, buf);
    free(buf);
    return e;
}

