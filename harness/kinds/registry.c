/* registry.c — the registry: one row per experiment kind (driver/experiment.h). */
#include <stdio.h>
#include <string.h>

#include "kinds/kinds.h"

const exp_kind exp_kinds[] = {
    {"invert", "mean cosine of decoded to true embeddings, every ordered pair (+ X->X)",
     EXP_PAIRS | EXP_INTRA, IRP_TRANSLATION_KEYS, NULL,
     NULL, invert_run, invert_figure, invert_report},
    {"stitch", "accuracy of each target's head on translated embeddings",
     EXP_PAIRS | EXP_LABELS | EXP_HEADS, IRP_TRANSLATION_KEYS | KEY_BIT(HEAD), NULL,
     NULL, stitch_run, stitch_figure, stitch_report},
    {"scale-invariance", "head accuracy when its inputs are rescaled",
     EXP_LABELS | EXP_HEADS, KEY_BIT(HEAD) | KEY_BIT(FACTOR) | KEY_BIT(SCALE_MODE), NULL,
     NULL, scale_inv_run, scale_inv_figure, scale_inv_report},
    {"scale-distribution", "distribution of embedding norms against a normal fit",
     EXP_BINS, 0, "-hist",
     scale_dist_check, scale_dist_run, scale_dist_figure, scale_dist_report},
    {"anchor-rank", "numerical rank and condition number of each space's anchors",
     0, KEY_BIT(ANCHORS) | KEY_BIT(ANCHOR_SEED) | KEY_BIT(RCOND) | KEY_BIT(CENTER), NULL,
     anchor_rank_check, anchor_rank_run, anchor_rank_figure, anchor_rank_report},
};
const size_t num_exp_kinds = sizeof exp_kinds / sizeof *exp_kinds;

const exp_kind *exp_kind_find(const char *name)
{
    for (size_t i = 0; i < num_exp_kinds; i++)
        if (!strcmp(exp_kinds[i].name, name))
            return &exp_kinds[i];
    return NULL;
}

const char *exp_kind_names(void)
{
    static char buf[512];
    size_t n = 0;
    for (size_t i = 0; i < num_exp_kinds && n < sizeof buf; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", i ? ", " : "", exp_kinds[i].name);
    return buf;
}

const char *exp_kind_help(void)
{
    static char buf[2048];
    size_t n = (size_t)snprintf(buf, sizeof buf, "  kinds (type): %s\n", exp_kind_names());
    for (size_t i = 0; i < num_exp_kinds && n < sizeof buf; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "    %-19s %s\n", exp_kinds[i].name,
                              exp_kinds[i].summary);
    return buf;
}
