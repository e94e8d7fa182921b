/*
 * executor — the list of executors and the per-runner operations run for
 * each of them (internal.h has the interface). Nothing else in the runner
 * names an executor: a new one is its own file and one line here.
 */
#include "internal.h"

/* The first is the default: a trial of a runner without a sweep (none is
 * started then) or of a record no other executor claims. */
const rn_executor_ops *const rn_executors[] = {&rn_exec_local, &rn_exec_slurm, NULL};

const rn_executor_ops *rn_executor_for(const tt_sweep *sw)
{
    for (size_t i = 0; sw && rn_executors[i]; i++)
        if (rn_executors[i]->kind == sw->executor.kind)
            return rn_executors[i];
    return rn_executors[0];
}

const rn_executor_ops *rn_executor_of_record(const char *job_id)
{
    for (size_t i = 0; rn_executors[i]; i++)
        if (rn_executors[i]->owns_record(job_id))
            return rn_executors[i];
    return rn_executors[0];
}

void rn_executors_collect(rn_runner *r, int timeout_ms)
{
    for (size_t i = 0; rn_executors[i]; i++)
        if (rn_executors[i]->collect)
            rn_executors[i]->collect(r, timeout_ms);
}

void rn_executors_tick(rn_runner *r)
{
    for (size_t i = 0; rn_executors[i]; i++)
        if (rn_executors[i]->tick)
            rn_executors[i]->tick(r);
}

void rn_executors_reaped(pid_t pid, int status)
{
    for (size_t i = 0; rn_executors[i]; i++)
        if (rn_executors[i]->reaped)
            rn_executors[i]->reaped(pid, status);
}

void rn_executors_leave(rn_runner *r)
{
    for (size_t i = 0; rn_executors[i]; i++)
        if (rn_executors[i]->leave)
            rn_executors[i]->leave(r);
}

void rn_executors_free(rn_runner *r)
{
    for (size_t i = 0; rn_executors[i]; i++)
        if (rn_executors[i]->free)
            rn_executors[i]->free(r);
}
