/*
 * slurm — the pieces of the Slurm executor that do not need the runner:
 * the batch script and sbatch arguments of a trial, parsers for what
 * sbatch, squeue and scontrol print, the mapping of Slurm's job states to
 * what the runner needs, and Slurm commands run as children the loop
 * checks on its ticks (never waits for).
 *
 * Internal to the runner module (exec_slurm.c, the Slurm executor, drives
 * it from the loop).
 *
 * A trial under Slurm is one batch job whose script execs the shim with
 * the trial's argv, exactly as the local executor spawns it; the trial
 * folder is on the shared filesystem, so the runner tails it and reads
 * exit.status as for a local trial. Slurm's own view (squeue, scontrol) is
 * needed only for what the shim cannot tell: a job still pending, a job
 * that ended without its shim writing exit.status (cancelled, node failure,
 * preemption, time limit), and which jobs a restarted runner still has.
 */
#ifndef TUNETOP_RUNNER_SLURM_H
#define TUNETOP_RUNNER_SLURM_H

#include <stdbool.h>
#include <sys/types.h>

#include "launch.h"
#include "tunetop/shim.h"
#include "tunetop/config.h"
#include "tunetop/sampler.h"
#include "tunetop/util.h"

/* ---- job states ------------------------------------------------------------ */

/* What a Slurm job state means to the runner. */
typedef enum rn_slurm_phase {
    RN_SLURM_UNKNOWN,     /* not asked yet, or a state this code does not know */
    RN_SLURM_PENDING,     /* waiting for resources: PENDING, CONFIGURING, REQUEUED… */
    RN_SLURM_RUNNING,     /* RUNNING, COMPLETING, SUSPENDED, STAGE_OUT, SIGNALING… */
    RN_SLURM_ENDED,       /* ended by itself: COMPLETED, FAILED (exit.status tells how) */
    RN_SLURM_INTERRUPTED, /* ended from outside: CANCELLED, NODE_FAIL, PREEMPTED,
                             BOOT_FAIL, DEADLINE, REVOKED */
    RN_SLURM_TIMEOUT,     /* its time limit (`time:`) was reached */
    RN_SLURM_OOM,         /* OUT_OF_MEMORY */
    RN_SLURM_GONE,        /* Slurm no longer knows the job (ended MinJobAge ago) */
} rn_slurm_phase;

/* The phase of a JobState as squeue (%T) or scontrol print it; accepts
 * "CANCELLED by 0", "CANCELLED+" and lower case. */
rn_slurm_phase rn_slurm_phase_of(const char *state);
/* Whether the job is over (ended, interrupted, timeout, oom, gone). */
bool rn_slurm_phase_is_final(rn_slurm_phase p);
const char *rn_slurm_phase_name(rn_slurm_phase p);

/* ---- parsing ----------------------------------------------------------------- */

/* The job id `sbatch --parsable` printed ("123" or "123;cluster", possibly
 * after warning lines): copied into id. Returns 0, or -TT_ERR_INVALID when
 * no line is a job id. */
int rn_slurm_parse_sbatch(const char *out, char *id, size_t n);

/* The state of job_id in the output of `squeue -h -t all -o '%i %T' -j IDS`
 * (one "ID STATE" per line; array tasks as "12_3"). Returns true and copies
 * the state when the job is listed. */
bool rn_slurm_squeue_state(const char *out, const char *job_id, char *state, size_t n);

/* Whether squeue/scontrol said that none of the jobs asked for exists any
 * more ("Invalid job id specified"): they are forgotten, not unreachable. */
bool rn_slurm_says_invalid_job(const char *out);

/* `scontrol show job ID`, one-line (-o) or multi-line. */
typedef struct rn_slurm_job_info {
    char job_id[32];
    char state[32];        /* JobState */
    char reason[64];       /* Reason; "" when None */
    int exit_code;         /* ExitCode=code:signal; -1 when absent */
    int exit_signal;
} rn_slurm_job_info;

/* Parse the first job of out. Returns 0, or -TT_ERR_INVALID when there is
 * no JobId/JobState in it. */
int rn_slurm_parse_scontrol(const char *out, rn_slurm_job_info *info);

/* ---- how a trial's job ended ----------------------------------------------- */

/* Seconds a trial whose exit.status says it died of a signal waits for
 * Slurm's verdict (a scancel'ed job is COMPLETING for a moment before it
 * is CANCELLED), and seconds a job Slurm says is over may take to show its
 * exit.status (written on another node, seen through the shared
 * filesystem's attribute cache). */
#define RN_SLURM_VERDICT_WAIT_S 10.0
#define RN_SLURM_SETTLE_S 2.0

