// AVX-512 VNNI kernels (used at 256-bit width: on AMD Zen 4 a 512-bit op costs two 256-bit ones,
// so wider registers buy nothing and the 256-bit forms keep the code simple).
// vpdpbusd multiplies unsigned weight bytes by signed activation bytes, so weights are offset to
// unsigned (Q4_0: nibbles 0..15, Q8_0: w+128) and the offset times the block's activation sum
// is pre-loaded as the accumulator (`bias4` / `bias8`).
#include "ckernels.h"
#include "simd_avx2.h"
#include "blocks.h"
#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c"))), apply_to = function)

/// [dw0 dx0 x4, dw1 dx1 x4] for a pair of blocks.
static inline __m256 ck_pair_scales(uint16_t d0, uint16_t d1, const float *dx) {
    __m128i h = _mm_unpacklo_epi64(_mm_set1_epi16((short)d0), _mm_set1_epi16((short)d1));
    return _mm256_mul_ps(_mm256_cvtph_ps(h), _mm256_loadu_ps(dx));
}

static inline __m256 ck_q4_pair(__m256i v, int64_t p, const ck_q8_act *x, uint16_t d0, uint16_t d1, __m256 acc) {
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    const __m256i lo = _mm256_and_si256(v, low4);
    const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), low4);
    const int8_t *xq = x->q + p * 64;
    __m256i dp = _mm256_dpbusd_epi32(_mm256_loadu_si256((const __m256i *)(x->bias4 + p * 8)), lo,
                                     _mm256_loadu_si256((const __m256i *)xq));
    dp = _mm256_dpbusd_epi32(dp, hi, _mm256_loadu_si256((const __m256i *)(xq + 32)));
    return _mm256_fmadd_ps(_mm256_cvtepi32_ps(dp), ck_pair_scales(d0, d1, x->d + p * 8), acc);
}

static inline float ck_row_q4_0(const ck_block_q4_0 *b, const ck_q8_act *x) {
    const int64_t pairs = x->nblocks / 2;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    int64_t p = 0;
    for (; p + 1 < pairs; p += 2) {
        const ck_block_q4_0 *b0 = b + 2 * p;
        __m256i v0 = ck_halves(b0[0].qs, b0[1].qs);
        __m256i v1 = ck_halves(b0[2].qs, b0[3].qs);
        acc0 = ck_q4_pair(v0, p, x, b0[0].d, b0[1].d, acc0);
        acc1 = ck_q4_pair(v1, p + 1, x, b0[2].d, b0[3].d, acc1);
    }
    for (; p < pairs; p++) {
        const ck_block_q4_0 *b0 = b + 2 * p;
        __m256i v = ck_halves(b0[0].qs, b0[1].qs);
        acc0 = ck_q4_pair(v, p, x, b0[0].d, b0[1].d, acc0);
    }
    if (x->nblocks & 1) {
        const ck_block_q4_0 *last = b + x->nblocks - 1;
        __m256i v = _mm256_zextsi128_si256(_mm_loadu_si128((const __m128i *)last->qs));
        acc1 = ck_q4_pair(v, pairs, x, last->d, 0, acc1);
    }
    return ck_hsum8(_mm256_add_ps(acc0, acc1));
}

static inline __m256 ck_q8_pair(__m256i wlo, __m256i whi, int64_t p, const ck_q8_act *x, uint16_t d0, uint16_t d1,
                                __m256 acc) {
    const __m256i flip = _mm256_set1_epi8((char)0x80);
    const int8_t *xq = x->q + p * 64;
    __m256i dp = _mm256_dpbusd_epi32(_mm256_loadu_si256((const __m256i *)(x->bias8 + p * 8)),
                                     _mm256_xor_si256(wlo, flip), _mm256_loadu_si256((const __m256i *)xq));
    dp = _mm256_dpbusd_epi32(dp, _mm256_xor_si256(whi, flip), _mm256_loadu_si256((const __m256i *)(xq + 32)));
    return _mm256_fmadd_ps(_mm256_cvtepi32_ps(dp), ck_pair_scales(d0, d1, x->d + p * 8), acc);
}

