/* par_stub.c — the plain build's par.h: one process, rank 0 of 1. */
#include "irp.h"
#include "plumbing/par.h"

static size_t next_claim;

void par_init(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
}

void par_finalize(void) {}

int par_rank(void) { return 0; }

int par_size(void) { return 1; }

int par_agree(int rc) { return rc; }

void par_bcast(void *buf, size_t n)
{
    (void)buf;
    (void)n;
}

int par_queue_open(void)
{
    next_claim = 0;
    return IRP_OK;
}

size_t par_claim(void) { return next_claim++; }

void par_queue_close(void) {}
