// AVX2 kernels, ggml-style: signed int8 products through vpmaddubsw after moving the weight's
// sign onto the activation (|w| * sign(w) x), then vpmaddwd to int32 and one FMA per block.
#include "ckernels.h"
#include "blocks.h"
#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)

static inline __m256i ck_dot_i8(__m256i w, __m256i x) {
    const __m256i p16 = _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(x, w));
    return _mm256_madd_epi16(p16, _mm256_set1_epi16(1));
}

static inline float ck_hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

static inline float ck_row_q4_0(const ck_block_q4_0 *b, const ck_q8_act *x) {
    const __m256i shifts = _mm256_set_epi64x(4, 4, 0, 0);
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    const __m256i eight = _mm256_set1_epi8(8);
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i < x->nblocks; i++) {
        __m256i q = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)b[i].qs));
        q = _mm256_sub_epi8(_mm256_and_si256(_mm256_srlv_epi64(q, shifts), low4), eight);
        __m256i dp = ck_dot_i8(q, _mm256_loadu_si256((const __m256i *)(x->q + i * 32)));
        __m256 s = _mm256_set1_ps(_cvtsh_ss(b[i].d) * x->d[i]);
        if (i & 1) acc1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dp), s, acc1);
        else acc0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dp), s, acc0);
    }
    return ck_hsum8(_mm256_add_ps(acc0, acc1));
}

static inline float ck_row_q8_0(const ck_block_q8_0 *b, const ck_q8_act *x) {
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    for (int64_t i = 0; i < x->nblocks; i++) {
        __m256i dp = ck_dot_i8(_mm256_loadu_si256((const __m256i *)b[i].qs),
                               _mm256_loadu_si256((const __m256i *)(x->q + i * 32)));
        __m256 s = _mm256_set1_ps(_cvtsh_ss(b[i].d) * x->d[i]);
        if (i & 1) acc1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dp), s, acc1);
        else acc0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dp), s, acc0);
    }
    return ck_hsum8(_mm256_add_ps(acc0, acc1));
}

void ck_matvec_q4_0_avx2(const void *w, size_t row_bytes, int64_t rows, const ck_q8_act *x, float *y) {
    const char *base = (const char *)w;
    for (int64_t r = 0; r < rows; r++) y[r] = ck_row_q4_0((const ck_block_q4_0 *)(base + r * row_bytes), x);
}

void ck_matvec_q8_0_avx2(const void *w, size_t row_bytes, int64_t rows, const ck_q8_act *x, float *y) {
    const char *base = (const char *)w;
    for (int64_t r = 0; r < rows; r++) y[r] = ck_row_q8_0((const ck_block_q8_0 *)(base + r * row_bytes), x);
}

void ck_matvec_f32_avx2(const float *w, int64_t rows, int64_t cols, const float *x, float *y) {
    for (int64_t r = 0; r < rows; r++) {
        const float *row = w + r * cols;
        __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
        int64_t c = 0;
        for (; c + 15 < cols; c += 16) {
            acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(row + c), _mm256_loadu_ps(x + c), acc0);
            acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(row + c + 8), _mm256_loadu_ps(x + c + 8), acc1);
        }
        float sum = ck_hsum8(_mm256_add_ps(acc0, acc1));
        for (; c < cols; c++) sum += row[c] * x[c];
        y[r] = sum;
    }
}

void ck_matvec_f16_avx2(const uint16_t *w, int64_t rows, int64_t cols, const float *x, float *y) {
    for (int64_t r = 0; r < rows; r++) y[r] = ck_dot_f32_f16_avx2(x, w + r * cols, cols);
}

float ck_dot_f32_f16_avx2(const float *a, const uint16_t *b, int64_t n) {
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 15 < n; i += 16) {
        acc0 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(b + i))), _mm256_loadu_ps(a + i), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(b + i + 8))),
                               _mm256_loadu_ps(a + i + 8), acc1);
    }
    float sum = ck_hsum8(_mm256_add_ps(acc0, acc1));
    for (; i < n; i++) sum += a[i] * _cvtsh_ss(b[i]);
    return sum;
}

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
