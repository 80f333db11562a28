/* irp_anchors.h — anchor pruning by farthest point sampling (FPS).
 *
 * Distance: dcos(a, b) = 1 − |cos(a, b)|, so quasi-colinear anchors pointing
 * in opposite directions count as close (the paper's customised distance).
 * FPS starts from a given first anchor and repeatedly adds the anchor whose
 * minimum dcos to the selected set is largest (ties: lowest index).
 *
 * Threshold mode (the default, δ): stop as soon as that largest minimum
 * distance is below δ. δ = 0 keeps every anchor; δ = 1 keeps only anchors
 * exactly orthogonal to all chosen ones.
 * Fraction mode (ablation): keep the first max(1, ceil(fraction·k)) anchors of
 * the FPS order.
 *
 * Pruning runs on the source (encoder) side's anchors; the chosen indices are
 * shared with the decoder, which keeps encoding and decoding independent. */
#ifndef IRP_ANCHORS_H
#define IRP_ANCHORS_H

#include "irp_error.h"

#include <stddef.h>
#include <stdint.h>

#include "irp_linalg.h"

typedef enum irp_prune_mode {
    IRP_PRUNE_THRESHOLD = 0,
    IRP_PRUNE_FRACTION = 1
} irp_prune_mode;

/* anchors: k×d, rows need not be normalised (cosines are computed).
 * out_indices: room for k entries; *out_count receives how many were kept,
 * in FPS order (out_indices[0] == first).
 * param: δ in [0,1] (threshold) or fraction in (0,1] (fraction). */
irp_status irp_prune_fps(size_t *out_indices, size_t *out_count, const irp_mat *anchors,
                  irp_prune_mode mode, double param, size_t first);

/* A family of ω pruned subsets of one space's anchors: subset s starts FPS at
 * irp_subspace_first(seed, s, k). */
typedef struct irp_subsets {
    size_t num_subsets;
    size_t num_anchors; /* k of the space they were drawn from */
    size_t *counts;     /* anchors kept in subset s */
    size_t **indices;   /* indices[s][0..counts[s]) */
} irp_subsets;

irp_subsets *irp_subsets_new(const irp_mat *anchors, size_t num_subsets, irp_prune_mode mode,
                             double param, uint64_t seed);
/* num_subsets copies of the full anchor set (in index order): what δ = 0
 * gives in threshold mode, whatever the first points, without running FPS. */
irp_subsets *irp_subsets_new_all(size_t num_anchors, size_t num_subsets);
void irp_subsets_free(irp_subsets *s);

/* Threshold-mode FPS traced once per subset down to a distance `floor`, so
 * that the subsets of every δ ≥ floor and ω ≤ num_subsets are cut from it
 * (irp_subsets_cut) instead of running FPS once per δ: the order FPS picks
 * anchors in does not depend on δ, which only says when to stop. */
typedef struct irp_fps_trace {
    size_t num_subsets;
    size_t num_anchors;
    double floor;
    uint64_t seed;
    size_t *lens;   /* anchors traced in subset s */
    size_t **order; /* order[s][0..lens[s]): FPS order, order[s][0] the first point */
    double **dist;  /* dist[s][t] (t >= 1): the distance that admitted order[s][t] */
} irp_fps_trace;

/* NULL and an error on failure (floor outside [0, 1], no subsets or anchors). */
irp_fps_trace *irp_fps_trace_new(const irp_mat *anchors, size_t num_subsets, double floor,
                                 uint64_t seed);
void irp_fps_trace_free(irp_fps_trace *t);
/* The first num_subsets subsets at threshold delta (floor <= delta <= 1):
 * index for index what irp_subsets_new(anchors, num_subsets,
 * IRP_PRUNE_THRESHOLD, delta, seed) gives. NULL and an error otherwise. */
irp_subsets *irp_subsets_cut(const irp_fps_trace *t, size_t num_subsets, double delta);

/* Subsets holding the same anchors (as sets) give the same decoder, so work
 * per subset can be done once per distinct set: out_rep[i] is the index of
 * the first subset equal to subset i (out_rep[i] == i for the first of each
 * set). With δ = 0 every subset holds all anchors and out_rep is all 0. */
irp_status irp_subsets_representatives(size_t *out_rep, const irp_subsets *s);

/* The anchors used by the first ω subsets, for every ω at once: `order` lists
 * anchors in order of first use over subsets 0, 1, ..., so the union of the
 * first s+1 subsets is order[0..prefix[s]). pos[a] is anchor a's place in
 * order (SIZE_MAX if no subset uses it). Lets a translator be applied through
 * the anchors it actually uses (irp_translator_fit_factored). */
typedef struct irp_union {
    size_t len;     /* |union of all subsets| */
    size_t *order;  /* len anchor indices */
    size_t *prefix; /* num_subsets cumulative union sizes */
    size_t *pos;    /* num_anchors */
} irp_union;

irp_union *irp_union_new(const irp_subsets *s);
void irp_union_free(irp_union *u);

#endif
