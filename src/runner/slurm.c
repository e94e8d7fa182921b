/*
 * slurm — Slurm's side of the Slurm executor (see slurm.h): what a trial's
 * job looks like, what Slurm's clients print and what it means, and the
 * clients themselves run as background children.
 *
 * Why children and files rather than a library or a pipe: libslurm's ABI
 * changes with every release and the clients are what every cluster has;
 * a client that cannot reach the controller retries for ~9 s, which the
 * loop must not wait through, so each runs in its own session with its
 * output going to a file that is read once it has exited (no pipe to keep
 * drained, nothing half-read), and is killed past its timeout.
 *
 * States, from Slurm 22.05's job_state_string() (src/common/slurm_protocol_defs.c)
 * and what was observed on the single-node Slurm of tests/slurm/slurm.sh: a job
 * scancel'ed shows COMPLETING before CANCELLED; squeue -t all keeps ended
 * jobs for MinJobAge seconds, then prints "Invalid job id specified" when
 * every id asked for is forgotten, and silently leaves out the forgotten
 * ones otherwise.
 */
#include "slurm.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "launch.h"

extern char **environ;

/* ---- job states -------------------------------------------------------------- */

static const struct {
    const char *name;
    rn_slurm_phase phase;
} states[] = {
    {"PENDING", RN_SLURM_PENDING},      {"CONFIGURING", RN_SLURM_PENDING},
    {"REQUEUED", RN_SLURM_PENDING},     {"REQUEUE_FED", RN_SLURM_PENDING},
    {"REQUEUE_HOLD", RN_SLURM_PENDING}, {"RESV_DEL_HOLD", RN_SLURM_PENDING},
    {"POWER_UP_NODE", RN_SLURM_PENDING}, {"RUNNING", RN_SLURM_RUNNING},
    {"COMPLETING", RN_SLURM_RUNNING},   {"SUSPENDED", RN_SLURM_RUNNING},
    {"STAGE_OUT", RN_SLURM_RUNNING},    {"SIGNALING", RN_SLURM_RUNNING},
    {"RESIZING", RN_SLURM_RUNNING},     {"STOPPED", RN_SLURM_RUNNING},
    {"UPDATE_DB", RN_SLURM_RUNNING},    {"COMPLETED", RN_SLURM_ENDED},
    {"FAILED", RN_SLURM_ENDED},         {"SPECIAL_EXIT", RN_SLURM_ENDED},
    {"CANCELLED", RN_SLURM_INTERRUPTED}, {"NODE_FAIL", RN_SLURM_INTERRUPTED},
    {"PREEMPTED", RN_SLURM_INTERRUPTED}, {"BOOT_FAIL", RN_SLURM_INTERRUPTED},
    {"DEADLINE", RN_SLURM_INTERRUPTED}, {"REVOKED", RN_SLURM_INTERRUPTED},
    {"TIMEOUT", RN_SLURM_TIMEOUT},      {"OUT_OF_MEMORY", RN_SLURM_OOM},
};

rn_slurm_phase rn_slurm_phase_of(const char *state)
{
    if (!state)
        return RN_SLURM_UNKNOWN;
    char word[32];
    size_t n = 0;
    /* "CANCELLED by 0" (sacct), "CANCELLED+" (truncated columns). */
    while (state[n] && n < sizeof word - 1 && (isalpha((unsigned char)state[n]) || state[n] == '_')) {
        word[n] = (char)toupper((unsigned char)state[n]);
        n++;
    }
    word[n] = '\0';
    for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
        if (strcmp(states[i].name, word) == 0)
            return states[i].phase;
    /* squeue -h -o %t short forms of the common ones. */
    static const struct {
        const char *name;
        rn_slurm_phase phase;
    } shorts[] = {{"PD", RN_SLURM_PENDING}, {"CF", RN_SLURM_PENDING}, {"R", RN_SLURM_RUNNING},
                  {"CG", RN_SLURM_RUNNING}, {"CD", RN_SLURM_ENDED},   {"F", RN_SLURM_ENDED},
                  {"CA", RN_SLURM_INTERRUPTED}, {"NF", RN_SLURM_INTERRUPTED},
                  {"PR", RN_SLURM_INTERRUPTED}, {"TO", RN_SLURM_TIMEOUT}, {"OOM", RN_SLURM_OOM}};
    for (size_t i = 0; i < sizeof shorts / sizeof shorts[0]; i++)
        if (strcmp(shorts[i].name, word) == 0)
            return shorts[i].phase;
    return RN_SLURM_UNKNOWN;
}

