/* irp translate — IRP from one space of a dump into another, written as a new
 * dump (schema irp-embeddings/1) for use outside the harness. Its options are
 * the config's sweep keys (keys.h), parsed and checked by config.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "config.h"
#include "dump.h"
#include "util.h"

static const char *usage =
    "usage: irp translate --data FILE --from SPACE --to SPACE --out OUT.h5 [options]\n"
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
    "true) [default]:\n";

static const char *usage_tail =
    "  --translator   also store the closed-form translator T (dx x dy, float64)\n"
    "                 and the anchor indices\n";

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

int cmd_translate(int argc, char **argv)
{
    const char *data = NULL, *from = NULL, *to = NULL, *out = NULL;
    const char *text[SK_COUNT];
    int want_t = 0;
    for (int k = 0; k < SK_COUNT; k++)
        text[k] = sweep_key_default(k);
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
            config_print_keys(stdout, 1);
            fputs(usage_tail, stdout);
            return 0;
        }
        if (!strcmp(a, "--translator")) {
            want_t = 1;
            continue;
        }
        if ((k == SK_CENTER || k == SK_COMPLETION) && !inline_value &&
            (!v || flag_key(v) >= 0 || v[0] == '-')) {
            text[k] = "true"; /* a bare boolean flag */
            continue;
        }
        if (!v)
            return die("translate: option '%s' needs a value (see 'irp translate --help')", a);
        i += !inline_value;
        if (!strcmp(a, "--data"))
            data = v;
        else if (!strcmp(a, "--from"))
            from = v;
        else if (!strcmp(a, "--to"))
            to = v;
        else if (!strcmp(a, "--out"))
            out = v;
        else if (k >= 0) {
            const char *why = config_check_value(k, v);
            if (why)
                return die("translate: %s '%s': %s", a, v, why);
            text[k] = v;
        } else
            return die("translate: unknown option '%s' (see 'irp translate --help')", a);
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
    for (int key = 0; key < SK_COUNT; key++) /* the settings as the config keys spell them */
        if (sweep_key_is_flag(key))
            len += (size_t)snprintf(settings + len, len < sizeof settings ? sizeof settings - len : 0,
                                    "%s%s=%s", len ? " " : "", sweep_key_name(key), text[key]);
    dump_new_space sp = {name, name, dst->modality, settings, "irp translate", ytr, yte,
                         dst->heads, dst->num_heads};
    if (!rc)
        rc = dump_write(out, d, &sp,
                        want_t ? &(dump_translator){t, sx->mean, sy->mean, sy->scale,
                                                    o.rescale == IRP_RESCALE_MEAN_NORM, idx, k}
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
