#ifndef GLMCHAT_CKERNELS_BLOCKS_H
#define GLMCHAT_CKERNELS_BLOCKS_H
#include <stdint.h>
// ggml's block layouts; must match Quant/QuantBlocks.swift.
typedef struct { uint16_t d; uint8_t qs[16]; } __attribute__((packed)) ck_block_q4_0;
typedef struct { uint16_t d; int8_t qs[32]; } __attribute__((packed)) ck_block_q8_0;
_Static_assert(sizeof(ck_block_q4_0) == 18, "Q4_0 block is 18 bytes");
_Static_assert(sizeof(ck_block_q8_0) == 34, "Q8_0 block is 34 bytes");

/// Rows longer than this many blocks (8192 columns) are done four at a time: their activation
/// data no longer fits L1 beside the weight stream, and four rows share each load of it. Shorter
/// rows go one at a time, which measured faster for them (one sequential weight stream).
enum { CK_LONG_ROW_BLOCKS = 256 };
#endif
