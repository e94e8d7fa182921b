/*
 * check — tt_space_finish: validate every parameter the way W&B's schema
 * does (plus the checks that keep our decode finite), then resolve the
 * `when:` conditions into an evaluation order with parents first.
 *
 * Messages name the parameter by its key path ("parameters.lr: ...") and say
 * what is wrong with the numbers the user wrote, so the config loader can
 * pass them on unchanged.
 */
#include "tunetop/space.h"

#include "space_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* exp() of anything above this overflows a double. */
#define LOG_DBL_MAX 709.0
/* The normal family decodes u in [1e-12, 1 - 1e-12]: |z| <= 7.04. */
#define NORMAL_Z_MAX 7.1

#define FMT(v, buf) tt_format_double((v), (buf), sizeof(buf))

static int invalid(tt_error *err, const tt_param *p, const char *what)
{
    return tt_error_set(err, TT_ERR_INVALID, "parameters.%s: %s", p->name, what);
}

static int check_number(tt_error *err, const tt_param *p, const char *key, double v)
{
    if (isfinite(v))
        return 0;
    char msg[128], b[40];
    snprintf(msg, sizeof msg, "%s must be a finite number, found %s", key, FMT(v, b));
    return invalid(err, p, msg);
}

static int check_positive(tt_error *err, const tt_param *p, const char *key, double v)
{
    int rc = check_number(err, p, key, v);
    if (rc)
        return rc;
    if (v > 0.0)
        return 0;
    char msg[128], b[40];
    snprintf(msg, sizeof msg, "%s (%s) must be greater than 0", key, FMT(v, b));
    return invalid(err, p, msg);
}

static int check_range(tt_error *err, const tt_param *p)
{
    int rc = check_number(err, p, "min", p->min);
    if (!rc)
        rc = check_number(err, p, "max", p->max);
    if (rc)
        return rc;
    if (p->min <= p->max)
        return 0;
    char msg[160], a[40], b[40];
    snprintf(msg, sizeof msg, "min (%s) must be less than or equal to max (%s)",
             FMT(p->min, a), FMT(p->max, b));
    return invalid(err, p, msg);
}

static int check_categorical(tt_param *p, tt_error *err)
{
    if (p->dist == TT_DIST_CONSTANT && p->n_values != 1)
        return invalid(err, p, "a constant needs exactly one value");
    if (p->n_values == 0)
        return invalid(err, p, "values must list at least one choice");
    if (!p->probabilities)
        return 0;
    double sum = 0.0;
    for (size_t i = 0; i < p->n_values; i++) {
        double w = p->probabilities[i];
        if (!isfinite(w) || w < 0.0) {
            char msg[128], b[40];
            snprintf(msg, sizeof msg, "probabilities[%zu] (%s) must be a number >= 0", i,
                     FMT(w, b));
            return invalid(err, p, msg);
        }
        sum += w;
    }
    if (fabs(sum - 1.0) > 1e-6) {
        char msg[128], b[40];
        snprintf(msg, sizeof msg, "probabilities must sum to 1, they sum to %s", FMT(sum, b));
        return invalid(err, p, msg);
    }
    /* Normalise so the bins tile [0, 1] exactly. */
    for (size_t i = 0; i < p->n_values; i++)
        p->probabilities[i] /= sum;
    return 0;
}

static int check_quantum(tt_param *p, tt_error *err)
{
    int rc = check_positive(err, p, "q", p->q);
    if (rc)
        return rc;
    if (p->is_int && p->q != floor(p->q)) {
        char msg[128], b[40];
        snprintf(msg, sizeof msg, "q (%s) must be an integer for an integer parameter",
                 FMT(p->q, b));
        return invalid(err, p, msg);
    }
    double kmin, kmax, lo, hi;
    space_q_range(p, &kmin, &kmax);
    if (kmin <= kmax)
        return 0;
    space_support(p, &lo, &hi);
    char msg[200], a[40], b[40], c[40];
    snprintf(msg, sizeof msg, "no multiple of q (%s) lies between %s and %s", FMT(p->q, c),
             FMT(lo, a), FMT(hi, b));
    return invalid(err, p, msg);
}

