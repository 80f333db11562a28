/* Loader tests: a good synthetic dump, one broken copy per validation (made by
 * data/make_synthetic.py --bad-dir), and a slice of the real Fashion-MNIST
 * dumps (data/train_encoders.py --quick). Files come from $IRP_TEST_DATA
 * (the Makefile's testdata target). */
#include "testutil.h"

#include "plumbing/dump.h"
#include "plumbing/util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>

static char path_buf[1024];

static const char *data_path(const char *name)
{
    const char *dir = getenv("IRP_TEST_DATA");
    snprintf(path_buf, sizeof path_buf, "%s/%s", dir ? dir : "build/testdata", name);
    return path_buf;
}

static void good_dump_loads_with_shapes(void **state)
{
    (void)state;
    dump *d;
    assert_ok(dump_load(&d, data_path("tiny.h5"), NULL, 0));
    assert_string_equal(d->dataset, "synthetic");
    assert_int_equal(d->num_classes, 4);
    assert_int_equal(d->num_train, 600);
    assert_int_equal(d->num_test, 200);
    assert_int_equal(d->num_spaces, 4);
    const dump_space *w = dump_find_space(d, "wide");
    assert_non_null(w);
    assert_int_equal(w->dim, 40);
    assert_int_equal(w->train.rows, 600);
    assert_int_equal(w->num_heads, 6);
    const dump_head *lin = dump_find_head(w, "linear"), *mlp = dump_find_head(w, "mlp-gelu");
    assert_string_equal(lin->kind, "linear");
    assert_int_equal(mlp->head.num_layers, 2);
    assert_int_equal(mlp->head.activation, IRP_ACT_GELU);
    assert_int_equal(d->test_ids[0], 1000);
    /* recomputed accuracy equals the recorded one exactly (same float64 recipe) */
    for (size_t s = 0; s < d->num_spaces; s++) {
        irp_mat *z = dump_rows(&d->spaces[s].test, NULL, d->num_test);
        for (size_t h = 0; h < d->spaces[s].num_heads; h++) {
            double acc;
            assert_ok(irp_head_accuracy(&acc, &d->spaces[s].heads[h].head, z, d->test_labels));
            assert_close(acc, d->spaces[s].heads[h].test_accuracy, 1e-12);
        }
        irp_mat_free(z);
    }
    dump_free(d);
}

/* run_experiment releases the float32 test rows once it holds their doubles:
 * the shape stays, a later read fails with a message instead of reading freed
 * memory, and the on-demand training split is untouched. */
static void released_rows_fail_clearly(void **state)
{
    (void)state;
    dump *d;
    assert_ok(dump_load_flags(&d, data_path("tiny.h5"), NULL, 0, DUMP_TRAIN_ON_DEMAND));
    dump_space *w = &d->spaces[0];
    irp_mat *before = dump_rows(&w->train, NULL, 4);
    dump_release(&w->test);
    assert_null(w->test.data);
    assert_int_equal(w->test.rows, 200);
    assert_int_equal(w->test.cols, w->dim);
    assert_null(dump_rows(&w->test, NULL, 1));
    assert_non_null(strstr(irp_last_error(), "released"));
    dump_release(&w->test); /* twice is harmless */
    irp_mat *after = dump_rows(&w->train, NULL, 4);
    assert_non_null(after);
    assert_memory_equal(before->data, after->data, 4 * w->dim * sizeof(double));
    irp_mat_free(before);
    irp_mat_free(after);
    dump_free(d); /* frees the rest, not the released rows again */
}

/* issue 31: the on-demand training splits are streamed side by side, their
 * FNV-1a chains interleaved: every chain must come out as fnv1a alone gives
 * it (any number of chains, unequal and empty lengths), and every space's
 * hashes as a load of that space alone (scanned by itself) and as an eager
 * load give them. */
