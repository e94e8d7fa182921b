/*
 * theme — colour themes as data (htop's CRT.c colour schemes): a theme
 * file maps each role (header, best, pruned, axis…) to a foreground, a
 * background and attributes. This file parses theme YAML (libyaml) into a
 * ui_theme_spec and finds theme files; app.c turns a spec into ncurses
 * colour pairs once, when a theme is chosen.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <yaml.h>

#include "internal.h"

static const char *const role_names[UI_ROLE_COUNT] = {
    "default", "header", "border", "title",     "best",  "running",
    "pruned",  "failed", "axis",   "selection", "error", "bar",
};

static const char *const color_names[] = {"black", "red",     "green", "yellow",
                                          "blue",  "magenta", "cyan",  "white"};

static const char builtin_dark[] =
    "name: dark\n"
    "roles:\n"
    "  default:   {fg: default, bg: default}\n"
    "  header:    {fg: black,   bg: cyan, attrs: [bold]}\n"
    "  border:    {fg: 244,     bg: default}\n"
    "  title:     {fg: cyan,    bg: default, attrs: [bold]}\n"
    "  best:      {fg: green,   bg: default, attrs: [bold]}\n"
    "  running:   {fg: yellow,  bg: default}\n"
    "  pruned:    {fg: 240,     bg: default, attrs: [dim]}\n"
    "  failed:    {fg: red,     bg: default}\n"
    "  axis:      {fg: 246,     bg: default}\n"
    "  selection: {fg: black,   bg: white}\n"
    "  error:     {fg: white,   bg: red, attrs: [bold]}\n"
    "  bar:       {fg: blue,    bg: default}\n";

static const char builtin_mono[] =
    "name: monochrome\n"
    "roles:\n"
    "  default:   {attrs: []}\n"
    "  header:    {attrs: [reverse]}\n"
    "  border:    {attrs: []}\n"
    "  title:     {attrs: [bold]}\n"
    "  best:      {attrs: [bold]}\n"
    "  running:   {attrs: [underline]}\n"
    "  pruned:    {attrs: [dim]}\n"
    "  failed:    {attrs: [bold, underline]}\n"
    "  axis:      {attrs: []}\n"
    "  selection: {attrs: [reverse]}\n"
    "  error:     {attrs: [reverse, bold]}\n"
    "  bar:       {attrs: [reverse]}\n";

void ui_strings_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static int parse_color(const char *s, int *out)
{
    if (strcasecmp(s, "default") == 0 || strcasecmp(s, "none") == 0) {
        *out = -1;
        return 0;
    }
    char *end;
    long v = strtol(s, &end, 10);
    if (end != s && !*end) {
        if (v < 0 || v > 255)
            return -1;
        *out = (int)v;
        return 0;
    }
    const char *name = s;
    int base = 0;
    if (strncasecmp(s, "bright", 6) == 0) {
        name = s + 6;
        if (*name == '_' || *name == '-')
            name++;
        base = 8;
    }
    if (strcasecmp(s, "gray") == 0 || strcasecmp(s, "grey") == 0) {
        *out = 8;
        return 0;
    }
    for (int i = 0; i < 8; i++)
        if (strcasecmp(name, color_names[i]) == 0) {
            *out = base + i;
            return 0;
        }
    return -1;
}

static int parse_attr(const char *s, unsigned *out)
{
    static const struct {
        const char *name;
        unsigned bit;
    } attrs[] = {{"bold", UI_ATTR_BOLD},         {"dim", UI_ATTR_DIM},
                 {"underline", UI_ATTR_UNDERLINE}, {"reverse", UI_ATTR_REVERSE},
                 {"italic", UI_ATTR_ITALIC},     {"blink", UI_ATTR_BLINK}};
    for (size_t i = 0; i < sizeof attrs / sizeof *attrs; i++)
        if (strcasecmp(s, attrs[i].name) == 0) {
            *out |= attrs[i].bit;
            return 0;
        }
    return -1;
}

static const char *scalar(yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int node_error(tt_error *err, const char *source, yaml_node_t *n, const char *fmt,
                      const char *what)
{
    char msg[512];
    snprintf(msg, sizeof msg, fmt, what ? what : "?");
    return tt_error_set(err, TT_ERR_INVALID, "%s:%zu:%zu: %s", source,
                        n ? n->start_mark.line + 1 : 0, n ? n->start_mark.column + 1 : 0, msg);
}

static int parse_role(yaml_document_t *doc, yaml_node_t *v, const char *source,
                      ui_role_spec *spec, tt_error *err)
{
    if (v->type != YAML_MAPPING_NODE)
        return node_error(err, source, v, "%s: expected a mapping {fg, bg, attrs}", "role");
    /* a role written in the file starts from the terminal's defaults */
    spec->fg = spec->bg = -1;
    spec->attrs = 0;
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        yaml_node_t *val = yaml_document_get_node(doc, p->value);
        const char *key = scalar(k);
        if (!key)
            return node_error(err, source, k, "%s", "expected a key");
        if (strcmp(key, "fg") == 0 || strcmp(key, "bg") == 0) {
            const char *c = scalar(val);
            int color;
            if (!c || parse_color(c, &color) < 0)
                return node_error(err, source, val,
                                  "unknown colour '%s' (a name such as red or brightblue, "
                                  "default, or 0..255)",
                                  c);
            if (key[0] == 'f')
                spec->fg = color;
            else
                spec->bg = color;
        } else if (strcmp(key, "attrs") == 0) {
            if (val->type == YAML_SCALAR_NODE) {
                if (*scalar(val) && parse_attr(scalar(val), &spec->attrs) < 0)
                    return node_error(err, source, val, "unknown attribute '%s'", scalar(val));
            } else if (val->type == YAML_SEQUENCE_NODE) {
                for (yaml_node_item_t *it = val->data.sequence.items.start;
                     it < val->data.sequence.items.top; it++) {
                    yaml_node_t *a = yaml_document_get_node(doc, *it);
                    if (!scalar(a) || parse_attr(scalar(a), &spec->attrs) < 0)
                        return node_error(err, source, a,
                                          "unknown attribute '%s' (bold, dim, underline, "
                                          "reverse, italic, blink)",
                                          scalar(a));
                }
            } else {
                return node_error(err, source, val, "%s: expected a list of attributes", "attrs");
            }
        } else {
            return node_error(err, source, k, "unknown key '%s' (fg, bg, attrs)", key);
        }
    }
    return 0;
}

