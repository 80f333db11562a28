/* Hostile and careless input, one row per class: the input (made by a shell
 * setup in a scratch directory), the command, the exit code, the first line
 * of the message, and a check afterwards (nothing executed, nothing replaced,
 * nothing half-written). Run against the normal and the sanitizer build
 * (IRP_BIN). Hostile dumps come from tests/make_hostile.py. */
#include "testutil.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct hostile {
    const char *name;
    const char *setup;  /* shell, in the scratch directory (may be "") */
    const char *cmd;    /* shell; $IRP is the binary */
    int exit_code;
    const char *needle; /* in the first line of stderr (exit 1: the only line) */
    const char *post;   /* shell that must succeed afterwards (may be "") */
} hostile;

#define CFG(body) "printf '[experiment]\\ntype = invert\\ndata = @TINY@\\nanchors = 100\\n" body "' > c.ini"
#define RUN "$IRP run --quiet --no-plots c.ini"

static const hostile rows[] = {
    /* ---- configs ---- */
    {"name_with_quote", CFG("name = a\\042b\\n"), RUN, 1, "c.ini:5: key 'name': 'a\"b': expected letters", "test ! -e results"},
    {"file_name_with_quote", CFG("") " && mv c.ini 'q\"x.ini'", "$IRP run --quiet 'q\"x.ini'", 1, "the file name gives the result name 'q\"x'", "test ! -e results"},
    {"head_with_backquote", "printf '[experiment]\\ntype = stitch\\ndata = @TINY@\\nhead = a`touch pwned`\\n' > c.ini", RUN, 1, "key 'head': value 'a`touch pwned`': expected a head name", "test ! -e pwned"},
    {"nul_byte", CFG("omega = 2\\0omega = 4\\n"), RUN, 1, "c.ini:5: a NUL byte", ""},
    {"long_comment_line", CFG("; %0280d omega = 7\\n"), RUN, 1, "c.ini:5: a line of 292 characters; inih", ""},
    {"long_spaces_line", CFG("spaces = %0250d,rot-a\\n"), RUN, 1, "c.ini:5: a line of 265 characters", ""},
    {"type_twice", CFG("type = stitch\\n"), RUN, 1, "c.ini:2: key 'type': given twice", ""},
    {"data_twice", CFG("data = other.h5\\n"), RUN, 1, "c.ini:3: key 'data': given twice", ""},
    {"spaces_twice", CFG("spaces = rot-a, rot-b\\nspaces = wide\\n"), RUN, 1, "key 'spaces': given twice", ""},
    {"sweep_value_twice", CFG("omega = 2, 2\\n"), RUN, 1, "key 'omega': value '2' given twice in the list", "test ! -e results"},
    {"empty_list_item", CFG("delta = 0.5,,0.6\\n"), RUN, 1, "key 'delta': '0.5,,0.6': an empty item", ""},
    {"sweep_too_large", CFG("omega = 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16\\ndelta = 0,0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9\\nseed = 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63\\n"), RUN, 1, "the sweep has more than 10000 cells", ""},
    {"omega_huge", CFG("omega = 1000000\\n"), RUN, 1, "key 'omega': value '1000000': expected an integer from 1 to 1024 (the limit)", ""},
    {"factor_overflow", "printf '[experiment]\\ntype = scale-invariance\\ndata = @TINY@\\nfactor = 1e308\\n' > c.ini", RUN, 1, "key 'factor': value '1e308': expected a number from 1e-06 to 1e+06", ""},
    {"bool_not_true_false", CFG("center = yes\\n"), RUN, 1, "key 'center': value 'yes': expected true or false", ""},
    {"config_is_fifo", "mkfifo c.ini", "timeout 20 $IRP run c.ini", 1, "c.ini: not a regular file (a FIFO); expected a config file", ""},
    {"config_is_directory", "mkdir c.ini", RUN, 1, "c.ini: not a regular file (a directory)", ""},
    {"config_is_device", "mknod c.ini c 1 5 2>/dev/null || ln -s /dev/zero c.ini", "timeout 20 $IRP run c.ini", 1, "c.ini: not a regular file (a device); expected a config file", ""},
    {"unknown_claim", CFG("[report]\\nclaims = world-peace\\n"), RUN, 1, "c.ini:6: key 'claims': 'world-peace': expected claims from", ""},
    {"key_kind_ignores", CFG("head = linear\\n"), RUN, 1, "c.ini:5: key 'head' has no effect on a invert experiment", ""},
    {"key_kind_ignores_first_sweep_key", "printf '[experiment]\\ntype = scale-distribution\\ndata = @TINY@\\nanchors = 100\\n' > c.ini", RUN, 1, "c.ini:4: key 'anchors' has no effect on a scale-distribution experiment", "test ! -e results"},
    {"results_empty_name", CFG(""), "$IRP run --quiet --results '' c.ini", 1, "an empty directory name was given", ""},
    {"results_is_a_file", CFG("") " && touch out", "$IRP run --quiet --results out c.ini", 1, "out: exists but is not a directory", ""},
    {"result_name_clash_with_hist", CFG("name = x-hist\\n") " && printf '[experiment]\\ntype = scale-distribution\\ndata = @TINY@\\nname = x\\n' > d.ini", "$IRP run --quiet c.ini d.ini", 1, "c.ini writes results named 'x-hist', which d.ini also writes", "test ! -e results/x-hist.csv"},
    {"result_name_clash_across_runs", CFG("name = x-hist\\n") " && printf '[experiment]\\ntype = scale-distribution\\ndata = @TINY@\\nname = x\\n' > d.ini && $IRP run --quiet --no-plots d.ini", RUN, 1, "results/x-hist.csv: not a result table of irp run (another config's second table", "grep -q '^encoder,bin_lo' results/x-hist.csv && test ! -e results/x-hist.cells"},
    {"second_table_clash_across_runs", CFG("name = x-hist\\n") " && printf '[experiment]\\ntype = scale-distribution\\ndata = @TINY@\\nname = x\\n' > d.ini && " RUN, "$IRP run --quiet --no-plots d.ini", 1, "results/x-hist.csv is the result table of a config named 'x-hist', where d.ini would write its second table", "grep -q '^experiment,' results/x-hist.csv && test ! -e results/x.csv"},
    /* ---- dumps ---- */
    {"dump_is_fifo", CFG("") " && mkfifo f.h5 && sed -i 's|^data = .*|data = f.h5|' c.ini", "timeout 20 $IRP run c.ini", 1, "f.h5: not a regular file; expected an irp-embeddings/1 dump", ""},
    {"dump_not_hdf5", "", "$IRP inspect @H@/text.h5", 1, "text.h5: not an HDF5 file", ""},
    {"dump_truncated", "", "$IRP inspect @H@/truncated.h5", 1, "truncated.h5: HDF5 could not open it", ""},
    {"dump_crashes_libhdf5", "", "$IRP inspect @ROOT@/fuzz/regressions/dump/crash-2cc5fb75d53f81485d497207427dfcd5c72f4248", 1, "corrupted HDF5 file: the HDF5 library crashed reading it", ""},
    {"class_names_list_accepted", "", "$IRP inspect @H@/classnames-list.h5 > out.txt", 0, "", "grep -q 'dataset synthetic, 4 classes' out.txt"},
    {"class_names_fixed_accepted", "", "$IRP inspect @H@/classnames-fixed.h5 > out.txt", 0, "", "grep -q 'dataset synthetic, 4 classes' out.txt"},
    {"string_attr_array", "", "$IRP inspect @H@/model-list.h5", 1, "/spaces/rot-a attribute 'model': expected one string, got an array of 2", ""},
    {"string_attr_number", "", "$IRP inspect @H@/schema-number.h5", 1, "/ attribute 'schema': expected a string", ""},
    {"shape_overflows", "", "$IRP inspect @H@/huge-shape.h5", 1, "/spaces/wide/test: declared shape 200x4611686018427387904 is too large", ""},
    {"shape_implausible", "", "$IRP inspect @H@/big-declared.h5", 1, "/spaces/wide/test: declared shape 200x67108864 is too large for the file", ""},
    {"labels_one_split", "", "$IRP inspect @H@/labels-train-only.h5", 1, "/samples/train/labels: present, but /samples/test/labels is not", ""},
    {"external_link", "", "$IRP inspect @H@/external-link.h5", 1, "external-link.h5: /spaces/rot-a/test is a link to another file", ""},
    {"label_beyond_int32", "", "$IRP inspect @H@/wide-label.h5", 1, "/samples/test/labels: label 8589934593 at row 7 is outside [0, 4)", ""},
    {"translator_compact_short", "", "$IRP translate --apply @ROOT@/fuzz/regressions/translator/crash-0ee065196202beaa263ff284ec0b31372ab25eb1 --in @TINY@ --out o.h5", 1, "/translator_mean_y: stores 16 bytes, fewer than its shape 3x1 needs; corrupted HDF5 file", "test ! -e o.h5 && test ! -e o.h5.tmp"},
    {"nan_embedding", "", "$IRP inspect @H@/nan-value.h5", 1, "/spaces/rot-b/train: non-finite value at row 5, column 2", ""},
    {"zero_row_inspect", "", "$IRP inspect @H@/zero-test-row.h5", 1, "/spaces/narrow/test: row 3 is all zero", ""},
    {"zero_row_run", CFG("") " && sed -i 's|^data = .*|data = @H@/zero-test-row.h5|' c.ini", RUN, 1, "/spaces/narrow/test: row 3 is all zero", "test ! -e results/c.csv"},
    {"space_names_inject_gnuplot", "printf '[experiment]\\ntype = stitch\\ndata = @H@/evil-names.h5\\nanchors = 100\\n' > c.ini && printf '[experiment]\\ntype = scale-distribution\\ndata = @H@/evil-names.h5\\n' > d.ini", "$IRP run --quiet c.ini d.ini", 0, "", "test -s plots/c.png && test -s plots/d.png && test ! -e pwned-gp && test ! -e pwned-bq"},
    {"space_name_newline", "", "$IRP inspect @H@/newline-name.h5", 1, "/spaces/b?#c,irp: all good: a name with a control character", ""},
    {"space_names_too_long", "", "$IRP inspect @H@/long-names.h5", 1, "a name too long; expected a printable name of at most 200 characters", ""},
    {"names_escaped_in_report", "printf '[experiment]\\ntype = scale-distribution\\ndata = @H@/pipe-names.h5\\n' > c.ini && $IRP run --quiet --no-plots c.ini",
     "$IRP report --paper none c.ini", 0, "", "grep -q '^| n\\\\|9\\\\|&lt;b&gt;x |' results/REPORT.md && ! grep -q '<b>' results/REPORT.md"},
    {"inspect_escapes_attrs", "", "$IRP inspect @H@/escape-attrs.h5 > out.txt", 0, "", "grep -q 'dataset ?\\[31mred?\\]0;owned?, 4 classes' out.txt && grep -q 'model m?\\[2J?clear ' out.txt && ! tr -d '\\n' < out.txt | grep -q '[[:cntrl:]]'"},
    {"load_timeout_wraps", "", "IRP_LOAD_TIMEOUT=4294967296 $IRP inspect @TINY@", 1, "IRP_LOAD_TIMEOUT='4294967296' is not a whole number from 1 to 86400", ""},
    {"load_timeout_text", "", "IRP_LOAD_TIMEOUT=1m $IRP inspect @TINY@", 1, "IRP_LOAD_TIMEOUT='1m' is not a whole number from 1 to 86400", ""},
    /* ---- outputs ---- */
    {"translate_out_symlink", "ln -s target.txt out.h5 && echo keep > target.txt", "$IRP translate --data @TINY@ --from rot-a --to rot-b --anchors 100 --out out.h5", 1, "out.h5: exists and is a symbolic link, not a regular file", "test -L out.h5 && grep -q keep target.txt && test ! -e out.h5.tmp"},
    {"translate_out_device", "mknod null c 1 3 2>/dev/null || mkfifo null", "$IRP translate --data @TINY@ --from rot-a --to rot-b --anchors 100 --out null", 1, "null: exists and is a", "test ! -f null && test ! -e null.tmp"},
    {"translate_out_is_input", "cp @TINY@ in.h5 && cp in.h5 keep.h5", "$IRP translate --data in.h5 --from rot-a --to rot-b --anchors 100 --out in.h5", 1, "in.h5: is the input in.h5", "cmp in.h5 keep.h5"},
    {"translate_empty_delta", "", "$IRP translate --data @TINY@ --from rot-a --to rot-b --delta '' --out o.h5", 1, "translate: --delta '': expected a number in [0, 1]", "test ! -e o.h5"},
    {"translate_negative_seed", "", "$IRP translate --data @TINY@ --from rot-a --to rot-b --seed -1 --out o.h5", 1, "translate: --seed '-1': expected an integer >= 0", "test ! -e o.h5"},
    {"translate_out_being_written", "printf keep > o.h5.tmp && { flock o.h5.tmp sleep 20 & } && sleep 0.5",
     "$IRP translate --data @TINY@ --from rot-a --to rot-b --anchors 100 --out o.h5", 1,
     "o.h5.tmp: cannot create (another process is writing it now",
     "grep -q keep o.h5.tmp && test ! -e o.h5"},
    {"translate_disk_full", "", "trap '' XFSZ; ulimit -f 64; $IRP translate --data @TINY@ --from rot-a --to rot-b --anchors 100 --out o.h5", 1, "o.h5.tmp: writing failed", "test ! -e o.h5 && test ! -e o.h5.tmp"},
    {"plot_disk_full", CFG("spaces = rot-a, rot-b\\nreferences = false\\n") " && $IRP run --quiet c.ini && cp plots/c.png keep.png && cp plots/c.pdf keep.pdf",
     "trap '' XFSZ; ulimit -f 12; $IRP run --quiet --force c.ini", 1, "plots/c.gp: gnuplot wrote an incomplete figure (disk full?); the previous figures are kept",
     "cmp plots/c.png keep.png && cmp plots/c.pdf keep.pdf"},
    {"figure_place_is_symlink", CFG("spaces = rot-a, rot-b\\nreferences = false\\n") " && mkdir plots && ln -s ../victim plots/c.png && echo keep > victim", "$IRP run --quiet c.ini", 1, "plots/c.png: cannot put the figure in place (plots/c.png: exists and is a symbolic link", "grep -qx keep victim && test -L plots/c.png && test ! -e plots/c.pdf && ! ls plots | grep -q tmp"},
    {"report_out_symlink", CFG("") " && " RUN " && ln -s victim.md R.md && echo keep > victim.md", "$IRP report --paper none --out R.md c.ini", 1, "R.md: exists and is a symbolic link", "grep -q keep victim.md && test -L R.md"},
    {"report_table_without_value", CFG("") " && mkdir results && printf 'experiment,dataset\\nc,x\\n' > results/c.csv", "$IRP report --paper none c.ini", 1, "results/c.csv: not a result table of irp run", "test ! -e results/REPORT.md"},
    {"report_row_extra_field", CFG("") " && " RUN " && echo 'a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u,v' >> results/c.csv", "$IRP report --paper none c.ini", 1, "results/c.csv:", "test ! -e results/REPORT.md"},
    {"report_out_is_input", CFG("") " && " RUN " && cp c.ini keep.ini", "$IRP report --paper none --out c.ini c.ini", 1, "c.ini: is the input c.ini", "cmp c.ini keep.ini"},
    {"report_foreign_rows", CFG("") " && " RUN " && tail -n 1 results/c.csv | sed 's/^c,/other,/' >> results/c.csv", "$IRP report --paper none c.ini", 1, "results/c.csv: data row 181: another experiment's row", "test ! -e results/REPORT.md"},
    {"edited_cell_not_trusted", "printf '[experiment]\\ntype = scale-invariance\\ndata = @TINY@\\nfactor = 0.5, 1\\n' > c.ini && $IRP run --quiet c.ini && f=$(ls results/c.cells/*.csv | head -1) && sed -i 's/,linear,/,linear`touch pwned`,/' \"$f\"",
     "$IRP run c.ini 2> run.err", 0, "", "test ! -e pwned && grep -q '2 cells (1 computed, 1 resumed)' run.err && ! grep -q touch plots/c.gp"},
    {"lock_is_hard_link", CFG("") " && mkdir results && cp @TINY@ d.h5 && cp d.h5 keep.h5 && ln d.h5 results/c.lock", RUN, 1, "results/c.lock: not irp's lock file", "cmp d.h5 keep.h5"},
    {"log_is_fifo", CFG("") " && mkdir plots && mkfifo plots/c.log", "timeout 60 $IRP run --quiet c.ini", 1, "plots/c.log: cannot write the gnuplot log", "test -p plots/c.log"},
    {"report_stale_table", CFG("") " && " RUN " && echo 'omega = 2' >> c.ini", "$IRP report --paper none c.ini", 1, "results/c.csv was not computed from c.ini as it is now", ""},
    {"report_date_overflows", CFG("") " && " RUN, "SOURCE_DATE_EPOCH=99999999999999999999 $IRP report --paper none c.ini", 1, "SOURCE_DATE_EPOCH='99999999999999999999' is not a whole number from 0 to 253402300799", "test ! -e results/REPORT.md"},
    {"run_date_not_a_number", CFG(""), "SOURCE_DATE_EPOCH=yesterday $IRP run --quiet c.ini", 1, "SOURCE_DATE_EPOCH='yesterday' is not a whole number", "test ! -e results && test ! -e plots"},
    {"report_repeated_rows", CFG("") " && " RUN " && tail -n 3 results/c.csv >> results/c.csv", "$IRP report --paper none c.ini", 1, "results/c.csv: data row 181 repeats data row 178 (same settings, pair, method and metric)", "test ! -e results/REPORT.md"},
    {"report_repeated_row_other_value", CFG("") " && " RUN " && tail -n 1 results/c.csv | sed 's/,[^,]*$/,0.5/' >> results/c.csv", "$IRP report --paper none c.ini", 1, "results/c.csv: data row 181 repeats data row 180", "test ! -e results/REPORT.md"},
    {"report_paper_is_fifo", CFG("") " && " RUN " && mkfifo p.csv", "timeout 20 $IRP report --paper p.csv c.ini", 1, "p.csv: not a regular file (a FIFO)", ""},
    /* ---- interrupted and concurrent runs ---- */
    {"damaged_cell_recomputed", CFG("omega = 1, 2\\ndelta = 0.5\\n") " && " RUN " && cp results/c.csv full.csv && f=$(ls results/c.cells/*.csv | head -1) && head -n 5 \"$f\" > t && mv t \"$f\" && : > \"$(ls results/c.cells/*.csv | tail -1)\"", "$IRP run --no-plots c.ini 2> run.err", 0, "", "grep -q '2 cells (2 computed, 0 resumed)' run.err && cmp results/c.csv full.csv"},
    {"edited_cell_recomputed", CFG("omega = 1, 2\\n") " && " RUN " && cp results/c.csv full.csv && f=$(ls results/c.cells/*.csv | head -1) && sed -i '5s/[0-9]$/7/;6s/[0-9]*$/nan/' \"$f\" && grep -q ',nan$' \"$f\"", "$IRP run --no-plots c.ini 2> run.err", 0, "", "grep -q '2 cells (1 computed, 1 resumed)' run.err && grep -q '1 cell file did not match its checksum (damaged, cut short or edited) and was computed again' run.err && cmp results/c.csv full.csv"},
    {"dump_replaced_mid_run", CFG("delta = 0, 0.5\\n") " && cp @TINY@ d.h5 && sed -i 's|^data = .*|data = d.h5|' c.ini",
     "(IRP_TEST_PAUSE_AFTER_CELLS=1 " RUN ") & pid=$!; for i in $(seq 300); do test -e results/c.paused && break; sleep 0.1; done; cp d.h5 d2.h5 && mv d2.h5 d.h5 && rm results/c.paused; wait $pid",
     /* the cell computed before the change is kept; the one computed after it is not saved
      * (it would be resumed under the old content's hash) */
     1, "d.h5: the dump changed while this run read it", "test ! -e results/c.csv && test $(ls results/c.cells/*.csv | wc -l) = 1"},
    {"kill_during_figure", CFG("") " && $IRP run --quiet c.ini && cp plots/c.png keep.png && cp results/c.csv full.csv && mkdir fake && printf '#!/bin/sh\\necho $$ > \"$PWD/gp.pid\"\\nexec sleep 60\\n' > fake/gnuplot && chmod +x fake/gnuplot",
     "(PATH=$PWD/fake:$PATH $IRP run --quiet --force c.ini) & pid=$!; for i in $(seq 300); do test -s gp.pid && break; sleep 0.1; done; kill -9 $pid; kill -9 $(cat gp.pid); wait $pid; cmp plots/c.png keep.png && $IRP run c.ini 2> run.err",
     0, "", "grep -q '1 cells (0 computed, 1 resumed)' run.err && cmp results/c.csv full.csv && cmp plots/c.png keep.png"},
    {"results_locked", CFG(""), "mkdir -p results && flock results/c.lock -c 'echo 4242 > results/c.lock; " RUN "'", 1, "results of 'c' are locked by PID 4242", "test ! -e results/c.csv && grep -qx 4242 results/c.lock"},
};

