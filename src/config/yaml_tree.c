/*
 * yaml_tree — libyaml's event stream turned into a small node tree that keeps
 * the line and column of every node, which libyaml's own document API would
 * give too but without a bound on alias expansion.
 *
 * Aliases share the anchored node instead of copying it, so memory stays
 * proportional to the text; each node carries its expanded weight, and the
 * document is refused once the sum of expanded nodes passes CFG_MAX_EXPANDED
 * (a few lines of nested aliases can otherwise describe 10^9 nodes that the
 * loader would walk). Anchors are registered when their node is complete, so
 * a node cannot contain an alias of itself and the tree has no cycles.
 * Merge keys (`<<: *base`, `<<: [*a, *b]`) are applied when a mapping ends:
 * explicit keys win, then earlier merged mappings over later ones.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "internal.h"

typedef struct anchor {
    char *name;
    cfg_node *node;
} anchor;

typedef struct frame {
    cfg_node *node;
    cfg_node *key;       /* mapping: a key waiting for its value */
    char *anchor;        /* registered when the node ends */
} frame;

typedef struct builder {
    cfg_doc *doc;
    const char *file;
    const char *text;
    size_t len;
    tt_diags *diags;
    frame stack[CFG_MAX_DEPTH];
    size_t depth;
    anchor *anchors;
    size_t n_anchors, cap_anchors;
    size_t expanded;
    int n_documents;
    bool failed;
    bool used_aliases;          /* says whether a too-large document may be an alias bomb */
    size_t cur_index, cur_byte; /* a character index of libyaml and its byte */
} builder;

static void fail_at(builder *b, const yaml_mark_t *m, const char *msg)
{
    if (b->failed)
        return;
    b->failed = true;
    tt_diags_add(b->diags, TT_DIAG_ERROR, b->file, m ? (int)m->line + 1 : 0,
                 m ? (int)m->column + 1 : 0, "", "%s", msg);
}

static cfg_node *node_new(builder *b, cfg_kind kind, const yaml_mark_t *m)
{
    cfg_node *n = tt_xcalloc(1, sizeof *n);
    n->kind = kind;
    n->line = (int)m->line + 1;
    n->col = (int)m->column + 1;
    n->weight = 1;
    tt_grow((void **)&b->doc->all, &b->doc->cap_all, b->doc->n_all + 1, sizeof(cfg_node *));
    b->doc->all[b->doc->n_all++] = n;
    return n;
}

static void add_weight(size_t *w, size_t add)
{
    *w = (*w > SIZE_MAX - add) ? SIZE_MAX : *w + add;
}

/* Hang n under the open collection (or make it the root). */
static void attach(builder *b, cfg_node *n)
{
    if (b->depth == 0) {
        if (!b->doc->root)
            b->doc->root = n;
        return;
    }
    frame *f = &b->stack[b->depth - 1];
    cfg_node *parent = f->node;
    add_weight(&parent->weight, n->weight);
    if (parent->kind == CFG_SEQ) {
        tt_grow((void **)&parent->items, &parent->cap_items, parent->n_items + 1,
                sizeof(cfg_node *));
        parent->items[parent->n_items++] = n;
    } else if (!f->key) {
        f->key = n;
    } else {
        tt_grow((void **)&parent->pairs, &parent->cap_pairs, parent->n_pairs + 1,
                sizeof(cfg_pair));
        parent->pairs[parent->n_pairs++] = (cfg_pair){f->key, n};
        f->key = NULL;
    }
}

static void register_anchor(builder *b, char *name, cfg_node *n)
{
    if (!name)
        return;
    tt_grow((void **)&b->anchors, &b->cap_anchors, b->n_anchors + 1, sizeof(anchor));
    b->anchors[b->n_anchors++] = (anchor){name, n};
}

static cfg_node *find_anchor(builder *b, const char *name)
{
    for (size_t i = b->n_anchors; i-- > 0;)
        if (strcmp(b->anchors[i].name, name) == 0)
            return b->anchors[i].node;
    return NULL;
}

static bool is_merge_key(const cfg_node *k)
{
    return k->kind == CFG_SCALAR && k->plain && strcmp(k->text, "<<") == 0;
}