bool rn_slurm_phase_is_final(rn_slurm_phase p)
{
    return p == RN_SLURM_ENDED || p == RN_SLURM_INTERRUPTED || p == RN_SLURM_TIMEOUT ||
           p == RN_SLURM_OOM || p == RN_SLURM_GONE;
}

const char *rn_slurm_phase_name(rn_slurm_phase p)
{
    switch (p) {
    case RN_SLURM_PENDING: return "pending";
    case RN_SLURM_RUNNING: return "running";
    case RN_SLURM_ENDED: return "ended";
    case RN_SLURM_INTERRUPTED: return "interrupted";
    case RN_SLURM_TIMEOUT: return "timeout";
    case RN_SLURM_OOM: return "out of memory";
    case RN_SLURM_GONE: return "gone";
    case RN_SLURM_UNKNOWN: break;
    }
    return "unknown";
}

/* ---- parsing ----------------------------------------------------------------- */

/* Next line of *p into [*b, *e) without its newline; false at the end. */
static bool next_line(const char **p, const char **b, const char **e)
{
    if (!**p)
        return false;
    *b = *p;
    const char *nl = strchr(*p, '\n');
    *e = nl ? nl : *p + strlen(*p);
    *p = nl ? nl + 1 : *e;
    while (*e > *b && ((*e)[-1] == '\r' || (*e)[-1] == ' ' || (*e)[-1] == '\t'))
        (*e)--;
    while (*b < *e && (**b == ' ' || **b == '\t'))
        (*b)++;
    return true;
}

int rn_slurm_parse_sbatch(const char *out, char *id, size_t n)
{
    const char *p = out ? out : "", *b, *e;
    while (next_line(&p, &b, &e)) {
        const char *d = b;
        while (d < e && isdigit((unsigned char)*d))
            d++;
        /* "123" or "123;cluster": digits, then the end or a ';'. */
        if (d == b || (d < e && *d != ';'))
            continue;
        size_t len = (size_t)(d - b);
        if (len >= n)
            return -TT_ERR_INVALID;
        memcpy(id, b, len);
        id[len] = '\0';
        return 0;
    }
    return -TT_ERR_INVALID;
}

bool rn_slurm_squeue_state(const char *out, const char *job_id, char *state, size_t n)
{
    const char *p = out ? out : "", *b, *e;
    size_t idlen = strlen(job_id);
    while (next_line(&p, &b, &e)) {
        if ((size_t)(e - b) <= idlen || memcmp(b, job_id, idlen) != 0 ||
            (b[idlen] != ' ' && b[idlen] != '\t'))
            continue;
        const char *s = b + idlen;
        while (s < e && (*s == ' ' || *s == '\t'))
            s++;
        const char *se = s;
        while (se < e && *se != ' ' && *se != '\t')
            se++;
        if (se == s)
            continue;
        size_t len = (size_t)(se - s) < n - 1 ? (size_t)(se - s) : n - 1;
        memcpy(state, s, len);
        state[len] = '\0';
        return true;
    }
    return false;
}

bool rn_slurm_says_invalid_job(const char *out)
{
    return out && strstr(out, "Invalid job id specified") != NULL;
}