static void side_by_side_scan_hashes_as_one_space_at_a_time(void **state)
{
    (void)state;
    unsigned char bytes[9][300];
    for (size_t i = 0; i < 9; i++)
        for (size_t j = 0; j < 300; j++)
            bytes[i][j] = (unsigned char)(i * 131 + j * 7 + (j >> 3));
    static const size_t lens[9] = {300, 17, 0, 299, 64, 1, 300, 5, 250};
    for (size_t n = 1; n <= 9; n++) {
        uint64_t h[9];
        const void *data[9];
        for (size_t i = 0; i < n; i++)
            h[i] = FNV1A_INIT + i, data[i] = bytes[i];
        fnv1a_many(h, data, lens, n);
        for (size_t i = 0; i < n; i++)
            if (h[i] != fnv1a(FNV1A_INIT + i, bytes[i], lens[i]))
                fail_msg("%zu chains: chain %zu differs from fnv1a alone", n, i);
    }
    dump *eager, *lazy;
    assert_ok(dump_load(&eager, data_path("tiny.h5"), NULL, 0));
    uint64_t before = dump_scanned_bytes();
    assert_ok(dump_load_flags(&lazy, data_path("tiny.h5"), NULL, 0, DUMP_TRAIN_ON_DEMAND));
    assert_true(dump_scanned_bytes() > before);
    assert_int_equal(lazy->content_hash, eager->content_hash);
    assert_int_equal(lazy->num_spaces, 4);
    for (size_t i = 0; i < lazy->num_spaces; i++) {
        dump *one;
        const char *name = lazy->spaces[i].name;
        assert_ok(dump_load_flags(&one, data_path("tiny.h5"), &name, 1, DUMP_TRAIN_ON_DEMAND));
        assert_int_equal(one->spaces[0].train_hash, lazy->spaces[i].train_hash);
        assert_int_equal(one->spaces[0].test_hash, lazy->spaces[i].test_hash);
        assert_int_equal(one->spaces[0].content_hash, lazy->spaces[i].content_hash);
        assert_int_equal(eager->spaces[i].content_hash, lazy->spaces[i].content_hash);
        assert_null(lazy->spaces[i].train.data);
        dump_free(one);
    }
    dump_free(eager);
    dump_free(lazy);
}

static void loads_only_requested_spaces(void **state)
{
    (void)state;
    dump *d;
    const char *want[] = {"rot-b", "narrow"};
    assert_ok(dump_load(&d, data_path("tiny.h5"), want, 2));
    assert_int_equal(d->num_spaces, 2);
    assert_null(dump_find_space(d, "wide"));
    assert_non_null(dump_find_space(d, "rot-b"));
    dump_free(d);
    const char *bad[] = {"resnet"};
    assert_fails(dump_load(&d, data_path("tiny.h5"), bad, 1), IRP_EDATA,
                 "/spaces/resnet: no such space");
    assert_null(d);
}

static void train_on_demand_reads_the_same_rows(void **state)
{
    (void)state;
    dump *eager, *lazy;
    assert_ok(dump_load(&eager, data_path("tiny.h5"), NULL, 0));
    assert_ok(dump_load_flags(&lazy, data_path("tiny.h5"), NULL, 0, DUMP_TRAIN_ON_DEMAND));
    const dump_space *a = dump_find_space(eager, "wide"), *b = dump_find_space(lazy, "wide");
    assert_null(b->train.data);
    assert_non_null(b->test.data);
    size_t idx[5] = {599, 3, 250, 3, 0}; /* unsorted, with a repeat */
    irp_mat *x = dump_rows(&a->train, idx, 5), *y = dump_rows(&b->train, idx, 5);
    assert_non_null(y);
    assert_memory_equal(x->data, y->data, 5 * 40 * sizeof(double));
    irp_mat_free(x);
    irp_mat_free(y);
    x = dump_rows(&a->train, NULL, 600);
    y = dump_rows(&b->train, NULL, 600);
    assert_memory_equal(x->data, y->data, 600 * 40 * sizeof(double));
    irp_mat_free(x);
    irp_mat_free(y);
    /* the rows asked again come from the memo, other rows from the file: each is right,
     * and a caller may free or change its copy */
    size_t other[3] = {1, 2, 598};
    for (int round = 0; round < 3; round++) {
        const size_t *want = round == 1 ? other : idx;
        size_t n = round == 1 ? 3 : 5;
        x = dump_rows(&a->train, want, n);
        y = dump_rows(&b->train, want, n);
        assert_non_null(y);
        assert_memory_equal(x->data, y->data, n * 40 * sizeof(double));
        y->data[0] += 1;
        irp_mat_free(x);
        irp_mat_free(y);
    }
    assert_non_null(b->train.memo);
    dump_free(eager);
    dump_free(lazy);
    /* validation still covers the whole split */
    dump *bad = NULL;
    assert_fails(dump_load_flags(&bad, data_path("bad/nan.h5"), NULL, 0, DUMP_TRAIN_ON_DEMAND),
                 IRP_EDATA, "/spaces/rot-a/train: non-finite value at row 3, column 5");
    assert_fails(dump_load_flags(&bad, data_path("bad/rows.h5"), NULL, 0, DUMP_TRAIN_ON_DEMAND),
                 IRP_EDATA, "expected 600 rows, got 599");
    assert_null(bad);
}

