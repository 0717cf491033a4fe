// The streaming attention passes (F16 and q8_0 caches) with the 16 heads in one 512-bit register
// (attention_stream_body.h).
#include "ckernels_attention.h"
#if defined(__x86_64__)
#include "vexp.h"
#include <immintrin.h>
#include <math.h>
#include <string.h>

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma,f16c"))), apply_to = function)

typedef __m512 v16;
static inline v16 v_zero(void) { return _mm512_setzero_ps(); }
static inline v16 v_set1(float x) { return _mm512_set1_ps(x); }
static inline v16 v_load(const float *p) { return _mm512_loadu_ps(p); }
static inline void v_store(float *p, v16 a) { _mm512_storeu_ps(p, a); }
static inline v16 v_fmadd(v16 a, v16 b, v16 c) { return _mm512_fmadd_ps(a, b, c); }
static inline v16 v_add(v16 a, v16 b) { return _mm512_add_ps(a, b); }
static inline v16 v_sub(v16 a, v16 b) { return _mm512_sub_ps(a, b); }
static inline v16 v_mul(v16 a, v16 b) { return _mm512_mul_ps(a, b); }
static inline v16 v_max(v16 a, v16 b) { return _mm512_max_ps(a, b); }
static inline int v_any_gt(v16 a, v16 b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ) != 0; }
static inline v16 v_exp(v16 x) { return ck_exp16(x); }
static inline void f16_row(const uint8_t *in, int64_t dim, float *out) {
    for (int64_t d = 0; d < dim; d += 16) {
        _mm512_storeu_ps(out + d, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(in + 2 * d))));
    }
}
/// q8_0 blocks (an f16 scale, then `block` int8 values; block 16 or 32) as floats, 16 at a time.
static inline void q8_row(const uint8_t *in, int64_t dim, int64_t block, float *out) {
    for (int64_t d = 0; d < dim; d += 16) {
        const uint8_t *b = in + (d / block) * (2 + block);
        uint16_t bits;
        memcpy(&bits, b, 2);
        const __m512 scale = _mm512_set1_ps(_cvtsh_ss(bits));
        const __m128i q = _mm_loadu_si128((const __m128i *)(b + 2 + d % block));
        _mm512_storeu_ps(out + d, _mm512_mul_ps(scale, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(q))));
    }
}

#define CK_AS_CAT2(a, b) a##b
#define CK_AS_CAT(a, b) CK_AS_CAT2(a, b)
// eight independent sums keep both FMA ports busy through their four-cycle latency
#define CK_AS_TILE 8
#define CK_AS_VCHUNK 16

#define CK_AS_FUNCTION ck_attn_stream_f16_avx512
#define CK_AS_ROW(in, dim, block, out) f16_row(in, dim, out)
#include "attention_stream_body.h"
void ck_attn_stream_f16_avx512(const uint16_t *keys, const uint16_t *values, int64_t stride, int64_t begin,
                               int64_t end, const float *queries, int64_t qstride, int64_t heads, int64_t dim,
                               float scale, float *work, float *state) {
    ck_attn_stream_f16_avx512_core((const uint8_t *)keys, (const uint8_t *)values, 2 * stride, 0, begin, end,
                                   queries, qstride, heads, dim, scale, work, state);
}
#undef CK_AS_FUNCTION
#undef CK_AS_ROW

#define CK_AS_FUNCTION ck_attn_stream_q8_0_avx512
#define CK_AS_ROW(in, dim, block, out) q8_row(in, dim, block, out)
#include "attention_stream_body.h"
void ck_attn_stream_q8_0_avx512(const uint8_t *keys, const uint8_t *values, int64_t row_bytes, int64_t block,
                                int64_t begin, int64_t end, const float *queries, int64_t qstride, int64_t heads,
                                int64_t dim, float scale, float *work, float *state) {
    ck_attn_stream_q8_0_avx512_core(keys, values, row_bytes, block, begin, end, queries, qstride, heads, dim, scale,
                                    work, state);
}

#pragma clang attribute pop
#endif
