/*
 * space — the parameter list and the points drawn from it: building a space,
 * deciding which conditional parameters are active, turning unit-cube points
 * into assignments, and the text of a value as it goes to a trial.
 *
 * Sampling draws one uniform per parameter in declaration order, whether the
 * parameter turns out active or not, so a condition flipping never shifts
 * the random stream of the parameters after it.
 */
#include "tunetop/space.h"

#include "space_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

tt_space *tt_space_new(void)
{
    return tt_xcalloc(1, sizeof(tt_space));
}

void tt_param_clear(tt_param *p)
{
    free(p->name);
    for (size_t i = 0; i < p->n_values; i++)
        tt_value_clear(&p->values[i]);
    free(p->values);
    free(p->probabilities);
    for (size_t c = 0; c < p->n_conditions; c++) {
        tt_condition *cond = &p->conditions[c];
        free(cond->parent_name);
        for (size_t i = 0; i < cond->n_values; i++)
            tt_value_clear(&cond->values[i]);
        free(cond->values);
    }
    free(p->conditions);
    memset(p, 0, sizeof *p);
}

void tt_space_free(tt_space *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        tt_param_clear(&s->params[i]);
    free(s->params);
    free(s->order);
    free(s);
}

size_t tt_space_add(tt_space *s, tt_param *p)
{
    s->params = tt_xrealloc(s->params, (s->n + 1) * sizeof *s->params);
    s->params[s->n] = *p;
    /* The space owns the pointers now; a later tt_param_clear(p) by the
     * caller must not free them. */
    memset(p, 0, sizeof *p);
    /* The evaluation order is stale until the next tt_space_finish. */
    free(s->order);
    s->order = NULL;
    return s->n++;
}

long tt_space_find(const tt_space *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->params[i].name && strcmp(s->params[i].name, name) == 0)
            return (long)i;
    return -1;
}

tt_assignment tt_assignment_new(size_t n)
{
    tt_assignment a;
    a.n = n;
    a.x = tt_xcalloc(n ? n : 1, sizeof *a.x);
    a.active = tt_xcalloc(n ? n : 1, sizeof *a.active);
    for (size_t i = 0; i < n; i++)
        a.active[i] = true;
    return a;
}

void tt_assignment_free(tt_assignment *a)
{
    free(a->x);
    free(a->active);
    a->x = NULL;
    a->active = NULL;
    a->n = 0;
}

void tt_assignment_copy(tt_assignment *dst, const tt_assignment *src)
{
    if (dst->n != src->n || !dst->x) {
        tt_assignment_free(dst);
        *dst = tt_assignment_new(src->n);
    }
    if (src->n) {
        memcpy(dst->x, src->x, src->n * sizeof *src->x);
        memcpy(dst->active, src->active, src->n * sizeof *src->active);
    }
}

/* Parameter index at position k of the evaluation order (declaration order
 * before tt_space_finish has run). */
static size_t order_at(const tt_space *s, size_t k)
{
    return s->order ? s->order[k] : k;
}

/* Whether parameter `parent` taking value x satisfies cond. */
static bool condition_holds(const tt_space *s, const tt_condition *cond, double x)
{
    const tt_param *parent = &s->params[cond->parent];
    if (parent->dist == TT_DIST_CONSTANT || parent->dist == TT_DIST_CATEGORICAL) {
        if (!(x >= 0.0) || x >= (double)parent->n_values)
            return false;
        const tt_value *v = &parent->values[(size_t)x];
        for (size_t i = 0; i < cond->n_values; i++)
            if (tt_value_equal(v, &cond->values[i]))
                return true;
        return false;
    }
    for (size_t i = 0; i < cond->n_values; i++) {
        const tt_value *want = &cond->values[i];
        double w;
        if (want->kind == TT_VALUE_INT)
            w = (double)want->i;
        else if (want->kind == TT_VALUE_FLOAT)
            w = want->f;
        else
            continue;
        if (fabs(x - w) <= SPACE_Q_TOLERANCE * fmax(1.0, fabs(w)))
            return true;
    }
    return false;
}

/* Active iff every condition holds and every parent is itself active; the
 * parents' activity is already known because they come first in order. */
static bool param_active(const tt_space *s, const tt_assignment *a, size_t i)
{
    const tt_param *p = &s->params[i];
    for (size_t c = 0; c < p->n_conditions; c++) {
        const tt_condition *cond = &p->conditions[c];
        if (cond->parent >= s->n || !a->active[cond->parent])
            return false;
        if (!condition_holds(s, cond, a->x[cond->parent]))
            return false;
    }
    return true;
}

void tt_space_update_active(const tt_space *s, tt_assignment *a)
{
    for (size_t k = 0; k < s->n; k++) {
        size_t i = order_at(s, k);
        a->active[i] = param_active(s, a, i);
    }
}

void tt_space_decode(const tt_space *s, const double *u, tt_assignment *a)
{
    for (size_t k = 0; k < s->n; k++) {
        size_t i = order_at(s, k);
        a->active[i] = param_active(s, a, i);
        a->x[i] = a->active[i] ? tt_param_decode(&s->params[i], u[i]) : 0.0;
    }
}

void tt_space_sample(const tt_space *s, tt_rng *rng, tt_assignment *a)
{
    double *u = tt_xmalloc((s->n ? s->n : 1) * sizeof *u);
    for (size_t i = 0; i < s->n; i++)
        u[i] = tt_rng_uniform(rng);
    tt_space_decode(s, u, a);
    free(u);
}

tt_value tt_space_value(const tt_space *s, const tt_assignment *a, size_t i)
{
    tt_value v;
    memset(&v, 0, sizeof v);
    v.kind = TT_VALUE_NULL;
    if (i >= s->n || !a->active[i])
        return v;
    const tt_param *p = &s->params[i];
    double x = a->x[i];
    if (p->dist == TT_DIST_CONSTANT || p->dist == TT_DIST_CATEGORICAL) {
        if (x >= 0.0 && x < (double)p->n_values)
            v = p->values[(size_t)x];
        return v;
    }
    if ((p->is_int || p->dist == TT_DIST_INT_UNIFORM) && fabs(x) < 9.2e18) {
        v.kind = TT_VALUE_INT;
        v.i = (int64_t)llround(x);
    } else {
        v.kind = TT_VALUE_FLOAT;
        v.f = x;
    }
    return v;
}

char *tt_space_format(const tt_space *s, const tt_assignment *a, size_t i, char *buf,
                      size_t n)
{
    if (n == 0)
        return buf;
    buf[0] = '\0';
    if (i >= s->n || !a->active[i])
        return buf;
    tt_value v = tt_space_value(s, a, i);
    return tt_value_format(&v, buf, n);
}
