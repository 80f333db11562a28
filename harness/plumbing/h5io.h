/* h5io.h — HDF5 primitives for the dump reader and writer: existence of a
 * path, attributes and datasets read with checks of class, rank and shape,
 * and datasets and attributes written. Failures return IRP_EDATA (or
 * IRP_ENOMEM) with a message naming file and object. */
#ifndef IRP_H5IO_H
#define IRP_H5IO_H

#include <hdf5.h>

#include "irp.h"

/* Silences HDF5's own error printing (errors are reported by the callers). */
void h5_quiet(void);
/* IRP_OK unless the file holds a link to another file (HDF5 external link)
 * or of a user-defined kind: IRP_EDATA naming it (a file irp reads must read
 * only itself). */
int h5_refuse_foreign_links(hid_t file, const char *path);
/* Whether path (relative to loc) exists, checking each component. */
int h5_exists(hid_t loc, const char *path);

/* String attribute (fixed or variable length) → malloc'd copy; *out = NULL if
 * absent. With join_list, an array of strings (h5py's attrs["x"] = [...]) is
 * accepted and joined with ','; without, it is an error. */
int h5_attr_string(char **out, const char *file, hid_t obj, const char *objname,
                   const char *name, int join_list);
/* Whether a dataset may hold `bytes` bytes: up to 64 MiB always, beyond that
 * at most 1024 times the file's size (a hostile file can declare terabytes of
 * fill values; no real compression of embeddings comes near 1024:1). */
int h5_plausible(hid_t ds, size_t bytes);
/* rows · cols · elem in *bytes; -1 if it overflows (a hostile declared shape). */
int h5_shape_bytes(size_t *bytes, hsize_t rows, hsize_t cols, size_t elem);
/* Numeric scalar attribute → double; *found = 0 if absent. */
int h5_attr_number(double *out, int *found, const char *file, hid_t obj, const char *objname,
                   const char *name);

enum h5_kind { K_INT, K_FLOAT32, K_FLOAT64 };
/* Dataset `path` (relative to loc) of the expected kind and rank, converted
 * to memtype into a malloc'd buffer; dims[] receives the shape. */
int h5_read_array(void **out, hsize_t dims[2], const char *file, hid_t loc, const char *path,
                  enum h5_kind kind, int rank, hid_t memtype, size_t elem);

/* Writers: negative on failure (HDF5's convention). */
herr_t h5_write_attr_str(hid_t obj, const char *name, const char *v);
herr_t h5_write_attr_num(hid_t obj, const char *name, hid_t type, const void *v);
/* A dataset at path (intermediate groups created). */
herr_t h5_write_ds(hid_t loc, const char *path, hid_t file_type, hid_t mem_type, int rank,
                   const hsize_t *dims, const void *data);
/* float32 copies of a double matrix / vector. */
herr_t h5_write_mat32(hid_t loc, const char *path, const irp_mat *m);
herr_t h5_write_vec32(hid_t loc, const char *path, const double *v, size_t n);

#endif