typedef struct bad_case {
    const char *file, *needle;
} bad_case;

static void bad_file_rejected(void **state)
{
    const bad_case *c = *state;
    dump *d = (dump *)1;
    char full[1100];
    snprintf(full, sizeof full, "%s", data_path(c->file));
    /* read whole, and with the training split on demand (its splits scanned
     * side by side, then space by space to report the first problem) */
    for (int lazy = 0; lazy < 2; lazy++) {
        irp_clear_error();
        assert_int_equal(dump_load_flags(&d, full, NULL, 0, lazy ? DUMP_TRAIN_ON_DEMAND : 0),
                         IRP_EDATA);
        assert_null(d);
        const char *msg = irp_last_error();
        if (strncmp(msg, full, strlen(full)) != 0) /* one line, naming the file first */
            fail_msg("message '%s' does not start with the file name", msg);
        if (!strstr(msg, c->needle))
            fail_msg("%s: message '%s' does not mention '%s'", lazy ? "on demand" : "whole", msg,
                     c->needle);
        assert_null(strchr(msg, '\n'));
    }
}

static bad_case bad_cases[] = {
    {"missing-file.h5", "cannot open"},
    {"bad/not-hdf5.h5", "not an HDF5 file"},
    {"bad/schema.h5", "'schema' is \"irp-embeddings/0\"; expected \"irp-embeddings/1\""},
    {"bad/no-schema.h5", "'schema' is missing"},
    {"bad/no-ids.h5", "/samples/train/ids: missing"},
    {"bad/labels-short.h5", "/samples/test/labels: 5 labels for 200 ids"},
    {"bad/label-range.h5", "label 7 at row 0 is outside [0, 4)"},
    {"bad/float64.h5", "/spaces/wide/train: expected float32"},
    {"bad/rank1.h5", "/spaces/wide/test: expected rank 2, got rank 1"},
    {"bad/rows.h5", "/spaces/narrow/train: expected 600 rows, got 599"},
    {"bad/test-dim.h5", "/spaces/narrow/test: expected 16 columns, got 17"},
    {"bad/nan.h5", "/spaces/rot-a/train: non-finite value at row 3, column 5"},
    {"bad/head-dim.h5", "/spaces/rot-b/heads/linear/weight: expected 24 columns, got 23"},
    {"bad/head-classes.h5", "last layer has 5 outputs but the dump has 4 classes"},
    {"bad/head-kind.h5", "'kind' is \"forest\""},
    {"bad/mlp-layer.h5", "/spaces/wide/heads/mlp-relu/layer_1/weight: missing"},
    {"bad/activation.h5", "'activation' is \"swish\""},
    {"bad/ids-misaligned.h5", "/spaces/rot-a/ids/train: row 0 has id 599"},
    {"bad/no-spaces.h5", "/spaces: no encoder groups"},
    {"bad/dim-attr.h5", "attribute dim = 41 but the embeddings have 40 columns"},
};

