/* claims.c — the paper's key findings, each with the rule that decides it
 * from the numbers. A config opts into a claim with '[report] claims = NAME';
 * a claim reads the tables of the configs that opted into it, never a config
 * chosen by its file name. Order: the paper's (1, 2, 2b, 3, 4, 5, 6), then 7, which the paper does not report. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinds/claims.h"
#include "driver/experiment.h"
#include "plumbing/util.h"
#include "plumbing/vocab.h"

typedef void (*claim_fn)(const report *r, const report_entry *const *e, size_t n);

/* "stitching:trec" → "trec" when the table is `table`; else NULL. */
static const char *paper_key(const char *ref, const char *table)
{
    size_t n = strlen(table);
    return !strncmp(ref, table, n) && ref[n] == ':' ? ref + n + 1 : NULL;
}

/* Whether t has a row of `metric`. */
static int has_metric(const csv_table *t, const char *metric)
{
    int cm = csv_table_col(t, "metric");
    for (size_t i = 0; cm >= 0 && i < t->num_rows; i++)
        if (!strcmp(t->rows[i][cm], metric))
            return 1;
    return 0;
}


/* Cross-lingual (gettext) table in the paper's layout, from an invert config
 * whose spaces are named <family>-<language> (data/text/train_text_encoders.py):
 * per-language families translated into <family>-en; "multi" is the multilingual
 * reference, whose Absolute rows are the paper's XLM-R column. Returns the number
 * of non-English (language, family) rows where IRP's top-1 is ≥ 10× Absolute's
 * and above 0.05; through *rows the number of such rows, through *high those
 * where IRP's mean cosine is ≥ 0.9. */
static const char *const text_langs[] = {"en", "es", "fr", "ja"};

/* Encoder families of a cross-lingual config: the X of every English space
 * "X-en" decoded into (its targets, else the table's decoders), in order;
 * "multi" (the multilingual reference) only when with_multi. */
typedef struct families {
    size_t n;
    char v[CONFIG_MAX_SPACES][64];
} families;

static void add_family(families *f, const char *space, int with_multi)
{
    size_t len = strlen(space);
    if (len < 4 || len - 3 >= sizeof f->v[0] || strcmp(space + len - 3, "-en"))
        return;
    if (!with_multi && len == 8 && !strncmp(space, "multi", 5))
        return;
    for (size_t i = 0; i < f->n; i++)
        if (!strncmp(f->v[i], space, len - 3) && !f->v[i][len - 3])
            return;
    if (f->n < CONFIG_MAX_SPACES)
        snprintf(f->v[f->n++], sizeof f->v[0], "%.*s", (int)(len - 3), space);
}

static void text_families(families *f, const report_entry *l, int with_multi)
{
    f->n = 0;
    for (size_t i = 0; i < l->c->num_targets; i++)
        add_family(f, l->c->targets[i], with_multi);
    int cd = csv_table_col(l->t, "decoder");
    for (size_t i = 0; !l->c->num_targets && cd >= 0 && i < l->t->num_rows; i++)
        add_family(f, l->t->rows[i][cd], with_multi);
}

static size_t language_table(const report *r, const report_entry *l, size_t *rows, size_t *high)
{
    FILE *o = r->out;
    size_t wins = 0;
    *rows = *high = 0;
    families fam;
    text_families(&fam, l, 0);
    const char *table = NULL; /* [report] paper = language: the paper's table */
    for (size_t k = 0; !table && k < l->c->num_papers; k++)
        if (!strchr(l->c->papers[k], ':'))
            table = l->c->papers[k];
    for (size_t i = 0; i < config_num_cells(l->c); i++) {
        cell cl;
        config_cell(&cl, l->c, i);
        fprintf(o, "\n*`%s`, ω = %s, δ = %s, k = %s, center = %s.* Mean cosine to the true "
                   "English embedding (floor in brackets: to a random other sentence), then top-1 "
                   "retrieval of the true sentence among the held-out rows. Absolute: raw "
                   "source-language embedding compared with the English one (same encoder "
                   "family, independent fits); Multilingual: the cross-language LSA encoder "
                   "(`multi-*`) on both sides, no translation; Paper: WikiMatrix, RoBERTa per "
                   "language, XLM-R. "
                   "Affine: a linear map fitted on both sides' anchors at once (not zero-shot), "
                   "the ceiling of what a linear translation reaches between these spaces.\n\n"
                   "| Encoder | Decoder | family | Absolute | Multilingual | IRP (floor) | Affine | "
                   "top-1 Absolute | top-1 Multilingual | top-1 IRP | top-1 Affine | Paper "
                   "Absolute | Paper XLM-R | Paper IRP |\n",
                l->c->name, cl.text[SK_OMEGA], cl.text[SK_DELTA], cl.text[SK_ANCHORS],
                cl.text[SK_CENTER]);
        md_dashes(o, 14);
        for (size_t f = 0; f < fam.n; f++)
            for (size_t g = 0; g < sizeof text_langs / sizeof *text_langs; g++) {
                const char *lg = text_langs[g];
                char enc[80], dec[80], menc[80], key[32];
                snprintf(enc, sizeof enc, "%s-%s", fam.v[f], lg);
                snprintf(dec, sizeof dec, "%s-en", fam.v[f]);
                snprintf(menc, sizeof menc, "multi-%s", lg);
                snprintf(key, sizeof key, "%s->en", lg);
                double irp = md_pair_value(l->t, &cl, enc, dec, M_IRP, MT_MEAN_COSINE);
                if (isnan(irp))
                    continue;
                int same = !strcmp(lg, "en");
                fprintf(o, "| %s | en | %s |", lg, md_esc(fam.v[f]));
                if (same)
                    fprintf(o, " 1 (same space) | 1 (same space) |");
                else {
                    md_num(o, md_pair_value(l->t, &cl, enc, dec, M_ABSOLUTE, MT_MEAN_COSINE));
                    md_num(o, md_pair_value(l->t, &cl, menc, "multi-en", M_ABSOLUTE, MT_MEAN_COSINE));
                }
                fprintf(o, " %.3f (%.3f) |", irp,
                        md_pair_value(l->t, &cl, enc, dec, M_IRP, MT_COSINE_FLOOR));
                md_num(o, md_pair_value(l->t, &cl, enc, dec, M_AFFINE, MT_MEAN_COSINE));
                double ta = same ? 1 : md_pair_value(l->t, &cl, enc, dec, M_ABSOLUTE, MT_TOP1);
                double ti = md_pair_value(l->t, &cl, enc, dec, M_IRP, MT_TOP1);
                md_num(o, ta);
                md_num(o, same ? 1 : md_pair_value(l->t, &cl, menc, "multi-en", M_ABSOLUTE, MT_TOP1));
                md_num(o, ti);
                md_num(o, md_pair_value(l->t, &cl, enc, dec, M_AFFINE, MT_TOP1));
                for (int c = 0; c < 3; c++) {
                    const char *cols[] = {"absolute", "xlmr", "irp"}; /* vocab: the paper's columns */
                    const char *pv = table ? md_paper(r, table, key, cols[c]) : NULL;
                    fprintf(o, " %s |", pv ? pv : "—");
                }
                fputc('\n', o);
                if (!same) {
                    (*rows)++;
                    wins += ti > 0.05 && ti >= 10 * ta;
                    *high += irp >= 0.9;
                }
            }
    }
    return wins;
}

