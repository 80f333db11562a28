/* irp_auto.h — choosing δ and ω without labels, inside the zero-shot protocol.
 *
 * The receiver knows its own embeddings of the anchors; the sender sends the
 * relative representations of a few held-out anchors as it sends any
 * sample's. So the receiver can decode those held-out anchors and score the
 * decoding against its own embeddings of them: no labels, and nothing of the
 * sender's space beyond what IRP already sends. irp_auto_select does exactly
 * that for every (δ, ω) of a grid and returns the best. */
#ifndef IRP_AUTO_H
#define IRP_AUTO_H

#include <stddef.h>

#include "irp_error.h"
#include "irp_linalg.h"
#include "irp_translate.h"

typedef struct irp_auto_choice {
    double delta;   /* the chosen δ (or fraction, in fraction mode) */
    size_t omega;   /* the chosen ω */
    double score;   /* its held-out mean cosine */
    size_t fit, held_out; /* how the k anchors were split */
} irp_auto_choice;

/* ax (k×dx), ay (k×dy): the raw anchors of both sides, rows paired. The last
 * h = round(holdout·k) rows (1 ≤ h ≤ k − 2; the anchors are a random draw, so
 * their order is) are held out; every (deltas[a], omegas[b]) is fitted on the
 * other k − h with `base`'s remaining options, the held-out source anchors
 * translated, and scored by mean cosine to the held-out target anchors. The
 * best score wins; ties go to the earlier δ, then the earlier ω. holdout in
 * (0, 1); grids non-empty, values valid for base's pruning mode. */
irp_status irp_auto_select(irp_auto_choice *out, const irp_mat *ax, const irp_mat *ay,
                           const irp_options *base, const double *deltas, size_t num_deltas,
                           const size_t *omegas, size_t num_omegas, double holdout);

#endif
