/* The Python module (python/irp/), the walk-through of docs/own-encoders.md and make install,
 * and scripts/mutagen.py, each a pytest file under tests/python/ run with Debian's python3-pytest: a
 * test passes when pytest exits 0 having run at least one test, with none
 * skipped, xfailed or deselected. */
#include "testutil.h"

#include <sys/wait.h>
#include <unistd.h>

static void pytest(const char *file)
{
    char cmd[2048], out[512];
    snprintf(out, sizeof out, "/tmp/irp-pytest-%d.log", (int)getpid());
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -m pytest -q -p no:cacheprovider -rsxX tests/python/%s > %s 2>&1",
             file, out);
    int st = system(cmd);
    char tail[8192] = ""; /* the log's last 8 KB: pytest's summary line is at its end */
    FILE *f = fopen(out, "r");
    if (f) {
        long size = !fseek(f, 0, SEEK_END) ? ftell(f) : 0;
        if (size > (long)sizeof tail - 1)
            fseek(f, size - (long)(sizeof tail - 1), SEEK_SET);
        else
            rewind(f);
        size_t n = fread(tail, 1, sizeof tail - 1, f);
        tail[n] = '\0';
        fclose(f);
    }
    remove(out);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        fail_msg("pytest %s failed:\n%s", file, tail);
    if (strstr(tail, "skipped") || strstr(tail, "xfail") || strstr(tail, "deselected") ||
        !strstr(tail, " passed"))
        fail_msg("pytest %s: every test must run and pass:\n%s", file, tail);
}

static void python_module(void **state)
{
    (void)state;
    pytest("test_module.py");
    pytest("test_read.py");
}

static void walkthrough(void **state)
{
    (void)state;
    pytest("test_walkthrough.py");
}

static void make_install(void **state)
{
    (void)state;
    pytest("test_install.py");
}

static void mutation_generator(void **state)
{
    (void)state;
    pytest("test_mutagen.py");
}

static void stage_account(void **state)
{
    (void)state;
    pytest("test_account.py"); /* irp run --account and bench/roofline.py */
}

static void shared_fps(void **state)
{
    (void)state;
    pytest("test_shared_fps.py"); /* one FPS trace serves every delta of a sweep */
}

static void pretrained(void **state)
{
    (void)state;
    pytest("test_pretrained_fetch.py"); /* npm tarballs: pinned, checked, nothing half-made */
    pytest("test_pretrained_runtime.py"); /* the TF.js models in PyTorch: safe parse, same features */
    pytest("test_pretrained_producers.py"); /* the dump producers: real slice, cache, bad input */
}

static void emoji_builder(void **state)
{
    (void)state;
    pytest("test_emoji.py");
    pytest("test_data_scripts.py");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(python_module),
        cmocka_unit_test(walkthrough),
        cmocka_unit_test(make_install),
        cmocka_unit_test(stage_account),
        cmocka_unit_test(shared_fps),
        cmocka_unit_test(pretrained),
        cmocka_unit_test(emoji_builder),
        cmocka_unit_test(mutation_generator),
    };
    return cmocka_run_group_tests_name("python", tests, NULL, NULL);
}
