/* Small helpers shared by the subcommands. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "irp.h"
#include "util.h"

int die(const char *fmt, ...)
{
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
