/* Replays the fuzz targets' committed inputs (fuzz/regressions/<target>/, every
 * crash a fuzzer found) and their seeds, through the same code as the fuzzers,
 * in the normal and the sanitizer build; dumps that crash libhdf5 itself must
 * be refused cleanly by dump_load_checked, as irp's commands read dumps. */
#include "testutil.h"

#include "cli/commands.h"

#include <dirent.h>

#include "plumbing/dump.h"

#define LLVMFuzzerTestOneInput fuzz_config_one
#include "../fuzz/fuzz_config.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_table_one
#include "../fuzz/fuzz_table.c"
#undef LLVMFuzzerTestOneInput

typedef int (*one_fn)(const uint8_t *, size_t);

/* Calls fn on every regular file of dir; returns how many. */
static size_t replay_dir(const char *dir, one_fn fn)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = e->d_name[0] == '.' ? NULL : fopen(path, "rb");
        if (!f)
            continue;
        static uint8_t buf[1 << 20];
        size_t len = fread(buf, 1, sizeof buf, f);
        fclose(f);
        assert_int_equal(fn(buf, len), 0);
        n++;
    }
    if (d)
        closedir(d);
    return n;
}

static void config_inputs(void **state)
{
    (void)state;
    size_t n = replay_dir("fuzz/regressions/config", fuzz_config_one) +
               replay_dir("configs", fuzz_config_one) + replay_dir("configs/paper", fuzz_config_one);
    assert_true(n >= 25);
}

static void table_inputs(void **state)
{
    (void)state;
    size_t n = replay_dir("fuzz/regressions/table", fuzz_table_one) + replay_dir("results", fuzz_table_one);
    assert_true(n >= 20);
}

static int read_translator_child(void *path)
{
    return translate_read_file(path);
}

/* Each committed dump crashed or hung libhdf5 1.10.8 under the fuzzer: irp's
 * commands must refuse it with a one-line error, not crash. */
static void dump_inputs_contained(void **state)
{
    (void)state;
    setenv("IRP_LOAD_TIMEOUT", "3", 1); /* some of these make libhdf5 loop for ever */
    DIR *d = opendir("fuzz/regressions/dump");
    assert_non_null(d);
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        char path[1024];
        snprintf(path, sizeof path, "fuzz/regressions/dump/%s", e->d_name);
        dump *dp = NULL;
        irp_clear_error();
        int rc = dump_load_checked(&dp, path, NULL, 0, 0);
        if (rc == IRP_OK) { /* a file the library reads cleanly after all is fine too */
            dump_free(dp);
        } else {
            assert_int_equal(rc, IRP_EDATA);
            if (strncmp(irp_last_error(), path, strlen(path)) || strchr(irp_last_error(), '\n'))
                fail_msg("%s: message '%s' does not name the file in one line", path,
                         irp_last_error());
        }
        n++;
    }
    closedir(d);
    assert_true(n >= 5);
    /* the translator reader's findings, read as --apply reads them: guarded */
    d = opendir("fuzz/regressions/translator");
    assert_non_null(d);
    n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        char path[1024];
        snprintf(path, sizeof path, "fuzz/regressions/translator/%s", e->d_name);
        irp_clear_error();
        int rc = dump_guarded(path, read_translator_child, path);
        if (rc == IRP_OK)
            rc = translate_read_file(path);
        if (rc != IRP_OK &&
            (strncmp(irp_last_error(), path, strlen(path)) || strchr(irp_last_error(), '\n')))
            fail_msg("%s: message '%s' does not name the file in one line", path,
                     irp_last_error());
        n++;
    }
    closedir(d);
    unsetenv("IRP_LOAD_TIMEOUT");
    assert_true(n >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(config_inputs),
        cmocka_unit_test(table_inputs),
        cmocka_unit_test(dump_inputs_contained),
    };
    return cmocka_run_group_tests_name("fuzz_replay", tests, NULL, NULL);
}
