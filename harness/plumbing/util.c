/* Small helpers shared by the harness modules. */
#include "plumbing/util.h"

#include "plumbing/par.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "irp.h"

int die(const char *fmt, ...)
{
    if (par_rank()) /* MPI: the message is rank 0's to print (errors are agreed first) */
        return 1;
    va_list ap;
    va_start(ap, fmt);
    fputs("irp: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

int die_last(void) { return die("%s", irp_last_error()); }

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *c = malloc(n);
    if (c)
        memcpy(c, s, n);
    return c;
}

uint64_t fnv1a(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001B3ULL;
    return h;
}

void fnv1a_many(uint64_t *h, const void *const *data, const size_t *len, size_t n)
{
    for (size_t g = 0; g < n; g += 4) {
        size_t k = n - g < 4 ? n - g : 4, m = len[g];
        const unsigned char *p[4];
        for (size_t j = 0; j < 4; j++) /* lanes past k repeat lane 0; their sums are dropped */
            p[j] = data[g + (j < k ? j : 0)];
        for (size_t j = 1; j < k; j++)
            m = len[g + j] < m ? len[g + j] : m;
        uint64_t a0 = h[g], a1 = k > 1 ? h[g + 1] : h[g], a2 = k > 2 ? h[g + 2] : h[g],
                 a3 = k > 3 ? h[g + 3] : h[g];
        if (k > 1)
            for (size_t i = 0; i < m; i++) {
                a0 = (a0 ^ p[0][i]) * 0x100000001B3ULL;
                a1 = (a1 ^ p[1][i]) * 0x100000001B3ULL;
                a2 = (a2 ^ p[2][i]) * 0x100000001B3ULL;
                a3 = (a3 ^ p[3][i]) * 0x100000001B3ULL;
            }
        else
            m = 0;
        uint64_t a[4] = {a0, a1, a2, a3};
        for (size_t j = 0; j < k; j++) /* each chain's own tail */
            h[g + j] = fnv1a(a[j], p[j] + m, len[g + j] - m);
    }
}

int mkdirs(const char *path)
{
    char buf[4096];
    if (!*path)
        return irp_fail(IRP_EDATA, "an empty directory name was given");
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return irp_fail(IRP_EDATA, "%.64s...: directory path too long", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0777) && errno != EEXIST)
                return irp_fail(IRP_EDATA, "%s: cannot create directory (%s)", buf,
                                strerror(errno));
            *p = '/';
        }
    if (mkdir(buf, 0777) && errno != EEXIST)
        return irp_fail(IRP_EDATA, "%s: cannot create directory (%s)", buf, strerror(errno));
    struct stat st;
    if (stat(buf, &st) || !S_ISDIR(st.st_mode))
        return irp_fail(IRP_EDATA, "%s: exists but is not a directory", buf);
    return IRP_OK;
}

double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

void fmt_secs(char *buf, size_t n, double s)
{
    if (s < 60)
        snprintf(buf, n, "%.1fs", s);
    else if (s < 3600)
        snprintf(buf, n, "%dm%02ds", (int)s / 60, (int)s % 60);
    else
        snprintf(buf, n, "%dh%02dm", (int)s / 3600, ((int)s % 3600) / 60);
}

int env_long(const char *name, long long lo, long long hi, long long dflt, long long *out)
{
    const char *v = getenv(name);
    *out = dflt;
    if (!v || !*v)
        return IRP_OK;
    char *end, shown[48];
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || end == v || *end || x < lo || x > hi || (lo >= 0 && strchr(v, '-')) ||
        !(v[0] == '-' || v[0] == '+' || (v[0] >= '0' && v[0] <= '9')))
        return irp_fail(IRP_EDATA, "%s='%s' is not a whole number from %lld to %lld; unset it or "
                                   "give one",
                        name, printable(shown, sizeof shown, v), lo, hi);
    *out = x;
    return IRP_OK;
}

int source_date_epoch(time_t dflt, time_t *out)
{
    long long t;
    int rc = env_long("SOURCE_DATE_EPOCH", 0, 253402300799LL /* 9999-12-31 23:59:59 */,
                      (long long)dflt, &t);
    *out = (time_t)t;
    return rc;
}

const char *printable(char *buf, size_t n, const char *s)
{
    size_t k = 0, len = strlen(s);
    for (const char *p = s; *p && k + 4 < n; p++)
        buf[k++] = (unsigned char)*p < 32 || *p == 127 ? '?' : *p;
    if (k < len && n >= 4)
        k = k > n - 4 ? n - 4 : k, memcpy(buf + k, "...", 3), k += 3;
    buf[k < n ? k : n - 1] = '\0';
    return buf;
}

int plain_modality(const char *s)
{
    size_t n = strlen(s);
    if (!n || n > 32)
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-'))
            return 0;
    return 1;
}

