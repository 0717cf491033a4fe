#ifndef GLMCHAT_CKERNELS_ROWS8_H
#define GLMCHAT_CKERNELS_ROWS8_H
// Q4_0 in groups of eight rows, for AVX2 cores: one register holds four quant bytes of each of eight
// rows, so the float work of a block is paid once per eight rows (docs/PERFORMANCE.md, "Q4_0 in groups
// of eight rows"). Per block of a group, 144 bytes: the eight fp16 scales (row r at 2r), then chunks
// k = 0..3 of 32 bytes holding quant bytes 4k..4k+3 of row r at 4r; the last group is padded with zero
// rows. Per row and block: the exact integer dot, then acc = fma(float(dot), d_w * d_x, acc) in block
// order, so every kernel, batched or not, gives the same bits.
#include <stddef.h>
#include <stdint.h>
#include "ckernels.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { CK_ROWS8_BLOCK_BYTES = 144 };

/// Bytes of `rows` rows of `nblocks` blocks in groups of eight.
size_t ck_rows8_bytes(int64_t rows, int64_t nblocks);

/// Packs groups [group_begin, group_end) of the Q4_0 rows at `w` (`rows` rows, `nblocks` blocks each,
/// ggml's layout) into `dst` (the whole packed matrix). Threads may pack disjoint groups at once.
void ck_rows8_pack_q4_0(const void *w, int64_t rows, int64_t nblocks, int64_t group_begin, int64_t group_end,
                        void *dst);

/// Row `row` of a packed matrix back in ggml's Q4_0 layout (nblocks * 18 bytes at `dst`).
void ck_rows8_unpack_row(const void *packed, int64_t nblocks, int64_t row, void *dst);

/// y[t * ldy + r] = row r . xs[t] for r < rows and t < ntok, rows counted from the start of the group
/// at `packed`; xs in the paired layout of ck_q8_act (q, d, bias4 and nblocks are read).
void ck_rows8_matmul_portable(const void *packed, int64_t rows, const ck_q8_act *xs, int64_t ntok, float *y,
                              int64_t ldy);
#if defined(__x86_64__)
void ck_rows8_matmul_avx2(const void *packed, int64_t rows, const ck_q8_act *xs, int64_t ntok, float *y,
                          int64_t ldy);
#endif

#ifdef __cplusplus
}
#endif
#endif
