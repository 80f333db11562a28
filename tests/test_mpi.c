/* The MPI build (build/irp-mpi) under mpirun on the synthetic dump: its tables
 * are byte-identical to the plain build's for any number of ranks and threads;
 * a rank killed mid-run leaves no table and the finished cells, and a rerun
 * with another number of ranks gives the same tables; a rank's error and a bad
 * config end the job non-zero with irp's message printed once. */
#include "testutil.h"

#include <stdarg.h>

static char work[256], err_out[65536], root[1024], plain[1100], mpi[1200], tiny[1100];

/* Runs a shell command in `work`; stderr kept in err_out. */
static int sh(const char *fmt, ...)
{
    char body[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    return tu_sh(work, err_out, sizeof err_out, body);
}

/* mpirun as the tests need it: root allowed (CI runs as root), more ranks
 * than cores, no other hosts; and a time limit, since the likely failure of
 * a rank that misses a collective is a hang (each run here takes seconds;
 * timeout exits 124, a failure like any other). */
#define MPIRUN "timeout -k 10 300 mpirun --allow-run-as-root --oversubscribe"

static int exists(const char *rel)
{
    return tu_exists(work, rel);
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static int setup(void **state)
{
    (void)state;
    if (tu_mkwork(work, sizeof work, "mpi"))
        return -1;
    snprintf(root, sizeof root, "%s", getenv("PWD"));
    tu_abs(plain, sizeof plain, tu_irp_bin());
    snprintf(mpi, sizeof mpi, "%s-mpi", plain);
    const char *d = getenv("IRP_TEST_DATA");
    snprintf(tiny, sizeof tiny, "%s/%s/tiny.h5", d && d[0] == '/' ? "" : root,
             d ? d : "build/testdata");
    /* a grid of 12 cell groups (anchors x delta x center; omega grouped) and an
     * invert config with retrieval */
    FILE *f;
    char p[600];
    snprintf(p, sizeof p, "%s/grid.ini", work);
    if (!(f = fopen(p, "w")))
        return -1;
    fprintf(f, "[experiment]\ntype = stitch\ndata = %s\nanchors = 100, 200\nomega = 1, 4\n"
               "delta = 0, 0.5, 0.65\ncenter = false, true\n", tiny);
    fclose(f);
    snprintf(p, sizeof p, "%s/inv.ini", work);
    if (!(f = fopen(p, "w")))
        return -1;
    fprintf(f, "[experiment]\ntype = invert\ndata = %s\nanchors = 150\nomega = 1, 2, 8\n"
               "delta = 0, 0.5, 0.75\ncenter = false, true\nretrieval = true\n", tiny);
    fclose(f);
    /* the reference: the plain build, one process */
    return sh("'%s' run --quiet --no-plots --results ref grid.ini inv.ini", plain) ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    return tu_rmwork(work);
}

static void same_tables(const char *dir)
{
    if (sh("cmp ref/grid.csv %s/grid.csv && cmp ref/inv.csv %s/inv.csv", dir, dir))
        fail_msg("tables in %s differ from the single-process run:\n%s", dir, err_out);
}

static void identical_for_any_ranks_and_threads(void **state)
{
    (void)state;
    if (sh(MPIRUN " -np 3 '%s' run --quiet --no-plots --threads 1 --results r3 grid.ini inv.ini",
           mpi))
        fail_msg("mpirun -np 3 failed:\n%s", err_out);
    same_tables("r3");
    if (sh(MPIRUN " -np 2 '%s' run --quiet --no-plots --threads 2 --results r2 grid.ini inv.ini",
           mpi))
        fail_msg("mpirun -np 2 failed:\n%s", err_out);
    same_tables("r2");
    /* one rank of the MPI build is the plain build */
    if (sh(MPIRUN " -np 1 '%s' run --quiet --no-plots --results r1 grid.ini inv.ini", mpi))
        fail_msg("mpirun -np 1 failed:\n%s", err_out);
    same_tables("r1");
    /* the work was split: the summary names the other ranks' share */
    assert_int_equal(sh(MPIRUN " -np 3 '%s' run --force --no-plots --threads 1 --results r3 "
                        "grid.ini", mpi), 0);
    assert_non_null(strstr(err_out, "[grid] 24 cells, split by source space into "));
    assert_non_null(strstr(err_out, "by the other 2 ranks, 0 reused from a stopped run; 0 cells "
                                    "resumed)"));
    assert_null(strstr(err_out, "(0 cell slices computed by rank 0"));
    same_tables("r3");
    /* the slices are merged into cell files and removed */
    assert_int_equal(sh("ls r3/grid.cells | grep -q src"), 1);
}

static void killed_rank_then_resume(void **state)
{
    (void)state;
    /* rank 1 dies (SIGKILL) after its second cell: the job fails, no table */
    int rc = sh("IRP_TEST_KILL_RANK=1 IRP_TEST_KILL_AFTER_CELLS=2 " MPIRUN " -np 3 '%s' run "
                "--quiet --no-plots --threads 1 --results rk grid.ini",
                mpi);
    assert_int_not_equal(rc, 0);
    assert_false(exists("rk/grid.csv"));
    assert_true(exists("rk/grid.cells"));
    /* the cells finished before it are kept; a rerun with 2 ranks completes */
    if (sh(MPIRUN " -np 2 '%s' run --no-plots --threads 1 --results rk grid.ini inv.ini", mpi))
        fail_msg("rerun failed:\n%s", err_out);
    const char *at = strstr(err_out, "[grid] 24 cells, split by source space");
    assert_non_null(at);
    char line[512];
    snprintf(line, sizeof line, "%.*s", (int)strcspn(at, "\n"), at);
    assert_non_null(strstr(line, " reused from a stopped run"));
    assert_null(strstr(line, "ranks, 0 reused")); /* the killed run's slices were kept */
    same_tables("rk");
    assert_int_equal(sh("ls rk/grid.cells | grep -q src"), 1);
    /* a rerun resumes every cell, with any number of ranks */
    if (sh(MPIRUN " -np 3 '%s' run --no-plots --threads 1 --results rk grid.ini", mpi))
        fail_msg("second rerun failed:\n%s", err_out);
    assert_non_null(strstr(err_out, "0 cell slices computed by rank 0, 0 by the other 2 ranks, 0 "
                                    "reused from a stopped run; 24 cells resumed)"));
    same_tables("rk");
}

/* A stopped job's slices are checked before they are reused: a slice holding
 * another source's rows (with a valid trailer) is computed again; a plain run
 * that completes the cells removes the slices it does not need. */
static void tampered_and_leftover_slices(void **state)
{
    (void)state;
    const char *kill = "IRP_TEST_KILL_RANK=1 IRP_TEST_KILL_AFTER_CELLS=2 " MPIRUN " -np 3 '%s' run "
                       "--quiet --no-plots --threads 1 --results %s grid.ini";
    assert_int_not_equal(sh(kill, mpi, "rt"), 0);
    /* slice 1 of some cell replaced by slice 0 of the same cell: rows of the wrong source */
    assert_int_equal(sh("f=$(ls rt/grid.cells/*.csv.src0 | head -1) && test -n \"$f\" && "
                        "cp \"$f\" \"${f%%0}1\""),
                     0);
    if (sh(MPIRUN " -np 2 '%s' run --quiet --no-plots --threads 1 --results rt grid.ini", mpi))
        fail_msg("rerun failed:\n%s", err_out);
    assert_int_equal(sh("cmp ref/grid.csv rt/grid.csv"), 0);
    /* leftovers completed by the plain build: same table, no slice left */
    assert_int_not_equal(sh(kill, mpi, "rp"), 0);
    assert_int_equal(sh("ls rp/grid.cells | grep -q src"), 0);
    if (sh("'%s' run --quiet --no-plots --results rp grid.ini", plain))
        fail_msg("plain rerun failed:\n%s", err_out);
    assert_int_equal(sh("cmp ref/grid.csv rp/grid.csv"), 0);
    assert_int_equal(sh("ls rp/grid.cells | grep -q src"), 1);
}

static void rank_error_once_no_table(void **state)
{
    (void)state;
    int rc = sh("IRP_TEST_FAIL_RANK=2 " MPIRUN " -np 3 '%s' run --quiet --no-plots --threads 1 "
                "--results rf grid.ini",
                mpi);
    assert_int_not_equal(rc, 0);
    assert_int_equal(count(err_out, "irp: "), 1);
    assert_non_null(strstr(err_out, "irp: grid.ini: rank 2 of 3: injected failure "
                                    "(IRP_TEST_FAIL_RANK=2)\n"));
    assert_false(exists("rf/grid.csv"));
    assert_false(exists("rf/grid.csv.tmp"));
}

static void bad_config_once(void **state)
{
    (void)state;
    assert_int_equal(sh("printf '[experiment]\\ntype = stitch\\ndata = %s\\nomega = 0\\n' > "
                        "bad.ini",
                        tiny),
                     0);
    int rc = sh(MPIRUN " -np 3 '%s' run --results rb bad.ini", mpi);
    assert_int_not_equal(rc, 0);
    assert_int_equal(count(err_out, "irp: "), 1);
    assert_non_null(strstr(err_out, "irp: bad.ini:4: key 'omega': value '0': expected an "
                                    "integer >= 1\n"));
    assert_false(exists("rb/bad.csv"));
    /* a missing dump, too: one message, every rank stops */
    assert_int_equal(sh("sed 's|^data = .*|data = nowhere.h5|' grid.ini > nodump.ini"), 0);
    rc = sh(MPIRUN " -np 2 '%s' run --results rb nodump.ini", mpi);
    assert_int_not_equal(rc, 0);
    assert_int_equal(count(err_out, "irp: "), 1);
    assert_non_null(strstr(err_out, "nowhere.h5"));
}

/* Ranks that do not share the results directory, or read different dumps at
 * the same path (two "nodes" simulated by two working directories): refused at
 * the start, once, naming the rank, before any cell is computed. */
static void ranks_must_share_results_and_dump(void **state)
{
    (void)state;
    assert_int_equal(sh("mkdir -p A B && cp '%s' A/d.h5 && cp '%s' B/d.h5 && "
                        "sed 's|^data = .*|data = d.h5|' grid.ini > A/g.ini && cp A/g.ini B/g.ini",
                        tiny, tiny),
                     0);
    int rc = sh(MPIRUN " -np 1 --wdir A '%s' run --quiet --no-plots --threads 1 --results r "
                "g.ini : -np 1 --wdir B '%s' run --quiet --no-plots --threads 1 --results r g.ini",
                mpi, mpi);
    assert_int_not_equal(rc, 0);
    assert_int_equal(count(err_out, "irp: "), 1);
    assert_non_null(strstr(err_out, "irp: g.ini: rank 1 of 2: r: not the results directory "
                                    "rank 0 writes"));
    assert_false(exists("A/r/g.csv"));
    assert_false(exists("B/r/g.cells")); /* nothing computed */
    /* the same results directory (absolute), but rank 1's dump has other numbers */
    assert_int_equal(sh("/usr/bin/python3 -c \"import h5py\n"
                        "with h5py.File('B/d.h5','r+') as f:\n"
                        "    s=list(f['spaces'])[0]; x=f['spaces'][s]['test']; x[0,0]=x[0,0]+1\n\""),
                     0);
    rc = sh(MPIRUN " -np 1 --wdir A '%s' run --quiet --no-plots --results '%s/shared' g.ini : "
            "-np 1 --wdir B '%s' run --quiet --no-plots --results '%s/shared' g.ini",
            mpi, work, mpi, work);
    assert_int_not_equal(rc, 0);
    assert_int_equal(count(err_out, "irp: "), 1);
    assert_non_null(strstr(err_out, "rank 1 of 2: g.ini: data = d.h5: this rank read content "));
    assert_non_null(strstr(err_out, "every rank must read the same dump"));
    assert_false(exists("shared/g.csv"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(identical_for_any_ranks_and_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(killed_rank_then_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(tampered_and_leftover_slices, setup, teardown),
        cmocka_unit_test_setup_teardown(rank_error_once_no_table, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_config_once, setup, teardown),
        cmocka_unit_test_setup_teardown(ranks_must_share_results_and_dump, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
