#ifndef GLMCHAT_CKERNELS_PAIR_ROWS_H
#define GLMCHAT_CKERNELS_PAIR_ROWS_H
// The Q4_0 and Q8_0 matrix-vector products on the paired activation layout, written once for every
// instruction set that runs them at 256-bit width. The including file compiles them under its target
// attributes after defining its integer dots (see pairs.h) and CK_QUANT_KERNEL(name), which gives the
// exported names its suffix.
#if defined(__x86_64__)
#include "pairs.h"

/// acc + pair p of a Q4_0 (q8 = 0) or Q8_0 (q8 = 1) row; `whole` false: only block 2p exists.
static inline __attribute__((always_inline)) __m256 ck_row_pair_fma(const char *row, int64_t p, int whole,
                                                                  const ck_q8_act *x, __m256 acc, const int q8) {
    return ck_pair_fma(ck_load_pair(row, p, whole, q8), x, p, acc, q8);
}

/// Whole pairs p ..< p + 4 of a row, their scales converted together (ck_row_quad_scales), in order:
/// the even ones into *even, the odd ones into *odd (one accumulator for a row that sums once).
static inline __attribute__((always_inline)) void ck_row_quad_fma(const char *row, int64_t p, const ck_q8_act *x,
                                                                 __m256 *even, __m256 *odd, const int q8) {
    const __m256 quad = ck_row_quad_scales(row, p, q8);
    *even = ck_pair_fma(ck_load_pair_scaled(row, p, 1, ck_quad_pair_scales(quad, 0), q8), x, p, *even, q8);
    *odd = ck_pair_fma(ck_load_pair_scaled(row, p + 1, 1, ck_quad_pair_scales(quad, 1), q8), x, p + 1, *odd, q8);
    *even = ck_pair_fma(ck_load_pair_scaled(row, p + 2, 1, ck_quad_pair_scales(quad, 2), q8), x, p + 2, *even, q8);
    *odd = ck_pair_fma(ck_load_pair_scaled(row, p + 3, 1, ck_quad_pair_scales(quad, 3), q8), x, p + 3, *odd, q8);
}

/// One row: pairs alternate between two accumulators, the odd last block going to the second.
static inline __attribute__((always_inline)) float ck_row(const char *row, const ck_q8_act *x, const int q8) {
    const int64_t pairs = x->nblocks / 2;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    int64_t p = 0;
    if (CK_QUAD_SCALES)
        for (; p + 3 < pairs; p += 4) ck_row_quad_fma(row, p, x, &acc0, &acc1, q8);
    for (; p + 1 < pairs; p += 2) {
        acc0 = ck_row_pair_fma(row, p, 1, x, acc0, q8);
        acc1 = ck_row_pair_fma(row, p + 1, 1, x, acc1, q8);
    }
    for (; p < pairs; p++) acc0 = ck_row_pair_fma(row, p, 1, x, acc0, q8);
    if (x->nblocks & 1) acc1 = ck_row_pair_fma(row, pairs, 0, x, acc1, q8);
    return ck_hsum8(_mm256_add_ps(acc0, acc1));
}

/// `n` (1-4) long rows at once, one accumulator each, sharing each pair's activation loads: the
/// activations of a long row no longer fit L1 beside the weight stream (see CK_LONG_ROW_BLOCKS).
static inline __attribute__((always_inline)) void ck_rows_q4_0(const int n, const char *base, size_t row_bytes,
                                                             const ck_q8_act *x, float *y) {
    const int64_t pairs = (x->nblocks + 1) / 2;
    const int64_t full = x->nblocks / 2;
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    int64_t p = 0;
    if (CK_QUAD_SCALES)
        for (; p + 3 < full; p += 4)
            for (int k = 0; k < n; k++) ck_row_quad_fma(base + k * row_bytes, p, x, &acc[k], &acc[k], 0);
    for (; p < pairs; p++)
        for (int k = 0; k < n; k++)
            acc[k] = ck_row_pair_fma(base + k * row_bytes, p, p < full, x, acc[k], 0);
    for (int k = 0; k < n; k++) y[k] = ck_hsum8(acc[k]);
}

void CK_QUANT_KERNEL(ck_matvec_q4_0)(const void *w, size_t row_bytes, int64_t rows, const ck_q8_act *x, float *y) {
    const char *base = (const char *)w;
    int64_t r = 0;
    if (ck_row_sums_once(x->nblocks, 0)) {
        // the leftover rows take the same per-row arithmetic, so grouping never changes a result
        for (; r + 3 < rows; r += 4) ck_rows_q4_0(4, base + r * row_bytes, row_bytes, x, y + r);
        for (; r < rows; r++) ck_rows_q4_0(1, base + r * row_bytes, row_bytes, x, y + r);
        return;
    }
    for (; r < rows; r++) y[r] = ck_row(base + r * row_bytes, x, 0);
}

void CK_QUANT_KERNEL(ck_matvec_q8_0)(const void *w, size_t row_bytes, int64_t rows, const ck_q8_act *x, float *y) {
    const char *base = (const char *)w;
    for (int64_t r = 0; r < rows; r++) y[r] = ck_row(base + r * row_bytes, x, 1);
}
#endif
#endif
