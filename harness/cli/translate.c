/* irp translate — IRP from one space of a dump into another, written as a new
 * dump (schema irp-embeddings/1) for use outside the harness. Its options are
 * the config's sweep keys (keys.h), parsed and checked by config.c. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cli/commands.h"
#include "plumbing/config.h"
#include "plumbing/dump.h"
#include "plumbing/h5io.h"
#include "irp_flat.h"
#include "plumbing/util.h"

static const char *usage =
    "usage: irp translate --data FILE --from SPACE --to SPACE --out OUT.h5 [options]\n"
    "       irp translate --apply TRANSLATOR.h5 --in NEW.h5 --out OUT.h5 [--space NAME]\n"
    "\n"
    "Translates both splits of SPACE into the space of --to with IRP, using only\n"
    "parallel anchors drawn from the training split. OUT.h5 is itself a dump\n"
    "(irp-embeddings/1): samples copied, one space '<from>-to-<to>' holding the\n"
    "translated embeddings, and the target's heads copied beside them, so\n"
    "'irp inspect OUT.h5' reports zero-shot stitching accuracies. Written to\n"
    "OUT.h5.tmp and renamed when complete.\n"
    "\n"
    "options: the config keys of a translation, as flags '--key value' or\n"
    "'--key=value' (same values and checks; --center and --completion alone mean\n"
    "true) [default: as in a config, but ω and δ default to the paper's stitching\n"
    "setting, 8 and 0.65; '--omega 1 --delta 0' is plain IRP]:\n";

static const char *usage_tail =
    "  --translator   also store everything needed to apply it to new rows (a\n"
    "                 translator file, irp-translator/1): the closed-form\n"
    "                 translator T (dx x dy, float64), the anchor means, the\n"
    "                 target scale, the settings, the anchor indices and a hash\n"
    "                 of the source anchors' values\n"
    "\n"
    "--apply TRANSLATOR.h5 (written with --translator, or by the Python module's\n"
    "Translator.save) translates both splits of the space of NEW.h5 named like the\n"
    "translator's source (or --space NAME; needed when the file names no source)\n"
    "into OUT.h5, with the target's heads copied when TRANSLATOR.h5 carries them\n"
    "(a file from --translator does; an unlabelled NEW.h5 then takes their\n"
    "classes). When NEW.h5's training split holds the translator's anchor rows,\n"
    "their values are hashed and must match, so a translator is never applied to\n"
    "another encoder's space; when it has fewer rows (only new rows), or the file\n"
    "records no anchors, it is applied with a note that the anchors could not be\n"
    "checked. A source dimension or anchor hash that does not match is refused,\n"
    "naming both files.\n";

/* The paper's stitching setting (ω = 8 subsets pruned at δ = 0.65), not the
 * config default of plain IRP (ω = 1, δ = 0), which is unstable across
 * encoders: a translator is fitted once and used, so it starts from the
 * setting the paper recommends. '--omega 1 --delta 0' gives plain IRP. */
static const char *const translate_defaults[SK_COUNT] = {[SK_OMEGA] = "8", [SK_DELTA] = "0.65"};

/* The sweep key of flag "--anchor-seed" etc., or -1. */
static int flag_key(const char *a)
{
    if (strncmp(a, "--", 2))
        return -1;
    for (int k = 0; k < SK_COUNT; k++) {
        const char *n = sweep_key_name(k), *f = a + 2;
        while (*n && (*n == '_' ? *f == '-' : *f == *n))
            n++, f++;
        if (!*n && !*f && sweep_key_is_flag(k))
            return k;
    }
    return -1;
}

/* The hash that ties a translator to its source anchors: their values (as
 * doubles, in index order) and shape (irp_flat_anchor_hash, which the Python
 * module's Translator.fit computes too). */
static uint64_t translator_anchor_hash(const irp_mat *ax)
{
    uint64_t h = 0;
    irp_flat_anchor_hash(&h, ax->data, ax->rows, ax->cols);
    return h;
}

/* A stored translator, read and checked (untrusted file). Two forms of one
 * format (irp-translator/1): the dump 'irp translate --translator' writes
 * (translated space and the target's heads beside the translator; files
 * written before the version attribute existed are this form), and a
 * standalone translator (Translator.save: no dump, no heads). */
