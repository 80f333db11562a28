/* experiment.h — what the driver asks of the experiment kinds: the registry's
 * row type, and the few functions the kinds layer defines for the driver.
 *
 * A config's 'type' names one row of exp_kinds[] (kinds/registry.c). A kind
 * is one file, kinds/<name>.c, holding everything particular to it: what it
 * needs from the dump, its extra validation, its run (rows for one group of
 * cells), its figure and its report section. The driver and the commands
 * call through the row and never test a kind's name; the plumbing below
 * (harness/plumbing/) knows no kind. Layers: docs/internals.md.
 *
 * Adding a kind: write kinds/<name>.c with a run function (figure, report
 * and check are optional), declare them below, add one row to exp_kinds[].
 * docs/adding-a-kind.md is a worked example. */
#ifndef IRP_EXPERIMENT_H
#define IRP_EXPERIMENT_H

#include "plumbing/config.h"
#include "plumbing/csvio.h"
#include "plumbing/dump.h"
#include "plumbing/markdown.h"
#include "driver/rows.h"


#define KEY_BIT(ID) (1u << SK_##ID)
/* The keys of an IRP translation (every pair kind). */
#define IRP_TRANSLATION_KEYS                                                                  \
    (KEY_BIT(ANCHORS) | KEY_BIT(ANCHOR_SEED) | KEY_BIT(OMEGA) | KEY_BIT(DELTA) |              \
     KEY_BIT(PRUNE) | KEY_BIT(RCOND) | KEY_BIT(LAMBDA) | KEY_BIT(RESCALE) |                  \
     KEY_BIT(CENTER) |                                                                       \
     KEY_BIT(COMPLETION) | KEY_BIT(SEED))

typedef struct exp_kind {
    const char *name;    /* the config's 'type' */
    const char *summary; /* one line for --help */
    unsigned needs;      /* EXP_* */
    unsigned keys;       /* the sweep keys its numbers depend on: bits 1u << SK_... */
    const char *extra_table; /* suffix of a second table the run writes ("-hist"), or NULL */
    /* Optional (NULL: none): checks beyond `needs` once the dump is loaded;
     * IRP_EDATA naming config and dump. */
    int (*check)(const config *c, const dump *d);
    /* Required: writes the rows of every cell of g (g->n ≥ 1; one cell unless
     * EXP_PAIRS, when it is the cells that differ only in ω). Pair kinds call
     * pairs_run (driver/pairs.h) with their scorer. IRP_OK or an error set with
     * irp_fail: a number that cannot be computed is an error, never a
     * missing row. */
    int (*run)(run_ctx *x, const cell_group *g);
    /* Optional (NULL: no figure): draws <plots>/<name>.{dat,gp,png,pdf} from
     * the table t (gnuplot.h). */
    int (*figure)(const config *c, const csv_table *t, const char *plots_dir,
                  const char *results_dir);
    /* Optional (NULL: the report says the table holds the numbers): writes
     * its section of REPORT.md after the common heading and settings. */
    void (*report)(const report *r, const report_entry *e);
} exp_kind;

extern const exp_kind exp_kinds[];
extern const size_t num_exp_kinds;

/* The kind named `name`, or NULL. */
const exp_kind *exp_kind_find(const char *name);
/* "invert, stitch, ..." (static buffer). */
const char *exp_kind_names(void);
/* The kinds for --help: one line each, "    name   summary" (static buffer). */
const char *exp_kind_help(void);

/* NULL if a config of kind `kind` can opt into claim `name`, else the reason
 * (the findings' table, kinds/claims.c: asked here, so that the driver
 * checks a config's claims without knowing the findings). */
const char *claim_check(const char *name, const char *kind);

/* A config loaded for running or reporting: config_load (syntax and generic
 * limits), then what its kind accepts, asked of the registry: the type names
 * a kind; keys the kind does not read and claims it cannot decide are
 * refused, naming file and line. Sets c->kind, c->kind_keys, c->kind_needs. */
int experiment_load(config **out, const char *path);

#endif