const char *space_name_problem(const char *s)
{
    size_t len = strlen(s);
    if (!len)
        return "an empty name";
    if (len > 200)
        return "a name longer than 200 characters";
    for (const char *p = s; *p; p++) {
        if ((unsigned char)*p < 32 || *p == 127)
            return "a name with a control character";
        if (*p == '/')
            return "a name with '/'";
    }
    return NULL;
}

FILE *fopen_regular(const char *path, const char *what)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        irp_fail(IRP_EDATA, "%s: cannot read (%s)", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st)) {
        irp_fail(IRP_EDATA, "%s: cannot read (%s)", path, strerror(errno));
        close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        irp_fail(IRP_EDATA, "%s: not a regular file (%s); expected a %s file", path,
                 S_ISDIR(st.st_mode)    ? "a directory"
                 : S_ISFIFO(st.st_mode) ? "a FIFO"
                 : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device"
                                                              : "not a plain file",
                 what);
        return NULL;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        close(fd);
        irp_fail(IRP_ENOMEM, "%s: out of memory", path);
    }
    return f;
}

int read_regular(char **out, size_t *len, const char *path, size_t max, const char *what)
{
    *out = NULL;
    FILE *f = fopen_regular(path, what);
    if (!f)
        return IRP_EDATA;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    int rc = buf ? IRP_OK : irp_fail(IRP_ENOMEM, "out of memory");
    while (!rc) {
        if (n + 1 >= cap) {
            char *nb = cap <= max ? realloc(buf, 2 * cap) : NULL;
            if (cap > max) {
                rc = irp_fail(IRP_EDATA, "%s: larger than %zu bytes; expected a %s file", path,
                              max, what);
                break;
            }
            if (!nb) {
                rc = irp_fail(IRP_ENOMEM, "out of memory");
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - 1 - n, f);
        n += got;
        if (!got) {
            if (ferror(f))
                rc = irp_fail(IRP_EDATA, "%s: read error", path);
            break;
        }
    }
    fclose(f);
    if (!rc && n > max)
        rc = irp_fail(IRP_EDATA, "%s: larger than %zu bytes; expected a %s file", path, max,
                      what);
    if (rc) {
        free(buf);
        return rc;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return IRP_OK;
}

int check_output(const char *path, const char *input)
{
    struct stat st, in;
    if (lstat(path, &st)) {
        if (errno == ENOENT)
            return IRP_OK;
        return irp_fail(IRP_EDATA, "%s: cannot write (%s)", path, strerror(errno));
    }
    if (!S_ISREG(st.st_mode))
        return irp_fail(IRP_EDATA, "%s: exists and is %s, not a regular file; irp replaces only "
                        "regular files: remove it or write elsewhere",
                        path,
                        S_ISLNK(st.st_mode)   ? "a symbolic link"
                        : S_ISDIR(st.st_mode) ? "a directory"
                        : S_ISFIFO(st.st_mode) ? "a FIFO"
                                              : "a device or special file");
    if (input && !stat(input, &in) && in.st_dev == st.st_dev && in.st_ino == st.st_ino)
        return irp_fail(IRP_EDATA, "%s: is the input %s; write the output elsewhere", path, input);
    return IRP_OK;
}

FILE *create_tmp(const char *tmp)
{
    /* A regular file already there is either a killed run's leftover or another
     * irp's file in the making: the latter holds a lock on it. Only an unlocked
     * one is removed (a writer between closing it and renaming it then fails to
     * rename, never publishes another's bytes). */
    int old = open(tmp, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (old >= 0) {
        struct stat st;
        if (fstat(old, &st) || !S_ISREG(st.st_mode)) { /* not irp's leftover: leave it alone */
            close(old);
            errno = EEXIST;
            return NULL;
        }
        if (flock(old, LOCK_EX | LOCK_NB)) {
            close(old);
            errno = EBUSY;
            return NULL;
        }
        int gone = unlink(tmp);
        int e = errno;
        close(old);
        if (gone && e != ENOENT) {
            errno = e;
            return NULL;
        }
    } else if (errno != ENOENT) {
        if (errno == ELOOP || errno == ENXIO)
            errno = EEXIST; /* a symlink or a FIFO: left alone */
        return NULL;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0)
        return NULL;
    if (flock(fd, LOCK_EX | LOCK_NB)) { /* held until the writer closes it */
        int e = errno;
        close(fd);
        unlink(tmp);
        errno = e;
        return NULL;
    }
    FILE *f = fdopen(fd, "w");
    if (!f) {
        int e = errno;
        close(fd);
        unlink(tmp);
        errno = e;
    }
    return f;
}

const char *tmp_strerror(int e)
{
    return e == EBUSY ? "another process is writing it now (its temporary file is locked)"
                      : strerror(e);
}
