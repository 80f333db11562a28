/* CSV writer and reader (harness/plumbing/csvio.h): the writer's quoting, number
 * precision and atomic commit; the reader's comments, quoted fields, column
 * lookup and errors, including a row whose field count differs from the
 * header's. Every test works in its own mkdtemp() directory under /tmp. */
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <unistd.h>

#include "plumbing/csvio.h"

static char dir[64];
static char path_buf[4][256];
static int path_next;

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/irp-csvio-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

/* The directory is flat: remove its files, then it. */
static int teardown(void **state)
{
    (void)state;
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    struct dirent *e;
    char p[512];
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
    closedir(d);
    return rmdir(dir);
}

/* <dir>/<name>; a few can be alive at once. */
static const char *tpath(const char *name)
{
    char *p = path_buf[path_next++ % 4];
    snprintf(p, sizeof path_buf[0], "%s/%s", dir, name);
    return p;
}

static int exists(const char *path) { return access(path, F_OK) == 0; }

static void write_file(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}
#define WRITE_TEXT(path, lit) write_file((path), (lit), sizeof(lit) - 1)

/* The whole file, NUL-terminated (caller frees); *len its size. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t cap = 1024, n = 0, k;
    char *buf = malloc(cap);
    while ((k = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += k;
        if (cap - n - 1 == 0)
            buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

static void assert_file_is(const char *path, const char *expected)
{
    size_t n;
    char *got = slurp(path, &n);
    if (n != strlen(expected) || memcmp(got, expected, n))
        fail_msg("%s holds\n[%s]\nexpected\n[%s]", path, got, expected);
    free(got);
}

/* ---- writer ---- */

static void writer_quotes_only_fields_that_need_it(void **state)
{
    (void)state;
    const char *p = tpath("q.csv");
    csv_out w;
    assert_ok(csv_out_open(&w, p));
    csv_out_str(&w, "plain");
    csv_out_str(&w, "a,b");
    csv_out_str(&w, "say \"hi\"");
    csv_out_str(&w, "cr\rx");
    csv_out_str(&w, "lf\nx");
    csv_out_str(&w, "");
    csv_out_str(&w, "#not-first");
    csv_out_end_row(&w);
    csv_out_str(&w, "#first"); /* would read as a comment line unquoted */
    csv_out_str(&w, "x");
    csv_out_end_row(&w);
    csv_out_str(&w, "# spaced");
    csv_out_end_row(&w);
    assert_ok(csv_out_commit(&w));
    assert_file_is(p, "plain,\"a,b\",\"say \"\"hi\"\"\",\"cr\rx\",\"lf\nx\",,#not-first\n"
                      "\"#first\",x\n"
                      "\"# spaced\"\n");
}

static void writer_numbers_round_trip_exactly(void **state)
{
    (void)state;
    const char *p = tpath("num.csv");
    const double v[] = {0.1, 1 / 3., 1e-300, -2.5e17, 5e-324, 1.7976931348623157e308, -0.0, 42};
    enum { NV = sizeof v / sizeof v[0] };
    csv_out w;
    assert_ok(csv_out_open(&w, p));
    for (size_t i = 0; i < NV; i++) {
        char name[8];
        snprintf(name, sizeof name, "c%zu", i);
        csv_out_str(&w, name);
    }
    csv_out_end_row(&w);
    for (size_t i = 0; i < NV; i++)
        csv_out_num(&w, v[i]);
    csv_out_end_row(&w);
    csv_out_num(&w, 1.5);
    csv_out_num(&w, NAN);
    csv_out_int(&w, -9223372036854775807LL - 1);
    csv_out_int(&w, 0);
    csv_out_int(&w, 9223372036854775807LL);
    csv_out_num(&w, NAN);
    csv_out_num(&w, -1);
    csv_out_int(&w, -7);
    csv_out_end_row(&w);
    assert_ok(csv_out_commit(&w));

    /* %.17g: 0.1 is written with all 17 significant digits */
    assert_file_is(p, "c0,c1,c2,c3,c4,c5,c6,c7\n"
                      "0.10000000000000001,0.33333333333333331,1e-300,-2.5e+17,"
                      "4.9406564584124654e-324,1.7976931348623157e+308,-0,42\n"
                      "1.5,,-9223372036854775808,0,9223372036854775807,,-1,-7\n");

    csv_table *t;
    assert_ok(csv_table_read(&t, p));
    assert_int_equal(t->num_cols, NV);
    assert_int_equal(t->num_rows, 2);
    for (size_t i = 0; i < NV; i++) {
        char *end;
        double got = strtod(t->rows[0][i], &end);
        assert_int_equal(*end, '\0');
        if (memcmp(&got, &v[i], sizeof got)) /* bit-exact, so -0 is not 0 */
            fail_msg("column %zu: wrote %.17g, read back %.17g from '%s'", i, v[i], got,
                     t->rows[0][i]);
    }
    assert_string_equal(t->rows[1][1], "");
    assert_string_equal(t->rows[1][2], "-9223372036854775808");
    csv_table_free(t);
}