typedef struct stored_translator {
    double *t, *mean_x, *mean_y;
    int64_t *idx; /* NULL when the anchors' rows are not recorded */
    size_t dx, dy, k;
    double scale_y;
    int rescale;
    int is_dump; /* the file is also a dump (root attribute schema) */
    char *source, *target, *settings, *hash; /* NULL when absent (standalone form) */
} stored_translator;

static void stored_free(stored_translator *s)
{
    free(s->t);
    free(s->mean_x);
    free(s->mean_y);
    free(s->idx);
    free(s->source);
    free(s->target);
    free(s->settings);
    free(s->hash);
}

static int all_finite(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return 0;
    return 1;
}

/* NULL if v is a value of setting k as translate's flags take it, else what
 * was expected. The same grammar as the Python module's Translator.load:
 * counts and seeds are decimal integers (an optional '+'), numbers are finite
 * decimals, booleans true/false in any case, choices exact. */
static const char *setting_value_problem(int k, const char *v)
{
    switch (k) {
    case SK_ANCHORS:
    case SK_OMEGA:
    case SK_ANCHOR_SEED:
    case SK_SEED: {
        const char *d = v + (*v == '+');
        char *end;
        errno = 0;
        unsigned long long u = *d ? strtoull(d, &end, 10) : 0;
        if (!*d || strspn(d, "0123456789") != strlen(d) || errno ||
            ((k == SK_ANCHORS || k == SK_OMEGA) && u < 1))
            return k == SK_ANCHORS || k == SK_OMEGA ? "expected an integer >= 1"
                                                    : "expected an integer from 0 to 2^64-1";
        return NULL;
    }
    case SK_DELTA:
    case SK_RCOND:
    case SK_LAMBDA: {
        char *end;
        double d = strtod(v, &end); /* (an underflow to 0 is a number) */
        if (!*v || strspn(v, "0123456789+-.eE") != strlen(v) || *end || !isfinite(d))
            return "expected a finite number";
        return NULL;
    }
    case SK_CENTER:
    case SK_COMPLETION:
        return strcasecmp(v, "true") && strcasecmp(v, "false") ? "expected true or false" : NULL;
    case SK_PRUNE:
        return strcmp(v, "threshold") && strcmp(v, "fraction") ? "expected threshold or fraction"
                                                               : NULL;
    case SK_RESCALE:
        return strcmp(v, "mean-norm") && strcmp(v, "none") ? "expected mean-norm or none" : NULL;
    }
    return "not a translator setting";
}

/* The settings attribute: "key=value" pairs separated by one space, keys
 * translate's options (config spelling), each at most once, and rescale (if
 * given) agreeing with the rescale attribute. */
