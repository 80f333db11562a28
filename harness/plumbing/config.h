/* config.h — experiment configs: INI files (parsed by inih) with one
 * [experiment] section and an optional [report] section. A key of
 * [experiment] given a comma-separated list is swept: the experiment runs once
 * per combination ("cell") of all listed values. The keys are listed once, in
 * keys.h. The whole file is validated before any work; errors name file,
 * line and key. */
#ifndef IRP_CONFIG_H
#define IRP_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "irp.h"
#include "plumbing/keys.h"

#define CONFIG_MAX_VALUES 64
#define CONFIG_MAX_SPACES 64
#define CONFIG_MAX_CLAIMS 16

struct exp_kind;

typedef struct config {
    char *path;
    char *text;        /* the file's bytes, for errors that name a line */
    char *name;        /* results go to <results_dir>/<name>.csv */
    char *type;        /* the 'type' key as written */
    /* Set by the driver from the registry (experiment_load), never here:
     * the kind, the sweep keys its numbers depend on and what it needs
     * (EXP_*, keys.h). Plumbing reads the two masks, never the kind. */
    const struct exp_kind *kind;
    unsigned kind_keys, kind_needs;
    unsigned seen_fixed, seen_sweep; /* keys the file gives: bits 1u << FK_..., SK_... */
    char *data;        /* dump path as written (hashed) */
    char *data_path;   /* where it is read from (config_resolve_data) */
    char *data_other;  /* a relative path's other candidate ("" if none), for errors */
    size_t num_spaces; /* 0 = all spaces of the dump */
    char *spaces[CONFIG_MAX_SPACES];
    size_t num_targets; /* pair kinds: decode only into these spaces (0 = every space) */
    char *targets[CONFIG_MAX_SPACES];
    size_t test_limit; /* 0 = the whole test split */
    int retrieval;     /* invert: also top-1 retrieval */
    int references;    /* pair kinds: Procrustes + affine beside IRP */
    int intra;         /* invert: include X→X pairs */
    size_t bins;       /* scale-distribution histogram bins */
    /* delta/omega = auto (pair kinds): the grids tried per pair and the share
     * of the anchors held out to score them (irp_auto_select) */
    size_t num_auto_deltas, num_auto_omegas;
    double auto_deltas[CONFIG_MAX_VALUES];
    size_t auto_omegas[CONFIG_MAX_VALUES];
    double auto_holdout;
    size_t bootstrap;       /* resamples (0: no intervals) */
    double bootstrap_level; /* e.g. 0.95 */
    int single;             /* precision = float32: the apply stage in float32 */
    size_t num_values[SK_COUNT];
    char *values[SK_COUNT][CONFIG_MAX_VALUES]; /* canonical text of each value */
    size_t num_claims; /* [report] claims: names from the claims table (report.h) */
    char *claims[CONFIG_MAX_CLAIMS];
    size_t num_papers; /* [report] paper: "table" or "table:key" of the paper's numbers */
    char *papers[CONFIG_MAX_CLAIMS];
    uint64_t hash;     /* FNV-1a of the file's bytes outside [report] */
} config;

/* One combination of sweep values, parsed. */
typedef struct cell {
    size_t anchors;
    uint64_t anchor_seed;
    irp_options opts;
    const char *head;
    double factor;
    const char *scale_mode;
    int auto_delta, auto_omega; /* chosen per pair without labels (opts: placeholders) */
    const char *text[SK_COUNT]; /* the values as written in results */
} cell;

const char *sweep_key_name(enum sweep_key k);
const char *sweep_key_default(enum sweep_key k);
/* Whether 'irp translate' takes key k as a flag (--name, '_' as '-'). */
int sweep_key_is_flag(enum sweep_key k);
/* NULL if v is a valid value of key k, else the reason ("expected ..."). */
const char *config_check_value(enum sweep_key k, const char *v);

/* Parses and checks syntax and the limits every config obeys; IRP_EDATA with
 * "FILE:LINE: key 'K': ..." on error. The kind is not resolved here: that and
 * what the kind accepts are the driver's (experiment_load, driver/experiment.h),
 * which is what commands call. */
int config_load(config **out, const char *path);
/* The line of `key` in c's file (0 if it is not there). */
int config_key_line(const config *c, const char *key);
const char *fixed_key_name(enum fixed_key k);
void config_free(config *c);

/* Prints the key reference (for --help): every key with its default and help;
 * `kinds` (the registry's list, from the caller) goes after the fixed keys;
 * `defaults` (NULL, or per sweep key NULL or a value) replaces the shown
 * defaults (irp translate's own). */
void config_print_keys(FILE *out, int translate_flags_only, const char *kinds,
                       const char *const *defaults);

size_t config_num_cells(const config *c);
/* Cell i (0 ≤ i < config_num_cells), values already validated. */
void config_cell(cell *out, const config *c, size_t i);
/* A cell from one (valid) value per key. */
void config_cell_from_text(cell *out, const char *const text[SK_COUNT]);
/* Whether space `name` is a decoder (target) of c: listed in targets, or no targets given. */
int config_is_target(const config *c, const char *name);
/* Whether c opts into claim `name` ([report] claims). */
int config_has_claim(const config *c, const char *name);

/* Stable 64-bit id of a cell's inputs (data, spaces, test_limit, flags, values). */
uint64_t config_cell_hash(const config *c, const cell *cl);

#endif