int ui_theme_parse(const char *text, size_t len, const char *source, ui_theme_spec *out,
                   tt_error *err)
{
    ui_theme_spec base;
    if (text != builtin_dark) {
        ui_theme_builtin("dark", &base);
        base.name[0] = '\0';
    } else {
        memset(&base, 0, sizeof base);
        for (int i = 0; i < UI_ROLE_COUNT; i++)
            base.role[i].fg = base.role[i].bg = -1;
    }
    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        int rc = tt_error_set(err, TT_ERR_INVALID, "%s:%zu:%zu: %s", source,
                              parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                              parser.problem ? parser.problem : "not YAML");
        yaml_parser_delete(&parser);
        return rc;
    }
    int rc = 0;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root || root->type != YAML_MAPPING_NODE) {
        rc = node_error(err, source, root, "%s: expected a mapping with name and roles", "theme");
        goto out;
    }
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(&doc, p->key);
        yaml_node_t *v = yaml_document_get_node(&doc, p->value);
        const char *key = scalar(k);
        if (key && strcmp(key, "name") == 0 && scalar(v)) {
            snprintf(base.name, sizeof base.name, "%s", scalar(v));
        } else if (key && strcmp(key, "roles") == 0 && v->type == YAML_MAPPING_NODE) {
            for (yaml_node_pair_t *q = v->data.mapping.pairs.start;
                 q < v->data.mapping.pairs.top; q++) {
                yaml_node_t *rk = yaml_document_get_node(&doc, q->key);
                const char *rname = scalar(rk);
                int role = -1;
                for (int i = 0; rname && i < UI_ROLE_COUNT; i++)
                    if (strcmp(rname, role_names[i]) == 0)
                        role = i;
                if (role < 0) {
                    rc = node_error(err, source, rk,
                                    "unknown role '%s' (default, header, border, title, best, "
                                    "running, pruned, failed, axis, selection, error, bar)",
                                    rname);
                    goto out;
                }
                rc = parse_role(&doc, yaml_document_get_node(&doc, q->value), source,
                                &base.role[role], err);
                if (rc < 0)
                    goto out;
            }
        } else {
            rc = node_error(err, source, k, "unknown key '%s' (name, roles)", key);
            goto out;
        }
    }
    *out = base;