static int check_settings(const char *path, const char *set, int rescale)
{
    char shown[80], key[64];
    unsigned seen = 0;
    for (const char *p = set; *set && p;) {
        const char *sp = strchr(p, ' ');
        size_t len = sp ? (size_t)(sp - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        char tok[256];
        snprintf(tok, sizeof tok, "%.*s", (int)(len < 255 ? len : 255), p);
        int k = -1;
        if (eq && (size_t)(eq - p) < sizeof key) {
            snprintf(key, sizeof key, "%.*s", (int)(eq - p), p);
            for (int i = 0; i < SK_COUNT && k < 0; i++)
                if (sweep_key_is_flag(i) && !strcmp(key, sweep_key_name(i)))
                    k = i;
        }
        const char *teq = strchr(tok, '='); /* in the shown part, or the pair is too long */
        const char *val = teq ? teq + 1 : "";
        const char *why = !len || len > 250 || !eq ? "expected key=value"
                          : k < 0                  ? "not a translator setting"
                          : seen & (1u << k)       ? "given twice"
                                                   : setting_value_problem(k, val);
        if (!why && k == SK_RESCALE && !strcmp(val, "mean-norm") != !!rescale)
            why = "disagrees with the attribute rescale";
        if (why)
            return irp_fail(IRP_EDATA, "%s: /translator attribute 'settings': '%s': %s (expected "
                                       "translate's options as key=value, one space apart)",
                            path, printable(shown, sizeof shown, tok), why);
        seen |= 1u << k;
        p = sp ? sp + 1 : NULL;
    }
    return IRP_OK;
}

static int read_translator(stored_translator *s, const char *path)
{
    memset(s, 0, sizeof *s);
    h5_quiet();
    struct stat st;
    if (stat(path, &st))
        return irp_fail(IRP_EDATA, "%s: cannot open (%s)", path, strerror(errno));
    if (!S_ISREG(st.st_mode)) /* a FIFO or device would hang or mislead HDF5 */
        return irp_fail(IRP_EDATA, "%s: not a regular file; expected a translator (%s)", path,
                        TRANSLATOR_SCHEMA);
    hid_t f = H5Fis_hdf5(path) > 0 ? H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT) : -1;
    if (f < 0)
        return irp_fail(IRP_EDATA, "%s: cannot open as HDF5 (expected a translator: a file "
                                   "written by 'irp translate --translator' or Translator.save)",
                        path);
    hsize_t dt[2], dmx[2], dmy[2], dk[2];
    void *t = NULL, *mx = NULL, *my = NULL, *ix = NULL;
    char *version = NULL, *schema = NULL;
    int rc = h5_refuse_foreign_links(f, path);
    if (!rc)
        rc = h5_attr_string(&version, path, f, "/", "translator_schema", 0);
    if (!rc)
        rc = h5_attr_string(&schema, path, f, "/", "schema", 0);
    s->is_dump = schema != NULL;
    if (!rc && version && strcmp(version, TRANSLATOR_SCHEMA)) {
        char shown[80];
        rc = irp_fail(IRP_EDATA, "%s: / attribute 'translator_schema' is \"%s\"; expected \"%s\" "
                                 "(written by another version of irp?)",
                      path, printable(shown, sizeof shown, version), TRANSLATOR_SCHEMA);
    }
    if (!rc && !h5_exists(f, "translator"))
        rc = irp_fail(IRP_EDATA, "%s: /translator: missing (expected a translator: a file "
                                 "written by 'irp translate --translator' or Translator.save)",
                      path);
    if (!rc && !version && !schema)
        rc = irp_fail(IRP_EDATA, "%s: / attribute 'translator_schema': missing (expected \"%s\"; "
                                 "a translator saved by an older irp Python module: load it with "
                                 "irp.Translator.load and save it again)",
                      path, TRANSLATOR_SCHEMA);
    free(version);
    free(schema);
    if (!rc)
        rc = h5_read_array(&t, dt, path, f, "/translator", K_FLOAT64, 2, H5T_NATIVE_DOUBLE,
                           sizeof(double));
    if (!rc)
        rc = h5_read_array(&mx, dmx, path, f, "/translator_mean_x", K_FLOAT64, 1,
                           H5T_NATIVE_DOUBLE, sizeof(double));
    if (!rc)
        rc = h5_read_array(&my, dmy, path, f, "/translator_mean_y", K_FLOAT64, 1,
                           H5T_NATIVE_DOUBLE, sizeof(double));
    if (!rc && (s->is_dump || h5_exists(f, "anchor_indices")))
        rc = h5_read_array(&ix, dk, path, f, "/anchor_indices", K_INT, 1, H5T_NATIVE_INT64,
                           sizeof(int64_t));
    s->t = t, s->mean_x = mx, s->mean_y = my, s->idx = ix;
    if (!rc) {
        s->dx = dt[0], s->dy = dt[1], s->k = ix ? dk[0] : 0;
        if (!s->dx || !s->dy || dmx[0] != dt[0] || dmy[0] != dt[1])
            rc = irp_fail(IRP_EDATA, "%s: /translator is %llux%llu but the means have %llu and "
                                     "%llu values (expected dx and dy)",
                          path, (unsigned long long)dt[0], (unsigned long long)dt[1],
                          (unsigned long long)dmx[0], (unsigned long long)dmy[0]);
        else if (!all_finite(s->t, s->dx * s->dy) || !all_finite(s->mean_x, s->dx) ||
                 !all_finite(s->mean_y, s->dy))
            rc = irp_fail(IRP_EDATA, "%s: /translator or its means hold a NaN or infinity", path);
        else if (ix && !s->k)
            rc = irp_fail(IRP_EDATA, "%s: /anchor_indices: empty (expected the anchors' rows)",
                          path);
        for (size_t i = 0; !rc && i < s->k; i++)
            if (s->idx[i] < 0)
                rc = irp_fail(IRP_EDATA, "%s: /anchor_indices: %lld at position %zu (expected "
                                         "rows of the training split, >= 0)",
                              path, (long long)s->idx[i], i);
    }
    hid_t td = rc ? -1 : H5Dopen2(f, "translator", H5P_DEFAULT);
    if (!rc && td < 0)
        rc = irp_fail(IRP_EDATA, "%s: /translator: cannot open", path);
    double v = 0;
    int found = 0;
    if (!rc)
        rc = h5_attr_number(&v, &found, path, td, "/translator", "scale_y");
    if (!rc && (!found || !isfinite(v) || v <= 0))
        rc = irp_fail(IRP_EDATA, "%s: /translator attribute 'scale_y': expected a finite "
                                 "number > 0",
                      path);
    s->scale_y = v;
    if (!rc)
        rc = h5_attr_number(&v, &found, path, td, "/translator", "rescale");
    if (!rc && (!found || (v != 0 && v != 1)))
        rc = irp_fail(IRP_EDATA, "%s: /translator attribute 'rescale': expected 0 or 1", path);
    s->rescale = v == 1;
    /* the dump form has always carried these; a standalone translator may lack them */
    const char *names[] = {"source_space", "target_space", "settings", "anchor_hash"};
    char **dst[] = {&s->source, &s->target, &s->settings, &s->hash};
    for (int i = 0; i < 4 && !rc; i++) {
        rc = h5_attr_string(dst[i], path, td, "/translator", names[i], 0);
        if (!rc && !*dst[i] && s->is_dump)
            rc = irp_fail(IRP_EDATA, "%s: /translator attribute '%s': missing (a translator "
                                     "written before 'irp translate --apply' existed: write "
                                     "it again with --translator)",
                          path, names[i]);
    }
    for (int i = 0; i < 2 && !rc; i++) {
        const char *why = *dst[i] ? space_name_problem(*dst[i]) : NULL;
        if (why)
            rc = irp_fail(IRP_EDATA, "%s: /translator attribute '%s': %s (expected a printable "
                                     "name of at most 200 characters without '/')",
                          path, names[i], why);
    }
    char *split = NULL;
    if (!rc)
        rc = h5_attr_string(&split, path, td, "/translator", "anchor_split", 0);
    if (!rc && split && strcmp(split, "train"))
        rc = irp_fail(IRP_EDATA, "%s: /translator attribute 'anchor_split': expected 'train' "
                                 "(the anchors are rows of the training split)",
                      path);
    free(split);
    if (!rc && s->hash && (strlen(s->hash) != 16 || strspn(s->hash, "0123456789abcdef") != 16))
        rc = irp_fail(IRP_EDATA, "%s: /translator attribute 'anchor_hash': expected 16 hex "
                                 "digits, got '%.40s'",
                      path, s->hash);
    if (!rc && s->hash && !s->idx)
        rc = irp_fail(IRP_EDATA, "%s: /translator attribute 'anchor_hash' without "
                                 "/anchor_indices (expected the anchors' rows beside their hash)",
                      path);
    if (!rc && s->settings)
        rc = check_settings(path, s->settings, s->rescale);
    if (td >= 0)
        H5Dclose(td);
    H5Fclose(f);
    if (rc)
        stored_free(s);
    return rc;
}