/* Per-language stitching: English heads, inputs from each language through IRP. */
static void text_stitch_table(const report *r, const report_entry *l)
{
    FILE *o = r->out;
    families fam;
    text_families(&fam, l, 1);
    size_t shown = 0;
    for (size_t k = 0; k < l->c->num_papers; k++) { /* [report] paper = stitching:<dataset> */
        const char *ds = paper_key(l->c->papers[k], "stitching");
        const char *z = ds ? md_paper(r, "stitching", ds, "zero_shot_mean") : NULL,
                   *a = ds ? md_paper(r, "stitching", ds, "absolute_mean") : NULL,
                   *n = ds ? md_paper(r, "stitching", ds, "non_stitch_mean") : NULL;
        if (z && a && n)
            fprintf(o, "%s %s zero-shot %s, absolute %s, non-stitch %s",
                    shown++ ? ";" : "\nThe paper's text stitching rows, for scale (other data, "
                                    "pretrained transformers, all encoder pairs in one language):",
                    ds, z, a, n);
    }
    if (shown)
        fprintf(o, ".\n");
    for (size_t i = 0; i < config_num_cells(l->c); i++) {
        cell cl;
        config_cell(&cl, l->c, i);
        fprintf(o, "\n*`%s` (head `%s`, ω = %s, δ = %s, center = %s):* accuracy of the "
                   "English encoder's head on translation-domain labels when the input "
                   "sentence is in another language and reaches it through IRP; Absolute = raw "
                   "source embedding into the English head; Non-stitch = English input.\n\n"
                   "| Source | Head | IRP | Absolute | Non-stitch |\n",
                l->c->name, cl.head, cl.text[SK_OMEGA], cl.text[SK_DELTA], cl.text[SK_CENTER]);
        md_dashes(o, 5);
        for (size_t f = 0; f < fam.n; f++) {
            char dec[80];
            snprintf(dec, sizeof dec, "%s-en", fam.v[f]);
            double ns = md_pair_value(l->t, &cl, dec, dec, M_NON_STITCH, MT_ACCURACY);
            for (size_t g = 1; g < sizeof text_langs / sizeof *text_langs; g++) {
                char enc[80];
                snprintf(enc, sizeof enc, "%s-%s", fam.v[f], text_langs[g]);
                double acc = md_pair_value(l->t, &cl, enc, dec, M_IRP, MT_ACCURACY);
                if (isnan(acc))
                    continue;
                fprintf(o, "| %s | %s |", md_esc(enc), md_esc(dec));
                md_num(o, acc);
                md_num(o, md_pair_value(l->t, &cl, enc, dec, M_ABSOLUTE, MT_ACCURACY));
                md_num(o, ns);
                fputc('\n', o);
            }
        }
    }
}


/* A translation means little unless its mean cosine stands above the cosine
 * to a random other row (the floor): with non-negative features both are high. */
#define FLOOR_MARGIN 0.1

static void claim_invertibility(const report *r, const report_entry *const *e, size_t n)
{
    FILE *o = r->out;
    const report_entry *inv = e[0];
    (void)n;
    cell cl;
    int keys[] = {SK_OMEGA, SK_DELTA, SK_CENTER};
    const char *v0[] = {"1", "0", "false"};
    agg_group intra = {0}, best = {0};
    double best_m = -1, best_floor = 0, top_margin = -2, top_m = 0, top_floor = 0;
    char best_at[128] = "", top_at[128] = "";
    if (md_cell_where(&cl, inv->c, keys, v0, 3))
        md_cell_stat(&intra, inv->t, &cl, M_IRP, MT_MEAN_COSINE, PAIRS_INTRA);
    for (size_t i = 0; i < config_num_cells(inv->c); i++) {
        agg_group g, f;
        config_cell(&cl, inv->c, i);
        md_cell_stat(&g, inv->t, &cl, M_IRP, MT_MEAN_COSINE, PAIRS_INTER);
        md_cell_stat(&f, inv->t, &cl, M_IRP, MT_COSINE_FLOOR, PAIRS_INTER);
        if (!g.n || !f.n)
            continue;
        double m = agg_mean(&g), fl = agg_mean(&f);
        char at[128];
        snprintf(at, sizeof at, "ω = %s, δ = %s, center = %s", cl.text[SK_OMEGA],
                 cl.text[SK_DELTA], cl.text[SK_CENTER]);
        if (m - fl > top_margin) {
            top_margin = m - fl, top_m = m, top_floor = fl;
            snprintf(top_at, sizeof top_at, "%s", at);
        }
        if (m - fl >= FLOOR_MARGIN && m > best_m) {
            best_m = m, best_floor = fl, best = g;
            snprintf(best_at, sizeof best_at, "%s", at);
        }
    }
    int ok = intra.n && agg_mean(&intra) >= 0.99 && best.n && best_m >= 0.6;
    fprintf(o, "Intra-space inversion without pruning (ω = 1, δ = 0) gives mean cosine %.4f; ",
            agg_mean(&intra));
    if (best.n)
        fprintf(o, "the best inter-space cell standing ≥ %.1f above its floor (%s) gives %.3f "
                   "(floor %.3f; pairs from %.3f to %.3f). ",
                FLOOR_MARGIN, best_at, best_m, best_floor, best.min, best.max);
    else
        fprintf(o, "no inter-space cell stands %.1f above its floor (the cosine to a random "
                   "other row); the widest margin (%s) is %.3f against a floor of %.3f. ",
                FLOOR_MARGIN, top_at[0] ? top_at : "none", top_m, top_floor);
    fprintf(o, "Paper: 'medium to high similarity (0.6–0.9)'. Rule: reproduced if intra ≥ "
               "0.99 and the best inter-space cell ≥ %.1f above its floor reaches ≥ 0.6. "
               "**%s.**\n",
            FLOOR_MARGIN, ok ? "Reproduced" : "Not reproduced");
}

