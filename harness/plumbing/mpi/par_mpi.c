/* par_mpi.c — par.h over MPI (MPI_COMM_WORLD), for build/irp-mpi only; the
 * plain build links par_stub.c instead and needs no MPI installed.
 *
 * Failure never hangs: an error is agreed on in par_agree (a collective every
 * rank reaches whatever happened), and a rank that dies (a signal, a lost node)
 * makes mpirun / srun end the whole job with a non-zero status. */
#include <mpi.h>
#include <stdio.h>
#include <string.h>

#include "irp.h"
#include "plumbing/par.h"

static int rank, size = 1, inited;

void par_init(int *argc, char ***argv)
{
    MPI_Init(argc, argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    inited = 1;
}

void par_finalize(void)
{
    if (inited)
        MPI_Finalize();
    inited = 0;
}

int par_rank(void) { return rank; }

int par_size(void) { return size; }

int par_agree(int rc)
{
    int mine = rc ? rank : size, first;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (first == size)
        return IRP_OK;
    struct {
        int rc;
        char msg[2048];
    } e = {rc, ""};
    if (rank == first)
        snprintf(e.msg, sizeof e.msg, "%s", irp_last_error());
    MPI_Bcast(&e, (int)sizeof e, MPI_BYTE, first, MPI_COMM_WORLD);
    e.msg[sizeof e.msg - 1] = '\0';
    if (size > 1 && first != 0 && rank == 0) { /* name the rank that failed */
        char m[2100];
        snprintf(m, sizeof m, "rank %d of %d: %s", first, size, e.msg);
        return irp_fail((irp_status)e.rc, "%s", m);
    }
    return irp_fail((irp_status)e.rc, "%s", e.msg);
}

void par_bcast(void *buf, size_t n)
{
    MPI_Bcast(buf, (int)n, MPI_BYTE, 0, MPI_COMM_WORLD);
}

/* The queue: one counter in a window on rank 0, advanced by an atomic
 * fetch-and-add under a shared passive-target lock. */
static MPI_Win queue_win = MPI_WIN_NULL;
static long *queue_counter;

int par_queue_open(void)
{
    MPI_Aint bytes = rank == 0 ? (MPI_Aint)sizeof(long) : 0;
    if (MPI_Win_allocate(bytes, (int)sizeof(long), MPI_INFO_NULL, MPI_COMM_WORLD, &queue_counter,
                         &queue_win) != MPI_SUCCESS)
        return irp_fail(IRP_ENOMEM, "MPI: cannot create the work queue's window");
    if (rank == 0) {
        MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, queue_win);
        *queue_counter = 0;
        MPI_Win_unlock(0, queue_win);
    }
    MPI_Barrier(MPI_COMM_WORLD); /* nobody claims before the counter is 0 */
    return IRP_OK;
}

size_t par_claim(void)
{
    long one = 1, got = 0;
    MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, queue_win);
    MPI_Fetch_and_op(&one, &got, MPI_LONG, 0, 0, MPI_SUM, queue_win);
    MPI_Win_unlock(0, queue_win);
    return (size_t)got;
}

void par_queue_close(void)
{
    if (queue_win != MPI_WIN_NULL)
        MPI_Win_free(&queue_win);
}
