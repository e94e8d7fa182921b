/*
 * sobol — quasi-random search: trial n gets point n of a scrambled Sobol
 * sequence, decoded through the prior's inverse CDF (tt_space_decode), so
 * the first 2^k trials cover every parameter's range far more evenly than
 * random draws do, and every parameter kind (ints, q grids, categoricals,
 * log and normal priors) is handled by the space module.
 *
 * Construction: the direction numbers of Joe & Kuo (new-joe-kuo-6.21201,
 * sobol_directions.c) extended to 64 bits by the usual recurrence; point i
 * is the XOR of the direction numbers selected by the bits of gray(i), the
 * Gray-code order of Joe & Kuo's and Antonov & Saleev's generators, so the
 * unscrambled sequence starts 0, 1/2, 3/4, 1/4, ... Each point is computed
 * directly from its index (no state), for any 64-bit index.
 *
 * Scrambling: Owen's nested uniform scrambling. Digit k of a coordinate is
 * flipped by a random bit that depends on the seed, the dimension, k and
 * the k leading digits of the unscrambled coordinate: a random permutation
 * tree, as in Owen (1995), whose random bits come from a 64-bit hash of
 * (seed, dimension, digit position, prefix) instead of a stored tree (the
 * hashing approach of Laine & Karras 2011 and Burley 2020, here applied
 * digit by digit so the nesting is exact). It keeps the (t,m,s)-net
 * property — each aligned block of 2^m points is still a net, so every 1-D
 * projection of the first 2^m points is stratified — and makes the point set
 * a randomised QMC sample: point 0 is no longer the origin and no point lies
 * on the cube's boundary. The seed fixes the scramble.
 */
#include "tunetop/sampler.h"

#include <stdlib.h>

#include "sobol_directions.h"

/* Digits scrambled and kept: all a double's mantissa can hold. */
#define SOBOL_DIGITS 53

/* A 64-bit bijective mixer (Stafford's variant 13, as in splitmix64). */
static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* The 64 direction numbers of dimension dim (0-based), as 64-bit binary
 * fractions: v[k] belongs to bit k of the (Gray-coded) index. */
static void direction_numbers(size_t dim, uint64_t v[64])
{
    if (dim == 0) {
        for (int k = 0; k < 64; k++)
            v[k] = 1ULL << (63 - k);
        return;
    }
    const tt_sobol_direction *row = &tt_sobol_directions[dim - 1];
    int s = row->s;
    for (int k = 0; k < s; k++)
        v[k] = (uint64_t)row->m[k] << (63 - k);
    for (int k = s; k < 64; k++) {
        uint64_t x = v[k - s] ^ (v[k - s] >> s);
        for (int j = 1; j < s; j++)
            if ((row->a >> (s - 1 - j)) & 1)
                x ^= v[k - j];
        v[k] = x;
    }
}

static uint64_t raw_coordinate(size_t dim, uint64_t index)
{
    uint64_t v[64];
    direction_numbers(dim, v);
    uint64_t gray = index ^ (index >> 1);
    uint64_t x = 0;
    for (int k = 0; gray != 0; k++, gray >>= 1)
        if (gray & 1)
            x ^= v[k];
    return x;
}

/* Owen scrambling of the leading SOBOL_DIGITS digits of x (see the file
 * comment). The node of the permutation tree at depth k is named by the k
 * leading digits with a marker bit above them, so every (depth, prefix)
 * gets its own random bit. */
static uint64_t owen_scramble(uint64_t x, uint64_t key)
{
    uint64_t out = 0;
    for (int k = 0; k < SOBOL_DIGITS; k++) {
        uint64_t prefix = k == 0 ? 0 : x >> (64 - k);
        uint64_t node = (1ULL << k) | prefix;
        uint64_t flip = mix64(mix64(node ^ key) + key) >> 63;
        uint64_t digit = (x >> (63 - k)) & 1;
        out |= (digit ^ flip) << (63 - k);
    }
    return out;
}

static int check_dim(size_t dim, tt_error *err)
{
    if (dim > TT_SOBOL_MAX_DIM)
        return tt_error_set(err, TT_ERR_UNSUPPORTED,
                            "sobol search supports at most %d parameters; the space has %zu",
                            TT_SOBOL_MAX_DIM, dim);
    return 0;
}

int tt_sobol_point(size_t dim, uint64_t index, uint64_t seed, double *u, tt_error *err)
{
    int rc = check_dim(dim, err);
    if (rc < 0)
        return rc;
    uint64_t seed_key = mix64(seed ^ 0x736f626f6c2d7474ULL);
    for (size_t d = 0; d < dim; d++) {
        uint64_t key = mix64(seed_key + 0x9e3779b97f4a7c15ULL * (d + 1));
        uint64_t x = owen_scramble(raw_coordinate(d, index), key);
        /* Centre of the 2^-53 cell: strictly inside (0, 1), as inverse CDFs
         * such as the normal's need. */
        u[d] = ((double)(x >> 11) + 0.5) * 0x1.0p-53;
    }
    return 0;
}

int tt_sobol_point_unscrambled(size_t dim, uint64_t index, double *u, tt_error *err)
{
    int rc = check_dim(dim, err);
    if (rc < 0)
        return rc;
    for (size_t d = 0; d < dim; d++)
        u[d] = (double)(raw_coordinate(d, index) >> 11) * 0x1.0p-53;
    return 0;
}

int tt_sobol_suggest(const tt_space *space, const tt_history *history, uint64_t seed,
                     tt_assignment *out, tt_error *err)
{
    if (out->n != space->n)
        return tt_error_set(err, TT_ERR_INVALID,
                            "sobol search: the output holds %zu parameters, the space %zu",
                            out->n, space->n);
    int rc = check_dim(space->n, err);
    if (rc < 0)
        return rc;
    double *u = tt_xcalloc(space->n + 1, sizeof *u);
    rc = tt_sobol_point(space->n, history != NULL ? history->n : 0, seed, u, err);
    if (rc == 0)
        tt_space_decode(space, u, out);
    free(u);
    return rc;
}
