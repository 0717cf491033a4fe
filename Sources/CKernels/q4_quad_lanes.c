// Q4_0 in the quad-lane layout (ckernels_quad_lanes.h): packing, unpacking, and the portable kernel the
// 512-bit ones match bit for bit.
#include "ckernels_quad_lanes.h"
#include "blocks.h"
#include <math.h>
#include <string.h>

#pragma STDC FP_CONTRACT OFF

size_t ck_quad_lanes_row_bytes(int64_t nblocks) {
    return (size_t)((nblocks + 15) / 16) * CK_QUAD_LANES_QUAD_BYTES;
}

void ck_quad_lanes_pack_q4_0(const void *w, int64_t nblocks, int64_t row_begin, int64_t row_end, void *dst) {
    const size_t row_bytes = ck_quad_lanes_row_bytes(nblocks);
    for (int64_t r = row_begin; r < row_end; r++) {
        const ck_block_q4_0 *src = (const ck_block_q4_0 *)w + (size_t)r * (size_t)nblocks;
        uint8_t *row = (uint8_t *)dst + (size_t)r * row_bytes;
        // only a last quad with fewer blocks has padding (written over first, then filled)
        if (nblocks % 16) memset(row + row_bytes - CK_QUAD_LANES_QUAD_BYTES, 0, CK_QUAD_LANES_QUAD_BYTES);
        for (int64_t b = 0; b < nblocks; b++) {
            uint8_t *quad = row + (size_t)(b / 16) * CK_QUAD_LANES_QUAD_BYTES;
            const int lane = (int)(b % 16);
            memcpy(quad + 2 * lane, &src[b].d, 2);
            for (int m = 0; m < 4; m++) memcpy(quad + 32 + 64 * m + 4 * lane, src[b].qs + 4 * m, 4);
        }
    }
}

void ck_quad_lanes_unpack_row(const void *packed, int64_t nblocks, int64_t row, void *dst) {
    const uint8_t *src = (const uint8_t *)packed + (size_t)row * ck_quad_lanes_row_bytes(nblocks);
    ck_block_q4_0 *out = (ck_block_q4_0 *)dst;
    for (int64_t b = 0; b < nblocks; b++) {
        const uint8_t *quad = src + (size_t)(b / 16) * CK_QUAD_LANES_QUAD_BYTES;
        const int lane = (int)(b % 16);
        memcpy(&out[b].d, quad + 2 * lane, 2);
        for (int m = 0; m < 4; m++) memcpy(out[b].qs + 4 * m, quad + 32 + 64 * m + 4 * lane, 4);
    }
}

/// Activation j (0-31) of block b in the group layout (ck_q8_act): in its quad's pair (b % 16) / 8, vector
/// 2 (m / 2) + j / 16 and lane b % 8 + 8 (m % 2), where m = (j % 16) / 4 is the word of its nibble byte.
static int8_t ck_group_activation(const ck_q8_act *x, int64_t b, int j) {
    const int64_t quad = b / 16;
    const int in_quad = (int)(b % 16), i = j % 16, m = i / 4;
    const int vector = 2 * (m / 2) + j / 16, lane = in_quad % 8 + 8 * (m % 2);
    return x->gq[quad * 512 + 256 * (in_quad / 8) + 64 * vector + 4 * lane + i % 4];
}

/// The sum of 16 lanes in _mm512_reduce_add_ps's tree: halves, then quarters, pairs, and the last two.
static float ck_lane_tree_sum(const float *lanes) {
    float v[8];
    for (int i = 0; i < 8; i++) v[i] = lanes[i] + lanes[i + 8];
    for (int i = 0; i < 4; i++) v[i] = v[i] + v[i + 4];
    for (int i = 0; i < 2; i++) v[i] = v[i] + v[i + 2];
    return v[0] + v[1];
}

void ck_matmul_q4_0_quad_lanes_portable(const void *w, size_t row_bytes, int64_t rows, const ck_q8_act *xs,
                                        int64_t ntok, float *y, int64_t ldy) {
    const int64_t nblocks = xs->nblocks, quads = (nblocks + 15) / 16;
    for (int64_t t = 0; t < ntok; t++)
        for (int64_t r = 0; r < rows; r++) {
            const uint8_t *row = (const uint8_t *)w + (size_t)r * row_bytes;
            float lanes[16] = {0};
            for (int64_t q = 0; q < quads; q++) {
                const uint8_t *quad = row + (size_t)q * CK_QUAD_LANES_QUAD_BYTES;
                // a last quad's padding adds zero to its lanes, as in the vector kernels (the group
                // layout pads the activations with zeros to whole quads too)
                for (int lane = 0; lane < 16; lane++) {
                    const int64_t b = q * 16 + lane;
                    int32_t dot = xs[t].gbias4[b];
                    for (int m = 0; m < 4; m++)
                        for (int k = 0; k < 4; k++) {
                            const uint8_t byte = quad[32 + 64 * m + 4 * lane + k];
                            dot += (byte & 0x0F) * ck_group_activation(&xs[t], b, 4 * m + k) +
                                   (byte >> 4) * ck_group_activation(&xs[t], b, 16 + 4 * m + k);
                        }
                    uint16_t d;
                    memcpy(&d, quad + 2 * lane, 2);
                    lanes[lane] = fmaf((float)dot, ck_half_to_float(d) * xs[t].gd[b], lanes[lane]);
                }
            }
            y[t * ldy + r] = ck_lane_tree_sum(lanes);
        }
}
