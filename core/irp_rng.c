#include <assert.h>
#include "irp_rng.h"

#include <stdint.h>
#include <stdlib.h>

#include "irp_error.h"

void irp_rng_seed(irp_rng *rng, uint64_t seed) { rng->state = seed; }

uint64_t irp_rng_next(irp_rng *rng)
{
    uint64_t z = (rng->state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

irp_status irp_anchor_indices(size_t *out_indices, size_t num_samples, size_t num_anchors,
                       uint64_t seed)
{
    assert(out_indices);
    if (num_anchors == 0)
        return irp_fail(IRP_EINVAL, "number of anchors must be at least 1 (got 0)");
    if (num_anchors > num_samples)
        return irp_fail(IRP_EINVAL, "asked for %zu anchors but only %zu samples are available",
                        num_anchors, num_samples);
    size_t *perm = num_samples <= SIZE_MAX / sizeof *perm ? malloc(num_samples * sizeof *perm)
                                                          : NULL;
    if (!perm)
        return irp_fail(IRP_ENOMEM, "out of memory for %zu anchor indices", num_samples);
    for (size_t i = 0; i < num_samples; i++)
        perm[i] = i;
    irp_rng rng;
    irp_rng_seed(&rng, seed);
    for (size_t i = 0; i < num_anchors; i++) {
        size_t j = i + (size_t)(irp_rng_next(&rng) % (uint64_t)(num_samples - i));
        size_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
        out_indices[i] = perm[i];
    }
    free(perm);
    return IRP_OK;
}

size_t irp_subspace_first(uint64_t seed, size_t subspace, size_t num_anchors)
{
    irp_rng rng;
    irp_rng_seed(&rng, seed + (uint64_t)subspace);
    return (size_t)(irp_rng_next(&rng) % (uint64_t)num_anchors);
}
