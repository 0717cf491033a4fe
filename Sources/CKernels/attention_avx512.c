// Attention for up to 16 query heads that share one KV group, with the heads in the lanes of a
// 512-bit register: a score is one FMA per dimension (broadcast key element x 16 queries), with no
// horizontal sums, and the softmax and the weighted sum of values run on all heads at once. Keys and
// values are converted from f16 once per position for all heads. At 32K cached tokens this is the
// arithmetic that dominates generation (2 x 16 heads x 128 x 32K multiply-adds per layer), so the
// inner loops are plain FMAs fed from L1.
#include "ckernels.h"
#if defined(__x86_64__)
#include "vexp.h"
#include <immintrin.h>
#include <math.h>

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma,f16c"))), apply_to = function)

enum { CK_KEYS_PER_STEP = 4, CK_VALUE_BLOCK = 32, CK_PREFETCH_ROWS = 48 };

/// Converts rows j0 ..< j0+count (dim f16 each, row stride `stride`) to f32, asking for the rows
/// `ahead` positions later meanwhile: the cache streams from memory and the FMAs between two rows
/// are too many for the out-of-order window to reach the next row's loads on its own.
static inline void ck_convert_rows(const uint16_t *src, int64_t stride, int64_t j0, int64_t count, int64_t dim,
                                   int64_t ahead, int64_t positions, float *row) {
    for (int64_t r = 0; r < count; r++) {
        const uint16_t *in = src + (j0 + r) * stride;
        if (ahead > 0 && j0 + r + ahead < positions) {
            const char *next = (const char *)(src + (j0 + r + ahead) * stride);
            for (int64_t b = 0; b < dim * 2; b += 64) _mm_prefetch(next + b, _MM_HINT_T0);
        }
        for (int64_t d = 0; d < dim; d += 16)
            _mm512_storeu_ps(row + r * dim + d, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(in + d))));
    }
}

static inline __m512 ck_exp16(__m512 x) {
    const __m256 lo = ck_exp8(_mm512_castps512_ps256(x));
    const __m256 hi = ck_exp8(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(x), 1)));
    return _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_castps_pd(lo)), _mm256_castps_pd(hi), 1));
}

void ck_attn_group_f16_avx512(const uint16_t *keys, const uint16_t *values, int64_t stride, int64_t positions,
                              const float *queries, int64_t qstride, int64_t heads, int64_t dim, float scale,
                              float *work, float *out, int64_t ostride) {
    float *qt = work;                               // dim x 16: scaled queries, heads in lanes
    float *ot = qt + dim * 16;                      // dim x 16: weighted values, heads in lanes
    float *row = ot + dim * 16;                     // CK_VALUE_BLOCK x dim: rows converted to f32
    float *st = row + CK_VALUE_BLOCK * dim;         // positions x 16: scores, then weights
    for (int64_t d = 0; d < dim; d++) {
        _mm512_storeu_ps(qt + d * 16, _mm512_setzero_ps());
        for (int64_t h = 0; h < heads; h++) qt[d * 16 + h] = queries[h * qstride + d] * scale;
    }

    // scores, four positions per pass over the queries
    __m512 mx = _mm512_set1_ps(-INFINITY);
    for (int64_t j0 = 0; j0 < positions; j0 += CK_KEYS_PER_STEP) {
        const int64_t count = positions - j0 < CK_KEYS_PER_STEP ? positions - j0 : CK_KEYS_PER_STEP;
        ck_convert_rows(keys, stride, j0, count, dim, CK_PREFETCH_ROWS, positions, row);
        if (count == CK_KEYS_PER_STEP) {
            __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
            for (int64_t d = 0; d < dim; d++) {
                const __m512 q = _mm512_loadu_ps(qt + d * 16);
                a0 = _mm512_fmadd_ps(q, _mm512_set1_ps(row[d]), a0);
                a1 = _mm512_fmadd_ps(q, _mm512_set1_ps(row[dim + d]), a1);
                a2 = _mm512_fmadd_ps(q, _mm512_set1_ps(row[2 * dim + d]), a2);
                a3 = _mm512_fmadd_ps(q, _mm512_set1_ps(row[3 * dim + d]), a3);
            }
            _mm512_storeu_ps(st + j0 * 16, a0);
            _mm512_storeu_ps(st + (j0 + 1) * 16, a1);
            _mm512_storeu_ps(st + (j0 + 2) * 16, a2);
            _mm512_storeu_ps(st + (j0 + 3) * 16, a3);
            mx = _mm512_max_ps(mx, _mm512_max_ps(_mm512_max_ps(a0, a1), _mm512_max_ps(a2, a3)));
        } else {
            for (int64_t r = 0; r < count; r++) {
                __m512 a = _mm512_setzero_ps();
                for (int64_t d = 0; d < dim; d++) a = _mm512_fmadd_ps(_mm512_loadu_ps(qt + d * 16), _mm512_set1_ps(row[r * dim + d]), a);
                _mm512_storeu_ps(st + (j0 + r) * 16, a);
                mx = _mm512_max_ps(mx, a);
            }
        }
    }

    // softmax numerators in place; the division waits for the end
    __m512 sum = _mm512_setzero_ps();
    for (int64_t j = 0; j < positions; j++) {
        const __m512 e = ck_exp16(_mm512_sub_ps(_mm512_loadu_ps(st + j * 16), mx));
        _mm512_storeu_ps(st + j * 16, e);
        sum = _mm512_add_ps(sum, e);
    }

    // weighted values: blocks of positions converted once, 16 dimensions of accumulators at a time
    for (int64_t d = 0; d < dim; d++) _mm512_storeu_ps(ot + d * 16, _mm512_setzero_ps());
    for (int64_t j0 = 0; j0 < positions; j0 += CK_VALUE_BLOCK) {
        const int64_t count = positions - j0 < CK_VALUE_BLOCK ? positions - j0 : CK_VALUE_BLOCK;
        ck_convert_rows(values, stride, j0, count, dim, 0, positions, row);
        for (int64_t d0 = 0; d0 < dim; d0 += 16) {
            __m512 acc[16];
            for (int i = 0; i < 16; i++) acc[i] = _mm512_loadu_ps(ot + (d0 + i) * 16);
            for (int64_t r = 0; r < count; r++) {
                // the next block's rows, spread over this block's FMAs (a burst of prefetches overflows
                // the miss queues and is partly dropped)
                if (d0 == 0 && j0 + CK_VALUE_BLOCK + r < positions) {
                    const char *next = (const char *)(values + (j0 + CK_VALUE_BLOCK + r) * stride);
                    for (int64_t b = 0; b < dim * 2; b += 64) _mm_prefetch(next + b, _MM_HINT_T0);
                }
                const __m512 p = _mm512_loadu_ps(st + (j0 + r) * 16);
                const float *v = row + r * dim + d0;
                for (int i = 0; i < 16; i++) acc[i] = _mm512_fmadd_ps(p, _mm512_set1_ps(v[i]), acc[i]);
            }
            for (int i = 0; i < 16; i++) _mm512_storeu_ps(ot + (d0 + i) * 16, acc[i]);
        }
    }

    float inv[16];
    _mm512_storeu_ps(inv, _mm512_div_ps(_mm512_set1_ps(1.0f), sum));
    for (int64_t h = 0; h < heads; h++)
        for (int64_t d = 0; d < dim; d++) out[h * ostride + d] = ot[d * 16 + h] * inv[h];
}

#pragma clang attribute pop
#endif