static bool map_has(const cfg_pair *pairs, size_t n, const cfg_node *key)
{
    if (key->kind != CFG_SCALAR)
        return false;
    for (size_t i = 0; i < n; i++)
        if (pairs[i].key->kind == CFG_SCALAR && strcmp(pairs[i].key->text, key->text) == 0)
            return true;
    return false;
}

static void merge_from(cfg_pair **out, size_t *n, size_t *cap, const cfg_node *src)
{
    for (size_t i = 0; i < src->n_pairs; i++) {
        if (map_has(*out, *n, src->pairs[i].key))
            continue;
        tt_grow((void **)out, cap, *n + 1, sizeof(cfg_pair));
        (*out)[(*n)++] = src->pairs[i];
    }
}

/* Apply `<<` keys of a finished mapping. */
static void apply_merges(builder *b, cfg_node *map)
{
    bool any = false;
    for (size_t i = 0; i < map->n_pairs; i++)
        any |= is_merge_key(map->pairs[i].key);
    if (!any)
        return;
    cfg_pair *out = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < map->n_pairs; i++) {
        if (is_merge_key(map->pairs[i].key))
            continue;
        tt_grow((void **)&out, &cap, n + 1, sizeof(cfg_pair));
        out[n++] = map->pairs[i];
    }
    for (size_t i = 0; i < map->n_pairs && !b->failed; i++) {
        if (!is_merge_key(map->pairs[i].key))
            continue;
        const cfg_node *v = map->pairs[i].value;
        yaml_mark_t m = {.line = (size_t)v->line - 1, .column = (size_t)v->col - 1};
        if (v->kind == CFG_MAP) {
            merge_from(&out, &n, &cap, v);
        } else if (v->kind == CFG_SEQ) {
            for (size_t j = 0; j < v->n_items; j++) {
                if (v->items[j]->kind != CFG_MAP) {
                    fail_at(b, &m, "merge key '<<' expects a mapping or a list of mappings");
                    break;
                }
                merge_from(&out, &n, &cap, v->items[j]);
            }
        } else {
            fail_at(b, &m, "merge key '<<' expects a mapping or a list of mappings");
        }
    }
    free(map->pairs);
    map->pairs = out;
    map->n_pairs = n;
    map->cap_pairs = cap;
}

static int compare_keys(const void *a, const void *b)
{
    const cfg_node *x = *(const cfg_node *const *)a, *y = *(const cfg_node *const *)b;
    int c = strcmp(x->text, y->text);
    if (c)
        return c;
    /* Equal texts: file order, so that the first of them comes first. */
    return x->line != y->line ? (x->line < y->line ? -1 : 1)
                              : (x->col < y->col ? -1 : x->col > y->col);
}

/* YAML requires the keys of a mapping to be unique. PyYAML keeps the last
 * of a repeated key without a word, which hides a mistake (two `lr:` in one
 * parameters block), so each repeat is an error at the repeated key; the
 * parse goes on, so that every other problem is reported too. Sorting keeps
 * a mapping with many keys cheap. */
static void check_duplicates(builder *b, const cfg_node *map)
{
    if (map->n_pairs < 2 || b->failed)
        return;
    const cfg_node **keys = tt_xmalloc(map->n_pairs * sizeof *keys);
    size_t n = 0;
    for (size_t i = 0; i < map->n_pairs; i++) {
        const cfg_node *k = map->pairs[i].key;
        if (k->kind == CFG_SCALAR && !is_merge_key(k) && strlen(k->text) == k->len)
            keys[n++] = k;
    }
    qsort(keys, n, sizeof *keys, compare_keys);
    for (size_t i = 1; i < n; i++) {
        if (strcmp(keys[i]->text, keys[i - 1]->text) != 0)
            continue;
        size_t first = i - 1;
        while (first > 0 && strcmp(keys[first - 1]->text, keys[i]->text) == 0)
            first--;
        tt_diags_add(b->diags, TT_DIAG_ERROR, b->file, keys[i]->line, keys[i]->col, "",
                     "duplicate key '%.60s' (first at line %d, column %d): the keys of a "
                     "mapping must be unique",
                     keys[i]->text, keys[first]->line, keys[first]->col);
    }
    free(keys);
}