/* The translator reader alone, unguarded (the fuzz target's entry point;
 * commands.h): IRP_OK for a sound translator file, else its one-line error. */
int translate_read_file(const char *path)
{
    stored_translator s;
    int rc = read_translator(&s, path);
    if (!rc)
        stored_free(&s);
    return rc;
}

/* read_translator in the guarded child (dump_guarded): libhdf5 can crash on a
 * corrupted file */
static int read_translator_in_child(void *path)
{
    stored_translator s;
    int rc = read_translator(&s, path);
    if (!rc)
        stored_free(&s);
    return rc;
}

/* What applying must give, checked on every row: finite values, and with
 * rescaling each row at the target scale from the target mean (a translator
 * whose values overflow the row norms would collapse rows onto the mean). */
static int applied_rows_check(const irp_mat *y, const irp_mat *x, const stored_translator *st,
                              const char *trf, const char *split)
{
    for (size_t i = 0; i < y->rows; i++) {
        double ny = 0, nx = 0;
        for (size_t j = 0; j < y->cols; j++) {
            double v = IRP_AT(y, i, j);
            if (!isfinite(v))
                return irp_fail(IRP_EDATA, "%s: applying it gives a non-finite value (%s row %zu); "
                                           "its values or means are out of range",
                                trf, split, i);
            ny += (v - st->mean_y[j]) * (v - st->mean_y[j]);
        }
        for (size_t j = 0; j < x->cols; j++)
            nx += fabs(IRP_AT(x, i, j) - st->mean_x[j]);
        if (st->rescale && nx > 0 && !(fabs(sqrt(ny) / st->scale_y - 1) < 1e-6))
            return irp_fail(IRP_EDATA, "%s: applying it gives %s row %zu a norm of %g instead of "
                                       "the target scale %g: its values overflow or vanish",
                            trf, split, i, sqrt(ny), st->scale_y);
    }
    return IRP_OK;
}