out:
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return rc;
}

void ui_theme_builtin(const char *name, ui_theme_spec *out)
{
    const char *text = name && strcmp(name, "monochrome") == 0 ? builtin_mono : builtin_dark;
    tt_error err = {0};
    if (ui_theme_parse(text, strlen(text), "built-in", out, &err) < 0)
        abort(); /* the built-ins are constants: a failure is a bug */
}

/* The folders themes are looked up in; caller frees. */
static size_t theme_dirs(char **dirs)
{
    size_t n = 0;
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len > 0) {
        exe[len] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            dirs[n++] = tt_xasprintf("%s/themes", exe);
            /* A binary in a build folder of the source tree (build-san/). */
            dirs[n++] = tt_xasprintf("%s/../themes", exe);
            dirs[n++] = tt_xasprintf("%s/../share/tunetop/themes", exe);
        }
    }
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    if (xdg && *xdg)
        dirs[n++] = tt_xasprintf("%s/tunetop/themes", xdg);
    else if (home && *home)
        dirs[n++] = tt_xasprintf("%s/.config/tunetop/themes", home);
    return n;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t ui_theme_list(char ***names)
{
    char *dirs[4];
    size_t nd = theme_dirs(dirs), n = 0, cap = 0;
    char **list = NULL;
    for (size_t d = 0; d < nd; d++) {
        DIR *dir = opendir(dirs[d]);
        free(dirs[d]);
        if (!dir)
            continue;
        struct dirent *e;
        while ((e = readdir(dir)) != NULL) {
            size_t len = strlen(e->d_name);
            if (len <= 5 || strcmp(e->d_name + len - 5, ".yaml") != 0 || e->d_name[0] == '.')
                continue;
            char *name = tt_xstrndup(e->d_name, len - 5);
            bool dup = false;
            for (size_t i = 0; i < n && !dup; i++)
                dup = strcmp(list[i], name) == 0;
            if (dup) {
                free(name);
                continue;
            }
            tt_grow((void **)&list, &cap, n + 1, sizeof *list);
            list[n++] = name;
        }
        closedir(dir);
    }
    static const char *const builtins[] = {"dark", "monochrome"};
    for (size_t b = 0; b < 2; b++) {
        bool have = false;
        for (size_t i = 0; i < n && !have; i++)
            have = strcmp(list[i], builtins[b]) == 0;
        if (!have) {
            tt_grow((void **)&list, &cap, n + 1, sizeof *list);
            list[n++] = tt_xstrdup(builtins[b]);
        }
    }
    qsort(list, n, sizeof *list, by_name);
    *names = list;
    return n;
}

int ui_theme_load(const char *name, ui_theme_spec *out, tt_error *err)
{
    if (!name || !*name)
        name = "dark";
    char *path = NULL;
    if (strchr(name, '/') || (strlen(name) > 5 && strcmp(name + strlen(name) - 5, ".yaml") == 0)) {
        path = tt_xstrdup(name);
    } else {
        char *dirs[4];
        size_t nd = theme_dirs(dirs);
        for (size_t d = 0; d < nd; d++) {
            char *p = tt_xasprintf("%s/%s.yaml", dirs[d], name);
            if (!path && access(p, R_OK) == 0)
                path = p;
            else
                free(p);
            free(dirs[d]);
        }
        if (!path) {
            if (strcmp(name, "dark") == 0 || strcmp(name, "monochrome") == 0) {
                ui_theme_builtin(name, out);
                return 0;
            }
            return tt_error_set(err, TT_ERR_INVALID,
                                "no theme named '%s' (try dark, light, monochrome, "
                                "high-contrast, or a path to a theme file)",
                                name);
        }
    }
    size_t len = 0;
    char *text = tt_read_file(path, &len, err);
    if (!text) {
        free(path);
        return -TT_ERR_IO;
    }
    int rc = ui_theme_parse(text, len, path, out, err);
    if (rc == 0 && !out->name[0]) {
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        size_t blen = strlen(base);
        if (blen > 5 && strcmp(base + blen - 5, ".yaml") == 0)
            blen -= 5;
        snprintf(out->name, sizeof out->name, "%.*s", (int)blen, base);
    }
    free(text);
    free(path);
    return rc;
}