static void writer_nan_is_an_empty_field(void **state)
{
    (void)state;
    const char *p = tpath("nan.csv");
    csv_out w;
    assert_ok(csv_out_open(&w, p));
    csv_out_str(&w, "a");
    csv_out_str(&w, "b");
    csv_out_str(&w, "c");
    csv_out_end_row(&w);
    csv_out_num(&w, NAN);
    csv_out_num(&w, 2);
    csv_out_num(&w, -NAN);
    csv_out_end_row(&w);
    assert_ok(csv_out_commit(&w));
    assert_file_is(p, "a,b,c\n,2,\n");
    csv_table *t;
    assert_ok(csv_table_read(&t, p));
    assert_int_equal(t->num_rows, 1);
    assert_string_equal(t->rows[0][0], "");
    assert_string_equal(t->rows[0][1], "2");
    assert_string_equal(t->rows[0][2], "");
    csv_table_free(t);
}

static void writer_comment_line(void **state)
{
    (void)state;
    const char *p = tpath("c.csv");
    csv_out w;
    assert_ok(csv_out_open(&w, p));
    csv_out_comment(&w, "config %s hash %08x", "smoke", 0xbeefu);
    csv_out_str(&w, "h");
    csv_out_end_row(&w);
    csv_out_comment(&w, "between rows");
    csv_out_int(&w, 7);
    csv_out_end_row(&w);
    assert_ok(csv_out_commit(&w));
    assert_file_is(p, "# config smoke hash 0000beef\nh\n# between rows\n7\n");
}

static void writer_commit_renames_temp_file(void **state)
{
    (void)state;
    const char *p = tpath("out.csv"), *tmp = tpath("out.csv.tmp");
    csv_out w;
    assert_ok(csv_out_open(&w, p));
    assert_string_equal(w.tmp, tmp);
    csv_out_str(&w, "x");
    csv_out_end_row(&w);
    assert_false(exists(p));
    assert_true(exists(tmp));
    assert_ok(csv_out_commit(&w));
    assert_true(exists(p));
    assert_false(exists(tmp));
    assert_null(w.path);
    assert_null(w.tmp);
    assert_file_is(p, "x\n");

    /* a second commit replaces the file whole */
    assert_ok(csv_out_open(&w, p));
    csv_out_str(&w, "y");
    csv_out_end_row(&w);
    assert_file_is(p, "x\n");
    assert_ok(csv_out_commit(&w));
    assert_file_is(p, "y\n");
    assert_false(exists(tmp));
}

