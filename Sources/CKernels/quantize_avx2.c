// Vectorized quantizers, bit-identical to ggml's reference ones (and to QuantRow in Swift):
// same float operations in the same order, roundf's halves-away-from-zero, C's truncating casts.
#include "ckernels.h"
#if defined(__x86_64__)
#include "blocks.h"
#include "simd_avx2.h"
#include <immintrin.h>
#include <string.h>

#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)

/// roundf: nearest integer, halves away from zero.
static inline __m256 ck_roundf(__m256 t) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 r = _mm256_round_ps(t, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    __m256 frac = _mm256_andnot_ps(sign, _mm256_sub_ps(t, r));
    __m256 step = _mm256_or_ps(_mm256_set1_ps(1.0f), _mm256_and_ps(t, sign));
    return _mm256_add_ps(r, _mm256_and_ps(_mm256_cmp_ps(frac, _mm256_set1_ps(0.5f), _CMP_GE_OQ), step));
}

/// 32 int32 lanes (four registers, elements in order) to 32 int8 in order.
static inline __m256i ck_pack_i8(__m256i a, __m256i b, __m256i c, __m256i d) {
    __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(a, b), _mm256_packs_epi32(c, d));
    return _mm256_permutevar8x32_epi32(p, _mm256_set_epi32(7, 3, 6, 2, 5, 1, 4, 0));
}

/// One Q8_0 block of the 32 values in v: writes 32 quants, returns the fp16 scale bits and the quant sum.
static inline uint16_t ck_q8_values(const __m256 v[4], int8_t *q, int32_t *sum) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 amax = _mm256_setzero_ps();
    for (int k = 0; k < 4; k++) amax = _mm256_max_ps(amax, _mm256_andnot_ps(sign, v[k]));
    const float d = ck_hmax8(amax) / 127.0f;
    const __m256 id = _mm256_set1_ps(d != 0.0f ? 1.0f / d : 0.0f);
    __m256i i[4];
    for (int k = 0; k < 4; k++) i[k] = _mm256_cvttps_epi32(ck_roundf(_mm256_mul_ps(v[k], id)));
    _mm256_storeu_si256((__m256i *)q, ck_pack_i8(i[0], i[1], i[2], i[3]));
    __m256i s = _mm256_add_epi32(_mm256_add_epi32(i[0], i[1]), _mm256_add_epi32(i[2], i[3]));
    __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
    s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0x4E));
    s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0xB1));
    *sum = _mm_cvtsi128_si32(s4);
    return _cvtss_sh(d, _MM_FROUND_TO_NEAREST_INT);
}

/// One Q8_0 block of x[0:32].
static inline uint16_t ck_q8_block(const float *x, int8_t *q, int32_t *sum) {
    __m256 v[4];
    for (int k = 0; k < 4; k++) v[k] = _mm256_loadu_ps(x + 8 * k);
    return ck_q8_values(v, q, sum);
}

void ck_quantize_act_avx2(const float *x, int64_t nblocks, int8_t *q, float *d, int32_t *sum,
                          int8_t *pq, float *pd, int32_t *pb4, int32_t *pb8) {
    for (int64_t b = 0; b < nblocks; b++) {
        const float dr = _cvtsh_ss(ck_q8_block(x + 32 * b, q + 32 * b, sum + b));
        d[b] = dr;
        const int64_t p = b / 2, half = b % 2;
        memcpy(pq + p * 64 + half * 16, q + 32 * b, 16);
        memcpy(pq + p * 64 + 32 + half * 16, q + 32 * b + 16, 16);
        for (int lane = 0; lane < 4; lane++) {
            pd[p * 8 + half * 4 + lane] = dr;
            pb4[p * 8 + half * 4 + lane] = lane == 0 ? -8 * sum[b] : 0;
            pb8[p * 8 + half * 4 + lane] = lane == 0 ? -128 * sum[b] : 0;
        }
    }
    if (nblocks & 1) {  // the last pair's missing block is all zeros
        const int64_t p = nblocks / 2;
        memset(pq + p * 64 + 16, 0, 16);
        memset(pq + p * 64 + 48, 0, 16);
        for (int lane = 4; lane < 8; lane++) pd[p * 8 + lane] = 0, pb4[p * 8 + lane] = 0, pb8[p * 8 + lane] = 0;
    }
}

