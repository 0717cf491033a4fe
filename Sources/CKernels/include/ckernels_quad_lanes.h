#ifndef GLMCHAT_CKERNELS_QUAD_LANES_H
#define GLMCHAT_CKERNELS_QUAD_LANES_H
// Q4_0 in the quad-lane layout, for the 512-bit kernels: each row is ceil(nblocks / 16) quads of 288
// bytes. A quad holds the fp16 scales of its 16 blocks (block b at 2b), then four 64-byte vectors:
// vector m holds nibble bytes 4m ..< 4m + 4 of block b at 4b. A last quad with fewer blocks is padded
// with zero scales and zero bytes. So one aligned-enough load per vector gives the kernel, in lane b,
// the low and the high nibbles of block b, with no gather (ggml's layout needs four loads and two
// byte permutes per eight blocks, and a fold of each block's two lanes) (docs/PERFORMANCE.md,
// "Weights in the quad-lane order"). The products are those of ck_matvec_q4_0_avx512vbmi, bit for bit.
#include <stddef.h>
#include <stdint.h>
#include "ckernels.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { CK_QUAD_LANES_QUAD_BYTES = 288 };
/// Bytes of one token's activations per quad in the quad-lane order: eight vectors, 16 biases, 16 scales.
enum { CK_QUAD_LANES_ACT_BYTES = 640 };

/// Bytes of one row of `nblocks` blocks in the quad-lane layout.
size_t ck_quad_lanes_row_bytes(int64_t nblocks);

/// Packs rows [row_begin, row_end) of the ggml Q4_0 rows at `w` (`nblocks` blocks each) into `dst`
/// (the whole packed matrix). Threads may pack disjoint rows at once.
void ck_quad_lanes_pack_q4_0(const void *w, int64_t nblocks, int64_t row_begin, int64_t row_end, void *dst);

/// Row `row` of a packed matrix back in ggml's Q4_0 layout (nblocks * 18 bytes at `dst`).
void ck_quad_lanes_unpack_row(const void *packed, int64_t nblocks, int64_t row, void *dst);

/// y[t * ldy + r] = row r . xs[t] for r < rows and t < ntok, the rows `row_bytes` apart from `w`; xs in
/// the group layout of ck_q8_act (gq, gd, gbias4, nblocks). The scalar twin of the 512-bit kernels:
/// the same integer dots and float steps per lane, and their sum in the same tree, so the same bits.
void ck_matmul_q4_0_quad_lanes_portable(const void *w, size_t row_bytes, int64_t rows, const ck_q8_act *xs,
                                        int64_t ntok, float *y, int64_t ldy);
#if defined(__x86_64__)
/// The 512-bit kernels on this layout (need ck_cpu_has_avx512vbmi): one token, and batches of any
/// size in passes of up to five tokens, as ck_matvec_q4_0_avx512vbmi / ck_matmul_q4_0_avx512vbmi.
void ck_matvec_q4_0_quad_lanes(const void *w, size_t row_bytes, int64_t rows, const ck_q8_act *x, float *y);
/// One token's activations (group layout) in the quad-lane order, every quad (CK_QUAD_LANES_ACT_BYTES
/// each, 64-byte aligned `out`), for ck_matvec_q4_0_quad_lanes_packed (needs ck_cpu_has_avx512vbmi).
void ck_pack_quad_lanes_act(const ck_q8_act *x, void *out);
/// ck_matvec_q4_0_quad_lanes with the token's activations packed once by ck_pack_quad_lanes_act (a
/// product split across threads packs once, not once per chunk); the same bits.
void ck_matvec_q4_0_quad_lanes_packed(const void *w, size_t row_bytes, int64_t rows, const void *act_lanes,
                                      int64_t nblocks, float *y);
void ck_matmul_q4_0_quad_lanes(const void *w, size_t row_bytes, int64_t rows, const ck_q8_act *xs, int64_t ntok,
                               float *y, int64_t ldy);
/// ck_quad_lanes_pack_q4_0 with 512-bit gathers (needs ck_cpu_has_avx512vbmi): the same bytes, faster.
void ck_quad_lanes_pack_q4_0_avx512(const void *w, int64_t nblocks, int64_t row_begin, int64_t row_end, void *dst);
#endif

#ifdef __cplusplus
}
#endif
#endif
