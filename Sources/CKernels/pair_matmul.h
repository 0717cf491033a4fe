#ifndef GLMCHAT_CKERNELS_PAIR_MATMUL_H
#define GLMCHAT_CKERNELS_PAIR_MATMUL_H
// The batched form of pair_rows.h's Q4_0 and Q8_0 matrix-vector products (prompt reading, parallel
// streams, speculative verification), written once for every instruction set at 256-bit width: each pair of
// weight blocks is loaded, unpacked and scaled once and then applied to up to four tokens, and up to
// CK_MATMUL_ROWS rows go together so each token's activation loads serve them all. Every (row, token)
// result goes through the single-token kernel's operations in the same order, so the batched path
// stays bit-identical to matVec. The including file defines its integer dots (pairs.h),
// CK_QUANT_KERNEL(name) and CK_MATMUL_ROWS: 2 where 32 registers hold two rows' sixteen sums
// (AVX-512), 1 where there are 16 (AVX2).
#if defined(__x86_64__)
#include "pairs.h"

/// Weight pairs w[0 ..< NR] (pair p of each row) into acc[r][k] for NT tokens.
static inline __attribute__((always_inline)) void ck_pair_tokens_apply(const ck_pair *w, const int NR, int64_t p,
                                                                     const ck_q8_act *xs, const int NT,
                                                                     __m256 (*acc)[4], const int q8) {
    for (int k = 0; k < NT; k++)
        for (int r = 0; r < NR; r++) acc[r][k] = ck_pair_fma(w[r], xs + k, p, acc[r][k], q8);
}

/// Pair p (blocks 2p, 2p+1; `whole` false when only block 2p exists) of NR Q4_0 (q8 = 0) or Q8_0
/// (q8 = 1) rows into acc[r][k] for NT tokens.
static inline __attribute__((always_inline)) void ck_pair_tokens(const char *const *rows, const int NR, int whole,
                                                               int64_t p, const ck_q8_act *xs, const int NT,
                                                               __m256 (*acc)[4], const int q8) {
    ck_pair w[CK_MATMUL_ROWS];
    for (int r = 0; r < NR; r++) w[r] = ck_load_pair(rows[r], p, whole, q8);
    ck_pair_tokens_apply(w, NR, p, xs, NT, acc, q8);
}

/// Pair p + k of each row, its scales pair k of that row's `quads`.
#define CK_QUAD_PAIR_TOKENS(k, acc)                                                                          \
    do {                                                                                                   \
        ck_pair w[CK_MATMUL_ROWS];                                                                         \
        for (int r = 0; r < NR; r++)                                                                       \
            w[r] = ck_load_pair_scaled(rows[r], p + (k), 1, ck_quad_pair_scales(quads[r], k), q8);         \
        ck_pair_tokens_apply(w, NR, p + (k), xs, NT, acc, q8);                                             \
    } while (0)

/// Every pair of NR rows for NT tokens, pair p into `even` when p is even and into `odd` when odd (the
/// odd last block too): one call per accumulation rule, so each keeps its sums in registers.
static inline __attribute__((always_inline)) void ck_rows_tokens_sum(const char *const *rows, const int NR,
                                                                   const ck_q8_act *xs, const int NT,
                                                                   __m256 (*even)[4], __m256 (*odd)[4], const int q8) {
    const int64_t full = xs->nblocks / 2;
    int64_t p = 0;
    if (CK_QUAD_SCALES)
        for (; p + 3 < full; p += 4) {
            __m256 quads[CK_MATMUL_ROWS];
            for (int r = 0; r < NR; r++) quads[r] = ck_row_quad_scales(rows[r], p, q8);
            CK_QUAD_PAIR_TOKENS(0, even);
            CK_QUAD_PAIR_TOKENS(1, odd);
            CK_QUAD_PAIR_TOKENS(2, even);
            CK_QUAD_PAIR_TOKENS(3, odd);
        }
    for (; p + 1 < full; p += 2) {
        ck_pair_tokens(rows, NR, 1, p, xs, NT, even, q8);
        ck_pair_tokens(rows, NR, 1, p + 1, xs, NT, odd, q8);
    }
    for (; p < full; p++) ck_pair_tokens(rows, NR, 1, p, xs, NT, even, q8);
    if (xs->nblocks & 1) ck_pair_tokens(rows, NR, 0, full, xs, NT, odd, q8);
}