static void writer_abort_leaves_no_file(void **state)
{
    (void)state;
    const char *p = tpath("gone.csv"), *tmp = tpath("gone.csv.tmp");
    csv_out w;
    assert_ok(csv_out_open(&w, p));
    csv_out_str(&w, "x");
    csv_out_end_row(&w);
    assert_true(exists(tmp));
    csv_out_abort(&w);
    assert_false(exists(p));
    assert_false(exists(tmp));
    assert_null(w.fp);
    assert_null(w.path);

    /* abort does not touch an older committed file either */
    WRITE_TEXT(p, "old\n");
    assert_ok(csv_out_open(&w, p));
    csv_out_str(&w, "new");
    csv_out_abort(&w);
    assert_file_is(p, "old\n");
    assert_false(exists(tmp));
}

static void writer_open_fails_naming_path(void **state)
{
    (void)state;
    const char *p = tpath("no-such-dir/x.csv");
    csv_out w;
    char want[512];
    snprintf(want, sizeof want, "%s: cannot write (%s)", p, strerror(ENOENT));
    assert_fails(csv_out_open(&w, p), IRP_EDATA, want);
    assert_string_equal(irp_last_error(), want);
    assert_null(w.fp);
}

/* ---- reader ---- */

static void reader_header_rows_and_comments(void **state)
{
    (void)state;
    const char *p = tpath("t.csv");
    WRITE_TEXT(p, "# config x\nname,value,note\n# between\na,1,\nb,2,two words\n\n#last\n");
    csv_table *t;
    assert_ok(csv_table_read(&t, p));
    assert_int_equal(t->num_cols, 3);
    assert_string_equal(t->header[0], "name");
    assert_string_equal(t->header[1], "value");
    assert_string_equal(t->header[2], "note");
    assert_int_equal(t->num_rows, 2);
    assert_string_equal(t->rows[0][0], "a");
    assert_string_equal(t->rows[0][1], "1");
    assert_string_equal(t->rows[0][2], "");
    assert_string_equal(t->rows[1][0], "b");
    assert_string_equal(t->rows[1][1], "2");
    assert_string_equal(t->rows[1][2], "two words");
    csv_table_free(t);
}

static void reader_crlf_and_no_final_newline(void **state)
{
    (void)state;
    const char *p = tpath("crlf.csv");
    WRITE_TEXT(p, "x,y\r\n1,2\r\n3,4");
    csv_table *t;
    assert_ok(csv_table_read(&t, p));
    assert_int_equal(t->num_cols, 2);
    assert_string_equal(t->header[1], "y");
    assert_int_equal(t->num_rows, 2);
    assert_string_equal(t->rows[0][1], "2");
    assert_string_equal(t->rows[1][0], "3");
    assert_string_equal(t->rows[1][1], "4");
    csv_table_free(t);
}

static void reader_round_trips_writer_fields(void **state)
{
    (void)state;
    const char *p = tpath("rt.csv");
    const char *cells[][3] = {
        {"id", "text, with comma", "say \"q\""},
        {"#hash-first", "a,b,c", "\"quoted\""},
        {"two\nlines", "cr\r\nlf", "three\n\nlines\n"},
        {"", "\"", ","},
        {"\n not a comment #", "x", "#y"},
        {"plain", "1e-300", "\"\"\""},
    };
    const size_t nr = sizeof cells / sizeof cells[0];
    csv_out w;
    assert_ok(csv_out_open(&w, p));
    csv_out_comment(&w, "round trip");
    for (size_t i = 0; i < nr; i++) {
        for (size_t j = 0; j < 3; j++)
            csv_out_str(&w, cells[i][j]);
        csv_out_end_row(&w);
    }
    assert_ok(csv_out_commit(&w));

    csv_table *t;
    assert_ok(csv_table_read(&t, p));
    assert_int_equal(t->num_cols, 3);
    assert_int_equal(t->num_rows, nr - 1);
    for (size_t j = 0; j < 3; j++)
        assert_string_equal(t->header[j], cells[0][j]);
    for (size_t i = 1; i < nr; i++)
        for (size_t j = 0; j < 3; j++)
            assert_string_equal(t->rows[i - 1][j], cells[i][j]);
    csv_table_free(t);
}