static void claim_scale_invariance(const report *r, const report_entry *const *e, size_t n)
{
    FILE *o = r->out;
    const report_entry *si = e[0];
    (void)n;
    const char *g3[] = {"scale_mode", "head", "factor"};
    agg a;
    agg_filter f[] = {{"metric", MT_ACCURACY}};
    if (!agg_build(&a, si->t, f, 1, g3, 3)) {
        double worst_norm = 0, worst_far = 0;
        char wh[256] = "", wf[256] = "";
        for (size_t h = 0; h < si->c->num_values[SK_HEAD]; h++) {
            const char *head = si->c->values[SK_HEAD][h];
            const char *k0[] = {"multiply", head, "1"}, *k1[] = {"set-norm", head, "1"};
            const char *k2[] = {"multiply", head, "10"}, *k3[] = {"multiply", head, "0.1"};
            const agg_group *g0 = agg_find(&a, k0), *g1 = agg_find(&a, k1);
            const agg_group *g2 = agg_find(&a, k2), *g3b = agg_find(&a, k3);
            if (g0 && g1 && agg_mean(g0) - agg_mean(g1) > worst_norm) {
                worst_norm = agg_mean(g0) - agg_mean(g1);
                snprintf(wh, sizeof wh, "%s", head);
            }
            for (const agg_group *gx = g2; gx; gx = gx == g2 ? g3b : NULL)
                if (g0 && gx && agg_mean(g0) - agg_mean(gx) > worst_far) {
                    worst_far = agg_mean(g0) - agg_mean(gx);
                    snprintf(wf, sizeof wf, "%s", head);
                }
        }
        fprintf(o, "Setting every input to the mean training norm (set-norm, factor 1) "
                   "costs at most %.3f accuracy (worst head: %s) against the original "
                   "inputs; scaling by 0.1× or 10× costs up to %.3f (worst head: %s). Paper: "
                   "performance is maintained when rescaled near the mean data scale. Rule: "
                   "reproduced if the set-norm loss is ≤ 0.02 for every head. **%s.**\n",
                worst_norm, wh[0] ? wh : "none", worst_far, wf[0] ? wf : "none",
                worst_norm <= 0.02 ? "Reproduced" : "Not reproduced");
        agg_free(&a);
    }
}

static void claim_gaussian_scales(const report *r, const report_entry *const *e, size_t ne)
{
    FILE *o = r->out;
    const report_entry *sd = e[0];
    (void)ne;
    const char *g2[] = {"encoder", "metric"};
    agg a;
    agg_filter f[] = {{"method", M_NORM}};
    if (!agg_build(&a, sd->t, f, 1, g2, 2)) {
        size_t n = 0, gauss = 0;
        double worst = 0;
        char wn[256] = "";
        for (size_t i = 0; i < a.num_groups; i++)
            if (!strcmp(a.groups[i].key[1], MT_NORM_KS_NORMAL)) {
                double ks = agg_mean(&a.groups[i]);
                n++;
                gauss += ks < 0.05;
                if (ks > worst) {
                    worst = ks;
                    snprintf(wn, sizeof wn, "%s", a.groups[i].key[0]);
                }
            }
        fprintf(o, "%zu of %zu encoders have norms within KS distance 0.05 of a normal; the "
                   "worst is %s (KS %.3f). Rule: reproduced if all are within 0.05, partly "
                   "if most are. **%s.**\n",
                gauss, n, md_esc(wn), worst,
                gauss == n ? "Reproduced" : 2 * gauss > n ? "Partly reproduced"
                                                          : "Not reproduced");
        agg_free(&a);
    }
}

