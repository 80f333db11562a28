/* Group-by aggregation over long-format result tables (harness/plumbing/agg.h). The
 * table is written with the CSV writer into a mkdtemp() directory under /tmp
 * and read back with the reader, as plots and report do with results/.
 * Expected numbers are computed by hand in the comments; sums of these small
 * integers are exact, means and standard deviations are checked to TOL. */
#include "testutil.h"

#include <unistd.h>

#include "plumbing/agg.h"
#include "plumbing/csvio.h"

#define TOL 1e-12

static char dir[64], path[128];

/* method, encoder, decoder, metric, value (NaN: written as an empty field) */
static const struct {
    const char *method, *enc, *dec, *metric;
    double value;
} ROWS[] = {
    {"abs", "b", "b", "cos", NAN}, /* 0: skipped everywhere (empty value) */
    {"irp", "a", "a", "cos", 1},   /* 1 */
    {"irp", "a", "b", "cos", 2},   /* 2 */
    {"abs", "a", "b", "cos", 10},  /* 3 */
    {"irp", "b", "a", "cos", 4},   /* 4 */
    {"irp", "a", "b", "acc", 0.5}, /* 5 */
    {"abs", "a", "a", "cos", 20},  /* 6 */
    {"irp", "b", "b", "cos", 8},   /* 7 */
    {"rel", "b", "a", "cos", 30},  /* 8 */
    {"abs", "b", "a", "acc", NAN}, /* 9 */
    {"rel", "a", "a", "acc", NAN}, /* 10: (rel, acc) has no value at all */
};

static csv_table *table;

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/irp-agg-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(path, sizeof path, "%s/results.csv", dir);
    csv_out w;
    if (csv_out_open(&w, path))
        return -1;
    csv_out_comment(&w, "test_agg");
    const char *cols[] = {"method", "encoder", "decoder", "metric", "value"};
    for (size_t j = 0; j < 5; j++)
        csv_out_str(&w, cols[j]);
    csv_out_end_row(&w);
    for (size_t i = 0; i < sizeof ROWS / sizeof ROWS[0]; i++) {
        csv_out_str(&w, ROWS[i].method);
        csv_out_str(&w, ROWS[i].enc);
        csv_out_str(&w, ROWS[i].dec);
        csv_out_str(&w, ROWS[i].metric);
        csv_out_num(&w, ROWS[i].value);
        csv_out_end_row(&w);
    }
    if (csv_out_commit(&w) || csv_table_read(&table, path))
        return -1;
    return table->num_rows == sizeof ROWS / sizeof ROWS[0] ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    csv_table_free(table);
    table = NULL;
    int rc = unlink(path);
    return rmdir(dir) | rc;
}

static void assert_group(const agg_group *g, size_t n, double sum, double min, double max)
{
    assert_non_null(g);
    assert_int_equal(g->n, n);
    assert_close(g->sum, sum, TOL);
    assert_close(g->min, min, TOL);
    assert_close(g->max, max, TOL);
}

static void no_groups_one_total(void **state)
{
    (void)state;
    agg a;
    const agg_filter f[] = {{"metric", "cos"}};
    assert_ok(agg_build(&a, table, f, 1, NULL, 0));
    assert_int_equal(a.num_keys, 0);
    assert_int_equal(a.num_groups, 1);
    /* rows 1,2,3,4,6,7,8: 1+2+10+4+20+8+30 = 75, squares 1485 */
    const agg_group *g = &a.groups[0];
    assert_group(g, 7, 75, 1, 30);
    assert_close(g->sumsq, 1485, TOL);
    assert_close(agg_mean(g), 75.0 / 7.0, TOL);
    /* (1485 - 75²/7) / 6 = 795/7 */
    assert_close(agg_std(g), sqrt(795.0 / 7.0), TOL);
    assert_ptr_equal(agg_find(&a, NULL), g);
    agg_free(&a);
    assert_null(a.groups);
    assert_int_equal(a.num_groups, 0);

    /* no filter at all: the two acc rows with a value join (0.5) */
    assert_ok(agg_build(&a, table, NULL, 0, NULL, 0));
    assert_int_equal(a.num_groups, 1);
    assert_group(&a.groups[0], 8, 75.5, 0.5, 30);
    agg_free(&a);
}