void ck_quantize_act_groups_avx2(const float *x, const float *norm, float scale, int64_t begin, int64_t end,
                                 int8_t *gq, float *gd, int32_t *gbias4) {
    const __m256 s = _mm256_set1_ps(scale);
    for (int64_t b = begin; b < end; b++) {
        __m256 v[4];
        for (int k = 0; k < 4; k++) {
            v[k] = _mm256_loadu_ps(x + 32 * b + 8 * k);
            // as rmsnorm computes it: (x * scale) * weight
            if (norm) v[k] = _mm256_mul_ps(_mm256_mul_ps(v[k], s), _mm256_loadu_ps(norm + 32 * b + 8 * k));
        }
        int8_t q[32];
        int32_t sum;
        const float d = _cvtsh_ss(ck_q8_values(v, q, &sum));
        ck_put_act_group_block(b, q, d, sum, gq, gd, gbias4);
    }
}

void ck_quantize_row_q8_0_avx2(const float *x, int64_t n, void *out) {
    ck_block_q8_0 *blocks = (ck_block_q8_0 *)out;
    for (int64_t b = 0; b < n / 32; b++) {
        int8_t q[32];
        int32_t sum;
        uint16_t h = ck_q8_block(x + 32 * b, q, &sum);
        memcpy(&blocks[b].d, &h, 2);
        memcpy(blocks[b].qs, q, 32);
    }
}

void ck_quantize_row_q4_0_avx2(const float *x, int64_t n, void *out) {
    ck_block_q4_0 *blocks = (ck_block_q4_0 *)out;
    const __m256 sign = _mm256_set1_ps(-0.0f);
    for (int64_t b = 0; b < n / 32; b++) {
        const float *xb = x + 32 * b;
        __m256 v[4], amax = _mm256_setzero_ps();
        for (int k = 0; k < 4; k++) {
            v[k] = _mm256_loadu_ps(xb + 8 * k);
            amax = _mm256_max_ps(amax, _mm256_andnot_ps(sign, v[k]));
        }
        // the signed value of the first element of largest magnitude
        const float a = ck_hmax8(amax);
        const __m256 av = _mm256_set1_ps(a);
        uint32_t hits = 0;
        for (int k = 0; k < 4; k++) {
            hits |= (uint32_t)_mm256_movemask_ps(_mm256_cmp_ps(_mm256_andnot_ps(sign, v[k]), av, _CMP_EQ_OQ)) << (8 * k);
        }
        // all zeros keep max = +0 as the reference's starting value does (d = -0, fp16 0x8000)
        const float max = (a > 0.0f && hits) ? xb[__builtin_ctz(hits)] : 0.0f;
        const float d = max / -8;
        const __m256 id = _mm256_set1_ps(d != 0.0f ? 1.0f / d : 0.0f);
        __m256i i[4];
        for (int k = 0; k < 4; k++) {
            __m256i t = _mm256_cvttps_epi32(_mm256_add_ps(_mm256_mul_ps(v[k], id), _mm256_set1_ps(8.5f)));
            i[k] = _mm256_min_epi32(t, _mm256_set1_epi32(15));
        }
        __m256i q = ck_pack_i8(i[0], i[1], i[2], i[3]);  // 32 quants 0..15 in order
        __m128i lo = _mm256_castsi256_si128(q), hi = _mm256_extracti128_si256(q, 1);
        __m128i packed = _mm_or_si128(lo, _mm_slli_epi16(hi, 4));
        uint16_t h = _cvtss_sh(d, _MM_FROUND_TO_NEAREST_INT);
        memcpy(&blocks[b].d, &h, 2);
        _mm_storeu_si128((__m128i *)blocks[b].qs, packed);
    }
}

#pragma clang attribute pop
#endif
