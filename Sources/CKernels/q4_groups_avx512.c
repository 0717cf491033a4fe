// Q4_0 x Q8_0 with 512-bit registers, four weight blocks (72 bytes) per step, used in place from
// the ggml row layout: two overlapping 64-byte loads cover the four blocks, one VBMI byte permute
// pulls out their 64 nibble bytes, GFNI moves the high nibbles down, and one word permute spreads
// the four fp16 scales over the lanes. Lane i of every vector belongs to block i % 4 (the
// activations are stored in that order by ck_pack_act_groups), so a block's scales are a plain
// four-float broadcast and no horizontal sums are needed until the end of a row.
// Measured on Zen 4 (one core, L2-resident rows): 27-32 GB/s of weights against 21-27 GB/s for the
// 256-bit two-block kernel, which left generation compute-bound on one core; from memory, rows of
// 13696 columns ran at 33 GB/s on two cores against 23 GB/s.
// The batched kernel does each (row, token) with exactly the single-token kernel's operations.
// Batched: 3 rows x 4 tokens per pass (activation loads shared by the rows, unpacking by the tokens).
#include "ckernels.h"
#include "blocks.h"
#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx512vbmi,gfni,avx2,fma,f16c"))), apply_to = function)

/// Output byte o takes nibble byte 4 * (o / 16) + o % 4 of block (o / 4) % 4; indices >= 64 pick
/// from the second load, which starts 8 bytes later.
static const uint8_t ck_group_nibble_index[64] __attribute__((aligned(64))) = {
      2,   3,   4,   5,  20,  21,  22,  23,  38,  39,  40,  41,  56,  57,  58,  59,
      6,   7,   8,   9,  24,  25,  26,  27,  42,  43,  44,  45,  60,  61,  62,  63,
     10,  11,  12,  13,  28,  29,  30,  31,  46,  47,  48,  49, 120, 121, 122, 123,
     14,  15,  16,  17,  32,  33,  34,  35,  50,  51,  52,  53, 124, 125, 126, 127
};
/// Lane i takes the fp16 scale of block i % 4 (block k's scale is word 9k of the group).
static const uint16_t ck_group_scale_index[32] __attribute__((aligned(64))) = {
      0,   9,  18,  27,   0,   9,  18,  27,   0,   9,  18,  27,   0,   9,  18,  27,
      0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0
};

typedef struct { __m512i lo, hi; __m512 scale; } ck_group_weights;

/// The four blocks at `src` (only the first `blocks` of them exist when that is below four: the
/// masked load reads nothing past them, so the end of a mapping is never touched).
static inline __attribute__((always_inline)) ck_group_weights ck_unpack_group(const char *src, int blocks,
                                                                           __m512i nibble_index,
                                                                           __m512i scale_index) {
    __m512i a, b;
    if (blocks == 4) {
        a = _mm512_loadu_si512(src);
        b = _mm512_loadu_si512(src + 8);
    } else {
        a = _mm512_maskz_loadu_epi8(((__mmask64)1 << (18 * blocks)) - 1, src);
        b = _mm512_setzero_si512();
    }
    const __m512i v = _mm512_permutex2var_epi8(a, nibble_index, b);
    ck_group_weights g;
    g.lo = _mm512_and_si512(v, _mm512_set1_epi8(0x0F));
    // the affine matrix maps bit i+4 of each byte to bit i: v >> 4 per byte
    g.hi = _mm512_gf2p8affine_epi64_epi8(v, _mm512_set1_epi64(0x1020408000000000LL), 0);
    g.scale = _mm512_cvtph_ps(_mm512_castsi512_si256(_mm512_permutexvar_epi16(scale_index, a)));
    return g;
}

/// One token's activations for group g.
typedef struct { __m512i lo, hi, bias; __m512 scale; } ck_group_act;

static inline __attribute__((always_inline)) ck_group_act ck_load_act(const ck_q8_act *x, int64_t g) {
    const int8_t *xq = x->gq + g * 128;
    ck_group_act a;
    a.lo = _mm512_loadu_si512(xq);
    a.hi = _mm512_loadu_si512(xq + 64);
    a.bias = _mm512_zextsi128_si512(_mm_loadu_si128((const __m128i *)(x->gbias4 + g * 4)));
    a.scale = _mm512_broadcast_f32x4(_mm_loadu_ps(x->gd + g * 4));
    return a;
}

/// acc + (integer dot of the group, bias-corrected) * weight scale * activation scale, per lane.
static inline __attribute__((always_inline)) __m512 ck_group_dot(ck_group_weights w, ck_group_act a, __m512 acc) {
    __m512i dp = _mm512_dpbusd_epi32(a.bias, w.lo, a.lo);
    dp = _mm512_dpbusd_epi32(dp, w.hi, a.hi);
    return _mm512_fmadd_ps(_mm512_cvtepi32_ps(dp), _mm512_mul_ps(w.scale, a.scale), acc);
}

