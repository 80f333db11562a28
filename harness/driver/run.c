/* The experiment driver. Each cell (one combination of sweep values) is
 * computed whole and written atomically to <results>/<name>.cells/<id>.csv;
 * a cell file that exists is not recomputed (resume) unless --force. The
 * experiment's table <results>/<name>.csv is then assembled from the cells,
 * again atomically. What a cell computes is its kind's (experiment.h). */
#include "driver/run.h"
#include "driver/account.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "driver/experiment.h"
#include "driver/pairs.h"
#include "plumbing/par.h"
#include "plumbing/pool.h"
#include "plumbing/provenance.h"
#include "plumbing/util.h"
#include "plumbing/vocab.h"

/* A typo must not ask for days of work: at 10 ms a translation, this is ~3 h. */
enum { RUN_MAX_TRANSLATIONS = 1000000 };

int run_load(dump **out, const config *c, size_t threads)
{
    const exp_kind *kind = c->kind;
    /* pair kinds use only anchors from the training split */
    unsigned flags = (kind->needs & EXP_PAIRS ? DUMP_TRAIN_ON_DEMAND : 0) |
                     ((threads ? threads : pool_default_threads()) > 1 ? DUMP_LOAD_SPLIT : 0);
    *out = NULL;
    dump *d;
    struct stat st;
    if (c->data_other[0] && stat(c->data_path, &st) && errno == ENOENT)
        return irp_fail(IRP_EDATA, "%s: data = %s: no such file, tried %s (beside the config) "
                        "and %s (the current directory); a relative path is looked up there, "
                        "in that order",
                        c->path, c->data, c->data_other, c->data_path);
    if (dump_load_checked(&d, c->data_path, c->num_spaces ? (const char *const *)c->spaces : NULL,
                        c->num_spaces, flags)) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", irp_last_error());
        return irp_fail(IRP_EDATA, "%s: %s", c->path, msg);
    }
    int rc = IRP_OK;
    if (kind->needs & EXP_PAIRS) {
        if (d->num_spaces < 2 && !(c->intra && (kind->needs & EXP_INTRA)))
            rc = irp_fail(IRP_EDATA, "%s: %s needs at least 2 spaces, %s has %zu", c->path,
                          kind->name, d->path, d->num_spaces);
        for (size_t i = 0; !rc && i < c->num_values[SK_ANCHORS]; i++) {
            size_t k = (size_t)strtoull(c->values[SK_ANCHORS][i], NULL, 10);
            if (k > d->num_train)
                rc = irp_fail(IRP_EDATA, "%s: anchors = %zu but %s has only %zu training rows",
                              c->path, k, d->path, d->num_train);
        }
    }
    if (!rc && (kind->needs & EXP_PAIRS)) { /* cells × ordered pairs, each a translation */
        size_t pairs = d->num_spaces * d->num_spaces, cells = config_num_cells(c);
        if (cells > RUN_MAX_TRANSLATIONS / (pairs ? pairs : 1))
            rc = irp_fail(IRP_EDATA, "%s: %zu cells x %zu ordered pairs is more than %d "
                          "translations, the limit; split the sweep or pick fewer 'spaces'",
                          c->path, cells, pairs, RUN_MAX_TRANSLATIONS);
    }
    for (size_t t = 0; !rc && t < c->num_targets; t++)
        if (!dump_find_space(d, c->targets[t]))
            rc = irp_fail(IRP_EDATA, "%s: targets: space '%s' is not among the spaces loaded from %s",
                          c->path, c->targets[t], d->path);
    if (!rc && (kind->needs & EXP_LABELS) && !d->test_labels)
        rc = irp_fail(IRP_EDATA, "%s: %s needs labels but %s has none", c->path, kind->name,
                      d->path);
    for (size_t i = 0; !rc && (kind->needs & EXP_HEADS) && i < c->num_values[SK_HEAD]; i++)
        for (size_t s = 0; !rc && s < d->num_spaces; s++)
            if (config_is_target(c, d->spaces[s].name) &&
                !dump_find_head(&d->spaces[s], c->values[SK_HEAD][i])) {
                char have[512] = "none";
                size_t n = 0;
                for (size_t h = 0; h < d->spaces[s].num_heads && n < sizeof have; h++)
                    n += (size_t)snprintf(have + n, sizeof have - n, "%s%s", h ? ", " : "",
                                          d->spaces[s].heads[h].name);
                rc = irp_fail(IRP_EDATA, "%s: head '%s' is not in %s:/spaces/%s/heads (it has: %s)",
                              c->path, c->values[SK_HEAD][i], d->path, d->spaces[s].name, have);
            }
    if (!rc && kind->check)
        rc = kind->check(c, d);
    if (rc) {
        dump_free(d);
        return rc;
    }
    *out = d;
    return IRP_OK;
}

/* Appends the data lines (not comments, not the header) of a cell file;
 * *rows (if not NULL) gets their count added. */
