/* Stage accounting; see account.h. */
#include "driver/account.h"

#include <math.h>
#include <sys/resource.h>
#include <time.h>

#include "plumbing/util.h"

const char *const stage_name[ST_COUNT] = {"load",  "prepare", "references",
                                          "fit",   "apply",   "score"};

static double thread_cpu(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double tv(struct timeval t)
{
    return (double)t.tv_sec + 1e-6 * (double)t.tv_usec;
}

static double process_cpu(void)
{
    struct rusage self, kids;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &kids);
    return tv(self.ru_utime) + tv(self.ru_stime) + tv(kids.ru_utime) + tv(kids.ru_stime);
}

stage_mark acct_mark(const stage_acct *a)
{
    return a ? (stage_mark){thread_cpu(), now_seconds(), irp_work_done()} : (stage_mark){0};
}

stage_mark acct_mark_process(const stage_acct *a)
{
    return a ? (stage_mark){process_cpu(), now_seconds(), irp_work_done()} : (stage_mark){0};
}

static void stop(stage_acct *a, stage_id s, const stage_mark *m, double cpu)
{
    irp_work w = irp_work_done();
    a->calls[s]++;
    a->cpu[s] += cpu - m->cpu;
    a->flops[s] += w.flops - m->work.flops;
    a->bytes[s] += w.bytes - m->work.bytes;
}

void acct_stop(stage_acct *a, stage_id s, const stage_mark *m)
{
    if (a)
        stop(a, s, m, thread_cpu());
}

void acct_stop_process(stage_acct *a, stage_id s, const stage_mark *m)
{
    if (!a)
        return;
    stop(a, s, m, process_cpu());
    a->wall[s] += now_seconds() - m->wall;
}

void acct_add_bytes(stage_acct *a, stage_id s, double bytes)
{
    if (a)
        a->bytes[s] += bytes;
}

void acct_merge(stage_acct *into, const stage_acct *from)
{
    for (int s = 0; s < ST_COUNT; s++) {
        into->calls[s] += from->calls[s];
        into->cpu[s] += from->cpu[s];
        into->wall[s] += from->wall[s];
        into->flops[s] += from->flops[s];
        into->bytes[s] += from->bytes[s];
    }
}

static void line(csv_out *w, const char *stage, double calls, double cpu, double wall,
                 double flops, double bytes)
{
    csv_out_str(w, stage);
    csv_out_num(w, calls);
    csv_out_num(w, cpu);
    csv_out_num(w, wall);
    csv_out_num(w, flops);
    csv_out_num(w, bytes);
    csv_out_end_row(w);
}

void acct_write(csv_out *w, const stage_acct *a, const stage_mark *start, size_t threads)
{
    double cpu = process_cpu() - start->cpu, wall = now_seconds() - start->wall, in = 0;
    csv_out_comment(w, "irp run --account: CPU seconds per stage (summed over the %zu "
                       "workers), wall seconds of the serial stages, and the model's "
                       "floating-point operations and bytes (core/irp_linalg.h); the total "
                       "row's calls are the workers",
                    threads);
    const char *head[] = {"stage", "calls", "cpu_seconds", "wall_seconds", "flops", "bytes"};
    for (size_t i = 0; i < sizeof head / sizeof *head; i++)
        csv_out_str(w, head[i]);
    csv_out_end_row(w);
    for (int s = 0; s < ST_COUNT; s++) {
        line(w, stage_name[s], (double)a->calls[s], a->cpu[s], s == ST_LOAD ? a->wall[s] : NAN,
             a->flops[s], a->bytes[s]);
        in += a->cpu[s];
    }
    line(w, "unaccounted", NAN, cpu > in ? cpu - in : 0, NAN, NAN, NAN);
    line(w, "total", (double)threads, cpu, wall, NAN, NAN);
}