// One accumulator per row: its chain is one FMA per 72 bytes of weights, far below what memory
// delivers, and the batched kernel below can then keep a (row, token) in a single register.
void ck_matvec_q4_0_avx512vbmi(const void *w, size_t row_bytes, int64_t rows, const ck_q8_act *x, float *y) {
    const __m512i nibble_index = _mm512_load_si512(ck_group_nibble_index);
    const __m512i scale_index = _mm512_load_si512(ck_group_scale_index);
    const int64_t full = x->nblocks / 4;
    const int tail = (int)(x->nblocks % 4);
    for (int64_t r = 0; r < rows; r++) {
        const char *row = (const char *)w + r * row_bytes;
        __m512 acc = _mm512_setzero_ps();
        for (int64_t g = 0; g < full; g++)
            acc = ck_group_dot(ck_unpack_group(row + 72 * g, 4, nibble_index, scale_index), ck_load_act(x, g), acc);
        if (tail)
            acc = ck_group_dot(ck_unpack_group(row + 72 * full, tail, nibble_index, scale_index), ck_load_act(x, full), acc);
        y[r] = _mm512_reduce_add_ps(acc);
    }
}

/// NR rows x NT tokens: each group of each row is unpacked once for all tokens, and each token's
/// activations are loaded once for all rows (the loads, not the arithmetic, limited one row at a time).
/// `ahead` (or NULL) is the next block's rows, fetched at the pace this block consumes its own: the
/// hardware prefetcher loses three interleaved 2-8 KB row streams, and small batches (2-6 tokens)
/// then waited on memory and computed in turn (/tmp harness, 2 threads, 1 GB of 4096-column rows:
/// 4 tokens 82-118 ms without, 53-60 ms with; 2 tokens 72-92 against 37-43).
static inline __attribute__((always_inline)) void ck_block_vbmi(const char *row, size_t row_bytes, const ck_q8_act *xs,
                                                              const int NR, const int NT, float *y, int64_t ldy,
                                                              __m512i nibble_index, __m512i scale_index,
                                                              const char *ahead) {
    const int64_t full = xs->nblocks / 4;
    const int tail = (int)(xs->nblocks % 4);
    __m512 acc[3][4];
    for (int r = 0; r < NR; r++)
        for (int k = 0; k < NT; k++) acc[r][k] = _mm512_setzero_ps();
    for (int64_t g = 0; g <= full; g++) {
        const int blocks = g < full ? 4 : tail;
        if (blocks == 0) break;
        if (ahead) {
            const char *p = ahead + 72 * NR * g;
            _mm_prefetch(p, _MM_HINT_T0);
            _mm_prefetch(p + 64, _MM_HINT_T0);
            _mm_prefetch(p + 128, _MM_HINT_T0);
            _mm_prefetch(p + 192, _MM_HINT_T0);
        }
        ck_group_weights wr[3];
        for (int r = 0; r < NR; r++) wr[r] = ck_unpack_group(row + r * row_bytes + 72 * g, blocks, nibble_index, scale_index);
        for (int k = 0; k < NT; k++) {
            const ck_group_act a = ck_load_act(xs + k, g);
            for (int r = 0; r < NR; r++) acc[r][k] = ck_group_dot(wr[r], a, acc[r][k]);
        }
    }
    for (int r = 0; r < NR; r++)
        for (int k = 0; k < NT; k++) y[k * ldy + r] = _mm512_reduce_add_ps(acc[r][k]);
}

#define CK_BLOCK_CASE(R, T) \
    case (R) * 8 + (T): ck_block_vbmi(row, row_bytes, xs + t, R, T, out, ldy, nibble_index, scale_index, ahead); break;

void ck_matmul_q4_0_avx512vbmi(const void *w, size_t row_bytes, int64_t rows, const ck_q8_act *xs, int64_t ntok,
                               float *y, int64_t ldy) {
    const __m512i nibble_index = _mm512_load_si512(ck_group_nibble_index);
    const __m512i scale_index = _mm512_load_si512(ck_group_scale_index);
    // tokens outside, rows inside: a chunk's activations stay in L1/L2 while the (L2-sized) tile's rows pass
    for (int64_t t = 0; t < ntok; t += 4) {
        const int nt = ntok - t < 4 ? (int)(ntok - t) : 4;
        for (int64_t r = 0; r < rows; r += 3) {
            const int nr = rows - r < 3 ? (int)(rows - r) : 3;
            const char *row = (const char *)w + r * row_bytes;
            float *out = y + t * ldy + r;
            // later token passes find the tile in L2; only the first streams it from memory. The last
            // block's "next rows" are past the tile (the next tile, or past the matrix: a prefetch
            // never faults)
            const char *ahead = t == 0 ? row + nr * row_bytes : NULL;
            switch (nr * 8 + nt) {
                CK_BLOCK_CASE(3, 4) CK_BLOCK_CASE(3, 3) CK_BLOCK_CASE(3, 2) CK_BLOCK_CASE(3, 1)
                CK_BLOCK_CASE(2, 4) CK_BLOCK_CASE(2, 3) CK_BLOCK_CASE(2, 2) CK_BLOCK_CASE(2, 1)
                CK_BLOCK_CASE(1, 4) CK_BLOCK_CASE(1, 3) CK_BLOCK_CASE(1, 2)
                default: ck_block_vbmi(row, row_bytes, xs + t, 1, 1, out, ldy, nibble_index, scale_index, ahead); break;
            }
        }
    }
}

#pragma clang attribute pop
