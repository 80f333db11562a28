/* commands.h — the irp subcommands (each returns a process exit code). */
#ifndef IRP_COMMANDS_H
#define IRP_COMMANDS_H

int cmd_inspect(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_translate(int argc, char **argv);
int cmd_report(int argc, char **argv);

/* Prints "irp: <message>" on stderr and returns exit code 1. */
int die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* die() with irp_last_error(). */
int die_last(void);

#endif
