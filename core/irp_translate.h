/* irp_translate.h — Inverse Relative Projection between two latent spaces.
 *
 * Row vectors. Space X: samples x (n×dx), anchors A_X (k×dx); space Y: A_Y
 * (k×dy), parallel to A_X (anchor i is the same input in both spaces).
 *
 *   encode:  R  = norm(x − μ_X) · norm(A_X[I] − μ_X)ᵀ          (n×|I|)
 *   decode:  Ŷ  = R · pinv(norm(A_Y[I] − μ_Y))ᵀ                 (n×dy)
 *   ω subspaces: Ŷ = (1/ω) Σ_s decode with subset I_s (FPS on X's anchors)
 *   rescale: ŷ ← ŷ/‖ŷ‖ · s_Y, s_Y = mean ‖A_Y − μ_Y‖ ("mean-norm"; or "none")
 *   un-centre: ŷ ← ŷ + μ_Y
 * μ = anchor mean when centering is on, 0 otherwise.
 *
 * Everything before the per-row rescale is linear in norm(x − μ_X), so the
 * translation is norm(x − μ_X) · T with the closed-form translator
 *   T (dx×dy) = (1/ω) Σ_s norm(A_X[I_s])ᵀ · pinv(norm(A_Y[I_s]))ᵀ.
 * irp_translator_fit computes T; irp_decode_stepwise follows the paper step
 * by step; the two agree to rounding (tested).
 *
 * Anchor completion (our reading of the paper's one sentence, which no public
 * code implements): "encode the identity matrix using a pruned anchor subset
 * and decode it with the full anchor set, estimating the rotation/reflection".
 *   1. Encoding the identity I_dx with the pruned subsets and decoding it
 *      gives the translator T above (row i of T is the decoded basis vector
 *      e_i; T is exactly the ω-averaged decode of the identity).
 *   2. The full anchor set is then decoded through it, Â_Y = norm(A_X)·T, and
 *      compared with the decoder's own full anchor set norm(A_Y): the
 *      rotation/reflection Q (dy×dy, orthogonal) minimising ‖Â_Y·Q − norm(A_Y)‖_F
 *      is estimated (orthogonal Procrustes, Q = U·Vᵀ from the SVD of
 *      Â_Yᵀ·norm(A_Y)).
 *   3. The completed translator is T·Q.
 * Zero-shot is kept: the decoder needs only relative representations (of the
 * identity and of the anchors) from the encoder side, and its own anchors. */
#ifndef IRP_TRANSLATE_H
#define IRP_TRANSLATE_H

#include "irp_error.h"

#include <stddef.h>
#include <stdint.h>

#include "irp_anchors.h"
#include "irp_linalg.h"

typedef enum irp_rescale_mode {
    IRP_RESCALE_MEAN_NORM = 0, /* rows to unit norm, then × mean target-anchor norm */
    IRP_RESCALE_NONE = 1
} irp_rescale_mode;

typedef enum irp_decoder {
    IRP_DECODER_PINV = 0, /* Moore–Penrose pseudo-inverse (the paper), cutoff rcond */
    IRP_DECODER_RIDGE = 1 /* Tikhonov: (AᵀA + λI)⁻¹Aᵀ on the normalised target anchors */
} irp_decoder;

typedef struct irp_options {
    size_t num_subspaces;      /* ω ≥ 1 */
    irp_prune_mode prune_mode; /* threshold (δ) or fraction */
    double delta;              /* δ in [0,1], or the fraction in (0,1] */
    uint64_t seed;             /* FPS first points: irp_subspace_first(seed, s, k) */
    double rcond;              /* pinv cutoff relative to s_max; < 0: LAPACK default */
    irp_rescale_mode rescale;
    int center;                /* subtract anchor means (and add the target's back) */
    int completion;            /* anchor completion (see above) */
    irp_decoder decoder;       /* target-side inverse of each anchor subset */
    double lambda;             /* ridge's λ ≥ 0 (ignored by the pseudo-inverse) */
    int single;                /* apply stage in float32: a dense translator T and the rows
                                  it multiplies rounded to float, the product summed by sgemm;
                                  fitting, rescaling and every metric stay in double. Not for
                                  factored maps (see irp_translate_apply_factored) */
} irp_options;

