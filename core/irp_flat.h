/* irp_flat.h — the core for other languages: plain row-major double arrays
 * and scalars in, arrays out, no structs (the Python module calls these
 * through ctypes; python/irp/). Each returns IRP_OK or a status with
 * irp_last_error() set; shapes are the caller's to get right, and are
 * checked where the core can check them. */
#ifndef IRP_FLAT_H
#define IRP_FLAT_H

#include <stddef.h>
#include <stdint.h>

#include "irp_error.h"

/* out (n×k): cosine of each row of x (n×d) to each anchor (k×d), after
 * subtracting the anchors' mean from both when center. */
irp_status irp_flat_relative(double *out, const double *x, size_t n, size_t d,
                             const double *anchors, size_t k, int center);

/* k distinct indices into n samples, the harness's anchor draw (splitmix64). */
irp_status irp_flat_anchor_indices(int64_t *out, size_t n, size_t k, uint64_t seed);

/* FPS on 1 − |cos| over the (centred when center) anchors (k×d) from `first`:
 * threshold δ (fraction = 0) or a fraction of k (fraction = 1). out: room for
 * k indices; *count: how many were kept, in FPS order. */
irp_status irp_flat_fps(int64_t *out, size_t *count, const double *anchors, size_t k, size_t d,
                        int center, int fraction, double param, size_t first);

/* Fits IRP from X (anchors ax, k×dx) to Y (ay, k×dy), rows paired: the
 * translator t (dx×dy), the anchor means mu_x (dx) and mu_y (dy) (zero when
 * not centred), Y's characteristic scale *scale_y (mean anchor norm after
 * centring) and the mean subset size. Options as in irp_options: ω subsets,
 * threshold or fraction pruning with param δ, FPS seed, pinv rcond (< 0:
 * LAPACK's default), centring, completion. */
irp_status irp_flat_fit(double *t, double *mu_x, double *mu_y, double *scale_y,
                        double *mean_subset_size, const double *ax, const double *ay,
                        size_t k, size_t dx, size_t dy, size_t omega, int fraction,
                        double delta, uint64_t seed, double rcond, int center, int completion);

/* y (n×dy) from x (n×dx) with a fitted translator: norm(x − mu_x)·t, each row
 * rescaled to scale_y (rescale = 1; 0 leaves the norms), plus mu_y. */
irp_status irp_flat_apply(double *y, const double *x, size_t n, size_t dx, size_t dy,
                          const double *t, const double *mu_x, const double *mu_y, double scale_y,
                          int rescale);

/* *out = the hash that ties a saved translator to its source anchors (ax,
 * k×d, in anchor order): FNV-1a 64 over k and d (each a 64-bit size_t, native
 * byte order) and then the values' bytes. A dump holds float32, so hash the
 * anchors as a dump stores them (float32 values widened to double) to match
 * 'irp translate'. */
irp_status irp_flat_anchor_hash(uint64_t *out, const double *ax, size_t k, size_t d);

#endif
