/* vocab.h — the one list of the names result tables use in their 'method'
 * and 'metric' columns.
 *
 * Run and report meet only through these: the kinds write rows with them, the
 * pair engine names its methods with them, the report sections and the claims
 * read the tables back with them. A name is a macro for its string literal,
 * so that a renamed or misspelt name is a compile error, not a silent "n/a"
 * in the report, and so that literals compose ("!" M_ABSOLUTE filters the
 * absolute rows out; MT_ACCURACY MT_LO is "accuracy_lo"). tests/check_layers.py
 * fails when a .c file under harness/ spells one of these as a literal.
 *
 * The strings are the tables' public format (readers in Python and
 * tests/check_report.py use them too): change one only with the tables. */
#ifndef IRP_VOCAB_H
#define IRP_VOCAB_H

/* ---- methods: what produced the encoder's rows in the decoder's space ---- */
#define M_IRP "irp"                   /* inverse relative projection (the paper's method) */
#define M_ABSOLUTE "absolute"         /* the source rows unchanged (only where dims match) */
#define M_PROCRUSTES "procrustes"     /* orthogonal map fitted on the anchors (a reference) */
#define M_AFFINE "affine"             /* least-squares affine map on the anchors (a reference) */
#define M_NON_STITCH "non-stitch"     /* the decoder's own rows into its own head (the oracle) */
#define M_IRP_MINUS_PROCRUSTES "irp-procrustes" /* IRP − Procrustes, paired row by row */
#define M_SPACE "space"               /* a row describing one space, not a translation */
#define M_ANCHORS "anchors"           /* anchor-rank: a space's anchor matrix */
#define M_NORM "norm"                 /* scale-distribution: a space's row norms */

/* ---- metrics of translations ---- */
#define MT_ACCURACY "accuracy"           /* the decoder's head on the translated rows */
#define MT_MEAN_COSINE "mean_cosine"     /* mean cosine to the decoder's true rows */
#define MT_COSINE_FLOOR "cosine_floor"   /* ... to a random other true row */
#define MT_TOP1 "top1"                   /* top-1 retrieval of the true row */
/* suffixes of bootstrap rows: MT_ACCURACY MT_LO is "accuracy_lo" */
#define MT_LO "_lo"
#define MT_HI "_hi"
#define MT_DIFF "_diff"

/* ---- diagnostic metrics of a fitted IRP translator ---- */
#define MT_SUBSET_SIZE "subset_size"
#define MT_RANK "rank"
#define MT_COND_MEAN "cond_mean"
#define MT_COND_MAX "cond_max"
#define MT_COND_KEPT_MEAN "cond_kept_mean"
#define MT_COND_EFFECTIVE_MEAN "cond_effective_mean"
#define MT_AUTO_DELTA "auto_delta" /* δ = auto: the δ chosen for the pair */
#define MT_AUTO_OMEGA "auto_omega"
#define MT_AUTO_SCORE "auto_score" /* its held-out mean cosine */

/* ---- metrics of one space ---- */
#define MT_NEGATIVE_FRACTION "negative_fraction" /* share of negative coordinates */
#define MT_MEAN_SHARE "mean_share"               /* share of the mean direction */
#define MT_MODALITY_PREFIX "modality:"           /* "modality:<m>", value 1 (M_SPACE rows) */
#define MT_DIM "dim"                             /* anchor-rank */
#define MT_COND "cond"
#define MT_COND_KEPT "cond_kept"
/* scale-distribution: statistics of the row norms */
#define MT_NORM_MEAN "mean"
#define MT_NORM_STD "std"
#define MT_NORM_SKEWNESS "skewness"
#define MT_NORM_EXCESS_KURTOSIS "excess_kurtosis"
#define MT_NORM_JARQUE_BERA "jarque_bera"
#define MT_NORM_KS_NORMAL "ks_normal"
#define MT_NORM_FRAC_OUTSIDE_3SD "frac_outside_3sd"
#define MT_NORM_CV "cv"

#endif