static int append_cell(FILE *out, const char *path, size_t *rows)
{
    FILE *in = fopen(path, "r");
    if (!in)
        return irp_fail(IRP_EDATA, "%s: cannot read (%s)", path, strerror(errno));
    char line[8192];
    int header_seen = 0;
    while (fgets(line, sizeof line, in)) {
        if (line[0] == '#')
            continue;
        if (!header_seen) {
            header_seen = 1;
            continue;
        }
        fputs(line, out);
        if (rows && strchr(line, '\n'))
            (*rows)++;
    }
    fclose(in);
    return IRP_OK;
}

/* <cells_dir>/<id>.csv: the id covers the cell's inputs and the dump's stamp. */
static void cell_path(char *buf, size_t n, const char *cells_dir, const config *c,
                      const cell *cl, uint64_t stamp)
{
    snprintf(buf, n, "%s/%016llx.csv", cells_dir,
             (unsigned long long)(config_cell_hash(c, cl) ^ stamp));
}

/* The provenance comment every cell file and table carries. */
static void provenance_comment(csv_out *w, const dump *d)
{
    csv_out_comment(w, "provenance: dump content fnv1a64 %016llx (of the %zu spaces read); %s",
                    (unsigned long long)d->content_hash, d->num_spaces, provenance_machine());
}

/* A cell file's opening: which cell of which config, provenance, the header row. */
static void cell_header(csv_out *w, size_t j, size_t ncells, const config *c, const dump *d)
{
    csv_out_comment(w, "irp cell %zu/%zu of %s", j + 1, ncells, c->path);
    provenance_comment(w, d);
    rows_header(w);
}

/* MPI: the rows of a cell whose pairs start in space `slice`, before rank 0
 * merges them into the cell file (not a .csv: no cell of another setting). */
static void slice_path(char *buf, size_t n, const char *cell_file, size_t slice)
{
    snprintf(buf, n, "%s.src%zu", cell_file, slice);
}

/* A cell file's trailer, its last line: "# end: N rows, fnv1a H", H the
 * FNV-1a hash of every byte before it. Written last, from the bytes the file
 * holds (w's temporary file, flushed and read back). */
static int cell_trailer(csv_out *w, size_t rows)
{
    if (fflush(w->fp))
        return irp_fail(IRP_EDATA, "%s: writing failed (%s)", w->tmp, strerror(errno));
    FILE *f = fopen(w->tmp, "rb");
    if (!f)
        return irp_fail(IRP_EDATA, "%s: cannot read back (%s)", w->tmp, strerror(errno));
    uint64_t h = FNV1A_INIT;
    char buf[65536];
    for (size_t n; (n = fread(buf, 1, sizeof buf, f)) > 0;)
        h = fnv1a(h, buf, n);
    int bad = ferror(f);
    fclose(f);
    if (bad)
        return irp_fail(IRP_EDATA, "%s: cannot read back", w->tmp);
    csv_out_comment(w, "end: %zu rows, fnv1a %016llx", rows, (unsigned long long)h);
    return IRP_OK;
}

/* Whether a cell file is complete: a regular file, the result header, rows
 * of the right field count (the reader checks), and the trailer written last
 * ("# end: N rows, fnv1a H") naming as many rows and the hash of every byte
 * before it. A damaged, truncated or edited file is not trusted: its cell is
 * computed again. */
static int rows_complete(const char *path, const config *c, const cell *cl, const char *source,
                         int first_slice)
{
    csv_table *t;
    if (access(path, R_OK) || csv_table_read(&t, path))
        return 0;
    int ok = rows_header_ok(t);
    /* every row is this cell's: its experiment and its sweep values (columns 2..) */
    for (size_t r = 0; ok && r < t->num_rows; r++) {
        ok = !strcmp(t->rows[r][0], c->name);
        for (int k = 0; ok && k < SK_COUNT; k++)
            ok = !strcmp(t->rows[r][2 + k], cl->text[k]);
        /* a slice holds its source's pairs (slice 0 also the cell's rows of no pair:
         * the non-stitched oracle, the modality rows) */
        const char *const *row = (const char *const *)t->rows[r];
        if (ok && source)
            ok = !strcmp(row[2 + SK_COUNT], source) ||
                 (first_slice && (!strcmp(row[4 + SK_COUNT], M_NON_STITCH) ||
                                  !strcmp(row[4 + SK_COUNT], M_SPACE)));
    }
    size_t rows = t->num_rows;
    csv_table_free(t);
    char *text = NULL;
    size_t len = 0;
    if (!ok || read_regular(&text, &len, path, (size_t)1 << 32, "cell")) {
        irp_clear_error();
        return 0;
    }
    /* the last line, and the hash of everything before it */
    size_t start = len >= 2 ? len - 1 : 0;
    while (start > 0 && text[start - 1] != '\n')
        start--;
    char want[96];
    snprintf(want, sizeof want, "# end: %zu rows, fnv1a %016llx\n", rows,
             (unsigned long long)fnv1a(FNV1A_INIT, text, start));
    ok = len > start && strlen(want) == len - start && !memcmp(text + start, want, len - start);
    free(text);
    return ok;
}

static int cell_complete(const char *path, const config *c, const cell *cl)
{
    return rows_complete(path, c, cl, NULL, 0);
}

