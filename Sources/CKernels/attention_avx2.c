// Attention over an F16 KV cache for several query heads that share one KV group: each cached
// key / value row is converted to f32 once per block of positions (into an L1 buffer) and then
// used by every head, so a group's cache is read from memory once per token, not once per head.
#include "ckernels.h"
#if defined(__x86_64__)
#include "simd_avx2.h"
#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)

enum { CK_ATTN_BLOCK = 8 };

/// Rows j0 ..< j0+count of an f16 matrix (row stride `stride` elements), dim columns, into buf (dim floats per row).
static inline void ck_rows_to_f32(const uint16_t *rows, int64_t stride, int64_t j0, int64_t count, int64_t dim,
                                  float *buf) {
    for (int64_t j = 0; j < count; j++) {
        const uint16_t *src = rows + (j0 + j) * stride;
        for (int64_t c = 0; c < dim; c += 8)
            _mm256_storeu_ps(buf + j * dim + c, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + c))));
    }
}

void ck_attn_scores_f16_avx2(const uint16_t *keys, int64_t stride, int64_t positions, const float *queries,
                             int64_t qstride, int64_t heads, int64_t dim, float scale, float *scores,
                             int64_t sstride) {
    float buf[CK_ATTN_BLOCK * CK_ATTN_DIM_LIMIT] __attribute__((aligned(32)));
    for (int64_t j0 = 0; j0 < positions; j0 += CK_ATTN_BLOCK) {
        const int64_t count = positions - j0 < CK_ATTN_BLOCK ? positions - j0 : CK_ATTN_BLOCK;
        ck_rows_to_f32(keys, stride, j0, count, dim, buf);
        for (int64_t h = 0; h < heads; h++) {
            const float *q = queries + h * qstride;
            float *out = scores + h * sstride + j0;
            if (count == CK_ATTN_BLOCK) {
                __m256 acc[CK_ATTN_BLOCK];
                for (int j = 0; j < CK_ATTN_BLOCK; j++) acc[j] = _mm256_setzero_ps();
                for (int64_t c = 0; c < dim; c += 8) {
                    const __m256 qv = _mm256_loadu_ps(q + c);
                    for (int j = 0; j < CK_ATTN_BLOCK; j++)
                        acc[j] = _mm256_fmadd_ps(qv, _mm256_load_ps(buf + j * dim + c), acc[j]);
                }
                for (int j = 0; j < CK_ATTN_BLOCK; j++) out[j] = ck_hsum8(acc[j]) * scale;
            } else {
                for (int64_t j = 0; j < count; j++) {
                    __m256 acc = _mm256_setzero_ps();
                    for (int64_t c = 0; c < dim; c += 8)
                        acc = _mm256_fmadd_ps(_mm256_loadu_ps(q + c), _mm256_load_ps(buf + j * dim + c), acc);
                    out[j] = ck_hsum8(acc) * scale;
                }
            }
        }
    }
}

void ck_attn_values_f16_avx2(const uint16_t *values, int64_t stride, int64_t positions, const float *weights,
                             int64_t wstride, int64_t heads, int64_t dim, float *out, int64_t ostride) {
    float buf[CK_ATTN_BLOCK * CK_ATTN_DIM_LIMIT] __attribute__((aligned(32)));
    for (int64_t h = 0; h < heads; h++)
        for (int64_t c = 0; c < dim; c++) out[h * ostride + c] = 0;
    for (int64_t j0 = 0; j0 < positions; j0 += CK_ATTN_BLOCK) {
        const int64_t count = positions - j0 < CK_ATTN_BLOCK ? positions - j0 : CK_ATTN_BLOCK;
        ck_rows_to_f32(values, stride, j0, count, dim, buf);
        for (int64_t h = 0; h < heads; h++) {
            const float *w = weights + h * wstride + j0;
            float *o = out + h * ostride;
            if (count == CK_ATTN_BLOCK) {
                // the block's eight weights stay in registers across the whole head
                __m256 wv[CK_ATTN_BLOCK];
                for (int j = 0; j < CK_ATTN_BLOCK; j++) wv[j] = _mm256_set1_ps(w[j]);
                for (int64_t c = 0; c < dim; c += 8) {
                    __m256 acc = _mm256_loadu_ps(o + c);
                    for (int j = 0; j < CK_ATTN_BLOCK; j++)
                        acc = _mm256_fmadd_ps(wv[j], _mm256_load_ps(buf + j * dim + c), acc);
                    _mm256_storeu_ps(o + c, acc);
                }
                continue;
            }
            for (int64_t c = 0; c < dim; c += 8) {
                __m256 acc = _mm256_loadu_ps(o + c);
                for (int64_t j = 0; j < count; j++)
                    acc = _mm256_fmadd_ps(_mm256_set1_ps(w[j]), _mm256_load_ps(buf + j * dim + c), acc);
                _mm256_storeu_ps(o + c, acc);
            }
        }
    }
}

#pragma clang attribute pop
#endif
