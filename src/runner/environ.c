/*
 * environ — what a trial learns besides its argv: the parameters as one JSON
 * object (TUNETOP_PARAMS, ${args_json}, params.json) and as one variable per
 * parameter, where its files go, which fold it is, which GPU it may use.
 *
 * The environment is how a trial in any language gets its parameters without
 * parsing flags, so it is complete and typed (the JSON) as well as trivial to
 * read from a shell script (TUNETOP_PARAM_<NAME>).
 */
#include "launch.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* JSON string body escaping: quotes, backslash and every control character;
 * other bytes (UTF-8) pass through, which JSON allows. */
static void json_string(tt_buf *b, const char *s)
{
    tt_buf_puts(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            tt_buf_puts(b, "\\\"");
            break;
        case '\\':
            tt_buf_puts(b, "\\\\");
            break;
        case '\n':
            tt_buf_puts(b, "\\n");
            break;
        case '\r':
            tt_buf_puts(b, "\\r");
            break;
        case '\t':
            tt_buf_puts(b, "\\t");
            break;
        case '\b':
            tt_buf_puts(b, "\\b");
            break;
        case '\f':
            tt_buf_puts(b, "\\f");
            break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                tt_buf_printf(b, "\\u%04x", *p);
            else
                tt_buf_append(b, (const char *)p, 1);
        }
    }
    tt_buf_puts(b, "\"");
}

static void json_value(tt_buf *b, const tt_value *v)
{
    char num[64];
    switch (v->kind) {
    case TT_VALUE_NULL:
        tt_buf_puts(b, "null");
        break;
    case TT_VALUE_BOOL:
        tt_buf_puts(b, v->b ? "true" : "false");
        break;
    case TT_VALUE_INT:
        tt_buf_printf(b, "%" PRId64, v->i);
        break;
    case TT_VALUE_FLOAT:
        /* JSON has no NaN or infinity; a float that prints like an integer
         * keeps ".0" so that typed readers (Python's json) still see a
         * float. */
        if (!isfinite(v->f)) {
            tt_buf_puts(b, "null");
            break;
        }
        tt_format_double(v->f, num, sizeof num);
        tt_buf_puts(b, num);
        if (!strpbrk(num, ".eE"))
            tt_buf_puts(b, ".0");
        break;
    case TT_VALUE_STRING:
        /* A list or mapping value is already JSON text. */
        if (v->json && v->s)
            tt_buf_puts(b, v->s);
        else
            json_string(b, v->s ? v->s : "");
        break;
    }
}

char *rn_launch_params_json(const tt_space *s, const tt_assignment *a)
{
    tt_buf b = {0};
    bool first = true;
    tt_buf_puts(&b, "{");
    for (size_t i = 0; s && i < s->n && i < a->n; i++) {
        if (!a->active[i])
            continue;
        /* W&B writes json.dumps(...) with its default ", " and ": ". */
        if (!first)
            tt_buf_puts(&b, ", ");
        first = false;
        json_string(&b, s->params[i].name ? s->params[i].name : "");
        tt_buf_puts(&b, ": ");
        tt_value v = tt_space_value(s, a, i);
        json_value(&b, &v);
    }
    tt_buf_puts(&b, "}");
    return tt_buf_take(&b);
}

char *rn_launch_param_text(const tt_space *s, const tt_assignment *a, size_t i)
{
    if (!s || i >= s->n || i >= a->n || !a->active[i])
        return tt_xstrdup("");
    tt_value v = tt_space_value(s, a, i);
    char buf[64];
    switch (v.kind) {
    case TT_VALUE_NULL:
        return tt_xstrdup("None");              /* Python's str(None) */
    case TT_VALUE_BOOL:
        return tt_xstrdup(v.b ? "True" : "False"); /* Python's str(bool) */
    case TT_VALUE_STRING:
        /* Straight from the space: no fixed-size buffer may cut it. */
        return tt_xstrdup(v.s ? v.s : "");
    case TT_VALUE_INT:
    case TT_VALUE_FLOAT:
        break;
    }
    return tt_xstrdup(tt_space_format(s, a, i, buf, sizeof buf));
}

char *rn_launch_param_env_name(const char *param_name)
{
    tt_buf b = {0};
    tt_buf_puts(&b, "TUNETOP_PARAM_");
    for (const unsigned char *p = (const unsigned char *)param_name; *p; p++) {
        char c = (*p < 0x80 && isalnum(*p)) ? (char)toupper(*p) : '_';
        tt_buf_append(&b, &c, 1);
    }
    return tt_buf_take(&b);
}

/* A growable envp. */
typedef struct envv {
    char **items;
    size_t n, cap;
} envv;

