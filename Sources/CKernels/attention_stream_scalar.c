// The scalar reference of the streaming attention pass, and the merge of partial states
// (ckernels_attention.h). Plain loops in the same order of blocks as the SIMD variants: every
// variant's state equals this one's up to the rounding of its sums and of its exp.
#include "ckernels_attention.h"
#include "ckernels.h"
#include "blocks.h"
#include <assert.h>
#include <math.h>
#include <string.h>

/// A cached row as floats: f16 values, or q8_0 blocks (an f16 scale, then `block` int8 values).
typedef void (*ck_row_fn)(const uint8_t *in, int64_t dim, int64_t block, float *out);

static void f16_row(const uint8_t *in, int64_t dim, int64_t block, float *out) {
    (void)block;
    for (int64_t d = 0; d < dim; d++) {
        uint16_t h;
        memcpy(&h, in + 2 * d, 2);
        out[d] = ck_half_to_float(h);
    }
}

static void q8_row(const uint8_t *in, int64_t dim, int64_t block, float *out) {
    for (int64_t b = 0; b < dim / block; b++) {
        const uint8_t *q = in + b * (2 + block);
        uint16_t h;
        memcpy(&h, q, 2);
        const float scale = ck_half_to_float(h);
        for (int64_t i = 0; i < block; i++) out[b * block + i] = scale * (float)(int8_t)q[2 + i];
    }
}

static void stream_scalar(const uint8_t *keys, const uint8_t *values, int64_t row_bytes, int64_t block,
                          ck_row_fn row, int64_t begin, int64_t end, const float *queries, int64_t qstride,
                          int64_t heads, int64_t dim, float scale, float *work, float *state) {
    float *q = work;                          // heads x dim: scaled queries
    float *p = q + 16 * dim;                  // CK_ATTN_STREAM_BLOCK x 16: scores, then weights
    float x[CK_ATTN_DIM_LIMIT];               // one row as floats
    // the callers' contract (StreamingAttention.choose, Q8CacheRows.block): a row fits `x`, a q8_0
    // block is 16 or 32 values and divides the row
    assert(dim > 0 && dim <= CK_ATTN_DIM_LIMIT);
    assert(block == 0 || ((block == 16 || block == 32) && dim % block == 0));
    float *m = state, *l = state + 16, *o = state + 32;
    for (int64_t h = 0; h < 16; h++) {
        m[h] = -INFINITY;
        l[h] = 0;
        for (int64_t d = 0; d < dim; d++) {
            q[h * dim + d] = h < heads ? queries[h * qstride + d] * scale : 0.0f;
            o[d * 16 + h] = 0;
        }
    }
    for (int64_t j0 = begin; j0 < end; j0 += CK_ATTN_STREAM_BLOCK) {
        const int64_t n = end - j0 < CK_ATTN_STREAM_BLOCK ? end - j0 : CK_ATTN_STREAM_BLOCK;
        for (int64_t h = 0; h < heads; h++) {
            float top = -INFINITY;
            for (int64_t r = 0; r < n; r++) {
                row(keys + (j0 + r) * row_bytes, dim, block, x);
                float s = 0;
                for (int64_t d = 0; d < dim; d++) s += q[h * dim + d] * x[d];
                p[r * 16 + h] = s;
                if (s > top) top = s;
            }
            if (top > m[h]) {
                const float alpha = expf(m[h] - top);
                l[h] *= alpha;
                for (int64_t d = 0; d < dim; d++) o[d * 16 + h] *= alpha;
                m[h] = top;
            }
            for (int64_t r = 0; r < n; r++) {
                const float e = expf(p[r * 16 + h] - m[h]);
                l[h] += e;
                row(values + (j0 + r) * row_bytes, dim, block, x);
                for (int64_t d = 0; d < dim; d++) o[d * 16 + h] += e * x[d];
            }
        }
    }
}

void ck_attn_stream_f16_scalar(const uint16_t *keys, const uint16_t *values, int64_t stride, int64_t begin,
                               int64_t end, const float *queries, int64_t qstride, int64_t heads, int64_t dim,
                               float scale, float *work, float *state) {
    stream_scalar((const uint8_t *)keys, (const uint8_t *)values, 2 * stride, 0, f16_row, begin, end, queries,
                  qstride, heads, dim, scale, work, state);
}

void ck_attn_stream_q8_0_scalar(const uint8_t *keys, const uint8_t *values, int64_t row_bytes, int64_t block,
                                int64_t begin, int64_t end, const float *queries, int64_t qstride, int64_t heads,
                                int64_t dim, float scale, float *work, float *state) {
    stream_scalar(keys, values, row_bytes, block, q8_row, begin, end, queries, qstride, heads, dim, scale, work,
                  state);
}

void ck_attn_merge_states(const float *states, int64_t sstride, int64_t parts, int64_t heads, int64_t dim,
                          float *out, int64_t ostride) {
    for (int64_t h = 0; h < heads; h++) {
        float top = -INFINITY;
        for (int64_t k = 0; k < parts; k++) top = fmaxf(top, states[k * sstride + h]);
        float sum = 0;
        float weight[CK_ATTN_MAX_PARTS];
        const int64_t counted = parts < CK_ATTN_MAX_PARTS ? parts : CK_ATTN_MAX_PARTS;
        for (int64_t k = 0; k < counted; k++) {
            const float mk = states[k * sstride + h];
            weight[k] = mk == -INFINITY ? 0.0f : expf(mk - top);
            sum += weight[k] * states[k * sstride + 16 + h];
        }
        const float inv = sum > 0 ? 1.0f / sum : 0.0f;
        for (int64_t d = 0; d < dim; d++) {
            float acc = 0;
            for (int64_t k = 0; k < counted; k++) acc += weight[k] * states[k * sstride + 32 + d * 16 + h];
            out[h * ostride + d] = acc * inv;
        }
    }
}
