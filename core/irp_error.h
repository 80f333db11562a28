/* irp_error.h — status codes and the detailed message of the last failure.
 *
 * Every run-time failure in core/ returns a negative status and leaves a
 * one-line explanation retrievable with irp_last_error() (thread-local).
 * Programmer errors (NULL where an object is required) are assert()s. */
#ifndef IRP_ERROR_H
#define IRP_ERROR_H

enum {
    IRP_OK = 0,
    IRP_EINVAL = -1,   /* bad argument: shape, range, count */
    IRP_ENOMEM = -2,   /* allocation failed */
    IRP_ENUMERIC = -3, /* NaN/Inf in an input, a zero row, a singular system */
    IRP_ELAPACK = -4,  /* LAPACK reported a failure */
    IRP_EDATA = -5     /* (harness) an input file, dataset or config is invalid or unreadable */
};

/* The message set by the most recent failing call in this thread ("" if none). */
const char *irp_last_error(void);

/* Sets the message (printf-style) and returns `status`, so callers can write
 * `return irp_fail(IRP_EINVAL, "k = 0");`. */
int irp_fail(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void irp_clear_error(void);

#endif
