/*
 * study — private interface between the files of the study module.
 */
#ifndef TUNETOP_STUDY_INTERNAL_H
#define TUNETOP_STUDY_INTERNAL_H

#include "tunetop/study.h"

/* mkdir path with the study's folder mode; an existing folder is fine when
 * it is a real folder and ours (modes.c). Returns 0 or negative, err set. */
int study_mkdir_owned(const char *path, tt_error *err);
/* Create path (study.db) with the study's file mode, 0600 exactly unless
 * shared, before the store opens it; an existing file is left as it is
 * (modes.c). */
int study_create_file(const char *path, tt_error *err);

#endif