static void push(builder *b, cfg_node *n, const yaml_event_t *ev, const char *anchor_name)
{
    if (b->depth >= CFG_MAX_DEPTH) {
        fail_at(b, &ev->start_mark, "the document nests deeper than 64 levels");
        return;
    }
    b->stack[b->depth++] = (frame){n, NULL, anchor_name ? tt_xstrdup(anchor_name) : NULL};
}

static void pop(builder *b)
{
    if (b->depth == 0)
        return;
    frame f = b->stack[--b->depth];
    if (f.node->kind == CFG_MAP) {
        check_duplicates(b, f.node);
        apply_merges(b, f.node);
    }
    register_anchor(b, f.anchor, f.node);
    attach(b, f.node);
}

/* text[0..len) with each NUL written as the two characters \0. */
static char *text_shown(const char *text, size_t len)
{
    tt_buf out = {0};
    for (const char *p = text, *end = text + len; p < end;) {
        const char *nul = memchr(p, '\0', (size_t)(end - p));
        size_t run = nul ? (size_t)(nul - p) : (size_t)(end - p);
        tt_buf_append(&out, p, run);
        if (nul)
            tt_buf_puts(&out, "\\0");
        p += run + (nul ? 1 : 0);
    }
    return tt_buf_take(&out);
}

/* The key path of the node about to be attached under the open
 * collections, as the loader's diagnostics write it
 * ("parameters.x.values[1]"). A scalar that will be a mapping key is its
 * own last component. */
static char *open_path(const builder *b, const cfg_node *self)
{
    char *path = tt_xstrdup("");
    for (size_t i = 0; i < b->depth; i++) {
        const frame *f = &b->stack[i];
        char *next;
        if (f->node->kind == CFG_SEQ) {
            next = tt_xasprintf("%s[%zu]", path, f->node->n_items);
        } else {
            const cfg_node *k = f->key ? f->key : i + 1 == b->depth ? self : NULL;
            next = cfg_path(path, k && k->kind == CFG_SCALAR ? k->text : "?");
        }
        free(path);
        path = next;
    }
    return path;
}

/* A NUL inside a scalar ("a\0b" in YAML, "a\u0000b" in JSON) cut its text
 * wherever it was used as a C string: `values: ["a\0b", "a\0c"]` became
 * "a" twice, and so did a key, a metric name or a command token. Refused
 * at the scalar with its key path. The parse goes on with the NUL written
 * as \0, so that later checks see the text as written (not cut) and every
 * other problem is reported too; the error fails the load. */
static void refuse_nul(builder *b, cfg_node *n)
{
    char *shown = text_shown(n->text, n->len);
    free(n->text);
    n->text = shown;
    n->len = strlen(shown);
    char *path = open_path(b, n);
    char found[80];
    tt_diags_add(b->diags, TT_DIAG_ERROR, b->file, n->line, n->col, path,
                 "expected text without NUL characters, found %s",
                 cfg_found(n, found, sizeof found));
    free(path);
}

/* The hint about aliases only helps when the document has some: a plain
 * file over the bound is simply too large (a data file given by mistake). */
static void count_expanded(builder *b, size_t add, const yaml_mark_t *m)
{
    add_weight(&b->expanded, add);
    if (b->expanded <= CFG_MAX_EXPANDED)
        return;
    if (b->used_aliases)
        fail_at(b, m,
                "the document expands to more than 100000 nodes (aliases nested too "
                "deeply?)");
    else
        fail_at(b, m,
                "the file is too large for a sweep file: it has more than 100000 nodes "
                "(values, lists and mappings)");
}