/* ω = 1, δ = 0, threshold mode, seed 0, pseudo-inverse with default rcond, mean-norm rescale,
 * no centering, no completion. */
void irp_options_default(irp_options *opts);
/* IRP_EINVAL with the reason if any field is out of range. */
irp_status irp_options_check(const irp_options *opts);

/* One latent space as IRP sees it: its anchors centred (optionally) and
 * normalised, plus the statistics the decoder side needs. */
typedef struct irp_space {
    irp_mat *anchors; /* k×d, rows of norm(A − μ) */
    double *mean;     /* d: μ (all zero when not centred) */
    double scale;     /* mean ‖A − μ‖ over anchors: the characteristic scale */
    int centered;
    /* optional (irp_space_keep_full_inverse): the inverse of every anchor, which
     * every subset holding all anchors in order (δ = 0) needs, from any source */
    irp_mat *full_inverse; /* d×k */
    irp_pinv_info full_info;
    double full_lambda, full_rcond; /* what it was made with (λ 0: the pseudo-inverse) */
} irp_space;

/* anchors: k×d raw anchors (finite, no zero row after centring). NULL and an
 * error on failure. */
irp_space *irp_space_new(const irp_mat *anchors, int center);
void irp_space_free(irp_space *space);

/* Computes and keeps, as the target of translations, the inverse of all its
 * anchors as opts would compute it for a subset holding every anchor: a fit
 * whose subset is all anchors in order (δ = 0, ω any) then copies it instead
 * of inverting again, from any source, with the same bits. Not thread-safe
 * against fits running on the space: call it before. */
irp_status irp_space_keep_full_inverse(irp_space *space, const irp_options *opts);

/* out (n×d) = norm(x − μ). */
irp_status irp_space_prepare(irp_mat *out, const irp_space *space, const irp_mat *x);

/* Relative representation of x against the space's anchors `indices` (NULL:
 * all k): out is n×num_indices (n×k). */
irp_status irp_space_encode(irp_mat *out, const irp_space *space, const irp_mat *x,
                     const size_t *indices, size_t num_indices);

/* Pruned subsets for translating out of `src`, as opts says (FPS on src's
 * prepared anchors; ω = 1 and δ = 0 in threshold mode keep every anchor). */
irp_subsets *irp_subsets_for(const irp_space *src, const irp_options *opts);

typedef struct irp_fit_info {
    double mean_subset_size; /* anchors per subset, averaged over ω */
    double mean_rank;        /* singular values kept per target-side pinv */
    double mean_cond;        /* condition number of norm(A_Y[I_s]), averaged */
    double max_cond;
    double mean_cond_kept;   /* s_max / smallest kept s, averaged */
    double mean_cond_effective; /* of what is inverted (ridge: with λ), averaged */
} irp_fit_info;

/* Closed-form translator T (dx×dy), with completion when opts->completion.
 * info may be NULL. */
irp_status irp_translator_fit(irp_mat *out, const irp_space *src, const irp_space *dst,
                       const irp_subsets *subsets, const irp_options *opts, irp_fit_info *info);

/* Translators for several ω at once: out[j] (dx×dy) and info[j] (may be NULL)
 * use the first omegas[j] subsets of `subsets` (1 ≤ omegas[j] ≤
 * num_subsets). Prefixes nest because subset s is seeded by seed + s, so
 * every per-subset pseudo-inverse is computed once and shared, as is any
 * subset holding the same anchors as an earlier one. irp_translator_fit is
 * the case of one ω = num_subsets. */
irp_status irp_translator_fit_prefixes(irp_mat **out, irp_fit_info *info, const size_t *omegas,
                                size_t num_omegas, const irp_space *src, const irp_space *dst,
                                const irp_subsets *subsets, const irp_options *opts);

