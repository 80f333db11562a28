/* Fuzz target: the config parser and cell enumeration (harness/plumbing/config.c). */
#include "driver/experiment.h"
#include "plumbing/config.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    config *c;
    if (experiment_load(&c, fuzz_file(data, size, ".ini")))
        return 0;
    size_t n = config_num_cells(c);
    for (size_t i = 0; i < n && i < 256; i++) {
        cell cl;
        config_cell(&cl, c, i);
        (void)config_cell_hash(c, &cl);
        (void)irp_options_check(&cl.opts);
    }
    config_free(c);
    return 0;
}
