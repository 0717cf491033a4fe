// The streaming attention pass with the 16 heads in two 256-bit registers (attention_stream_body.h).
#include "ckernels_attention.h"
#if defined(__x86_64__)
#include "vexp.h"
#include <immintrin.h>
#include <math.h>

#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)

typedef struct { __m256 lo, hi; } v16;
static inline v16 v_pair(__m256 lo, __m256 hi) { v16 r = {lo, hi}; return r; }
static inline v16 v_zero(void) { return v_pair(_mm256_setzero_ps(), _mm256_setzero_ps()); }
static inline v16 v_set1(float x) { const __m256 b = _mm256_set1_ps(x); return v_pair(b, b); }
static inline v16 v_load(const float *p) { return v_pair(_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8)); }
static inline void v_store(float *p, v16 a) { _mm256_storeu_ps(p, a.lo); _mm256_storeu_ps(p + 8, a.hi); }
static inline v16 v_fmadd(v16 a, v16 b, v16 c) {
    return v_pair(_mm256_fmadd_ps(a.lo, b.lo, c.lo), _mm256_fmadd_ps(a.hi, b.hi, c.hi));
}
static inline v16 v_add(v16 a, v16 b) { return v_pair(_mm256_add_ps(a.lo, b.lo), _mm256_add_ps(a.hi, b.hi)); }
static inline v16 v_sub(v16 a, v16 b) { return v_pair(_mm256_sub_ps(a.lo, b.lo), _mm256_sub_ps(a.hi, b.hi)); }
static inline v16 v_mul(v16 a, v16 b) { return v_pair(_mm256_mul_ps(a.lo, b.lo), _mm256_mul_ps(a.hi, b.hi)); }
static inline v16 v_max(v16 a, v16 b) { return v_pair(_mm256_max_ps(a.lo, b.lo), _mm256_max_ps(a.hi, b.hi)); }
static inline int v_any_gt(v16 a, v16 b) {
    return _mm256_movemask_ps(_mm256_or_ps(_mm256_cmp_ps(a.lo, b.lo, _CMP_GT_OQ), _mm256_cmp_ps(a.hi, b.hi, _CMP_GT_OQ))) != 0;
}
static inline v16 v_exp(v16 x) { return v_pair(ck_exp8(x.lo), ck_exp8(x.hi)); }
static inline void v_from_f16(const uint16_t *in, float *out) {
    _mm256_storeu_ps(out, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)in)));
    _mm256_storeu_ps(out + 8, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(in + 8))));
}

#define CK_AS_CAT2(a, b) a##b
#define CK_AS_CAT(a, b) CK_AS_CAT2(a, b)
#define CK_AS_FUNCTION ck_attn_stream_f16_avx2
// sixteen registers: four positions x two halves of sums, two query halves and a broadcast
#define CK_AS_TILE 4
#define CK_AS_VCHUNK 4
#include "attention_stream_body.h"

#pragma clang attribute pop
#endif
