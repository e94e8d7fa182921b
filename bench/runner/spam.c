/*
 * spam — a trial that prints N metric lines as fast as it can
 * (`step=… loss=… val_loss=… val_acc=…`), for the ingest benchmark.
 *   usage: spam N
 */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 100000;
    static char buf[1 << 16];
    setvbuf(stdout, buf, _IOFBF, sizeof buf);
    for (long i = 0; i < n; i++)
        printf("step=%ld loss=%.6f val_loss=%.6f val_acc=%.4f\n", i, 1.0 / (i + 1),
               1.5 / (i + 1), 1.0 - 1.0 / (i + 2));
    return 0;
}