static char work[256];
static char hostile_dir[256];

static void subst(char *out, size_t size, const char *in)
{
    static char tiny[1024];
    const char *d = getenv("IRP_TEST_DATA");
    snprintf(tiny, sizeof tiny, "%s/%s/tiny.h5", d && d[0] == '/' ? "" : getenv("PWD"),
             d ? d : "build/testdata");
    struct {
        const char *key, *val;
    } map[] = {{"@TINY@", tiny}, {"@H@", hostile_dir}, {"@ROOT@", getenv("PWD")}};
    size_t n = 0;
    for (const char *p = in; *p && n + 1 < size;) {
        size_t k = 0;
        while (k < 3 && strncmp(p, map[k].key, strlen(map[k].key)))
            k++;
        if (k < 3) {
            n += (size_t)snprintf(out + n, size - n, "%s", map[k].val);
            p += strlen(map[k].key);
        } else
            out[n++] = *p++;
    }
    out[n < size ? n : size - 1] = '\0';
}

static int sh(const char *text, char *err, size_t errsize)
{
    char body[12288], ignored[8];
    subst(body, sizeof body, text);
    return err ? tu_sh(work, err, errsize, body) : tu_sh(work, ignored, sizeof ignored, body);
}

static int group_setup(void **state)
{
    (void)state;
    if (tu_mkwork(hostile_dir, sizeof hostile_dir, "hostile-dumps"))
        return -1;
    char tiny[1024], cmd[4096];
    subst(tiny, sizeof tiny, "@TINY@");
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s/tests/make_hostile.py' '%s' '%s'",
             getenv("PWD"), tiny, hostile_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    return tu_rmwork(hostile_dir);
}

