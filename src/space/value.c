/*
 * value — the scalars of a sweep file (tt_value) and the names of the W&B
 * distributions. Kept apart from the numeric code: this is the vocabulary the
 * config loader and the formatters share.
 */
#include "tunetop/space.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const dist_names[TT_DIST_COUNT] = {
    [TT_DIST_CONSTANT] = "constant",
    [TT_DIST_CATEGORICAL] = "categorical",
    [TT_DIST_INT_UNIFORM] = "int_uniform",
    [TT_DIST_UNIFORM] = "uniform",
    [TT_DIST_Q_UNIFORM] = "q_uniform",
    [TT_DIST_LOG_UNIFORM] = "log_uniform",
    [TT_DIST_LOG_UNIFORM_VALUES] = "log_uniform_values",
    [TT_DIST_Q_LOG_UNIFORM] = "q_log_uniform",
    [TT_DIST_Q_LOG_UNIFORM_VALUES] = "q_log_uniform_values",
    [TT_DIST_INV_LOG_UNIFORM] = "inv_log_uniform",
    [TT_DIST_INV_LOG_UNIFORM_VALUES] = "inv_log_uniform_values",
    [TT_DIST_NORMAL] = "normal",
    [TT_DIST_Q_NORMAL] = "q_normal",
    [TT_DIST_LOG_NORMAL] = "log_normal",
    [TT_DIST_Q_LOG_NORMAL] = "q_log_normal",
    [TT_DIST_BETA] = "beta",
    [TT_DIST_Q_BETA] = "q_beta",
};

bool tt_dist_log_axis(tt_dist d)
{
    switch (d) {
    case TT_DIST_LOG_UNIFORM:
    case TT_DIST_LOG_UNIFORM_VALUES:
    case TT_DIST_Q_LOG_UNIFORM:
    case TT_DIST_Q_LOG_UNIFORM_VALUES:
    case TT_DIST_INV_LOG_UNIFORM:
    case TT_DIST_INV_LOG_UNIFORM_VALUES:
    case TT_DIST_LOG_NORMAL:
    case TT_DIST_Q_LOG_NORMAL:
        return true;
    default:
        return false;
    }
}

const char *tt_dist_name(tt_dist d)
{
    if ((unsigned)d >= TT_DIST_COUNT)
        return "unknown";
    return dist_names[d];
}

int tt_dist_from_name(const char *name)
{
    if (!name)
        return -1;
    for (int d = 0; d < TT_DIST_COUNT; d++)
        if (strcmp(dist_names[d], name) == 0)
            return d;
    return -1;
}

tt_value tt_value_copy(const tt_value *v)
{
    tt_value c = *v;
    if (v->kind == TT_VALUE_STRING && v->s)
        c.s = tt_xstrdup(v->s);
    else
        c.s = NULL;
    return c;
}

void tt_value_clear(tt_value *v)
{
    if (v->kind == TT_VALUE_STRING)
        free(v->s);
    memset(v, 0, sizeof *v);
    v->kind = TT_VALUE_NULL;
}

static bool is_number(const tt_value *v)
{
    return v->kind == TT_VALUE_INT || v->kind == TT_VALUE_FLOAT;
}

static double number_of(const tt_value *v)
{
    return v->kind == TT_VALUE_INT ? (double)v->i : v->f;
}

bool tt_value_equal(const tt_value *a, const tt_value *b)
{
    /* 1 and 1.0 are the same value: YAML writers mix them freely. */
    if (is_number(a) && is_number(b)) {
        if (a->kind == TT_VALUE_INT && b->kind == TT_VALUE_INT)
            return a->i == b->i;
        return number_of(a) == number_of(b);
    }
    if (a->kind != b->kind)
        return false;
    switch (a->kind) {
    case TT_VALUE_NULL:
        return true;
    case TT_VALUE_BOOL:
        return a->b == b->b;
    case TT_VALUE_STRING:
        return a->json == b->json && strcmp(a->s ? a->s : "", b->s ? b->s : "") == 0;
    default:
        return false;
    }
}

char *tt_value_format(const tt_value *v, char *buf, size_t n)
{
    if (n == 0)
        return buf;
    switch (v->kind) {
    case TT_VALUE_NULL:
        snprintf(buf, n, "null");
        break;
    case TT_VALUE_BOOL:
        snprintf(buf, n, "%s", v->b ? "true" : "false");
        break;
    case TT_VALUE_INT:
        snprintf(buf, n, "%" PRId64, v->i);
        break;
    case TT_VALUE_FLOAT: {
        char tmp[40];
        tt_format_double(v->f, tmp, sizeof tmp);
        snprintf(buf, n, "%s", tmp);
        break;
    }
    case TT_VALUE_STRING:
        snprintf(buf, n, "%s", v->s ? v->s : "");
        break;
    }
    return buf;
}
