/* irp_rng.h — deterministic randomness (splitmix64) and anchor selection.
 *
 * All randomness in irp comes from splitmix64 so that any two implementations
 * can be compared number for number:
 *   x += 0x9E3779B97F4A7C15; z = x;
 *   z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
 *   z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
 *   return z ^ (z >> 31);
 */
#ifndef IRP_RNG_H
#define IRP_RNG_H

#include "irp_error.h"

#include <stddef.h>
#include <stdint.h>

typedef struct irp_rng {
    uint64_t state;
} irp_rng;

void irp_rng_seed(irp_rng *rng, uint64_t seed);
uint64_t irp_rng_next(irp_rng *rng);

/* Anchor indices: a partial Fisher–Yates shuffle of 0..num_samples-1 driven by
 * one stream seeded with `seed`: for i in 0..num_anchors-1,
 * j = i + next() % (num_samples - i), swap(i, j); the first num_anchors
 * entries are written to out_indices. Prefixes nest: the first 128 of 1280
 * anchors are the 128 anchors. Errors: num_anchors == 0 or > num_samples. */
irp_status irp_anchor_indices(size_t *out_indices, size_t num_samples, size_t num_anchors,
                       uint64_t seed);

/* First point of FPS subspace s: a fresh stream seeded with seed + s,
 * first = next() % num_anchors. */
size_t irp_subspace_first(uint64_t seed, size_t subspace, size_t num_anchors);

#endif