/* What the runner knows about a submitted trial that may have ended. */
typedef struct rn_slurm_end_in {
    const char *job_id;
    bool end_requested;              /* the runner asked it to end (kill, timeout, prune) */
    bool have_status;                /* exit.status was found */
    const tt_shim_status *status;    /* valid when have_status */
    double status_age;               /* seconds since exit.status was first seen */
    rn_slurm_phase phase;            /* Slurm's latest word */
    const char *state;               /* its JobState text ("CANCELLED"); may be NULL */
    double final_age;                /* seconds since the phase was first seen final */
    const rn_slurm_job_info *info;   /* scontrol's details of the ended job; may be NULL */
} rn_slurm_end_in;

typedef enum rn_slurm_verdict {
    RN_SLURM_WAIT,        /* not over yet, or Slurm's word is still to come */
    RN_SLURM_USE_STATUS,  /* end it as a local trial: rn_trial_outcome decides */
    RN_SLURM_DECIDED,     /* Slurm's view decides: *state, *reason (malloc'd) */
} rn_slurm_verdict;

/* The end of a Slurm trial. Ended from outside (CANCELLED by someone else,
 * NODE_FAIL, PREEMPTED, forgotten by Slurm) → interrupted, so the retry
 * policy applies, even when the shim managed to record the SIGTERM it
 * got; time limit → timeout; out of memory → failed; otherwise the
 * shim's exit.status decides as for a local trial. Pure. */
rn_slurm_verdict rn_slurm_decide(const rn_slurm_end_in *in, tt_trial_state *state,
                                 char **reason);

/* ---- what is submitted --------------------------------------------------- */

/* The batch script of a trial (malloc'd; caller frees):
 *   #!/bin/sh
 *   # comments: the trial, how it was submitted
 *   export TUNETOP_TRIAL_ID='7'        (each of exports, "NAME=value")
 *   exec 'SHIM' __shim 'TRIAL_DIR' --grace G -- 'ARGV0' 'ARGV1' …
 * Every value is single-quoted, so no parameter value meets the shell as
 * code. exports may be NULL. */
char *rn_slurm_script(const char *shim_exe, const char *trial_dir, double grace_s,
                      char *const *argv, char *const *exports);

/* The argv of sbatch for a trial (NULL-terminated, malloc'd strings; free
 * with rn_launch_strv_free): `sbatch --parsable --job-name NAME --chdir
 * WORKDIR --output TRIAL_DIR/slurm-%j.out --partition P --time T
 * --cpus-per-task N --mem M --gres G --account A --qos Q SBATCH_ARGS…
 * SCRIPT`, the executor's options only when set; sbatch_args come last so
 * they may override ours. */
char **rn_slurm_sbatch_argv(const tt_executor_spec *ex, const char *job_name,
                            const char *workdir, const char *trial_dir, const char *script);

/* ---- commands as children -------------------------------------------------- */

/* One Slurm client command run in the background: its own session, stdin
 * /dev/null, stdout and stderr into out_path (truncated). */
typedef struct rn_slurm_cmd rn_slurm_cmd;

/* Start argv (searched on PATH; envp NULL = ours). The command is killed
 * when it runs longer than timeout_s (Slurm clients retry for ~9 s when
 * the controller is down). NULL with err when it cannot be started
 * (out_path unwritable, program not found). */
rn_slurm_cmd *rn_slurm_cmd_start(char *const *argv, char *const *envp, const char *out_path,
                                 double timeout_s, tt_error *err);
/* Whether it is over (exited, or killed for its timeout), checked without
 * blocking. */
bool rn_slurm_cmd_done(rn_slurm_cmd *c);
/* Once done: the exit code (-1 when killed by a signal or its timeout, or
 * reaped elsewhere without telling), and its output (borrowed, valid until
 * the free; at most 64 KiB). */
int rn_slurm_cmd_exit_code(const rn_slurm_cmd *c);
const char *rn_slurm_cmd_output(const rn_slurm_cmd *c);
bool rn_slurm_cmd_timed_out(const rn_slurm_cmd *c);
/* Kill it if it still runs, and free. NULL is fine. */
void rn_slurm_cmd_free(rn_slurm_cmd *c);
/* The loop reaped pid with waitpid(-1, …): hand the status to the command
 * it belongs to. Returns whether it was one of ours. */
bool rn_slurm_cmd_reaped(pid_t pid, int status);

/* One line of text a person can read from a command's output: its last
 * non-empty line, trimmed, at most n - 1 bytes ("sbatch: error: Invalid
 * partition name specified"). */
void rn_slurm_output_summary(const char *out, char *buf, size_t n);

#endif
