/* config.h — experiment configs: INI files (parsed by inih) with one
 * [experiment] section. A key given a comma-separated list is swept: the
 * experiment runs once per combination ("cell") of all listed values.
 * The whole file is validated before any work; errors name file, line, key. */
#ifndef IRP_CONFIG_H
#define IRP_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "irp.h"

/* Sweepable keys, in the order cells enumerate them (last varies fastest). */
enum sweep_key {
    SK_ANCHORS,     /* k, anchors drawn from the training split */
    SK_ANCHOR_SEED, /* splitmix64 seed of the anchor draw */
    SK_OMEGA,       /* ω, number of pruned subspaces */
    SK_DELTA,       /* δ threshold (or the fraction, with prune = fraction) */
    SK_PRUNE,       /* threshold | fraction */
    SK_RCOND,       /* pinv cutoff relative to s_max; -1 = LAPACK default */
    SK_RESCALE,     /* mean-norm | none */
    SK_CENTER,      /* true | false */
    SK_COMPLETION,  /* true | false */
    SK_SEED,        /* FPS first-point seed */
    SK_HEAD,        /* head name (stitch, scale-invariance) */
    SK_FACTOR,      /* input scale factor (scale-invariance) */
    SK_SCALE_MODE,  /* multiply | set-norm (scale-invariance) */
    SK_COUNT
};

#define CONFIG_MAX_VALUES 64
#define CONFIG_MAX_SPACES 64

typedef enum exp_type { EXP_INVERT, EXP_STITCH, EXP_SCALE_INV, EXP_SCALE_DIST } exp_type;

typedef struct config {
    char *path;
    char *name;        /* results go to <results_dir>/<name>.csv */
    exp_type type;
    char *data;        /* dump path (relative to the working directory) */
    size_t num_spaces; /* 0 = all spaces of the dump */
    char *spaces[CONFIG_MAX_SPACES];
    size_t num_targets; /* invert/stitch: decode only into these spaces (0 = every space) */
    char *targets[CONFIG_MAX_SPACES];
    size_t test_limit; /* 0 = the whole test split */
    int retrieval;     /* invert: also top-1 retrieval */
    int references;    /* invert/stitch: Procrustes + affine beside IRP */
    int intra;         /* invert: include X→X pairs */
    size_t bins;       /* scale-distribution histogram bins */
    size_t num_values[SK_COUNT];
    char *values[SK_COUNT][CONFIG_MAX_VALUES]; /* canonical text of each value */
    uint64_t hash;     /* FNV-1a of the file's bytes */
} config;

/* One combination of sweep values, parsed. */
typedef struct cell {
    size_t anchors;
    uint64_t anchor_seed;
    irp_options opts;
    const char *head;
    double factor;
    const char *scale_mode;
    const char *text[SK_COUNT]; /* the values as written in results */
} cell;

const char *sweep_key_name(enum sweep_key k);
const char *exp_type_name(exp_type t);

/* Parses and validates; IRP_EDATA with "FILE:LINE: key 'K': ..." on error. */
int config_load(config **out, const char *path);
void config_free(config *c);

size_t config_num_cells(const config *c);
/* Cell i (0 ≤ i < config_num_cells), values already validated. */
void config_cell(cell *out, const config *c, size_t i);
/* Whether space `name` is a decoder (target) of c: listed in targets, or no targets given. */
int config_is_target(const config *c, const char *name);

/* Stable 64-bit id of a cell's inputs (data, spaces, test_limit, flags, values). */
uint64_t config_cell_hash(const config *c, const cell *cl);

#endif
