// AVX2 kernels on the paired activation layout (see ck_q8_act): vpmaddubsw products, vpmaddwd
// to int32, one FMA per pair of blocks.
#include "ckernels.h"
#include "simd_avx2.h"
#include "blocks.h"
#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)

/// [dw0 dx0 x4, dw1 dx1 x4] for a pair of blocks.
static inline __m256 ck_pair_scales(uint16_t d0, uint16_t d1, const float *dx) {
    __m128i h = _mm_unpacklo_epi64(_mm_set1_epi16((short)d0), _mm_set1_epi16((short)d1));
    return _mm256_mul_ps(_mm256_cvtph_ps(h), _mm256_loadu_ps(dx));
}

/// Unsigned nibbles (0..15) times signed activations: the int16 pair sums stay below 2*15*127.
static inline __m256 ck_q4_pair(__m256i v, int64_t p, const ck_q8_act *x, uint16_t d0, uint16_t d1, __m256 acc) {
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    const __m256i ones = _mm256_set1_epi16(1);
    const int8_t *xq = x->q + p * 64;
    __m256i lo = _mm256_maddubs_epi16(_mm256_and_si256(v, low4), _mm256_loadu_si256((const __m256i *)xq));
    __m256i hi = _mm256_maddubs_epi16(_mm256_and_si256(_mm256_srli_epi16(v, 4), low4),
                                      _mm256_loadu_si256((const __m256i *)(xq + 32)));
    __m256i dp = _mm256_madd_epi16(_mm256_add_epi16(lo, hi), ones);
    dp = _mm256_add_epi32(dp, _mm256_loadu_si256((const __m256i *)(x->bias4 + p * 8)));
    return _mm256_fmadd_ps(_mm256_cvtepi32_ps(dp), ck_pair_scales(d0, d1, x->d + p * 8), acc);
}

static inline float ck_row_q4_0(const ck_block_q4_0 *b, const ck_q8_act *x) {
    const int64_t pairs = x->nblocks / 2;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    int64_t p = 0;
    for (; p + 1 < pairs; p += 2) {
        const ck_block_q4_0 *b0 = b + 2 * p;
        acc0 = ck_q4_pair(ck_halves(b0[0].qs, b0[1].qs), p, x, b0[0].d, b0[1].d, acc0);
        acc1 = ck_q4_pair(ck_halves(b0[2].qs, b0[3].qs), p + 1, x, b0[2].d, b0[3].d, acc1);
    }
    for (; p < pairs; p++) {
        const ck_block_q4_0 *b0 = b + 2 * p;
        acc0 = ck_q4_pair(ck_halves(b0[0].qs, b0[1].qs), p, x, b0[0].d, b0[1].d, acc0);
    }
    if (x->nblocks & 1) {
        const ck_block_q4_0 *last = b + x->nblocks - 1;
        __m256i v = _mm256_zextsi128_si256(_mm_loadu_si128((const __m128i *)last->qs));
        acc1 = ck_q4_pair(v, pairs, x, last->d, 0, acc1);
    }
    return ck_hsum8(_mm256_add_ps(acc0, acc1));
}

/// Signed weights: |w| times x carrying w's sign (ggml's trick), so vpmaddubsw cannot overflow.
static inline __m256i ck_dot_i8(__m256i w, __m256i x) {
    const __m256i p16 = _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(x, w));
    return _mm256_madd_epi16(p16, _mm256_set1_epi16(1));
}

static inline __m256 ck_q8_pair(__m256i wlo, __m256i whi, int64_t p, const ck_q8_act *x, uint16_t d0, uint16_t d1,
                                __m256 acc) {
    const int8_t *xq = x->q + p * 64;
    __m256i dp = _mm256_add_epi32(ck_dot_i8(wlo, _mm256_loadu_si256((const __m256i *)xq)),
                                  ck_dot_i8(whi, _mm256_loadu_si256((const __m256i *)(xq + 32))));
    return _mm256_fmadd_ps(_mm256_cvtepi32_ps(dp), ck_pair_scales(d0, d1, x->d + p * 8), acc);
}