/* The real-data slice: 5 Fashion-MNIST encoders trained one short epoch. */
static void real_slice_heads_match_and_irp_stitches(void **state)
{
    (void)state;
    dump *d;
    assert_ok(dump_load(&d, data_path("slice.h5"), NULL, 0));
    assert_string_equal(d->dataset, "fashion-mnist");
    assert_int_equal(d->num_classes, 10);
    assert_int_equal(d->num_spaces, 5);
    for (size_t s = 0; s < d->num_spaces; s++)
        for (size_t h = 0; h < d->spaces[s].num_heads; h++) {
            double acc;
            const dump_head *hd = &d->spaces[s].heads[h];
            irp_mat *z = dump_rows(&d->spaces[s].test, NULL, d->num_test);
            assert_ok(irp_head_accuracy(&acc, &hd->head, z, d->test_labels));
            irp_mat_free(z);
            if (fabs(acc - hd->test_accuracy) > 0.5 / (double)d->num_test)
                fail_msg("%s/%s: recomputed %.4f, recorded %.4f", d->spaces[s].name, hd->name,
                         acc, hd->test_accuracy);
            assert_true(acc > 0.3); /* 10 classes: far above chance even after one epoch */
        }
    /* Zero-shot stitching mlp-relu → cnn-small's head through IRP beats
     * feeding the raw embeddings (same dimension 128) by a wide margin. */
    const dump_space *src = dump_find_space(d, "mlp-relu"), *dst = dump_find_space(d, "cnn-small");
    assert_int_equal(src->dim, dst->dim);
    size_t k = 1000, idx[1000];
    assert_ok(irp_anchor_indices(idx, d->num_train, k, 0));
    irp_mat *ax = dump_rows(&src->train, idx, k), *ay = dump_rows(&dst->train, idx, k);
    irp_options o;
    irp_options_default(&o);
    o.num_subspaces = 4;
    o.delta = 0.65;
    o.center = 1;
    irp_space *s = irp_space_new(ax, 1), *t = irp_space_new(ay, 1);
    irp_subsets *sub = irp_subsets_for(s, &o);
    irp_mat *tr = irp_mat_new(src->dim, dst->dim), *out = irp_mat_new(d->num_test, dst->dim);
    assert_ok(irp_translator_fit(tr, s, t, sub, &o, NULL));
    irp_mat *xt = dump_rows(&src->test, NULL, d->num_test);
    assert_ok(irp_translate_apply(out, tr, s, t, xt, &o));
    const dump_head *head = dump_find_head(dst, "linear");
    double stitched, absolute;
    assert_ok(irp_head_accuracy(&stitched, &head->head, out, d->test_labels));
    assert_ok(irp_head_accuracy(&absolute, &head->head, xt, d->test_labels));
    irp_mat_free(xt);
    if (!(stitched > absolute + 0.2 && stitched > 0.25))
        fail_msg("IRP stitching %.3f vs absolute %.3f", stitched, absolute);
    irp_mat_free(ax); irp_mat_free(ay); irp_mat_free(tr); irp_mat_free(out);
    irp_subsets_free(sub); irp_space_free(s); irp_space_free(t);
    dump_free(d);
}

/* Copy a file (the dump to change in place). */
static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    assert_non_null(in);
    assert_non_null(out);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    assert_int_equal(fclose(out), 0);
}

/* Change element [0] (or [0][0]) of dataset PATH in FILE: a float or double
 * moves to its next representable value up; an integer gets DELTA, or
 * with DELTA 0 moves one step towards 0 (1 from 0): a label stays a label. */
static void nudge(const char *file, const char *path, long delta)
{
    hid_t f = H5Fopen(file, H5F_ACC_RDWR, H5P_DEFAULT);
    assert_true(f >= 0);
    hid_t ds = H5Dopen2(f, path, H5P_DEFAULT), sp = H5Dget_space(ds), ty = H5Dget_type(ds);
    assert_true(ds >= 0);
    hsize_t dims[2] = {0, 0}, start[2] = {0, 0}, one[2] = {1, 1};
    int rank = H5Sget_simple_extent_dims(sp, dims, NULL);
    H5Sselect_hyperslab(sp, H5S_SELECT_SET, start, NULL, one, NULL);
    hid_t mem = H5Screate_simple(1, one, NULL);
    assert_true(rank >= 1);
    if (H5Tget_class(ty) == H5T_FLOAT) {
        double v;
        assert_true(H5Dread(ds, H5T_NATIVE_DOUBLE, mem, sp, H5P_DEFAULT, &v) >= 0);
        v = nextafterf((float)v, INFINITY);
        assert_true(H5Dwrite(ds, H5T_NATIVE_DOUBLE, mem, sp, H5P_DEFAULT, &v) >= 0);
    } else {
        long v;
        assert_true(H5Dread(ds, H5T_NATIVE_LONG, mem, sp, H5P_DEFAULT, &v) >= 0);
        v = delta ? v + delta : v ? v - 1 : 1;
        assert_true(H5Dwrite(ds, H5T_NATIVE_LONG, mem, sp, H5P_DEFAULT, &v) >= 0);
    }
    H5Sclose(mem); H5Tclose(ty); H5Sclose(sp); H5Dclose(ds);
    assert_true(H5Fclose(f) >= 0);
}

