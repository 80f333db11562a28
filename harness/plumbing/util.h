/* util.h — small helpers shared by the harness modules. */
#ifndef IRP_UTIL_H
#define IRP_UTIL_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <time.h>

/* Prints "irp: <message>" on stderr and returns exit code 1. */
int die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* die() with irp_last_error(). */
int die_last(void);

/* malloc'd copy of s; NULL on allocation failure. */
char *xstrdup(const char *s);

/* FNV-1a, 64-bit: h = fnv1a(FNV1A_INIT, data, n), chainable. */
#define FNV1A_INIT 0xCBF29CE484222325ULL
uint64_t fnv1a(uint64_t h, const void *data, size_t n);
/* h[i] = fnv1a(h[i], data[i], len[i]) for i < n, the same values: the chains
 * run four at a time, interleaved (one chain waits on each multiply's latency;
 * four keep the multiplier busy). */
void fnv1a_many(uint64_t *h, const void *const *data, const size_t *len, size_t n);

/* mkdir -p; IRP_EDATA naming the directory that could not be made. */
int mkdirs(const char *path);

/* s for a one-line message: control characters as '?', at most n − 4
 * characters then "...", into buf (n bytes); returns buf. */
const char *printable(char *buf, size_t n, const char *s);
/* NULL if s can name a space (1 to 200 printable characters, no '/'), else
 * why not. */
const char *space_name_problem(const char *s);
/* Whether s is a modality the result tables can carry ("modality:<s>" rows):
 * a plain word of 1 to 32 letters, digits, '_' or '-'. The runner writes only
 * such rows and the report accepts only such rows. */
int plain_modality(const char *s);

/* Opens an input for reading only if it is a regular file (a FIFO, device or
 * directory would hang or mislead); NULL and IRP_EDATA "PATH: ..." naming
 * what was expected (`what`, e.g. "config") otherwise. */
FILE *fopen_regular(const char *path, const char *what);
/* The whole of a regular file, NUL-terminated, at most max bytes. */
int read_regular(char **out, size_t *len, const char *path, size_t max, const char *what);

/* IRP_OK if a new file may be renamed over `path`: it is absent, or a regular
 * file (not a symlink, device, FIFO or directory) other than `input` (NULL:
 * none); else IRP_EDATA naming it and what to do. */
int check_output(const char *path, const char *input);
/* A fresh file at `tmp` for writing, locked (flock) while the caller holds it
 * open: an old regular file there is unlinked (its name only) unless another
 * process holds its lock (errno EBUSY: another irp is writing the same
 * output); anything else there is left alone and refused (errno EEXIST); the
 * new file is created exclusively, never through a symlink. NULL and errno
 * set on failure. */
FILE *create_tmp(const char *tmp);
/* strerror for create_tmp's failures (EBUSY: another irp is writing it). */
const char *tmp_strerror(int e);

/* The environment variable `name` as a whole number in [lo, hi]: IRP_OK with
 * *out set, *out = dflt when it is unset or empty; IRP_EDATA naming it, its
 * value and the range when it is anything else (text, a sign where lo >= 0,
 * trailing characters, out of range) — never a silent wrap or cut. */
int env_long(const char *name, long long lo, long long hi, long long dflt, long long *out);
/* SOURCE_DATE_EPOCH as a time (0 .. year 9999), or `dflt` when unset or empty;
 * IRP_EDATA when set to anything else. */
int source_date_epoch(time_t dflt, time_t *out);

/* Monotonic clock in seconds. */
double now_seconds(void);
/* "12.3s", "4m05s", "2h07m". */
void fmt_secs(char *buf, size_t n, double seconds);

#endif
