// The x86 kernels of ckernels_kquants.h, written once. An including file defines, before including
// this one, inside its own `#pragma clang attribute push(target(...))`:
//   KQ_NAME(x)       the suffixed name of an exported kernel (x##_avx2, ...)
//   kq_dot(a, u, s)  a + the sum of four u8 x s8 products per int32 lane (vpdpbusd, or
//                    vpmaddubsw + vpmaddwd where every pair sum fits int16: u <= 127, |s| <= 127)
// Every kernel takes NT (1-4) activations, unpacks each run of 32 weights once and applies it to
// all of them; the operations per (row, token) do not depend on NT, so batches match single tokens.
#include "ckernels_kquants.h"
#include "kquants_layout.h"
#include "simd_avx2.h"
#include <immintrin.h>
#include <stdlib.h>

#define KQ_MAX_TOKENS 4

/// a + sum over int16 pairs of (u8 x s8 pair sums) x sc16: one 16-bit scale per pair of products.
static inline __m256i kq_dot_scaled(__m256i a, __m256i u, __m256i s, __m256i sc16) {
    return _mm256_add_epi32(a, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), sc16));
}

/// Two runs sharing int32 lanes, for unsigned weights below 64 (four products per int16 stay < 2^15).
static inline __m256i kq_dot2_small(__m256i a, __m256i u0, __m256i s0, __m256i u1, __m256i s1) {
    const __m256i p = _mm256_add_epi16(_mm256_maddubs_epi16(u0, s0), _mm256_maddubs_epi16(u1, s1));
    return _mm256_add_epi32(a, _mm256_madd_epi16(p, _mm256_set1_epi16(1)));
}

static inline __m256i kq_load(const void *p) { return _mm256_loadu_si256((const __m256i *)p); }

/// Byte i of the result is 0x10 when bit i of `bits` is set, else 0.
static inline __m256i kq_bits_to_0x10(uint32_t bits) {
    const __m256i spread = _mm256_shuffle_epi8(_mm256_set1_epi32((int)bits),
                                               _mm256_setr_epi64x(0, 0x0101010101010101LL, 0x0202020202020202LL,
                                                                  0x0303030303030303LL));
    const __m256i select = _mm256_set1_epi64x((long long)0x8040201008040201ULL);
    const __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(spread, select), select);
    return _mm256_and_si256(set, _mm256_set1_epi8(0x10));
}

/// A 16-bit scale for elements 0-15 of a run of 32 (lanes 0-7) and another for 16-31.
static inline __m256i kq_scale_pair(int a, int b) {
    return _mm256_setr_m128i(_mm_set1_epi16((short)a), _mm_set1_epi16((short)b));
}

/// The sum of eight int32 lanes.
static inline int32_t kq_hsum_epi32(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
    return _mm_cvtsi128_si32(s);
}

// ---- 32-element blocks against the paired Q8_0 layout ---------------------------------------

/// Pair p of a 32-element row: blocks 2p and 2p + 1 (`whole` false when only 2p exists) as the
/// nibble registers A (elements 0-15 of both blocks) and B (16-31), and their fp16 scales.
typedef struct { __m256i a, b; uint16_t d0, d1, m0, m1; } kq_pair;

