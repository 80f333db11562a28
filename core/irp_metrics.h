/* irp_metrics.h — how good a translation is, and the classifier heads it feeds.
 *
 * Heads: linear (logits = Z·Wᵀ + b, W: C×d) and small MLPs (layer l:
 * h ← act(h·W_lᵀ + b_l), no activation after the last layer), matching
 * PyTorch's nn.Linear layout. */
#ifndef IRP_METRICS_H
#define IRP_METRICS_H

#include "irp_error.h"

#include <stddef.h>
#include <stdint.h>

#include "irp_linalg.h"
#include "irp_rng.h"

/* Mean over rows of cos(a_i, b_i). A zero row contributes cosine 0. */
irp_status irp_mean_cosine(double *out, const irp_mat *a, const irp_mat *b);

/* Mean over rows i of cos(a_i, b_{π(i)}), π a derangement drawn from `seed`
 * (a random *other* row): the floor a mean cosine must be read against. */
irp_status irp_mean_cosine_floor(double *out, const irp_mat *a, const irp_mat *b, uint64_t seed);

/* Both of the above in one pass, for callers comparing many translations with
 * one truth: b_norms[i] = ||b_i|| (irp_row_norms, computed once), each ||a_i||
 * computed once; floor may be NULL. Equal to the two calls up to rounding. */
irp_status irp_cosines(double *mean, double *floor, const irp_mat *a, const irp_mat *b,
                const double *b_norms, uint64_t seed);

/* The running sums behind irp_cosines, for rows that arrive in blocks in order
 * (irp_translate_cosines): add rows row0.. of `a` against the same rows of b. */
typedef struct irp_cosine_acc {
    size_t n; /* rows in all */
    int floor;
    irp_rng rng;
    double sum, sum_floor;
} irp_cosine_acc;

/* Whether the cosine sums use the CPU's AVX2 where it has it (1, the default)
 * or the portable loops (0), which a CPU without AVX2 runs; both give the same
 * bits. For tests, and to check here what such a machine computes. Returns
 * the previous setting; not to be changed while another thread sums. */
int irp_metrics_simd(int on);

void irp_cosine_acc_start(irp_cosine_acc *acc, size_t n, int floor, uint64_t seed);
void irp_cosine_acc_add(irp_cosine_acc *acc, const irp_mat *a, size_t row0, const irp_mat *b,
                        const double *b_norms);
/* irp_cosine_acc_add on the rows irp_postprocess would make of a's, without
 * writing them: each row a_r taken as a_r·scale/‖a_r‖ (scale != NULL, and
 * ‖a_r‖ > 1e-300) plus mean (!= NULL). Bit for bit the sums of
 * postprocessing a copy of a and adding that. */
void irp_cosine_acc_add_post(irp_cosine_acc *acc, const irp_mat *a, size_t row0, const irp_mat *b,
                             const double *b_norms, const double *scale, const double *mean);

/* irp_cosine_acc_add_post for num translations of the same rows: acc[m] gets
 * the rows_all rows at a[m] (leading dimension lda, b->cols wide); every acc[m]
 * started with the same n, floor and seed and fed the same rows before, so
 * their floor draws coincide: drawn once. Each truth row is read once for all. */
void irp_cosine_acc_add_many(irp_cosine_acc *acc, size_t num, const double *const *a, size_t lda,
                             size_t rows_all, size_t row0, const irp_mat *b,
                             const double *b_norms, const double *scale, const double *mean);

/* Fraction of rows i whose nearest row of `truth` by cosine is row i
 * (ties count as misses). Computed in blocks; memory O(block·n). */
irp_status irp_top1_retrieval(double *out, const irp_mat *pred, const irp_mat *truth);

typedef enum irp_activation {
    IRP_ACT_IDENTITY = 0,
    IRP_ACT_RELU,
    IRP_ACT_TANH,
    IRP_ACT_SIGMOID,
    IRP_ACT_GELU /* exact: x·Φ(x), as torch.nn.GELU() */
} irp_activation;

/* "relu" → IRP_ACT_RELU etc.; IRP_EINVAL for an unknown name. */
irp_status irp_activation_parse(irp_activation *out, const char *name);
const char *irp_activation_name(irp_activation act);

typedef struct irp_head {
    size_t num_layers;    /* 1 for a linear head */
    irp_mat **weights;    /* weights[l]: out_l × in_l */
    double **biases;      /* biases[l]: out_l */
    irp_activation activation;
} irp_head;

/* Checks that layer shapes chain, the first takes `dim` inputs, and all
 * values are finite. */
irp_status irp_head_check(const irp_head *head, size_t dim);
size_t irp_head_num_classes(const irp_head *head);

/* logits (n×C) for inputs z (n×d). */
irp_status irp_head_forward(irp_mat *logits, const irp_head *head, const irp_mat *z);

/* Fraction of rows whose argmax (first on ties) equals labels[i]. */
irp_status irp_accuracy(double *out, const irp_mat *logits, const int32_t *labels);

/* forward + accuracy. */
irp_status irp_head_accuracy(double *out, const irp_head *head, const irp_mat *z, const int32_t *labels);

/* Fraction of the entries of m that are < 0 (0 for an empty matrix): how far a
 * space is from the non-negative regime of ReLU features. */
irp_status irp_negative_fraction(double *out, const irp_mat *m);

/* ‖mean row‖² / mean ‖row‖² of m, in [0, 1] (0 for an empty or all-zero
 * matrix): the share of the rows' energy in their common mean direction, which
 * makes every cosine large and pruning on 1 − |cos| keep few anchors. */
irp_status irp_mean_share(double *out, const irp_mat *m);

/* Percentile bootstrap interval of the mean of v (n values): `resamples`
 * resamples of n rows drawn with replacement (splitmix64 from `seed`), and the
 * (1 − level)/2 and (1 + level)/2 quantiles of their means (order statistics,
 * no interpolation). With `w` (may be NULL), the same resampled rows also
 * give the interval of mean(v − w): a paired comparison of two methods scored
 * on the same rows (*dlo, *dhi). n ≥ 1, resamples ≥ 10, level in (0, 1). */
irp_status irp_bootstrap_ci(double *lo, double *hi, const double *v, const double *w,
                            double *dlo, double *dhi, size_t n, size_t resamples, double level,
                            uint64_t seed);

/* Per-row values behind irp_head_accuracy and irp_cosines: correct[i] = 1 if
 * row i's argmax is labels[i] else 0; cos[i] = cos(a_i, b_i) (0 for a zero
 * row), given b_norms[i] = ‖b_i‖. */
irp_status irp_head_correct(double *correct, const irp_head *head, const irp_mat *z,
                            const int32_t *labels);
irp_status irp_row_cosines(double *cos, const irp_mat *a, const irp_mat *b, const double *b_norms);

/* Distribution of a sample of values (e.g. embedding norms). */
typedef struct irp_dist_stats {
    size_t n;
    double mean, std;       /* std with n−1 */
    double min, max;
    double skewness;        /* g1 */
    double excess_kurtosis; /* g2 */
    double jarque_bera;     /* n/6 · (g1² + g2²/4) */
    double ks_normal;       /* sup |F_n − Φ((x−mean)/std)|: KS distance to the fitted normal */
    double frac_outside_3sd;
} irp_dist_stats;

irp_status irp_dist_stats_compute(irp_dist_stats *out, const double *values, size_t n);

#endif
