/* Fuzz target: the translator file reader of 'irp translate --apply'
 * (harness/cli/translate.c, irp-translator/1): standalone translators as
 * Translator.save writes them and translators inside a translated dump. */
#include "cli/commands.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)translate_read_file(fuzz_file(data, size, ".h5"));
    return 0;
}
