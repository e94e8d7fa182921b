/*
 * sweep — the sweep version the runner works with: loaded from the study
 * at start, replaced when `reload` brings a new version (commands.c), and
 * the replaced ones kept until no worker thread (a suggestion, fANOVA) can
 * still read them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* Load the newest sweep version recorded in the study. */
int rn_sweep_load(rn_runner *r, tt_error *err)
{
    tt_study_info info = {0};
    if (tt_store_get_study(r->store, &info, err) < 0)
        return -TT_ERR_IO;
    char *text = tt_store_get_space(r->store, info.space_version, err);
    if (!text) {
        tt_study_info_clear(&info);
        return -TT_ERR_IO;
    }
    char name[64];
    snprintf(name, sizeof name, "sweep-v%ld.yaml", info.space_version);
    tt_diags diags = {0};
    tt_sweep *sw = tt_sweep_load_text(name, text, strlen(text), &diags);
    free(text);
    if (!sw) {
        tt_buf b = {0};
        for (size_t i = 0; i < diags.n; i++)
            if (diags.items[i].severity == TT_DIAG_ERROR)
                tt_buf_printf(&b, "\n  %d:%d: %s: %s", diags.items[i].line, diags.items[i].col,
                              diags.items[i].path, diags.items[i].message);
        tt_error_set(err, TT_ERR_INVALID, "the study's sweep file (v%ld) is invalid:%s",
                     info.space_version, b.data ? b.data : "");
        tt_buf_free(&b);
        tt_diags_free(&diags);
        tt_study_info_clear(&info);
        return -TT_ERR_INVALID;
    }
    tt_diags_free(&diags);
    /* Trials run where the study was created, so relative program paths
     * mean what they meant to the user. */
    if (info.workdir && chdir(info.workdir) != 0) {
        tt_error_set(err, TT_ERR_IO, "cannot enter the study's working folder %s: %s",
                     info.workdir, strerror(errno));
        tt_sweep_free(sw);
        tt_study_info_clear(&info);
        return -TT_ERR_IO;
    }
    rn_sweep_set(r, sw);
    r->space_version = info.space_version;
    r->elapsed_before = info.elapsed_s;
    r->state = info.state;
    tt_study_info_clear(&info);
    return 0;
}

void rn_sweep_set(rn_runner *r, tt_sweep *sw)
{
    if (r->sweep && (r->job || r->imp_job)) {
        tt_grow((void **)&r->retired, &r->cap_retired, r->n_retired + 1, sizeof *r->retired);
        r->retired[r->n_retired++] = r->sweep;
    } else if (r->sweep) {
        tt_sweep_free(r->sweep);
    }
    r->sweep = sw;
}

void rn_sweep_free_retired(rn_runner *r)
{
    if (r->job || r->imp_job)
        return;
    for (size_t i = 0; i < r->n_retired; i++)
        tt_sweep_free(r->retired[i]);
    r->n_retired = 0;
}
