/*
 * request — reading a launch request, the same for the zygote (its first
 * trial for a new shim) and for a pooled shim (each later trial): the
 * format is tt_zygote_header's, in tunetop/shim.h; the runner writes it
 * (src/runner/zygote_client.c). The runner is trusted, but a request is
 * still checked to the byte, so that a broken channel ends a shim rather
 * than running something half read.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int shim_read_full(int fd, void *buf, size_t n)
{
    char *p = buf;
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, p + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0 && got == 0)
            return 1;
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return 0;
}

char **shim_request_split(char *buf, uint32_t len, uint32_t argc, uint32_t envc,
                          shim_request *req)
{
    size_t want = 3 + (size_t)argc + envc;
    if (argc == 0 || want > len)
        return NULL;
    char **strs = calloc(want, sizeof *strs);
    char **vec = calloc((size_t)argc + envc + 2, sizeof *vec);
    if (!strs || !vec)
        goto bad;
    size_t k = 0;
    for (uint32_t off = 0; off < len && k < want;) {
        char *nul = memchr(buf + off, '\0', len - off);
        if (!nul)
            goto bad;
        strs[k++] = buf + off;
        off = (uint32_t)(nul - buf) + 1;
        if (k == want && off != len)
            goto bad;
    }
    if (k != want)
        goto bad;
    char *end;
    req->dir = strs[0];
    req->grace = strtod(strs[1], &end);
    if (end == strs[1] || *end || !(req->grace >= 0))
        goto bad;
    long token = strtol(strs[2], &end, 10);
    if (end == strs[2] || *end || token < 0 || token > INT32_MAX)
        goto bad;
    req->token = (int)token;
    for (uint32_t i = 0; i < argc; i++)
        vec[i] = strs[3 + i];
    vec[argc] = NULL;
    for (uint32_t i = 0; i < envc; i++)
        vec[argc + 1 + i] = strs[3 + argc + i];
    vec[argc + 1 + envc] = NULL;
    req->argv = vec;
    req->envp = vec + argc + 1;
    free(strs);
    return vec;
bad:
    free(strs);
    free(vec);
    return NULL;
}