/* The same for slice `slice` of a cell: also every row from that source space. */
static int slice_complete(const char *path, const config *c, const cell *cl, const dump *d,
                          size_t slice)
{
    return rows_complete(path, c, cl, d->spaces[slice].name, slice == 0);
}

/* The test rows every kind reads: the first n_test, as doubles, with norms.
 * Each space's float32 rows are released as soon as their doubles exist: no
 * kind reads them again, and at paper scale they are 0.17x the embeddings
 * read (the peak memory target is 2x). */
static int load_test_rows(run_ctx *x, dump *d)
{
    x->n_test = x->c->test_limit && x->c->test_limit < d->num_test ? x->c->test_limit
                                                                     : d->num_test;
    x->test = calloc(d->num_spaces, sizeof *x->test);
    x->test_norms = calloc(d->num_spaces, sizeof *x->test_norms);
    if (!x->test || !x->test_norms)
        return irp_fail(IRP_ENOMEM, "out of memory");
    for (size_t s = 0; s < d->num_spaces; s++) {
        if (!(x->test[s] = dump_rows(&d->spaces[s].test, NULL, x->n_test)) ||
            !(x->test_norms[s] = malloc((x->n_test ? x->n_test : 1) * sizeof **x->test_norms)))
            return irp_fail(IRP_ENOMEM, "out of memory for the test rows of %s",
                            d->spaces[s].name);
        irp_row_norms(x->test_norms[s], x->test[s]);
        dump_release(&d->spaces[s].test);
    }
    return IRP_OK;
}

static void free_test_rows(run_ctx *x)
{
    for (size_t s = 0; s < x->d->num_spaces; s++) {
        if (x->test)
            irp_mat_free(x->test[s]);
        if (x->test_norms)
            free(x->test_norms[s]);
    }
    free(x->test);
    free(x->test_norms);
}

static int lock_once(int *fd_out, const char *path, const char *name, const char *results_dir,
                     unsigned long long token);

/* <results>/<name>.lock, held (flock) while a run of this config writes its
 * cells and table: a second run at once refuses, naming the first's PID. The
 * lock dies with its process, so a killed run leaves nothing to clean but the
 * file, and a run that ends removes the file while it still holds the lock
 * (unlock_results). A lock taken on a file that was removed meanwhile (its
 * name now names another file, or none) is not the lock: taken again. */
static int lock_results(int *fd_out, const char *results_dir, const char *name,
                        unsigned long long token)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/%s.lock", results_dir, name);
    for (int attempt = 0;; attempt++) {
        int fd = -1, rc = lock_once(&fd, path, name, results_dir, token);
        if (rc)
            return rc;
        struct stat a, b;
        if (!fstat(fd, &a) && !stat(path, &b) && a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
            *fd_out = fd;
            return IRP_OK;
        }
        close(fd);
        if (attempt == 10)
            return irp_fail(IRP_EDATA, "%s: the lock file keeps being replaced; is another "
                            "irp run of '%s' starting and stopping?", path, name);
    }
}

/* ends a run's hold: the file goes while still locked, then the lock */
static void unlock_results(int fd, const char *results_dir, const char *name)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/%s.lock", results_dir, name);
    struct stat a, b; /* only the file this run locked */
    if (!fstat(fd, &a) && !lstat(path, &b) && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
        unlink(path);
    close(fd);
}

static int lock_once(int *fd_out, const char *path, const char *name, const char *results_dir,
                     unsigned long long token)
{
    int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0666);
    if (fd < 0)
        return irp_fail(IRP_EDATA, "%s: cannot open the lock (%s)", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_nlink != 1) {
        close(fd); /* a link to some other file, or not a file: never truncate it */
        return irp_fail(IRP_EDATA, "%s: not irp's lock file (a hard link, device or FIFO); "
                        "remove it", path);
    }
    if (flock(fd, LOCK_EX | LOCK_NB)) {
        char pid[32] = "";
        ssize_t n = pread(fd, pid, sizeof pid - 1, 0);
        pid[n > 0 ? n : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        close(fd);
        return irp_fail(IRP_EDATA, "results of '%s' are locked by PID %s (another irp run of it "
                        "is writing %s); wait for it to finish",
                        name, pid[0] ? pid : "?", results_dir);
    }
    char pid[64]; /* the PID, then the run's token: other MPI ranks look for it (below) */
    int n = snprintf(pid, sizeof pid, "%ld\n%016llx\n", (long)getpid(), token);
    if (ftruncate(fd, 0) || pwrite(fd, pid, (size_t)n, 0) != n || fsync(fd)) {
        close(fd);
        return irp_fail(IRP_EDATA, "%s: cannot write the lock (%s)", path, strerror(errno));
    }
    *fd_out = fd;
    return IRP_OK;
}

static int run_locked(const config *c, dump *d, const run_opts *o);

/* finished cell files (<id>.csv) in a cells directory */
static size_t count_cell_files(const char *dir)
{
    size_t n = 0;
    DIR *dp = opendir(dir);
    for (struct dirent *e; dp && (e = readdir(dp));) {
        size_t len = strlen(e->d_name);
        n += len == 20 && !strcmp(e->d_name + 16, ".csv");
    }
    if (dp)
        closedir(dp);
    return n;
}