static void reader_col_lookup(void **state)
{
    (void)state;
    const char *p = tpath("cols.csv");
    WRITE_TEXT(p, "method,value,seed\nirp,0.5,1\n");
    csv_table *t;
    assert_ok(csv_table_read(&t, p));
    assert_int_equal(csv_table_col(t, "method"), 0);
    assert_int_equal(csv_table_col(t, "value"), 1);
    assert_int_equal(csv_table_col(t, "seed"), 2);
    assert_int_equal(csv_table_col(t, "Value"), -1);
    assert_int_equal(csv_table_col(t, "val"), -1);
    assert_int_equal(csv_table_col(t, ""), -1);
    assert_string_equal(t->rows[0][csv_table_col(t, "value")], "0.5");
    csv_table_free(t);
}

static void reader_empty_file_fails(void **state)
{
    (void)state;
    const char *p = tpath("empty.csv"), *q = tpath("comments.csv"), *b = tpath("blank.csv");
    WRITE_TEXT(p, "");
    WRITE_TEXT(q, "# only\n# comments\n");
    WRITE_TEXT(b, "\n\n");
    csv_table *t = (csv_table *)&t;
    char want[512];
    snprintf(want, sizeof want, "%s: empty CSV (expected a header row)", p);
    assert_fails(csv_table_read(&t, p), IRP_EDATA, want);
    assert_string_equal(irp_last_error(), want);
    assert_null(t);
    snprintf(want, sizeof want, "%s: empty CSV", q);
    assert_fails(csv_table_read(&t, q), IRP_EDATA, want);
    assert_null(t);
    snprintf(want, sizeof want, "%s: empty CSV", b);
    assert_fails(csv_table_read(&t, b), IRP_EDATA, want);
    assert_null(t);
}

static void reader_missing_file_fails_naming_path(void **state)
{
    (void)state;
    const char *p = tpath("missing.csv");
    csv_table *t = (csv_table *)&t;
    char want[512];
    snprintf(want, sizeof want, "%s: cannot read (%s)", p, strerror(ENOENT));
    assert_fails(csv_table_read(&t, p), IRP_EDATA, want);
    assert_string_equal(irp_last_error(), want);
    assert_null(t);
}

/* Expects `text` in a file to fail with exactly "<path>:<msg>". */
static void expect_mismatch(const char *name, const char *text, size_t len, const char *msg)
{
    const char *p = tpath(name);
    write_file(p, text, len);
    csv_table *t = (csv_table *)&t;
    char want[512];
    snprintf(want, sizeof want, "%s:%s", p, msg);
    assert_fails(csv_table_read(&t, p), IRP_EDATA, want);
    assert_string_equal(irp_last_error(), want);
    assert_null(t);
}
#define EXPECT_MISMATCH(name, lit, msg) expect_mismatch((name), (lit), sizeof(lit) - 1, (msg))

static void reader_too_few_fields_fails_with_line(void **state)
{
    (void)state;
    /* line 5, counting two comment lines and the header */
    EXPECT_MISMATCH("few.csv", "# a\na,b,c\n# b\n1,2,3\n4,5\n6,7,8\n",
                    "5: 2 fields but the header has 3");
    EXPECT_MISMATCH("one.csv", "a,b\n1,2\n3\n", "3: 1 field but the header has 2");
    /* the last line without a newline (the row ends in csv_fini) */
    EXPECT_MISMATCH("last.csv", "a,b,c\n1,2,3\n4,5", "3: 2 fields but the header has 3");
    /* blank lines count as lines but not as rows */
    EXPECT_MISMATCH("blank.csv", "a,b\n\n1,2\n\n3\n", "5: 1 field but the header has 2");
}