static int setup(void **state)
{
    (void)state;
    if (tu_mkwork(work, sizeof work, "hostile"))
        return -1;
    char bin[2048];
    setenv("IRP", tu_abs(bin, sizeof bin, tu_irp_bin()), 1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return tu_rmwork(work);
}

static void row_test(void **state)
{
    const hostile *h = *state;
    char err[8192];
    if (h->setup[0] && sh(h->setup, NULL, 0) != 0)
        fail_msg("%s: setup failed: %s", h->name, h->setup);
    int rc = sh(h->cmd, err, sizeof err);
    if (rc != h->exit_code)
        fail_msg("%s: exit %d, expected %d; stderr: %s", h->name, rc, h->exit_code, err);
    if (h->exit_code) {
        /* one line, "irp: ...", naming what was wrong */
        if (strncmp(err, "irp: ", 5) || strchr(err, '\n') != err + strlen(err) - 1)
            fail_msg("%s: not one line starting with 'irp: ': '%s'", h->name, err);
    }
    if (h->needle[0] && !strstr(err, h->needle))
        fail_msg("%s: stderr '%s' does not mention '%s'", h->name, err, h->needle);
    if (h->post[0] && sh(h->post, NULL, 0) != 0)
        fail_msg("%s: afterwards, '%s' does not hold (stderr was: %s)", h->name, h->post, err);
}

int main(void)
{
    enum { N = sizeof rows / sizeof *rows };
    static struct CMUnitTest tests[N];
    for (size_t i = 0; i < N; i++) {
        tests[i] = (struct CMUnitTest)cmocka_unit_test_prestate_setup_teardown(
            row_test, setup, teardown, (void *)&rows[i]);
        tests[i].name = rows[i].name;
    }
    return _cmocka_run_group_tests("hostile", tests, N, group_setup, group_teardown);
}