static inline float ck_row_q8_0(const ck_block_q8_0 *b, const ck_q8_act *x) {
    const int64_t pairs = x->nblocks / 2;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    int64_t p = 0;
    for (; p + 1 < pairs; p += 2) {
        const ck_block_q8_0 *b0 = b + 2 * p;
        acc0 = ck_q8_pair(ck_halves(b0[0].qs, b0[1].qs), ck_halves(b0[0].qs + 16, b0[1].qs + 16), p, x,
                          b0[0].d, b0[1].d, acc0);
        acc1 = ck_q8_pair(ck_halves(b0[2].qs, b0[3].qs), ck_halves(b0[2].qs + 16, b0[3].qs + 16), p + 1, x,
                          b0[2].d, b0[3].d, acc1);
    }
    for (; p < pairs; p++) {
        const ck_block_q8_0 *b0 = b + 2 * p;
        acc0 = ck_q8_pair(ck_halves(b0[0].qs, b0[1].qs), ck_halves(b0[0].qs + 16, b0[1].qs + 16), p, x,
                          b0[0].d, b0[1].d, acc0);
    }
    if (x->nblocks & 1) {
        const ck_block_q8_0 *last = b + x->nblocks - 1;
        __m256i wlo = _mm256_zextsi128_si256(_mm_loadu_si128((const __m128i *)last->qs));
        __m256i whi = _mm256_zextsi128_si256(_mm_loadu_si128((const __m128i *)(last->qs + 16)));
        acc1 = ck_q8_pair(wlo, whi, pairs, x, last->d, 0, acc1);
    }
    return ck_hsum8(_mm256_add_ps(acc0, acc1));
}

/// Four rows at once for long rows (see CK_LONG_ROW_BLOCKS): each pair's activations, biases and scales are loaded once for all four,
/// which keeps long rows (13696 columns, whose activation data outgrows L1) fast.
static inline __attribute__((always_inline)) void ck_rows_q4_0(const int n, const char *base, size_t row_bytes,
                                                             const ck_q8_act *x, float *y) {
    const __m256i low4 = _mm256_set1_epi8(0x0F);
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
            __m256i dp = _mm256_dpbusd_epi32(bias, _mm256_and_si256(v, low4), xlo);
            dp = _mm256_dpbusd_epi32(dp, _mm256_and_si256(_mm256_srli_epi16(v, 4), low4), xhi);
            __m128i h = _mm_unpacklo_epi64(_mm_set1_epi16((short)b0[0].d), _mm_set1_epi16((short)d1));
            acc[k] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dp), _mm256_mul_ps(_mm256_cvtph_ps(h), dx), acc[k]);
        }
    }
    for (int k = 0; k < n; k++) y[k] = ck_hsum8(acc[k]);
}

void ck_matvec_q4_0_avx512vnni(const void *w, size_t row_bytes, int64_t rows, const ck_q8_act *x, float *y) {
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

void ck_matvec_q8_0_avx512vnni(const void *w, size_t row_bytes, int64_t rows, const ck_q8_act *x, float *y) {
    const char *base = (const char *)w;
    for (int64_t r = 0; r < rows; r++) y[r] = ck_row_q8_0((const ck_block_q8_0 *)(base + r * row_bytes), x);
}

void ck_matvec_f32_avx512(const float *w, int64_t rows, int64_t cols, const float *x, float *y) {
    for (int64_t r = 0; r < rows; r++) {
        const float *row = w + r * cols;
        __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
        int64_t c = 0;
        for (; c + 31 < cols; c += 32) {
            acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(row + c), _mm512_loadu_ps(x + c), acc0);
            acc1 = _mm512_fmadd_ps(_mm512_loadu_ps(row + c + 16), _mm512_loadu_ps(x + c + 16), acc1);
        }
        for (; c < cols; c += 16) {
            __mmask16 m = cols - c >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (cols - c)) - 1);
            acc0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, row + c), _mm512_maskz_loadu_ps(m, x + c), acc0);
        }
        y[r] = _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
    }
}

void ck_matvec_f16_avx512(const uint16_t *w, int64_t rows, int64_t cols, const float *x, float *y) {
    for (int64_t r = 0; r < rows; r++) {
        const uint16_t *row = w + r * cols;
        __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
        int64_t c = 0;
        for (; c + 31 < cols; c += 32) {
            acc0 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(row + c))),
                                   _mm512_loadu_ps(x + c), acc0);
            acc1 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(row + c + 16))),
                                   _mm512_loadu_ps(x + c + 16), acc1);
        }
        for (; c < cols; c += 16) {
            __mmask16 m = cols - c >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (cols - c)) - 1);
            acc0 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, row + c)),
                                   _mm512_maskz_loadu_ps(m, x + c), acc0);
        }
        y[r] = _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
    }
}

#pragma clang attribute pop
