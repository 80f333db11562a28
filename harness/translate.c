/* irp translate — IRP from one space of a dump into another, written as a new
 * dump (schema irp-embeddings/1) for use outside the harness. */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "dump.h"

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
    "options (defaults in brackets):\n"
    "  --anchors K          number of anchors [1280]\n"
    "  --anchor-seed S      splitmix64 seed of the anchor draw [0]\n"
    "  --omega W            pruned subspaces [1]\n"
    "  --delta D            FPS threshold on 1-|cos| (or fraction with --prune fraction) [0]\n"
    "  --prune MODE         threshold | fraction [threshold]\n"
    "  --seed S             FPS first-point seed [0]\n"
    "  --rcond R            pinv cutoff relative to s_max (-1: LAPACK default) [-1]\n"
    "  --rescale MODE       mean-norm | none [mean-norm]\n"
    "  --center             subtract anchor means (add the target's back)\n"
    "  --completion         anchor completion (see core/irp_translate.h)\n"
    "  --translator         also store the closed-form translator T (dx x dy, float64)\n"
    "                       and the anchor indices\n";

static herr_t attr_str(hid_t obj, const char *name, const char *v)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, strlen(v) + 1);
    hid_t sp = H5Screate(H5S_SCALAR), a = H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    herr_t e = a < 0 ? -1 : H5Awrite(a, t, v);
    H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
    return e;
}

static herr_t attr_num(hid_t obj, const char *name, hid_t type, const void *v)
{
    hid_t sp = H5Screate(H5S_SCALAR), a = H5Acreate2(obj, name, type, sp, H5P_DEFAULT, H5P_DEFAULT);
    herr_t e = a < 0 ? -1 : H5Awrite(a, type == H5T_STD_I32LE ? H5T_NATIVE_INT32
                                         : type == H5T_STD_I64LE ? H5T_NATIVE_INT64
                                                                 : H5T_NATIVE_DOUBLE,
                                     v);
    H5Aclose(a);
    H5Sclose(sp);
    return e;
}