/* Set string attribute NAME of object OBJ to VALUE. */
static void set_attr(const char *file, const char *obj, const char *name, const char *value)
{
    hid_t f = H5Fopen(file, H5F_ACC_RDWR, H5P_DEFAULT);
    assert_true(f >= 0);
    assert_true(H5Adelete_by_name(f, obj, name, H5P_DEFAULT) >= 0);
    hid_t ty = H5Tcopy(H5T_C_S1);
    H5Tset_size(ty, H5T_VARIABLE);
    hid_t sp = H5Screate(H5S_SCALAR), o = H5Oopen(f, obj, H5P_DEFAULT);
    hid_t a = H5Acreate2(o, name, ty, sp, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(a >= 0);
    assert_true(H5Awrite(a, ty, &value) >= 0);
    H5Aclose(a); H5Oclose(o); H5Sclose(sp); H5Tclose(ty);
    assert_true(H5Fclose(f) >= 0);
}

/* A scratch directory from the template tmp, copy = its d.h5 (not made yet),
 * src = the path of the synthetic tiny.h5. */
static void scratch_for_tiny(char *tmp, char *copy, size_t copy_size, char *src, size_t src_size)
{
    assert_non_null(mkdtemp(tmp));
    snprintf(copy, copy_size, "%s/d.h5", tmp);
    snprintf(src, src_size, "%s", data_path("tiny.h5"));
}

/* Element [0][0] of the float dataset PATH in FILE set to V. */
static void poke(const char *file, const char *path, double v)
{
    hid_t f = H5Fopen(file, H5F_ACC_RDWR, H5P_DEFAULT);
    assert_true(f >= 0);
    hid_t ds = H5Dopen2(f, path, H5P_DEFAULT), sp = H5Dget_space(ds);
    assert_true(ds >= 0);
    hsize_t start[2] = {0, 0}, one[2] = {1, 1};
    H5Sselect_hyperslab(sp, H5S_SELECT_SET, start, NULL, one, NULL);
    hid_t mem = H5Screate_simple(1, one, NULL);
    assert_true(H5Dwrite(ds, H5T_NATIVE_DOUBLE, mem, sp, H5P_DEFAULT, &v) >= 0);
    H5Sclose(mem); H5Sclose(sp); H5Dclose(ds);
    assert_true(H5Fclose(f) >= 0);
}

/* DUMP_LOAD_SPLIT: two children, each a contiguous half of the spaces
 * (tiny.h5's widths 16, 24, 24, 40 split after the second), give what one
 * gives: the same content hash, every training split taken from the halves'
 * handover (none streamed through here), for all spaces or some; and the same
 * error: the first in file order when both halves have one, the second
 * half's when only it has. */
static void split_check_is_the_single_check(void **state)
{
    (void)state;
    char tmp[] = "/tmp/irp-split-XXXXXX", copy[64], src[1024];
    scratch_for_tiny(tmp, copy, sizeof copy, src, sizeof src);
    copy_file(src, copy);
    const char *two[] = {"wide", "narrow"}, *one[] = {"rot-b"};
    const struct { const char *const *only; size_t n; } sel[] = {{NULL, 0}, {two, 2}, {one, 1}};
    for (size_t c = 0; c < sizeof sel / sizeof *sel; c++) {
        dump *d0, *d;
        assert_ok(dump_load_flags(&d0, copy, sel[c].only, sel[c].n, DUMP_TRAIN_ON_DEMAND));
        uint64_t before = dump_scanned_bytes();
        assert_ok(dump_load_checked(&d, copy, sel[c].only, sel[c].n,
                                    DUMP_TRAIN_ON_DEMAND | DUMP_LOAD_SPLIT));
        if (dump_scanned_bytes() != before)
            fail_msg("selection %zu: %llu bytes of training splits streamed through again", c,
                     (unsigned long long)(dump_scanned_bytes() - before));
        assert_int_equal(d->num_spaces, d0->num_spaces);
        assert_int_equal(d->content_hash, d0->content_hash);
        for (size_t i = 0; i < d->num_spaces; i++) {
            assert_string_equal(d->spaces[i].name, d0->spaces[i].name);
            assert_int_equal(d->spaces[i].train_hash, d0->spaces[i].train_hash);
        }
        dump_free(d);
        dump_free(d0);
    }
    char single[512];
    dump *d;
    poke(copy, "/spaces/wide/train", NAN); /* last space: the second half's only */
    assert_fails(dump_load_checked(&d, copy, NULL, 0, DUMP_TRAIN_ON_DEMAND), IRP_EDATA, "wide");
    snprintf(single, sizeof single, "%s", irp_last_error());
    assert_fails(dump_load_checked(&d, copy, NULL, 0, DUMP_TRAIN_ON_DEMAND | DUMP_LOAD_SPLIT),
                 IRP_EDATA, single);
    assert_string_equal(irp_last_error(), single);
    poke(copy, "/spaces/narrow/train", NAN); /* first space: both halves fail, the first wins */
    assert_fails(dump_load_checked(&d, copy, NULL, 0, DUMP_TRAIN_ON_DEMAND), IRP_EDATA,
                 "narrow");
    snprintf(single, sizeof single, "%s", irp_last_error());
    assert_fails(dump_load_checked(&d, copy, NULL, 0, DUMP_TRAIN_ON_DEMAND | DUMP_LOAD_SPLIT),
                 IRP_EDATA, single);
    assert_string_equal(irp_last_error(), single);
    assert_null(d);
    unlink(copy);
    rmdir(tmp);
}

/* The content hash is the stamp that lets a resumed run reuse its cells, so
 * every field that moves a number must move it: one value of each dataset
 * (embeddings of either split, each head's weights and biases, the ids and
 * the labels) and a head's activation, each changed alone in a copy of the
 * dump. The unchanged copy, and a load that reads the training split on
 * demand, keep the hash. */
static void content_hash_sees_every_number_moving_field(void **state)
{
    (void)state;
    char tmp[] = "/tmp/irp-hash-XXXXXX", copy[64], src[1024];
    scratch_for_tiny(tmp, copy, sizeof copy, src, sizeof src);
    dump *d;
    assert_ok(dump_load(&d, src, NULL, 0));
    uint64_t h0 = d->content_hash;
    assert_int_equal(dump_content_hash(d), h0);
    dump_free(d);
    copy_file(src, copy);
    assert_ok(dump_load_flags(&d, copy, NULL, 0, DUMP_TRAIN_ON_DEMAND));
    assert_int_equal(d->content_hash, h0);
    dump_free(d);
    static const struct { const char *path; long delta; } fields[] = {
        {"/spaces/wide/train", 0}, {"/spaces/wide/test", 0},
        {"/spaces/narrow/train", 0}, {"/spaces/rot-b/test", 0},
        {"/spaces/wide/heads/linear/weight", 0}, {"/spaces/wide/heads/linear/bias", 0},
        {"/spaces/wide/heads/mlp-gelu/layer_1/weight", 0},
        {"/spaces/wide/heads/mlp-gelu/layer_1/bias", 0},
        {"/samples/train/ids", 100000}, {"/samples/test/ids", 100000},
        {"/samples/train/labels", 0}, {"/samples/test/labels", 0},
    };
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        for (int lazy = 0; lazy < 2; lazy++) {
            copy_file(src, copy);
            nudge(copy, fields[i].path, fields[i].delta);
            assert_ok(dump_load_flags(&d, copy, NULL, 0, lazy ? DUMP_TRAIN_ON_DEMAND : 0));
            if (d->content_hash == h0)
                fail_msg("changing %s (%s load) leaves the content hash as it was",
                         fields[i].path, lazy ? "on-demand" : "eager");
            dump_free(d);
        }
    }
    copy_file(src, copy);
    set_attr(copy, "/spaces/wide/heads/mlp-gelu", "activation", "relu");
    assert_ok(dump_load(&d, copy, NULL, 0));
    assert_int_equal(dump_find_head(dump_find_space(d, "wide"), "mlp-gelu")->head.activation,
                     IRP_ACT_RELU);
    if (d->content_hash == h0)
        fail_msg("changing a head's activation leaves the content hash as it was");
    dump_free(d);
    unlink(copy);
    rmdir(tmp);
}

