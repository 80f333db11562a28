/* plots.h — gnuplot figures from result tables. For experiment <name> it
 * writes <plots>/<name>.dat (the aggregated numbers plotted) and
 * <plots>/<name>.gp (kept, so figures can be restyled and re-rendered with
 * `gnuplot plots/<name>.gp`), then runs gnuplot for <name>.png and .pdf. */
#ifndef IRP_PLOTS_H
#define IRP_PLOTS_H

#include "config.h"
#include "run.h"

int plots_make(const config *c, const run_opts *o);

#endif