/* The value of KEY= in text, where KEY starts a word ("ExitCode" is not
 * found inside "DerivedExitCode"), copied up to the next blank. */
static bool field(const char *text, const char *key, char *val, size_t n)
{
    size_t klen = strlen(key);
    for (const char *p = text; (p = strstr(p, key)) != NULL; p += klen) {
        if (p != text && !isspace((unsigned char)p[-1]))
            continue;
        if (p[klen] != '=')
            continue;
        const char *v = p + klen + 1, *ve = v;
        while (*ve && !isspace((unsigned char)*ve))
            ve++;
        size_t len = (size_t)(ve - v) < n - 1 ? (size_t)(ve - v) : n - 1;
        memcpy(val, v, len);
        val[len] = '\0';
        return true;
    }
    return false;
}

int rn_slurm_parse_scontrol(const char *out, rn_slurm_job_info *info)
{
    memset(info, 0, sizeof *info);
    info->exit_code = info->exit_signal = -1;
    if (!out)
        return -TT_ERR_INVALID;
    /* Only the first job: a later "JobId=" starts the next one. */
    const char *first = strstr(out, "JobId=");
    if (!first)
        return -TT_ERR_INVALID;
    const char *next = strstr(first + 6, "JobId=");
    char *one = next ? tt_xstrndup(first, (size_t)(next - first)) : tt_xstrdup(first);
    bool ok = field(one, "JobId", info->job_id, sizeof info->job_id) &&
              field(one, "JobState", info->state, sizeof info->state);
    if (field(one, "Reason", info->reason, sizeof info->reason) &&
        strcmp(info->reason, "None") == 0)
        info->reason[0] = '\0';
    char code[32];
    int c, s;
    if (field(one, "ExitCode", code, sizeof code) && sscanf(code, "%d:%d", &c, &s) == 2) {
        info->exit_code = c;
        info->exit_signal = s;
    }
    free(one);
    return ok ? 0 : -TT_ERR_INVALID;
}

void rn_slurm_output_summary(const char *out, char *buf, size_t n)
{
    const char *p = out ? out : "", *b, *e, *lb = NULL, *le = NULL;
    while (next_line(&p, &b, &e))
        if (e > b) {
            lb = b;
            le = e;
        }
    if (!lb) {
        snprintf(buf, n, "no output");
        return;
    }
    size_t len = (size_t)(le - lb) < n - 1 ? (size_t)(le - lb) : n - 1;
    memcpy(buf, lb, len);
    buf[len] = '\0';
    for (char *q = buf; *q; q++)
        if ((unsigned char)*q < 0x20 || *q == 0x7f)
            *q = '?';
}

/* ---- how a trial's job ended ----------------------------------------------- */

/* " (Reason=…, ExitCode=c:s)" from scontrol's details, or "". */
static void details(const rn_slurm_end_in *in, char *buf, size_t n)
{
    buf[0] = '\0';
    const rn_slurm_job_info *i = in->info;
    if (!i)
        return;
    if (i->reason[0] && i->exit_code >= 0)
        snprintf(buf, n, " (Reason=%s, ExitCode=%d:%d)", i->reason, i->exit_code, i->exit_signal);
    else if (i->reason[0])
        snprintf(buf, n, " (Reason=%s)", i->reason);
    else if (i->exit_code >= 0)
        snprintf(buf, n, " (ExitCode=%d:%d)", i->exit_code, i->exit_signal);
}