static void claim_ensembling(const report *r, const report_entry *const *e, size_t n)
{
    FILE *o = r->out;
    const report_entry *inv = NULL;
    for (size_t i = 0; !inv && i < n; i++)
        if (e[i]->c->num_values[SK_OMEGA] > 1)
            inv = e[i];
    if (!inv) {
        fprintf(o, "Not tested: the configs that opt into it sweep a single ω.\n");
        return;
    }
    const config *c = inv->c;
    const char *omin = c->values[SK_OMEGA][0],
               *omax = c->values[SK_OMEGA][c->num_values[SK_OMEGA] - 1];
    size_t wins = 0, tot = 0;
    fprintf(o, "Inter-space mean cosine at ω = %s vs ω = %s:", omin, omax);
    for (size_t d = 0; d < c->num_values[SK_DELTA]; d++)
        for (size_t ce = 0; ce < c->num_values[SK_CENTER]; ce++) {
            const char *dv = c->values[SK_DELTA][d], *cv = c->values[SK_CENTER][ce];
            if (atof(dv) < 0.5)
                continue;
            int keys[] = {SK_OMEGA, SK_DELTA, SK_CENTER};
            const char *va[] = {omin, dv, cv}, *vb[] = {omax, dv, cv};
            cell ca, cb;
            agg_group ga = {0}, gb = {0}, fa = {0}, fb = {0};
            if (md_cell_where(&ca, c, keys, va, 3)) {
                md_cell_stat(&ga, inv->t, &ca, M_IRP, MT_MEAN_COSINE, PAIRS_INTER);
                md_cell_stat(&fa, inv->t, &ca, M_IRP, MT_COSINE_FLOOR, PAIRS_INTER);
            }
            if (md_cell_where(&cb, c, keys, vb, 3)) {
                md_cell_stat(&gb, inv->t, &cb, M_IRP, MT_MEAN_COSINE, PAIRS_INTER);
                md_cell_stat(&fb, inv->t, &cb, M_IRP, MT_COSINE_FLOOR, PAIRS_INTER);
            }
            if (ga.n && gb.n && fa.n && fb.n) {
                double a = agg_mean(&ga), b = agg_mean(&gb), fla = agg_mean(&fa),
                       flb = agg_mean(&fb);
                fprintf(o, " δ = %s, center = %s: %.3f → %.3f (floor %.3f → %.3f);", dv, cv,
                        a, b, fla, flb);
                tot++;
                wins += b > a && b - flb > a - fla;
            }
        }
    fprintf(o, " Rule: reproduced if the larger ω is better in every cell with δ ≥ 0.5, and "
               "stands further above its floor (the cosine to a random other row). "
               "**%s** (%zu of %zu).\n",
            tot && wins == tot ? "Reproduced" : wins ? "Partly reproduced" : "Not reproduced",
            wins, tot);
}

/* Zero-shot over non-stitched accuracy per cell (claims 4 and 5). */
static void reuse_ratios(const report *r, const report_entry *st)
{
    FILE *o = r->out;
    for (size_t i = 0; i < config_num_cells(st->c); i++) {
        cell cl;
        agg_group z, ns;
        config_cell(&cl, st->c, i);
        md_cell_stat(&z, st->t, &cl, M_IRP, MT_ACCURACY, PAIRS_INTER);
        md_cell_stat(&ns, st->t, &cl, M_NON_STITCH, MT_ACCURACY, PAIRS_INTRA);
        double ratio = agg_mean(&z) / agg_mean(&ns);
        fprintf(o, "%sω = %s, δ = %s, center = %s: zero-shot %.3f / non-stitch %.3f = %.0f%% "
                   "(%s)",
                i ? "; " : "", cl.text[SK_OMEGA], cl.text[SK_DELTA], cl.text[SK_CENTER],
                agg_mean(&z), agg_mean(&ns), 100 * ratio,
                ratio >= 0.6 ? "reproduced" : "not reproduced");
    }
}

/* Modalities of a table's spaces, from its "space"/"modality:<m>" rows (a
 * dump that mixes modalities; pairs.c). Spaces in order of first appearance. */
typedef struct modalities {
    size_t n, num_kinds;
    char space[CONFIG_MAX_SPACES][256];
    size_t kind[CONFIG_MAX_SPACES];   /* index into name[] */
    char name[CONFIG_MAX_SPACES][40]; /* distinct modalities, first-seen order */
    char problem[200];                /* why the rows cannot be used ("" if they can) */
} modalities;

/* The runner writes one row per space with a plain-word modality of at most
 * 32 bytes (pairs.c); rows that break that (a forged or damaged table) are not
 * used, and the reason is said, never a space silently left out. */
static void read_modalities(modalities *m, const csv_table *t)
{
    memset(m, 0, sizeof *m);
    int ce = csv_table_col(t, "encoder"), cm = csv_table_col(t, "method"),
        cx = csv_table_col(t, "metric");
    for (size_t i = 0; ce >= 0 && cm >= 0 && cx >= 0 && !m->problem[0] && i < t->num_rows; i++) {
        const char *const *r = (const char *const *)t->rows[i];
        if (strcmp(r[cm], M_SPACE) || strncmp(r[cx], MT_MODALITY_PREFIX, sizeof MT_MODALITY_PREFIX - 1))
            continue;
        const char *sp = r[ce], *mod = r[cx] + sizeof MT_MODALITY_PREFIX - 1;
        size_t j = 0;
        while (j < m->n && strcmp(m->space[j], sp))
            j++;
        size_t k = 0;
        while (k < m->num_kinds && strcmp(m->name[k], mod))
            k++;
        if (!plain_modality(mod))
            snprintf(m->problem, sizeof m->problem, "modality '%.40s' is not a plain word of "
                     "1 to 32 letters, digits, '_' or '-'", mod);
        else if (j < m->n && m->kind[j] != k)
            snprintf(m->problem, sizeof m->problem, "space '%.60s' is listed under two "
                     "modalities", sp);
        else if (j < m->n)
            continue; /* the same row of another cell */
        else if (m->n == CONFIG_MAX_SPACES || strlen(sp) >= sizeof m->space[0])
            snprintf(m->problem, sizeof m->problem, "more than %d spaces, or a space name "
                     "longer than %zu bytes", CONFIG_MAX_SPACES, sizeof m->space[0] - 1);
        else {
            if (k == m->num_kinds)
                snprintf(m->name[m->num_kinds++], sizeof m->name[0], "%s", mod);
            snprintf(m->space[m->n], sizeof m->space[0], "%s", sp);
            m->kind[m->n++] = k;
        }
    }
}

/* One cell's rows of each (method, metric) of spec, grouped by pair. */
static int cell_aggs(agg *out, size_t n, const char *const spec[][2], const csv_table *t,
                     const cell *cl)
{
    int bad = 0;
    for (size_t k = 0; k < n; k++)
        bad |= md_cell_pairs(&out[k], t, cl, spec[k][0], spec[k][1]);
    return bad;
}