/* What the guarded child hands over for a dump loaded with the training split
 * on demand: the file as it was, and per space its name's hash, train's
 * shape, train_hash and test_hash. */
static size_t handover_of(uint64_t *h, size_t cap, const dump *d)
{
    size_t n = DUMP_HAND_HEAD + DUMP_HAND_SPACE * d->num_spaces;
    assert_true(n <= cap);
    h[0] = DUMP_HAND_MAGIC, h[1] = d->file.dev, h[2] = d->file.ino, h[3] = d->file.size;
    h[4] = (uint64_t)d->file.mtime_ns, h[5] = d->num_spaces;
    for (size_t i = 0; i < d->num_spaces; i++) {
        uint64_t *e = h + DUMP_HAND_HEAD + DUMP_HAND_SPACE * i;
        const dump_space *s = &d->spaces[i];
        e[0] = fnv1a(FNV1A_INIT, s->name, strlen(s->name) + 1);
        e[1] = s->train.rows, e[2] = s->train.cols, e[3] = s->train_hash;
        e[4] = s->test_hash;
    }
    return n;
}

/* issue 31: the checked load reads the training split once (in the guarded
 * child), and the parent takes the child's hash only for the same file. A
 * forged train_hash shows which: taken, the content hash moves; ignored (the
 * parent streamed through the split itself), it is the true one. */