static int check_param(tt_param *p, tt_error *err)
{
    int rc = 0;
    switch (p->dist) {
    case TT_DIST_CONSTANT:
    case TT_DIST_CATEGORICAL:
        return check_categorical(p, err);
    case TT_DIST_INT_UNIFORM:
        if ((rc = check_range(err, p)))
            return rc;
        if (p->min != floor(p->min) || p->max != floor(p->max))
            return invalid(err, p, "int_uniform needs integer min and max");
        if (p->max - p->min >= 9007199254740992.0)
            return invalid(err, p, "the range of int_uniform is too large");
        p->is_int = true;
        return 0;
    case TT_DIST_UNIFORM:
    case TT_DIST_Q_UNIFORM:
        rc = check_range(err, p);
        break;
    case TT_DIST_LOG_UNIFORM:
    case TT_DIST_Q_LOG_UNIFORM:
    case TT_DIST_INV_LOG_UNIFORM:
        if ((rc = check_range(err, p)))
            return rc;
        if (fabs(p->min) > LOG_DBL_MAX || fabs(p->max) > LOG_DBL_MAX)
            return invalid(err, p,
                           "min and max are natural-log exponents and must lie within "
                           "[-709, 709] (use log_uniform_values to give the values)");
        break;
    case TT_DIST_LOG_UNIFORM_VALUES:
    case TT_DIST_Q_LOG_UNIFORM_VALUES:
    case TT_DIST_INV_LOG_UNIFORM_VALUES:
        if ((rc = check_range(err, p)))
            return rc;
        if (!(p->min > 0.0)) {
            char msg[160], b[40];
            snprintf(msg, sizeof msg,
                     "min (%s) must be greater than 0 for %s (min and max are values)",
                     FMT(p->min, b), tt_dist_name(p->dist));
            return invalid(err, p, msg);
        }
        break;
    case TT_DIST_NORMAL:
    case TT_DIST_Q_NORMAL:
    case TT_DIST_LOG_NORMAL:
    case TT_DIST_Q_LOG_NORMAL:
        if ((rc = check_number(err, p, "mu", p->mu)) ||
            (rc = check_positive(err, p, "sigma", p->sigma)))
            return rc;
        if ((p->dist == TT_DIST_LOG_NORMAL || p->dist == TT_DIST_Q_LOG_NORMAL) &&
            fabs(p->mu) + NORMAL_Z_MAX * p->sigma > LOG_DBL_MAX)
            return invalid(err, p, "mu and sigma are so large that exp() overflows");
        if (fabs(p->mu) + NORMAL_Z_MAX * p->sigma > 1e300)
            return invalid(err, p, "mu and sigma are too large");
        break;
    case TT_DIST_BETA:
    case TT_DIST_Q_BETA:
        if ((rc = check_positive(err, p, "a", p->a)) ||
            (rc = check_positive(err, p, "b", p->b)))
            return rc;
        break;
    default:
        return invalid(err, p, "unknown distribution");
    }
    if (rc)
        return rc;
    if (space_is_quantized(p->dist))
        return check_quantum(p, err);
    return 0;
}

/* A condition value the parent can take (categorical: one of its values;
 * numeric: a number the parent contains). */
static bool parent_can_take(const tt_param *parent, const tt_value *v)
{
    if (parent->dist == TT_DIST_CONSTANT || parent->dist == TT_DIST_CATEGORICAL) {
        for (size_t i = 0; i < parent->n_values; i++)
            if (tt_value_equal(&parent->values[i], v))
                return true;
        return false;
    }
    if (v->kind == TT_VALUE_INT)
        return tt_param_contains(parent, (double)v->i);
    if (v->kind == TT_VALUE_FLOAT)
        return tt_param_contains(parent, v->f);
    return false;
}

/* The known name closest to name, for "did you mean". */
static const char *closest_name(const tt_space *s, const char *name)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; i < s->n; i++) {
        size_t d = tt_edit_distance(name, s->params[i].name);
        if (d < best_d) {
            best_d = d;
            best = s->params[i].name;
        }
    }
    size_t len = strlen(name);
    return best && best_d <= (len < 6 ? 2 : len / 3) ? best : NULL;
}

