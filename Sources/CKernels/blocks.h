#ifndef GLMCHAT_CKERNELS_BLOCKS_H
#define GLMCHAT_CKERNELS_BLOCKS_H
#include <stdint.h>
#include <string.h>
// ggml's block layouts; must match Quant/QuantBlocks.swift.
typedef struct { uint16_t d; uint8_t qs[16]; } __attribute__((packed)) ck_block_q4_0;
typedef struct { uint16_t d; int8_t qs[32]; } __attribute__((packed)) ck_block_q8_0;
_Static_assert(sizeof(ck_block_q4_0) == 18, "Q4_0 block is 18 bytes");
_Static_assert(sizeof(ck_block_q8_0) == 34, "Q8_0 block is 34 bytes");

/// Rows longer than this many blocks (8192 columns) are done four at a time: their activation
/// data no longer fits L1 beside the weight stream, and four rows share each load of it. Shorter
/// rows go one at a time, which measured faster for them (one sequential weight stream).
enum { CK_LONG_ROW_BLOCKS = 256 };

/// Puts block b (32 quants, scale d, quant sum) into the group layout of ck_q8_act: elements 4c ..< 4c+4
/// fill lane 4c + b % 4 of the group's low half, elements 16 + 4c ..< +4 the same lane of its high half.
static inline void ck_put_act_group_block(int64_t b, const int8_t *q, float d, int32_t sum, int8_t *gq, float *gd,
                                          int32_t *gbias4) {
    const int64_t g = b / 4, k = b % 4;
    int8_t *lo = gq + g * 128, *hi = lo + 64;
    for (int c = 0; c < 4; c++) {
        memcpy(lo + 16 * c + 4 * k, q + 4 * c, 4);
        memcpy(hi + 16 * c + 4 * k, q + 16 + 4 * c, 4);
    }
    gd[g * 4 + k] = d;
    gbias4[g * 4 + k] = -8 * sum;
}
#endif
