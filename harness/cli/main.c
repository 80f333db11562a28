/* irp — command-line entry point of the harness. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "plumbing/par.h"
#include "plumbing/provenance.h"
#include "plumbing/util.h"

static const char *usage =
    "irp — Latent Space Translation via Inverse Relative Projection (Maiorca et al. 2024)\n"
    "\n"
    "usage: irp COMMAND [ARGS]   (irp COMMAND --help for details)\n"
    "\n"
    "commands:\n"
    "  inspect FILE...       validate embedding dumps; list spaces and heads, with head\n"
    "                        accuracies recomputed in C\n"
    "  run CONFIG...         run the experiments declared in INI configs (configs/);\n"
    "                        results to CSV, resumable\n"
    "  translate ...         translate one space into another with IRP; write HDF5\n"
    "  report ...            write results/REPORT.md from the result CSVs and the paper's\n"
    "                        numbers\n"
    "  compare OLD NEW       compare two result tables cell by cell (did a rerun give\n"
    "                        the same numbers?)\n";

int main(int argc, char **argv)
{
    provenance_pin_blas(argv); /* first: may execute irp again with the kernel pinned */
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } cmds[] = {{"inspect", cmd_inspect}, {"run", cmd_run}, {"report", cmd_report}, {"translate", cmd_translate},
                {"compare", cmd_compare}};
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++)
        if (!strcmp(argv[1], cmds[i].name)) {
            /* build/irp-mpi: 'run' is split across the MPI ranks; any other
             * command is rank 0's alone (the others would only repeat it) */
            par_init(&argc, &argv);
            int rc = cmds[i].fn == cmd_run || !par_rank() ? cmds[i].fn(argc - 1, argv + 1) : 0;
            par_finalize();
            return rc;
        }
    return die("unknown command '%s' (see 'irp --help')", argv[1]);
}
