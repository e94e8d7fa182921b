/*
 * libFuzzer target for the sweep loader: any bytes, as YAML or JSON, must
 * give a sweep or diagnostics — never a crash, a leak, a hang or UB.
 */
#include <stddef.h>
#include <stdint.h>

#include "tunetop/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tt_diags diags = {0};
    tt_sweep *sweep = tt_sweep_load_text("fuzz.yaml", (const char *)data, size, &diags);
    if (sweep)
        tt_sweep_free(sweep);
    tt_diags_free(&diags);
    return 0;
}