/* irp translate --apply TR --in NEW --out OUT [--space NAME] */
static int translate_apply(const char *trf, const char *in, const char *out, const char *space)
{
    if (!*trf || !*in || !*out)
        return die("translate: --apply, --in and --out need file names");
    if (check_output(out, in) || check_output(out, trf))
        return die_last();
    dump *d = NULL, *td = NULL;
    stored_translator st;
    /* untrusted: read in a guarded child first, then here; a translator that
     * is also a dump is loaded as one (its translated space and the target's
     * heads checked) */
    if (dump_guarded(trf, read_translator_in_child, (void *)trf) || read_translator(&st, trf))
        return die_last();
    if (st.is_dump && dump_load_checked(&td, trf, NULL, 0, 0)) {
        stored_free(&st);
        return die_last();
    }
    const char *name = space ? space : st.source;
    char shown[80];
    int rc = IRP_OK;
    if (!name)
        rc = irp_fail(IRP_EDATA, "%s: /translator names no source space (attribute "
                                 "'source_space'): give --space NAME, the space of %s to "
                                 "translate",
                      trf, in);
    const char *names[2] = {name, st.target}, *from[2] = {space ? "--space" : trf, trf};
    for (int q = 0; q < 2 && !rc; q++) {
        const char *why = names[q] ? space_name_problem(names[q]) : NULL;
        if (why)
            rc = irp_fail(IRP_EDATA, "%s: space '%s': %s (expected a printable name of at most "
                                     "200 characters without '/')",
                          from[q], printable(shown, sizeof shown, names[q]), why);
    }
    const dump_space *tsp = rc || !td ? NULL : (td->num_spaces == 1 ? &td->spaces[0] : NULL);
    if (!rc && td && !tsp)
        rc = irp_fail(IRP_EDATA, "%s: expected one space (the translated one), found %zu", trf,
                      td->num_spaces);
    if (!rc && tsp && tsp->dim != st.dy)
        rc = irp_fail(IRP_EDATA, "%s: /translator maps into dimension %zu but its space %s has "
                                 "dimension %zu (and heads for it)",
                      trf, st.dy, tsp->name, tsp->dim);
    if (!rc)
        rc = dump_load_checked(&d, in, &name, 1, 0);
    /* heads copied into a labelled dump must be for its classes; an unlabelled
     * dump takes the heads' classes */
    int heads = tsp && tsp->num_heads;
    if (!rc && heads && d->train_labels && d->num_classes != td->num_classes)
        rc = irp_fail(IRP_EDATA, "%s has %zu classes but the heads in %s have %zu: not the same "
                                 "task",
                      in, d->num_classes, trf, td->num_classes);
    const dump_space *src = rc ? NULL : dump_find_space(d, name);
    irp_mat *ax = NULL, *y[2] = {NULL, NULL};
    if (!rc && src->dim != st.dx)
        rc = irp_fail(IRP_EDATA, "%s: /spaces/%s has dimension %zu but %s translates from "
                                 "dimension %zu",
                      in, name, src->dim, trf, st.dx);
    /* the anchors are checked when NEW's training split holds their rows and
     * the translator records their hash; otherwise it is applied, with a note */
    size_t last = 0;
    for (size_t i = 0; i < st.k; i++)
        last = (uint64_t)st.idx[i] > last ? (size_t)st.idx[i] : last;
    int check = !rc && st.k && st.hash && last < d->num_train;
    size_t *idx = check ? malloc(st.k * sizeof *idx) : NULL;
    if (check && !idx)
        rc = irp_fail(IRP_ENOMEM, "out of memory");
    for (size_t i = 0; idx && i < st.k; i++)
        idx[i] = (size_t)st.idx[i];
    if (!rc && idx && !(ax = dump_rows(&src->train, idx, st.k)))
        rc = IRP_EDATA;
    char got[17] = "";
    if (!rc && idx) {
        snprintf(got, sizeof got, "%016llx", (unsigned long long)translator_anchor_hash(ax));
        if (strcmp(got, st.hash))
            rc = irp_fail(IRP_EDATA, "%s: /spaces/%s/train: the rows at %s's %zu anchor indices "
                                     "hash to %s, not %s: not the anchors it was fitted on "
                                     "(another encoder, another row order, or other anchors; "
                                     "rows that are all new belong in the test split)",
                          in, name, trf, st.k, got, st.hash);
    }
    for (int split = 0; split < 2 && !rc; split++) {
        const dump_matrix *m = split ? &src->test : &src->train;
        irp_mat *x = dump_rows(m, NULL, m->rows);
        y[split] = irp_mat_new(m->rows, st.dy);
        rc = !x || !y[split] ? IRP_EDATA
                             : m->rows ? irp_flat_apply(y[split]->data, x->data, m->rows, st.dx,
                                                        st.dy, st.t, st.mean_x, st.mean_y,
                                                        st.scale_y, st.rescale)
                                       : IRP_OK;
        if (!rc)
            rc = applied_rows_check(y[split], x, &st, trf, split ? "test" : "train");
        irp_mat_free(x);
    }
    char oname[512], settings[1024];
    if (st.target)
        snprintf(oname, sizeof oname, "%s-to-%s", name ? name : "", st.target);
    else
        snprintf(oname, sizeof oname, "%s-translated", name ? name : "");
    if (!rc && space_name_problem(oname))
        rc = irp_fail(IRP_EDATA, "the output space '%s': %s; give the input space a shorter name "
                                 "(--space)",
                      printable(shown, sizeof shown, oname), space_name_problem(oname));
    if (idx)
        snprintf(settings, sizeof settings, "%s%sapplied from %s (anchor hash %s)",
                 st.settings ? st.settings : "", st.settings && *st.settings ? "; " : "", trf,
                 st.hash);
    else
        snprintf(settings, sizeof settings, "%s%sapplied from %s (anchors not checked)",
                 st.settings ? st.settings : "", st.settings && *st.settings ? "; " : "", trf);
    if (!rc) {
        dump_new_space sp = {oname, oname, tsp ? tsp->modality : "", settings,
                             "irp translate --apply", y[0], y[1], tsp ? tsp->heads : NULL,
                             tsp ? tsp->num_heads : 0};
        dump classes = *d; /* an unlabelled dump takes the classes of the heads it receives */
        if (heads && !d->train_labels)
            classes.num_classes = td->num_classes, classes.class_names = td->class_names;
        rc = dump_write(out, &classes, &sp, NULL);
    }
    int status = rc ? die_last() : 0;
    if (!rc && !idx) {
        char why[160];
        if (!st.k || !st.hash)
            snprintf(why, sizeof why, "%s records no anchor %s", trf, !st.k ? "rows" : "hash");
        else
            snprintf(why, sizeof why, "its training split has %zu rows, the anchors are rows up "
                                      "to %zu", d->num_train, last);
        fprintf(stderr, "irp: note: %s: the anchors could not be checked (%s); applied on trust "
                        "that /spaces/%s is the encoder %s was fitted on\n",
                in, why, name, trf);
    }
    if (!rc)
        fprintf(stderr, "irp: wrote %s (%s, %zu + %zu rows, %s%s)\n", out, oname, d->num_train,
                d->num_test, idx ? "anchors match " : "anchors not checked", got);
    free(idx);
    irp_mat_free(ax);
    irp_mat_free(y[0]);
    irp_mat_free(y[1]);
    dump_free(d);
    dump_free(td);
    stored_free(&st);
    return status;
}