static void env_remove(envv *e, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < e->n;) {
        if (strncmp(e->items[i], name, len) == 0 && e->items[i][len] == '=') {
            free(e->items[i]);
            memmove(&e->items[i], &e->items[i + 1], (e->n - i) * sizeof *e->items);
            e->n--;
        } else {
            i++;
        }
    }
}

/* Set name=value, replacing an earlier entry of the same name. */
static void env_set(envv *e, const char *name, const char *value)
{
    env_remove(e, name);
    tt_grow((void **)&e->items, &e->cap, e->n + 2, sizeof *e->items);
    e->items[e->n++] = tt_xasprintf("%s=%s", name, value);
    e->items[e->n] = NULL;
}

/* dir + "/" + leaf, without doubling a trailing slash. */
static bool env_has(const envv *e, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < e->n; i++)
        if (strncmp(e->items[i], name, n) == 0 && e->items[i][n] == '=')
            return true;
    return false;
}

static char *path_join(const char *dir, const char *leaf)
{
    size_t n = strlen(dir);
    if (n && dir[n - 1] == '/')
        return tt_xasprintf("%s%s", dir, leaf);
    return tt_xasprintf("%s/%s", dir, leaf);
}

char **rn_launch_env(char **base_environ, const tt_sweep *sw, const tt_assignment *a,
                     long trial, const char *trial_dir, const rn_launch_run *run,
                     const char *cuda_devices)
{
    envv e = {0};
    tt_grow((void **)&e.items, &e.cap, 1, sizeof *e.items);
    e.items[0] = NULL;
    for (char **p = base_environ; p && *p; p++) {
        /* A trial started from inside another trial (or a test run under
         * tunetop) must not inherit the outer trial's identity. */
        if (strncmp(*p, "TUNETOP_", 8) == 0 && strncmp(*p, "TUNETOP_SHARED=", 15) != 0)
            continue;
        if (cuda_devices && strncmp(*p, "CUDA_VISIBLE_DEVICES=", 21) == 0)
            continue;
        if (!strchr(*p, '='))
            continue;
        tt_grow((void **)&e.items, &e.cap, e.n + 2, sizeof *e.items);
        e.items[e.n++] = tt_xstrdup(*p);
        e.items[e.n] = NULL;
    }

    char num[32];
    snprintf(num, sizeof num, "%ld", trial);
    env_set(&e, "TUNETOP_TRIAL_ID", num);
    const char *dir = trial_dir ? trial_dir : ".";
    env_set(&e, "TUNETOP_TRIAL_DIR", dir);

    const tt_space *s = sw ? sw->space : NULL;
    char *json = s ? rn_launch_params_json(s, a) : tt_xstrdup("{}");
    env_set(&e, "TUNETOP_PARAMS", json);
    free(json);
    for (size_t i = 0; s && i < s->n && i < a->n; i++) {
        if (!a->active[i])
            continue;
        char *name = rn_launch_param_env_name(s->params[i].name ? s->params[i].name : "");
        char *text = rn_launch_param_text(s, a, i);
        env_set(&e, name, text);
        free(name);
        free(text);
    }

    char *metrics = path_join(dir, "metrics.csv");
    env_set(&e, "TUNETOP_METRICS_FILE", metrics);
    free(metrics);
    char *ckpt = path_join(dir, "checkpoints");
    env_set(&e, "TUNETOP_CHECKPOINT_DIR", ckpt);
    free(ckpt);
    if (run && run->folds > 0) {
        snprintf(num, sizeof num, "%d", run->fold);
        env_set(&e, "TUNETOP_FOLD", num);
        snprintf(num, sizeof num, "%d", run->folds);
        env_set(&e, "TUNETOP_FOLDS", num);
    }
    if (run && run->repeats > 1) {
        snprintf(num, sizeof num, "%d", run->repeat);
        env_set(&e, "TUNETOP_REPEAT", num);
        snprintf(num, sizeof num, "%d", run->repeats);
        env_set(&e, "TUNETOP_REPEATS", num);
    }
    /* W&B's agent hands its runs the sweep's project and entity, so a
     * trainer's wandb.init() logs where the sweep file says; a value the
     * user set in the environment wins, as it does for wandb. */
    if (sw && sw->project && !env_has(&e, "WANDB_PROJECT"))
        env_set(&e, "WANDB_PROJECT", sw->project);
    if (sw && sw->entity && !env_has(&e, "WANDB_ENTITY"))
        env_set(&e, "WANDB_ENTITY", sw->entity);
    if (cuda_devices)
        env_set(&e, "CUDA_VISIBLE_DEVICES", cuda_devices);
    return e.items;
}