static inline __attribute__((always_inline)) kq_pair kq_unpack_pair(ck_kq_type type, const uint8_t *row, int64_t p,
                                                                    int whole) {
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    kq_pair out;
    const uint8_t *qs0, *qs1;
    uint32_t h0 = 0, h1 = 0;
    out.m0 = out.m1 = 0;
    switch (type) {
    case CK_KQ_Q4_1: {
        const ck_block_q4_1 *b = (const ck_block_q4_1 *)row + 2 * p;
        out.d0 = b[0].d; out.m0 = b[0].m; qs0 = b[0].qs;
        out.d1 = whole ? b[1].d : 0; out.m1 = whole ? b[1].m : 0; qs1 = b[1].qs;
        break;
    }
    case CK_KQ_Q5_0: {
        const ck_block_q5_0 *b = (const ck_block_q5_0 *)row + 2 * p;
        out.d0 = b[0].d; qs0 = b[0].qs; memcpy(&h0, b[0].qh, 4);
        out.d1 = whole ? b[1].d : 0; qs1 = b[1].qs;
        if (whole) memcpy(&h1, b[1].qh, 4);
        break;
    }
    case CK_KQ_Q5_1: {
        const ck_block_q5_1 *b = (const ck_block_q5_1 *)row + 2 * p;
        out.d0 = b[0].d; out.m0 = b[0].m; qs0 = b[0].qs; memcpy(&h0, b[0].qh, 4);
        out.d1 = whole ? b[1].d : 0; out.m1 = whole ? b[1].m : 0; qs1 = b[1].qs;
        if (whole) memcpy(&h1, b[1].qh, 4);
        break;
    }
    default: {
        const ck_block_iq4_nl *b = (const ck_block_iq4_nl *)row + 2 * p;
        out.d0 = b[0].d; qs0 = b[0].qs;
        out.d1 = whole ? b[1].d : 0; qs1 = b[1].qs;
        break;
    }
    }
    const __m256i v = whole ? ck_halves(qs0, qs1) : _mm256_zextsi128_si256(_mm_loadu_si128((const __m128i *)qs0));
    out.a = _mm256_and_si256(v, low4);
    out.b = _mm256_and_si256(_mm256_srli_epi16(v, 4), low4);
    if (type == CK_KQ_Q5_0 || type == CK_KQ_Q5_1) {
        out.a = _mm256_or_si256(out.a, kq_bits_to_0x10((h0 & 0xFFFF) | (h1 << 16)));
        out.b = _mm256_or_si256(out.b, kq_bits_to_0x10((h0 >> 16) | (h1 & 0xFFFF0000u)));
    } else if (type == CK_KQ_IQ4_NL) {
        const __m256i levels = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)ck_iq4_levels));
        out.a = _mm256_shuffle_epi8(levels, out.a);
        out.b = _mm256_shuffle_epi8(levels, out.b);
    }
    return out;
}

/// Pair p against NT tokens' activations into acc[t]: each block's exact integer dot (lanes 0-3
/// hold block 2p, lanes 4-7 block 2p + 1), then its fused multiply-adds, block 2p first.
static inline __attribute__((always_inline)) void kq_pair_tokens(ck_kq_type type, const kq_pair *w, int64_t p,
                                                                 int whole, const ck_q8_act *xs, const int NT,
                                                                 float *acc) {
    const float d0 = _cvtsh_ss(w->d0), d1 = _cvtsh_ss(w->d1), m0 = _cvtsh_ss(w->m0), m1 = _cvtsh_ss(w->m1);
    for (int t = 0; t < NT; t++) {
        const ck_q8_act *x = xs + t;
        const __m256i xa = kq_load(x->q + p * 64), xb = kq_load(x->q + p * 64 + 32);
        __m256i lanes;
        if (type == CK_KQ_IQ4_NL) {
            lanes = kq_dot(_mm256_setzero_si256(), _mm256_sign_epi8(w->a, w->a), _mm256_sign_epi8(xa, w->a));
            lanes = kq_dot(lanes, _mm256_sign_epi8(w->b, w->b), _mm256_sign_epi8(xb, w->b));
        } else {
            lanes = kq_dot2_small(_mm256_setzero_si256(), w->a, xa, w->b, xb);
        }
        const int32_t sum0 = x->bias4[p * 8] / -8, sum1 = x->bias4[p * 8 + 4] / -8;
        const float dx0 = x->d[p * 8], dx1 = x->d[p * 8 + 4];
        const __m128i halves = _mm_hadd_epi32(_mm256_castsi256_si128(lanes), _mm256_extracti128_si256(lanes, 1));
        const __m128i totals = _mm_hadd_epi32(halves, halves);
        int32_t dot0 = _mm_cvtsi128_si32(totals), dot1 = _mm_extract_epi32(totals, 1);
        if (type == CK_KQ_Q5_0) { dot0 -= 16 * sum0; dot1 -= 16 * sum1; }
        acc[t] = fmaf((float)dot0, d0 * dx0, acc[t]);
        if (type == CK_KQ_Q4_1 || type == CK_KQ_Q5_1) acc[t] = fmaf((float)sum0, m0 * dx0, acc[t]);
        if (!whole) continue;
        acc[t] = fmaf((float)dot1, d1 * dx1, acc[t]);
        if (type == CK_KQ_Q4_1 || type == CK_KQ_Q5_1) acc[t] = fmaf((float)sum1, m1 * dx1, acc[t]);
    }
}