static void one_key_groups_in_first_appearance_order(void **state)
{
    (void)state;
    agg a;
    const agg_filter f[] = {{"metric", "cos"}};
    const char *by[] = {"method"};
    assert_ok(agg_build(&a, table, f, 1, by, 1));
    assert_int_equal(a.num_keys, 1);
    /* row 0 (abs) has no value, so irp (row 1) comes first */
    assert_int_equal(a.num_groups, 3);
    assert_string_equal(a.groups[0].key[0], "irp");
    assert_string_equal(a.groups[1].key[0], "abs");
    assert_string_equal(a.groups[2].key[0], "rel");
    /* irp 1,2,4,8: mean 15/4, var (85 - 4·(15/4)²)/3 = 115/12 */
    assert_group(&a.groups[0], 4, 15, 1, 8);
    assert_close(agg_mean(&a.groups[0]), 3.75, TOL);
    assert_close(agg_std(&a.groups[0]), sqrt(115.0 / 12.0), TOL);
    /* abs 10,20 (row 0 skipped): mean 15, var ((-5)² + 5²)/1 = 50 */
    assert_group(&a.groups[1], 2, 30, 10, 20);
    assert_close(agg_mean(&a.groups[1]), 15, TOL);
    assert_close(agg_std(&a.groups[1]), sqrt(50.0), TOL);
    /* rel 30 alone: std 0 for n = 1 */
    assert_group(&a.groups[2], 1, 30, 30, 30);
    assert_close(agg_mean(&a.groups[2]), 30, TOL);
    assert_true(agg_std(&a.groups[2]) == 0.0);
    agg_free(&a);
}

static void two_key_groups(void **state)
{
    (void)state;
    agg a;
    const agg_filter f[] = {{"metric", "cos"}};
    const char *by[] = {"encoder", "decoder"};
    assert_ok(agg_build(&a, table, f, 1, by, 2));
    assert_int_equal(a.num_keys, 2);
    /* (b,b) is the file's first row but without a value: it first counts at row 7 */
    const char *want[][2] = {{"a", "a"}, {"a", "b"}, {"b", "a"}, {"b", "b"}};
    assert_int_equal(a.num_groups, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(a.groups[i].key[0], want[i][0]);
        assert_string_equal(a.groups[i].key[1], want[i][1]);
    }
    assert_group(&a.groups[0], 2, 21, 1, 20);  /* rows 1, 6 */
    assert_group(&a.groups[1], 2, 12, 2, 10);  /* rows 2, 3 */
    assert_group(&a.groups[2], 2, 34, 4, 30);  /* rows 4, 8 */
    assert_group(&a.groups[3], 1, 8, 8, 8);    /* row 7 */
    /* (2, 10): mean 6, std sqrt(((-4)² + 4²)/1) = sqrt(32) */
    assert_close(agg_mean(&a.groups[1]), 6, TOL);
    assert_close(agg_std(&a.groups[1]), sqrt(32.0), TOL);
    agg_free(&a);

    /* method × metric without a filter: (abs, acc) and (rel, acc) have only empty values */
    const char *by2[] = {"method", "metric"};
    assert_ok(agg_build(&a, table, NULL, 0, by2, 2));
    assert_int_equal(a.num_groups, 4);
    const char *want2[][2] = {{"irp", "cos"}, {"abs", "cos"}, {"irp", "acc"}, {"rel", "cos"}};
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(a.groups[i].key[0], want2[i][0]);
        assert_string_equal(a.groups[i].key[1], want2[i][1]);
    }
    assert_group(&a.groups[2], 1, 0.5, 0.5, 0.5);
    const char *absacc[] = {"abs", "acc"}, *relacc[] = {"rel", "acc"};
    assert_null(agg_find(&a, absacc));
    assert_null(agg_find(&a, relacc));
    agg_free(&a);
}

static void filter_negation(void **state)
{
    (void)state;
    agg a;
    /* not irp, cos: abs 10, 20 and rel 30 */
    const agg_filter f[] = {{"method", "!irp"}, {"metric", "cos"}};
    assert_ok(agg_build(&a, table, f, 2, NULL, 0));
    assert_int_equal(a.num_groups, 1);
    assert_group(&a.groups[0], 3, 60, 10, 30);
    assert_close(agg_mean(&a.groups[0]), 20, TOL);
    assert_close(agg_std(&a.groups[0]), 10, TOL); /* ((-10)² + 0 + 10²)/2 = 100 */
    agg_free(&a);

    /* all conditions must hold: not cos and not irp leaves rows 9, 10, both empty */
    const agg_filter g[] = {{"method", "!irp"}, {"metric", "!cos"}};
    assert_ok(agg_build(&a, table, g, 2, NULL, 0));
    assert_int_equal(a.num_groups, 0);
    agg_free(&a);
}