static int resolve_conditions(tt_space *s, tt_error *err)
{
    for (size_t i = 0; i < s->n; i++) {
        tt_param *p = &s->params[i];
        for (size_t c = 0; c < p->n_conditions; c++) {
            tt_condition *cond = &p->conditions[c];
            if (cond->parent_name) {
                long k = tt_space_find(s, cond->parent_name);
                if (k < 0) {
                    const char *hint = closest_name(s, cond->parent_name);
                    return tt_error_set(err, TT_ERR_INVALID,
                                        "parameters.%s: condition on unknown parameter '%s'%s%s%s",
                                        p->name, cond->parent_name,
                                        hint ? " (did you mean '" : "", hint ? hint : "",
                                        hint ? "'?)" : "");
                }
                cond->parent = (size_t)k;
            } else if (cond->parent >= s->n) {
                return invalid(err, p, "condition on a parameter that does not exist");
            }
            const tt_param *parent = &s->params[cond->parent];
            if (cond->parent == i)
                return invalid(err, p, "a parameter cannot be conditional on itself");
            if (cond->n_values == 0)
                return tt_error_set(err, TT_ERR_INVALID,
                                    "parameters.%s: the condition on '%s' lists no values",
                                    p->name, parent->name);
            for (size_t v = 0; v < cond->n_values; v++) {
                if (parent_can_take(parent, &cond->values[v]))
                    continue;
                char b[128];
                tt_value_format(&cond->values[v], b, sizeof b);
                return tt_error_set(err, TT_ERR_INVALID,
                                    "parameters.%s: condition value %s can never be taken by "
                                    "'%s'",
                                    p->name, b, parent->name);
            }
        }
    }
    return 0;
}

/* Describe one cycle among the parameters not yet placed ("a -> b -> a"). */
static int report_cycle(const tt_space *s, const bool *placed, tt_error *err)
{
    size_t start = 0;
    while (start < s->n && placed[start])
        start++;
    /* Every unplaced parameter has an unplaced parent; walking parent links
     * from any of them must revisit one, which lies on a cycle. */
    size_t *seen_at = tt_xcalloc(s->n, sizeof *seen_at);
    size_t *path = tt_xmalloc((s->n + 1) * sizeof *path);
    size_t len = 0, at = start;
    while (!seen_at[at]) {
        path[len++] = at;
        seen_at[at] = len;
        const tt_param *p = &s->params[at];
        size_t next = at;
        for (size_t c = 0; c < p->n_conditions; c++)
            if (!placed[p->conditions[c].parent]) {
                next = p->conditions[c].parent;
                break;
            }
        at = next;
    }
    tt_buf b = {0};
    for (size_t k = seen_at[at] - 1; k < len; k++) {
        tt_buf_puts(&b, s->params[path[k]].name);
        tt_buf_puts(&b, " -> ");
    }
    tt_buf_puts(&b, s->params[at].name);
    int rc = tt_error_set(err, TT_ERR_INVALID,
                          "parameters.%s: conditions form a cycle (%s; each is conditional "
                          "on the next)",
                          s->params[at].name, b.data);
    tt_buf_free(&b);
    free(path);
    free(seen_at);
    return rc;
}

/* Kahn's algorithm, always taking the earliest-declared ready parameter so
 * the order is declaration order wherever conditions allow. */
static int build_order(tt_space *s, tt_error *err)
{
    size_t *order = tt_xmalloc((s->n ? s->n : 1) * sizeof *order);
    bool *placed = tt_xcalloc(s->n ? s->n : 1, sizeof *placed);
    size_t done = 0;
    while (done < s->n) {
        size_t pick = s->n;
        for (size_t i = 0; i < s->n && pick == s->n; i++) {
            if (placed[i])
                continue;
            bool ready = true;
            const tt_param *p = &s->params[i];
            for (size_t c = 0; c < p->n_conditions && ready; c++)
                ready = placed[p->conditions[c].parent];
            if (ready)
                pick = i;
        }
        if (pick == s->n) {
            int rc = report_cycle(s, placed, err);
            free(placed);
            free(order);
            return rc;
        }
        placed[pick] = true;
        order[done++] = pick;
    }
    free(placed);
    free(s->order);
    s->order = order;
    return 0;
}

int tt_space_finish(tt_space *s, tt_error *err)
{
    for (size_t i = 0; i < s->n; i++) {
        tt_param *p = &s->params[i];
        if (!p->name || !p->name[0])
            return tt_error_set(err, TT_ERR_INVALID, "parameters: a parameter has no name");
        if ((unsigned)p->dist >= TT_DIST_COUNT)
            return invalid(err, p, "unknown distribution");
        for (size_t j = 0; j < i; j++)
            if (strcmp(s->params[j].name, p->name) == 0)
                return invalid(err, p, "is defined twice");
        int rc = check_param(p, err);
        if (rc)
            return rc;
    }
    int rc = resolve_conditions(s, err);
    if (rc)
        return rc;
    return build_order(s, err);
}
