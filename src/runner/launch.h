/*
 * launch — what a trial is started with: the argv built from the sweep's
 * command template, the JSON of the parameters, and the trial's
 * environment. The shim that then runs it is the shim module's
 * (tunetop/shim.h); the runner's end of it is shim_client.h.
 *
 * Internal to the runner module.
 *
 * Command macros follow the Weights & Biases agent (wandb/wandb_agent.py and
 * wandb/sdk/launch/sweeps/utils.py):
 *
 *   ${env}                  "/usr/bin/env"
 *   ${interpreter}          "python" (W&B); tunetop: "python" when it is on
 *                           PATH, else "python3"
 *   ${program}              the sweep's `program`
 *   ${args}                 one element per active parameter: --name=value
 *   ${args_no_hyphens}      name=value
 *   ${args_no_equals}       two elements: --name  value
 *   ${args_no_boolean_flags} --name for true, nothing for false; others
 *                           --name=value
 *   ${args_append_hydra}    +name=value
 *   ${args_override_hydra}  ++name=value
 *   ${args_json}            one element: the JSON object of the parameters
 *   ${args_json_file}       the path of a file holding that JSON (the caller
 *                           writes it; see rn_launch_uses_json_file)
 *   ${envvar:NAME}          getenv(NAME); when NAME is unset, the text NAME
 *                           itself, exactly as W&B does
 *
 * tunetop adds ${NAME} (one parameter's value; "" when that parameter is
 * inactive), ${trial_id} and ${trial_dir}. Built-in macro names win over a
 * parameter of the same name. Value text is W&B's: booleans True/False, a
 * null None, numbers as tt_space_format writes them, strings as written.
 *
 * W&B expands the list macros only as a whole element; so does tunetop
 * without a shell. Single-valued macros may also sit inside an element
 * (`--lr=${lr}`, `out_${trial_id}`). Expansion is one pass: a substituted
 * value is never scanned for macros again. An unknown ${...} is an error
 * (W&B silently drops it), except under `shell: true`, where text the user
 * wrote stays as written for their shell.
 *
 * Without `shell: true` values never meet a shell: each lands in argv as one
 * literal element. With it, argv is {"/bin/sh", "-c", LINE}: the user's
 * literal template text is copied as written, and every substituted value is
 * single-quoted POSIX-style (a list macro becomes its quoted elements joined
 * by spaces), so a value of `'; rm -rf ~; '` is data, never code.
 */
#ifndef TUNETOP_RUNNER_LAUNCH_H
#define TUNETOP_RUNNER_LAUNCH_H

#include <stdbool.h>

#include "tunetop/config.h"
#include "tunetop/space.h"
#include "tunetop/util.h"

/* ---- argv, JSON, environment (pure but for getenv/PATH lookups) --------- */

/* The trial's argv (NULL-terminated, every string malloc'd; free with
 * rn_launch_strv_free). The command is sw->command, or W&B's default
 * `${env} ${interpreter} ${program} ${args}` when there is none.
 * params_json_file is what ${args_json_file} expands to (may be NULL when the
 * command does not use it). Returns NULL with err filled on an unknown macro,
 * a list macro inside an element (without shell), a missing program, or an
 * empty command. */
/* Which run of a trial this is, when the sweep has `folds` or `repeats`
 * (docs/runs: a trial is folds x repeats runs of one configuration). */
typedef struct rn_launch_run {
    int fold, folds;          /* folds 0: the sweep has no folds */
    int repeat, repeats;      /* repeats >= 1 */
} rn_launch_run;

/* run may be NULL (a trial of one run): ${fold} and ${repeat} then give
 * "0". */
char **rn_launch_argv(const tt_sweep *sw, const tt_assignment *a, long trial,
                      const char *trial_dir, const char *params_json_file,
                      const rn_launch_run *run, tt_error *err);

/* Whether the command (or the default) uses ${args_json_file}, so the caller
 * knows to write the params file before launching. */
bool rn_launch_uses_json_file(const tt_sweep *sw);

/* Frees a NULL-terminated vector of malloc'd strings (NULL is fine). */
void rn_launch_strv_free(char **v);

/* Flat JSON object of the ACTIVE parameters, in declaration order, with the
 * flattened dotted names as keys and W&B's separators (`{"lr": 0.01, "opt":
 * "adam"}`): integers as integers, floats shortest round-trip (an integral
 * float keeps a ".0", non-finite ones become null), booleans true/false,
 * strings escaped (quotes, backslash, control characters; UTF-8 passes
 * through). Caller frees. */
char *rn_launch_params_json(const tt_space *s, const tt_assignment *a);

/* The text ${NAME} of parameter i expands to (see the file comment): malloc'd,
 * "" when inactive. Caller frees. */
char *rn_launch_param_text(const tt_space *s, const tt_assignment *a, size_t i);

/* POSIX single-quoting of s: 'it'\''s'. Caller frees. */
char *rn_launch_shell_quote(const char *s);

/* "python" when an executable python is on PATH, else "python3". Static. */
const char *rn_launch_interpreter(void);

/* The environment name of a parameter: TUNETOP_PARAM_ + name upper-cased,
 * every byte that is not an ASCII letter or digit turned into '_'
 * ("optimizer.lr" → TUNETOP_PARAM_OPTIMIZER_LR). Caller frees. */
char *rn_launch_param_env_name(const char *param_name);

/* The trial's envp (NULL-terminated, malloc'd; free with
 * rn_launch_strv_free): base_environ (may be NULL) without any TUNETOP_*
 * entry but TUNETOP_SHARED (the shim creates the trial's files by it),
 * without CUDA_VISIBLE_DEVICES when cuda_devices is given, plus
 * TUNETOP_TRIAL_ID, TUNETOP_TRIAL_DIR, TUNETOP_PARAMS (rn_launch_params_json),
 * TUNETOP_PARAM_<NAME> for each active parameter (value as ${NAME} gives it;
 * when two names mangle alike the later parameter wins),
 * TUNETOP_METRICS_FILE (trial_dir/metrics.csv), TUNETOP_CHECKPOINT_DIR
 * (trial_dir/checkpoints, created by the caller), with run: TUNETOP_FOLD and
 * TUNETOP_FOLDS when the sweep has folds, TUNETOP_REPEAT and TUNETOP_REPEATS
 * when it has repeats; WANDB_PROJECT and WANDB_ENTITY from the sweep's
 * project and entity unless base_environ sets them; and
 * CUDA_VISIBLE_DEVICES when cuda_devices is not NULL. */
char **rn_launch_env(char **base_environ, const tt_sweep *sw, const tt_assignment *a,
                     long trial, const char *trial_dir, const rn_launch_run *run,
                     const char *cuda_devices);

#endif
