/*
 * config/internal.h — what the files of the config module share and nobody
 * else sees: the YAML node tree (every node keeps its 1-based line and
 * column, so any later check can point at it), the loading context that
 * collects diagnostics, and the typed readers that turn a node into a number,
 * an integer, a string or a boolean while reporting "expected …, found …".
 *
 * Loading is two steps: yaml_tree.c turns libyaml events into a tree
 * (aliases resolved by sharing nodes, merge keys applied, bounded in depth and
 * in expanded size), then sweep.c, params.c, nni.c and extensions.c walk the
 * tree and fill a tt_sweep, never stopping at the first problem.
 */
#ifndef TUNETOP_CONFIG_INTERNAL_H
#define TUNETOP_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "tunetop/config.h"

/* Bounds that keep any input (a fuzzer's included) cheap: nesting depth, and
 * the number of nodes the document would have with every alias expanded
 * (the "billion laughs" attack is a few lines of aliases). */
#define CFG_MAX_DEPTH 64
#define CFG_MAX_EXPANDED 100000

typedef enum cfg_kind { CFG_SCALAR, CFG_MAP, CFG_SEQ } cfg_kind;

typedef struct cfg_node cfg_node;

typedef struct cfg_pair {
    cfg_node *key, *value;
} cfg_pair;

struct cfg_node {
    cfg_kind kind;
    int line, col;          /* 1-based */
    char *text;             /* scalar text (NUL-terminated) */
    size_t len;
    bool plain;             /* unquoted scalar (or one tagged !!int, !!float,
                               !!bool, !!null): its type is resolved */
    bool float_tag;         /* tagged !!float: a number, never an integer */
    cfg_node **items;       /* sequence */
    size_t n_items, cap_items;
    cfg_pair *pairs;        /* mapping, merge keys already applied */
    size_t n_pairs, cap_pairs;
    size_t weight;          /* nodes in the subtree with aliases expanded */
};

/* A parsed document. Aliases share nodes, so `all` owns every node once. */
typedef struct cfg_doc {
    cfg_node *root;         /* NULL for an empty document */
    cfg_node **all;
    size_t n_all, cap_all;
} cfg_doc;

/* Parse text into doc. On a syntax error or a bound exceeded, adds one error
 * to diags and returns -1 (doc is still freed by cfg_doc_free). A key that
 * appears twice in one mapping is an error too (YAML requires unique keys;
 * PyYAML silently keeps the last one, which hides a mistake), but parsing
 * goes on and returns 0: the later value wins, as cfg_map_find finds it.
 * So is a scalar holding a NUL character (its text would be cut wherever
 * it is used): its node's text has each NUL written as \0. */
int cfg_parse(cfg_doc *doc, const char *file, const char *text, size_t len, tt_diags *diags);
void cfg_doc_free(cfg_doc *doc);

/* The last pair of map whose key is the scalar key (NULL when absent). */
const cfg_pair *cfg_map_find(const cfg_node *map, const char *key);
/* Whether n is a plain scalar that reads as null (empty, ~, null). */
bool cfg_is_null(const cfg_node *n);

/* Where a parameter was declared, to point at it after the space is built. */
typedef struct cfg_param_info {
    const cfg_node *key;
    char *path;             /* "parameters.optimizer.parameters.lr" */
} cfg_param_info;

/* A `when:` entry waiting for every parameter to be known. */
typedef struct cfg_pending_when {
    size_t param;           /* the conditioned parameter */
    const cfg_node *key;    /* the parent's name as written */
    const cfg_node *value;  /* scalar or list of accepted values */
    char *path;             /* path of the key */
    char *prefix;           /* group prefix of the `when` ("" or "opt.") */
} cfg_pending_when;

typedef struct cfg_ctx {
    const char *file;
    tt_diags *diags;
    tt_sweep *sweep;
    cfg_param_info *info;   /* parallel to sweep->space->params */
    size_t n_info, cap_info;
    cfg_pending_when *when;
    size_t n_when, cap_when;
    char **failed;          /* parameters declared but refused (errors) */
    size_t n_failed, cap_failed;
    size_t errors_before;   /* diags->n_errors when this load began */
} cfg_ctx;

