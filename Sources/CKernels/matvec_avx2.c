// The AVX2 (+ FMA, F16C) matrix-vector products, from the shared bodies in pair_rows.h and
// float_rows.h, and the half-precision vector helpers.
#include "ckernels.h"
#if defined(__x86_64__)
#include "simd_avx2.h"
#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)

#include "dots_avx2.h"
#define CK_QUANT_KERNEL(name) name##_avx2
#define CK_QUAD_SCALES 1
#include "pair_rows.h"

typedef __m256 ck_vf;
enum { CK_VF_LANES = 8 };
static inline ck_vf ck_vf_zero(void) { return _mm256_setzero_ps(); }
static inline ck_vf ck_vf_load(const float *p) { return _mm256_loadu_ps(p); }
static inline ck_vf ck_vf_load_f16(const uint16_t *p) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p)); }
static inline ck_vf ck_vf_fma(ck_vf a, ck_vf b, ck_vf acc) { return _mm256_fmadd_ps(a, b, acc); }
/// The sum of both accumulators, then the last columns one at a time.
static inline __attribute__((always_inline)) float ck_vf_finish(ck_vf acc0, ck_vf acc1, const void *row, const float *x,
                                                              int64_t c, int64_t n, const int f16) {
    float sum = ck_hsum8(_mm256_add_ps(acc0, acc1));
    for (; c < n; c++) sum += (f16 ? _cvtsh_ss(((const uint16_t *)row)[c]) : ((const float *)row)[c]) * x[c];
    return sum;
}
#define CK_FLOAT_KERNEL(name) name##_avx2
#include "float_rows.h"

float ck_dot_f32_f16_avx2(const float *a, const uint16_t *b, int64_t n) { return ck_dot_row(b, a, n, 1); }

void ck_axpy_f16_avx2(float alpha, const uint16_t *x, float *y, int64_t n) {
    const __m256 a = _mm256_set1_ps(alpha);
    int64_t i = 0;
    for (; i + 7 < n; i += 8) {
        __m256 xv = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(x + i)));
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(a, xv, _mm256_loadu_ps(y + i)));
    }
    for (; i < n; i++) y[i] += alpha * _cvtsh_ss(x[i]);
}

void ck_f32_to_f16_avx2(const float *x, uint16_t *out, int64_t n) {
    int64_t i = 0;
    for (; i + 7 < n; i += 8) {
        _mm_storeu_si128((__m128i *)(out + i), _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
    }
    for (; i < n; i++) out[i] = _cvtss_sh(x[i], _MM_FROUND_TO_NEAREST_INT);
}

void ck_f16_to_f32_avx2(const uint16_t *x, float *out, int64_t n) {
    int64_t i = 0;
    for (; i + 7 < n; i += 8) _mm256_storeu_ps(out + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(x + i))));
    for (; i < n; i++) out[i] = _cvtsh_ss(x[i]);
}

#pragma clang attribute pop
#endif