/* One direction (modality a's encoders into modality b's heads) in one cell:
 * means over its ordered pairs (encoder != decoder). */
typedef struct direction {
    size_t pairs, beat, with_abs;
    double z, ns, abs, pro, aff;
} direction;

static void stitch_direction(direction *d, const modalities *m, size_t a, size_t b,
                             const agg *z, const agg *ns, const agg *ab, const agg *pr,
                             const agg *af)
{
    memset(d, 0, sizeof *d);
    size_t npro = 0, naff = 0;
    for (size_t i = 0; i < m->n; i++)
        for (size_t j = 0; j < m->n; j++) {
            if (i == j || m->kind[i] != a || m->kind[j] != b)
                continue;
            double vz = md_pair_at(z, m->space[i], m->space[j]),
                   vn = md_pair_at(ns, m->space[j], m->space[j]);
            if (isnan(vz) || isnan(vn))
                continue;
            double va = md_pair_at(ab, m->space[i], m->space[j]),
                   vp = md_pair_at(pr, m->space[i], m->space[j]),
                   vf = md_pair_at(af, m->space[i], m->space[j]);
            d->pairs++;
            d->z += vz;
            d->ns += vn;
            if (!isnan(va)) {
                d->with_abs++;
                d->abs += va;
                d->beat += vz > va;
            }
            if (!isnan(vp)) {
                npro++;
                d->pro += vp;
            }
            if (!isnan(vf)) {
                naff++;
                d->aff += vf;
            }
        }
    if (d->pairs) {
        d->z /= (double)d->pairs;
        d->ns /= (double)d->pairs;
    }
    d->abs = d->with_abs ? d->abs / (double)d->with_abs : NAN;
    d->pro = npro ? d->pro / (double)npro : NAN;
    d->aff = naff ? d->aff / (double)naff : NAN;
}

/* A direction table's introduction and header: the swept keys (into keys[],
 * *nk), Direction, pairs, then `cols` (ncols '|'-separated names). */
static void direction_head(FILE *o, const report_entry *l, int *keys, size_t *nk,
                           const char *intro, const char *cols, size_t ncols)
{
    fprintf(o, "\n`%s` (`%s`): %s\n\n|", l->c->name, l->c->path, intro);
    md_swept_header(o, l->c, keys, nk);
    fprintf(o, " Direction | pairs | %s |\n", cols);
    md_dashes(o, *nk + 2 + ncols);
}

/* IRP above the raw source rows in every pair where those exist, and they
 * exist somewhere (no Absolute at all decides nothing) */
static int beats_absolute(const direction *d) { return d->with_abs && d->beat == d->with_abs; }

/* finding 5's bar: zero-shot at >= 60% of a non-stitched accuracy above 0 */
static int direction_works(const direction *d)
{
    return d->pairs && d->ns > 0 && d->z >= 0.6 * d->ns && beats_absolute(d);
}

/* The stitch table of one opted-in config by direction; returns through
 * *verdict 2 (every cross-modal direction works in some cell), 1 (partly), 0,
 * and counts the cells where text sources have the higher ratio. */
static void cross_domain_stitch(const report *r, const report_entry *l, const modalities *m,
                                int *verdict, size_t *lang_wins, size_t *lang_cells)
{
    FILE *o = r->out;
    const config *c = l->c;
    int keys[SK_COUNT];
    size_t nk;
    direction_head(o, l, keys, &nk,
                   "head accuracy on the decoder's labels, mean over the ordered pairs of each "
                   "direction. Non-stitch: the decoder's own encoder; ratio: zero-shot / "
                   "non-stitch; IRP > Absolute: pairs where IRP beats the raw source rows fed to "
                   "the head (of those where the dimensions match); Procrustes and affine are "
                   "fitted on both sides' anchors at once (not zero-shot).",
                   "Zero-shot | Absolute | Non-stitch | Ratio | IRP > Absolute | Procrustes | "
                   "Affine", 7);
    ssize_t text = -1;
    for (size_t k = 0; k < m->num_kinds; k++)
        if (!strcmp(m->name[k], "text"))
            text = (ssize_t)k;
    for (size_t i = 0; i < config_num_cells(c); i++) {
        cell cl;
        config_cell(&cl, c, i);
        static const char *const spec[][2] = {{M_IRP, MT_ACCURACY},
                                              {M_NON_STITCH, MT_ACCURACY},
                                              {M_ABSOLUTE, MT_ACCURACY},
                                              {M_PROCRUSTES, MT_ACCURACY},
                                              {M_AFFINE, MT_ACCURACY}};
        agg g[5];
        int bad = cell_aggs(g, 5, spec, l->t, &cl);
        const agg *z = &g[0], *ns = &g[1], *ab = &g[2], *pr = &g[3], *af = &g[4];
        size_t works = 0, cross = 0, beat_all = 1;
        double text_src = 0, text_dst = 0;
        size_t n_src = 0, n_dst = 0;
        for (size_t a = 0; !bad && a < m->num_kinds; a++)
            for (size_t b = 0; b < m->num_kinds; b++) {
                direction d;
                stitch_direction(&d, m, a, b, z, ns, ab, pr, af);
                if (!d.pairs)
                    continue;
                fputc('|', o);
                md_swept_cells(o, &cl, keys, nk);
                fprintf(o, " %s → %s%s | %zu |", md_esc(m->name[a]), md_esc(m->name[b]),
                        a == b ? " (same modality)" : "", d.pairs);
                md_num(o, d.z);
                md_num(o, d.abs);
                md_num(o, d.ns);
                if (d.ns > 0)
                    fprintf(o, " %.0f%% |", 100 * d.z / d.ns);
                else
                    fprintf(o, " — |");
                fprintf(o, " %zu of %zu |", d.beat, d.with_abs);
                md_num(o, d.pro);
                md_num(o, d.aff);
                fputc('\n', o);
                if (a == b)
                    continue;
                cross++;
                works += direction_works(&d);
                beat_all &= beats_absolute(&d);
                if ((ssize_t)a == text && d.ns > 0) {
                    text_src += d.z / d.ns;
                    n_src++;
                } else if ((ssize_t)b == text && d.ns > 0) {
                    text_dst += d.z / d.ns;
                    n_dst++;
                }
            }
        if (!bad && cross) {
            int v = works == cross ? 2 : works || beat_all ? 1 : 0;
            if (v > *verdict)
                *verdict = v;
            if (n_src && n_dst) {
                (*lang_cells)++;
                *lang_wins += text_src / (double)n_src > text_dst / (double)n_dst;
            }
        }
        for (int k = 0; k < 5; k++)
            agg_free(&g[k]);
    }
}

