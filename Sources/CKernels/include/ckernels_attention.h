#ifndef GLMCHAT_CKERNELS_ATTENTION_H
#define GLMCHAT_CKERNELS_ATTENTION_H
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// ---- streaming attention over an F16 or q8_0 cache ------------------------------------------------
// One pass over a KV group's cached rows for up to 16 query heads that share it: each block of
// positions gets its scores, an online-softmax update and its weighted values while the rows are in
// L1, so the cache is read once per token and no score array as long as the context is written.
// The result of a pass over positions [begin, end) is a partial state: per head the running maximum
// score m, the sum l of e^(score - m), and the unnormalized sum of e^(score - m) x value. Passes over
// disjoint ranges (another thread's share of the positions) are merged by ck_attn_merge_states.

/// Heads one pass takes (they sit in the lanes of a 512-bit register).
enum { CK_ATTN_STREAM_HEADS = 16 };
/// Positions per online-softmax step.
enum { CK_ATTN_STREAM_BLOCK = 16 };
/// Most partial states one merge takes.
enum { CK_ATTN_MAX_PARTS = 64 };

/// Floats of a partial state: m[16], l[16], then dim x 16 weighted values (heads in lanes).
static inline int64_t ck_attn_state_floats(int64_t dim) { return 32 + 16 * dim; }
/// Floats of scratch one pass needs: the transposed queries, a block of rows, a block of weights.
static inline int64_t ck_attn_stream_work_floats(int64_t dim) {
    return 16 * dim + CK_ATTN_STREAM_BLOCK * dim + CK_ATTN_STREAM_BLOCK * 16;
}

/// The pass over positions begin ..< end of one group's keys and values (rows of `dim` f16 values,
/// `stride` elements apart) for `heads` <= 16 queries (`qstride` floats apart), scores scaled by
/// `scale`. dim % 16 == 0, dim <= 256. An empty range gives the empty state (m = -inf, l = 0).
/// The scalar reference; every SIMD variant computes the same state up to rounding.
void ck_attn_stream_f16_scalar(const uint16_t *keys, const uint16_t *values, int64_t stride, int64_t begin,
                               int64_t end, const float *queries, int64_t qstride, int64_t heads, int64_t dim,
                               float scale, float *work, float *state);

/// The same pass over a q8_0 cache: each row (`row_bytes` apart) is dim / block blocks of an f16
/// scale followed by `block` int8 values (ggml's block_q8_0 when block is 32; 16 for heads of 16),
/// value = scale x int8. block is 16 or 32 and divides dim.
void ck_attn_stream_q8_0_scalar(const uint8_t *keys, const uint8_t *values, int64_t row_bytes, int64_t block,
                                int64_t begin, int64_t end, const float *queries, int64_t qstride, int64_t heads,
                                int64_t dim, float scale, float *work, float *state);

/// Combines `parts` <= CK_ATTN_MAX_PARTS states (`sstride` floats apart, over disjoint ranges) and
/// writes each head's attention output: out[h * ostride + d] for h < heads, d < dim. A head whose
/// states are all empty gets zeros.
void ck_attn_merge_states(const float *states, int64_t sstride, int64_t parts, int64_t heads, int64_t dim,
                          float *out, int64_t ostride);

#if defined(__x86_64__)
/// AVX-512 F + F16C: heads in the lanes of one register, eight positions' scores at a time.
void ck_attn_stream_f16_avx512(const uint16_t *keys, const uint16_t *values, int64_t stride, int64_t begin,
                               int64_t end, const float *queries, int64_t qstride, int64_t heads, int64_t dim,
                               float scale, float *work, float *state);
/// AVX2 + FMA + F16C: heads in the lanes of two registers, four positions' scores at a time.
void ck_attn_stream_f16_avx2(const uint16_t *keys, const uint16_t *values, int64_t stride, int64_t begin,
                             int64_t end, const float *queries, int64_t qstride, int64_t heads, int64_t dim,
                             float scale, float *work, float *state);
/// The q8_0 passes, AVX-512 and AVX2 (int8 widened and scaled in registers).
void ck_attn_stream_q8_0_avx512(const uint8_t *keys, const uint8_t *values, int64_t row_bytes, int64_t block,
                                int64_t begin, int64_t end, const float *queries, int64_t qstride, int64_t heads,
                                int64_t dim, float scale, float *work, float *state);
void ck_attn_stream_q8_0_avx2(const uint8_t *keys, const uint8_t *values, int64_t row_bytes, int64_t block,
                              int64_t begin, int64_t end, const float *queries, int64_t qstride, int64_t heads,
                              int64_t dim, float scale, float *work, float *state);
#endif

#ifdef __cplusplus
}
#endif
#endif