/* For tests only: with IRP_TEST_PAUSE_AFTER_CELLS=N, a run that has computed N
 * cells creates <results>/<name>.paused and waits (60 s at most) until that
 * file is gone, so a test can change things at a known point of a run. */
static void test_pause(const char *results_dir, const char *name, size_t computed)
{
    /* and with IRP_TEST_KILL_RANK=R and IRP_TEST_KILL_AFTER_CELLS=N, rank R
     * dies by SIGKILL once it has computed N cells (a node lost mid-run) */
    const char *kr = getenv("IRP_TEST_KILL_RANK"), *kn = getenv("IRP_TEST_KILL_AFTER_CELLS");
    if (kr && *kr && kn && *kn && strtol(kr, NULL, 10) == par_rank() &&
        computed >= strtoull(kn, NULL, 10)) /* at the first group that reaches N */
        raise(SIGKILL);
    const char *e = getenv("IRP_TEST_PAUSE_AFTER_CELLS");
    if (!e || !*e || strtoull(e, NULL, 10) != computed)
        return;
    char path[1100];
    snprintf(path, sizeof path, "%s/%s.paused", results_dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        return;
    fclose(f);
    for (int i = 0; i < 600 && access(path, F_OK) == 0; i++)
        nanosleep(&(struct timespec){0, 100000000}, NULL);
}

/* MPI: whether this rank sees the results directory rank 0 locked (its lock
 * file holds the token), i.e. whether they share a file system; otherwise the
 * cells one rank writes are invisible to rank 0, found only at the end. */
static int same_results_dir(const char *results_dir, const char *name,
                            unsigned long long token)
{
    char path[1100], line[64] = "", want[32];
    snprintf(path, sizeof path, "%s/%s.lock", results_dir, name);
    snprintf(want, sizeof want, "%016llx\n", token);
    FILE *f = fopen(path, "r");
    if (f && fgets(line, sizeof line, f)) /* the PID */
        if (!fgets(line, sizeof line, f))
            line[0] = '\0';
    if (f)
        fclose(f);
    if (strcmp(line, want))
        return irp_fail(IRP_EDATA, "%s: not the results directory rank 0 writes (its lock %s "
                        "is not visible here); every rank needs --results on a shared file "
                        "system", results_dir, path);
    return IRP_OK;
}

int run_experiment(const config *c, dump *d, const run_opts *o)
{
    /* MPI: rank 0 holds the lock for the job; the others write only the cells
     * rank 0 hands them, into the same directory (checked) */
    unsigned long long token = ((unsigned long long)time(NULL) << 20) ^ (unsigned long long)getpid();
    par_bcast(&token, sizeof token);
    int fd = -1, rc = par_rank() ? IRP_OK : lock_results(&fd, o->results_dir, c->name, token);
    if ((rc = par_agree(rc)))
        return rc;
    if ((rc = par_agree(par_rank() ? same_results_dir(o->results_dir, c->name, token) : 0))) {
        if (fd >= 0)
            unlock_results(fd, o->results_dir, c->name);
        return rc;
    }
    rc = run_locked(c, d, o);
    if (fd >= 0)
        unlock_results(fd, o->results_dir, c->name);
    return rc;
}

/* What unit u has left to do: its group's cells first + m·stride (m < nom;
 * nom = 1 when cells do not group by ω), whole or (nsl > 1) their slice u %
 * nsl. Returns how many cells (or cell slices) to compute; *resumed counts
 * the complete cells (for slice 0 only), *reused the slices a stopped run
 * finished. */
static size_t unit_scan(const config *c, const dump *d, size_t first, size_t slice, size_t nsl,
                        size_t stride, size_t nom, const char *cells_dir, uint64_t stamp,
                        const run_opts *o, int extra, size_t *resumed, size_t *reused,
                        size_t *damaged)
{
    size_t need = 0;
    for (size_t m = 0; m < nom; m++) {
        cell cl;
        char path[1200], sp[1240];
        config_cell(&cl, c, first + m * stride);
        cell_path(path, sizeof path, cells_dir, c, &cl, stamp);
        if (!o->force && !extra && cell_complete(path, c, &cl)) {
            *resumed += slice == 0;
            continue;
        }
        /* a cell file there that is not complete: damaged, cut or edited */
        if (!o->force && !extra && slice == 0 && access(path, F_OK) == 0)
            (*damaged)++;
        if (nsl > 1) {
            slice_path(sp, sizeof sp, path, slice);
            if (!o->force && slice_complete(sp, c, &cl, d, slice)) {
                (*reused)++;
                continue;
            }
        }
        need++;
    }
    return need;
}

/* The units with work left, in the order ranks take them: a unit is a group
 * of cells (those differing only in ω), or with MPI and a pair kind one slice
 * of it (the pairs from one source space; unit g·nsl + s). Rank 0 looks at
 * the cells directory once and sends the result to all, so every rank sees
 * the same list. One process takes them in sweep order; MPI ranks claim them
 * one at a time from a shared counter (par_claim), costliest first (cost:
 * cells × anchors × source dimension), so a rank that finishes early takes
 * the next. A slice does the per-space work (FPS, subsets, union encoding) of
 * its source alone; only the targets' anchors are prepared by every rank that
 * needs them. need[u] (rank 0): cells or slices to compute; *resumed,
 * *reused as unit_scan says. */
static int pending_units(size_t *order, size_t *np_out, size_t *need, size_t *resumed,
                         size_t *reused, size_t *damaged, const size_t *start, size_t ngroups, size_t nsl,
                         const dump *d, const config *c, size_t stride, size_t nom,
                         const char *cells_dir, uint64_t stamp, const run_opts *o, int extra)
{
    size_t nu = ngroups * nsl, np = 0;
    unsigned char *pending = calloc(nu ? nu : 1, 1);
    double *cost = calloc(nu ? nu : 1, sizeof *cost);
    int ok = pending && cost;
    for (size_t u = 0; ok && !par_rank() && u < nu; u++) {
        need[u] = unit_scan(c, d, start[u / nsl], u % nsl, nsl, stride, nom, cells_dir, stamp,
                            o, extra, resumed, reused, damaged);
        pending[u] = need[u] > 0;
    }
    if (ok)
        par_bcast(pending, nu ? nu : 1);
    for (size_t u = 0; ok && u < nu; u++) {
        if (!pending[u])
            continue;
        cell cl;
        config_cell(&cl, c, start[u / nsl]);
        cost[u] = (double)nom * (double)cl.anchors * (nsl > 1 ? (double)d->spaces[u % nsl].dim : 1);
        size_t at = np++; /* insertion sort (MPI): costliest first, then by index */
        while (par_size() > 1 && at && cost[order[at - 1]] < cost[u]) {
            order[at] = order[at - 1];
            at--;
        }
        order[at] = u;
    }
    *np_out = np;
    free(pending);
    free(cost);
    return ok ? IRP_OK : irp_fail(IRP_ENOMEM, "out of memory for %zu cell groups", ngroups);
}

/* Whether the cells directory holds any slice (an MPI job's, maybe stopped):
 * one look, so that a run without them pays nothing to clear them. */
static int has_slice_files(const char *dir)
{
    int found = 0;
    DIR *dp = opendir(dir);
    for (struct dirent *e; dp && !found && (e = readdir(dp));)
        found = strstr(e->d_name, ".csv.src") != NULL;
    if (dp)
        closedir(dp);
    return found;
}

/* Removes the slices of the cell file `path` (and a killed writer's temp
 * files of them): once the cell is complete they are not needed. */
static void drop_slices(const char *path, size_t nsl)
{
    char sp[1240], tmp[1250];
    for (size_t s = 0; s < nsl; s++) {
        slice_path(sp, sizeof sp, path, s);
        snprintf(tmp, sizeof tmp, "%s.tmp", sp);
        unlink(sp);
        unlink(tmp);
    }
}

/* MPI slices, on rank 0 once every rank is done: each cell of a group with
 * work left becomes the concatenation of its slices in source order, which is
 * the order a single process writes its rows in; the slices are then removed.
 * A cell already complete (resumed) only loses any leftover slices. */
static int merge_slices(const config *c, const dump *d, const size_t *start, size_t ngroups,
                        size_t stride, size_t nom, const char *cells_dir, uint64_t stamp)
{
    size_t ncells = config_num_cells(c), nsl = d->num_spaces;
    char path[1200], sp[1240];
    int rc = IRP_OK;
    for (size_t g = 0; !rc && g < ngroups; g++)
        for (size_t m = 0; !rc && m < nom; m++) {
            size_t j = start[g] + m * stride, have = 0;
            cell cl;
            config_cell(&cl, c, j);
            cell_path(path, sizeof path, cells_dir, c, &cl, stamp);
            for (size_t s = 0; s < nsl; s++) {
                slice_path(sp, sizeof sp, path, s);
                have += slice_complete(sp, c, &cl, d, s);
            }
            if (have == nsl) {
                csv_out w;
                size_t rows = 0;
                if ((rc = csv_out_open(&w, path)))
                    break;
                cell_header(&w, j, ncells, c, d);
                fflush(w.fp);
                for (size_t s = 0; !rc && s < nsl; s++) {
                    slice_path(sp, sizeof sp, path, s);
                    rc = append_cell(w.fp, sp, &rows);
                }
                if (rc) {
                    csv_out_abort(&w);
                    break;
                }
                if ((rc = cell_trailer(&w, rows)) || (rc = csv_out_commit(&w))) {
                    if (rc && w.fp)
                        csv_out_abort(&w);
                    break;
                }
            } else if (!cell_complete(path, c, &cl)) {
                rc = irp_fail(IRP_EDATA, "%s: %zu of the %zu slices of cell %zu are missing after "
                              "every rank finished; run again to compute them",
                              cells_dir, nsl - have, nsl, j + 1);
                break;
            }
            drop_slices(path, nsl);
        }
    return rc;
}

static int run_locked(const config *c, dump *d, const run_opts *o)
{
    char cells_dir[1024], table[1024], path[1200], extra[1024] = "";
    snprintf(cells_dir, sizeof cells_dir, "%s/%s.cells", o->results_dir, c->name);
    snprintf(table, sizeof table, "%s/%s.csv", o->results_dir, c->name);
    if (c->kind->extra_table)
        snprintf(extra, sizeof extra, "%s/%s%s.csv", o->results_dir, c->name,
                 c->kind->extra_table);
    int rc = mkdirs(cells_dir); /* no early return: every rank reaches par_agree below */
    /* finished cells are valid for the dump's content (not its mtime or path):
     * a regenerated dump with other numbers invalidates them, a touched or
     * copied one does not */
    uint64_t stamp = fnv1a(d->content_hash, d->dataset, strlen(d->dataset)); /* rows carry it */
    run_ctx x = {.c = c, .d = d, .threads = o->threads ? o->threads : pool_default_threads(),
                 .extra_table = extra, .slice = SLICE_ALL, .acct = o->acct};
    stage_mark load = acct_mark_process(x.acct);
    if (!rc)
        rc = load_test_rows(&x, d);
    acct_stop_process(x.acct, ST_LOAD, &load);
    size_t ncells = config_num_cells(c), done = 0, computed = 0, visited = 0;
    double t0 = now_seconds();
    int tty = isatty(2) && !o->quiet;
    cell *cells = calloc(ncells, sizeof *cells);
    csv_out *writers = calloc(ncells, sizeof *writers);
    size_t *start = calloc(ncells, sizeof *start), ngroups = 0, others = 0, mine = 0;
    int by_omega = (c->kind->needs & EXP_PAIRS) != 0;
    /* MPI splits a pair kind's groups further, by source space: more, smaller
     * units balance better, and no per-space work is repeated (see pending_units) */
    size_t nsl = par_size() > 1 && by_omega && !extra[0] && d->num_spaces > 1 ? d->num_spaces : 1;
    size_t *order = calloc(ncells * nsl + 1, sizeof *order), np = 0, claimed = 0;
    size_t *need = calloc(ncells * nsl + 1, sizeof *need), resumed = 0, reused = 0,
                                                                damaged = 0;
    if (!rc && (!cells || !writers || !start || !order || !need))
        rc = irp_fail(IRP_ENOMEM, "out of memory for %zu cells", ncells);
    /* Pair kinds compute the cells that differ only in ω together (they share
     * per-space and per-subset work): cell i + m·stride for the m-th ω. */
    size_t stride = 1, nom = c->num_values[SK_OMEGA];
    for (int k = SK_OMEGA + 1; k < SK_COUNT; k++)
        stride *= c->num_values[k];
    for (size_t i = 0; !rc && i < ncells; i++)
        if (!by_omega || !((i / stride) % nom))
            start[ngroups++] = i;
    if ((rc = par_agree(rc)) == IRP_OK)
        rc = par_agree(pending_units(order, &np, need, &resumed, &reused, &damaged, start, ngroups, nsl, d,
                                     c, stride, by_omega ? nom : 1, cells_dir, stamp, o,
                                     extra[0] != 0));
    for (size_t u = 0; !rc && u < ngroups * nsl; u++) /* rank 0's summary */
        others += need[u];
    /* one FPS trace per space and anchor set, down to the smallest δ to compute,
     * serves every δ (not under MPI: a rank's share of the δ values is not known) */
    double fps_floor = INFINITY;
    for (size_t u = 0; !rc && by_omega && par_size() == 1 && u < np; u++) {
        cell cl;
        config_cell(&cl, c, start[order[u] / nsl]);
        if (!cl.auto_delta && cl.opts.prune_mode == IRP_PRUNE_THRESHOLD && cl.opts.delta > 0 &&
            cl.opts.delta < fps_floor)
            fps_floor = cl.opts.delta;
    }
    if (!rc && fps_floor <= 1)
        rc = pairs_traces_new(&x, fps_floor);
    /* progress (one process): every cell, the finished ones counted at once */
    mine = par_size() == 1 ? ncells : 0;
    visited = done = par_size() == 1 ? ncells - np * (by_omega ? nom : 1) : 0;
    int queue = rc ? rc : par_agree(par_queue_open());
    rc = queue;
    while (!rc && (claimed = par_claim()) < np) {
        size_t u = order[claimed], i = start[u / nsl];
        x.slice = nsl > 1 ? u % nsl : SLICE_ALL;
        cell_group g = {0, cells, writers};
        size_t n_fixed = 0; /* ω = auto is chosen per pair: its cell runs apart, after */
        for (size_t m = 0; !rc && m < 2 * (by_omega ? nom : 1); m++) {
            size_t j = i + (m % (by_omega ? nom : 1)) * stride;
            cell cl;
            config_cell(&cl, c, j);
            if (m == (by_omega ? nom : 1))
                n_fixed = g.n;
            if ((m < (by_omega ? nom : 1)) == (by_omega && cl.auto_omega))
                continue; /* first pass: numeric ω; second: auto */
            visited++;
            cell_path(path, sizeof path, cells_dir, c, &cl, stamp);
            /* a kind with a second table recomputes (one cheap cell): its second
             * table must come from the same cell as the first */
            if (!o->force && !extra[0] && cell_complete(path, c, &cl)) {
                done += nsl == 1;
                continue;
            }
            char sp[1240];
            if (nsl > 1) { /* this rank's slice of the cell; a killed job's is kept */
                slice_path(sp, sizeof sp, path, x.slice);
                if (!o->force && slice_complete(sp, c, &cl, d, x.slice))
                    continue;
            }
            cells[g.n] = cl;
            if ((rc = csv_out_open(&writers[g.n], nsl > 1 ? sp : path)))
                break;
            cell_header(&writers[g.n], j, ncells, c, d);
            g.n++;
        }
        if (!rc && g.n) {
            cell_group g1 = {n_fixed, cells, writers}, g2 = {g.n - n_fixed, cells + n_fixed,
                                                            writers + n_fixed};
            for (int h = 0; h < 2 && !rc; h++) {
                cell_group *gh = h ? &g2 : &g1;
                if (!gh->n)
                    continue;
                rows_select_cell(&x, gh, 0);
                rc = c->kind->run(&x, gh);
            }
        }
        /* rows read (anchors are read on demand) after the dump changed must not be
         * saved under the content hash of the dump as it was loaded */
        if (!rc && g.n)
            rc = dump_unchanged(d);
        for (size_t j = 0; j < g.n && rc; j++) /* a failed group leaves no temp file */
            csv_out_abort(&writers[j]);
        for (size_t j = 0; j < g.n && !rc; j++) {
            /* the trailer, last: a cell file without it is incomplete */
            if ((rc = cell_trailer(&writers[j], writers[j].rows - 1)) != IRP_OK)
                csv_out_abort(&writers[j]);
            else if ((rc = csv_out_commit(&writers[j])) == IRP_OK)
                computed++;
            if (rc)
                for (size_t m = j + 1; m < g.n; m++)
                    csv_out_abort(&writers[m]);
        }
        if (!rc && g.n)
            test_pause(o->results_dir, c->name, computed);
        if (!rc && g.n) { /* tests only: rank R fails after its first group */
            const char *fr = getenv("IRP_TEST_FAIL_RANK");
            if (fr && *fr && strtol(fr, NULL, 10) == par_rank())
                rc = irp_fail(IRP_EDATA, "injected failure (IRP_TEST_FAIL_RANK=%s)", fr);
        }
        if (!rc && g.n && !o->quiet) {
            char eta[32], el[32];
            double elapsed = now_seconds() - t0;
            fmt_secs(el, sizeof el, elapsed);
            fmt_secs(eta, sizeof eta, elapsed / (double)computed * (double)(mine - visited));
            if (par_size() > 1) /* the ranks claim work as they go: no share known ahead */
                fprintf(stderr, "%s[%s] rank 0 has computed %zu cell%s of %zu to compute "
                                "(elapsed %s)%s",
                        tty ? "\r" : "", c->name, computed, nsl > 1 ? " slices" : "s", others,
                        el, tty ? "   " : "\n");
            else
                fprintf(stderr, "%s[%s] %zu/%zu cells done (elapsed %s, ETA %s)%s",
                        tty ? "\r" : "", c->name, visited, mine, el, eta, tty ? "   " : "\n");
        }
    }
    free(cells);
    free(writers);
    free(order);
    if (tty)
        fputc('\n', stderr);
    free_test_rows(&x);
    pairs_traces_free(&x);
    if (queue == IRP_OK)
        par_queue_close(); /* collective: every rank is out of the loop */
    rc = par_agree(rc);
    others = others > computed ? others - computed : 0; /* rank 0's summary */
    if (!rc && nsl > 1 && !par_rank())
        rc = merge_slices(c, d, start, ngroups, stride, nom, cells_dir, stamp);
    /* a one-process run completes cells an MPI job left in slices: drop those */
    int leftovers = !rc && nsl == 1 && by_omega && !par_rank() && has_slice_files(cells_dir);
    for (size_t i = 0; leftovers && i < ncells; i++) {
        cell cl;
        config_cell(&cl, c, i);
        cell_path(path, sizeof path, cells_dir, c, &cl, stamp);
        drop_slices(path, d->num_spaces);
    }
    free(start);
    free(need);
    if (rc || par_rank()) /* rank 0 assembles the table */
        return rc;
    if ((rc = dump_unchanged(d)))
        return rc;
    /* assemble the table from the cells, in sweep order */
    csv_out w;
    if ((rc = csv_out_open(&w, table)))
        return rc;
    csv_out_comment(&w, "irp run %s (fnv1a %016llx), data %s, %zu cells%s", c->path,
                    (unsigned long long)c->hash, d->path, ncells,
                    c->single ? ", apply stage in float32 (precision = float32)" : "");
    /* this run's; a resumed cell's file names the run that computed it */
    provenance_comment(&w, d);
    rows_header(&w);
    fflush(w.fp);
    for (size_t i = 0; !rc && i < ncells; i++) {
        cell cl;
        config_cell(&cl, c, i);
        cell_path(path, sizeof path, cells_dir, c, &cl, stamp);
        rc = append_cell(w.fp, path, NULL);
    }
    if (rc) {
        csv_out_abort(&w);
        return rc;
    }
    if (!o->quiet) {
        if (nsl > 1)
            fprintf(stderr, "[%s] %zu cells, split by source space into %zu slices each (%zu "
                            "cell slices computed by rank 0, %zu by the other %d ranks, %zu "
                            "reused from a stopped run; %zu cells resumed) -> %s in %.1fs\n",
                    c->name, ncells, nsl, computed, others, par_size() - 1, reused, resumed,
                    table, now_seconds() - t0);
        else if (par_size() > 1)
            fprintf(stderr, "[%s] %zu cells (%zu computed by rank 0, %zu by the other %d ranks, "
                            "%zu resumed) -> %s in %.1fs\n",
                    c->name, ncells, computed, others, par_size() - 1, resumed, table,
                    now_seconds() - t0);
        else
            fprintf(stderr, "[%s] %zu cells (%zu computed, %zu resumed) -> %s in %.1fs\n",
                    c->name, ncells, computed, done, table, now_seconds() - t0);
        if (damaged)
            fprintf(stderr, "[%s] note: %zu cell file%s did not match %s checksum (damaged, cut "
                            "short or edited) and %s computed again\n",
                    c->name, damaged, damaged == 1 ? "" : "s", damaged == 1 ? "its" : "their",
                    damaged == 1 ? "was" : "were");
        size_t unused = count_cell_files(cells_dir);
        unused = unused > ncells ? unused - ncells : 0;
        if (unused) /* kept, not deleted: a researcher may switch back to those settings */
            fprintf(stderr, "[%s] note: %zu other cell file%s in %s (other settings or another "
                            "dump's content) are kept for a later run; delete the directory to "
                            "reclaim them\n",
                    c->name, unused, unused == 1 ? "" : "s", cells_dir);
    }
    return csv_out_commit(&w);
}

/* The first line of `path` that is not a comment, into buf; 0 when the file
 * cannot be read (absent: nothing to protect). */
static int header_line(const char *path, char *buf, size_t n)
{
    FILE *f = fopen_regular(path, "result table");
    irp_clear_error();
    if (!f)
        return 0;
    int got = 0;
    while (!got && fgets(buf, (int)n, f))
        got = buf[0] != '#';
    fclose(f);
    return got;
}

/* A result name must not take over another config's table: results/<name>.csv
 * that is a second table ("x-hist.csv" of a config named x), or
 * results/<name><extra>.csv that is a result table (of a config named so). */
static int check_table_owner(const config *c, const run_opts *o)
{
    char path[RUN_MAX_PATH + 64], head[256];
    const char *extra = c->kind->extra_table;
    snprintf(path, sizeof path, "%s/%s.csv", o->results_dir, c->name);
    if (header_line(path, head, sizeof head) && strncmp(head, "experiment,", 11))
        return irp_fail(IRP_EDATA, "%s: not a result table of irp run (another config's second "
                        "table, as '<name>-hist.csv'?); give %s a different 'name', or move the "
                        "file", path, c->path);
    if (!extra)
        return IRP_OK;
    snprintf(path, sizeof path, "%s/%s%s.csv", o->results_dir, c->name, extra);
    if (header_line(path, head, sizeof head) && !strncmp(head, "experiment,", 11))
        return irp_fail(IRP_EDATA, "%s is the result table of a config named '%s%s', where %s "
                        "would write its second table; give one of them a different 'name'",
                        path, c->name, extra, c->path);
    return IRP_OK;
}

int run_check_paths(const config *c, const run_opts *o)
{
    const char *extra = c->kind->extra_table ? c->kind->extra_table : "";
    const struct {
        const char *what, *dir;
        size_t suffix;
    } out[] = {{"--results", o->results_dir, RUN_MAX_SUFFIX + strlen(extra)},
               {"--plots", o->no_plots ? NULL : o->plots_dir, RUN_MAX_SUFFIX}};
    for (size_t i = 0; i < sizeof out / sizeof *out; i++) {
        if (!out[i].dir)
            continue;
        size_t len = strlen(out[i].dir) + 1 + strlen(c->name) + out[i].suffix;
        if (len > RUN_MAX_PATH)
            return irp_fail(IRP_EDATA, "%s %.60s...: with the result name '%s' its files' paths "
                            "would be %zu bytes, over irp's %d; use a shorter directory (a "
                            "symbolic link to it will do)",
                            out[i].what, out[i].dir, c->name, len, RUN_MAX_PATH);
    }
    return check_table_owner(c, o);
}

int run_figure(const config *c, const run_opts *o)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.csv", o->results_dir, c->name);
    if (!c->kind->figure) /* optional: a kind may draw nothing */
        return IRP_OK;
    csv_table *t;
    int rc = csv_table_read(&t, path);
    if (rc)
        return rc;
    rc = c->kind->figure(c, t, o->plots_dir, o->results_dir);
    csv_table_free(t);
    return rc;
}