/* Inversion between modalities: mean cosine to the decoder's own embedding of
 * the same input (floor: to another input) and top-1 retrieval, by direction. */
static void cross_domain_invert(const report *r, const report_entry *l, const modalities *m)
{
    FILE *o = r->out;
    const config *c = l->c;
    int keys[SK_COUNT];
    size_t nk;
    direction_head(o, l, keys, &nk,
                   "translation into the decoder's space, mean over the ordered pairs of each "
                   "direction: cosine to the decoder's own embedding of the same input (floor in "
                   "brackets: to a random other input), and top-1 retrieval of the same input "
                   "among the held-out rows (affine: fitted on both sides, not zero-shot).",
                   "IRP cosine (floor) | Affine cosine | top-1 IRP | top-1 Affine", 4);
    for (size_t i = 0; i < config_num_cells(c); i++) {
        cell cl;
        config_cell(&cl, c, i);
        static const char *const spec[][2] = {{M_IRP, MT_MEAN_COSINE},
                                              {M_IRP, MT_COSINE_FLOOR},
                                              {M_AFFINE, MT_MEAN_COSINE},
                                              {M_IRP, MT_TOP1},
                                              {M_AFFINE, MT_TOP1}};
        agg g[5];
        int bad = cell_aggs(g, 5, spec, l->t, &cl);
        for (size_t a = 0; !bad && a < m->num_kinds; a++)
            for (size_t b = 0; b < m->num_kinds; b++) {
                double s[5] = {0};
                size_t n[5] = {0}, pairs = 0;
                for (size_t p = 0; p < m->n; p++)
                    for (size_t q = 0; q < m->n; q++) {
                        if (p == q || m->kind[p] != a || m->kind[q] != b)
                            continue;
                        pairs += !isnan(md_pair_at(&g[0], m->space[p], m->space[q]));
                        for (int k = 0; k < 5; k++) {
                            double v = md_pair_at(&g[k], m->space[p], m->space[q]);
                            if (!isnan(v)) {
                                s[k] += v;
                                n[k]++;
                            }
                        }
                    }
                if (!pairs)
                    continue;
                fputc('|', o);
                md_swept_cells(o, &cl, keys, nk);
                fprintf(o, " %s → %s%s | %zu | %.3f (%.3f) |", md_esc(m->name[a]),
                        md_esc(m->name[b]), a == b ? " (same modality)" : "", pairs,
                        s[0] / (double)n[0], n[1] ? s[1] / (double)n[1] : NAN);
                for (int k = 2; k < 5; k++)
                    md_num(o, n[k] ? s[k] / (double)n[k] : NAN);
                fputc('\n', o);
            }
        for (int k = 0; k < 5; k++)
            agg_free(&g[k]);
    }
}

static void claim_cross_domain(const report *r, const report_entry *const *e, size_t n)
{
    FILE *o = r->out;
    int verdict = -1;
    size_t lang_wins = 0, lang_cells = 0, shown = 0;
    for (size_t i = 0; i < n; i++) {
        static modalities m; /* 16 KB: not on the stack */
        read_modalities(&m, e[i]->t);
        if (m.problem[0]) {
            fprintf(o, "%s`%s`: not tested, its table's modality rows are not the runner's: "
                       "%s.\n",
                    shown++ ? "\n" : "", e[i]->c->name, md_esc(m.problem));
            continue;
        }
        if (m.num_kinds < 2) {
            fprintf(o, "%s`%s`: not tested, its table has no spaces of two modalities (the "
                       "dump's spaces need `modality` attributes that are plain words and "
                       "differ).\n",
                    shown++ ? "\n" : "", e[i]->c->name);
            continue;
        }
        if (!shown++) {
            fprintf(o, "Modalities of `%s`:", e[i]->c->name);
            for (size_t k = 0; k < m.num_kinds; k++) {
                fprintf(o, "%s %s (", k ? ";" : "", md_esc(m.name[k]));
                for (size_t s = 0, c = 0; s < m.n; s++)
                    if (m.kind[s] == k)
                        fprintf(o, "%s%s", c++ ? ", " : "", md_esc(m.space[s]));
                fputc(')', o);
            }
            fprintf(o, ".\n");
        }
        if (has_metric(e[i]->t, MT_ACCURACY)) {
            if (verdict < 0)
                verdict = 0;
            cross_domain_stitch(r, e[i], &m, &verdict, &lang_wins, &lang_cells);
        } else
            cross_domain_invert(r, e[i], &m);
    }
    if (verdict < 0) {
        fprintf(o, "\nNot tested: no opted-in stitch table has spaces of two modalities.\n");
        return;
    }
    fprintf(o, "\nRule: a direction (one modality's encoders into another's heads) works in a "
               "cell when its zero-shot accuracy reaches ≥ 60%% of the same heads' non-stitched "
               "accuracy (finding 5's bar) and IRP beats Absolute in every pair where Absolute "
               "is available (it must be in some). Reproduced if every cross-modal direction "
               "works in one cell; partly if one direction does, or IRP beats Absolute in "
               "every cross-modal pair of a cell; every cell is shown and the verdict is the "
               "best. **%s.**",
            verdict == 2 ? "Reproduced" : verdict == 1 ? "Partly reproduced" : "Not reproduced");
    if (lang_cells)
        fprintf(o, " The paper's observation that language models are the stronger source "
                   "encoders (ratio of text → other above other → text): holds in %zu of %zu "
                   "cells, **%s**.\n",
                lang_wins, lang_cells,
                lang_wins == lang_cells ? "holds" : 2 * lang_wins > lang_cells ? "mostly holds"
                                                                              : "does not hold");
    else
        fprintf(o, " The observation that language models are the stronger source encoders "
                   "is not tested (no modality named `text`).\n");
}

