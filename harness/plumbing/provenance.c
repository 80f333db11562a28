/* provenance.c — code version, BLAS kernel, CPU model; the BLAS pin. */
#include "plumbing/provenance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cblas.h>

#include "version.h" /* IRP_VERSION, written by the Makefile (scripts/version.sh) */

static int cpu_has(const char *flags, const char *flag)
{
    size_t n = strlen(flag);
    for (const char *p = flags; (p = strstr(p, flag)); p += n)
        if ((p == flags || p[-1] == ' ' || p[-1] == '\t') && (p[n] == ' ' || p[n] == '\n' || !p[n]))
            return 1;
    return 0;
}

/* a line of /proc/cpuinfo starting with key, its value without the newline */
static int cpuinfo(char *out, size_t n, const char *key)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[4096];
    int found = 0;
    while (f && !found && fgets(line, sizeof line, f))
        if (!strncmp(line, key, strlen(key)) && strchr(line, ':')) {
            const char *v = strchr(line, ':') + 1;
            v += *v == ' ';
            snprintf(out, n, "%s", v);
            out[strcspn(out, "\n")] = '\0';
            found = 1;
        }
    if (f)
        fclose(f);
    return found;
}

void provenance_pin_blas(char **argv)
{
    const char *off = getenv("IRP_UNPINNED");
    if (off && !strcmp(off, "1"))
        return;
    char flags[4096] = "";
    cpuinfo(flags, sizeof flags, "flags");
    const char *want = cpu_has(flags, "avx2") && cpu_has(flags, "fma") ? "Haswell" : "Prescott";
    const char *core = openblas_get_corename();
    if (core && !strcmp(core, want))
        return;
    if (getenv("IRP_PIN_EXECUTED")) { /* once: the library did not take the pin */
        fprintf(stderr, "irp: warning: OpenBLAS runs its %s kernels although "
                        "OPENBLAS_CORETYPE=%s; tables may differ from the committed ones in the "
                        "last bits\n", core ? core : "unknown", want);
        return;
    }
    char self[4096];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0 || len >= (ssize_t)sizeof self - 1) {
        fprintf(stderr, "irp: warning: could not pin OpenBLAS's kernels (/proc/self/exe is not "
                        "readable); tables may differ from the committed ones in the last bits\n");
        return;
    }
    self[len] = '\0';
    setenv("OPENBLAS_CORETYPE", want, 1);
    setenv("IRP_PIN_EXECUTED", "1", 1);
    execv(self, argv);
    fprintf(stderr, "irp: warning: could not pin OpenBLAS's kernels (%s); tables may differ "
                    "from the committed ones in the last bits\n", self);
}

const char *provenance_version(void)
{
    return IRP_VERSION;
}

const char *provenance_machine(void)
{
    static char buf[1024];
    if (buf[0])
        return buf;
    char cpu[256] = "unknown";
    cpuinfo(cpu, sizeof cpu, "model name");
    const char *cfg = openblas_get_config(), *core = openblas_get_corename();
    char blas[128];
    snprintf(blas, sizeof blas, "%s", cfg ? cfg : "OpenBLAS");
    /* "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Cooperlake MAX_THREADS=64": name and version */
    char *sp = strchr(blas, ' ');
    if (sp && (sp = strchr(sp + 1, ' ')))
        *sp = '\0';
    snprintf(buf, sizeof buf, "irp %s; %s core %s; CPU %s", IRP_VERSION, blas,
             core ? core : "unknown", cpu);
    return buf;
}

void provenance_read(char *buf, size_t n, const char *table_path)
{
    buf[0] = '\0';
    FILE *f = fopen(table_path, "r");
    char line[2048];
    while (f && fgets(line, sizeof line, f) && line[0] == '#')
        if (!strncmp(line, "# provenance: ", 14)) {
            snprintf(buf, n, "%.2000s", line + 14);
            buf[strcspn(buf, "\n")] = '\0';
            break;
        }
    if (f)
        fclose(f);
}