static void filter_column_comparison(void **state)
{
    (void)state;
    agg a;
    const char *by[] = {"method"};
    /* encoder == decoder, cos: rows 1 (irp 1), 6 (abs 20), 7 (irp 8); row 0 empty */
    const agg_filter eq[] = {{"encoder", "=decoder"}, {"metric", "cos"}};
    assert_ok(agg_build(&a, table, eq, 2, by, 1));
    assert_int_equal(a.num_groups, 2);
    assert_string_equal(a.groups[0].key[0], "irp");
    assert_group(&a.groups[0], 2, 9, 1, 8);
    assert_string_equal(a.groups[1].key[0], "abs");
    assert_group(&a.groups[1], 1, 20, 20, 20);
    agg_free(&a);

    /* encoder != decoder, cos: rows 2 (irp 2), 3 (abs 10), 4 (irp 4), 8 (rel 30) */
    const agg_filter ne[] = {{"encoder", "!=decoder"}, {"metric", "cos"}};
    assert_ok(agg_build(&a, table, ne, 2, by, 1));
    assert_int_equal(a.num_groups, 3);
    assert_string_equal(a.groups[0].key[0], "irp");
    assert_group(&a.groups[0], 2, 6, 2, 4);
    assert_string_equal(a.groups[1].key[0], "abs");
    assert_group(&a.groups[1], 1, 10, 10, 10);
    assert_string_equal(a.groups[2].key[0], "rel");
    assert_group(&a.groups[2], 1, 30, 30, 30);
    agg_free(&a);

    /* a filter naming a column the table lacks keeps no row (either side) */
    const agg_filter miss1[] = {{"seed", "1"}}, miss2[] = {{"encoder", "=seed"}};
    assert_ok(agg_build(&a, table, miss1, 1, by, 1));
    assert_int_equal(a.num_groups, 0);
    agg_free(&a);
    assert_ok(agg_build(&a, table, miss2, 1, by, 1));
    assert_int_equal(a.num_groups, 0);
    agg_free(&a);
}

static void mean_and_std_edge_cases(void **state)
{
    (void)state;
    /* values 1, 2, 4: mean 7/3, sample var (16/9 + 1/9 + 25/9)/2 = 7/3 */
    agg_group g = {.sum = 7, .sumsq = 21, .min = 1, .max = 4, .n = 3};
    assert_close(agg_mean(&g), 7.0 / 3.0, TOL);
    assert_close(agg_std(&g), sqrt(7.0 / 3.0), TOL);
    /* equal values: variance 0, never a NaN from rounding below 0 */
    agg_group same = {.sum = 0.3, .sumsq = 0.03, .min = 0.1, .max = 0.1, .n = 3};
    assert_true(agg_std(&same) >= 0.0);
    assert_close(agg_std(&same), 0, 1e-7);
    agg_group one = {.sum = 5, .sumsq = 25, .min = 5, .max = 5, .n = 1};
    assert_close(agg_mean(&one), 5, TOL);
    assert_true(agg_std(&one) == 0.0);
    agg_group none = {.n = 0};
    assert_true(isnan(agg_mean(&none)));
    assert_true(agg_std(&none) == 0.0);
}

static void find_by_keys(void **state)
{
    (void)state;
    agg a;
    const agg_filter f[] = {{"metric", "cos"}};
    const char *by[] = {"encoder", "decoder"};
    assert_ok(agg_build(&a, table, f, 1, by, 2));
    const char *ba[] = {"b", "a"}, *ab[] = {"a", "b"}, *ac[] = {"a", "c"}, *ca[] = {"c", "a"};
    const agg_group *g = agg_find(&a, ba);
    assert_ptr_equal(g, &a.groups[2]);
    assert_group(g, 2, 34, 4, 30);
    assert_ptr_equal(agg_find(&a, ab), &a.groups[1]);
    assert_null(agg_find(&a, ac)); /* first key matches, second does not */
    assert_null(agg_find(&a, ca));
    agg_free(&a);
}

static void missing_columns_fail(void **state)
{
    (void)state;
    agg a;
    const char *by[] = {"method", "nosuch"};
    assert_fails(agg_build(&a, table, NULL, 0, by, 2), IRP_EDATA, "no 'nosuch' column");
    assert_string_equal(irp_last_error(), "result table has no 'nosuch' column");
    assert_int_equal(a.num_groups, 0);
    agg_free(&a);

    /* a table without a 'value' column */
    char p2[160];
    snprintf(p2, sizeof p2, "%s/novalue.csv", dir);
    csv_out w;
    assert_ok(csv_out_open(&w, p2));
    csv_out_str(&w, "method");
    csv_out_str(&w, "score");
    csv_out_end_row(&w);
    csv_out_str(&w, "irp");
    csv_out_num(&w, 1);
    csv_out_end_row(&w);
    assert_ok(csv_out_commit(&w));
    csv_table *t;
    assert_ok(csv_table_read(&t, p2));
    assert_int_equal(t->num_rows, 1);
    const char *by1[] = {"method"};
    assert_fails(agg_build(&a, t, NULL, 0, by1, 1), IRP_EDATA, "no 'value' column");
    assert_string_equal(irp_last_error(), "result table has no 'value' column");
    assert_int_equal(a.num_groups, 0);
    agg_free(&a);
    csv_table_free(t);
    assert_int_equal(unlink(p2), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(no_groups_one_total, setup, teardown),
        cmocka_unit_test_setup_teardown(one_key_groups_in_first_appearance_order, setup, teardown),
        cmocka_unit_test_setup_teardown(two_key_groups, setup, teardown),
        cmocka_unit_test_setup_teardown(filter_negation, setup, teardown),
        cmocka_unit_test_setup_teardown(filter_column_comparison, setup, teardown),
        cmocka_unit_test(mean_and_std_edge_cases),
        cmocka_unit_test_setup_teardown(find_by_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(missing_columns_fail, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