static void claim_reuse(const report *r, const report_entry *const *e, size_t n)
{
    (void)n;
    reuse_ratios(r, e[0]);
    fprintf(r->out, ". Rule: reproduced where the ratio is ≥ 60%%.\n");
}

/* Cross-lingual tables from invert configs whose spaces are named
 * <family>-<language> (see language_table), and per-language stitching from
 * stitch configs, all opted in with claims = cross-lingual. */
static void claim_cross_lingual(const report *r, const report_entry *const *e, size_t n)
{
    FILE *o = r->out;
    char corpus[1024], line[512];
    snprintf(corpus, sizeof corpus, "%s/gettext-corpus.txt", r->results_dir);
    FILE *cf = fopen(corpus, "r"); /* the corpus builder's summary, if make data wrote it */
    if (cf && fgets(line, sizeof line, cf))
        fprintf(o, "Corpus (`%s`): %s", corpus, line);
    if (cf)
        fclose(cf);
    size_t rows = 0, high = 0, wins = 0, tables = 0;
    size_t each[CONFIG_MAX_CLAIMS * 4][3];
    const char *names[CONFIG_MAX_CLAIMS * 4];
    for (size_t i = 0; i < n && tables < sizeof names / sizeof *names; i++) {
        if (!has_metric(e[i]->t, MT_TOP1))
            continue;
        if (tables)
            fprintf(o, "\nThe same table for `%s` (`%s`):\n", e[i]->c->name, e[i]->c->path);
        size_t *v = each[tables];
        v[0] = language_table(r, e[i], &v[1], &v[2]);
        names[tables++] = e[i]->c->name;
        wins += v[0];
        rows += v[1];
        high += v[2];
    }
    if (tables) {
        fprintf(o, "\nRule: *far above raw embeddings* holds in a row where IRP's top-1 is > "
                   "0.05 and ≥ 10× Absolute's; the paper's level where IRP's mean cosine is ≥ "
                   "0.9. Reproduced if both hold in every non-English row, partly if the first "
                   "does.");
        for (size_t t = 0; t < tables; t++)
            fprintf(o, "%s far above: %zu of %zu rows, cosine ≥ 0.9: %zu of %zu (`%s`)",
                    t ? ";" : "", each[t][0], each[t][1], each[t][2], each[t][1], names[t]);
        fprintf(o, ". **%s.**\n",
                rows && wins == rows && high == rows ? "Reproduced"
                : rows && wins == rows ? "Partly reproduced (retrieval, not the cosine level)"
                : wins                 ? "Partly reproduced"
                                       : "Not reproduced");
    } else
        fprintf(o, "Not tested: no config opting into it has top-1 retrieval (retrieval = "
                   "true).\n");
    for (size_t i = 0; i < n; i++)
        if (has_metric(e[i]->t, MT_ACCURACY))
            text_stitch_table(r, e[i]);
}


/* Beyond the paper: each opted-in stitch config is one encoder family; its sign
 * regime is measured (negative_fraction rows), and centring's gain is the
 * zero-shot accuracy with center = true minus center = false in cells that
 * differ only in center. */
static void claim_nonneg(const report *r, const report_entry *const *e, size_t n)
{
    FILE *o = r->out;
    double min_nonneg_gain = INFINITY, max_mixed_gain = -INFINITY;
    size_t nonneg = 0, mixed = 0, shown = 0;
    for (size_t i = 0; i < n; i++) {
        const config *c = e[i]->c;
        for (size_t k = 0; k < config_num_cells(c); k++) {
            cell a, b;
            config_cell(&a, c, k);
            if (strcmp(a.text[SK_CENTER], "false"))
                continue;
            int keys[SK_COUNT];
            const char *vals[SK_COUNT];
            size_t nk = 0;
            for (int s = 0; s < SK_COUNT; s++)
                if (s != SK_CENTER) {
                    keys[nk] = s;
                    vals[nk++] = a.text[s];
                }
            keys[nk] = SK_CENTER;
            vals[nk++] = "true";
            if (!md_cell_where(&b, c, keys, vals, nk))
                continue;
            agg_group neg, share, za, zb, ka, kb;
            md_cell_stat(&neg, e[i]->t, &a, M_NON_STITCH, MT_NEGATIVE_FRACTION, PAIRS_INTRA);
            md_cell_stat(&share, e[i]->t, &a, M_NON_STITCH, MT_MEAN_SHARE, PAIRS_INTRA);
            md_cell_stat(&za, e[i]->t, &a, M_IRP, MT_ACCURACY, PAIRS_INTER);
            md_cell_stat(&zb, e[i]->t, &b, M_IRP, MT_ACCURACY, PAIRS_INTER);
            md_cell_stat(&ka, e[i]->t, &a, M_IRP, MT_SUBSET_SIZE, PAIRS_INTER);
            md_cell_stat(&kb, e[i]->t, &b, M_IRP, MT_SUBSET_SIZE, PAIRS_INTER);
            if (!neg.n || !za.n || !zb.n)
                continue;
            const char *family = neg.max < 0.01 ? "non-negative"
                                 : neg.min >= 0.1 ? "mixed-sign"
                                                  : "partly signed";
            double gain = agg_mean(&zb) - agg_mean(&za);
            fprintf(o, "%s`%s` (ω = %s, δ = %s, k = %s, head %s): negative entries %.0f–%.0f%% "
                       "per space (%s), energy in the mean direction %.0f–%.0f%%; zero-shot "
                       "%.3f uncentred, %.3f centred (gain %+.3f); anchors kept per subset %.1f "
                       "uncentred, %.1f centred",
                    shown++ ? "; " : "", c->name, a.text[SK_OMEGA], a.text[SK_DELTA],
                    a.text[SK_ANCHORS], a.head, 100 * neg.min, 100 * neg.max, family,
                    share.n ? 100 * share.min : NAN, share.n ? 100 * share.max : NAN,
                    agg_mean(&za), agg_mean(&zb), gain, ka.n ? agg_mean(&ka) : NAN,
                    kb.n ? agg_mean(&kb) : NAN);
            md_paired pd; /* the same pairs, centred minus uncentred */
            md_paired_pairs(&pd, e[i]->t, &b, &a, M_IRP, MT_ACCURACY);
            fprintf(o, "; centred − uncentred over pairs:");
            md_paired_print(o, &pd);
            if (neg.max < 0.01) {
                nonneg++;
                min_nonneg_gain = fmin(min_nonneg_gain, gain);
            } else if (neg.min >= 0.1) {
                mixed++;
                max_mixed_gain = fmax(max_mixed_gain, gain);
            }
        }
    }
    if (!shown) {
        fprintf(o, "Not tested: no opted-in stitch config has cells with center = false and "
                   "true that differ in nothing else.\n");
        return;
    }
    fprintf(o, ". A family is non-negative when every space has < 1%% negative entries, "
               "mixed-sign when every space has ≥ 10%%. Rule: holds if centring gains ≥ 0.05 "
               "zero-shot accuracy in every non-negative cell and less than half the smallest "
               "of those gains in every mixed-sign cell. The paper does not report this. ");
    if (!nonneg || !mixed)
        fprintf(o, "**Not tested** (needs a non-negative and a mixed-sign family; have %zu "
                   "and %zu cells).\n",
                nonneg, mixed);
    else
        fprintf(o, "**%s** (smallest non-negative gain %+.3f, largest mixed-sign gain %+.3f).\n",
                min_nonneg_gain >= 0.05 && max_mixed_gain < min_nonneg_gain / 2 ? "Holds"
                                                                               : "Does not hold",
                min_nonneg_gain, max_mixed_gain);
}