static herr_t write_ds(hid_t loc, const char *path, hid_t file_type, hid_t mem_type, int rank,
                       const hsize_t *dims, const void *data)
{
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    hid_t ds = H5Dcreate2(loc, path, file_type, sp, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    herr_t e = ds < 0 ? -1 : H5Dwrite(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
    H5Dclose(ds);
    H5Sclose(sp);
    H5Pclose(lcpl);
    return e;
}

/* float32 copy of a double matrix */
static herr_t write_mat32(hid_t loc, const char *path, const irp_mat *m)
{
    size_t count = m->rows * m->cols;
    float *buf = malloc((count ? count : 1) * sizeof *buf);
    if (!buf)
        return -1;
    for (size_t i = 0; i < m->rows * m->cols; i++)
        buf[i] = (float)m->data[i];
    hsize_t dims[2] = {m->rows, m->cols};
    herr_t e = write_ds(loc, path, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 2, dims, buf);
    free(buf);
    return e;
}

static herr_t write_vec32(hid_t loc, const char *path, const double *v, size_t n)
{
    float *buf = malloc((n ? n : 1) * sizeof *buf);
    if (!buf)
        return -1;
    for (size_t i = 0; i < n; i++)
        buf[i] = (float)v[i];
    hsize_t dims[1] = {n};
    herr_t e = write_ds(loc, path, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 1, dims, buf);
    free(buf);
    return e;
}

static int write_out(const char *out, const dump *d, const dump_space *dst, const char *name,
                     const irp_mat *tr_train, const irp_mat *tr_test, const irp_mat *t,
                     const size_t *anchors, size_t k, const char *settings)
{
    char tmp[1100], p[600];
    snprintf(tmp, sizeof tmp, "%s.tmp", out);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0)
        return irp_fail(IRP_EDATA, "%s: cannot create", tmp);
    herr_t e = 0;
    int32_t nc = (int32_t)d->num_classes;
    e |= attr_str(f, "schema", DUMP_SCHEMA);
    e |= attr_str(f, "dataset", d->dataset);
    e |= attr_str(f, "class_names", d->class_names);
    e |= attr_num(f, "num_classes", H5T_STD_I32LE, &nc);
    e |= attr_str(f, "producer", "irp translate");
    e |= attr_str(f, "source", d->path);
    for (int s = 0; s < 2; s++) {
        hsize_t n = s ? d->num_test : d->num_train;
        snprintf(p, sizeof p, "samples/%s/ids", s ? "test" : "train");
        e |= write_ds(f, p, H5T_STD_I64LE, H5T_NATIVE_INT64, 1, &n,
                      s ? d->test_ids : d->train_ids);
        if (d->train_labels) {
            snprintf(p, sizeof p, "samples/%s/labels", s ? "test" : "train");
            e |= write_ds(f, p, H5T_STD_I32LE, H5T_NATIVE_INT32, 1, &n,
                          s ? d->test_labels : d->train_labels);
        }
    }
    snprintf(p, sizeof p, "spaces/%s/train", name);
    e |= write_mat32(f, p, tr_train);
    snprintf(p, sizeof p, "spaces/%s/test", name);
    e |= write_mat32(f, p, tr_test);
    snprintf(p, sizeof p, "spaces/%s", name);
    hid_t g = H5Gopen2(f, p, H5P_DEFAULT);
    int32_t dim = (int32_t)dst->dim;
    e |= g < 0 ? -1 : attr_num(g, "dim", H5T_STD_I32LE, &dim);
    e |= attr_str(g, "model", name);
    e |= attr_str(g, "modality", dst->modality);
    e |= attr_str(g, "irp_settings", settings);
    H5Gclose(g);
    for (size_t h = 0; h < dst->num_heads; h++) {
        const dump_head *hd = &dst->heads[h];
        int linear = !strcmp(hd->kind, "linear");
        for (size_t l = 0; l < hd->head.num_layers; l++) {
            char base[400];
            if (linear)
                snprintf(base, sizeof base, "spaces/%s/heads/%s", name, hd->name);
            else
                snprintf(base, sizeof base, "spaces/%s/heads/%s/layer_%zu", name, hd->name, l);
            snprintf(p, sizeof p, "%s/weight", base);
            e |= write_mat32(f, p, hd->head.weights[l]);
            snprintf(p, sizeof p, "%s/bias", base);
            e |= write_vec32(f, p, hd->head.biases[l], hd->head.weights[l]->rows);
        }
        snprintf(p, sizeof p, "spaces/%s/heads/%s", name, hd->name);
        hid_t hg = H5Gopen2(f, p, H5P_DEFAULT);
        int32_t nl = (int32_t)hd->head.num_layers;
        e |= hg < 0 ? -1 : attr_str(hg, "kind", hd->kind);
        e |= attr_str(hg, "activation", irp_activation_name(hd->head.activation));
        e |= attr_num(hg, "num_layers", H5T_STD_I32LE, &nl);
        H5Gclose(hg);
    }
    if (t) {
        hsize_t dims[2] = {t->rows, t->cols}, nk = k;
        int64_t *idx = malloc(k * sizeof *idx);
        for (size_t i = 0; idx && i < k; i++)
            idx[i] = (int64_t)anchors[i];
        e |= idx ? 0 : -1;
        e |= write_ds(f, "translator", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, dims, t->data);
        e |= idx ? write_ds(f, "anchor_indices", H5T_STD_I64LE, H5T_NATIVE_INT64, 1, &nk, idx)
                 : -1;
        free(idx);
    }
    e |= H5Fclose(f);
    if (e < 0) {
        remove(tmp);
        return irp_fail(IRP_EDATA, "%s: writing failed", tmp);
    }
    if (rename(tmp, out)) {
        remove(tmp);
        return irp_fail(IRP_EDATA, "%s: cannot rename into place", out);
    }
    return IRP_OK;
}

int cmd_translate(int argc, char **argv)
{
    const char *data = NULL, *from = NULL, *to = NULL, *out = NULL;
    size_t k = 1280;
    uint64_t anchor_seed = 0;
    int want_t = 0;
    irp_options o;
    irp_options_default(&o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        char *end = NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h"))
            return fputs(usage, stdout), 0;
        if (!strcmp(a, "--center")) {
            o.center = 1;
            continue;
        }
        if (!strcmp(a, "--completion")) {
            o.completion = 1;
            continue;
        }
        if (!strcmp(a, "--translator")) {
            want_t = 1;
            continue;
        }
        if (!v)
            return die("translate: option '%s' needs a value (see 'irp translate --help')", a);
        i++;
        if (!strcmp(a, "--data"))
            data = v;
        else if (!strcmp(a, "--from"))
            from = v;
        else if (!strcmp(a, "--to"))
            to = v;
        else if (!strcmp(a, "--out"))
            out = v;
        else if (!strcmp(a, "--anchors"))
            k = strtoull(v, &end, 10);
        else if (!strcmp(a, "--anchor-seed"))
            anchor_seed = strtoull(v, &end, 10);
        else if (!strcmp(a, "--omega"))
            o.num_subspaces = strtoull(v, &end, 10);
        else if (!strcmp(a, "--seed"))
            o.seed = strtoull(v, &end, 10);
        else if (!strcmp(a, "--delta"))
            o.delta = strtod(v, &end);
        else if (!strcmp(a, "--rcond"))
            o.rcond = strtod(v, &end);
        else if (!strcmp(a, "--prune") && (!strcmp(v, "threshold") || !strcmp(v, "fraction")))
            o.prune_mode = v[0] == 't' ? IRP_PRUNE_THRESHOLD : IRP_PRUNE_FRACTION;
        else if (!strcmp(a, "--rescale") && (!strcmp(v, "mean-norm") || !strcmp(v, "none")))
            o.rescale = v[0] == 'm' ? IRP_RESCALE_MEAN_NORM : IRP_RESCALE_NONE;
        else
            return die("translate: unknown option or value '%s %s' (see 'irp translate --help')",
                       a, v);
        if (end && *end)
            return die("translate: option '%s': '%s' is not a number", a, v);
    }
    if (!data || !from || !to || !out)
        return die("translate: --data, --from, --to and --out are required (see 'irp translate "
                   "--help')");
    if (irp_options_check(&o))
        return die("translate: %s", irp_last_error());
    const char *names[2] = {from, to};
    dump *d;
    if (dump_load(&d, data, names, strcmp(from, to) ? 2 : 1))
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
    if (!rc)
        rc = irp_anchor_indices(idx, d->num_train, k, anchor_seed);
    if (!rc) {
        ax = dump_rows(&src->train, idx, k);
        ay = dump_rows(&dst->train, idx, k);
        sx = ax ? irp_space_new(ax, o.center) : NULL;
        sy = ay ? irp_space_new(ay, o.center) : NULL;
        sub = sx && sy ? irp_subsets_for(sx, &o) : NULL;
        t = irp_mat_new(src->dim, dst->dim);
        ytr = irp_mat_new(d->num_train, dst->dim);
        yte = irp_mat_new(d->num_test, dst->dim);
        rc = (!sub || !t || !ytr || !yte) ? IRP_EDATA : IRP_OK;
    }
    if (!rc)
        rc = irp_translator_fit(t, sx, sy, sub, &o, NULL);
    for (int split = 0; split < 2 && !rc; split++) {
        const dump_matrix *m = split ? &src->test : &src->train;
        irp_mat *x = dump_rows(m, NULL, m->rows);
        rc = !x ? IRP_ENOMEM : irp_translate_apply(split ? yte : ytr, t, sx, sy, x, &o);
        irp_mat_free(x);
    }
    char name[256], settings[512];
    snprintf(name, sizeof name, "%s-to-%s", from, to);
    snprintf(settings, sizeof settings,
             "anchors=%zu anchor_seed=%llu omega=%zu delta=%g prune=%s seed=%llu rcond=%g "
             "rescale=%s center=%d completion=%d",
             k, (unsigned long long)anchor_seed, o.num_subspaces, o.delta,
             o.prune_mode == IRP_PRUNE_THRESHOLD ? "threshold" : "fraction",
             (unsigned long long)o.seed, o.rcond,
             o.rescale == IRP_RESCALE_NONE ? "none" : "mean-norm", o.center, o.completion);
    if (!rc)
        rc = write_out(out, d, dst, name, ytr, yte, want_t ? t : NULL, idx, k, settings);
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
