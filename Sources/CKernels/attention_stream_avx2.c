// The streaming attention passes (F16 and q8_0 caches) with the 16 heads in two 256-bit registers
// (attention_stream_body.h).
#include "ckernels_attention.h"
#if defined(__x86_64__)
#include "vexp.h"
#include <immintrin.h>
#include <math.h>
#include <string.h>

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
static inline void f16_row(const uint8_t *in, int64_t dim, float *out) {
    for (int64_t d = 0; d < dim; d += 8) {
        _mm256_storeu_ps(out + d, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(in + 2 * d))));
    }
}
/// q8_0 blocks (an f16 scale, then `block` int8 values; block 16 or 32) as floats, 16 at a time.
static inline void q8_row(const uint8_t *in, int64_t dim, int64_t block, float *out) {
    for (int64_t d = 0; d < dim; d += 16) {
        const uint8_t *b = in + (d / block) * (2 + block);
        uint16_t bits;
        memcpy(&bits, b, 2);
        const __m256 scale = _mm256_set1_ps(_cvtsh_ss(bits));
        const __m128i q = _mm_loadu_si128((const __m128i *)(b + 2 + d % block));
        _mm256_storeu_ps(out + d, _mm256_mul_ps(scale, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q))));
        _mm256_storeu_ps(out + d + 8,
                         _mm256_mul_ps(scale, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(q, 8)))));
    }
}

#define CK_AS_CAT2(a, b) a##b
#define CK_AS_CAT(a, b) CK_AS_CAT2(a, b)
// sixteen registers: four positions x two halves of sums, two query halves and a broadcast
#define CK_AS_TILE 4
#define CK_AS_VCHUNK 4

#define CK_AS_FUNCTION ck_attn_stream_f16_avx2
#define CK_AS_ROW(in, dim, block, out) f16_row(in, dim, out)
#include "attention_stream_body.h"
void ck_attn_stream_f16_avx2(const uint16_t *keys, const uint16_t *values, int64_t stride, int64_t begin,
                             int64_t end, const float *queries, int64_t qstride, int64_t heads, int64_t dim,
                             float scale, float *work, float *state) {
    ck_attn_stream_f16_avx2_core((const uint8_t *)keys, (const uint8_t *)values, 2 * stride, 0, begin, end, queries,
                                 qstride, heads, dim, scale, work, state);
}
#undef CK_AS_FUNCTION
#undef CK_AS_ROW

#define CK_AS_FUNCTION ck_attn_stream_q8_0_avx2
#define CK_AS_ROW(in, dim, block, out) q8_row(in, dim, block, out)
#include "attention_stream_body.h"
void ck_attn_stream_q8_0_avx2(const uint8_t *keys, const uint8_t *values, int64_t row_bytes, int64_t block,
                              int64_t begin, int64_t end, const float *queries, int64_t qstride, int64_t heads,
                              int64_t dim, float scale, float *work, float *state) {
    ck_attn_stream_q8_0_avx2_core(keys, values, row_bytes, block, begin, end, queries, qstride, heads, dim, scale,
                                  work, state);
}

#pragma clang attribute pop
#endif
