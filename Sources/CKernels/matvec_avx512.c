// AVX-512 VNNI kernels. Two 32-element blocks fill one 512-bit register; vpdpbusd multiplies
// unsigned weight bytes by signed activation bytes, so weights are offset to unsigned
// (q4: 0..15, q8: w+128) and the offset times the block's activation sum is pre-loaded as bias.
#include "ckernels.h"
#include "blocks.h"
#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c"))), apply_to = function)

static inline __m512i ck_bias_pair(int32_t s0, int32_t s1, int32_t offset) {
    return _mm512_mask_set1_epi32(_mm512_maskz_set1_epi32(0x0001, -offset * s0), 0x0100, -offset * s1);
}

static inline __m512 ck_scale_pair(float s0, float s1) {
    return _mm512_mask_mov_ps(_mm512_set1_ps(s0), 0xFF00, _mm512_set1_ps(s1));
}

static inline float ck_row_q4_0(const ck_block_q4_0 *b, const ck_q8_act *x) {
    const int64_t nb = x->nblocks;
    const __m512i perm = _mm512_set_epi64(3, 2, 3, 2, 1, 0, 1, 0);
    const __m512i shifts = _mm512_set_epi64(4, 4, 0, 0, 4, 4, 0, 0);
    const __m512i low4 = _mm512_set1_epi8(0x0F);
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 3 < nb; i += 4) {
        for (int k = 0; k < 2; k++) {
            const int64_t j = i + 2 * k;
            __m256i q01 = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)b[j].qs)),
                                                  _mm_loadu_si128((const __m128i *)b[j + 1].qs), 1);
            __m512i qq = _mm512_permutexvar_epi64(perm, _mm512_castsi256_si512(q01));
            qq = _mm512_and_si512(_mm512_srlv_epi64(qq, shifts), low4);
            __m512i xx = _mm512_loadu_si512((const void *)(x->q + j * 32));
            __m512i dp = _mm512_dpbusd_epi32(ck_bias_pair(x->sum[j], x->sum[j + 1], 8), qq, xx);
            __m512 sc = ck_scale_pair(_cvtsh_ss(b[j].d) * x->d[j], _cvtsh_ss(b[j + 1].d) * x->d[j + 1]);
            if (k == 0) acc0 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dp), sc, acc0);
            else acc1 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dp), sc, acc1);
        }
    }
    for (; i < nb; i++) {
        const __m256i shifts1 = _mm256_set_epi64x(4, 4, 0, 0);
        __m256i qq = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)b[i].qs));
        qq = _mm256_and_si256(_mm256_srlv_epi64(qq, shifts1), _mm256_set1_epi8(0x0F));
        __m256i xx = _mm256_loadu_si256((const __m256i *)(x->q + i * 32));
        __m256i dp = _mm256_dpbusd_epi32(_mm256_maskz_set1_epi32(0x01, -8 * x->sum[i]), qq, xx);
        __m512 dpf = _mm512_castps256_ps512(_mm256_cvtepi32_ps(dp));
        acc0 = _mm512_mask3_fmadd_ps(dpf, _mm512_set1_ps(_cvtsh_ss(b[i].d) * x->d[i]), acc0, 0x00FF);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
}

static inline float ck_row_q8_0(const ck_block_q8_0 *b, const ck_q8_act *x) {
    const int64_t nb = x->nblocks;
    const __m512i flip = _mm512_set1_epi8((char)0x80);
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 3 < nb; i += 4) {
        for (int k = 0; k < 2; k++) {
            const int64_t j = i + 2 * k;
            __m512i ww = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)b[j].qs)),
                                            _mm256_loadu_si256((const __m256i *)b[j + 1].qs), 1);
            ww = _mm512_xor_si512(ww, flip);
            __m512i xx = _mm512_loadu_si512((const void *)(x->q + j * 32));
            __m512i dp = _mm512_dpbusd_epi32(ck_bias_pair(x->sum[j], x->sum[j + 1], 128), ww, xx);
            __m512 sc = ck_scale_pair(_cvtsh_ss(b[j].d) * x->d[j], _cvtsh_ss(b[j + 1].d) * x->d[j + 1]);
            if (k == 0) acc0 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dp), sc, acc0);
            else acc1 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dp), sc, acc1);
        }
    }
    for (; i < nb; i++) {
        __m256i ww = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)b[i].qs), _mm256_set1_epi8((char)0x80));
        __m256i xx = _mm256_loadu_si256((const __m256i *)(x->q + i * 32));
        __m256i dp = _mm256_dpbusd_epi32(_mm256_maskz_set1_epi32(0x01, -128 * x->sum[i]), ww, xx);
        __m512 dpf = _mm512_castps256_ps512(_mm256_cvtepi32_ps(dp));
        acc0 = _mm512_mask3_fmadd_ps(dpf, _mm512_set1_ps(_cvtsh_ss(b[i].d) * x->d[i]), acc0, 0x00FF);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
}

void ck_matvec_q4_0_avx512vnni(const void *w, size_t row_bytes, int64_t rows, const ck_q8_act *x, float *y) {
    const char *base = (const char *)w;
    for (int64_t r = 0; r < rows; r++) y[r] = ck_row_q4_0((const ck_block_q4_0 *)(base + r * row_bytes), x);
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
