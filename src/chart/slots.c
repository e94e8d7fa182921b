/*
 * slots — the rows of a timeline (chart.h): which parallel slot each
 * trial ran in, rebuilt from start and end times, for `tunetop plot
 * --kind timeline` and the dashboard's timeline view alike.
 */
#include <stdlib.h>

#include "tunetop/chart.h"
#include "tunetop/util.h"

size_t tt_chart_assign_slots(const double *start, const double *end, const size_t *order,
                             size_t n, size_t *slot)
{
    double *free_at = NULL;
    size_t n_slots = 0, cap = 0;
    for (size_t k = 0; k < n; k++) {
        size_t i = order[k], s = 0;
        while (s < n_slots && free_at[s] > start[i])
            s++;
        if (s == n_slots) {
            tt_grow((void **)&free_at, &cap, n_slots + 1, sizeof *free_at);
            n_slots++;
        }
        free_at[s] = end[i];
        slot[i] = s;
    }
    free(free_at);
    return n_slots;
}