/* Line and column of a byte offset, for reader errors that carry no mark. */
static yaml_mark_t mark_of_offset(const builder *b, size_t offset)
{
    yaml_mark_t m = {0};
    /* A BOM is no column of the first line. */
    size_t start = b->len >= 3 && memcmp(b->text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    for (size_t i = start; i < offset && i < b->len; i++) {
        if (b->text[i] == '\n') {
            m.line++;
            m.column = 0;
        } else if (((unsigned char)b->text[i] & 0xC0) != 0x80) {
            m.column++;
        }
    }
    return m;
}

/* The byte offset in b->text of libyaml's mark index, which counts
 * characters (after any BOM). Marks arrive in increasing order, so a cursor
 * makes the walk linear over the whole parse. */
static size_t byte_offset(builder *b, size_t index)
{
    if (index < b->cur_index) {
        b->cur_index = 0;
        b->cur_byte = 0;
    }
    if (b->cur_index == 0 && b->cur_byte == 0 && b->len >= 3 &&
        memcmp(b->text, "\xEF\xBB\xBF", 3) == 0)
        b->cur_byte = 3;
    while (b->cur_index < index && b->cur_byte < b->len) {
        b->cur_byte++;
        while (b->cur_byte < b->len && ((unsigned char)b->text[b->cur_byte] & 0xC0) == 0x80)
            b->cur_byte++;
        b->cur_index++;
    }
    return b->cur_byte;
}

static void syntax_error(builder *b, const yaml_parser_t *p)
{
    yaml_mark_t m = p->problem_mark;
    if (p->error == YAML_READER_ERROR)
        m = mark_of_offset(b, p->problem_offset);
    const char *problem = p->problem ? p->problem : "invalid YAML";
    /* `[${program}, ${args}]` is the classic: '{' opens a flow mapping. */
    size_t at = p->error == YAML_READER_ERROR ? b->len : byte_offset(b, p->problem_mark.index);
    if (p->error != YAML_READER_ERROR && at > 0 && at < b->len && b->text[at] == '{' &&
        b->text[at - 1] == '$') {
        char *msg = tt_xasprintf("%s (quote macros inside [ ] or { }: \"${...}\")", problem);
        fail_at(b, &m, msg);
        free(msg);
        return;
    }
    /* libyaml's words for the two indentation mistakes get a plain hint. */
    const char *hint = "";
    if (p->error != YAML_READER_ERROR && at < b->len && b->text[at] == '\t')
        hint = "; YAML indents with spaces, never tabs";
    else if (strcmp(problem, "did not find expected key") == 0 ||
             strcmp(problem, "mapping values are not allowed in this context") == 0)
        hint = "; is this line indented like the keys it belongs with?";
    if (p->context) {
        char *msg = tt_xasprintf("%s (%s at line %d)%s", problem, p->context,
                                 (int)p->context_mark.line + 1, hint);
        fail_at(b, &m, msg);
        free(msg);
    } else {
        char *msg = tt_xasprintf("%s%s", problem, hint);
        fail_at(b, &m, msg);
        free(msg);
    }
}

/* JSON (an NNI search_space.json) has no trailing comma, though YAML's flow
 * collections allow one: NNI's json.load would refuse the file, so a .json
 * file with one is refused here too, at the comma. */
static void check_trailing_comma(builder *b, const yaml_event_t *ev)
{
    size_t len = strlen(b->file);
    if (len < 5 || strcmp(b->file + len - 5, ".json") != 0)
        return;
    size_t at = byte_offset(b, ev->start_mark.index);
    if (at >= b->len || (b->text[at] != ']' && b->text[at] != '}'))
        return;
    size_t i = at;
    while (i > 0 && (b->text[i - 1] == ' ' || b->text[i - 1] == '\t' ||
                     b->text[i - 1] == '\n' || b->text[i - 1] == '\r'))
        i--;
    if (i == 0 || b->text[i - 1] != ',')
        return;
    yaml_mark_t m = mark_of_offset(b, i - 1);
    fail_at(b, &m, "trailing comma before the end of a list or object: JSON does not allow "
                   "one (NNI's json.load would refuse the file)");
}

/* The standard tags decide how a scalar reads: `!!str 5` is text, and
 * `!!float 1` is the number 1.0 (so `min: !!float 1, max: 3` is a uniform,
 * as W&B reads it), even when quoted. Other tags are ignored. */
static void apply_tag(cfg_node *n, const char *tag)
{
    static const char prefix[] = "tag:yaml.org,2002:";
    if (!tag || strncmp(tag, prefix, sizeof prefix - 1) != 0)
        return;
    const char *t = tag + sizeof prefix - 1;
    if (strcmp(t, "str") == 0) {
        n->plain = false;
    } else if (strcmp(t, "float") == 0) {
        n->plain = true;
        n->float_tag = true;
    } else if (strcmp(t, "int") == 0 || strcmp(t, "bool") == 0 || strcmp(t, "null") == 0) {
        n->plain = true;
    }
}

static void on_event(builder *b, const yaml_event_t *ev)
{
    cfg_node *n;
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (++b->n_documents > 1)
            fail_at(b, &ev->start_mark,
                    "a sweep file holds one YAML document; this is a second one");
        break;
    case YAML_SCALAR_EVENT:
        n = node_new(b, CFG_SCALAR, &ev->start_mark);
        n->text = tt_xstrndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
        n->len = ev->data.scalar.length;
        if (memchr(n->text, '\0', n->len))
            refuse_nul(b, n);
        n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        apply_tag(n, (const char *)ev->data.scalar.tag);
        count_expanded(b, 1, &ev->start_mark);
        if (ev->data.scalar.anchor)
            register_anchor(b, tt_xstrdup((const char *)ev->data.scalar.anchor), n);
        attach(b, n);
        break;
    case YAML_SEQUENCE_START_EVENT:
        n = node_new(b, CFG_SEQ, &ev->start_mark);
        count_expanded(b, 1, &ev->start_mark);
        push(b, n, ev, (const char *)ev->data.sequence_start.anchor);
        break;
    case YAML_MAPPING_START_EVENT:
        n = node_new(b, CFG_MAP, &ev->start_mark);
        count_expanded(b, 1, &ev->start_mark);
        push(b, n, ev, (const char *)ev->data.mapping_start.anchor);
        break;
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        check_trailing_comma(b, ev);
        pop(b);
        break;
    case YAML_ALIAS_EVENT:
        b->used_aliases = true;
        n = find_anchor(b, (const char *)ev->data.alias.anchor);
        if (!n) {
            char *msg = tt_xasprintf("unknown anchor '*%s'", (const char *)ev->data.alias.anchor);
            fail_at(b, &ev->start_mark, msg);
            free(msg);
            break;
        }
        count_expanded(b, n->weight, &ev->start_mark);
        if (!b->failed)
            attach(b, n);
        break;
    default:
        break;
    }
}

