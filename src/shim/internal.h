/*
 * Private to the shim module: what shim.c, zygote.c and request.c share.
 * libc only, like everything in src/shim/ (see tunetop/shim.h).
 */
#ifndef TUNETOP_SHIM_INTERNAL_H
#define TUNETOP_SHIM_INTERNAL_H

#include <stdint.h>

#include "tunetop/shim.h"

/* One request as the zygote and the shims read it (pointers into the
 * request's buffer; the format is tt_zygote_header's). */
typedef struct shim_request {
    const char *dir;
    double grace;
    int token;
    char **argv;
    char **envp;
} shim_request;

/* Splits a request's `len` bytes of strings (folder, grace, token, argc
 * argv strings, envc environment strings) into req. Returns the vector
 * req->argv and req->envp point into (free it; the strings stay in buf),
 * or NULL when the request is malformed. */
char **shim_request_split(char *buf, uint32_t len, uint32_t argc, uint32_t envc,
                          shim_request *req);

/* Reads exactly n bytes: 0; 1 on EOF before any byte; -1 otherwise. */
int shim_read_full(int fd, void *buf, size_t n);

/* The shim's work once its arguments are known: tt_shim_main after
 * parsing (environ already the trial's). */
int shim_run(const char *trial_dir, double grace, char **trial_argv);

/* A pooled shim, forked by the zygote: runs `first` as shim_run runs a
 * trial, then, each time the trial's exit.status is written, writes
 * TT_SHIM_DONE_BYTE on sock and takes the runner's next request from it.
 * Leaves when sock closes (the runner is gone), when a termination signal
 * came from anyone but the runner, or when it could not write a status:
 * the runner then sees the socket close instead of the byte. Returns the
 * process's exit code. */
int shim_serve(int sock, const shim_request *first);

#endif
