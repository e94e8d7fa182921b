/*
 * argv — the sweep's command template turned into the argv of one trial.
 *
 * The macros and their spelling are W&B's (launch.h lists them, with the
 * source they were checked against), so a sweep.yaml written for `wandb
 * agent` runs the same command here. The one rule this file exists to keep:
 * a parameter value is data. Without `shell: true` it becomes exactly one
 * argv element (or part of one) and never meets a shell; with it, every
 * substituted piece is single-quoted before it joins the shell line, while
 * the text the user wrote in the template stays as their shell line.
 */
#include "launch.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* W&B's command when the sweep gives none (wandb/sdk/launch/sweeps/utils.py
 * DEFAULT_SWEEP_COMMAND). */
static const char *const default_command[] = {"${env}", "${interpreter}", "${program}",
                                              "${args}"};

/* A growable NULL-terminated vector of malloc'd strings. */
typedef struct strv {
    char **items;
    size_t n, cap;
} strv;

static void strv_push(strv *v, char *s)
{
    tt_grow((void **)&v->items, &v->cap, v->n + 2, sizeof *v->items);
    v->items[v->n++] = s;
    v->items[v->n] = NULL;
}

static void strv_clear(strv *v)
{
    for (size_t i = 0; i < v->n; i++)
        free(v->items[i]);
    free(v->items);
    memset(v, 0, sizeof *v);
}

/* The list macros: each expands to zero or more elements. */
typedef enum list_macro {
    LIST_ARGS,
    LIST_NO_HYPHENS,
    LIST_NO_EQUALS,
    LIST_NO_BOOLEAN_FLAGS,
    LIST_APPEND_HYDRA,
    LIST_OVERRIDE_HYDRA,
    LIST_COUNT
} list_macro;

static const char *const list_names[LIST_COUNT] = {
    [LIST_ARGS] = "args",
    [LIST_NO_HYPHENS] = "args_no_hyphens",
    [LIST_NO_EQUALS] = "args_no_equals",
    [LIST_NO_BOOLEAN_FLAGS] = "args_no_boolean_flags",
    [LIST_APPEND_HYDRA] = "args_append_hydra",
    [LIST_OVERRIDE_HYDRA] = "args_override_hydra",
};

typedef struct expand_ctx {
    const tt_sweep *sw;
    const tt_space *space;      /* may be NULL: a sweep without parameters */
    const tt_assignment *a;
    long trial;
    const char *trial_dir;
    const rn_launch_run *run;
    const char *json_file;
    char *json;                 /* ${args_json}, built on first use */
} expand_ctx;

void rn_launch_strv_free(char **v)
{
    if (!v)
        return;
    for (char **p = v; *p; p++)
        free(*p);
    free(v);
}

char *rn_launch_shell_quote(const char *s)
{
    tt_buf b = {0};
    tt_buf_puts(&b, "'");
    for (const char *p = s; *p; p++) {
        if (*p == '\'')
            tt_buf_puts(&b, "'\\''");
        else
            tt_buf_append(&b, p, 1);
    }
    tt_buf_puts(&b, "'");
    return tt_buf_take(&b);
}

static bool executable_on_path(const char *name)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        return false;
    const char *p = path;
    for (;;) {
        const char *colon = strchr(p, ':');
        size_t len = colon ? (size_t)(colon - p) : strlen(p);
        /* An empty PATH entry means the current directory. */
        char *full = len ? tt_xasprintf("%.*s/%s", (int)len, p, name) : tt_xstrdup(name);
        struct stat st;
        bool ok = stat(full, &st) == 0 && S_ISREG(st.st_mode) && access(full, X_OK) == 0;
        free(full);
        if (ok)
            return true;
        if (!colon)
            return false;
        p = colon + 1;
    }
}

const char *rn_launch_interpreter(void)
{
    /* W&B always says "python"; many systems now ship only python3, where
     * that would be a mystery "No such file" for every trial. */
    return executable_on_path("python") ? "python" : "python3";
}

static bool param_is_bool(const expand_ctx *cx, size_t i)
{
    tt_value v = tt_space_value(cx->space, cx->a, i);
    return v.kind == TT_VALUE_BOOL;
}