int cmd_translate(int argc, char **argv)
{
    const char *data = NULL, *from = NULL, *to = NULL, *out = NULL;
    const char *apply = NULL, *in = NULL, *space = NULL, *any_key = NULL;
    const char *text[SK_COUNT];
    int want_t = 0;
    unsigned seen = 0; /* sweep keys given */
    for (int k = 0; k < SK_COUNT; k++)
        text[k] = translate_defaults[k] ? translate_defaults[k] : sweep_key_default(k);
    for (int i = 1; i < argc; i++) {
        char flag[64];
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL, *eq = strchr(a, '=');
        int inline_value = eq && !strncmp(a, "--", 2) && (size_t)(eq - a) < sizeof flag;
        if (inline_value) { /* --key=value */
            snprintf(flag, sizeof flag, "%.*s", (int)(eq - a), a);
            a = flag;
            v = eq + 1;
        }
        int k = flag_key(a);
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage, stdout);
            config_print_keys(stdout, 1, NULL, translate_defaults);
            fputs(usage_tail, stdout);
            return 0;
        }
        if (!strcmp(a, "--translator")) {
            if (inline_value)
                return die("translate: --translator takes no value (given '%s')", v);
            want_t = 1;
            continue;
        }
        if (k >= 0 && (seen & (1u << k)))
            return die("translate: option '%s' given twice", a);
        if (k >= 0)
            seen |= 1u << k;
        if ((k == SK_CENTER || k == SK_COMPLETION) && !inline_value &&
            (!v || flag_key(v) >= 0 || v[0] == '-')) {
            text[k] = "true"; /* a bare boolean flag */
            any_key = a;
            continue;
        }
        if (!v)
            return die("translate: option '%s' needs a value (see 'irp translate --help')", a);
        i += !inline_value;
        static const char *const files[] = {"--data", "--from", "--to", "--out",
                                            "--apply", "--in", "--space"};
        const char **slot[] = {&data, &from, &to, &out, &apply, &in, &space};
        size_t fi = 0;
        while (fi < sizeof files / sizeof *files && strcmp(a, files[fi]))
            fi++;
        if (fi < sizeof files / sizeof *files) {
            if (*slot[fi])
                return die("translate: option '%s' given twice", a);
            *slot[fi] = v;
        } else if (k >= 0) {
            const char *why = config_check_value(k, v);
            if (why)
                return die("translate: %s '%s': %s", a, v, why);
            text[k] = v;
            any_key = a;
        } else
            return die("translate: unknown option '%s' (see 'irp translate --help')", a);
    }
    if (apply || in || space) {
        if (!apply || !in || !out)
            return die("translate: --apply, --in and --out go together (see 'irp translate "
                       "--help')");
        if (data || from || to || want_t || any_key)
            return die("translate: --apply takes its settings from the translator file; %s "
                       "does not apply (nor --data, --from, --to, --translator or settings)",
                       any_key ? any_key : data ? "--data" : from ? "--from" : to ? "--to"
                                                                              : "--translator");
        return translate_apply(apply, in, out, space);
    }
    if (!data || !from || !to || !out)
        return die("translate: --data, --from, --to and --out are required (see 'irp translate "
                   "--help')");
    if (!*out || !*data)
        return die("translate: --%s is empty; expected a file name", *out ? "data" : "out");
    if (check_output(out, data)) /* before any work */
        return die_last();
    cell cl;
    config_cell_from_text(&cl, text);
    if (cl.opts.prune_mode == IRP_PRUNE_FRACTION && cl.opts.delta <= 0)
        return die("translate: --delta %s with --prune fraction: expected a fraction in (0, 1]",
                   text[SK_DELTA]);
    irp_options o = cl.opts;
    size_t k = cl.anchors;
    if (irp_options_check(&o))
        return die("translate: %s", irp_last_error());
    const char *names[2] = {from, to};
    dump *d;
    if (dump_load_checked(&d, data, names, strcmp(from, to) ? 2 : 1, 0))
        return die_last();
    const dump_space *src = dump_find_space(d, from), *dst = dump_find_space(d, to);
    int rc = IRP_OK;
    if (k == 0 || k > d->num_train)
        rc = irp_fail(IRP_EINVAL, "translate: --anchors %zu: expected 1 to %zu (training rows)",
                      k, d->num_train);
    size_t *idx = malloc((k ? k : 1) * sizeof *idx);
    irp_mat *ax = NULL, *ay = NULL, *t = NULL, *ytr = NULL, *yte = NULL;
    irp_space *sx = NULL, *sy = NULL;
    irp_subsets *sub = NULL;
    if (!rc && !idx)
        rc = irp_fail(IRP_ENOMEM, "out of memory");
    if (!rc)
        rc = irp_anchor_indices(idx, d->num_train, k, cl.anchor_seed);
    if (!rc) {
        ax = dump_rows(&src->train, idx, k);
        ay = dump_rows(&dst->train, idx, k);
        if ((ax && dump_check_nonzero(d, src, "train", ax, idx)) ||
            (ay && dump_check_nonzero(d, dst, "train", ay, idx)))
            rc = IRP_EDATA;
        sx = ax && !rc ? irp_space_new(ax, o.center) : NULL;
        sy = ay && !rc ? irp_space_new(ay, o.center) : NULL;
        sub = sx && sy ? irp_subsets_for(sx, &o) : NULL;
        t = irp_mat_new(src->dim, dst->dim);
        ytr = irp_mat_new(d->num_train, dst->dim);
        yte = irp_mat_new(d->num_test, dst->dim);
        if (!sub) {
            char msg[512];
            snprintf(msg, sizeof msg, "%s", irp_last_error());
            rc = irp_fail(IRP_EDATA, "%s -> %s: %s", from, to, msg);
        } else if (!t || !ytr || !yte)
            rc = irp_fail(IRP_ENOMEM, "out of memory");
    }
    if (!rc)
        rc = irp_translator_fit(t, sx, sy, sub, &o, NULL);
    for (int split = 0; split < 2 && !rc; split++) {
        const dump_matrix *m = split ? &src->test : &src->train;
        irp_mat *x = dump_rows(m, NULL, m->rows);
        rc = !x ? IRP_EDATA : irp_translate_apply(split ? yte : ytr, t, sx, sy, x, &o);
        irp_mat_free(x);
    }
    char name[256], settings[512];
    size_t len = 0;
    snprintf(name, sizeof name, "%s-to-%s", from, to);
    if (!rc && space_name_problem(name)) {
        char shown[80];
        rc = irp_fail(IRP_EDATA, "translate: the output space '%s': %s; rename the spaces",
                      printable(shown, sizeof shown, name), space_name_problem(name));
    }
    for (int key = 0; key < SK_COUNT; key++) /* the settings as the config keys spell them */
        if (sweep_key_is_flag(key))
            len += (size_t)snprintf(settings + len, len < sizeof settings ? sizeof settings - len : 0,
                                    "%s%s=%s", len ? " " : "", sweep_key_name(key), text[key]);
    dump_new_space sp = {name, name, dst->modality, settings, "irp translate", ytr, yte,
                         dst->heads, dst->num_heads};
    if (!rc)
        rc = dump_write(out, d, &sp,
                        want_t ? &(dump_translator){t, sx->mean, sy->mean, sy->scale,
                                                    o.rescale == IRP_RESCALE_MEAN_NORM, idx, k,
                                                    from, to, settings, d->content_hash,
                                                    translator_anchor_hash(ax)}
                               : NULL);
    int status = rc ? die_last() : 0;
    if (!rc)
        fprintf(stderr, "irp: wrote %s (%s, %s)\n", out, name, settings);
    free(idx);
    irp_mat_free(ax);
    irp_mat_free(ay);
    irp_mat_free(t);
    irp_mat_free(ytr);
    irp_mat_free(yte);
    irp_space_free(sx);
    irp_space_free(sy);
    irp_subsets_free(sub);
    dump_free(d);
    return status;
}