static void reader_too_many_fields_fails_with_line(void **state)
{
    (void)state;
    EXPECT_MISMATCH("many.csv", "a,b\n1,2\n3,4,5,6\n", "3: 4 fields but the header has 2");
    /* a trailing comma is one more (empty) field */
    EXPECT_MISMATCH("comma.csv", "a,b\n1,2,\n", "2: 3 fields but the header has 2");
    /* only the first bad row is reported */
    EXPECT_MISMATCH("first.csv", "# c\na\n1\n2,3\n4\n5,6,7\n", "4: 2 fields but the header has 1");
}

static void reader_mismatch_line_after_multiline_fields(void **state)
{
    (void)state;
    /* a quoted field spanning lines 2-3 of a good row, then a short row on line 4 */
    EXPECT_MISMATCH("span.csv", "a,b\n\"x\ny\",1\n2\n", "4: 1 field but the header has 2");
    /* a bad row that itself spans lines 3-5 is reported where it ends */
    EXPECT_MISMATCH("span2.csv", "a,b\n1,2\n\"p\nq\nr\",3,4\n5,6\n",
                    "5: 3 fields but the header has 2");
}

static void reader_long_lines_count_once(void **state)
{
    (void)state;
    /* lines longer than the reader's 64 KiB buffer: a long comment, a long field */
    size_t big = 70000, cap = 2 * big + 64, n = 0;
    char *text = malloc(cap);
    n += (size_t)snprintf(text + n, cap - n, "# ");
    memset(text + n, '#', big); /* the comment's second piece starts with '#' too */
    n += big;
    n += (size_t)snprintf(text + n, cap - n, "\na,b\n1,");
    memset(text + n, 'x', big);
    n += big;
    n += (size_t)snprintf(text + n, cap - n, "\n2\n");
    expect_mismatch("long.csv", text, n, "4: 1 field but the header has 2");

    /* and the same file with a good last row reads the long field whole */
    n -= 2;
    n += (size_t)snprintf(text + n, cap - n, "2,3\n");
    const char *p = tpath("long-ok.csv");
    write_file(p, text, n);
    csv_table *t;
    assert_ok(csv_table_read(&t, p));
    assert_int_equal(t->num_cols, 2);
    assert_string_equal(t->header[0], "a");
    assert_int_equal(t->num_rows, 2);
    assert_int_equal(strlen(t->rows[0][1]), big);
    assert_int_equal(strspn(t->rows[0][1], "x"), big);
    assert_string_equal(t->rows[1][1], "3");
    csv_table_free(t);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(writer_quotes_only_fields_that_need_it, setup, teardown),
        cmocka_unit_test_setup_teardown(writer_numbers_round_trip_exactly, setup, teardown),
        cmocka_unit_test_setup_teardown(writer_nan_is_an_empty_field, setup, teardown),
        cmocka_unit_test_setup_teardown(writer_comment_line, setup, teardown),
        cmocka_unit_test_setup_teardown(writer_commit_renames_temp_file, setup, teardown),
        cmocka_unit_test_setup_teardown(writer_abort_leaves_no_file, setup, teardown),
        cmocka_unit_test_setup_teardown(writer_open_fails_naming_path, setup, teardown),
        cmocka_unit_test_setup_teardown(reader_header_rows_and_comments, setup, teardown),
        cmocka_unit_test_setup_teardown(reader_crlf_and_no_final_newline, setup, teardown),
        cmocka_unit_test_setup_teardown(reader_round_trips_writer_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(reader_col_lookup, setup, teardown),
        cmocka_unit_test_setup_teardown(reader_empty_file_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(reader_missing_file_fails_naming_path, setup, teardown),
        cmocka_unit_test_setup_teardown(reader_too_few_fields_fails_with_line, setup, teardown),
        cmocka_unit_test_setup_teardown(reader_too_many_fields_fails_with_line, setup, teardown),
        cmocka_unit_test_setup_teardown(reader_mismatch_line_after_multiline_fields, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(reader_long_lines_count_once, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
