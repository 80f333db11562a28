/* Fuzz target: the result-table reader of 'irp report' (csvio.c) and the
 * group-by the report's sections run over a table (agg.c, markdown.c). */
#include "plumbing/agg.h"
#include "plumbing/csvio.h"
#include "fuzz_util.h"
#include "plumbing/markdown.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    csv_table *t;
    if (csv_table_read(&t, fuzz_file(data, size, ".csv")))
        return 0;
    const char *g[] = {"encoder", "decoder", "metric"};
    agg_filter f[] = {{"method", "irp"}, {"encoder", "!=decoder"}};
    agg a;
    if (!agg_build(&a, t, f, 2, g, 3)) {
        for (size_t i = 0; i < a.num_groups; i++)
            (void)agg_std(&a.groups[i]);
        agg_free(&a);
    }
    cell cl;
    const char *text[SK_COUNT];
    for (int k = 0; k < SK_COUNT; k++)
        text[k] = sweep_key_default(k);
    config_cell_from_text(&cl, text);
    agg_group s;
    md_cell_stat(&s, t, &cl, "irp", "mean_cosine", PAIRS_INTER);
    (void)md_pair_value(t, &cl, "a", "b", "irp", "accuracy");
    csv_table_free(t);
    return 0;
}
