#ifndef GLMCHAT_CKERNELS_ROWS8_H
#define GLMCHAT_CKERNELS_ROWS8_H
// Q4_0 weights in groups of eight rows ("rows8"), for cores without AVX-512 (docs/PERFORMANCE.md,
// "Q4_0 in groups of eight rows"). In ggml's row layout one 256-bit register holds one block of one
// row, and every block of every token pays for its own widening add, conversion, scale product and
// multiply-add: on AVX2 cores those share two pipes with the byte products and bound every batch.
// Here one register holds four quant bytes of each of eight rows, so the eight rows' integer dots of
// a block build up side by side in sixteen-bit lanes and the float work is paid once per eight rows.
//
// Layout: groups of eight rows (the last padded with zero rows), each group its blocks in order, each
// block 144 bytes: the eight rows' fp16 scales (row r at bytes 2r), then four chunks of 32 bytes, chunk
// k holding quant bytes 4k ..< 4k + 4 of row r at bytes 4r (low nibbles: elements 4k.., high nibbles:
// elements 16 + 4k..). The same 18 bytes per block and row as ggml's Q4_0.
//
// Every kernel computes, per row and block, the exact integer dot of the nibbles minus 8 with the
// activation's quants, then acc = fma(float(dot), d_w * d_x, acc) in block order: the portable C
// kernel and the AVX2 one agree bit for bit, and a batch gives each (row, token) exactly the
// single-token result.
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