/// NR (1 to CK_MATMUL_ROWS) rows for NT (1-4) tokens, y[k * ldy + r] = row r . token k, accumulating
/// as the single-token kernel does for this row: two accumulators alternating by pair (the odd last
/// block going to the second), but one for a long Q4_0 row (CK_LONG_ROW_BLOCKS).
static inline __attribute__((always_inline)) void ck_rows_tokens(const char *const *rows, const int NR,
                                                               const ck_q8_act *xs, const int NT, float *y,
                                                               int64_t ldy, const int q8) {
    __m256 a0[CK_MATMUL_ROWS][4], a1[CK_MATMUL_ROWS][4];
    for (int r = 0; r < NR; r++)
        for (int k = 0; k < NT; k++) a0[r][k] = a1[r][k] = _mm256_setzero_ps();
    if (ck_row_sums_once(xs->nblocks, q8)) {
        ck_rows_tokens_sum(rows, NR, xs, NT, a0, a0, q8);
        for (int k = 0; k < NT; k++)
            for (int r = 0; r < NR; r++) y[k * ldy + r] = ck_hsum8(a0[r][k]);
        return;
    }
    ck_rows_tokens_sum(rows, NR, xs, NT, a0, a1, q8);
    for (int k = 0; k < NT; k++)
        for (int r = 0; r < NR; r++) y[k * ldy + r] = ck_hsum8(_mm256_add_ps(a0[r][k], a1[r][k]));
}
#undef CK_QUAD_PAIR_TOKENS

/// ck_rows_tokens for `nt` (1-4) tokens, each count compiled on its own.
static inline __attribute__((always_inline)) void ck_rows_some_tokens(const char *const *rows, const int NR,
                                                                    const ck_q8_act *xs, int nt, float *y,
                                                                    int64_t ldy, const int q8) {
    switch (nt) {
    case 4: ck_rows_tokens(rows, NR, xs, 4, y, ldy, q8); break;
    case 3: ck_rows_tokens(rows, NR, xs, 3, y, ldy, q8); break;
    case 2: ck_rows_tokens(rows, NR, xs, 2, y, ldy, q8); break;
    default: ck_rows_tokens(rows, NR, xs, 1, y, ldy, q8); break;
    }
}

/// y[t * ldy + r] = row r . xs[t] for every row and token: tokens outside in fours, rows inside, so
/// four tokens' activations stay in L1 while the caller's tile of rows sits in L2.
static inline __attribute__((always_inline)) void ck_matmul_pairs(const void *w, size_t row_bytes, int64_t rows,
                                                                const ck_q8_act *xs, int64_t ntok, float *y,
                                                                int64_t ldy, const int q8) {
    const char *base = (const char *)w;
    for (int64_t t = 0; t < ntok; t += 4) {
        const int nt = ntok - t < 4 ? (int)(ntok - t) : 4;
        for (int64_t r = 0; r < rows; r += CK_MATMUL_ROWS) {
            const char *group[CK_MATMUL_ROWS];
            for (int i = 0; i < CK_MATMUL_ROWS; i++) group[i] = base + (r + i < rows ? r + i : r) * row_bytes;
            if (rows - r >= CK_MATMUL_ROWS)
                ck_rows_some_tokens(group, CK_MATMUL_ROWS, xs + t, nt, y + t * ldy + r, ldy, q8);
            else
                ck_rows_some_tokens(group, 1, xs + t, nt, y + t * ldy + r, ldy, q8);
        }
    }
}

void CK_QUANT_KERNEL(ck_matmul_q4_0)(const void *w, size_t row_bytes, int64_t rows, const ck_q8_act *xs,
                                     int64_t ntok, float *y, int64_t ldy) {
    ck_matmul_pairs(w, row_bytes, rows, xs, ntok, y, ldy, 0);
}

void CK_QUANT_KERNEL(ck_matmul_q8_0)(const void *w, size_t row_bytes, int64_t rows, const ck_q8_act *xs,
                                     int64_t ntok, float *y, int64_t ldy) {
    ck_matmul_pairs(w, row_bytes, rows, xs, ntok, y, ldy, 1);
}
#endif
#endif