typedef struct claim {
    const char *name, *number, *title;
    const char *kinds; /* the kinds whose tables the rule reads, '|'-separated */
    claim_fn write;
    int per_family; /* decided for each opted-in config on its own (one encoder family each) */
} claim;

static const claim claims[] = {
    {"invertibility", "1", "Invertibility of relative representations.", "invert",
     claim_invertibility, 1},
    {"scale-invariance", "2", "Scale invariance of classifiers.", "scale-invariance",
     claim_scale_invariance, 1},
    {"gaussian-scales", "2b", "Gaussian distribution of embedding scales.",
     "scale-distribution", claim_gaussian_scales, 1},
    {"ensembling", "3", "Stability through ensembling (ω compensates aggressive pruning).",
     "invert", claim_ensembling, 1},
    {"cross-domain", "4", "Cross-domain translation (text ↔ image).", "stitch|invert",
     claim_cross_domain, 0},
    {"reuse", "5", "Practical model reuse (zero-shot reaches 60–90% of the oracle).", "stitch",
     claim_reuse, 1},
    {"cross-lingual", "6",
     "Cross-lingual translation (paper: ≈ 0.97 mean cosine into English, ≈ 0 for raw "
     "embeddings).",
     "invert|stitch", claim_cross_lingual, 0},
    {"nonneg", "7",
     "Beyond the paper: centring is needed when features are non-negative.", "stitch",
     claim_nonneg, 0},
};
enum { NUM_CLAIMS = sizeof claims / sizeof *claims };

const char *claim_check(const char *name, const char *kind)
{
    static _Thread_local char why[256];
    for (size_t i = 0; i < NUM_CLAIMS; i++) {
        if (strcmp(claims[i].name, name))
            continue;
        size_t n = strlen(kind);
        for (const char *p = claims[i].kinds; p; p = strchr(p, '|'), p = p ? p + 1 : NULL)
            if (!strncmp(p, kind, n) && (p[n] == '|' || !p[n]))
                return NULL;
        snprintf(why, sizeof why, "'%s' is decided from %s tables, not from %s ones", name,
                 claims[i].kinds, kind);
        for (char *q = why; (q = strchr(q, '|'));)
            *q = '/';
        return why;
    }
    snprintf(why, sizeof why, "'%s': expected claims from: %s", name, claim_names());
    return why;
}

const char *claim_names(void)
{
    static char buf[512];
    size_t n = 0;
    for (size_t i = 0; i < NUM_CLAIMS; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", i ? ", " : "", claims[i].name);
    return buf;
}

void claims_write(const report *r)
{
    FILE *o = r->out;
    fprintf(o, "\n## The paper's key findings, checked\n\nEach verdict follows from the numbers "
               "by the rule stated with it, using the configs that opt into the finding "
               "(`[report] claims = ...`).\n");
    const report_entry *e[64];
    for (size_t i = 0; i < NUM_CLAIMS; i++) {
        size_t n = 0;
        for (size_t j = 0; j < r->n && n < 64; j++)
            if (config_has_claim(r->e[j].c, claims[i].name))
                e[n++] = &r->e[j];
        fprintf(o, "\n**%s. %s** ", claims[i].number, claims[i].title);
        if (n > 1 && claims[i].per_family)
            for (size_t j = 0; j < n; j++) { /* the same rule, one verdict per family */
                fprintf(o, "%s`%s` (data `%s`): ", j ? "\n" : "", e[j]->c->name,
                        md_esc(e[j]->c->data));
                claims[i].write(r, e + j, 1);
            }
        else if (n)
            claims[i].write(r, e, n);
        else
            fprintf(o, "Not tested: none of the configs given to `irp report` opts into it "
                       "(`claims = %s`).\n",
                    claims[i].name);
    }
}
