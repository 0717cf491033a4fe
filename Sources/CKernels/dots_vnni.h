#ifndef GLMCHAT_CKERNELS_DOTS_VNNI_H
#define GLMCHAT_CKERNELS_DOTS_VNNI_H
// The integer dots of pairs.h with AVX-512 VNNI at 256-bit width. vpdpbusd multiplies unsigned
// weight bytes by signed activation bytes, so weights are offset to unsigned (Q4_0: nibbles 0..15,
// Q8_0: w + 128) and the offset times the block's activation sum is the starting accumulator
// (`bias4` / `bias8`).
#if defined(__x86_64__)
#include <immintrin.h>

static inline __attribute__((always_inline)) __m256i ck_q4_dot(__m256i lo, __m256i hi, __m256i xlo, __m256i xhi,
                                                             __m256i bias4) {
    return _mm256_dpbusd_epi32(_mm256_dpbusd_epi32(bias4, lo, xlo), hi, xhi);
}

static inline __attribute__((always_inline)) __m256i ck_q8_dot(__m256i wlo, __m256i whi, __m256i xlo, __m256i xhi,
                                                             __m256i bias8) {
    const __m256i flip = _mm256_set1_epi8((char)0x80);
    const __m256i dot = _mm256_dpbusd_epi32(bias8, _mm256_xor_si256(wlo, flip), xlo);
    return _mm256_dpbusd_epi32(dot, _mm256_xor_si256(whi, flip), xhi);
}
#endif
#endif
