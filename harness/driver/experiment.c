/* experiment.c — a config checked against its kind (experiment.h): what
 * config_load cannot know, since the plumbing knows no kind. */
#include <stdio.h>

#include "driver/experiment.h"

/* "FILE:LINE: key 'K' has no effect on a KIND experiment; remove it" */
static int no_effect(const config *c, const char *key)
{
    return irp_fail(IRP_EDATA, "%s:%d: key '%s' has no effect on a %s experiment; remove it",
                    c->path, config_key_line(c, key), key, c->kind->name);
}

static int check(config *c)
{
    if (!c->type)
        return irp_fail(IRP_EDATA, "%s: key 'type' is required in [experiment] (%s)", c->path,
                        exp_kind_names());
    if (!(c->kind = exp_kind_find(c->type)))
        return irp_fail(IRP_EDATA, "%s:%d: key 'type': '%s': expected one of %s", c->path,
                        config_key_line(c, "type"), c->type, exp_kind_names());
    c->kind_keys = c->kind->keys;
    c->kind_needs = c->kind->needs;
    /* claims this kind's tables can decide */
    for (size_t i = 0; i < c->num_claims; i++) {
        const char *why = claim_check(c->claims[i], c->kind->name);
        if (why)
            return irp_fail(IRP_EDATA, "%s:%d: key 'claims': %s", c->path,
                            config_key_line(c, "claims"), why);
    }
    /* fixed keys that only some kinds read */
    static const struct {
        int key;
        unsigned needs;
    } only[] = {{FK_TARGETS, EXP_PAIRS}, {FK_REFERENCES, EXP_PAIRS}, {FK_INTRA, EXP_INTRA},
                {FK_RETRIEVAL, EXP_INTRA}, {FK_BINS, EXP_BINS}, {FK_BOOTSTRAP, EXP_PAIRS},
                {FK_BOOTSTRAP_LEVEL, EXP_PAIRS}, {FK_PRECISION, EXP_PAIRS}};
    for (size_t i = 0; i < sizeof only / sizeof *only; i++)
        if ((c->seen_fixed & (1u << only[i].key)) && !(c->kind->needs & only[i].needs))
            return no_effect(c, fixed_key_name((enum fixed_key)only[i].key));
    /* sweep keys given that this kind's numbers do not depend on */
    for (int k = 0; k < SK_COUNT; k++)
        if ((c->seen_sweep & (1u << k)) && !(c->kind->keys & (1u << k)))
            return no_effect(c, sweep_key_name((enum sweep_key)k));
    return IRP_OK;
}

int experiment_load(config **out, const char *path)
{
    config *c;
    *out = NULL;
    int rc = config_load(&c, path);
    if (rc)
        return rc;
    if ((rc = check(c))) {
        config_free(c);
        return rc;
    }
    *out = c;
    return IRP_OK;
}
