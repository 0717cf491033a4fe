#ifndef GLMCHAT_CKERNELS_KQUANTS_LAYOUT_H
#define GLMCHAT_CKERNELS_KQUANTS_LAYOUT_H
// ggml's block layouts (ggml-common.h) for the types in ckernels_kquants.h; they must match
// Quant/GGMLBlockGeometry.swift. fp16 fields are kept as raw bits.
#include <stdint.h>
#include <string.h>

typedef struct { uint16_t d, m; uint8_t qs[16]; } __attribute__((packed)) ck_block_q4_1;
typedef struct { uint16_t d; uint8_t qh[4]; uint8_t qs[16]; } __attribute__((packed)) ck_block_q5_0;
typedef struct { uint16_t d, m; uint8_t qh[4]; uint8_t qs[16]; } __attribute__((packed)) ck_block_q5_1;
typedef struct { uint16_t d; uint8_t qs[16]; } __attribute__((packed)) ck_block_iq4_nl;
typedef struct { uint8_t scales[16]; uint8_t qs[64]; uint16_t d, dmin; } __attribute__((packed)) ck_block_q2_K;
typedef struct { uint8_t hmask[32]; uint8_t qs[64]; uint8_t scales[12]; uint16_t d; } __attribute__((packed)) ck_block_q3_K;
typedef struct { uint16_t d, dmin; uint8_t scales[12]; uint8_t qs[128]; } __attribute__((packed)) ck_block_q4_K;
typedef struct { uint16_t d, dmin; uint8_t scales[12]; uint8_t qh[32]; uint8_t qs[128]; } __attribute__((packed)) ck_block_q5_K;
typedef struct { uint8_t ql[128]; uint8_t qh[64]; int8_t scales[16]; uint16_t d; } __attribute__((packed)) ck_block_q6_K;
typedef struct { uint16_t d, scales_h; uint8_t scales_l[4]; uint8_t qs[128]; } __attribute__((packed)) ck_block_iq4_xs;

_Static_assert(sizeof(ck_block_q4_1) == 20, "Q4_1 block is 20 bytes");
_Static_assert(sizeof(ck_block_q5_0) == 22, "Q5_0 block is 22 bytes");
_Static_assert(sizeof(ck_block_q5_1) == 24, "Q5_1 block is 24 bytes");
_Static_assert(sizeof(ck_block_iq4_nl) == 18, "IQ4_NL block is 18 bytes");
_Static_assert(sizeof(ck_block_q2_K) == 84, "Q2_K block is 84 bytes");
_Static_assert(sizeof(ck_block_q3_K) == 110, "Q3_K block is 110 bytes");
_Static_assert(sizeof(ck_block_q4_K) == 144, "Q4_K block is 144 bytes");
_Static_assert(sizeof(ck_block_q5_K) == 176, "Q5_K block is 176 bytes");
_Static_assert(sizeof(ck_block_q6_K) == 210, "Q6_K block is 210 bytes");
_Static_assert(sizeof(ck_block_iq4_xs) == 136, "IQ4_XS block is 136 bytes");

/// IQ4_NL / IQ4_XS levels (ggml's kvalues_iq4nl).
static const int8_t ck_iq4_levels[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

/// Q4_K / Q5_K: the 6-bit scale and min of sub-block s (0..7) from the 12 packed bytes.
static inline void ck_kq_scale_min(const uint8_t *p, int s, int *scale, int *min) {
    if (s < 4) {
        *scale = p[s] & 63;
        *min = p[s + 4] & 63;
    } else {
        *scale = (p[s + 4] & 0x0F) | ((p[s - 4] >> 6) << 4);
        *min = (p[s + 4] >> 4) | ((p[s] >> 6) << 4);
    }
}

/// Q3_K: the sixteen 6-bit scales minus 32 (one per 16 elements) from the 12 packed bytes.
static inline void ck_kq_q3_scales(const uint8_t *p, int scales[16]) {
    for (int i = 0; i < 16; i++) {
        const int low = i < 8 ? (p[i] & 0x0F) : (p[i - 8] >> 4);
        const int high = (p[8 + i % 4] >> (2 * (i / 4))) & 3;
        scales[i] = (low | (high << 4)) - 32;
    }
}

/// IQ4_XS: the 6-bit scale of 32-element group g, minus 32.
static inline int ck_kq_iq4xs_scale(const ck_block_iq4_xs *b, int g) {
    const int low = (b->scales_l[g / 2] >> (4 * (g % 2))) & 0x0F;
    const int high = (b->scales_h >> (2 * g)) & 3;
    return (low | (high << 4)) - 32;
}
#endif
