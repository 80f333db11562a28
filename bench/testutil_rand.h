/* Random rotations for the benchmark (seeded splitmix64 + SVD), without cmocka. */
#ifndef IRP_BENCH_RAND_H
#define IRP_BENCH_RAND_H
#include <math.h>
#include <stdlib.h>

#include "irp.h"

static inline irp_mat *tu_rotation(size_t d, uint64_t seed)
{
    irp_rng r;
    irp_rng_seed(&r, seed);
    irp_mat *g = irp_mat_new(d, d), *u = irp_mat_new(d, d), *vt = irp_mat_new(d, d);
    irp_mat *q = irp_mat_new(d, d);
    double *s = malloc(d * sizeof *s);
    for (size_t i = 0; i < d * d; i++) {
        double u1 = ((double)(irp_rng_next(&r) >> 11) + 0.5) / 9007199254740992.0;
        double u2 = (double)(irp_rng_next(&r) >> 11) / 9007199254740992.0;
        g->data[i] = sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
    }
    irp_svd(u, s, vt, g);
    irp_gemm_nn(q, u, vt);
    irp_mat_free(g);
    irp_mat_free(u);
    irp_mat_free(vt);
    free(s);
    return q;
}
#endif
