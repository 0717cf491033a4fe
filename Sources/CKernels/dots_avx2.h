#ifndef GLMCHAT_CKERNELS_DOTS_AVX2_H
#define GLMCHAT_CKERNELS_DOTS_AVX2_H
// The integer dots of pairs.h with AVX2: vpmaddubsw products, vpmaddwd to int32.
#if defined(__x86_64__)
#include <immintrin.h>

/// Unsigned nibbles times signed activations: the int16 pair sums stay below 2 * 2 * 15 * 127.
static inline __attribute__((always_inline)) __m256i ck_q4_dot(__m256i lo, __m256i hi, __m256i xlo, __m256i xhi,
                                                             __m256i bias4) {
    const __m256i sums = _mm256_add_epi16(_mm256_maddubs_epi16(lo, xlo), _mm256_maddubs_epi16(hi, xhi));
    return _mm256_add_epi32(_mm256_madd_epi16(sums, _mm256_set1_epi16(1)), bias4);
}

/// Signed weights: |w| times x carrying w's sign (ggml's trick), so vpmaddubsw cannot overflow.
static inline __attribute__((always_inline)) __m256i ck_signed_dot(__m256i w, __m256i x) {
    const __m256i p16 = _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(x, w));
    return _mm256_madd_epi16(p16, _mm256_set1_epi16(1));
}

/// Needs no bias: the weights stay signed.
static inline __attribute__((always_inline)) __m256i ck_q8_dot(__m256i wlo, __m256i whi, __m256i xlo, __m256i xhi,
                                                             __m256i bias8) {
    (void)bias8;
    return _mm256_add_epi32(ck_signed_dot(wlo, xlo), ck_signed_dot(whi, xhi));
}
#endif
#endif