/* The elements of list macro m, appended to out. */
static void expand_list(expand_ctx *cx, list_macro m, strv *out)
{
    if (!cx->space)
        return;
    for (size_t i = 0; i < cx->space->n; i++) {
        if (i >= cx->a->n || !cx->a->active[i])
            continue;
        const char *name = cx->space->params[i].name;
        char *text = rn_launch_param_text(cx->space, cx->a, i);
        switch (m) {
        case LIST_ARGS:
            strv_push(out, tt_xasprintf("--%s=%s", name, text));
            break;
        case LIST_NO_HYPHENS:
            strv_push(out, tt_xasprintf("%s=%s", name, text));
            break;
        case LIST_NO_EQUALS:
            strv_push(out, tt_xasprintf("--%s", name));
            strv_push(out, tt_xstrdup(text));
            break;
        case LIST_NO_BOOLEAN_FLAGS:
            if (!param_is_bool(cx, i))
                strv_push(out, tt_xasprintf("--%s=%s", name, text));
            else if (tt_space_value(cx->space, cx->a, i).b)
                strv_push(out, tt_xasprintf("--%s", name));
            break;
        case LIST_APPEND_HYDRA:
            strv_push(out, tt_xasprintf("+%s=%s", name, text));
            break;
        case LIST_OVERRIDE_HYDRA:
            strv_push(out, tt_xasprintf("++%s=%s", name, text));
            break;
        case LIST_COUNT:
            break;
        }
        free(text);
    }
}

static int list_macro_of(const char *name, size_t len)
{
    for (int m = 0; m < LIST_COUNT; m++)
        if (strlen(list_names[m]) == len && memcmp(list_names[m], name, len) == 0)
            return m;
    return -1;
}

static bool name_is(const char *name, size_t len, const char *want)
{
    return strlen(want) == len && memcmp(want, name, len) == 0;
}

enum { SCALAR_FOUND = 0, SCALAR_UNKNOWN = 1 };

/* The value of single-valued macro name[0..len) into *out (malloc'd).
 * Returns SCALAR_FOUND, SCALAR_UNKNOWN, or a negative error. */
static int expand_scalar(expand_ctx *cx, const char *name, size_t len, char **out,
                         tt_error *err)
{
    if (name_is(name, len, "env")) {
        *out = tt_xstrdup("/usr/bin/env");
    } else if (name_is(name, len, "interpreter")) {
        *out = tt_xstrdup(rn_launch_interpreter());
    } else if (name_is(name, len, "program")) {
        if (!cx->sw->program || !*cx->sw->program)
            return tt_error_set(err, TT_ERR_INVALID,
                                "the command uses ${program} but the sweep has no 'program'");
        *out = tt_xstrdup(cx->sw->program);
    } else if (name_is(name, len, "args_json")) {
        if (!cx->json)
            cx->json = cx->space ? rn_launch_params_json(cx->space, cx->a) : tt_xstrdup("{}");
        *out = tt_xstrdup(cx->json);
    } else if (name_is(name, len, "args_json_file")) {
        if (!cx->json_file)
            return tt_error_set(err, TT_ERR_INVALID,
                                "the command uses ${args_json_file} but no params file was given");
        *out = tt_xstrdup(cx->json_file);
    } else if (name_is(name, len, "trial_id")) {
        *out = tt_xasprintf("%ld", cx->trial);
    } else if (name_is(name, len, "trial_dir")) {
        *out = tt_xstrdup(cx->trial_dir ? cx->trial_dir : "");
    } else if (name_is(name, len, "fold")) {
        *out = tt_xasprintf("%d", cx->run ? cx->run->fold : 0);
    } else if (name_is(name, len, "repeat")) {
        *out = tt_xasprintf("%d", cx->run ? cx->run->repeat : 0);
    } else if (len >= 7 && memcmp(name, "envvar:", 7) == 0) {
        /* W&B: os.environ.get(NAME, NAME) — an unset variable leaves its
         * name, not an empty string. */
        char *var = tt_xstrndup(name + 7, len - 7);
        const char *val = getenv(var);
        *out = val ? tt_xstrdup(val) : var;
        if (val)
            free(var);
    } else {
        char *pname = tt_xstrndup(name, len);
        long i = cx->space ? tt_space_find(cx->space, pname) : -1;
        free(pname);
        if (i < 0)
            return SCALAR_UNKNOWN;
        *out = rn_launch_param_text(cx->space, cx->a, (size_t)i);
    }
    return SCALAR_FOUND;
}

/* Append list elements to a shell line, each quoted, space-separated. */
static void shell_append_list(tt_buf *line, const strv *items)
{
    for (size_t i = 0; i < items->n; i++) {
        char *q = rn_launch_shell_quote(items->items[i]);
        if (i)
            tt_buf_puts(line, " ");
        tt_buf_puts(line, q);
        free(q);
    }
}

/* Expand one template token. Without a shell, elements go to out; with one,
 * the token's text goes to *piece (NULL when the token expands to nothing).
 * Returns 0 or a negative error. */