rn_slurm_verdict rn_slurm_decide(const rn_slurm_end_in *in, tt_trial_state *state,
                                 char **reason)
{
    const char *word = in->state && *in->state ? in->state : rn_slurm_phase_name(in->phase);
    char more[160];
    details(in, more, sizeof more);
    /* What the runner asked for wins, as for a local trial. */
    if (in->end_requested) {
        if (in->have_status || (rn_slurm_phase_is_final(in->phase) &&
                                in->final_age >= RN_SLURM_SETTLE_S))
            return RN_SLURM_USE_STATUS;
        return RN_SLURM_WAIT;
    }
    if (in->have_status) {
        if (in->phase == RN_SLURM_INTERRUPTED) {
            *state = TT_TRIAL_INTERRUPTED;
            *reason = tt_xasprintf("Slurm job %s was %s from outside tunetop", in->job_id, word);
            return RN_SLURM_DECIDED;
        }
        if (in->phase == RN_SLURM_TIMEOUT) {
            *state = TT_TRIAL_TIMEOUT;
            *reason = tt_xasprintf("Slurm job %s reached its time limit", in->job_id);
            return RN_SLURM_DECIDED;
        }
        if (in->phase == RN_SLURM_OOM) {
            *state = TT_TRIAL_FAILED;
            *reason = tt_xasprintf("Slurm job %s ran out of memory (OUT_OF_MEMORY)", in->job_id);
            return RN_SLURM_DECIDED;
        }
        /* A trial killed by a signal may have been killed by Slurm:
         * wait (boundedly) for Slurm to say so before calling it failed. */
        const tt_shim_status *st = in->status;
        bool violent = st->kind == TT_SHIM_SIGNAL || (st->kind == TT_SHIM_EXIT && st->code >= 128);
        if (violent && !rn_slurm_phase_is_final(in->phase) &&
            in->status_age < RN_SLURM_VERDICT_WAIT_S)
            return RN_SLURM_WAIT;
        return RN_SLURM_USE_STATUS;
    }
    if (!rn_slurm_phase_is_final(in->phase) || in->final_age < RN_SLURM_SETTLE_S)
        return RN_SLURM_WAIT;
    switch (in->phase) {
    case RN_SLURM_TIMEOUT:
        *state = TT_TRIAL_TIMEOUT;
        *reason = tt_xasprintf("Slurm job %s reached its time limit%s", in->job_id, more);
        break;
    case RN_SLURM_OOM:
        *state = TT_TRIAL_FAILED;
        *reason = tt_xasprintf("Slurm job %s ran out of memory (OUT_OF_MEMORY)%s", in->job_id,
                               more);
        break;
    case RN_SLURM_GONE:
        *state = TT_TRIAL_INTERRUPTED;
        *reason = tt_xasprintf("Slurm no longer knows job %s and the trial left no exit.status",
                               in->job_id);
        break;
    case RN_SLURM_ENDED:
        /* COMPLETED or FAILED, yet the shim wrote nothing: it could not
         * start (a bad --chdir, the trial folder not shared with the
         * node) or was killed; slurm-ID.out has Slurm's side. */
        *state = TT_TRIAL_FAILED;
        *reason = tt_xasprintf("Slurm job %s ended %s%s without the shim's exit.status; see "
                               "slurm-%s.out in the trial folder",
                               in->job_id, word, more, in->job_id);
        break;
    default: /* RN_SLURM_INTERRUPTED */
        *state = TT_TRIAL_INTERRUPTED;
        *reason = tt_xasprintf("Slurm job %s ended %s%s before the trial finished", in->job_id,
                               word, more);
        break;
    }
    return RN_SLURM_DECIDED;
}

/* ---- what is submitted --------------------------------------------------- */

static void put_quoted(tt_buf *b, const char *s)
{
    char *q = rn_launch_shell_quote(s);
    tt_buf_puts(b, q);
    free(q);
}

