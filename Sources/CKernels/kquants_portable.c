// The kernels of ckernels_kquants.h in plain C: the path for CPUs without AVX2, and the contract of
// the header written out element by element.
#include "ckernels_kquants.h"
#include "blocks.h"
#include "kquants_layout.h"
#include <math.h>

#pragma STDC FP_CONTRACT OFF

// ---- 32-element blocks against Q8_0 ----------------------------------------------------------

/// The integer weights of one block (IQ4_NL: signed levels; others unsigned), its fp16 d and m,
/// and the offset that makes Q5_0's unsigned quants signed.
typedef struct { int w[32]; uint16_t d, m; int offset; } ck_kq_block32;

static void ck_kq_unpack32(ck_kq_type type, const uint8_t *row, int64_t b, ck_kq_block32 *out) {
    out->m = 0;
    out->offset = 0;
    const uint8_t *qs;
    uint32_t qh = 0;
    switch (type) {
    case CK_KQ_Q4_1: { const ck_block_q4_1 *p = (const ck_block_q4_1 *)row + b; out->d = p->d; out->m = p->m; qs = p->qs; break; }
    case CK_KQ_Q5_0: { const ck_block_q5_0 *p = (const ck_block_q5_0 *)row + b; out->d = p->d; qs = p->qs; memcpy(&qh, p->qh, 4); out->offset = 16; break; }
    case CK_KQ_Q5_1: { const ck_block_q5_1 *p = (const ck_block_q5_1 *)row + b; out->d = p->d; out->m = p->m; qs = p->qs; memcpy(&qh, p->qh, 4); break; }
    default: { const ck_block_iq4_nl *p = (const ck_block_iq4_nl *)row + b; out->d = p->d; qs = p->qs; break; }
    }
    for (int j = 0; j < 16; j++) {
        int lo = qs[j] & 0x0F, hi = qs[j] >> 4;
        if (type == CK_KQ_IQ4_NL) {
            lo = ck_iq4_levels[lo];
            hi = ck_iq4_levels[hi];
        } else {
            lo |= (int)((qh >> j) & 1) << 4;
            hi |= (int)((qh >> (j + 16)) & 1) << 4;
        }
        out->w[j] = lo;
        out->w[j + 16] = hi;
    }
}

/// The paired layout of ck_q8_act: block b's element e.
static inline int8_t ck_kq_act_q(const ck_q8_act *x, int64_t b, int e) {
    const int8_t *pair = x->q + (b / 2) * 64;
    return e < 16 ? pair[(b % 2) * 16 + e] : pair[32 + (b % 2) * 16 + e - 16];
}

static float ck_kq_row32(ck_kq_type type, const uint8_t *row, const ck_q8_act *x) {
    float acc = 0;
    const int has_min = type == CK_KQ_Q4_1 || type == CK_KQ_Q5_1;
    ck_kq_block32 blk;
    for (int64_t b = 0; b < x->nblocks; b++) {
        ck_kq_unpack32(type, row, b, &blk);
        const int32_t sum = x->bias4[(b / 2) * 8 + (b % 2) * 4] / -8;
        const float dx = x->d[(b / 2) * 8 + (b % 2) * 4];
        int32_t dot = -blk.offset * sum;
        for (int e = 0; e < 32; e++) dot += blk.w[e] * ck_kq_act_q(x, b, e);
        acc = fmaf((float)dot, ck_half_to_float(blk.d) * dx, acc);
        if (has_min) acc = fmaf((float)sum, ck_half_to_float(blk.m) * dx, acc);
    }
    return acc;
}

// ---- 256-element super-blocks against Q8_K ---------------------------------------------------

/// One super-block unpacked: unsigned (IQ4_XS: signed) weights, a signed scale and a min per 16
/// elements (per-32 values appear twice), the offset of the unsigned weights, and d, dmin.
typedef struct {
    int w[256];
    int scale[16];
    int min[16];
    int offset;
    uint16_t d, dmin;
} ck_kq_super;

