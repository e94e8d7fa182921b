/*
 * study/narrow — narrowing parameters of a study's space, whoever asks
 * (`tunetop narrow`, the dashboard's slice and contour views): the text narrowed is the
 * study's sweep file, checked to be the version the study recorded (or one
 * saved for the next runner), so that an edit made behind the study's
 * back cannot slip into the new version unseen; the narrowing itself is
 * config's (tt_sweep_narrow) and the write and reload save.c's. Kept in one
 * place so the command line and the dashboard refuse and write alike.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Whether a `reload` waits for a runner: the sweep file was saved (by the
 * editor or an earlier narrow) with no runner alive, and is the version
 * the next runner records. */
static bool reload_pending(tt_store *st)
{
    tt_command *cmds = NULL;
    size_t n = 0;
    bool pending = false;
    if (tt_store_pending_commands(st, &cmds, &n, NULL) == 0)
        for (size_t i = 0; i < n; i++)
            pending |= strcmp(cmds[i].kind, "reload") == 0;
    tt_command_list_free(cmds, n);
    return pending;
}

/* The text to narrow (see the file comment). A missing file is the newest
 * version (the editor does the same; saving creates it). */
static char *current_text(tt_store *st, const char *path, long version, tt_error *err)
{
    char *latest = tt_store_get_space(st, 0, err);
    if (!latest)
        return NULL;
    char *text = tt_read_file(path, NULL, NULL);
    if (!text)
        return latest;
    if (strcmp(text, latest) != 0 && !reload_pending(st)) {
        tt_error_set(err, TT_ERR_INVALID,
                     "%s differs from the study's space v%ld (edited since it was recorded): "
                     "record it first (`tunetop run %s`), or copy the study's sweep-v%ld.yaml "
                     "over it",
                     path, version, path, version);
        free(text);
        free(latest);
        return NULL;
    }
    free(latest);
    return text;
}

int64_t tt_study_narrow_many(tt_store *st, const tt_study_info *info, const tt_narrow *reqs,
                             size_t n, char **path_out, tt_error *err)
{
    *path_out = NULL;
    if (n == 0)
        return tt_error_set(err, TT_ERR_INVALID, "nothing to narrow");
    char *path = tt_study_sweep_file(info);
    if (!path)
        return tt_error_set(err, TT_ERR_INVALID,
                            "the study does not say which sweep file it came from");
    int64_t id = -TT_ERR_INVALID;
    char *text = current_text(st, path, info->space_version, err);
    /* each narrowing applies to the text the one before it produced, so
     * each is checked by the loader on its own (only its parameter
     * changed, as asked) while the file is written, and the runner
     * reloads it, once: one new space version for all of them */
    for (size_t i = 0; text && i < n; i++) {
        char *out = tt_sweep_narrow(path, text, strlen(text), &reqs[i], err);
        free(text);
        text = out;
    }
    if (text)
        id = tt_study_save_sweep(st, path, text, strlen(text), err);
    free(text);
    if (id < 0)
        free(path);
    else
        *path_out = path;
    return id;
}

int64_t tt_study_narrow(tt_store *st, const tt_study_info *info, const tt_narrow *req,
                        char **path_out, tt_error *err)
{
    return tt_study_narrow_many(st, info, req, 1, path_out, err);
}