char *rn_slurm_script(const char *shim_exe, const char *trial_dir, double grace_s,
                      char *const *argv, char *const *exports)
{
    tt_buf b = {0};
    char grace[32];
    tt_format_double(grace_s >= 0 ? grace_s : TT_SHIM_DEFAULT_GRACE, grace, sizeof grace);
    tt_buf_puts(&b, "#!/bin/sh\n"
                    "# A tunetop trial as a Slurm job (written by the runner; resubmitting it\n"
                    "# by hand runs the trial again in the same folder). The shim runs the\n"
                    "# command, writes its logs and exit.status into the trial folder, and\n"
                    "# forwards Slurm's SIGTERM to it.\n");
    for (size_t i = 0; exports && exports[i]; i++) {
        const char *eq = strchr(exports[i], '=');
        if (!eq || eq == exports[i])
            continue;
        /* Names come from rn_launch_env: letters, digits and '_' only;
         * anything else would not be a shell name, so it is skipped. */
        bool name_ok = true;
        for (const char *c = exports[i]; c < eq; c++)
            name_ok &= isalnum((unsigned char)*c) || *c == '_';
        if (!name_ok)
            continue;
        tt_buf_printf(&b, "export %.*s=", (int)(eq - exports[i]), exports[i]);
        put_quoted(&b, eq + 1);
        tt_buf_puts(&b, "\n");
    }
    tt_buf_puts(&b, "exec ");
    put_quoted(&b, shim_exe);
    tt_buf_puts(&b, " __shim ");
    put_quoted(&b, trial_dir);
    tt_buf_printf(&b, " --grace %s --", grace);
    for (size_t i = 0; argv && argv[i]; i++) {
        tt_buf_puts(&b, " ");
        put_quoted(&b, argv[i]);
    }
    tt_buf_puts(&b, "\n");
    return tt_buf_take(&b);
}

typedef struct strv {
    char **v;
    size_t n, cap;
} strv;

static void strv_push(strv *s, char *owned)
{
    tt_grow((void **)&s->v, &s->cap, s->n + 2, sizeof *s->v);
    s->v[s->n++] = owned;
    s->v[s->n] = NULL;
}

static void strv_opt(strv *s, const char *opt, const char *value)
{
    if (!value || !*value)
        return;
    strv_push(s, tt_xstrdup(opt));
    strv_push(s, tt_xstrdup(value));
}

char **rn_slurm_sbatch_argv(const tt_executor_spec *ex, const char *job_name,
                            const char *workdir, const char *trial_dir, const char *script)
{
    strv s = {0};
    strv_push(&s, tt_xstrdup("sbatch"));
    strv_push(&s, tt_xstrdup("--parsable"));
    strv_opt(&s, "--job-name", job_name);
    strv_opt(&s, "--chdir", workdir);
    /* Slurm's own notices (CANCELLED AT …, time limit) land here; the
     * trial's output goes to the shim's stdout.log/stderr.log. */
    strv_push(&s, tt_xasprintf("--output=%s/slurm-%%j.out", trial_dir));
    strv_opt(&s, "--partition", ex->partition);
    strv_opt(&s, "--time", ex->time);
    if (ex->cpus_per_task > 0)
        strv_push(&s, tt_xasprintf("--cpus-per-task=%ld", ex->cpus_per_task));
    strv_opt(&s, "--mem", ex->mem);
    strv_opt(&s, "--gres", ex->gres);
    strv_opt(&s, "--account", ex->account);
    strv_opt(&s, "--qos", ex->qos);
    for (size_t i = 0; i < ex->n_sbatch_args; i++)
        strv_push(&s, tt_xstrdup(ex->sbatch_args[i]));
    strv_push(&s, tt_xstrdup(script));
    return s.v;
}

/* ---- commands as children -------------------------------------------------- */

#define OUTPUT_MAX (64u << 10)

struct rn_slurm_cmd {
    pid_t pid;
    char *out_path;
    double deadline;       /* monotonic */
    bool exited, killed, timed_out, lost_status;
    int status;
    char *output;
    rn_slurm_cmd *next;    /* in the list of commands still running */
};

/* Commands whose exit the loop may reap before we do (waitpid(-1) in
 * loop.c): a list, since the runner has a handful at a time. */