static void checked_load_takes_the_childs_training_split_only_for_the_same_file(void **state)
{
    (void)state;
    char tmp[] = "/tmp/irp-hand-XXXXXX", copy[64], src[1024];
    scratch_for_tiny(tmp, copy, sizeof copy, src, sizeof src);
    copy_file(src, copy);
    dump *d0, *d;
    uint64_t start = dump_scanned_bytes(), all = 0;
    assert_ok(dump_load_flags(&d0, copy, NULL, 0, DUMP_TRAIN_ON_DEMAND));
    const uint64_t h0 = d0->content_hash;
    for (size_t i = 0; i < d0->num_spaces; i++)
        all += d0->spaces[i].train.rows * d0->spaces[i].train.cols * sizeof(float);
    assert_int_equal(dump_scanned_bytes() - start, all);
    /* the real handover: same hash, same rows, the split still on demand, and
     * none of it streamed through here (the load above streamed all of it) */
    uint64_t before = dump_scanned_bytes();
    assert_ok(dump_load_checked(&d, copy, NULL, 0, DUMP_TRAIN_ON_DEMAND));
    assert_int_equal(dump_scanned_bytes(), before);
    assert_int_equal(d->content_hash, h0);
    assert_int_equal(d->num_spaces, 4);
    for (size_t i = 0; i < d->num_spaces; i++) {
        assert_null(d->spaces[i].train.data);
        assert_int_equal(d->spaces[i].train_hash, d0->spaces[i].train_hash);
        size_t idx[3] = {599, 0, 17};
        irp_mat *x = dump_rows(&d0->spaces[i].train, idx, 3), *y = dump_rows(&d->spaces[i].train, idx, 3);
        assert_non_null(y);
        assert_memory_equal(x->data, y->data, 3 * x->cols * sizeof(double));
        irp_mat_free(x);
        irp_mat_free(y);
    }
    dump_free(d);
    /* a genuine handover taken directly: the same */
    uint64_t hand[64], forged[64];
    size_t n = handover_of(hand, 64, d0);
    assert_ok(dump_load_handed(&d, copy, NULL, 0, DUMP_TRAIN_ON_DEMAND, hand, n));
    assert_int_equal(d->content_hash, h0);
    dump_free(d);
    /* taken: a forged train_hash of space 2 is what the space reports (the
     * content hash goes on from the handed test_hash, which continues the chain) */
    memcpy(forged, hand, n * sizeof *hand);
    forged[DUMP_HAND_HEAD + 2 * DUMP_HAND_SPACE + 3] ^= 1;
    assert_ok(dump_load_handed(&d, copy, NULL, 0, DUMP_TRAIN_ON_DEMAND, forged, n));
    assert_int_equal(d->content_hash, h0);
    assert_true(d->spaces[2].train_hash == (d0->spaces[2].train_hash ^ 1));
    assert_int_equal(d->spaces[1].content_hash, d0->spaces[1].content_hash);
    dump_free(d);
    /* taken: the test split's hash too (its rows are read and checked here, not hashed) */
    memcpy(forged, hand, n * sizeof *hand);
    forged[DUMP_HAND_HEAD + 2 * DUMP_HAND_SPACE + 4] ^= 1;
    before = dump_scanned_bytes();
    assert_ok(dump_load_handed(&d, copy, NULL, 0, DUMP_TRAIN_ON_DEMAND, forged, n));
    assert_int_equal(dump_scanned_bytes(), before);
    assert_true(d->spaces[2].test_hash == (d0->spaces[2].test_hash ^ 1));
    assert_true(d->content_hash != h0);
    assert_int_equal(d->spaces[2].train_hash, d0->spaces[2].train_hash);
    irp_mat *t0 = dump_rows(&d0->spaces[2].test, NULL, 200), *t1 = dump_rows(&d->spaces[2].test, NULL, 200);
    assert_non_null(t1);
    assert_memory_equal(t0->data, t1->data, 200 * t0->cols * sizeof(double));
    irp_mat_free(t0);
    irp_mat_free(t1);
    dump_free(d);
    /* ignored: another file identity (each field), a cut-short or foreign
     * handover, an eager load, another space's name, another shape */
    static const struct { size_t word; uint64_t xor; size_t words_less; unsigned flags; } off[] = {
        {0, 1, 0, DUMP_TRAIN_ON_DEMAND}, {1, 1, 0, DUMP_TRAIN_ON_DEMAND},
        {2, 1, 0, DUMP_TRAIN_ON_DEMAND}, {3, 1, 0, DUMP_TRAIN_ON_DEMAND},
        {4, 1, 0, DUMP_TRAIN_ON_DEMAND}, {5, 0, 1, DUMP_TRAIN_ON_DEMAND},
        {5, 0, 0, 0},
        {DUMP_HAND_HEAD + 2 * DUMP_HAND_SPACE + 0, 1, 0, DUMP_TRAIN_ON_DEMAND},
        {DUMP_HAND_HEAD + 2 * DUMP_HAND_SPACE + 1, 1, 0, DUMP_TRAIN_ON_DEMAND},
        {DUMP_HAND_HEAD + 2 * DUMP_HAND_SPACE + 2, 1, 0, DUMP_TRAIN_ON_DEMAND},
    };
    for (size_t c = 0; c < sizeof off / sizeof *off; c++) {
        memcpy(forged, hand, n * sizeof *hand);
        forged[DUMP_HAND_HEAD + 2 * DUMP_HAND_SPACE + 3] ^= 1;
        forged[DUMP_HAND_HEAD + 2 * DUMP_HAND_SPACE + 4] ^= 1;
        forged[off[c].word] ^= off[c].xor;
        assert_ok(dump_load_handed(&d, copy, NULL, 0, off[c].flags, forged, n - off[c].words_less));
        if (d->content_hash != h0)
            fail_msg("case %zu: a handover that does not fit the file was taken", c);
        dump_free(d);
    }
    /* only some spaces loaded: their entries are in load order */
    const char *two[] = {"wide", "narrow"};
    dump *p0;
    assert_ok(dump_load_flags(&p0, copy, two, 2, DUMP_TRAIN_ON_DEMAND));
    size_t pn = handover_of(forged, 64, p0);
    assert_ok(dump_load_handed(&d, copy, two, 2, DUMP_TRAIN_ON_DEMAND, forged, pn));
    assert_int_equal(d->content_hash, p0->content_hash);
    dump_free(d);
    dump_free(p0);
    /* the file replaced after the child read it: validated again, so a NaN
     * the child never saw is refused, not trusted */
    copy_file(data_path("bad/nan.h5"), copy);
    struct timespec later[2] = {{0, UTIME_OMIT}, {(time_t)(hand[4] / 1000000000) + 5, 0}};
    assert_int_equal(utimensat(AT_FDCWD, copy, later, 0), 0);
    assert_fails(dump_load_handed(&d, copy, NULL, 0, DUMP_TRAIN_ON_DEMAND, hand, n), IRP_EDATA,
                 "non-finite value at row 3, column 5");
    assert_null(d);
    dump_free(d0);
    unlink(copy);
    rmdir(tmp);
}

int main(void)
{
    struct CMUnitTest tests[64];
    size_t n = 0;
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(good_dump_loads_with_shapes);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(loads_only_requested_spaces);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(released_rows_fail_clearly);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(side_by_side_scan_hashes_as_one_space_at_a_time);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(train_on_demand_reads_the_same_rows);
    for (size_t i = 0; i < sizeof bad_cases / sizeof *bad_cases; i++) {
        struct CMUnitTest t = cmocka_unit_test_prestate(bad_file_rejected, &bad_cases[i]);
        t.name = bad_cases[i].file;
        tests[n++] = t;
    }
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(real_slice_heads_match_and_irp_stitches);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(content_hash_sees_every_number_moving_field);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(
        checked_load_takes_the_childs_training_split_only_for_the_same_file);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(split_check_is_the_single_check);
    return _cmocka_run_group_tests("dump", tests, n, NULL, NULL);
}
