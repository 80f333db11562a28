/* The normal build under valgrind's memcheck, once per make test: unit test
 * binaries and irp commands on the synthetic dump (worker threads, figures,
 * report, translate, inspect, and error paths), each required to finish with
 * no memcheck error and no definite leak (--error-exitcode). Not part of the
 * sanitizer run: ASan and valgrind do not mix. */
#include "testutil.h"

#include <sys/wait.h>
#include <unistd.h>

static char work[256];

static int vg(const char *what)
{
    char cmd[8192];
    const char *d = getenv("IRP_TEST_DATA");
    snprintf(cmd, sizeof cmd,
             /* IRP_UNPINNED: irp's BLAS pin re-executes irp, which valgrind would not follow;
              * IRP_LOAD_TIMEOUT: the guarded read of a dump runs under valgrind too, tens
              * of times slower than the 10 s default allows for on a busy machine */
             "cd '%s' && export IRP_UNPINNED=1 IRP_LOAD_TIMEOUT=600 && TINY='%s/%s/tiny.h5' "
             "ROOT='%s' && "
             "VG='valgrind -q --error-exitcode=99 --leak-check=full "
             "--errors-for-leak-kinds=definite' && ( %s ) > vg.out 2>&1",
             work, d && d[0] == '/' ? "" : getenv("PWD"), d ? d : "build/testdata",
             getenv("PWD"), what);
    int st = system(cmd);
    int rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    if (rc == 99) {
        char show[512];
        snprintf(show, sizeof show, "tail -40 '%s/vg.out'", work);
        if (system(show)) {
        }
    }
    return rc;
}

static int setup(void **state)
{
    (void)state;
    return tu_mkwork(work, sizeof work, "valgrind");
}

static int teardown(void **state)
{
    (void)state;
    return tu_rmwork(work);
}

static void unit_binaries(void **state)
{
    (void)state;
    const char *bins[] = {"test_config", "test_csvio", "test_agg", "test_core_linalg",
                          "test_core_translate", "test_core_anchors"};
    for (size_t i = 0; i < sizeof bins / sizeof *bins; i++) {
        char c[512];
        snprintf(c, sizeof c, "cd \"$ROOT\" && $VG build/tests/%s", bins[i]);
        if (vg(c) != 0)
            fail_msg("%s under valgrind failed", bins[i]);
    }
}

static void irp_commands(void **state)
{
    (void)state;
    assert_int_equal(
        vg("printf '[experiment]\\ntype = stitch\\ndata = %s\\nanchors = 100\\nomega = 1, 2\\n"
           "delta = 0.5\\n[report]\\nclaims = reuse\\n' \"$TINY\" > s.ini && "
           "printf '[experiment]\\ntype = invert\\ndata = %s\\nanchors = 50\\nretrieval = true\\n' "
           "\"$TINY\" > i.ini && "
           "printf '[experiment]\\ntype = scale-distribution\\ndata = %s\\n' \"$TINY\" > d.ini && "
           "$VG \"$ROOT/build/irp\" run --quiet --threads 2 s.ini i.ini d.ini && "
           "$VG \"$ROOT/build/irp\" report --paper none s.ini i.ini d.ini && "
           "$VG \"$ROOT/build/irp\" translate --data \"$TINY\" --from rot-a --to wide --anchors 100 "
           "--omega 2 --delta 0.5 --center --out t.h5 --translator && "
           "$VG \"$ROOT/build/irp\" inspect t.h5 > /dev/null"),
        0);
    /* error paths: exit 1 from irp, not 99 from memcheck */
    assert_int_equal(vg("printf '[experiment]\\ntype = invert\\ndata = nowhere.h5\\n' > b.ini && "
                        "$VG \"$ROOT/build/irp\" run b.ini"),
                     1);
    assert_int_equal(vg("printf '[experiment]\\ntype = stitch\\ndata = %s\\nhead = forest\\n' "
                        "\"$TINY\" > h.ini && $VG \"$ROOT/build/irp\" run h.ini"),
                     1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(unit_binaries, setup, teardown),
        cmocka_unit_test_setup_teardown(irp_commands, setup, teardown),
    };
    return cmocka_run_group_tests_name("valgrind", tests, NULL, NULL);
}
