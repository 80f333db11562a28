/* provenance.h — what produced a result: the code version, the BLAS and its
 * kernel, the CPU; and the pin of OpenBLAS's kernel that makes the numbers the
 * same on every x86-64 CPU with AVX2. */
#ifndef IRP_PROVENANCE_H
#define IRP_PROVENANCE_H

#include <stddef.h>

/* OpenBLAS picks its kernels (and so the order of its sums, and so the last
 * bits of every table) by the CPU it runs on, reading OPENBLAS_CORETYPE once,
 * when the library loads. So irp pins it the only way it can: when the kernel
 * in use is not the pinned one (Haswell: AVX2 + FMA, which every x86-64 CPU
 * with AVX2 runs; Prescott on a CPU without them), it sets OPENBLAS_CORETYPE
 * and executes itself again, once. IRP_UNPINNED=1 turns this off (then the
 * tables may differ from the committed ones in the last bits). Call first in
 * main(); returns only when no re-execution happened. */
void provenance_pin_blas(char **argv);

/* "irp <version>; OpenBLAS <version> core <kernel>; CPU <model>" */
const char *provenance_machine(void);

/* The code version baked in at build time (scripts/version.sh). */
const char *provenance_version(void);

/* The "# provenance: ..." comment of a table written by irp run (without the
 * prefix), or "" when it has none. */
void provenance_read(char *buf, size_t n, const char *table_path);

#endif
