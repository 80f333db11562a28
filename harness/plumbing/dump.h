/* dump.h — read (and validate) embedding dumps in the irp-embeddings/1 HDF5
 * schema, and write them (dump_write.c). The layout is written out once per
 * language: here (reader + writer, C) and data/irpdump.py (producers, Python);
 * data/README.md is the prose, and the tests read what each side writes.
 *
 * Every failure returns IRP_EDATA (or IRP_ENOMEM) with a one-line message
 * naming the file, the HDF5 object and what was expected. */
#ifndef IRP_DUMP_H
#define IRP_DUMP_H

#include <stddef.h>
#include <stdint.h>

#include "irp.h"

#define DUMP_SCHEMA "irp-embeddings/1"
/* The translator format (root attribute translator_schema): see dump_write. */
#define TRANSLATOR_SCHEMA "irp-translator/1"

typedef struct dump_head {
    char *name;
    char *kind; /* "linear" or "mlp" */
    irp_head head;
    double train_accuracy, test_accuracy; /* as recorded by the producer; NAN if absent */
} dump_head;

/* Embeddings stay float32 in memory (as on disk): half the memory of doubles.
 * Computations take double copies of the rows they need (dump_rows). */
typedef struct dump_matrix {
    size_t rows, cols;
    float *data;         /* row-major; NULL when read on demand (below) */
    char *file, *object; /* on demand: where dump_rows reads the rows it is asked for */
    /* on demand: the last rows read and their indices, kept (a sweep asks for the same
     * anchors in every cell group); dump_rows serialises access */
    struct dump_memo *memo;
} dump_matrix;

typedef struct dump_space {
    char *name;
    char *model, *modality; /* attributes ("" if absent) */
    size_t dim;
    dump_matrix train, test;
    size_t num_heads;
    dump_head *heads;
    uint64_t content_hash; /* of name, embeddings and heads (dump_content_hash) */
    uint64_t train_hash;   /* content_hash's state after the train split (the guarded
                            * child hands it to the parent: dump_load_checked) */
    uint64_t test_hash;    /* and after the test split (handed over too) */
} dump_space;

typedef struct dump {
    char *path;
    char *dataset;
    char *class_names; /* comma-joined ("" if absent) */
    size_t num_classes;
    size_t num_train, num_test;
    int64_t *train_ids, *test_ids;
    int32_t *train_labels, *test_labels; /* NULL when the dump has no labels */
    size_t num_spaces;
    dump_space *spaces;
    uint64_t content_hash; /* dump_content_hash of what was loaded */
    struct { /* the file as it was when loaded (dump_unchanged) */
        uint64_t dev, ino, size;
        int64_t mtime_ns;
    } file;
} dump;

/* Loads and validates the whole file. spaces: NULL for all, or a list of
 * names to load (an unknown name is an error). */
int dump_load(dump **out, const char *path, const char *const *spaces, size_t num_spaces);

/* DUMP_TRAIN_ON_DEMAND: the training split is validated in full (shape,
 * finiteness) while streaming through it, but not kept; dump_rows reads the
 * rows it is asked for (anchors) from the file. For experiments that use only
 * anchors from it, this keeps memory near the size of the test split. */
/* DUMP_LOAD_SPLIT (dump_load_checked only): the guarded read runs in two
 * children at once, each over a contiguous half of the spaces (halves of about
 * equal training size), for a caller allowed two cores: the same checks, the
 * same first error, the same content hash, in about half the time. */
enum { DUMP_TRAIN_ON_DEMAND = 1, DUMP_LOAD_SPLIT = 2 };
int dump_load_flags(dump **out, const char *path, const char *const *spaces, size_t num_spaces,
                    unsigned flags);
void dump_free(dump *d);

/* The content hash of what was loaded: FNV-1a 64 over "irp-content/1", the
 * number of classes, the sample counts, ids and labels (all little-endian),
 * then per loaded space in name order the hash of its name, its train and test
 * embeddings (shape, then the float32 values) and its heads (name, kind,
 * activation, each layer's shape, weights and biases as doubles). Attributes
 * other than these (times, versions, descriptions) are not covered, so two
 * runs of a producer that wrote the same numbers have the same hash; the file's
 * bytes, mtime and path do not enter. Spaces not loaded do not enter either:
 * a run's hash covers the spaces it read. */
uint64_t dump_content_hash(const dump *d);

/* dump_load_flags for files that came from elsewhere. libhdf5 1.10.8 itself
 * can crash or hang on a corrupted file (found by fuzzing; inside the library,
 * where no check of irp's can reach), so the file is first read whole in a
 * child process with a time limit (IRP_LOAD_TIMEOUT seconds; default 10 s
 * plus 1 s per 10 MB of file, far above what reading a sound file takes):
 * if the library crashes or hangs there, this returns IRP_EDATA "FILE:
 * corrupted HDF5 file ..." and nothing else happens; an ordinary error is
 * returned as the child found it; only a file the child read cleanly is then
 * loaded here. The child hands over, per space, the training split's shape
 * and its share of the content hash, with the file's identity (device,
 * inode, size, mtime) as it saw it: with DUMP_TRAIN_ON_DEMAND the parent
 * then does not stream through the training split again, and reads the test
 * split (which it keeps, and checks again) without hashing it a second time,
 * unless the file's identity changed in between (then it validates and
 * hashes both itself, as before). */
