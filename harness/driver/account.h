/* account.h — where a run's time goes, stage by stage, beside the work each
 * stage did (irp run --account FILE). The work is core's model count
 * (irp_work_done: floating-point operations and the bytes the kernels must
 * move at least); bench/bench.py turns the table into a roofline account by
 * dividing by the peaks it measures in the same run. */
#ifndef IRP_ACCOUNT_H
#define IRP_ACCOUNT_H

#include <stddef.h>

#include "irp.h"
#include "plumbing/csvio.h"

typedef enum stage_id {
    ST_LOAD,       /* reading, validating and hashing the dumps; the test rows */
    ST_PREPARE,    /* per space: anchors read, centred, normalised; pruned subsets;
                    * test rows prepared and encoded against the union of subsets */
    ST_REFERENCES, /* per pair: Procrustes and affine fits and their translations */
    ST_FIT,        /* per pair and cell: IRP's translators (SVDs, products) */
    ST_APPLY,      /* translating the test rows (and, when only cosines are
                    * wanted, the mean-cosine sums fused with it) */
    ST_SCORE,      /* per cell: heads, accuracies, the other metrics, rows */
    ST_COUNT
} stage_id;

extern const char *const stage_name[ST_COUNT];

typedef struct stage_acct {
    size_t calls[ST_COUNT];
    double cpu[ST_COUNT];  /* CPU seconds of the threads that ran the stage */
    double wall[ST_COUNT]; /* wall seconds, for the stages run serially (load) */
    double flops[ST_COUNT], bytes[ST_COUNT];
} stage_acct;

typedef struct stage_mark {
    double cpu, wall;
    irp_work work;
} stage_mark;

/* Now, for the calling thread (zero when a is NULL: not accounting). A
 * serial stage's mark (acct_mark_process) counts the process's CPU, its
 * waited-for children's included (the guarded load's child). */
stage_mark acct_mark(const stage_acct *a);
stage_mark acct_mark_process(const stage_acct *a);
/* Adds what the calling thread did since m to stage s (nothing when a is NULL). */
void acct_stop(stage_acct *a, stage_id s, const stage_mark *m);
void acct_stop_process(stage_acct *a, stage_id s, const stage_mark *m);
/* Adds bytes a stage had to move that no kernel counted (a load's reads). */
void acct_add_bytes(stage_acct *a, stage_id s, double bytes);
/* into += from. */
void acct_merge(stage_acct *into, const stage_acct *from);

/* The table: one row per stage (stage, calls, cpu_seconds, wall_seconds,
 * flops, bytes), then "unaccounted" (the process's CPU outside the stages)
 * and "total" (the process's CPU since `start`, its wall time, and the
 * workers). */
void acct_write(csv_out *w, const stage_acct *a, const stage_mark *start, size_t threads);

#endif
