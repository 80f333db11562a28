/* Fuzz target: the dump loader end to end (harness/plumbing/dump.c, h5io.c): both load
 * modes, then rows read back the way a run reads them. */
#include "plumbing/dump.h"
#include "fuzz_util.h"

#include <hdf5.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(data, size, ".h5");
    for (unsigned flags = 0; flags <= DUMP_TRAIN_ON_DEMAND; flags++) {
        dump *d;
        if (dump_load_flags(&d, path, NULL, 0, flags))
            continue;
        for (size_t s = 0; s < d->num_spaces; s++) {
            size_t idx[3] = {0, d->num_train / 2, d->num_train - 1};
            irp_mat *m = dump_rows(&d->spaces[s].train, idx, 3);
            irp_mat_free(m);
            m = dump_rows(&d->spaces[s].test, NULL, d->num_test < 4 ? d->num_test : 4);
            for (size_t h = 0; m && h < d->spaces[s].num_heads; h++) {
                double acc;
                if (d->test_labels) /* as inspect and stitch use a head */
                    (void)irp_head_accuracy(&acc, &d->spaces[s].heads[h].head, m, d->test_labels);
            }
            irp_mat_free(m);
        }
        dump_free(d);
    }
    return 0;
}
