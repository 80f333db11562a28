/* kinds.h — the functions of each experiment kind, as the registry
 * (registry.c) lists them; each kinds/<name>.c includes this, so that a
 * function and its row agree. See driver/experiment.h for what each does. */
#ifndef IRP_KINDS_H
#define IRP_KINDS_H

#include "driver/experiment.h"

/* invert.c */
int invert_run(run_ctx *x, const cell_group *g);
int invert_figure(const config *c, const csv_table *t, const char *plots, const char *results);
void invert_report(const report *r, const report_entry *e);
/* stitch.c */
int stitch_run(run_ctx *x, const cell_group *g);
int stitch_figure(const config *c, const csv_table *t, const char *plots, const char *results);
void stitch_report(const report *r, const report_entry *e);
/* scale_invariance.c */
int scale_inv_run(run_ctx *x, const cell_group *g);
int scale_inv_figure(const config *c, const csv_table *t, const char *plots, const char *results);
void scale_inv_report(const report *r, const report_entry *e);
/* scale_distribution.c */
int scale_dist_check(const config *c, const dump *d);
int scale_dist_run(run_ctx *x, const cell_group *g);
int scale_dist_figure(const config *c, const csv_table *t, const char *plots,
                      const char *results);
void scale_dist_report(const report *r, const report_entry *e);
/* anchor_rank.c */
int anchor_rank_check(const config *c, const dump *d);
int anchor_rank_run(run_ctx *x, const cell_group *g);
int anchor_rank_figure(const config *c, const csv_table *t, const char *plots,
                       const char *results);
void anchor_rank_report(const report *r, const report_entry *e);

#endif
