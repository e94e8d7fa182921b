/*
 * filter — what the trial list shows and in which order: the `/` filter
 * language (`state=failed`, `lr>0.01`, `optimizer=adam`, free text; terms
 * joined by AND) and the comparison behind sorting by any column. Pure: a
 * trial record in, a verdict out; the list panel (trials.c) applies them.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

static bool parse_number(const char *s, double *out)
{
    if (!s || !*s)
        return false;
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end)
        return false;
    *out = v;
    return true;
}

void ui_filter_free(ui_filter *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free(f->terms[i].key);
        free(f->terms[i].text);
    }
    free(f->terms);
    f->terms = NULL;
    f->n = 0;
}

/* Find the operator in a term: the first of < > = ! ~ after the key. */
static ui_filter_op split_term(const char *t, size_t *key_len, size_t *op_len)
{
    size_t i = strcspn(t, "<>=!~");
    if (!t[i])
        return UI_OP_TEXT;
    *key_len = i;
    const char *o = t + i;
    if (strncmp(o, "==", 2) == 0)
        return *op_len = 2, UI_OP_EQ;
    if (strncmp(o, "!=", 2) == 0)
        return *op_len = 2, UI_OP_NE;
    if (strncmp(o, "<=", 2) == 0)
        return *op_len = 2, UI_OP_LE;
    if (strncmp(o, ">=", 2) == 0)
        return *op_len = 2, UI_OP_GE;
    *op_len = 1;
    switch (*o) {
    case '=': return UI_OP_EQ;
    case '<': return UI_OP_LT;
    case '>': return UI_OP_GT;
    case '~': return UI_OP_CONTAINS;
    default: return UI_OP_TEXT;  /* a lone '!' is text */
    }
}

