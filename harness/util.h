/* util.h — small helpers shared by the harness modules. */
#ifndef IRP_UTIL_H
#define IRP_UTIL_H

/* malloc'd copy of s; NULL on allocation failure. */
char *xstrdup(const char *s);

#endif