static inline __attribute__((always_inline)) void kq_row32(ck_kq_type type, const uint8_t *row, const ck_q8_act *xs,
                                                           const int NT, float *y, int64_t ldy) {
    float acc[KQ_MAX_TOKENS] = {0};
    const int64_t full = xs->nblocks / 2;
    for (int64_t p = 0; p < full; p++) {
        const kq_pair w = kq_unpack_pair(type, row, p, 1);
        kq_pair_tokens(type, &w, p, 1, xs, NT, acc);
    }
    if (xs->nblocks & 1) {
        const kq_pair w = kq_unpack_pair(type, row, full, 0);
        kq_pair_tokens(type, &w, full, 0, xs, NT, acc);
    }
    for (int t = 0; t < NT; t++) y[t * ldy] = acc[t];
}

// ---- 256-element super-blocks against Q8_K ---------------------------------------------------

/// One super-block's 32-element runs as unsigned (IQ4_XS: signed) bytes, their 16-bit scales
/// (one per 16 elements), the offset of the unsigned weights and the mins.
typedef struct {
    __m256i run[8];
    __m256i scale[8];
    int16_t scale16[16];  // for the offset: one per 16 elements
    int16_t min16[16];    // Q2_K: per 16; Q4_K / Q5_K: per 32, stored twice
    int offset;
    int has_min;
    uint16_t d, dmin;
} kq_super;

static inline __attribute__((always_inline)) void kq_unpack_super(ck_kq_type type, const uint8_t *row, int64_t i,
                                                                  kq_super *s) {
    const __m256i low4 = _mm256_set1_epi8(0x0F), low2 = _mm256_set1_epi8(3);
    s->offset = 0;
    s->has_min = 0;
    s->dmin = 0;
    switch (type) {
    case CK_KQ_Q2_K: {
        const ck_block_q2_K *b = (const ck_block_q2_K *)row + i;
        s->d = b->d;
        s->dmin = b->dmin;
        s->has_min = 1;
        for (int g = 0; g < 16; g++) { s->scale16[g] = b->scales[g] & 0x0F; s->min16[g] = b->scales[g] >> 4; }
        for (int h = 0; h < 2; h++) {
            const __m256i q = kq_load(b->qs + 32 * h);
            for (int j = 0; j < 4; j++) s->run[4 * h + j] = _mm256_and_si256(_mm256_srli_epi16(q, 2 * j), low2);
        }
        break;
    }
    case CK_KQ_Q3_K: {
        const ck_block_q3_K *b = (const ck_block_q3_K *)row + i;
        int scales[16];
        ck_kq_q3_scales(b->scales, scales);
        s->d = b->d;
        s->offset = 4;
        for (int g = 0; g < 16; g++) s->scale16[g] = (int16_t)scales[g];
        const __m256i hm = kq_load(b->hmask);
        for (int h = 0; h < 2; h++) {
            const __m256i q = kq_load(b->qs + 32 * h);
            for (int j = 0; j < 4; j++) {
                const __m256i bit = _mm256_set1_epi8((char)(1 << (4 * h + j)));
                const __m256i high = _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(hm, bit), bit),
                                                      _mm256_set1_epi8(4));
                s->run[4 * h + j] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q, 2 * j), low2), high);
            }
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
        s->has_min = 1;
        const uint8_t *scales = five ? b5->scales : b4->scales, *qs = five ? b5->qs : b4->qs;
        for (int sb = 0; sb < 8; sb++) {
            int sc, m;
            ck_kq_scale_min(scales, sb, &sc, &m);
            s->scale16[2 * sb] = s->scale16[2 * sb + 1] = (int16_t)sc;
            s->min16[2 * sb] = s->min16[2 * sb + 1] = (int16_t)m;
        }
        const __m256i qh = five ? kq_load(b5->qh) : _mm256_setzero_si256();
        for (int p = 0; p < 4; p++) {
            const __m256i q = kq_load(qs + 32 * p);
            s->run[2 * p] = _mm256_and_si256(q, low4);
            s->run[2 * p + 1] = _mm256_and_si256(_mm256_srli_epi16(q, 4), low4);
            if (five) {
                const __m256i one = _mm256_set1_epi8(1);
                for (int k = 0; k < 2; k++) {
                    const __m256i high = _mm256_and_si256(_mm256_srli_epi16(qh, 2 * p + k), one);
                    s->run[2 * p + k] = _mm256_or_si256(s->run[2 * p + k], _mm256_slli_epi16(high, 4));
                }
            }
        }
        break;
    }
    case CK_KQ_Q6_K: {
        const ck_block_q6_K *b = (const ck_block_q6_K *)row + i;
        s->d = b->d;
        s->offset = 32;
        for (int g = 0; g < 16; g++) s->scale16[g] = b->scales[g];
        for (int h = 0; h < 2; h++) {
            const __m256i l0 = kq_load(b->ql + 64 * h), l1 = kq_load(b->ql + 64 * h + 32);
            const __m256i qh = kq_load(b->qh + 32 * h);
            for (int k = 0; k < 4; k++) {
                const __m256i l = k % 2 ? l1 : l0;
                const __m256i low = k < 2 ? _mm256_and_si256(l, low4) : _mm256_and_si256(_mm256_srli_epi16(l, 4), low4);
                const __m256i high = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2 * k), low2), 4);
                s->run[4 * h + k] = _mm256_or_si256(low, high);
            }
        }
        break;
    }
    default: {
        const ck_block_iq4_xs *b = (const ck_block_iq4_xs *)row + i;
        const __m256i levels = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)ck_iq4_levels));
        s->d = b->d;
        for (int g = 0; g < 8; g++) {
            s->scale16[2 * g] = s->scale16[2 * g + 1] = (int16_t)ck_kq_iq4xs_scale(b, g);
            const __m128i v = _mm_loadu_si128((const __m128i *)(b->qs + 16 * g));
            const __m256i idx = _mm256_and_si256(_mm256_setr_m128i(v, _mm_srli_epi16(v, 4)), low4);
            s->run[g] = _mm256_shuffle_epi8(levels, idx);
        }
        break;
    }
    }
    for (int c = 0; c < 8; c++) s->scale[c] = kq_scale_pair(s->scale16[2 * c], s->scale16[2 * c + 1]);
}