static void ck_kq_unpack_super(ck_kq_type type, const uint8_t *row, int64_t i, ck_kq_super *s) {
    s->offset = 0;
    s->dmin = 0;
    for (int g = 0; g < 16; g++) s->min[g] = 0;
    switch (type) {
    case CK_KQ_Q2_K: {
        const ck_block_q2_K *b = (const ck_block_q2_K *)row + i;
        s->d = b->d;
        s->dmin = b->dmin;
        for (int g = 0; g < 16; g++) { s->scale[g] = b->scales[g] & 0x0F; s->min[g] = b->scales[g] >> 4; }
        for (int e = 0; e < 256; e++) s->w[e] = (b->qs[32 * (e / 128) + e % 32] >> (2 * ((e % 128) / 32))) & 3;
        break;
    }
    case CK_KQ_Q3_K: {
        const ck_block_q3_K *b = (const ck_block_q3_K *)row + i;
        s->d = b->d;
        s->offset = 4;
        ck_kq_q3_scales(b->scales, s->scale);
        for (int e = 0; e < 256; e++) {
            const int half = e / 128, j = (e % 128) / 32, l = e % 32;
            const int low = (b->qs[32 * half + l] >> (2 * j)) & 3;
            const int high = (b->hmask[l] >> (4 * half + j)) & 1;
            s->w[e] = low | (high << 2);
        }
        break;
    }
    case CK_KQ_Q4_K:
    case CK_KQ_Q5_K: {
        const int five = type == CK_KQ_Q5_K;
        const ck_block_q4_K *b4 = (const ck_block_q4_K *)row + i;
        const ck_block_q5_K *b5 = (const ck_block_q5_K *)row + i;
        s->d = five ? b5->d : b4->d;
        s->dmin = five ? b5->dmin : b4->dmin;
        const uint8_t *scales = five ? b5->scales : b4->scales;
        const uint8_t *qs = five ? b5->qs : b4->qs;
        for (int sb = 0; sb < 8; sb++) {
            int sc, m;
            ck_kq_scale_min(scales, sb, &sc, &m);
            s->scale[2 * sb] = s->scale[2 * sb + 1] = sc;
            s->min[2 * sb] = s->min[2 * sb + 1] = m;
        }
        for (int e = 0; e < 256; e++) {
            const uint8_t byte = qs[32 * (e / 64) + e % 32];
            int q = e % 64 < 32 ? byte & 0x0F : byte >> 4;
            if (five) q |= ((b5->qh[e % 32] >> (e / 32)) & 1) << 4;
            s->w[e] = q;
        }
        break;
    }
    case CK_KQ_Q6_K: {
        const ck_block_q6_K *b = (const ck_block_q6_K *)row + i;
        s->d = b->d;
        s->offset = 32;
        for (int g = 0; g < 16; g++) s->scale[g] = b->scales[g];
        for (int e = 0; e < 256; e++) {
            const int half = e / 128, k = (e % 128) / 32, l = e % 32;
            const uint8_t byte = b->ql[64 * half + l + 32 * (k % 2)];
            const int low = k < 2 ? byte & 0x0F : byte >> 4;
            const int high = (b->qh[32 * half + l] >> (2 * k)) & 3;
            s->w[e] = low | (high << 4);
        }
        break;
    }
    default: {
        const ck_block_iq4_xs *b = (const ck_block_iq4_xs *)row + i;
        s->d = b->d;
        for (int g = 0; g < 8; g++) {
            s->scale[2 * g] = s->scale[2 * g + 1] = ck_kq_iq4xs_scale(b, g);
            for (int j = 0; j < 16; j++) {
                s->w[32 * g + j] = ck_iq4_levels[b->qs[16 * g + j] & 0x0F];
                s->w[32 * g + j + 16] = ck_iq4_levels[b->qs[16 * g + j] >> 4];
            }
        }
        break;
    }
    }
}

static float ck_kq_row_super(ck_kq_type type, const uint8_t *row, const ck_q8k_act *x) {
    float acc = 0;
    const int has_min = type == CK_KQ_Q2_K || type == CK_KQ_Q4_K || type == CK_KQ_Q5_K;
    ck_kq_super s;
    for (int64_t i = 0; i < x->nsuper; i++) {
        ck_kq_unpack_super(type, row, i, &s);
        const int8_t *q8 = x->q + 256 * i;
        const int16_t *bsums = x->bsums + 16 * i;
        int32_t dot = 0, offset = 0, mins = 0;
        for (int e = 0; e < 256; e++) dot += s.scale[e / 16] * s.w[e] * q8[e];
        for (int g = 0; g < 16; g++) {
            offset += s.scale[g] * bsums[g];
            mins += s.min[g] * bsums[g];
        }
        dot -= s.offset * offset;
        acc = fmaf((float)dot, x->d[i] * ck_half_to_float(s.d), acc);
        if (has_min) acc = fmaf((float)mins, -(x->d[i] * ck_half_to_float(s.dmin)), acc);
    }
    return acc;
}

