// Softmax and SiLU gating with a vectorized exp (see vexp.h): the scalar expf calls were the
// largest serial step of a token at long contexts (softmax) and in the MLP (SwiGLU).
#include "ckernels.h"
#if defined(__x86_64__)
#include "vexp.h"

#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)

void ck_softmax_avx2(float *x, int64_t n) {
    if (n <= 0) return;
    float m = x[0];
    int64_t i = 0;
    __m256 mv = _mm256_set1_ps(x[0]);
    for (; i + 8 <= n; i += 8) mv = _mm256_max_ps(mv, _mm256_loadu_ps(x + i));
    m = ck_hmax8(mv);
    for (; i < n; i++) m = x[i] > m ? x[i] : m;
    const __m256 mb = _mm256_set1_ps(m);
    __m256 sv = _mm256_setzero_ps();
    for (i = 0; i + 8 <= n; i += 8) {
        const __m256 e = ck_exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), mb));
        _mm256_storeu_ps(x + i, e);
        sv = _mm256_add_ps(sv, e);
    }
    float sum = ck_hsum8(sv);
    if (i < n) {
        float tail[8] = {0}, ex[8];
        for (int64_t k = i; k < n; k++) tail[k - i] = x[k] - m;
        _mm256_storeu_ps(ex, ck_exp8(_mm256_loadu_ps(tail)));
        for (int64_t k = i; k < n; k++) { x[k] = ex[k - i]; sum += ex[k - i]; }
    }
    const __m256 inv = _mm256_set1_ps(1.0f / sum);
    for (i = 0; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), inv));
    for (; i < n; i++) x[i] *= 1.0f / sum;
}

void ck_silu_gate_avx2(const float *a, const float *b, int64_t n, float *out) {
    const __m256 one = _mm256_set1_ps(1.0f);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 va = _mm256_loadu_ps(a + i);
        const __m256 e = ck_exp8(_mm256_sub_ps(_mm256_setzero_ps(), va));
        _mm256_storeu_ps(out + i, _mm256_mul_ps(_mm256_div_ps(va, _mm256_add_ps(one, e)), _mm256_loadu_ps(b + i)));
    }
    if (i < n) {
        float ta[8] = {0}, tb[8] = {0}, to[8];
        for (int64_t k = i; k < n; k++) { ta[k - i] = a[k]; tb[k - i] = b[k]; }
        ck_silu_gate_avx2(ta, tb, 8, to);
        for (int64_t k = i; k < n; k++) out[k] = to[k - i];
    }
}

#pragma clang attribute pop
#endif
