// The read loop of the bandwidth probe, in C so that what it measures is plain loads (a Swift
// SIMD loop measured 54 GB/s on a machine whose every C read loop, and the weights, top out at 33).
#include "ckernels.h"
#if defined(__x86_64__)
#include "simd_avx2.h"
#include <immintrin.h>

__attribute__((target("avx2"))) float ck_read_sum_avx2(const void *p, size_t n) {
    const char *b = (const char *)p;
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    for (size_t i = 0; i + 128 <= n; i += 128) {
        s0 = _mm256_add_ps(s0, _mm256_loadu_ps((const float *)(b + i)));
        s1 = _mm256_add_ps(s1, _mm256_loadu_ps((const float *)(b + i + 32)));
        s2 = _mm256_add_ps(s2, _mm256_loadu_ps((const float *)(b + i + 64)));
        s3 = _mm256_add_ps(s3, _mm256_loadu_ps((const float *)(b + i + 96)));
    }
    return ck_hsum8(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
}
#endif