int dump_load_checked(dump **out, const char *path, const char *const *spaces, size_t num_spaces,
                      unsigned flags);
/* dump_load_checked's second step (public for its tests): dump_load_flags,
 * given what the guarded child handed over as `words` 64-bit words --
 * DUMP_HAND_MAGIC; the file's device, inode, size and mtime in ns as the
 * child saw it; the number of spaces n it loaded; then per space, in load
 * order, {FNV-1a of its name, train rows, train cols, train_hash, test_hash}.
 * With DUMP_TRAIN_ON_DEMAND, a space whose entry matches (same file identity,
 * name, row count, and a float32 train dataset of that shape) takes its
 * training split's validation and hash from it instead of streaming through
 * it, and its test split's hash (the rows are still read and checked here);
 * anything else is validated here, as dump_load_flags does. hand may be NULL. */
#define DUMP_HAND_MAGIC 0x32646e6168707269ull /* "irphand2" */
enum { DUMP_HAND_HEAD = 6, DUMP_HAND_SPACE = 5 };
int dump_load_handed(dump **out, const char *path, const char *const *spaces, size_t num_spaces,
                     unsigned flags, const uint64_t *hand, size_t words);

/* Bytes of on-demand training splits this process has streamed through to
 * validate and hash them (not counting a guarded child's): what the handover
 * saves shows here. Loads are not meant to run concurrently. */
uint64_t dump_scanned_bytes(void);

/* The guard of dump_load_checked for any reader of an untrusted HDF5 file:
 * reader(arg) runs in a child process with the time limit; IRP_OK when it
 * returned IRP_OK there, else its error (or the library's crash or hang
 * named). The caller then reads the file itself. */
int dump_guarded(const char *path, int (*reader)(void *arg), void *arg);

/* A double copy of rows indices[0..n) of m (indices NULL: the first n rows);
 * NULL and an error set on failure (allocation, or reading an on-demand split). */
irp_mat *dump_rows(const dump_matrix *m, const size_t *indices, size_t n);

/* Frees m's in-memory rows (a caller that holds the copy it needs; the shape
 * stays). dump_rows on m then fails, saying so. */
void dump_release(dump_matrix *m);

/* IRP_OK unless a row of m (rows idx[i] of split `split` of space s, or rows
 * 0.. when idx is NULL) is all zero: IRP normalises every row, so such a row
 * cannot be encoded; the error names file, space, split and row. */
int dump_check_nonzero(const dump *d, const dump_space *s, const char *split, const irp_mat *m,
                       const size_t *idx);

/* out[i] = L2 norm of row i of an in-memory matrix, accumulated in double. */
void dump_row_norms(double *out, const dump_matrix *m);

/* ---- writing (dump_write.c) ---- */

/* One space of a new dump. */
typedef struct dump_new_space {
    const char *name, *model, *modality;
    const char *settings; /* attribute irp_settings ("" for none) */
    const char *producer; /* root attribute producer */
    const irp_mat *train, *test; /* rows parallel to the samples of the source dump */
    const dump_head *heads;      /* copied beside the embeddings */
    size_t num_heads;
} dump_new_space;

/* A fitted translator, all that applying it to new rows needs: T (dx×dy),
 * the anchor means (zero when not centred), the target scale and whether rows
 * are rescaled to it, and which training rows were the anchors. */
typedef struct dump_translator {
    const irp_mat *t;
    const double *mean_x, *mean_y;
    double scale_y;
    int rescale;
    const size_t *anchors;
    size_t k;
    /* what it was fitted on, so that applying it can check: the spaces, the
     * settings as config keys, the dump's content hash, and a hash of the
     * source anchors' values (translator_anchor_hash) */
    const char *source_space, *target_space, *settings;
    uint64_t source_content, anchor_hash;
} dump_translator;

/* Writes a dump holding d's samples (ids, labels, dataset, classes) and the
 * space sp; with tr, also the root attribute translator_schema
 * (TRANSLATOR_SCHEMA), /translator (float64, dx×dy), /translator_mean_x,
 * /translator_mean_y (float64) with attributes scale_y and rescale on
 * /translator, and /anchor_indices (k rows of the training split), plus the
 * attributes source_space, target_space, settings, source_content and
 * anchor_hash (16 hex digits) on /translator: the file the Python module's
 * Translator.load reads and 'irp translate --apply' applies. Written to <path>.tmp and
 * renamed when complete. */
int dump_write(const char *path, const dump *d, const dump_new_space *sp,
               const dump_translator *tr);

/* IRP_OK if d's file is still the one loaded (device, inode, size, mtime);
 * else IRP_EDATA: a dump replaced while a run read it would mix two files. */
int dump_unchanged(const dump *d);

/* NULL if absent. */
const dump_space *dump_find_space(const dump *d, const char *name);
const dump_head *dump_find_head(const dump_space *s, const char *name);

#endif