static inline __attribute__((always_inline)) void kq_super_tokens(ck_kq_type type, const kq_super *s, int64_t i,
                                                                  const ck_q8k_act *xs, const int NT, float *acc) {
    const float dw = _cvtsh_ss(s->d), dmin = _cvtsh_ss(s->dmin);
    for (int t = 0; t < NT; t++) {
        const ck_q8k_act *x = xs + t;
        const int8_t *q8 = x->q + 256 * i;
        __m256i lanes = _mm256_setzero_si256();
        for (int c = 0; c < 8; c++) {
            const __m256i xc = kq_load(q8 + 32 * c);
            if (type == CK_KQ_IQ4_XS)
                lanes = kq_dot_scaled(lanes, _mm256_sign_epi8(s->run[c], s->run[c]), _mm256_sign_epi8(xc, s->run[c]),
                                      s->scale[c]);
            else
                lanes = kq_dot_scaled(lanes, s->run[c], xc, s->scale[c]);
        }
        const __m256i bsums = kq_load(x->bsums + 16 * i);
        int32_t dot = kq_hsum_epi32(lanes);
        if (s->offset) dot -= s->offset * kq_hsum_epi32(_mm256_madd_epi16(bsums, kq_load(s->scale16)));
        const float dx = x->d[i];
        acc[t] = fmaf((float)dot, dx * dw, acc[t]);
        if (s->has_min) {
            const int32_t mins = kq_hsum_epi32(_mm256_madd_epi16(bsums, kq_load(s->min16)));
            acc[t] = fmaf((float)mins, -(dx * dmin), acc[t]);
        }
    }
}

static inline __attribute__((always_inline)) void kq_row_super(ck_kq_type type, const uint8_t *row,
                                                               const ck_q8k_act *xs, const int NT, float *y,
                                                               int64_t ldy) {
    float acc[KQ_MAX_TOKENS] = {0};
    kq_super s;
    for (int64_t i = 0; i < xs->nsuper; i++) {
        kq_unpack_super(type, row, i, &s);
        kq_super_tokens(type, &s, i, xs, NT, acc);
    }
    for (int t = 0; t < NT; t++) y[t * ldy] = acc[t];
}

#include "kquants_x86_hot.h"

