/* irp_linalg.h — dense row-major double matrices and the linear algebra IRP
 * needs: row normalisation, relative projection, SVD pseudo-inverse.
 * Sums, products, SVDs and solves are in double (OpenBLAS + LAPACKE). */
#ifndef IRP_LINALG_H
#define IRP_LINALG_H

#include "irp_error.h"

#include <stddef.h>

typedef struct irp_mat {
    size_t rows, cols;
    double *data; /* row-major, rows*cols */
} irp_mat;

#define IRP_AT(m, i, j) ((m)->data[(size_t)(i) * (m)->cols + (size_t)(j)])

/* Zero-filled rows×cols matrix (0×c and r×0 allowed); NULL and an error set on
 * allocation failure. */
irp_mat *irp_mat_new(size_t rows, size_t cols);
irp_mat *irp_mat_copy(const irp_mat *m);
/* Rows `indices[0..num_indices)` of m, in that order. */
irp_mat *irp_mat_select_rows(const irp_mat *m, const size_t *indices, size_t num_indices);
void irp_mat_free(irp_mat *m); /* NULL is safe */

/* The work this thread's kernels have done: floating-point operations and
 * the bytes they must move at least (each operand read once, each result
 * written once), counted per call by a model, summed since the thread began.
 * Counted: matrix products and vector products (2mnk, 2mn), SVDs (dgesdd,
 * Golub and Van Loan's R-SVD count 6·q·p² + 20·p³ for p = min, q = max of the
 * shape), row normalisation (3 per entry), post-processing (3 per entry
 * rescaled, 1 per entry un-centred) and cosine sums (2 per product formed).
 * Bytes are those of whole operands: a translation done block by block while
 * the block is in cache (irp_translate_cosines_many) counts its input, map and
 * truth once, not the blocks. Element-wise copies and centring outside these
 * are not counted. For a
 * roofline account (irp run --account): the counters cost a few additions
 * per call and change no result. */
typedef struct irp_work {
    double flops, bytes;
} irp_work;
irp_work irp_work_done(void);
/* Adds to this thread's counters (for kernels outside core that want counting). */
void irp_work_count(double flops, double bytes);

/* IRP_ENUMERIC naming `what` and the first offending cell if m has NaN/Inf. */
irp_status irp_check_finite(const irp_mat *m, const char *what);

/* a·b over n entries, four partial sums. A plain loop: the per-row dot
 * products of metrics and post-processing are short (d ≤ a few hundred) and
 * were dominated by BLAS call overhead (a quarter of a sweep's time). */
double irp_dot(const double *a, const double *b, size_t n);

/* ||v||_2 as sqrt(v·v): BLAS dnrm2 guards against overflow with per-element
 * scaling and is several times slower; embeddings are far from 1e150. */
double irp_vec_norm(const double *v, size_t n);

/* out[i] = ||row i||_2 (out has m->rows entries). */
void irp_row_norms(double *out, const irp_mat *m);

/* In place: every row divided by its L2 norm. A row with norm 0 (or below
 * 1e-300) is an error (IRP_ENUMERIC naming `what` and the row), as is NaN/Inf. */
irp_status irp_rows_normalize(irp_mat *m, const char *what);

/* out = alpha · op(a) · op(b) + beta · out, op(m) = mᵀ when trans_m != 0.
 * Shapes must agree; out must already have the product's shape. */
irp_status irp_gemm(irp_mat *out, double alpha, const irp_mat *a, int trans_a, const irp_mat *b,
             int trans_b, double beta);
/* out (a×b_rows) = a · bᵀ. Shapes must agree (a.cols == b.cols). */
irp_status irp_gemm_nt(irp_mat *out, const irp_mat *a, const irp_mat *b);
/* out (a×b_cols) = a · b. */
irp_status irp_gemm_nn(irp_mat *out, const irp_mat *a, const irp_mat *b);
/* out (a_cols×b_cols) = aᵀ · b. */
irp_status irp_gemm_tn(irp_mat *out, const irp_mat *a, const irp_mat *b);

/* Relative projection R (n×k) = norm(x) · norm(anchors)ᵀ: the cosine of every
 * row of x to every anchor. Inputs are not modified. */
irp_status irp_relative_projection(irp_mat *out, const irp_mat *x, const irp_mat *anchors);

typedef struct irp_pinv_info {
    size_t rank;       /* singular values kept (> rcond · s_max) */
    double s_max;      /* largest singular value */
    double s_min;      /* smallest of the min(rows, cols) singular values */
    double cond;       /* s_max / s_min (INFINITY when s_min == 0) */
    double cond_kept;  /* s_max / smallest kept singular value */
    double cond_effective; /* of what is inverted: cond_kept for the pseudo-inverse;
                              ridge: sqrt((s_max² + λ) / (s_min² + λ)) */
    double rcond_used; /* the relative cutoff applied */
} irp_pinv_info;

/* Default relative cutoff, as LAPACK/NumPy: DBL_EPSILON · max(rows, cols). */
double irp_pinv_default_rcond(size_t rows, size_t cols);

/* Moore–Penrose pseudo-inverse by SVD (LAPACKE_dgesdd): out (cols×rows) =
 * V · S⁺ · Uᵀ, singular values ≤ rcond · s_max treated as zero. rcond < 0
 * selects irp_pinv_default_rcond. info may be NULL. */
irp_status irp_pinv(irp_mat *out, const irp_mat *a, double rcond, irp_pinv_info *info);

/* Ridge (Tikhonov) inverse by the same SVD: out = V · diag(s / (s² + λ)) · Uᵀ
 * = (AᵀA + λI)⁻¹Aᵀ, every s > 0 used; λ = 0 is irp_pinv (rcond cutoff). λ must
 * be finite and ≥ 0. info's rank and cond_kept still describe the rcond cutoff. */
irp_status irp_ridge_inv(irp_mat *out, const irp_mat *a, double lambda, double rcond,
                         irp_pinv_info *info);

/* Thin SVD a = U·diag(s)·Vᵀ with U (m×r), s (r), Vt (r×n), r = min(m,n). */
irp_status irp_svd(irp_mat *u, double *s, irp_mat *vt, const irp_mat *a);

#endif