static rn_slurm_cmd *running;

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void unlist(rn_slurm_cmd *c)
{
    for (rn_slurm_cmd **p = &running; *p; p = &(*p)->next)
        if (*p == c) {
            *p = c->next;
            c->next = NULL;
            return;
        }
}

rn_slurm_cmd *rn_slurm_cmd_start(char *const *argv, char *const *envp, const char *out_path,
                                 double timeout_s, tt_error *err)
{
    int fd = tt_open_regular(AT_FDCWD, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        tt_error_set(err, TT_ERR_IO, "cannot write %s: %s", out_path, tt_open_error(errno));
        return NULL;
    }
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fd, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, fd, STDERR_FILENO);
    posix_spawn_file_actions_addclosefrom_np(&fa, STDERR_FILENO + 1);
    /* Own session: killing it on timeout takes its whole group, and the
     * terminal's ^C does not reach it. */
    tt_proc_spawnattr_clean(&attr, NULL, POSIX_SPAWN_SETSID);
    pid_t pid = 0;
    int e = posix_spawnp(&pid, argv[0], &fa, &attr, argv, envp ? envp : environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    close(fd);
    if (e != 0) {
        tt_error_set(err, TT_ERR_IO, "cannot run %s: %s", argv[0], strerror(e));
        return NULL;
    }
    rn_slurm_cmd *c = tt_xcalloc(1, sizeof *c);
    c->pid = pid;
    c->out_path = tt_xstrdup(out_path);
    c->deadline = mono() + timeout_s;
    c->next = running;
    running = c;
    return c;
}

bool rn_slurm_cmd_reaped(pid_t pid, int status)
{
    for (rn_slurm_cmd *c = running; c; c = c->next)
        if (c->pid == pid) {
            c->exited = true;
            c->status = status;
            return true;
        }
    return false;
}

static void read_output(rn_slurm_cmd *c)
{
    tt_buf b = {0};
    int fd = tt_open_regular(AT_FDCWD, c->out_path, O_RDONLY, 0);
    if (fd >= 0) {
        char buf[4096];
        ssize_t n;
        while (b.len < OUTPUT_MAX && (n = read(fd, buf, sizeof buf)) > 0)
            tt_buf_append(&b, buf, (size_t)n);
        close(fd);
    }
    c->output = b.data ? tt_buf_take(&b) : tt_xstrdup("");
}

bool rn_slurm_cmd_done(rn_slurm_cmd *c)
{
    if (c->output)
        return true;
    if (!c->exited) {
        int st;
        pid_t w = waitpid(c->pid, &st, WNOHANG);
        if (w == c->pid) {
            c->exited = true;
            c->status = st;
        } else if (w < 0 && errno == ECHILD) {
            /* Reaped by a waitpid(-1) that did not hand it over. */
            c->exited = true;
            c->lost_status = true;
        } else if (!c->killed && mono() > c->deadline) {
            kill(-c->pid, SIGKILL);
            c->killed = c->timed_out = true;
        }
    }
    if (!c->exited)
        return false;
    unlist(c);
    read_output(c);
    return true;
}

int rn_slurm_cmd_exit_code(const rn_slurm_cmd *c)
{
    if (!c->exited || c->lost_status || c->timed_out || !WIFEXITED(c->status))
        return -1;
    return WEXITSTATUS(c->status);
}

const char *rn_slurm_cmd_output(const rn_slurm_cmd *c)
{
    return c->output ? c->output : "";
}

bool rn_slurm_cmd_timed_out(const rn_slurm_cmd *c)
{
    return c->timed_out;
}

void rn_slurm_cmd_free(rn_slurm_cmd *c)
{
    if (!c)
        return;
    if (!c->exited) {
        /* Still running (the runner is leaving): end it and reap it; a
         * SIGKILLed client exits at once. */
        kill(-c->pid, SIGKILL);
        waitpid(c->pid, NULL, 0);
    }
    unlist(c);
    free(c->out_path);
    free(c->output);
    free(c);
}