static inline float ck_row_q8_0(const ck_block_q8_0 *b, const ck_q8_act *x) {
    const int64_t pairs = x->nblocks / 2;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    for (int64_t p = 0; p < pairs; p++) {
        const ck_block_q8_0 *b0 = b + 2 * p;
        __m256i wlo = ck_halves(b0[0].qs, b0[1].qs), whi = ck_halves(b0[0].qs + 16, b0[1].qs + 16);
        if (p & 1) acc1 = ck_q8_pair(wlo, whi, p, x, b0[0].d, b0[1].d, acc1);
        else acc0 = ck_q8_pair(wlo, whi, p, x, b0[0].d, b0[1].d, acc0);
    }
    if (x->nblocks & 1) {
        const ck_block_q8_0 *last = b + x->nblocks - 1;
        __m256i wlo = _mm256_zextsi128_si256(_mm_loadu_si128((const __m128i *)last->qs));
        __m256i whi = _mm256_zextsi128_si256(_mm_loadu_si128((const __m128i *)(last->qs + 16)));
        acc1 = ck_q8_pair(wlo, whi, pairs, x, last->d, 0, acc1);
    }
    return ck_hsum8(_mm256_add_ps(acc0, acc1));
}

/// Four rows at once, sharing each pair's activation loads (see the AVX-512 twin).
static inline __attribute__((always_inline)) void ck_rows_q4_0(const int n, const char *base, size_t row_bytes,
                                                             const ck_q8_act *x, float *y) {
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    const __m256i ones = _mm256_set1_epi16(1);
    const int64_t pairs = (x->nblocks + 1) / 2;
    const int64_t full = x->nblocks / 2;
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    for (int64_t p = 0; p < pairs; p++) {
        const int8_t *xq = x->q + p * 64;
        const __m256i xlo = _mm256_loadu_si256((const __m256i *)xq);
        const __m256i xhi = _mm256_loadu_si256((const __m256i *)(xq + 32));
        const __m256i bias = _mm256_loadu_si256((const __m256i *)(x->bias4 + p * 8));
        const __m256 dx = _mm256_loadu_ps(x->d + p * 8);
        for (int k = 0; k < n; k++) {
            const ck_block_q4_0 *b0 = (const ck_block_q4_0 *)(base + k * row_bytes) + 2 * p;
            __m256i v;
            uint16_t d1;
            if (p < full) {
                v = ck_halves(b0[0].qs, b0[1].qs);
                d1 = b0[1].d;
            } else {
                v = _mm256_zextsi128_si256(_mm_loadu_si128((const __m128i *)b0[0].qs));
                d1 = 0;
            }
            __m256i lo = _mm256_maddubs_epi16(_mm256_and_si256(v, low4), xlo);
            __m256i hi = _mm256_maddubs_epi16(_mm256_and_si256(_mm256_srli_epi16(v, 4), low4), xhi);
            __m256i dp = _mm256_add_epi32(_mm256_madd_epi16(_mm256_add_epi16(lo, hi), ones), bias);
            __m128i h = _mm_unpacklo_epi64(_mm_set1_epi16((short)b0[0].d), _mm_set1_epi16((short)d1));
            acc[k] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dp), _mm256_mul_ps(_mm256_cvtph_ps(h), dx), acc[k]);
        }
    }
    for (int k = 0; k < n; k++) y[k] = ck_hsum8(acc[k]);
}

void ck_matvec_q4_0_avx2(const void *w, size_t row_bytes, int64_t rows, const ck_q8_act *x, float *y) {
    const char *base = (const char *)w;
    int64_t r = 0;
    if (x->nblocks > CK_LONG_ROW_BLOCKS) {
        // the leftover rows take the same per-row arithmetic, so grouping never changes a result
        for (; r + 3 < rows; r += 4) ck_rows_q4_0(4, base + r * row_bytes, row_bytes, x, y + r);
        for (; r < rows; r++) ck_rows_q4_0(1, base + r * row_bytes, row_bytes, x, y + r);
        return;
    }
    for (; r < rows; r++) y[r] = ck_row_q4_0((const ck_block_q4_0 *)(base + r * row_bytes), x);
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
