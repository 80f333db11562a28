#include "irp_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char last_error[512];
static _Thread_local irp_status last_status;

const char *irp_last_error(void) { return last_error; }

irp_status irp_last_status(void) { return last_status; }

void irp_clear_error(void)
{
    last_error[0] = '\0';
    last_status = IRP_OK;
}

const char *irp_status_string(irp_status status)
{
    switch (status) {
    case IRP_OK: return "ok";
    case IRP_EINVAL: return "invalid argument";
    case IRP_ENOMEM: return "out of memory";
    case IRP_ENUMERIC: return "numerical failure";
    case IRP_ELAPACK: return "LAPACK failure";
    case IRP_EDATA: return "invalid input data";
    }
    return "unknown status";
}

irp_status irp_fail(irp_status status, const char *fmt, ...)
{
    char buf[sizeof last_error]; /* formatted apart: fmt's arguments may be last_error */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    memcpy(last_error, buf, sizeof buf);
    return last_status = status;
}
