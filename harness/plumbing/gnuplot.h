/* gnuplot.h — figure plumbing: the .dat and .gp files of a figure, rendering
 * with gnuplot to PNG and PDF, and the helpers every kind's figure uses
 * (distinct values, tics, one panel per combination of the other swept keys).
 * A figure of experiment <name> is <plots>/<name>.dat (the numbers plotted),
 * <plots>/<name>.gp (kept, so it can be restyled and re-rendered with
 * `gnuplot plots/<name>.gp`), <plots>/<name>.png and .pdf. */
#ifndef IRP_GNUPLOT_H
#define IRP_GNUPLOT_H

#include <stdio.h>

#include "plumbing/agg.h"
#include "plumbing/config.h"

typedef struct names {
    size_t n;
    char v[64][256]; /* as agg keys: names up to 200 bytes, never cut */
} names;

/* s as a gnuplot string literal, safe whatever s holds (names come from dumps
 * and configs others wrote): "s" when s has no character gnuplot would
 * interpret in double quotes, else 's' with '' for ' (single quotes stop
 * backquote command substitution and backslash escapes); control characters
 * become '?'. The result lives in one of 8 rotating static buffers. */
const char *gpq(const char *s);
/* gpq of the path <dir>/<name>.dat */
const char *gp_dat(const char *dir, const char *name);

/* Distinct values of key index k over a's groups, in order of appearance
 * (sorted by value when all are numbers). */
void gp_distinct(names *out, const agg *a, size_t k);
/* "set xtics ("a" 0, "b" 1, ...)". */
void gp_tics(FILE *gp, const char *axis, const names *n);

/* <dir>/<name>.dat for writing (a temporary file, put in place by gp_render);
 * NULL and an error on failure. Close it with gp_close_dat. */
FILE *gp_open_dat(const char *dir, const char *name);
void gp_close_dat(FILE *dat);
/* <dir>/<name>.gp with the PNG/PDF terminal loop opened; NULL and an error on failure. */
FILE *gp_open(const char *dir, const char *name, const char *size_png, const char *size_pdf);
/* Closes the loop and the script, runs gnuplot on it, fixes the PDF's date. */
int gp_render(FILE *gp, const char *dir, const char *name);

/* Panels: the combinations of the config's multi-valued sweep keys other than
 * those a figure lays out (exclude_mask: bits 1 << SK_...), each selected by
 * row filters. */
typedef struct variants {
    size_t n;
    agg_filter filters[64][SK_COUNT];
    size_t num_filters;
    char label[64][256];
} variants;

void gp_variants(variants *v, const config *c, unsigned exclude_mask);
/* agg_build with the base filters and those of variant i. */
int gp_build_variant(agg *out, const csv_table *t, const agg_filter *base, size_t nb,
                     const variants *v, size_t i, const char *const *group_cols, size_t ng);

/* The range of the values a heat map shows (finite ones; lo > hi: none yet). */
typedef struct gp_range {
    double lo, hi;
} gp_range;
#define GP_RANGE_EMPTY ((gp_range){1, 0})
void gp_range_add(gp_range *r, double v);

/* Heat maps, one cell per (x, y) value, as the pair kinds draw them. The
 * axes: tics from x and y, the axis labels, `extra` (gnuplot lines,
 * verbatim), the ranges and a perceptual palette (viridis: lightness grows
 * with the value, readable in grey) stretched over the data's range `r`
 * (every panel on one scale, stated beside the colour bar), so that 0.79
 * and 0.92 look different. */
void gp_heatmap_axes(FILE *gp, const names *x, const names *y, const char *xlabel,
                     const char *ylabel, const char *extra, gp_range r);
/* One panel: `title` (a gnuplot string, gpq) over the cells of column `col`
 * of block `index` of dat (gp_dat), drawn as filled boxes (gnuplot's image
 * style draws nothing for a grid of one row or column), each cell labelled
 * with its value (white
 * on the dark lower half of the palette, black on the light upper half). */
void gp_heatmap_panel(FILE *gp, const char *title, const char *dat, size_t index,
                      const char *col, gp_range r);

/* The anchor-count figure of the pair kinds (a sweep over more than two k):
 * the inter-space metric against k, one curve per variant (curves.c). */
int gp_anchor_curve(const csv_table *t, const config *c, const char *dir, int invert);

#endif