int cfg_parse(cfg_doc *doc, const char *file, const char *text, size_t len, tt_diags *diags)
{
    memset(doc, 0, sizeof *doc);
    builder b = {.doc = doc, .file = file, .text = text, .len = len, .diags = diags};
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        tt_diags_add(diags, TT_DIAG_ERROR, file, 0, 0, "", "cannot initialise the YAML parser");
        return -1;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    bool done = false;
    while (!done && !b.failed) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            syntax_error(&b, &parser);
            break;
        }
        on_event(&b, &ev);
        done = ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    while (b.depth > 0)
        free(b.stack[--b.depth].anchor);
    for (size_t i = 0; i < b.n_anchors; i++)
        free(b.anchors[i].name);
    free(b.anchors);
    return b.failed ? -1 : 0;
}

void cfg_doc_free(cfg_doc *doc)
{
    for (size_t i = 0; i < doc->n_all; i++) {
        cfg_node *n = doc->all[i];
        free(n->text);
        free(n->items);
        free(n->pairs);
        free(n);
    }
    free(doc->all);
    memset(doc, 0, sizeof *doc);
}

const cfg_pair *cfg_map_find(const cfg_node *map, const char *key)
{
    if (!map || map->kind != CFG_MAP)
        return NULL;
    for (size_t i = map->n_pairs; i-- > 0;) {
        const cfg_node *k = map->pairs[i].key;
        if (k->kind == CFG_SCALAR && strcmp(k->text, key) == 0)
            return &map->pairs[i];
    }
    return NULL;
}

bool cfg_is_null(const cfg_node *n)
{
    if (!n || n->kind != CFG_SCALAR || !n->plain)
        return false;
    return n->len == 0 || strcmp(n->text, "~") == 0 || strcmp(n->text, "null") == 0 ||
           strcmp(n->text, "Null") == 0 || strcmp(n->text, "NULL") == 0;
}
