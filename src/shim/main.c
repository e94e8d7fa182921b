/*
 * main — the tunetop-shim program: tt_shim_main alone, for `tunetop-shim
 * __shim ...` (a shim) and `tunetop-shim __zygote` (the zygote the local
 * runner starts once). Built from src/shim/ only and linked statically
 * against libc (see the Makefile): no dynamic loader and no SQLite, libyaml
 * or libcsv to map, so an exec of it costs about half of one of tunetop
 * (docs/benchmarks.md). Not part of libtunetop: tunetop reaches the same
 * code through its hidden subcommands (src/cli/main.c).
 */
#include "tunetop/shim.h"

int main(int argc, char **argv)
{
    return tt_shim_main(argc, argv);
}
