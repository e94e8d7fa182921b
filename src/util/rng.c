/*
 * rng — xoshiro256** (Blackman & Vigna) seeded by splitmix64. Chosen for a
 * small state that is cheap to re-create per suggestion: samplers derive a
 * fresh stream from (study seed, trial number) instead of keeping state.
 */
#include "tunetop/util.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void tt_rng_seed(tt_rng *rng, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        rng->s[i] = splitmix64(&x);
}

void tt_rng_seed2(tt_rng *rng, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed;
    uint64_t mixed = splitmix64(&x) ^ (stream * 0xd1342543de82ef95ULL + 0x2545f4914f6cdd1dULL);
    tt_rng_seed(rng, mixed);
}

uint64_t tt_rng_u64(tt_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double tt_rng_uniform(tt_rng *rng)
{
    /* 53 random bits shifted to the centre of their cell: never 0 or 1. */
    return ((double)(tt_rng_u64(rng) >> 11) + 0.5) * 0x1.0p-53;
}

uint64_t tt_rng_below(tt_rng *rng, uint64_t n)
{
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t r;
    do
        r = tt_rng_u64(rng);
    while (r >= limit);
    return r % n;
}

double tt_rng_normal(tt_rng *rng)
{
    /* Box–Muller; one of the pair is discarded so the stream stays
     * stateless beyond the generator itself. */
    double u1 = tt_rng_uniform(rng), u2 = tt_rng_uniform(rng);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

uint64_t tt_hash_bytes(const void *data, size_t n, uint64_t seed)
{
    const unsigned char *p = data;
    uint64_t h = 0xcbf29ce484222325ULL ^ seed;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return splitmix64(&h);
}
