/* Unit tests of core/irp_rng: splitmix64, seeded anchor indices, subspace first points. */
#include "testutil.h"

static void splitmix64_known_answers(void **state)
{
    (void)state;
    irp_rng r;
    irp_rng_seed(&r, 0);
    assert_true(irp_rng_next(&r) == 0xE220A8397B1DCDAFULL);
    assert_true(irp_rng_next(&r) == 0x6E789E6AA1B965F4ULL);
    assert_true(irp_rng_next(&r) == 0x06C45D188009454FULL);
}

static void anchor_indices_known_answer_and_nesting(void **state)
{
    (void)state;
    /* Hand-derived: n = 10, seed 0: j0 = 0 + 0xE220A8397B1DCDAF % 10 = 7,
     * j1 = 1 + 0x6E789E6AA1B965F4 % 9 = 1 + 2 = 3, j2 = 2 + 0x06C45D188009454F % 8 = 2 + 7 = 9. */
    size_t idx[3];
    assert_ok(irp_anchor_indices(idx, 10, 3, 0));
    assert_int_equal(idx[0], 0xE220A8397B1DCDAFULL % 10);
    assert_int_equal(idx[1], 1 + 0x6E789E6AA1B965F4ULL % 9);
    assert_int_equal(idx[2], 2 + 0x06C45D188009454FULL % 8);
    size_t big[1280], small[128];
    assert_ok(irp_anchor_indices(big, 60000, 1280, 42));
    assert_ok(irp_anchor_indices(small, 60000, 128, 42));
    assert_memory_equal(big, small, sizeof small);
    unsigned char *seen = calloc(60000, 1);
    for (size_t i = 0; i < 1280; i++) {
        assert_true(big[i] < 60000);
        assert_false(seen[big[i]]);
        seen[big[i]] = 1;
    }
    free(seen);
}

static void anchor_indices_reject_bad_counts(void **state)
{
    (void)state;
    size_t idx[4];
    assert_fails(irp_anchor_indices(idx, 10, 0, 0), IRP_EINVAL, "at least 1");
    assert_fails(irp_anchor_indices(idx, 3, 4, 0), IRP_EINVAL, "only 3 samples");
    /* the boundary: every sample an anchor is allowed, a permutation of them all */
    assert_ok(irp_anchor_indices(idx, 4, 4, 0));
    int seen[4] = {0};
    for (size_t i = 0; i < 4; i++) {
        assert_true(idx[i] < 4);
        seen[idx[i]]++;
    }
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(seen[i], 1);
}

static void subspace_first_point_is_seeded(void **state)
{
    (void)state;
    irp_rng r;
    irp_rng_seed(&r, 7 + 2);
    assert_int_equal(irp_subspace_first(7, 2, 100), irp_rng_next(&r) % 100);
}

int main(void)
{
    const struct CMUnitTest core_rng[] = {
        cmocka_unit_test(splitmix64_known_answers),
        cmocka_unit_test(anchor_indices_known_answer_and_nesting),
        cmocka_unit_test(anchor_indices_reject_bad_counts),
        cmocka_unit_test(subspace_first_point_is_seeded),
    };
    return cmocka_run_group_tests(core_rng, NULL, NULL);
}
