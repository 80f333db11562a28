/* HDF5 primitives (reading with checks of class, rank and shape; writing
 * datasets and attributes). No schema here: dump.c and dump_write.c own it. */
#include "h5io.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

#define FAIL(...) irp_fail(IRP_EDATA, __VA_ARGS__)

void h5_quiet(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

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

/* String attribute (fixed or variable length) → malloc'd copy; *out = NULL if absent. */
int h5_attr_string(char **out, const char *file, hid_t obj, const char *objname,
                       const char *name)
{
    *out = NULL;
    if (H5Aexists(obj, name) <= 0)
        return IRP_OK;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT), t = H5Aget_type(a);
    int rc = IRP_OK;
    if (H5Tget_class(t) != H5T_STRING) {
        rc = FAIL("%s: %s attribute '%s': expected a string", file, objname, name);
    } else if (H5Tis_variable_str(t) > 0) {
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_size(mt, H5T_VARIABLE);
        H5Tset_cset(mt, H5Tget_cset(t));
        char *v = NULL;
        if (H5Aread(a, mt, &v) < 0)
            rc = FAIL("%s: %s attribute '%s': unreadable string", file, objname, name);
        else
            *out = xstrdup(v ? v : "");
        if (v)
            H5free_memory(v);
        H5Tclose(mt);
    } else {
        size_t n = H5Tget_size(t);
        char *v = calloc(n + 1, 1);
        hid_t mt = H5Tcopy(t);
        if (!v || H5Aread(a, mt, v) < 0)
            rc = FAIL("%s: %s attribute '%s': unreadable string", file, objname, name);
        else
            *out = v, v = NULL;
        free(v);
        H5Tclose(mt);
    }
    H5Tclose(t);
    H5Aclose(a);
    return rc;
}

/* Numeric scalar attribute → double; *found = 0 if absent. */
int h5_attr_number(double *out, int *found, const char *file, hid_t obj, const char *objname,
                       const char *name)
{
    *found = 0;
    if (H5Aexists(obj, name) <= 0)
        return IRP_OK;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT), t = H5Aget_type(a), sp = H5Aget_space(a);
    H5T_class_t c = H5Tget_class(t);
    int rc = IRP_OK;
    if ((c != H5T_INTEGER && c != H5T_FLOAT) || H5Sget_simple_extent_npoints(sp) != 1)
        rc = FAIL("%s: %s attribute '%s': expected one number", file, objname, name);
    else if (H5Aread(a, H5T_NATIVE_DOUBLE, out) < 0)
        rc = FAIL("%s: %s attribute '%s': unreadable", file, objname, name);
    else
        *found = 1;
    H5Sclose(sp);
    H5Tclose(t);
    H5Aclose(a);
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
                    kind == K_INT ? "an integer" : "a float32", rank);
    hid_t ds = H5Dopen2(loc, path, H5P_DEFAULT);
    if (ds < 0)
        return FAIL("%s: %s: not a dataset (expected %s, rank %d)", file, path,
                    kind == K_INT ? "integer" : "float32", rank);
    hid_t t = H5Dget_type(ds), sp = H5Dget_space(ds);
    H5T_class_t c = H5Tget_class(t);
    size_t size = H5Tget_size(t);
    int r = H5Sget_simple_extent_ndims(sp), rc = IRP_OK;
    if (kind == K_INT && c != H5T_INTEGER)
        rc = FAIL("%s: %s: expected an integer dataset", file, path);
    else if (kind == K_FLOAT32 && !(c == H5T_FLOAT && size == 4))
        rc = FAIL("%s: %s: expected float32 values, got %s of %zu bytes", file, path,
                  c == H5T_FLOAT ? "float" : c == H5T_INTEGER ? "integer" : "another type", size);
    else if (r != rank)
        rc = FAIL("%s: %s: expected rank %d, got rank %d", file, path, rank, r);
    if (!rc) {
        dims[0] = dims[1] = 1;
        H5Sget_simple_extent_dims(sp, dims, NULL);
        size_t n = (size_t)dims[0] * (rank == 2 ? (size_t)dims[1] : 1);
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

