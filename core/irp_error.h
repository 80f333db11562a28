/* irp_error.h — status codes and the detailed message of the last failure.
 *
 * Every run-time failure in core/ returns a negative irp_status and leaves a
 * one-line explanation retrievable with irp_last_error() (thread-local);
 * irp_status_string() names the code itself. Invalid arguments that a caller
 * can get wrong at run time (shapes, counts, ranges, non-finite or zero rows)
 * are such failures (IRP_EINVAL, IRP_ENUMERIC), never crashes. A NULL where an
 * object is required is a programmer error and trips an assert(). */
#ifndef IRP_ERROR_H
#define IRP_ERROR_H

typedef enum irp_status {
    IRP_OK = 0,
    IRP_EINVAL = -1,   /* bad argument: shape, range, count */
    IRP_ENOMEM = -2,   /* allocation failed */
    IRP_ENUMERIC = -3, /* NaN/Inf in an input, a zero row, a singular system */
    IRP_ELAPACK = -4,  /* LAPACK reported a failure */
    IRP_EDATA = -5     /* an input file, dataset or config is invalid: never returned by
                          core/ itself, which reads no files; the harness uses it */
} irp_status;

/* "ok", "invalid argument", ...; "unknown status" for any other value. */
const char *irp_status_string(irp_status status);

/* The message set by the most recent failing call in this thread ("" if none);
 * a message longer than 511 bytes is cut there. */
const char *irp_last_error(void);

/* The status that call returned (IRP_OK if none): what a constructor that
 * returned NULL (irp_space_new, irp_subsets_for, ...) failed with. */
irp_status irp_last_status(void);

/* Sets the message (printf-style) and returns `status`, so callers can write
 * `return irp_fail(IRP_EINVAL, "k = 0");`. The arguments may include
 * irp_last_error() itself: the message is formatted before it is stored. */
irp_status irp_fail(irp_status status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Clears the message and the status. */
void irp_clear_error(void);

#endif
