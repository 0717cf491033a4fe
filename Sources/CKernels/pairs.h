#ifndef GLMCHAT_CKERNELS_PAIRS_H
#define GLMCHAT_CKERNELS_PAIRS_H
// A pair of Q4_0 or Q8_0 blocks against the paired activation layout of ck_q8_act, at 256-bit width.
// The including file defines its instruction set's integer dot first (dots_avx2.h or dots_vnni.h):
//   ck_q4_dot(lo, hi, xlo, xhi, bias4)   bias4 + lo . xlo + hi . xhi, nibbles times activations
//   ck_q8_dot(wlo, whi, xlo, xhi, bias8)  wlo . xlo + whi . xhi, signed weight bytes (bias8 undoes
//                                         an offset to unsigned, where the set needs one)
// Every set gives the exact int32 sums in the same lanes, so the float work below gives the same
// bits on all of them.
#if defined(__x86_64__)
#include "blocks.h"
#include "simd_avx2.h"
#include <string.h>

/// Whether whole quads of pairs take their scales from ck_row_quad_scales, for the single-token
/// (pair_rows.h) and the batched (pair_matmul.h) kernels alike: the including file sets it to 1 where
/// the vector units bound the kernel, as on AVX2 cores; same results either way.
#ifndef CK_QUAD_SCALES
#define CK_QUAD_SCALES 0
#endif

/// Bytes of one Q4_0 (q8 = 0) or Q8_0 (q8 = 1) block.
static inline size_t ck_block_bytes(const int q8) { return q8 ? sizeof(ck_block_q8_0) : sizeof(ck_block_q4_0); }

/// Whether a row sums its pairs in one accumulator (long Q4_0 rows, done several rows at a time) or
/// alternates two (every other row): the single-token and the batched kernels must agree, bit for bit.
static inline int ck_row_sums_once(int64_t nblocks, const int q8) { return !q8 && nblocks > CK_LONG_ROW_BLOCKS; }

/// One pair of blocks: its weights in two registers, and [dw0 x4, dw1 x4] (a missing block's are 0).
typedef struct { __m256i lo, hi; __m256 scales; } ck_pair;

/// The fp16 weight scales of a pair as [d0 x4, d1 x4].
static inline __attribute__((always_inline)) __m256 ck_pair_weight_scales(uint16_t d0, uint16_t d1) {
    return _mm256_cvtph_ps(_mm_unpacklo_epi64(_mm_set1_epi16((short)d0), _mm_set1_epi16((short)d1)));
}

/// The fp16 scales of four whole pairs (eight blocks from `first`, `block_bytes` apart) as
/// [d0 d2 d4 d6 | d1 d3 d5 d7], so that pair k's [d2k x4, d2k+1 x4] is one in-lane permute
/// (ck_quad_pair_scales). The sixteen-bit values are gathered in general registers: on AVX2 cores
/// the vector units, not the loads, bound the kernels, and this takes about five vector operations
/// for four pairs (and a shuffle each) where ck_pair_weight_scales takes about six for each pair
/// (docs/PERFORMANCE.md, "A Zen 3 EPYC").
static inline __attribute__((always_inline)) __m256 ck_quad_weight_scales(const char *first, size_t block_bytes) {
    uint64_t even = 0, odd = 0;
    for (int k = 3; k >= 0; k--) {
        uint16_t e, o;
        memcpy(&e, first + (size_t)(2 * k) * block_bytes, 2);
        memcpy(&o, first + (size_t)(2 * k + 1) * block_bytes, 2);
        even = even << 16 | e;
        odd = odd << 16 | o;
    }
    return _mm256_cvtph_ps(_mm_set_epi64x((long long)odd, (long long)even));
}

/// Pair k (0-3) of ck_quad_weight_scales as [d2k x4, d2k+1 x4].
#define ck_quad_pair_scales(quad, k) _mm256_permute_ps((quad), (k) * 0x55)

/// Q4_0 blocks b[0] and b[1] as low and high nibbles (0..15) with the pair's `scales`; with `whole`
/// false only b[0] is read and the second block is zeros.
static inline __attribute__((always_inline)) ck_pair ck_load_q4_pair_scaled(const ck_block_q4_0 *b, int whole,
                                                                           __m256 scales) {
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    const __m256i v = whole ? ck_halves(b[0].qs, b[1].qs) : ck_low_half(b[0].qs);
    const ck_pair pair = {_mm256_and_si256(v, low4), _mm256_and_si256(_mm256_srli_epi16(v, 4), low4), scales};
    return pair;
}

/// Q8_0 blocks b[0] and b[1]: their first 16 quants in `lo`, the last 16 in `hi`; as ck_load_q4_pair_scaled.
static inline __attribute__((always_inline)) ck_pair ck_load_q8_pair_scaled(const ck_block_q8_0 *b, int whole,
                                                                           __m256 scales) {
    const ck_pair pair = {whole ? ck_halves(b[0].qs, b[1].qs) : ck_low_half(b[0].qs),
                          whole ? ck_halves(b[0].qs + 16, b[1].qs + 16) : ck_low_half(b[0].qs + 16), scales};
    return pair;
}

/// Pair p of a Q4_0 (q8 = 0) or Q8_0 (q8 = 1) row with the given scales.
static inline __attribute__((always_inline)) ck_pair ck_load_pair_scaled(const char *row, int64_t p, int whole,
                                                                        __m256 scales, const int q8) {
    return q8 ? ck_load_q8_pair_scaled((const ck_block_q8_0 *)row + 2 * p, whole, scales)
              : ck_load_q4_pair_scaled((const ck_block_q4_0 *)row + 2 * p, whole, scales);
}

/// Pair p of a row with its own scales converted (the pairs outside whole quads).
static inline __attribute__((always_inline)) ck_pair ck_load_pair(const char *row, int64_t p, int whole, const int q8) {
    const size_t bytes = ck_block_bytes(q8);
    uint16_t d0, d1 = 0;
    memcpy(&d0, row + (size_t)(2 * p) * bytes, 2);
    if (whole) memcpy(&d1, row + (size_t)(2 * p + 1) * bytes, 2);
    return ck_load_pair_scaled(row, p, whole, ck_pair_weight_scales(d0, d1), q8);
}

/// Scales for the four pairs from pair p of a Q4_0 or Q8_0 row.
static inline __attribute__((always_inline)) __m256 ck_row_quad_scales(const char *row, int64_t p, const int q8) {
    const size_t bytes = ck_block_bytes(q8);
    return ck_quad_weight_scales(row + (size_t)(2 * p) * bytes, bytes);
}

/// acc + the integer dot of a Q4_0 pair (q8 = 0) or a Q8_0 pair (q8 = 1) with activation pair p,
/// times the weight and activation scales.
static inline __attribute__((always_inline)) __m256 ck_pair_fma(ck_pair w, const ck_q8_act *x, int64_t p, __m256 acc,
                                                              const int q8) {
    const int8_t *xq = x->q + p * 64;
    const __m256i xlo = _mm256_loadu_si256((const __m256i *)xq);
    const __m256i xhi = _mm256_loadu_si256((const __m256i *)(xq + 32));
    const __m256i dot = q8 ? ck_q8_dot(w.lo, w.hi, xlo, xhi, _mm256_loadu_si256((const __m256i *)(x->bias8 + p * 8)))
                           : ck_q4_dot(w.lo, w.hi, xlo, xhi, _mm256_loadu_si256((const __m256i *)(x->bias4 + p * 8)));
    return _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_mul_ps(w.scales, _mm256_loadu_ps(x->d + p * 8)), acc);
}
#endif
#endif
