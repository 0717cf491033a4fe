// The batched (prompt) form of ck_matvec_q4_0_avx512vnni: each pair of weight blocks is loaded,
// unpacked and scaled once and then applied to up to four tokens, and rows go two at a time so each
// token's activation loads serve both (measured in docs/PERFORMANCE.md). Every (row, token) result
// goes through the single-token kernel's operations in the same order, so the batched path stays
// bit-identical to matVec.
#include "ckernels.h"
#if defined(__x86_64__)
#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c"))), apply_to = function)

#include "dots_vnni.h"
#include "pairs.h"

/// Pair p (blocks 2p, 2p+1; `whole` false when only block 2p exists) of NR rows into acc[r][k] for
/// NT tokens.
static inline __attribute__((always_inline)) void ck_pair_tokens(const ck_block_q4_0 *const *rows, const int NR,
                                                               int whole, int64_t p, const ck_q8_act *xs,
                                                               const int NT, __m256 (*acc)[4]) {
    ck_pair w[2];
    for (int r = 0; r < NR; r++) w[r] = ck_load_q4_pair(rows[r] + 2 * p, whole);
    for (int k = 0; k < NT; k++)
        for (int r = 0; r < NR; r++) acc[r][k] = ck_pair_fma(w[r], xs + k, p, acc[r][k], 0);
}

/// NR (1-2) rows for NT (1-4) tokens, y[k * ldy + r] = row r . token k, accumulating as the
/// single-token kernel does for this row length: short rows alternate two accumulators by pair (the
/// odd last block going to the second), long rows (CK_LONG_ROW_BLOCKS) use one.
static inline __attribute__((always_inline)) void ck_rows_tokens(const ck_block_q4_0 *const *rows, const int NR,
                                                               const ck_q8_act *xs, const int NT, float *y,
                                                               int64_t ldy) {
    const int64_t nblocks = xs->nblocks;
    const int64_t full = nblocks / 2;
    __m256 a0[2][4], a1[2][4];
    for (int r = 0; r < NR; r++)
        for (int k = 0; k < NT; k++) a0[r][k] = a1[r][k] = _mm256_setzero_ps();
    if (nblocks > CK_LONG_ROW_BLOCKS) {
        for (int64_t p = 0; p < full; p++) ck_pair_tokens(rows, NR, 1, p, xs, NT, a0);
        if (nblocks & 1) ck_pair_tokens(rows, NR, 0, full, xs, NT, a0);
        for (int k = 0; k < NT; k++)
            for (int r = 0; r < NR; r++) y[k * ldy + r] = ck_hsum8(a0[r][k]);
        return;
    }
    int64_t p = 0;
    for (; p + 1 < full; p += 2) {
        ck_pair_tokens(rows, NR, 1, p, xs, NT, a0);
        ck_pair_tokens(rows, NR, 1, p + 1, xs, NT, a1);
    }
    for (; p < full; p++) ck_pair_tokens(rows, NR, 1, p, xs, NT, a0);
    if (nblocks & 1) ck_pair_tokens(rows, NR, 0, full, xs, NT, a1);
    for (int k = 0; k < NT; k++)
        for (int r = 0; r < NR; r++) y[k * ldy + r] = ck_hsum8(_mm256_add_ps(a0[r][k], a1[r][k]));
}

#define CK_TILE_CASE(R, T) \
    case (R) * 8 + (T): ck_rows_tokens(pair, R, xs + t, T, y + t * ldy + r, ldy); break;

void ck_matmul_q4_0_avx512vnni(const void *w, size_t row_bytes, int64_t rows, const ck_q8_act *xs, int64_t ntok,
                               float *y, int64_t ldy) {
    // tokens outside, rows inside: four tokens' activations stay in L1 while the caller's tile of rows sits in L2
    const char *base = (const char *)w;
    for (int64_t t = 0; t < ntok; t += 4) {
        const int nt = ntok - t < 4 ? (int)(ntok - t) : 4;
        for (int64_t r = 0; r < rows; r += 2) {
            const int nr = rows - r >= 2 ? 2 : 1;
            const ck_block_q4_0 *pair[2] = {(const ck_block_q4_0 *)(base + r * row_bytes),
                                            (const ck_block_q4_0 *)(base + (r + nr - 1) * row_bytes)};
            switch (nr * 8 + nt) {
                CK_TILE_CASE(2, 4) CK_TILE_CASE(2, 3) CK_TILE_CASE(2, 2) CK_TILE_CASE(2, 1)
                CK_TILE_CASE(1, 4) CK_TILE_CASE(1, 3) CK_TILE_CASE(1, 2)
                default: ck_rows_tokens(pair, 1, xs + t, 1, y + t * ldy + r, ldy); break;
            }
        }
    }
}

#pragma clang attribute pop
#endif