int ui_filter_parse(const char *text, ui_filter *out, char *msg, size_t msg_n)
{
    memset(out, 0, sizeof *out);
    size_t cap = 0;
    const char *p = text ? text : "";
    while (*p) {
        while (isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        size_t len = 0;
        while (p[len] && !isspace((unsigned char)p[len]))
            len++;
        char *t = tt_xstrndup(p, len);
        p += len;
        ui_filter_term term = {0};
        size_t key_len = 0, op_len = 0;
        term.op = split_term(t, &key_len, &op_len);
        if (term.op == UI_OP_TEXT) {
            term.text = t;
        } else {
            if (key_len == 0 || !t[key_len + op_len]) {
                snprintf(msg, msg_n, "'%s': expected KEY%.*sVALUE, e.g. state=failed or lr>0.01",
                         t, (int)op_len, t + key_len);
                free(t);
                ui_filter_free(out);
                return -1;
            }
            term.key = tt_xstrndup(t, key_len);
            term.text = tt_xstrdup(t + key_len + op_len);
            free(t);
        }
        term.numeric = parse_number(term.text, &term.number);
        tt_grow((void **)&out->terms, &cap, out->n + 1, sizeof *out->terms);
        out->terms[out->n++] = term;
    }
    return 0;
}

const char *ui_trial_param(const tt_trial_record *r, const char *name)
{
    for (size_t i = 0; i < r->n_params; i++)
        if (strcmp(r->param_names[i], name) == 0)
            return r->param_active && !r->param_active[i] ? NULL : r->param_text[i];
    return NULL;
}

/* How long a trial ran (runs: until now), from its stored start and end.
 * Both are wall-clock times, stored for display, and so is now: a step of
 * the clock back between them (NTP, a resumed VM) is not a negative
 * duration. Clamped at 0, like `export`'s duration_s. */
double ui_trial_duration(const tt_trial_record *r, double now)
{
    if (r->started_at <= 0)
        return NAN;
    double end = r->finished_at > 0 ? r->finished_at : now;
    return end >= r->started_at ? end - r->started_at : 0;
}

static bool compare_op(ui_filter_op op, int c)
{
    switch (op) {
    case UI_OP_EQ: return c == 0;
    case UI_OP_NE: return c != 0;
    case UI_OP_LT: return c < 0;
    case UI_OP_LE: return c <= 0;
    case UI_OP_GT: return c > 0;
    case UI_OP_GE: return c >= 0;
    default: return false;
    }
}

/* Compare a field (as text, and as a number when it is one) with a term. */
static bool match_field(const ui_filter_term *t, const char *text, bool has_num, double num)
{
    if (!text)
        return t->op == UI_OP_NE;
    if (t->op == UI_OP_CONTAINS)
        return strcasestr(text, t->text) != NULL;
    if (t->numeric && has_num) {
        if (isnan(num))
            return t->op == UI_OP_NE;
        return compare_op(t->op, num < t->number ? -1 : num > t->number ? 1 : 0);
    }
    if (t->op == UI_OP_EQ || t->op == UI_OP_NE)
        return compare_op(t->op, strcasecmp(text, t->text));
    /* an order on text: only meaningful between numbers, so no match */
    return false;
}

static bool contains_text(const tt_trial_record *r, const char *needle, long shift)
{
    char num[32];
    snprintf(num, sizeof num, "%ld", r->number - shift);
    if (strcmp(num, needle) == 0)
        return true;
    if (strcasestr(tt_trial_state_name(r->state), needle))
        return true;
    for (size_t i = 0; i < r->n_params; i++) {
        if (strcasestr(r->param_names[i], needle))
            return true;
        if (r->param_text[i] && strcasestr(r->param_text[i], needle))
            return true;
    }
    return r->reason && strcasestr(r->reason, needle);
}

static bool match_term(const ui_filter_term *t, const tt_trial_record *r, const char *metric,
                       long shift)
{
    if (t->op == UI_OP_TEXT)
        return contains_text(r, t->text, shift);
    const char *k = t->key;
    char buf[32];
    if (strcasecmp(k, "state") == 0) {
        const char *s = tt_trial_state_name(r->state);
        if (t->op == UI_OP_EQ || t->op == UI_OP_NE) /* "fail" finds failed */
            return (strncasecmp(s, t->text, strlen(t->text)) == 0) == (t->op == UI_OP_EQ);
        return match_field(t, s, false, 0);
    }
    if (strcasecmp(k, "value") == 0 || strcasecmp(k, "objective") == 0 ||
        (metric && strcmp(k, metric) == 0)) {
        snprintf(buf, sizeof buf, "%.17g", r->value);
        return match_field(t, buf, true, r->value);
    }
    if (strcasecmp(k, "trial") == 0 || strcmp(k, "#") == 0 || strcasecmp(k, "number") == 0) {
        snprintf(buf, sizeof buf, "%ld", r->number - shift);
        return match_field(t, buf, true, (double)(r->number - shift));
    }
    if (strcasecmp(k, "step") == 0) {
        snprintf(buf, sizeof buf, "%ld", r->last_step);
        return match_field(t, buf, true, r->last_step < 0 ? NAN : (double)r->last_step);
    }
    if (strcasecmp(k, "reason") == 0)
        return match_field(t, r->reason ? r->reason : "", false, 0);
    const char *p = ui_trial_param(r, k);
    if (!p) {
        /* a parameter named in another case */
        for (size_t i = 0; i < r->n_params; i++)
            if (strcasecmp(r->param_names[i], k) == 0 &&
                !(r->param_active && !r->param_active[i]))
                p = r->param_text[i];
    }
    double v = 0;
    bool num = parse_number(p, &v);
    return match_field(t, p, num, v);
}

bool ui_filter_match(const ui_filter *f, const tt_trial_record *r, const char *metric)
{
    for (size_t i = 0; i < f->n; i++)
        if (!match_term(&f->terms[i], r, metric, f->number_shift))
            return false;
    return true;
}

/* Missing values last in both directions; then by number. */
static int cmp_double(double a, double b, bool desc)
{
    bool ma = isnan(a), mb = isnan(b);
    if (ma || mb)
        return ma == mb ? 0 : ma ? 1 : -1;
    int c = a < b ? -1 : a > b ? 1 : 0;
    return desc ? -c : c;
}

void ui_trial_sort_key(const tt_trial_record *r, size_t col, char *const *param_names,
                       double now, ui_sort_key *out)
{
    *out = (ui_sort_key){.number = r->number, .x = NAN};
    switch (col) {
    case UI_COL_NUMBER:
        break;
    case UI_COL_STATE:
        out->text = tt_trial_state_name(r->state);
        break;
    case UI_COL_VALUE:
        out->x = r->value;
        out->numeric = true;
        break;
    case UI_COL_STEP:
        out->x = r->last_step < 0 ? NAN : (double)r->last_step;
        out->numeric = true;
        break;
    case UI_COL_DURATION:
        out->x = ui_trial_duration(r, now);
        out->numeric = true;
        break;
    default: {
        const char *p = ui_trial_param(r, param_names[col - UI_COL_FIXED]);
        out->missing = !p || !*p;
        out->text = out->missing ? NULL : p;
        out->numeric = !out->missing && parse_number(p, &out->x);
    }
    }
}

int ui_sort_key_compare(const ui_sort_key *a, const ui_sort_key *b, size_t col, bool desc)
{
    int c = 0;
    if (col == UI_COL_NUMBER) {
        /* by number only */
    } else if (a->missing || b->missing) {
        c = a->missing == b->missing ? 0 : a->missing ? 1 : -1;   /* last either way */
    } else if (a->numeric && b->numeric) {
        c = cmp_double(a->x, b->x, desc);
    } else if (a->text && b->text) {
        c = strcmp(a->text, b->text);
        c = desc ? -c : c;
    }
    if (c != 0)
        return c;
    if (a->number == b->number)
        return 0;
    bool lt = a->number < b->number;
    if (col == UI_COL_NUMBER && desc)
        lt = !lt;
    return lt ? -1 : 1;
}

int ui_trial_compare(const tt_trial_record *a, const tt_trial_record *b, size_t col,
                     char *const *param_names, bool desc, double now)
{
    ui_sort_key ka, kb;
    ui_trial_sort_key(a, col, param_names, now, &ka);
    ui_trial_sort_key(b, col, param_names, now, &kb);
    return ui_sort_key_compare(&ka, &kb, col, desc);
}
