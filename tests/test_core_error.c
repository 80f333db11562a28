/* Unit tests of core/irp_error: status names and the last-error message. */
#include "testutil.h"

static void status_strings(void **state)
{
    (void)state;
    assert_string_equal(irp_status_string(IRP_OK), "ok");
    assert_string_equal(irp_status_string(IRP_EINVAL), "invalid argument");
    assert_string_equal(irp_status_string(IRP_ENOMEM), "out of memory");
    assert_string_equal(irp_status_string(IRP_ENUMERIC), "numerical failure");
    assert_string_equal(irp_status_string(IRP_ELAPACK), "LAPACK failure");
    assert_string_equal(irp_status_string(IRP_EDATA), "invalid input data");
    assert_string_equal(irp_status_string((irp_status)7), "unknown status");
}

/* irp_fail returns its status and keeps the message; a message built from the
 * previous one (a caller adding context) keeps all of it. */
static void fail_keeps_message_and_context(void **state)
{
    (void)state;
    irp_clear_error();
    assert_string_equal(irp_last_error(), "");
    assert_int_equal(irp_fail(IRP_ENUMERIC, "row %d has zero norm", 7), IRP_ENUMERIC);
    assert_string_equal(irp_last_error(), "row 7 has zero norm");
    assert_int_equal(irp_fail(IRP_EDATA, "space %s: %s", "narrow", irp_last_error()), IRP_EDATA);
    assert_string_equal(irp_last_error(), "space narrow: row 7 has zero norm");
    assert_int_equal(irp_last_status(), IRP_EDATA); /* the status of that last failure */
    irp_clear_error(); /* clears a message that is there, not only an empty one */
    assert_string_equal(irp_last_error(), "");
    assert_int_equal(irp_last_status(), IRP_OK);
    /* a real core failure names its reason */
    size_t idx[2];
    assert_fails(irp_anchor_indices(idx, 1, 2, 0), IRP_EINVAL, "only 1 samples");
}

int main(void)
{
    const struct CMUnitTest core_error[] = {
        cmocka_unit_test(status_strings),
        cmocka_unit_test(fail_keeps_message_and_context),
    };
    return cmocka_run_group_tests(core_error, NULL, NULL);
}
