/* util.h — small helpers shared by the harness modules. */
#ifndef IRP_UTIL_H
#define IRP_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Prints "irp: <message>" on stderr and returns exit code 1. */
int die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* die() with irp_last_error(). */
int die_last(void);

/* malloc'd copy of s; NULL on allocation failure. */
char *xstrdup(const char *s);

/* FNV-1a, 64-bit: h = fnv1a(FNV1A_INIT, data, n), chainable. */
#define FNV1A_INIT 0xCBF29CE484222325ULL
uint64_t fnv1a(uint64_t h, const void *data, size_t n);

/* mkdir -p; IRP_EDATA naming the directory that could not be made. */
int mkdirs(const char *path);

/* Monotonic clock in seconds. */
double now_seconds(void);
/* "12.3s", "4m05s", "2h07m". */
void fmt_secs(char *buf, size_t n, double seconds);

#endif
