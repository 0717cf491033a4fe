// The kernels of kquants_x86_body.h built for AVX2 + FMA + F16C.
#if defined(__x86_64__)
#include <immintrin.h>
#include <math.h>

#pragma STDC FP_CONTRACT OFF
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)

#define KQ_NAME(x) x##_avx2

static inline __m256i kq_dot(__m256i a, __m256i u, __m256i s) {
    return _mm256_add_epi32(a, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1)));
}

#include "kquants_x86_body.h"

#pragma clang attribute pop
#endif
