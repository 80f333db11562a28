/* Unit tests of harness/config: every key, booleans, lists, cells, the
 * [report] section and its exclusion from the hash, and the error messages. */
#include "testutil.h"

#include <unistd.h>

#include "plumbing/config.h"
#include "driver/experiment.h"
#include "plumbing/util.h"

static char dir[64];

static const char *write_ini(const char *name, const char *text)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static config *load_ok(const char *text)
{
    config *c;
    assert_ok(experiment_load(&c, write_ini("c.ini", text)));
    return c;
}

static void load_fails(const char *text, const char *needle)
{
    config *c = (config *)1;
    assert_fails(experiment_load(&c, write_ini("bad.ini", text)), IRP_EDATA, needle);
    assert_null(c);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/irp-config-XXXXXX");
    assert_non_null(mkdtemp(dir));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Every sweep key's default, as keys.h states it, reaches the cell. */
static void defaults_fill_every_key(void **state)
{
    (void)state;
    config *c = load_ok("[experiment]\ntype = invert\ndata = x.h5\n");
    assert_string_equal(c->kind->name, "invert");
    assert_string_equal(c->data, "x.h5");
    assert_string_equal(c->name, "c"); /* the file's base name */
    assert_int_equal(c->test_limit, 0);
    assert_int_equal(c->references, 1);
    assert_int_equal(c->intra, 1);
    assert_int_equal(c->retrieval, 0);
    assert_int_equal(c->bins, 40);
    assert_int_equal(config_num_cells(c), 1);
    for (int k = 0; k < SK_COUNT; k++) {
        assert_int_equal(c->num_values[k], 1);
        assert_string_equal(c->values[k][0], sweep_key_default(k));
    }
    cell cl;
    config_cell(&cl, c, 0);
    assert_int_equal(cl.anchors, 1280);
    assert_int_equal(cl.anchor_seed, 0);
    assert_int_equal(cl.opts.num_subspaces, 1);
    assert_true(cl.opts.delta == 0);
    assert_int_equal(cl.opts.prune_mode, IRP_PRUNE_THRESHOLD);
    assert_true(cl.opts.rcond == -1);
    assert_int_equal(cl.opts.rescale, IRP_RESCALE_MEAN_NORM);
    assert_int_equal(cl.opts.center, 0);
    assert_int_equal(cl.opts.completion, 0);
    assert_int_equal(cl.opts.seed, 0);
    assert_string_equal(cl.head, "linear");
    assert_true(cl.factor == 1);
    assert_string_equal(cl.scale_mode, "set-norm");
    config_free(c);
}

/* Every key set to a non-default value parses into the cell. */
static void every_key_parses(void **state)
{
    (void)state;
    config *c = load_ok("; a comment\n[experiment]\ntype = stitch\ndata = d/x.h5\nname = mine\n"
                        "spaces = a, b ,c\ntargets = b\ntest_limit = 77\n"
                        "references = FALSE\nanchors = 300\n"
                        "anchor_seed = 5\nomega = 4\ndelta = 0.65\nprune = fraction\n"
                        "rcond = 1e-3\nrescale = none\ncenter = TRUE\ncompletion = true\n"
                        "seed = 9\nhead = mlp-relu\n");
    assert_string_equal(c->kind->name, "stitch");
    assert_string_equal(c->name, "mine");
    assert_int_equal(c->num_spaces, 3);
    assert_string_equal(c->spaces[0], "a");
    assert_string_equal(c->spaces[1], "b");
    assert_string_equal(c->spaces[2], "c");
    assert_int_equal(c->num_targets, 1);
    assert_true(config_is_target(c, "b"));
    assert_false(config_is_target(c, "a"));
    assert_int_equal(c->test_limit, 77);
    assert_int_equal(c->references, 0);
    cell cl;
    config_cell(&cl, c, 0);
    assert_int_equal(cl.anchors, 300);
    assert_int_equal(cl.anchor_seed, 5);
    assert_int_equal(cl.opts.num_subspaces, 4);
    assert_true(cl.opts.delta == 0.65);
    assert_int_equal(cl.opts.prune_mode, IRP_PRUNE_FRACTION);
    assert_true(cl.opts.rcond == 1e-3);
    assert_int_equal(cl.opts.rescale, IRP_RESCALE_NONE);
    assert_int_equal(cl.opts.center, 1);
    assert_int_equal(cl.opts.completion, 1);
    assert_int_equal(cl.opts.seed, 9);
    assert_string_equal(cl.head, "mlp-relu");
    assert_string_equal(cl.text[SK_CENTER], "true"); /* written canonically */
    config_free(c);
    c = load_ok("[experiment]\ntype = invert\ndata = x\nretrieval = true\nintra = False\n");
    assert_int_equal(c->retrieval, 1);
    assert_int_equal(c->intra, 0);
    config_free(c);
    c = load_ok("[experiment]\ntype = scale-distribution\ndata = x\nbins = 9\n");
    assert_int_equal(c->bins, 9);
    config_free(c);
    c = load_ok("[experiment]\ntype = scale-invariance\ndata = x\nhead = mlp-tanh\n"
                "factor = 2.5\nscale_mode = multiply\n");
    config_cell(&cl, c, 0);
    assert_string_equal(cl.head, "mlp-tanh");
    assert_true(cl.factor == 2.5);
    assert_string_equal(cl.scale_mode, "multiply");
    config_free(c);
}

/* Booleans are exactly true or false, in any case, and written canonically. */
static void booleans(void **state)
{
    (void)state;
    const char *yes[] = {"true", "TRUE", "True"}, *no[] = {"false", "FALSE", "fAlSe"};
    for (int i = 0; i < 3; i++) {
        char text[256];
        snprintf(text, sizeof text, "[experiment]\ntype = invert\ndata = x\nretrieval = %s\n"
                                    "center = %s\n", yes[i], no[i]);
        config *c = load_ok(text);
        assert_int_equal(c->retrieval, 1);
        cell cl;
        config_cell(&cl, c, 0);
        assert_int_equal(cl.opts.center, 0);
        assert_string_equal(cl.text[SK_CENTER], "false");
        config_free(c);
    }
    assert_null(config_check_value(SK_COMPLETION, "true"));
    const char *bad[] = {"maybe", "yes", "no", "1", "0", "on", "off", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_string_equal(config_check_value(SK_COMPLETION, bad[i]), "expected true or false");
    load_fails("[experiment]\ntype = invert\ndata = x\nintra = yes\n",
               "bad.ini:4: key 'intra': 'yes': expected true or false");
    /* the apply stage's precision: two words, pair kinds only, in the cells' hash */
    load_fails("[experiment]\ntype = invert\ndata = x\nprecision = float16\n",
               "bad.ini:4: key 'precision': 'float16': expected float64 or float32");
    load_fails("[experiment]\ntype = anchor-rank\ndata = x\nprecision = float32\n",
               "bad.ini:4: key 'precision' has no effect on a anchor-rank experiment; remove it");
    load_fails("[experiment]\ntype = invert\ndata = x\nretrieval = true\nprecision = float32\n",
               "bad.ini:5: key 'precision': float32 is not offered with retrieval = true");
    config *c64 = load_ok("[experiment]\ntype = invert\ndata = x\nprecision = float64\n");
    config *c32 = load_ok("[experiment]\ntype = invert\ndata = x\nprecision = float32\n");
    cell a, b;
    config_cell(&a, c64, 0);
    config_cell(&b, c32, 0);
    assert_int_equal(a.opts.single, 0);
    assert_int_equal(b.opts.single, 1);
    assert_true(config_cell_hash(c64, &a) != config_cell_hash(c32, &b));
    config_free(c64);
    config_free(c32);
}

/* Cells enumerate every combination, the last key varying fastest. */
static void lists_sweep_in_order(void **state)
{
    (void)state;
    config *c = load_ok("[experiment]\ntype = invert\ndata = x\nomega = 1, 8\n"
                        "delta =  0 ,0.5\ncenter = false,true\n");
    assert_int_equal(c->num_values[SK_DELTA], 2);
    assert_int_equal(config_num_cells(c), 8);
    const char *want[8][3] = {{"1", "0", "false"}, {"1", "0", "true"}, {"1", "0.5", "false"},
                              {"1", "0.5", "true"}, {"8", "0", "false"}, {"8", "0", "true"},
                              {"8", "0.5", "false"}, {"8", "0.5", "true"}};
    for (size_t i = 0; i < 8; i++) {
        cell cl;
        config_cell(&cl, c, i);
        assert_string_equal(cl.text[SK_OMEGA], want[i][0]);
        assert_string_equal(cl.text[SK_DELTA], want[i][1]);
        assert_string_equal(cl.text[SK_CENTER], want[i][2]);
    }
    /* distinct cells have distinct ids; the id ignores nothing that is swept */
    cell a, b;
    config_cell(&a, c, 0);
    config_cell(&b, c, 1);
    assert_true(config_cell_hash(c, &a) != config_cell_hash(c, &b));
    config_free(c);
    c = load_ok("[experiment]\ntype = invert\ndata = x\nspaces = all\n");
    assert_int_equal(c->num_spaces, 0);
    config_free(c);
}

static void value_checks_per_key(void **state)
{
    (void)state;
    struct {
        enum sweep_key k;
        const char *good, *bad, *why;
    } cases[] = {
        {SK_ANCHORS, "1", "0", "expected an integer >= 1"},
        {SK_OMEGA, "1024", "1025", "expected an integer from 1 to 1024 (the limit)"},
        {SK_ANCHORS, "1000000", "1000001", "expected an integer from 1 to 1000000 (the limit)"},
        {SK_FACTOR, "1e6", "1e308", "expected a number from 1e-06 to 1e+06 (the limits)"},
        {SK_ANCHOR_SEED, "0", "-1", "expected an integer >= 0"},
        {SK_SEED, "18446744073709551615", "1.5", "expected an integer >= 0"},
        {SK_DELTA, "1", "1.01", "expected a number in [0, 1]"},
        {SK_RCOND, "-1", "1", "expected a number below 1 (negative = default)"},
        {SK_FACTOR, "1e-3", "0", "expected a number > 0"},
        {SK_PRUNE, "fraction", "frac", "expected threshold or fraction"},
        {SK_RESCALE, "none", "mean", "expected mean-norm or none"},
        {SK_SCALE_MODE, "multiply", "set", "expected multiply or set-norm"},
        {SK_HEAD, "mlp-gelu", "a/b", "expected a head name of letters, digits, '.', '_', '-' or '+'"},
        {SK_HEAD, "lin_2.b", "a`touch x`", "expected a head name of letters, digits, '.', '_', '-' or '+'"},
        {SK_DELTA, "0.5", "nan", "expected a number in [0, 1]"},
        {SK_LAMBDA, "0", "-1e-3", "expected a number from 0 to 1e+06"},
        {SK_LAMBDA, "1e6", "inf", "expected a number from 0 to 1e+06"},
        {SK_LAMBDA, "0.01", "nan", "expected a number from 0 to 1e+06"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        assert_null(config_check_value(cases[i].k, cases[i].good));
        const char *why = config_check_value(cases[i].k, cases[i].bad);
        assert_non_null(why);
        assert_string_equal(why, cases[i].why);
    }
}

/* Every limit at its edge: the last value accepted on each side and the first
 * one refused, for the fixed keys (through a whole config) and the sweep keys
 * the table above does not reach. */
static void limits_at_their_boundaries(void **state)
{
    (void)state;
    static const struct {
        const char *base, *key, *good[3], *bad[3], *why;
    } cases[] = {
        {"type = scale-distribution", "bins", {"2", "10000"}, {"1", "10001"},
         "expected an integer from 2 to 10000"},
        {"type = stitch\ndelta = auto", "auto_holdout", {"0.5", "1e-9"}, {"0.5000001", "0"},
         "expected a fraction in (0, 0.5]"},
        {"type = stitch", "bootstrap", {"0", "10", "100000"}, {"9", "100001", "1"},
         "expected 0 (none) or 10 to 100000 resamples"},
        {"type = stitch\nbootstrap = 10", "bootstrap_level", {"0.5", "0.999"},
         {"0.4999", "0.9991"}, "expected a level from 0.5 to 0.999"},
        {"type = stitch", "test_limit", {"0", "18446744073709551615"}, {"-1", "1.5"},
         "expected an integer >= 0 (0 = all)"},
    };
    char text[512];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        for (int j = 0; j < 3 && cases[i].good[j]; j++) {
            snprintf(text, sizeof text, "[experiment]\n%s\ndata = x\n%s = %s\n", cases[i].base,
                     cases[i].key, cases[i].good[j]);
            config_free(load_ok(text));
        }
        for (int j = 0; j < 3 && cases[i].bad[j]; j++) {
            snprintf(text, sizeof text, "[experiment]\n%s\ndata = x\n%s = %s\n", cases[i].base,
                     cases[i].key, cases[i].bad[j]);
            load_fails(text, cases[i].why);
        }
    }
    static const struct {
        enum sweep_key k;
        const char *good, *bad, *why;
    } sweep[] = {
        {SK_FACTOR, "1e-6", "9.99e-7", "expected a number from 1e-06 to 1e+06 (the limits)"},
        {SK_FACTOR, "1e6", "1000001", "expected a number from 1e-06 to 1e+06 (the limits)"},
        {SK_DELTA, "0", "-0.001", "expected a number in [0, 1]"},
        {SK_RCOND, "0.999999", "1.0", "expected a number below 1 (negative = default)"},
        {SK_LAMBDA, "1000000", "1000000.1", "expected a number from 0 to 1e+06"},
        {SK_OMEGA, "1", "0", "expected an integer >= 1"},
        {SK_HEAD, "h23456789012345678901234567890123456789012345678901234567890123",
         "h234567890123456789012345678901234567890123456789012345678901234",
         "expected a head name of at most 63 characters"},
    };
    for (size_t i = 0; i < sizeof sweep / sizeof *sweep; i++) {
        assert_null(config_check_value(sweep[i].k, sweep[i].good));
        const char *why = config_check_value(sweep[i].k, sweep[i].bad);
        if (!why || strcmp(why, sweep[i].why))
            fail_msg("%s = %s: %s", sweep_key_name(sweep[i].k), sweep[i].bad,
                     why ? why : "accepted");
    }
}

static void errors_name_file_line_and_key(void **state)
{
    (void)state;
    load_fails("[experiment]\ntype = invert\ndata = x\ncolour = blue\n",
               "bad.ini:4: key 'colour': unknown key (known: type, data, name, spaces, targets, "
               "test_limit, retrieval, references, intra, bins, auto_deltas, auto_omegas, auto_holdout, "
               "bootstrap, bootstrap_level, precision, anchors, anchor_seed, omega, "
               "delta, prune, rcond, lambda, rescale, center, completion, seed, head, factor, "
               "scale_mode)");
    load_fails("[experiment]\ntype = invert\ndata = x\nomega = 1\nomega = 2\n",
               "bad.ini:4: key 'omega': given twice");
    load_fails("[experiment]\ntype = dance\ndata = x\n", "bad.ini:2: key 'type': 'dance': "
                                                        "expected one of invert, stitch");
    load_fails("[experiment]\ndata = x\n", "key 'type' is required");
    load_fails("[experiment]\ntype = invert\n", "key 'data' is required");
    load_fails("[experiment]\ntype = invert\ndata = x\nprune = fraction\n",
               "key 'delta': value '0' with prune = fraction");
    load_fails("[experiment]\ntype = invert\ndata = x\nname = a b\n",
               "key 'name': 'a b': expected letters, digits, '.', '_', '-' or '+' only");
    load_fails("[experiment]\ntype = invert\ndata = x\nname = a\"b\n",
               "key 'name': 'a\"b': expected letters, digits");
    load_fails("[experiment]\ntype = invert\ndata = x\nbins = 1\n",
               "key 'bins': '1': expected an integer from 2 to 10000");
    load_fails("[other]\ntype = invert\n", "only [experiment] and [report] are read");
    load_fails("[experiment]\ntype = invert\ndata = x\n[report]\nclaims = world-peace\n",
               "bad.ini:5: key 'claims': 'world-peace': expected claims from: invertibility");
    load_fails("[experiment]\ntype = invert\ndata = x\n[report]\ncolour = red\n",
               "key 'colour': unknown key in [report] (known: claims, paper)");
    load_fails("[experiment]\ntype = invert\ndata = x\ndelta = 0.5,,0.6\n",
               "bad.ini:4: key 'delta': '0.5,,0.6': an empty item in the list");
    load_fails("[experiment]\ntype = invert\ndata = x\ndelta = 0.5,\n",
               "key 'delta': '0.5,': an empty item in the list");
    load_fails("[experiment]\ntype = invert\ndata = x\nclaims = reuse\n",
               "bad.ini:4: key 'claims': belongs in the [report] section");
    /* keys a kind's numbers do not depend on, and claims its tables cannot decide */
    load_fails("[experiment]\ntype = scale-distribution\ndata = x\nomega = 8\n",
               "bad.ini:4: key 'omega' has no effect on a scale-distribution experiment");
    load_fails("[experiment]\ntype = invert\ndata = x\nhead = linear\n",
               "key 'head' has no effect on a invert experiment");
    load_fails("[experiment]\ntype = scale-invariance\ndata = x\ntargets = a\n",
               "bad.ini:4: key 'targets' has no effect on a scale-invariance experiment");
    load_fails("[experiment]\ntype = stitch\ndata = x\nbins = 9\n",
               "key 'bins' has no effect on a stitch experiment");
    load_fails("[experiment]\ntype = invert\ndata = x\ndelta = 0.5, 0.50\n",
               "key 'delta': value '0.50' given twice in the list");
    load_fails("[experiment]\ntype = invert\ndata = x\nrcond = -1, -2\n",
               "key 'rcond': value '-2' given twice in the list");
    load_fails("[experiment]\r type = invert\rdata = x\r", "old Mac line endings");
    load_fails("[experiment]\ntype = invert\ndata = x\nspaces = a,\n  b\n",
               "bad.ini:5: an indented line, which inih reads as more of the previous key");
    load_fails("[experiment]\ntype = invert\ndata = x\n[report]\nclaims = invertibility, reuse\n",
               "bad.ini:5: key 'claims': 'reuse' is decided from stitch tables, not from invert "
               "ones");
    load_fails("[experiment]\ntype = scale-invariance\ndata = x\n[report]\n"
               "claims = cross-lingual\n",
               "'cross-lingual' is decided from invert/stitch tables, not from "
               "scale-invariance ones");
    config *c = (config *)1;
    assert_fails(experiment_load(&c, "/nonexistent/x.ini"), IRP_EDATA,
                 "/nonexistent/x.ini: cannot read (No such file or directory)");
}

/* [report] keys are read, and left out of the hash (they never change a number). */
static void report_section(void **state)
{
    (void)state;
    const char *base = "[experiment]\ntype = stitch\ndata = x\nomega = 8\n";
    config *a = load_ok(base);
    char text[512];
    snprintf(text, sizeof text, "%s[report]\nclaims = reuse, cross-lingual\n"
                                "paper = stitching:fashion-mnist, language\n", base);
    config *b = load_ok(text);
    assert_int_equal(b->num_claims, 2);
    assert_true(config_has_claim(b, "reuse"));
    assert_true(config_has_claim(b, "cross-lingual"));
    assert_false(config_has_claim(b, "ensembling"));
    assert_false(config_has_claim(a, "reuse"));
    assert_int_equal(b->num_papers, 2);
    assert_string_equal(b->papers[0], "stitching:fashion-mnist");
    assert_string_equal(b->papers[1], "language");
    assert_true(a->hash == b->hash);
    /* the hash is FNV-1a of the bytes outside [report] */
    assert_true(a->hash == fnv1a(FNV1A_INIT, base, strlen(base)));
    snprintf(text, sizeof text, "%s; changed\n", base);
    config *c = load_ok(text);
    assert_true(c->hash != a->hash);
    config_free(a);
    config_free(b);
    config_free(c);
}

/* The known-keys reference lists every key (for --help). */
static void key_reference_lists_every_key(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    config_print_keys(f, 0, exp_kind_help(), NULL);
    fclose(f);
    for (int k = 0; k < SK_COUNT; k++)
        assert_non_null(strstr(buf, sweep_key_name(k)));
    for (size_t i = 0; i < num_exp_kinds; i++)
        assert_non_null(strstr(buf, exp_kinds[i].name));
    assert_non_null(strstr(buf, "claims"));
    free(buf);
    f = open_memstream(&buf, &len);
    config_print_keys(f, 1, NULL, NULL);
    fclose(f);
    assert_non_null(strstr(buf, "--anchor-seed"));
    assert_null(strstr(buf, "--head")); /* not a translation key */
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(defaults_fill_every_key, setup, teardown),
        cmocka_unit_test_setup_teardown(every_key_parses, setup, teardown),
        cmocka_unit_test_setup_teardown(booleans, setup, teardown),
        cmocka_unit_test_setup_teardown(lists_sweep_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(limits_at_their_boundaries, setup, teardown),
        cmocka_unit_test_setup_teardown(value_checks_per_key, setup, teardown),
        cmocka_unit_test_setup_teardown(errors_name_file_line_and_key, setup, teardown),
        cmocka_unit_test_setup_teardown(report_section, setup, teardown),
        cmocka_unit_test_setup_teardown(key_reference_lists_every_key, setup, teardown),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
