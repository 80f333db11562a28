/* commands.h — the irp subcommands (each returns a process exit code). */
#ifndef IRP_COMMANDS_H
#define IRP_COMMANDS_H

int cmd_inspect(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_translate(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_compare(int argc, char **argv);

/* A translator file (irp-translator/1) read and checked as --apply reads it,
 * without the guarded child: IRP_OK, or IRP_EDATA with the one-line error
 * (translate.c; the fuzz target fuzz/fuzz_translator.c). */
int translate_read_file(const char *path);

/* One config's section of REPORT.md (report.c): heading, settings,
 * provenance, then its kind's section and figure (either optional). */
#include "plumbing/markdown.h"
void report_section(const report *r, const report_entry *e);

#endif
