/* Unit tests of core/irp_reference: orthogonal Procrustes and affine baselines. */
#include "testutil.h"

static void procrustes_recovers_rotation(void **state)
{
    (void)state;
    pair_fixture f = make_rotated(60, 9, 1.0, 0.0, 101);
    irp_mat *w = irp_mat_new(9, 9), *q = tu_rotation(9, 101 + 100);
    assert_ok(irp_procrustes_fit(w, f.x_train, f.y_train));
    assert_true(tu_max_abs_diff(w, q) < 1e-10);
    irp_mat_free(w); irp_mat_free(q); free_fixture(&f);
}

static void affine_recovers_affine_map(void **state)
{
    (void)state;
    irp_mat *x = tu_gauss_mat(50, 6, 111), *m = tu_gauss_mat(6, 4, 112);
    irp_mat *y = tu_mul(x, m);
    for (size_t i = 0; i < 50; i++)
        for (size_t j = 0; j < 4; j++)
            IRP_AT(y, i, j) += (double)j - 1.5;
    irp_mat *w = irp_mat_new(7, 4), *xt = tu_gauss_mat(10, 6, 113), *yt = tu_mul(xt, m);
    irp_mat *pred = irp_mat_new(10, 4);
    for (size_t i = 0; i < 10; i++)
        for (size_t j = 0; j < 4; j++)
            IRP_AT(yt, i, j) += (double)j - 1.5;
    assert_ok(irp_affine_fit(w, x, y, -1));
    assert_ok(irp_affine_apply(pred, w, xt));
    assert_true(tu_max_abs_diff(pred, yt) < 1e-10);
    irp_mat *short_y = tu_gauss_mat(49, 4, 1);
    assert_fails(irp_affine_fit(w, x, short_y, -1), IRP_EINVAL, "not parallel");
    irp_mat *narrow = tu_gauss_mat(10, 5, 114); /* samples of another dimension */
    assert_fails(irp_affine_apply(pred, w, narrow), IRP_EINVAL,
                 "affine map has 7 rows; samples of dimension 5 need 6");
    irp_mat_free(narrow);
    irp_mat_free(x); irp_mat_free(m); irp_mat_free(y); irp_mat_free(w); irp_mat_free(xt);
    irp_mat_free(yt); irp_mat_free(pred); irp_mat_free(short_y);
}

int main(void)
{
    const struct CMUnitTest core_reference[] = {
        cmocka_unit_test(procrustes_recovers_rotation),
        cmocka_unit_test(affine_recovers_affine_map),
    };
    return cmocka_run_group_tests(core_reference, NULL, NULL);
}
