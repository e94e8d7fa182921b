/*
 * prefs — the user's defaults for the dashboard, from
 * $XDG_CONFIG_HOME/tunetop/config.yaml (~/.config/tunetop/config.yaml):
 *
 *   theme: light       # a theme name or a path to a theme file
 *   refresh: 4         # redraws per second
 *
 * Command-line options win over it. A missing file is not an error.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include "internal.h"

int ui_prefs_load(char **theme, double *refresh_hz, tt_error *err)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    char *path;
    if (xdg && *xdg)
        path = tt_xasprintf("%s/tunetop/config.yaml", xdg);
    else if (home && *home)
        path = tt_xasprintf("%s/.config/tunetop/config.yaml", home);
    else
        return 0;
    if (access(path, F_OK) != 0) {
        free(path);
        return 0;
    }
    size_t len = 0;
    char *text = tt_read_file(path, &len, err);
    if (!text) {
        free(path);
        return -TT_ERR_IO;
    }
    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    int rc = 0;
    if (!yaml_parser_load(&parser, &doc)) {
        rc = tt_error_set(err, TT_ERR_INVALID, "%s:%zu:%zu: %s", path,
                          parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                          parser.problem ? parser.problem : "not YAML");
        goto out_parser;
    }
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (root && root->type == YAML_MAPPING_NODE) {
        for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
             p < root->data.mapping.pairs.top; p++) {
            yaml_node_t *k = yaml_document_get_node(&doc, p->key);
            yaml_node_t *v = yaml_document_get_node(&doc, p->value);
            if (k->type != YAML_SCALAR_NODE || v->type != YAML_SCALAR_NODE)
                continue;
            const char *key = (const char *)k->data.scalar.value;
            const char *val = (const char *)v->data.scalar.value;
            if (strcmp(key, "theme") == 0 && theme) {
                free(*theme);
                *theme = tt_xstrdup(val);
            } else if (strcmp(key, "refresh") == 0 && refresh_hz) {
                char *end;
                double hz = strtod(val, &end);
                if (end == val || *end || !(hz > 0 && hz <= 60)) {
                    rc = tt_error_set(err, TT_ERR_INVALID,
                                      "%s:%zu:%zu: refresh: expected 0 < HZ <= 60, found '%s'",
                                      path, v->start_mark.line + 1, v->start_mark.column + 1, val);
                    break;
                }
                *refresh_hz = hz;
            }
        }
    }
    yaml_document_delete(&doc);
out_parser:
    yaml_parser_delete(&parser);
    free(text);
    free(path);
    return rc;
}
