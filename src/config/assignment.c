/*
 * assignment — parameters given as text (`enqueue`, the dashboard's "run
 * these again", resumed studies): a JSON or YAML mapping of flattened names
 * to values, checked against the space so that nothing the space could not
 * produce is ever run.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* x for one parameter from a scalar, or false with err filled. */
static bool param_x(const tt_param *p, const cfg_node *n, double *x, tt_error *err)
{
    char found[128];
    if (p->dist == TT_DIST_CATEGORICAL || p->dist == TT_DIST_CONSTANT) {
        tt_value v;
        /* A list or mapping matches a choice written as one (by its JSON
         * text, which does not depend on how the YAML spelled it). */
        bool read = n->kind == CFG_SCALAR ? cfg_scalar_value(n, &v) : cfg_node_json_text(n, &v);
        if (!read) {
            tt_error_set(err, TT_ERR_INVALID, "%s: expected one of its values, found %s", p->name,
                         cfg_found(n, found, sizeof found));
            return false;
        }
        for (size_t k = 0; k < p->n_values; k++) {
            tt_value alt = v;
            bool same = tt_value_equal(&p->values[k], &v);
            /* "32" for a value written 32, and 1 for 1.0, are the same choice. */
            if (!same && v.kind == TT_VALUE_STRING) {
                double num;
                bool is_int;
                if (cfg_scalar_number(n, &num, &is_int)) {
                    alt.kind = is_int ? TT_VALUE_INT : TT_VALUE_FLOAT;
                    alt.i = (int64_t)num;
                    alt.f = num;
                    same = tt_value_equal(&p->values[k], &alt);
                }
            }
            if (same) {
                *x = (double)k;
                tt_value_clear(&v);
                return true;
            }
        }
        tt_value_clear(&v);
        tt_error_set(err, TT_ERR_INVALID, "%s: %s is not one of its values", p->name,
                     cfg_found(n, found, sizeof found));
        return false;
    }
    double num;
    bool is_int;
    if (!cfg_scalar_number(n, &num, &is_int) || !isfinite(num)) {
        tt_error_set(err, TT_ERR_INVALID, "%s: expected a number, found %s", p->name,
                     cfg_found(n, found, sizeof found));
        return false;
    }
    if (!tt_param_contains(p, num)) {
        tt_error_set(err, TT_ERR_INVALID, "%s: %s is outside its range", p->name, n->text);
        return false;
    }
    *x = num;
    return true;
}

int tt_config_parse_params(const tt_space *space, const char *text, tt_assignment *out,
                           tt_error *err)
{
    tt_diags diags = {0};
    cfg_doc doc = {0};
    int rc = 0;
    if (cfg_parse(&doc, "params", text, strlen(text), &diags) < 0 || diags.n_errors > 0 ||
        !doc.root || doc.root->kind != CFG_MAP) {
        rc = tt_error_set(err, TT_ERR_INVALID, "expected a mapping of parameter names to values%s%s",
                          diags.n ? ": " : "", diags.n ? diags.items[0].message : "");
        goto out;
    }
    bool *given = tt_xcalloc(space->n ? space->n : 1, sizeof *given);
    for (size_t i = 0; i < doc.root->n_pairs && rc == 0; i++) {
        const cfg_node *k = doc.root->pairs[i].key, *v = doc.root->pairs[i].value;
        long idx = k->kind == CFG_SCALAR ? tt_space_find(space, k->text) : -1;
        if (idx < 0)
            rc = tt_error_set(err, TT_ERR_INVALID, "unknown parameter '%s'",
                              k->kind == CFG_SCALAR ? k->text : "?");
        else if (param_x(&space->params[idx], v, &out->x[idx], err))
            given[idx] = true;
        else
            rc = -TT_ERR_INVALID;
    }
    if (rc == 0) {
        tt_space_update_active(space, out);
        for (size_t i = 0; i < space->n && rc == 0; i++) {
            if (out->active[i] && !given[i] && space->params[i].dist == TT_DIST_CONSTANT)
                given[i] = true; /* a constant needs no value */
            if (out->active[i] && !given[i])
                rc = tt_error_set(err, TT_ERR_INVALID, "missing a value for parameter '%s'",
                                  space->params[i].name);
        }
    }
    free(given);
out:
    cfg_doc_free(&doc);
    tt_diags_free(&diags);
    return rc;
}