// ---- entry points ----------------------------------------------------------------------------

#define CK_KQ_PORTABLE(name, type, act_t, row_fn)                                                             \
    static void name(const void *w, size_t row_bytes, int64_t rows, const void *acts, int64_t ntok, float *y, \
                     int64_t ldy) {                                                                           \
        for (int64_t t = 0; t < ntok; t++)                                                                    \
            for (int64_t r = 0; r < rows; r++)                                                                \
                y[t * ldy + r] = row_fn(type, (const uint8_t *)w + r * row_bytes, (const act_t *)acts + t);  \
    }

CK_KQ_PORTABLE(ck_kq_q4_1_portable, CK_KQ_Q4_1, ck_q8_act, ck_kq_row32)
CK_KQ_PORTABLE(ck_kq_q5_0_portable, CK_KQ_Q5_0, ck_q8_act, ck_kq_row32)
CK_KQ_PORTABLE(ck_kq_q5_1_portable, CK_KQ_Q5_1, ck_q8_act, ck_kq_row32)
CK_KQ_PORTABLE(ck_kq_iq4_nl_portable, CK_KQ_IQ4_NL, ck_q8_act, ck_kq_row32)
CK_KQ_PORTABLE(ck_kq_q2_K_portable, CK_KQ_Q2_K, ck_q8k_act, ck_kq_row_super)
CK_KQ_PORTABLE(ck_kq_q3_K_portable, CK_KQ_Q3_K, ck_q8k_act, ck_kq_row_super)
CK_KQ_PORTABLE(ck_kq_q4_K_portable, CK_KQ_Q4_K, ck_q8k_act, ck_kq_row_super)
CK_KQ_PORTABLE(ck_kq_q5_K_portable, CK_KQ_Q5_K, ck_q8k_act, ck_kq_row_super)
CK_KQ_PORTABLE(ck_kq_q6_K_portable, CK_KQ_Q6_K, ck_q8k_act, ck_kq_row_super)
CK_KQ_PORTABLE(ck_kq_iq4_xs_portable, CK_KQ_IQ4_XS, ck_q8k_act, ck_kq_row_super)

ck_kq_matmul_fn ck_kq_portable_kernel(ck_kq_type type) {
    static const ck_kq_matmul_fn table[CK_KQ_TYPE_COUNT] = {
        ck_kq_q4_1_portable, ck_kq_q5_0_portable, ck_kq_q5_1_portable, ck_kq_iq4_nl_portable,
        ck_kq_q2_K_portable, ck_kq_q3_K_portable, ck_kq_q4_K_portable, ck_kq_q5_K_portable,
        ck_kq_q6_K_portable, ck_kq_iq4_xs_portable,
    };
    return (unsigned)type < CK_KQ_TYPE_COUNT ? table[type] : NULL;
}

// ---- Q8_K activations ------------------------------------------------------------------------

/// ggml's nearest_int: round half to even through the float's mantissa (|v| <= 2^22).
static inline int ck_kq_nearest_int(float v) {
    const float shifted = v + 12582912.f;
    int32_t bits;
    memcpy(&bits, &shifted, 4);
    return (bits & 0x007FFFFF) - 0x00400000;
}

void ck_quantize_q8_K(const float *x, int64_t n, int8_t *q, float *d, int16_t *bsums) {
    for (int64_t i = 0; i < n / 256; i++) {
        const float *src = x + 256 * i;
        float max = 0, amax = 0;
        for (int j = 0; j < 256; j++) {
            const float ax = fabsf(src[j]);
            if (ax > amax) { amax = ax; max = src[j]; }
        }
        int8_t *qi = q + 256 * i;
        if (amax == 0) {
            d[i] = 0;
            memset(qi, 0, 256);
            memset(bsums + 16 * i, 0, 16 * sizeof(int16_t));
            continue;
        }
        const float iscale = -127.f / max;
        for (int j = 0; j < 256; j++) {
            const int v = ck_kq_nearest_int(iscale * src[j]);
            qi[j] = (int8_t)(v < 127 ? v : 127);
        }
        for (int g = 0; g < 16; g++) {
            int sum = 0;
            for (int j = 0; j < 16; j++) sum += qi[16 * g + j];
            bsums[16 * i + g] = (int16_t)sum;
        }
        d[i] = 1 / iscale;
    }
}
