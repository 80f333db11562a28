/* keys.h — the one list of config keys and of result-table columns.
 *
 * Everything else is generated from these X-macros: the sweep-key enum, their
 * defaults and validation (config.c), the known-keys message, the usage texts
 * of 'irp run' and 'irp translate', translate's flags, and the columns of every
 * result table (rows.c). Adding a sweep key is one line here plus its parse
 * in config_cell(). */
#ifndef IRP_KEYS_H
#define IRP_KEYS_H

/* How a value is checked (config_check_value). */
enum key_check {
    KC_COUNT,    /* integer from 1 to 1000000 */
    KC_SEED,     /* integer >= 0 */
    KC_UNIT,     /* number in [0, 1] */
    KC_RCOND,    /* number below 1 */
    KC_POSITIVE, /* number > 0 */
    KC_NONNEG,   /* number >= 0, at most the limit */
    KC_BOOL,     /* true | false */
    KC_CHOICE,   /* one of the '|'-separated choices */
    KC_NAME      /* a name without '/' or spaces */
};

/* Sweepable keys, in the order cells enumerate them (the last varies fastest)
 * and the order of their result columns.
 * X(ID, name, default, check, choices, limit, translate flag?, help); the limit
 * (KC_COUNT: the largest value; KC_POSITIVE: values within [1/limit, limit])
 * keeps one config from asking for hours of work by a typo. */
#define IRP_SWEEP_KEYS(X)                                                                       \
    X(ANCHORS, "anchors", "1280", KC_COUNT, NULL, 1000000, 1,                                           \
      "anchors k, drawn from the training split (smaller k are prefixes)")                     \
    X(ANCHOR_SEED, "anchor_seed", "0", KC_SEED, NULL, 0, 1, "splitmix64 seed of the anchor draw") \
    X(OMEGA, "omega", "1", KC_COUNT, NULL, 1024, 1, "pruned subspaces, decoded and averaged")        \
    X(DELTA, "delta", "0", KC_UNIT, NULL, 0, 1,                                                   \
      "FPS threshold on 1-|cos| (prune = fraction: the fraction kept)")                        \
    X(PRUNE, "prune", "threshold", KC_CHOICE, "threshold|fraction", 0, 1, "pruning rule")         \
    X(RCOND, "rcond", "-1", KC_RCOND, NULL, 0, 1,                                                 \
      "pinv cutoff relative to s_max (negative: LAPACK's eps*max(k,d))")                       \
    X(LAMBDA, "lambda", "0", KC_NONNEG, NULL, 1e6, 1,                                             \
      "0: the pseudo-inverse (rcond); > 0: ridge decoding, (A'A + lambda I)^-1 A'")            \
    X(RESCALE, "rescale", "mean-norm", KC_CHOICE, "mean-norm|none", 0, 1,                         \
      "decoded rows set to the target anchors' mean norm, or left")                            \
    X(CENTER, "center", "false", KC_BOOL, NULL, 0, 1,                                             \
      "subtract each space's anchor mean, add the target's back")                              \
    X(COMPLETION, "completion", "false", KC_BOOL, NULL, 0, 1, "anchor completion (docs/method.md)")       \
    X(SEED, "seed", "0", KC_SEED, NULL, 0, 1, "FPS first point of subspace s from seed + s")      \
    X(HEAD, "head", "linear", KC_NAME, NULL, 0, 0, "classification head (stitch, scale-invariance)") \
    X(FACTOR, "factor", "1", KC_POSITIVE, NULL, 1e6, 0, "input scale factor (scale-invariance)")    \
    X(SCALE_MODE, "scale_mode", "set-norm", KC_CHOICE, "multiply|set-norm", 0, 0,                 \
      "multiply the inputs, or set every row's norm (scale-invariance)")

