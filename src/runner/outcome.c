/*
 * outcome — the end of a trial as a state and a reason a person can act on.
 * A pure function of what the runner knows when a trial stops (what it asked
 * for, the shim's exit.status, the objective seen, the last stderr lines),
 * so every branch of the state machine is tested without processes.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* "exit code 3; stderr: last | lines" */
static char *with_stderr(const rn_outcome_in *in, const char *head)
{
    tt_buf b = {0};
    tt_buf_puts(&b, head);
    if (in->n_stderr_last > 0) {
        tt_buf_puts(&b, "; stderr:");
        for (size_t i = 0; i < in->n_stderr_last; i++) {
            tt_buf_puts(&b, i ? " | " : " ");
            tt_buf_puts(&b, in->stderr_last[i]);
        }
    }
    return tt_buf_take(&b);
}

tt_trial_state rn_trial_outcome(const rn_outcome_in *in, char **reason)
{
    const tt_shim_status *st = in->status;
    char head[512];
    /* What the runner asked for wins: a trial killed for its timeout may
     * well exit with a signal or a non-zero code as a consequence. */
    if (in->end_request != RN_END_NONE) {
        *reason = tt_xstrdup(in->end_reason ? in->end_reason : "ended by the runner");
        return in->end_request == RN_END_KILL      ? TT_TRIAL_KILLED
               : in->end_request == RN_END_TIMEOUT ? TT_TRIAL_TIMEOUT
                                                   : TT_TRIAL_PRUNED;
    }
    if (!in->have_status) {
        *reason = tt_xasprintf("its supervisor (pid %ld) vanished without an exit status%s",
                               in->shim_pid,
                               in->orphans_stopped ? "; the trial's processes, left running, "
                                                     "were stopped"
                                                   : "");
        return TT_TRIAL_INTERRUPTED;
    }
    if (st->kind == TT_SHIM_EXEC_ERROR) {
        snprintf(head, sizeof head, "cannot run the command: %s", st->message);
        *reason = tt_xstrdup(head);
        return TT_TRIAL_FAILED;
    }
    if (st->kind == TT_SHIM_SIGNAL) {
        snprintf(head, sizeof head, "killed by signal %d (%s)", st->code, strsignal(st->code));
        *reason = with_stderr(in, head);
        return TT_TRIAL_FAILED;
    }
    if (st->code != 0) {
        snprintf(head, sizeof head, "exit code %d", st->code);
        *reason = with_stderr(in, head);
        return TT_TRIAL_FAILED;
    }
    if (in->metric && !in->has_value) {
        snprintf(head, sizeof head, "no value reported for metric %s", in->metric);
        *reason = tt_xstrdup(head);
        return TT_TRIAL_FAILED;
    }
    if (in->metric && !isfinite(in->value)) {
        snprintf(head, sizeof head, "objective %s is not finite (%g)", in->metric, in->value);
        *reason = tt_xstrdup(head);
        return TT_TRIAL_FAILED;
    }
    *reason = tt_xstrdup("exit code 0");
    return TT_TRIAL_COMPLETED;
}