/* The same translators factored through the anchors they use: T_ω =
 * Â_X[U_ω]ᵀ · M_ω, where U_ω = u->order[0..u->prefix[ω−1]) (u from
 * irp_union_new(subsets)) and out[j] is (u->prefix[omegas[j]−1])×dy. With the
 * test rows' cosines to U computed once per source space (irp_union_encode),
 * a translation costs 2·n·|U_ω|·dy instead of 2·n·dx·dy: cheaper whenever
 * pruning leaves fewer anchors than dimensions. No completion. */
irp_status irp_translator_fit_factored(irp_mat **out, irp_fit_info *info, const size_t *omegas,
                                size_t num_omegas, const irp_space *src, const irp_space *dst,
                                const irp_subsets *subsets, const irp_union *u,
                                const irp_options *opts);

/* r (n×c, 1 ≤ c ≤ u->len) = prepared rows' cosines to the first c anchors of U. */
irp_status irp_union_encode(irp_mat *r, const irp_space *src, const irp_mat *prepared,
                     const irp_union *u);

/* out (n×dy) = rescale(r[:, 0..m->rows) · M) + μ_Y: a factored translation,
 * always in float64 (opts->single is ignored): M's entries are large and
 * cancel, which T = Â_X[U]ᵀ·M resolves in float64 — applied in float32, an
 * intra-space inversion (vit-tiny, δ 0.25) fell from cosine 1.000 to 0.686. */
irp_status irp_translate_apply_factored(irp_mat *out, const irp_mat *m, const irp_mat *r,
                                 const irp_space *dst, const irp_options *opts);

/* Mean cosine (and floor, if not NULL) of a translation against the truth, as
 * irp_cosines would give on the translated rows, without keeping them: rows
 * are translated in blocks (in[:, 0..map->rows) · map: prepared rows with T,
 * or union cosines with a factored M), post-processed and compared while in
 * cache — one pass over memory instead of five. */
irp_status irp_translate_cosines(double *mean, double *floor, const irp_mat *map, const irp_mat *in,
                          const irp_space *dst, const irp_options *opts, const irp_mat *truth,
                          const double *truth_norms, uint64_t seed);

/* The same for num translations of the same rows into the same target at
 * once: mean[m] (and floor[m]) for maps[m] applied to ins[m] (every ins[m]
 * has the truth's rows; each map is dense or factored as above). Results are
 * irp_translate_cosines' to the bit; the truth and floor rows of a block are
 * read from memory once for all of them. With opts->single every map is
 * applied in float32: pass factored maps with single = 0. */
irp_status irp_translate_cosines_many(double *mean, double *floor, const irp_mat *const *maps,
                                      const irp_mat *const *ins, size_t num, const irp_space *dst,
                                      const irp_options *opts, const irp_mat *truth,
                                      const double *truth_norms, uint64_t seed);

/* out (n×dy) = rescale(norm(x − μ_X) · T) + μ_Y. T may be any dx×dy map (the
 * Procrustes reference goes through here too). */
irp_status irp_translate_apply(irp_mat *out, const irp_mat *translator, const irp_space *src,
                        const irp_space *dst, const irp_mat *x, const irp_options *opts);

/* The same on rows already prepared by irp_space_prepare(src, x): lets a
 * caller prepare a test set once and translate it into many targets. */
irp_status irp_translate_apply_prepared(irp_mat *out, const irp_mat *translator, const irp_space *dst,
                                 const irp_mat *prepared, const irp_options *opts);

/* The paper's path, step by step: relative projection per subset, pinv
 * decode per subset, average, rescale, un-centre. Completion is not part of
 * this path (it is defined through the translator): opts->completion must be
 * 0. */
irp_status irp_decode_stepwise(irp_mat *out, const irp_space *src, const irp_space *dst,
                        const irp_subsets *subsets, const irp_mat *x, const irp_options *opts);

/* The rescale and un-centre steps alone, in place on decoded rows. */
void irp_postprocess(irp_mat *decoded, const irp_space *dst, irp_rescale_mode rescale);

#endif