/* Diagnostics at a node (its line and column; none when at is NULL). */
void cfg_error(cfg_ctx *c, const cfg_node *at, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void cfg_warn(cfg_ctx *c, const cfg_node *at, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* "expected WHAT, found FOUND" at n. */
void cfg_expected(cfg_ctx *c, const cfg_node *n, const char *path, const char *what);
/* How n reads in a message: 'text', "a mapping", "a list", "nothing". */
const char *cfg_found(const cfg_node *n, char *buf, size_t size);
/* "base.key" (or "key" when base is empty); the caller frees. */
char *cfg_path(const char *base, const char *key);
/* The candidate closest to word when close enough to suggest, else NULL. */
const char *cfg_suggest(const char *word, const char *const *cands, size_t n);
/* Warn about keys of map not in known (NULL-terminated) nor in ignored
 * (NULL-terminated, may be NULL: accepted silently), and about non-scalar
 * keys. (Repeated keys are errors of the parse: see cfg_parse.) */
void cfg_check_keys(cfg_ctx *c, const cfg_node *map, const char *path,
                    const char *const *known, const char *const *ignored);

/* Typed scalar resolution (YAML 1.1 as PyYAML reads it, plus numbers such as
 * 1e-5 that YAML 1.1 leaves as strings). Fills out with an owned copy;
 * returns false when n is not a scalar. Quoted scalars are strings. */
bool cfg_scalar_value(const cfg_node *n, tt_value *out);
/* Numeric reading of any scalar whose text is a number (quoted or not). */
bool cfg_scalar_number(const cfg_node *n, double *out, bool *is_int);
/* A list or mapping (W&B accepts any JSON value as a `value` or one of
 * `values`) as compact JSON text with Python's json.dumps separators
 * ("[64, 64]", "{\"name\": \"adam\"}"): a TT_VALUE_STRING with json set.
 * False (reported at the node) for a non-scalar key or a text over
 * CFG_MAX_JSON bytes. */
#define CFG_MAX_JSON 65536
bool cfg_node_json(cfg_ctx *c, const cfg_node *n, const char *path, tt_value *out);
/* Same without a context: false when n cannot be written as JSON. */
bool cfg_node_json_text(const cfg_node *n, tt_value *out);

/* Readers: on a wrong node they add an "expected …" error and return false. */
bool cfg_read_number(cfg_ctx *c, const cfg_node *n, const char *path, double *out,
                     bool *is_int);
bool cfg_read_long(cfg_ctx *c, const cfg_node *n, const char *path, long lo, long hi,
                   long *out);
bool cfg_read_string(cfg_ctx *c, const cfg_node *n, const char *path, char **out);
bool cfg_read_bool(cfg_ctx *c, const cfg_node *n, const char *path, bool *out);
bool cfg_read_duration(cfg_ctx *c, const cfg_node *n, const char *path, double *out);
/* A list of scalars as strings; a single scalar is accepted when
 * allow_scalar. The caller frees with cfg_free_strings. */
bool cfg_read_strings(cfg_ctx *c, const cfg_node *n, const char *path, bool allow_scalar,
                      char ***out, size_t *n_out);
void cfg_free_strings(char **v, size_t n);

/* Parameter loading (params.c): W&B `parameters:` into c->sweep->space. */
void cfg_load_parameters(cfg_ctx *c, const cfg_node *key, const cfg_node *params,
                         const char *path);
/* Record a new parameter (takes ownership of *p) declared at key/path. */
size_t cfg_add_param(cfg_ctx *c, tt_param *p, const cfg_node *key, const char *path);
/* Remember a parameter that failed to load, so that later references to it
 * (from `when:` or a command macro) do not add "unknown parameter" errors. */
void cfg_param_failed(cfg_ctx *c, const char *name);
bool cfg_is_failed_param(const cfg_ctx *c, const char *name);
/* Resolve `when:` entries, then tt_space_finish (skipped when this load
 * already has errors); its error points at `at` with path. */
void cfg_finish_space(cfg_ctx *c, const cfg_node *at, const char *path);

/* NNI (nni.c): whether map looks like a search_space.json, and loading it. */
bool cfg_is_nni(const cfg_node *map);
void cfg_load_nni(cfg_ctx *c, const cfg_node *map, const char *path);

/* tunetop extension keys of the top mapping (extensions.c), and W&B's
 * early_terminate, which shares the pruning checks. */
void cfg_load_extensions(cfg_ctx *c, const cfg_node *root);
void cfg_load_early_terminate(cfg_ctx *c, const cfg_node *n, const char *path);

/* Minimal edits of a file's text (yaml_edit.c), located by node positions:
 * a command changing one parameter rewrites only its bytes, keeping the
 * rest of the file (comments, order, quoting) as the user wrote it. */
size_t cfg_text_offset(const char *text, size_t len, int line, int col);
size_t cfg_line_start(const char *text, size_t at);
size_t cfg_next_line(const char *text, size_t len, size_t at);
/* The bytes [start, end) of a scalar (quoted, plain on one line, tagged) or
 * a flow list/mapping; -1 for a block collection or what cannot be found. */
int cfg_node_span(const char *text, size_t len, const cfg_node *n, size_t *start, size_t *end);
/* n as written (its span), or as flow YAML (its JSON) when it is a block
 * collection; NULL when neither. The caller frees. */
char *cfg_span_text(const char *text, size_t len, const cfg_node *n);
/* Whether n is written as a flow list or mapping ([...], {...}). */
bool cfg_is_flow(const char *text, size_t len, const cfg_node *n);
typedef struct cfg_edit {
    size_t start, end;      /* bytes of the original text replaced */
    char *with;
} cfg_edit;
typedef struct cfg_edits {
    cfg_edit *items;
    size_t n, cap;
} cfg_edits;
void cfg_edits_add(cfg_edits *e, size_t start, size_t end, const char *with);
void cfg_edits_free(cfg_edits *e);
/* The text with every edit applied (malloc'd); NULL when two overlap. */
char *cfg_edits_apply(cfg_edits *e, const char *text, size_t len);

#endif