static inline __attribute__((always_inline)) void kq_row_hot(ck_kq_type type, const uint8_t *row,
                                                             const ck_q8k_act *xs, const int NT, float *y,
                                                             int64_t ldy) {
    if (type == CK_KQ_Q6_K) kq_row_q6k(row, xs, NT, y, ldy);
    else kq_row_k45(type == CK_KQ_Q5_K, row, xs, NT, y, ldy);
}

#include "kquants_x86_gemm.h"

// ---- entry points ----------------------------------------------------------------------------

/// Batches of fewer than KQ_PANEL_MIN_TOKENS tokens (and the rows a tile leaves after whole panels):
/// tokens in groups of four, every row of the tile per group (the activations of a group stay in
/// L1 while the caller's tile of rows sits in L2). One instance per type, so `type` is a constant.
#define KQ_ROWS(suffix, type, act_t, row_fn)                                                                  \
    static void kq_rows_##suffix(const uint8_t *w, size_t row_bytes, int64_t rows, const act_t *xs,           \
                                 int64_t ntok, float *y, int64_t ldy) {                                       \
        for (int64_t t = 0; t < ntok; t += KQ_MAX_TOKENS) {                                                   \
            const int64_t left = ntok - t;                                                                    \
            for (int64_t r = 0; r < rows; r++) {                                                              \
                const uint8_t *row = w + r * row_bytes;                                                       \
                float *out = y + t * ldy + r;                                                                 \
                if (left >= 4) row_fn(type, row, xs + t, 4, out, ldy);                                        \
                else if (left == 3) row_fn(type, row, xs + t, 3, out, ldy);                                   \
                else if (left == 2) row_fn(type, row, xs + t, 2, out, ldy);                                   \
                else row_fn(type, row, xs + t, 1, out, ldy);                                                  \
            }                                                                                                 \
        }                                                                                                     \
    }

