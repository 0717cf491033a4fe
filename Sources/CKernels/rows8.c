// Q4_0 in groups of eight rows (ckernels_rows8.h): packing, unpacking, and the portable kernel every
// other path must match bit for bit.
#include "ckernels_rows8.h"
#include "blocks.h"
#include <math.h>
#include <string.h>

#pragma STDC FP_CONTRACT OFF

size_t ck_rows8_bytes(int64_t rows, int64_t nblocks) {
    return (size_t)((rows + 7) / 8) * (size_t)nblocks * CK_ROWS8_BLOCK_BYTES;
}

void ck_rows8_pack_q4_0(const void *w, int64_t rows, int64_t nblocks, int64_t group_begin, int64_t group_end,
                        void *dst) {
    const ck_block_q4_0 *src = (const ck_block_q4_0 *)w;
    uint8_t *out = (uint8_t *)dst;
    for (int64_t g = group_begin; g < group_end; g++)
        for (int64_t b = 0; b < nblocks; b++) {
            uint8_t *blk = out + ((size_t)g * (size_t)nblocks + (size_t)b) * CK_ROWS8_BLOCK_BYTES;
            memset(blk, 0, CK_ROWS8_BLOCK_BYTES);
            for (int r = 0; r < 8 && g * 8 + r < rows; r++) {
                const ck_block_q4_0 *s = src + (size_t)(g * 8 + r) * (size_t)nblocks + (size_t)b;
                memcpy(blk + 2 * r, &s->d, 2);
                for (int k = 0; k < 4; k++) memcpy(blk + 16 + 32 * k + 4 * r, s->qs + 4 * k, 4);
            }
        }
}

void ck_rows8_unpack_row(const void *packed, int64_t nblocks, int64_t row, void *dst) {
    const uint8_t *group = (const uint8_t *)packed + (size_t)(row / 8) * (size_t)nblocks * CK_ROWS8_BLOCK_BYTES;
    const int r = (int)(row % 8);
    ck_block_q4_0 *out = (ck_block_q4_0 *)dst;
    for (int64_t b = 0; b < nblocks; b++) {
        const uint8_t *blk = group + (size_t)b * CK_ROWS8_BLOCK_BYTES;
        memcpy(&out[b].d, blk + 2 * r, 2);
        for (int k = 0; k < 4; k++) memcpy(out[b].qs + 4 * k, blk + 16 + 32 * k + 4 * r, 4);
    }
}

void ck_rows8_matmul_portable(const void *packed, int64_t rows, const ck_q8_act *xs, int64_t ntok, float *y,
                              int64_t ldy) {
    const int64_t nblocks = xs->nblocks;
    for (int64_t t = 0; t < ntok; t++)
        for (int64_t row = 0; row < rows; row++) {
            const uint8_t *group = (const uint8_t *)packed + (size_t)(row / 8) * (size_t)nblocks * CK_ROWS8_BLOCK_BYTES;
            const int r = (int)(row % 8);
            float acc = 0;
            for (int64_t b = 0; b < nblocks; b++) {
                const uint8_t *blk = group + (size_t)b * CK_ROWS8_BLOCK_BYTES;
                const int64_t p = b / 2, j = b % 2;
                const int8_t *lo = xs[t].q + p * 64 + j * 16, *hi = lo + 32;
                int32_t dot = xs[t].bias4[p * 8 + j * 4];
                for (int k = 0; k < 4; k++)
                    for (int i = 0; i < 4; i++) {
                        const uint8_t byte = blk[16 + 32 * k + 4 * r + i];
                        dot += (byte & 0x0F) * lo[4 * k + i] + (byte >> 4) * hi[4 * k + i];
                    }
                uint16_t d;
                memcpy(&d, blk + 2 * r, 2);
                acc = fmaf((float)dot, ck_half_to_float(d) * xs[t].d[p * 8 + j * 4], acc);
            }
            y[t * ldy + row] = acc;
        }
}
