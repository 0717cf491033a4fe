// Q4_0 in groups of eight rows against up to four tokens at once, with AVX2 (ckernels_rows8.h has the
// layout and the contract). Per block and token: eight vpmaddubsw, each of one chunk's low or high
// nibbles with the four matching activation bytes broadcast, summed in int16 lanes (at most
// 8 x 2 x 15 x 127 = 30480), one vpmaddwd to each row's int32 dot, then one conversion,
// one scale product and one fma for all eight rows. Why: on AVX2 cores the multiplies, conversions
// and fmas share two pipes; the row layout pays four of them per block and row and token beyond the
// byte products, this one half of one (docs/PERFORMANCE.md, "Q4_0 in groups of eight rows").
#include "ckernels_rows8.h"
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)

/// Every block asks for its lines 16 KB ahead into L2 and 2 KB ahead into L1, as the 512-bit kernel
/// does: the hardware prefetcher alone keeps too few lines in flight (docs/PERFORMANCE.md).
enum { CK_ROWS8_FETCH_L2 = 16384, CK_ROWS8_FETCH_L1 = 2048 };

static inline __attribute__((always_inline)) __m256i ck_rows8_bcast(const int8_t *q) {
    int32_t v;
    memcpy(&v, q, 4);
    return _mm256_set1_epi32(v);
}

/// Block `blk` for NT (1-4) tokens into acc[0 ..< NT]; the tokens' quants of this block at xq[t]
/// (elements 0-15, and 16-31 32 bytes on), their scales and biases at xd[t] and xb[t].
static inline __attribute__((always_inline)) void ck_rows8_block(const uint8_t *blk, const int8_t *const *xq,
                                                              const float *const *xd, const int32_t *const *xb,
                                                              const int NT, __m256 *acc) {
    const __m256i low4 = _mm256_set1_epi8(0x0F), ones = _mm256_set1_epi16(1);
    for (int line = 0; line < CK_ROWS8_BLOCK_BYTES; line += 64) {
        _mm_prefetch((const char *)blk + CK_ROWS8_FETCH_L2 + line, _MM_HINT_T1);
        _mm_prefetch((const char *)blk + CK_ROWS8_FETCH_L1 + line, _MM_HINT_T0);
    }
    __m256i sums[4];
    for (int t = 0; t < NT; t++) sums[t] = _mm256_setzero_si256();
    // unrolled: as a loop the chunks measured 12% slower (docs/PERFORMANCE.md has what else was tried)
#pragma clang loop unroll(full)
    for (int k = 0; k < 4; k++) {
        const __m256i v = _mm256_loadu_si256((const __m256i *)(blk + 16 + 32 * k));
        const __m256i lo = _mm256_and_si256(v, low4), hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), low4);
        for (int t = 0; t < NT; t++) {
            const __m256i both = _mm256_add_epi16(_mm256_maddubs_epi16(lo, ck_rows8_bcast(xq[t] + 4 * k)),
                                                  _mm256_maddubs_epi16(hi, ck_rows8_bcast(xq[t] + 32 + 4 * k)));
            sums[t] = _mm256_add_epi16(sums[t], both);
        }
    }
    const __m256 wd = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)blk));
    for (int t = 0; t < NT; t++) {
        const __m256i dot = _mm256_add_epi32(_mm256_madd_epi16(sums[t], ones), _mm256_set1_epi32(*xb[t]));
        acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_mul_ps(wd, _mm256_set1_ps(*xd[t])), acc[t]);
    }
}

/// One group (eight rows) of `nblocks` blocks for NT (1-4) tokens into acc[0 ..< NT], pair by pair
/// (the activations' paired layout: block 2p's quants at 64p and 64p + 32, block 2p + 1's 16 on).
static inline __attribute__((always_inline)) void ck_rows8_group(const uint8_t *group, int64_t nblocks,
                                                              const ck_q8_act *xs, const int NT, __m256 *acc) {
    for (int t = 0; t < NT; t++) acc[t] = _mm256_setzero_ps();
    const int8_t *xq[4];
    const float *xd[4];
    const int32_t *xb[4];
    for (int t = 0; t < NT; t++) {
        xq[t] = xs[t].q;
        xd[t] = xs[t].d;
        xb[t] = xs[t].bias4;
    }
    for (int64_t b = 0; b < nblocks; b += 2) {
        ck_rows8_block(group + (size_t)b * CK_ROWS8_BLOCK_BYTES, xq, xd, xb, NT, acc);
        if (b + 1 < nblocks) {
            const int8_t *q1[4];
            const float *d1[4];
            const int32_t *b1[4];
            for (int t = 0; t < NT; t++) {
                q1[t] = xq[t] + 16;
                d1[t] = xd[t] + 4;
                b1[t] = xb[t] + 4;
            }
            ck_rows8_block(group + (size_t)(b + 1) * CK_ROWS8_BLOCK_BYTES, q1, d1, b1, NT, acc);
        }
        for (int t = 0; t < NT; t++) {
            xq[t] += 64;
            xd[t] += 8;
            xb[t] += 8;
        }
    }
}

static inline __attribute__((always_inline)) void ck_rows8_store(__m256 v, float *y, int64_t count) {
    if (count >= 8) {
        _mm256_storeu_ps(y, v);
        return;
    }
    float lanes[8];
    _mm256_storeu_ps(lanes, v);
    memcpy(y, lanes, (size_t)count * sizeof(float));
}

/// Every group for NT tokens xs[0 ..< NT].
static inline __attribute__((always_inline)) void ck_rows8_tokens(const uint8_t *packed, int64_t rows,
                                                               const ck_q8_act *xs, const int NT, float *y,
                                                               int64_t ldy) {
    const int64_t nblocks = xs->nblocks;
    const size_t group_bytes = (size_t)nblocks * CK_ROWS8_BLOCK_BYTES;
    for (int64_t g = 0; g * 8 < rows; g++) {
        __m256 acc[4];
        ck_rows8_group(packed + (size_t)g * group_bytes, nblocks, xs, NT, acc);
        for (int t = 0; t < NT; t++) ck_rows8_store(acc[t], y + t * ldy + g * 8, rows - g * 8);
    }
}

void ck_rows8_matmul_avx2(const void *packed, int64_t rows, const ck_q8_act *xs, int64_t ntok, float *y,
                          int64_t ldy) {
    const uint8_t *base = (const uint8_t *)packed;
    for (int64_t t = 0; t < ntok; t += 4) {
        switch (ntok - t < 4 ? ntok - t : 4) {
        case 4: ck_rows8_tokens(base, rows, xs + t, 4, y + t * ldy, ldy); break;
        case 3: ck_rows8_tokens(base, rows, xs + t, 3, y + t * ldy, ldy); break;
        case 2: ck_rows8_tokens(base, rows, xs + t, 2, y + t * ldy, ldy); break;
        default: ck_rows8_tokens(base, rows, xs + t, 1, y + t * ldy, ldy); break;
        }
    }
}

#pragma clang attribute pop
#endif
