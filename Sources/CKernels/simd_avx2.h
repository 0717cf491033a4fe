#ifndef GLMCHAT_CKERNELS_SIMD_AVX2_H
#define GLMCHAT_CKERNELS_SIMD_AVX2_H
// Small 256-bit helpers every kernel file uses (one definition, so every kernel sums the same way).
#if defined(__x86_64__)
#include <immintrin.h>

/// The sum of 8 lanes, always in the same order (the batched kernels rely on it to match matVec).
static inline __attribute__((target("avx2"))) float ck_hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/// The largest of 8 lanes.
static inline __attribute__((target("avx2"))) float ck_hmax8(__m256 v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
}

/// 16 bytes at a in the low half, 16 bytes at b in the high half.
static inline __attribute__((target("avx2"))) __m256i ck_halves(const void *a, const void *b) {
    return _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)a)),
                                   _mm_loadu_si128((const __m128i *)b), 1);
}

/// 16 bytes at a in the low half, zeros in the high half.
static inline __attribute__((target("avx2"))) __m256i ck_low_half(const void *a) {
    return _mm256_zextsi128_si256(_mm_loadu_si128((const __m128i *)a));
}
#endif
#endif