/// The panel path: the tile's rows repacked eight at a time (what is left takes the row kernel), a
/// chunk of panels small enough to stay in L2 at a time (repacked, their bytes grow 2.5 times), then
/// every panel of the chunk for each group of four tokens; the row kernel alone if no buffer can be had.
#define KQ_PANELS(suffix, type, act_t, family, panel_units)                                                   \
    static void kq_panels_##suffix(const uint8_t *w, size_t row_bytes, int64_t rows, const act_t *xs,         \
                                   int64_t ntok, float *y, int64_t ldy) {                                     \
        const int64_t panels = rows / 8, per_panel = (panel_units);                                           \
        const size_t panel_bytes = (size_t)per_panel * sizeof(kq_##family);                                   \
        int64_t chunk = (int64_t)(KQ_PANEL_CHUNK_BYTES / panel_bytes);                                        \
        chunk = chunk < 1 ? 1 : chunk > panels ? panels : chunk;                                              \
        kq_##family *packed = panels ? aligned_alloc(32, (size_t)chunk * panel_bytes) : NULL;                \
        const int64_t done = packed ? 8 * panels : 0;                                                         \
        const int64_t units = per_panel_units_of_##family(xs);                                                \
        for (int64_t first = 0; first < done / 8; first += chunk) {                                           \
            const int64_t count = done / 8 - first < chunk ? done / 8 - first : chunk;                        \
            for (int64_t p = 0; p < count; p++)                                                               \
                kq_pack_##family(type, w + 8 * (first + p) * row_bytes, row_bytes, units, packed + p * per_panel); \
            for (int64_t t = 0; t < ntok; t += KQ_MAX_TOKENS) {                                               \
                const int64_t left = ntok - t;                                                                \
                for (int64_t p = 0; p < count; p++) {                                                         \
                    float *out = y + t * ldy + 8 * (first + p);                                               \
                    const kq_##family *pp = packed + p * per_panel;                                           \
                    if (left >= 4) kq_##family##_tokens(type, pp, units, xs + t, 4, out, ldy);                \
                    else if (left == 3) kq_##family##_tokens(type, pp, units, xs + t, 3, out, ldy);           \
                    else if (left == 2) kq_##family##_tokens(type, pp, units, xs + t, 2, out, ldy);           \
                    else kq_##family##_tokens(type, pp, units, xs + t, 1, out, ldy);                          \
                }                                                                                             \
            }                                                                                                 \
        }                                                                                                     \
        free(packed);                                                                                         \
        kq_rows_##suffix(w + done * row_bytes, row_bytes, rows - done, xs, ntok, y + done, ldy);              \
    }

/// What the packing and panel functions count: super-blocks, or 32-element blocks.
static inline int64_t per_panel_units_of_super_panel(const ck_q8k_act *x) { return x->nsuper; }
static inline int64_t per_panel_units_of_pair_panel(const ck_q8_act *x) { return x->nblocks; }

/// An exported kernel with only the row path.
#define KQ_ENTRY(suffix, type, act_t, row_fn)                                                                 \
    KQ_ROWS(suffix, type, act_t, row_fn)                                                                      \
    static void KQ_NAME(ck_kq_##suffix)(const void *w, size_t row_bytes, int64_t rows, const void *acts,      \
                                        int64_t ntok, float *y, int64_t ldy) {                                \
        kq_rows_##suffix((const uint8_t *)w, row_bytes, rows, (const act_t *)acts, ntok, y, ldy);            \
    }

/// An exported kernel with the row path for small batches and panels for the others.
#define KQ_PANEL_ENTRY(suffix, type, act_t, row_fn, family, panel_units)                                      \
    KQ_ROWS(suffix, type, act_t, row_fn)                                                                      \
    KQ_PANELS(suffix, type, act_t, family, panel_units)                                                       \
    static void KQ_NAME(ck_kq_##suffix)(const void *w, size_t row_bytes, int64_t rows, const void *acts,      \
                                        int64_t ntok, float *y, int64_t ldy) {                                \
        const act_t *xs = (const act_t *)acts;                                                                \
        if (ntok >= KQ_PANEL_MIN_TOKENS) kq_panels_##suffix((const uint8_t *)w, row_bytes, rows, xs, ntok, y, ldy); \
        else kq_rows_##suffix((const uint8_t *)w, row_bytes, rows, xs, ntok, y, ldy);                        \
    }

KQ_PANEL_ENTRY(q4_1, CK_KQ_Q4_1, ck_q8_act, kq_row32, pair_panel, (xs->nblocks + 1) / 2)
KQ_PANEL_ENTRY(q5_0, CK_KQ_Q5_0, ck_q8_act, kq_row32, pair_panel, (xs->nblocks + 1) / 2)
KQ_PANEL_ENTRY(q5_1, CK_KQ_Q5_1, ck_q8_act, kq_row32, pair_panel, (xs->nblocks + 1) / 2)
KQ_ENTRY(iq4_nl, CK_KQ_IQ4_NL, ck_q8_act, kq_row32)
KQ_PANEL_ENTRY(q2_K, CK_KQ_Q2_K, ck_q8k_act, kq_row_super, super_panel, xs->nsuper)
KQ_PANEL_ENTRY(q3_K, CK_KQ_Q3_K, ck_q8k_act, kq_row_super, super_panel, xs->nsuper)
KQ_PANEL_ENTRY(q4_K, CK_KQ_Q4_K, ck_q8k_act, kq_row_hot, super_panel, xs->nsuper)
KQ_PANEL_ENTRY(q5_K, CK_KQ_Q5_K, ck_q8k_act, kq_row_hot, super_panel, xs->nsuper)
KQ_PANEL_ENTRY(q6_K, CK_KQ_Q6_K, ck_q8k_act, kq_row_hot, super_panel, xs->nsuper)
KQ_ENTRY(iq4_xs, CK_KQ_IQ4_XS, ck_q8k_act, kq_row_super)

ck_kq_matmul_fn KQ_NAME(ck_kq_kernel)(ck_kq_type type) {
    static const ck_kq_matmul_fn table[CK_KQ_TYPE_COUNT] = {
        KQ_NAME(ck_kq_q4_1), KQ_NAME(ck_kq_q5_0), KQ_NAME(ck_kq_q5_1), KQ_NAME(ck_kq_iq4_nl),
        KQ_NAME(ck_kq_q2_K), KQ_NAME(ck_kq_q3_K), KQ_NAME(ck_kq_q4_K), KQ_NAME(ck_kq_q5_K),
        KQ_NAME(ck_kq_q6_K), KQ_NAME(ck_kq_iq4_xs),
    };
    return (unsigned)type < CK_KQ_TYPE_COUNT ? table[type] : NULL;
}
