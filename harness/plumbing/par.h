/* par.h — the runner across processes. The plain build (par_stub.c) is one
 * process: rank 0 of 1, and every call below is trivial. The MPI build
 * (par_mpi.c, compiled with mpicc into build/irp-mpi) makes each MPI rank one
 * irp process: 'irp run' then splits a config's work across the ranks (run.c:
 * cell groups, and for pair kinds their slices by source space, claimed from a
 * shared queue), and only rank 0 locks the results, merges the slices,
 * assembles the tables, draws the figures and prints messages. */
#ifndef IRP_PAR_H
#define IRP_PAR_H

#include <stddef.h>

/* Before anything that could print (main); a no-op in the plain build. */
void par_init(int *argc, char ***argv);
void par_finalize(void);
int par_rank(void);
int par_size(void);

/* Every rank passes its status; every rank gets back the same one: IRP_OK if
 * all succeeded, else the status of the lowest failing rank, whose message
 * becomes irp_last_error() on every rank. A collective call: every rank must
 * make it, in the same order. */
int par_agree(int rc);

/* Rank 0's n bytes at buf, copied to every rank (collective). */
void par_bcast(void *buf, size_t n);

/* A work queue shared by all ranks: after par_queue_open (collective), each
 * par_claim returns the next of 0, 1, 2, ... to whichever rank asks, every
 * number to exactly one rank; par_queue_close (collective) ends it. One
 * process: 0, 1, 2, ... in turn. */
int par_queue_open(void);
size_t par_claim(void);
void par_queue_close(void);

#endif