static int expand_token(expand_ctx *cx, const char *tok, bool shell, strv *out, char **piece,
                        tt_error *err)
{
    size_t tlen = strlen(tok);
    *piece = NULL;

    /* A whole-element list macro: zero or more elements, as W&B does. */
    if (tlen > 3 && tok[0] == '$' && tok[1] == '{' && tok[tlen - 1] == '}' &&
        !memchr(tok + 2, '}', tlen - 3)) {
        int m = list_macro_of(tok + 2, tlen - 3);
        if (m >= 0) {
            strv items = {0};
            expand_list(cx, (list_macro)m, &items);
            if (!shell) {
                for (size_t i = 0; i < items.n; i++)
                    strv_push(out, items.items[i]);
                free(items.items);
            } else {
                if (items.n) {
                    tt_buf line = {0};
                    shell_append_list(&line, &items);
                    *piece = tt_buf_take(&line);
                }
                strv_clear(&items);
            }
            return 0;
        }
    }

    tt_buf b = {0};
    const char *p = tok;
    while (*p) {
        const char *open = strstr(p, "${");
        const char *close = open ? strchr(open + 2, '}') : NULL;
        if (!open || !close) {
            tt_buf_puts(&b, p);
            break;
        }
        tt_buf_append(&b, p, (size_t)(open - p));
        const char *name = open + 2;
        size_t nlen = (size_t)(close - name);
        char *val = NULL;
        int rc = expand_scalar(cx, name, nlen, &val, err);
        if (rc < 0) {
            tt_buf_free(&b);
            return rc;
        }
        if (rc == SCALAR_FOUND) {
            if (shell) {
                char *q = rn_launch_shell_quote(val);
                tt_buf_puts(&b, q);
                free(q);
            } else {
                tt_buf_puts(&b, val);
            }
            free(val);
        } else {
            int m = list_macro_of(name, nlen);
            if (m >= 0 && shell) {
                strv items = {0};
                expand_list(cx, (list_macro)m, &items);
                shell_append_list(&b, &items);
                strv_clear(&items);
            } else if (m >= 0) {
                tt_buf_free(&b);
                return tt_error_set(err, TT_ERR_INVALID,
                                    "command element '%s': ${%.*s} expands to several "
                                    "arguments and must be a whole element of the command",
                                    tok, (int)nlen, name);
            } else if (shell) {
                /* The user's own shell text (${HOME}, say): left as written. */
                tt_buf_append(&b, open, (size_t)(close - open) + 1);
            } else {
                tt_buf_free(&b);
                return tt_error_set(err, TT_ERR_INVALID,
                                    "command element '%s': unknown macro ${%.*s} (not a "
                                    "parameter or a W&B macro; for an environment variable "
                                    "write ${envvar:NAME})",
                                    tok, (int)nlen, name);
            }
        }
        p = close + 1;
    }
    char *text = tt_buf_take(&b);
    if (shell)
        *piece = text;
    else
        strv_push(out, text);
    return 0;
}

static void template_of(const tt_sweep *sw, const char *const **tokens, size_t *n)
{
    if (sw->command && sw->n_command) {
        *tokens = (const char *const *)sw->command;
        *n = sw->n_command;
    } else {
        *tokens = default_command;
        *n = sizeof default_command / sizeof default_command[0];
    }
}

bool rn_launch_uses_json_file(const tt_sweep *sw)
{
    const char *const *tokens;
    size_t n;
    template_of(sw, &tokens, &n);
    for (size_t i = 0; i < n; i++)
        if (tokens[i] && strstr(tokens[i], "${args_json_file}"))
            return true;
    return false;
}

char **rn_launch_argv(const tt_sweep *sw, const tt_assignment *a, long trial,
                      const char *trial_dir, const char *params_json_file,
                      const rn_launch_run *run, tt_error *err)
{
    expand_ctx cx = {
        .run = run,
        .sw = sw,
        .space = sw->space,
        .a = a,
        .trial = trial,
        .trial_dir = trial_dir,
        .json_file = params_json_file,
    };
    const char *const *tokens;
    size_t n;
    template_of(sw, &tokens, &n);

    strv out = {0};
    tt_buf line = {0};
    bool any = false;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char *piece = NULL;
        rc = expand_token(&cx, tokens[i] ? tokens[i] : "", sw->shell, &out, &piece, err);
        if (rc == 0 && piece) {
            if (any)
                tt_buf_puts(&line, " ");
            tt_buf_puts(&line, piece);
            any = true;
            free(piece);
        }
    }
    free(cx.json);
    if (rc == 0 && (sw->shell ? !any : out.n == 0))
        rc = tt_error_set(err, TT_ERR_INVALID, "the command expands to nothing to run");
    if (rc != 0) {
        strv_clear(&out);
        tt_buf_free(&line);
        return NULL;
    }
    if (sw->shell) {
        strv_push(&out, tt_xstrdup("/bin/sh"));
        strv_push(&out, tt_xstrdup("-c"));
        strv_push(&out, tt_buf_take(&line));
    }
    tt_buf_free(&line);
    return out.items;
}