/* Keys of [experiment] that are not swept. X(ID, name, help) */
#define IRP_FIXED_KEYS(X)                                                                       \
    X(TYPE, "type", "experiment kind (required; kinds listed below)")                          \
    X(DATA, "data", "HDF5 dump, schema irp-embeddings/1 (required; relative: beside the config, else the cwd)") \
    X(NAME, "name", "result name: <results>/<name>.csv (default: the config's file name)")     \
    X(SPACES, "spaces", "all (default) or a comma list of the dump's spaces")                  \
    X(TARGETS, "targets", "pair kinds: decode only into these spaces (default: all)")          \
    X(TEST_LIMIT, "test_limit", "first N test rows (default 0 = all)")                         \
    X(RETRIEVAL, "retrieval", "invert: also top-1 retrieval (default false)")                  \
    X(REFERENCES, "references", "pair kinds: Procrustes + affine beside IRP (default true)")   \
    X(INTRA, "intra", "invert: include X->X pairs (default true)")                             \
    X(BINS, "bins", "scale-distribution: histogram bins (default 40)")                         \
    X(AUTO_DELTAS, "auto_deltas", "delta = auto: the values tried per pair (default 0, 0.25, 0.5, 0.65, 0.75, 0.9)") \
    X(AUTO_OMEGAS, "auto_omegas", "omega = auto: the values tried per pair (default 1, 2, 4, 8, 16)") \
    X(AUTO_HOLDOUT, "auto_holdout", "delta/omega = auto: fraction of the anchors held out to score each value (default 0.2)") \
    X(BOOTSTRAP, "bootstrap", "pair kinds: resamples of the test rows for intervals of every accuracy and mean cosine, and IRP vs Procrustes paired (default 0 = none)") \
    X(BOOTSTRAP_LEVEL, "bootstrap_level", "the intervals' level (default 0.95)") \
    X(PRECISION, "precision", "pair kinds: the apply stage (translator x rows) in float64 (default) or float32 (sgemm, about twice as fast; fitting, rescaling and metrics stay float64; numbers move by about 1e-8)")

/* Keys of the optional [report] section: what 'irp report' shows for this
 * config. They never change a number, so the config's hash leaves them out.
 * X(ID, name, help) */
#define IRP_REPORT_KEYS(X)                                                                      \
    X(CLAIMS, "claims", "the paper's findings this config's numbers decide (irp report --help)") \
    X(PAPER, "paper", "the paper's numbers shown beside its table: TABLE or TABLE:KEY, a list")

/* What a kind needs (exp_kind.needs, driver/experiment.h): the driver
 * validates and loads accordingly, and these also say which of the fixed keys
 * above apply to a kind (a key that does not apply is refused). */
enum {
    EXP_PAIRS = 1u << 0,  /* translates ordered pairs (driver/pairs.c): at least 2 spaces (1
                             with intra), k ≤ training rows, the training split read on demand
                             (only anchors), cells that differ only in ω run as one group */
    EXP_LABELS = 1u << 1, /* the dump must have labels */
    EXP_HEADS = 1u << 2,  /* every target space must hold every 'head' value */
    EXP_INTRA = 1u << 3,  /* pair kind that may pair a space with itself (key 'intra'), and
                             scores by cosines (key 'retrieval') */
    EXP_BINS = 1u << 4    /* draws histograms (key 'bins') */
};

/* Result tables (long format): these, the sweep keys, then IRP_RESULT_TAIL. */
#define IRP_RESULT_HEAD(X) X("experiment") X("dataset")
#define IRP_RESULT_TAIL(X) X("encoder") X("decoder") X("method") X("metric") X("value")

#define IRP_KEY_ENUM(ID, ...) SK_##ID,
enum sweep_key { IRP_SWEEP_KEYS(IRP_KEY_ENUM) SK_COUNT };
#undef IRP_KEY_ENUM
#define IRP_KEY_ENUM(ID, ...) FK_##ID,
enum fixed_key { IRP_FIXED_KEYS(IRP_KEY_ENUM) FK_COUNT };
#undef IRP_KEY_ENUM
#define IRP_KEY_ENUM(ID, ...) RK_##ID,
enum report_key { IRP_REPORT_KEYS(IRP_KEY_ENUM) RK_COUNT };
#undef IRP_KEY_ENUM

#endif
