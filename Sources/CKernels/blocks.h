#ifndef GLMCHAT_CKERNELS_BLOCKS_H
#define GLMCHAT_CKERNELS_BLOCKS_H
#include <stdint.h>
#include <string.h>
// ggml's block layouts; must match Quant/QuantBlocks.swift.
typedef struct { uint16_t d; uint8_t qs[16]; } __attribute__((packed)) ck_block_q4_0;
typedef struct { uint16_t d; int8_t qs[32]; } __attribute__((packed)) ck_block_q8_0;
_Static_assert(sizeof(ck_block_q4_0) == 18, "Q4_0 block is 18 bytes");
_Static_assert(sizeof(ck_block_q8_0) == 34, "Q8_0 block is 34 bytes");

/// fp16 bits to float, exactly (subnormals included).
static inline float ck_half_to_float(uint16_t h) {
    const uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    const uint32_t exp = (h >> 10) & 0x1F, man = h & 0x3FF;
    uint32_t bits;
    if (exp == 0x1F) {
        bits = sign | 0x7F800000u | (man << 13);
    } else if (exp != 0) {
        bits = sign | ((exp + 112) << 23) | (man << 13);
    } else if (man == 0) {
        bits = sign;
    } else {
        float f = (float)man * 0x1p-24f;  // exact: man < 2^10
        memcpy(&bits, &f, 4);
        bits |= sign;
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

/// Rows longer than this many blocks (8192 columns) are done four at a time: their activation
/// data no longer fits L1 beside the weight stream, and four rows share each load of it. Shorter
/// rows go one at a time, which measured faster for them (one sequential weight stream).
enum { CK_LONG_ROW_BLOCKS = 256 };

/// Puts block b (32 quants, scale d, quant sum) into the group layout of ck_q8_act. Blocks go in
/// pairs of groups (eight blocks, 256 bytes): block k of the eight takes lanes k and k + 8 of the
/// four vectors; lane k + 8h of the first two holds elements 4h ..< 4h+4 (low half) and 16 + 4h ..<
/// +4 (high half), the same lane of the last two elements 8 + 4h ..< +4 and 24 + 4h ..< +4.
static inline void ck_put_act_group_block(int64_t b, const int8_t *q, float d, int32_t sum, int8_t *gq, float *gd,
                                          int32_t *gbias4) {
    int8_t *pair = gq + b / 8 * 256;
    const int64_t k = b % 8;
    for (int v = 0; v < 2; v++)
        for (int h = 0; h < 2; h++) {
            memcpy(pair + 128 * v + 4 * (k + 8 * h), q + 8 * v + 4 * h, 4);
            memcpy(pair + 128 * v + 64 + 4 * (k + 8 * h), q + 16 + 8 * v + 4 * h, 4);
        }
    gd[b] = d;
    gbias4[b] = -8 * sum;
}
#endif
