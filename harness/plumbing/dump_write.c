/* The dump schema's writer (irp-embeddings/1), beside its reader dump.c:
 * the same layout, written with the primitives of h5io.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "plumbing/dump.h"
#include "plumbing/h5io.h"
#include "plumbing/util.h"

int dump_write(const char *out, const dump *d, const dump_new_space *sp,
               const dump_translator *tr)
{
    const char *name = sp->name;
    char tmp[4200], p[600];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", out) >= (int)sizeof tmp)
        return irp_fail(IRP_EDATA, "%.100s...: output path too long", out);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (check_output(out, d->path))
        return IRP_EDATA;
    FILE *img = create_tmp(tmp); /* never through a link; the reason if it fails */
    if (!img)
        return irp_fail(IRP_EDATA, "%s: cannot create (%s)", tmp, tmp_strerror(errno));
    /* HDF5 builds the file in memory (the core driver, no backing store) and
     * irp writes the image: a full disk is then an ordinary write error here,
     * never a file libhdf5 failed to close (which crashed it at exit). */
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    hid_t f = fapl < 0 || H5Pset_fapl_core(fapl, 1 << 22, 0) < 0
                  ? -1
                  : H5Fcreate("irp-translate-image", H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    if (fapl >= 0)
        H5Pclose(fapl);
    if (f < 0) {
        fclose(img);
        remove(tmp);
        return irp_fail(IRP_EDATA, "%s: HDF5 cannot create it", tmp);
    }
    herr_t e = 0;
    int32_t nc = (int32_t)d->num_classes;
    e |= h5_write_attr_str(f, "schema", DUMP_SCHEMA);
    e |= h5_write_attr_str(f, "dataset", d->dataset);
    e |= h5_write_attr_str(f, "class_names", d->class_names);
    e |= h5_write_attr_num(f, "num_classes", H5T_STD_I32LE, &nc);
    e |= h5_write_attr_str(f, "producer", sp->producer);
    e |= h5_write_attr_str(f, "source", d->path);
    for (int s = 0; s < 2; s++) {
        hsize_t n = s ? d->num_test : d->num_train;
        snprintf(p, sizeof p, "samples/%s/ids", s ? "test" : "train");
        e |= h5_write_ds(f, p, H5T_STD_I64LE, H5T_NATIVE_INT64, 1, &n,
                      s ? d->test_ids : d->train_ids);
        if (d->train_labels) {
            snprintf(p, sizeof p, "samples/%s/labels", s ? "test" : "train");
            e |= h5_write_ds(f, p, H5T_STD_I32LE, H5T_NATIVE_INT32, 1, &n,
                          s ? d->test_labels : d->train_labels);
        }
    }
    snprintf(p, sizeof p, "spaces/%s/train", name);
    e |= h5_write_mat32(f, p, sp->train);
    snprintf(p, sizeof p, "spaces/%s/test", name);
    e |= h5_write_mat32(f, p, sp->test);
    snprintf(p, sizeof p, "spaces/%s", name);
    hid_t g = H5Gopen2(f, p, H5P_DEFAULT);
    int32_t dim = (int32_t)sp->train->cols;
    e |= g < 0 ? -1 : h5_write_attr_num(g, "dim", H5T_STD_I32LE, &dim);
    e |= h5_write_attr_str(g, "model", sp->model);
    e |= h5_write_attr_str(g, "modality", sp->modality);
    e |= h5_write_attr_str(g, "irp_settings", sp->settings);
    H5Gclose(g);
    for (size_t h = 0; h < sp->num_heads; h++) {
        const dump_head *hd = &sp->heads[h];
        int linear = !strcmp(hd->kind, "linear");
        for (size_t l = 0; l < hd->head.num_layers; l++) {
            char base[400];
            if (linear)
                snprintf(base, sizeof base, "spaces/%s/heads/%s", name, hd->name);
            else
                snprintf(base, sizeof base, "spaces/%s/heads/%s/layer_%zu", name, hd->name, l);
            snprintf(p, sizeof p, "%s/weight", base);
            e |= h5_write_mat32(f, p, hd->head.weights[l]);
            snprintf(p, sizeof p, "%s/bias", base);
            e |= h5_write_vec32(f, p, hd->head.biases[l], hd->head.weights[l]->rows);
        }
        snprintf(p, sizeof p, "spaces/%s/heads/%s", name, hd->name);
        hid_t hg = H5Gopen2(f, p, H5P_DEFAULT);
        int32_t nl = (int32_t)hd->head.num_layers;
        e |= hg < 0 ? -1 : h5_write_attr_str(hg, "kind", hd->kind);
        e |= h5_write_attr_str(hg, "activation", irp_activation_name(hd->head.activation));
        e |= h5_write_attr_num(hg, "num_layers", H5T_STD_I32LE, &nl);
        H5Gclose(hg);
    }
    if (tr) {
        const irp_mat *t = tr->t;
        hsize_t dims[2] = {t->rows, t->cols}, nk = tr->k, dx = t->rows, dy = t->cols;
        int64_t *idx = malloc((tr->k ? tr->k : 1) * sizeof *idx);
        for (size_t i = 0; idx && i < tr->k; i++)
            idx[i] = (int64_t)tr->anchors[i];
        e |= idx ? 0 : -1;
        e |= h5_write_attr_str(f, "translator_schema", TRANSLATOR_SCHEMA);
        e |= h5_write_ds(f, "translator", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, dims, t->data);
        e |= h5_write_ds(f, "translator_mean_x", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &dx,
                         tr->mean_x);
        e |= h5_write_ds(f, "translator_mean_y", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &dy,
                         tr->mean_y);
        hid_t td = H5Dopen2(f, "translator", H5P_DEFAULT);
        int32_t rescale = tr->rescale;
        e |= td < 0 ? -1 : h5_write_attr_num(td, "scale_y", H5T_IEEE_F64LE, &tr->scale_y);
        e |= td < 0 ? -1 : h5_write_attr_num(td, "rescale", H5T_STD_I32LE, &rescale);
        char hx[2][17];
        snprintf(hx[0], sizeof hx[0], "%016llx", (unsigned long long)tr->source_content);
        snprintf(hx[1], sizeof hx[1], "%016llx", (unsigned long long)tr->anchor_hash);
        e |= td < 0 ? -1 : h5_write_attr_str(td, "source_space", tr->source_space);
        e |= td < 0 ? -1 : h5_write_attr_str(td, "target_space", tr->target_space);
        e |= td < 0 ? -1 : h5_write_attr_str(td, "settings", tr->settings);
        e |= td < 0 ? -1 : h5_write_attr_str(td, "source_content", hx[0]);
        e |= td < 0 ? -1 : h5_write_attr_str(td, "anchor_split", "train");
        e |= td < 0 ? -1 : h5_write_attr_str(td, "anchor_hash", hx[1]);
        if (td >= 0)
            H5Dclose(td);
        e |= idx ? h5_write_ds(f, "anchor_indices", H5T_STD_I64LE, H5T_NATIVE_INT64, 1, &nk, idx)
                 : -1;
        free(idx);
    }
    e |= H5Fflush(f, H5F_SCOPE_GLOBAL);
    ssize_t size = e < 0 ? -1 : H5Fget_file_image(f, NULL, 0);
    void *buf = size > 0 ? malloc((size_t)size) : NULL;
    if (!buf || H5Fget_file_image(f, buf, (size_t)size) != size)
        e = -1;
    e |= H5Fclose(f);
    int bad = e < 0 || fwrite(buf, 1, (size_t)size, img) != (size_t)size;
    int err = bad ? (e < 0 ? 0 : errno) : 0;
    bad |= fflush(img) != 0 || fsync(fileno(img)) != 0;
    if (bad && !err)
        err = errno;
    bad |= fclose(img) != 0;
    free(buf);
    if (bad) {
        remove(tmp);
        return irp_fail(IRP_EDATA, "%s: writing failed (%s)", tmp,
                        e < 0 ? "HDF5 could not build the file" : strerror(err ? err : EIO));
    }
    if (check_output(out, d->path)) {
        remove(tmp);
        return IRP_EDATA;
    }
    if (rename(tmp, out)) {
        remove(tmp);
        return irp_fail(IRP_EDATA, "%s: cannot rename into place", out);
    }
    return IRP_OK;
}

