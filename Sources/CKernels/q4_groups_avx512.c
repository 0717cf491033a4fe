// Q4_0 x Q8_0 with 512-bit registers, used in place from the ggml row layout, in quads of 16 blocks
// (288 bytes) taken as two pairs of eight. Per pair, four overlapping 64-byte loads cover its 144
// bytes; one VBMI byte permute of two of them gathers the first eight nibble bytes of each block,
// the same permute of the other two the last eight, and GFNI moves the high nibbles down. Block k
// of a pair owns lanes k and k + 8 of both vectors (the activations are stored in that order by
// ck_put_act_group_block), so four dpbusd give each block's integer dot in two lanes, and one
// shuffle pair and add per quad fold them so that lane b holds block b whole. The float work
// (convert, scale, accumulate) and the scale unpacking run once per quad.
// Why: with its rows in cache the kernel is bound by its zmm ops, and this layout folds a quad in 3
// ops where a block in four lanes took 9 (docs/PERFORMANCE.md has the measurements). Batches take
// the same blocks in another lane order (below); the integer sums are exact in any order and the
// float steps per lane are the same, so a batch is bit-identical to the single-token kernel.
#include "ckernels.h"
#include "ckernels_quad_lanes.h"
#if defined(__x86_64__)
#include "blocks.h"
#include <immintrin.h>
#include <stdlib.h>
#include <unistd.h>

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx512vbmi,gfni,avx2,fma,f16c"))), apply_to = function)

/// Byte o of a pair's first nibble vector: lane l = o / 4 takes nibble bytes 4 * (l / 8) + o % 4 of
/// block l % 8 (indices >= 64 pick from the load 72 bytes on, which starts at block 4); the second
/// vector uses the same index on loads 8 bytes later, which picks the nibble bytes 8 further on.
static const uint8_t ck_pair_nibble_index[64] __attribute__((aligned(64))) = {
      2,   3,   4,   5,  20,  21,  22,  23,  38,  39,  40,  41,  56,  57,  58,  59,
     66,  67,  68,  69,  84,  85,  86,  87, 102, 103, 104, 105, 120, 121, 122, 123,
      6,   7,   8,   9,  24,  25,  26,  27,  42,  43,  44,  45,  60,  61,  62,  63,
     70,  71,  72,  73,  88,  89,  90,  91, 106, 107, 108, 109, 124, 125, 126, 127
};
/// Words 0-3 take the fp16 scales of the blocks in the first load (word 9k), words 4-7 those of the
/// second.
static const uint16_t ck_pair_scale_index[32] __attribute__((aligned(64))) = {
      0,   9,  18,  27,  32,  41,  50,  59,   0,   0,   0,   0,   0,   0,   0,   0,
      0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0
};

/// Eight blocks gathered: v1 holds nibble bytes 0-3 of blocks 0-7 in lanes 0-7 and bytes 4-7 in lanes
/// 8-15, v2 bytes 8-11 and 12-15 alike; first and second are the loads at the pair's blocks 0 and 4
/// (their scales).
typedef struct { __m512i v1, v2, first, second; } ck_pair_bytes;
/// Eight blocks unpacked: lo1/hi1 hold the low and high nibbles of v1, lo2/hi2 of v2.
typedef struct { __m512i lo1, hi1, lo2, hi2, first, second; } ck_pair_nibbles;

static inline __mmask64 ck_bytes_mask(int bytes) {
    return bytes <= 0 ? 0 : bytes >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << bytes) - 1;
}

/// The `blocks` (0-8) blocks at `src`: fewer than eight come through masked loads that read
/// nothing past them, so the end of a mapping is never touched; missing blocks are zero.
static inline __attribute__((always_inline)) ck_pair_bytes ck_gather_pair(const char *src, int blocks,
                                                                       __m512i nibble_index) {
    __m512i a0, b0, a1, b1;
    if (blocks >= 8) {
        a0 = _mm512_loadu_si512(src);
        b0 = _mm512_loadu_si512(src + 8);
        a1 = _mm512_loadu_si512(src + 72);
        b1 = _mm512_loadu_si512(src + 80);
    } else {
        const int bytes = 18 * blocks;
        a0 = _mm512_maskz_loadu_epi8(ck_bytes_mask(bytes), src);
        b0 = _mm512_maskz_loadu_epi8(ck_bytes_mask(bytes - 8), src + 8);
        a1 = _mm512_maskz_loadu_epi8(ck_bytes_mask(bytes - 72), src + 72);
        b1 = _mm512_maskz_loadu_epi8(ck_bytes_mask(bytes - 80), src + 80);
    }
    ck_pair_bytes p;
    p.v1 = _mm512_permutex2var_epi8(a0, nibble_index, a1);
    p.v2 = _mm512_permutex2var_epi8(b0, nibble_index, b1);
    p.first = a0;
    p.second = a1;
    return p;
}

static inline __attribute__((always_inline)) __m512i ck_low_nibbles(__m512i v) {
    return _mm512_and_si512(v, _mm512_set1_epi8(0x0F));
}

static inline __attribute__((always_inline)) __m512i ck_high_nibbles(__m512i v) {
    // the affine matrix maps bit i+4 of each byte to bit i: v >> 4 per byte
    return _mm512_gf2p8affine_epi64_epi8(v, _mm512_set1_epi64(0x1020408000000000LL), 0);
}

/// How many of a quad's first `blocks` blocks (1-16) fall in its pair j (0 or 1).
static inline int ck_pair_blocks(int blocks, int j) {
    const int left = blocks - 8 * j;
    return left >= 8 ? 8 : left > 0 ? left : 0;
}

static inline __attribute__((always_inline)) ck_pair_nibbles ck_unpack_pair(const char *src, int blocks,
                                                                         __m512i nibble_index) {
    const ck_pair_bytes b = ck_gather_pair(src, blocks, nibble_index);
    ck_pair_nibbles p;
    p.lo1 = ck_low_nibbles(b.v1);
    p.hi1 = ck_high_nibbles(b.v1);
    p.lo2 = ck_low_nibbles(b.v2);
    p.hi2 = ck_high_nibbles(b.v2);
    p.first = b.first;
    p.second = b.second;
    return p;
}

/// The integer dot of a pair with one token's activations: block k's in lanes k and k + 8 (no bias).
static inline __attribute__((always_inline)) __m512i ck_pair_dot(ck_pair_nibbles w, const int8_t *xq) {
    __m512i dp = _mm512_dpbusd_epi32(_mm512_setzero_si512(), w.lo1, _mm512_loadu_si512(xq));
    dp = _mm512_dpbusd_epi32(dp, w.hi1, _mm512_loadu_si512(xq + 64));
    dp = _mm512_dpbusd_epi32(dp, w.lo2, _mm512_loadu_si512(xq + 128));
    return _mm512_dpbusd_epi32(dp, w.hi2, _mm512_loadu_si512(xq + 192));
}

/// Adds each block's two lanes: block b of the quad ends up in lane b.
static inline __attribute__((always_inline)) __m512i ck_fold_quad(__m512i d0, __m512i d1) {
    return _mm512_add_epi32(_mm512_shuffle_i32x4(d0, d1, 0x44), _mm512_shuffle_i32x4(d0, d1, 0xEE));
}

/// The 16 weight scales of a quad whose pairs start with the loads f0/s0 and f1/s1, block b in lane b.
static inline __attribute__((always_inline)) __m512 ck_scales_of_loads(__m512i f0, __m512i s0, __m512i f1, __m512i s1,
                                                                     __m512i pair_index) {
    const __m512i w0 = _mm512_permutex2var_epi16(f0, pair_index, s0);
    const __m512i w1 = _mm512_permutex2var_epi16(f1, pair_index, s1);
    return _mm512_cvtph_ps(_mm256_inserti128_si256(_mm512_castsi512_si256(w0), _mm512_castsi512_si128(w1), 1));
}

/// The quad's 16 weight scales, block b in lane b.
static inline __attribute__((always_inline)) __m512 ck_quad_scales(const ck_pair_nibbles *w, __m512i pair_index) {
    return ck_scales_of_loads(w[0].first, w[0].second, w[1].first, w[1].second, pair_index);
}

/// How far ahead of its reads a pass that streams weights from memory fetches them: the hardware
/// prefetcher alone keeps too few lines in flight while the core computes. A single token's pass
/// asks for each line into L2 three times, in quad lanes four (repeats measured better; the likely
/// reason, that some asks are dropped, was not measured) and into L1 once; batches fetch
/// CK_FETCH_AHEAD on. In a matvec, rows whose fetch would pass the end of the caller's rows fetch
/// nothing: those bytes are another thread's chunk. The distances, and the plans that measured worse,
/// are in docs/PERFORMANCE.md.
/// Why the furthest ask in quad lanes: on Zen 4's fast memory (32 GB/s a core) two threads streaming
/// the single-token kernel read 90% of what plain loads read with the three nearer asks, 97-98% with
/// it; ggml's layout, with a third more arithmetic a quad, measured no better with it.
enum {
    CK_FETCH_FURTHEST = 24576, CK_FETCH_AHEAD = 16384, CK_FETCH_AGAIN = 12288, CK_FETCH_LAST = 8192,
    CK_FETCH_AHEAD_L1 = 2048
};

/// Whether rows up to `end` can fetch `distance` bytes on without passing the matvec's `rows`.
static inline int ck_fetch_fits(int64_t end, int64_t rows, size_t row_bytes, int64_t distance) {
    return (rows - end) * (int64_t)row_bytes >= distance;
}

/// Fetches the 288 bytes CK_FETCH_AHEAD, CK_FETCH_AGAIN and CK_FETCH_LAST past `quad` (and with
/// `furthest`, CK_FETCH_FURTHEST past it) into L2 and those CK_FETCH_AHEAD_L1 past it into L1.
static inline __attribute__((always_inline)) void ck_fetch_quad_ahead(const char *quad, const int furthest) {
    for (int line = 0; line < 288; line += 64) {
        const char *here = quad + line;
        if (furthest) _mm_prefetch(here + CK_FETCH_FURTHEST, _MM_HINT_T1);
        _mm_prefetch(here + CK_FETCH_AHEAD, _MM_HINT_T1);
        _mm_prefetch(here + CK_FETCH_AGAIN, _MM_HINT_T1);
        _mm_prefetch(here + CK_FETCH_LAST, _MM_HINT_T1);
        _mm_prefetch(here + CK_FETCH_AHEAD_L1, _MM_HINT_T0);
    }
}

/// acc += quad q of `row` (its first `blocks` blocks, 1-16) . the activations; with `fetch`, the
/// same bytes further on as ck_fetch_quad_ahead says.
static inline __attribute__((always_inline)) void ck_quad(const char *row, int64_t q, int blocks, const int8_t *xq,
                                                        const int32_t *bias_at, const float *scale_at, __m512 *acc,
                                                        __m512i nibble_index, __m512i pair_index, int fetch) {
    if (fetch) ck_fetch_quad_ahead(row + 288 * q, 0);
    ck_pair_nibbles w[2];
    for (int j = 0; j < 2; j++) w[j] = ck_unpack_pair(row + 288 * q + 144 * j, ck_pair_blocks(blocks, j), nibble_index);
    const __m512 scale = ck_quad_scales(w, pair_index);
    const __m512i bias = _mm512_loadu_si512(bias_at);
    const __m512 act_scale = _mm512_loadu_ps(scale_at);
    __m512i dot = ck_fold_quad(ck_pair_dot(w[0], xq), ck_pair_dot(w[1], xq + 256));
    dot = _mm512_add_epi32(dot, bias);
    *acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_mul_ps(scale, act_scale), *acc);
}

/// The single-token product of one row: row . x.
static inline __attribute__((always_inline)) float ck_row_vbmi(const char *row, const ck_q8_act *x,
                                                             __m512i nibble_index, __m512i pair_index, int fetch) {
    const int64_t full = x->nblocks / 16;
    const int tail = (int)(x->nblocks % 16);
    __m512 acc = _mm512_setzero_ps();
    // the operands walk with their own pointers, hidden from the compiler: it would address them as
    // base + index, and an indexed operand splits each VPDPBUSD into two micro-ops on Intel cores
    const int8_t *xq = x->gq;
    const int32_t *bias = x->gbias4;
    const float *scale = x->gd;
    for (int64_t q = 0; q < full; q++) {
        __asm__("" : "+r"(xq), "+r"(bias), "+r"(scale));
        ck_quad(row, q, 16, xq, bias, scale, &acc, nibble_index, pair_index, fetch);
        xq += 512, bias += 16, scale += 16;
    }
    if (tail) ck_quad(row, full, tail, xq, bias, scale, &acc, nibble_index, pair_index, fetch);
    return _mm512_reduce_add_ps(acc);
}

void ck_matvec_q4_0_avx512vbmi(const void *w, size_t row_bytes, int64_t rows, const ck_q8_act *x, float *y) {
    const __m512i nibble_index = _mm512_load_si512(ck_pair_nibble_index);
    const __m512i pair_index = _mm512_load_si512(ck_pair_scale_index);
    // the rows' own fetches start CK_FETCH_AHEAD on: fetch what comes before that at once
    const size_t bytes = (size_t)rows * row_bytes;
    for (size_t offset = 0; offset < CK_FETCH_AHEAD && offset < bytes; offset += 64)
        _mm_prefetch((const char *)w + offset, _MM_HINT_T1);
    for (size_t offset = 0; offset < CK_FETCH_AHEAD_L1 && offset < bytes; offset += 64)
        _mm_prefetch((const char *)w + offset, _MM_HINT_T0);
    // one row at a time: two rows sharing each activation load compute faster from L2 but stream
    // from memory worse (two streams per thread)
    for (int64_t r = 0; r < rows; r++)
        y[r] = ck_row_vbmi((const char *)w + r * row_bytes, x, nibble_index, pair_index,
                           ck_fetch_fits(r + 1, rows, row_bytes, CK_FETCH_AHEAD));
}

// ---- batches in the quad-lane order ----------------------------------------------------------------
// A batch runs up to nine tokens per pass over the rows. Each quad's weights are unpacked once per
// pass and put in the quad-lane order: vector 2m + h holds, in lane b, the low (h = 0) or high
// (h = 1) nibbles of bytes 4m ..< 4m + 4 of block b, and each token's activations are repacked once
// per pass to match (ck_pack_quad_lanes). Then the eight VPDPBUSD of a (row, token, quad) start from
// the biases and leave block b's whole integer dot in lane b: no fold.
// Why: with the fold, 15 vector ops per (row, token, quad); here 12, and a pass of nine tokens unpacks
// each quad once instead of three times. One thread, 112 rows x 4096 columns hot in L2: 8 tokens
// 83.7 -> 64 ticks per row and quad, 9 tokens 105 -> 77 (docs/PERFORMANCE.md). The integer dots are
// exact in any order and the float steps are the single-token kernel's, so every result has its bits.
// Rows longer than a chunk (eight quads, 4096 columns, or fewer where that many tokens' packed
// activations would not stay in L1) go chunk by chunk: each row's accumulators wait in a small buffer between
// its chunks, which changes nothing in the order of its float steps.

/// Tokens per pass; quads per chunk of columns; rows whose accumulators one chunk pass keeps.
enum { CK_QUAD_LANE_TOKENS = 9, CK_QUAD_LANE_CHUNK = 8, CK_QUAD_LANE_ROWS = 32 };
/// Tokens per pass at most for weights in quad lanes (ck_matmul_quad_lanes says why).
#ifndef CK_QUAD_LANE_STORED_PASS
#define CK_QUAD_LANE_STORED_PASS 5
#endif
/// Bytes per (quad, token) of the packed activations: eight vectors, the 16 biases, the 16 scales.
enum { CK_QUAD_LANE_BYTES = CK_QUAD_LANES_ACT_BYTES };

/// Packs `nt` tokens' activations of quads [q0, q1), quad-major: (quad q, token t) at
/// ((q - q0) * nt + t) * CK_QUAD_LANE_BYTES.
static void ck_pack_quad_lanes(const ck_q8_act *xs, int nt, int64_t q0, int64_t q1, uint8_t *out) {
    for (int64_t q = q0; q < q1; q++)
        for (int t = 0; t < nt; t++) {
            uint8_t *o = out + ((q - q0) * nt + t) * CK_QUAD_LANE_BYTES;
            const int8_t *first = xs[t].gq + q * 512, *second = first + 256;
            // pair vector v holds (h = v % 2, m = 2 * (v / 2)) in lanes 0-7 and m + 1 in lanes 8-15
            for (int v = 0; v < 4; v++) {
                const __m512i a = _mm512_loadu_si512(first + 64 * v), b = _mm512_loadu_si512(second + 64 * v);
                const int j = v % 2 + 4 * (v / 2);
                _mm512_storeu_si512(o + 64 * j, _mm512_shuffle_i32x4(a, b, 0x44));
                _mm512_storeu_si512(o + 64 * (j + 2), _mm512_shuffle_i32x4(a, b, 0xEE));
            }
            memcpy(o + 512, xs[t].gbias4 + 16 * q, 64);
            memcpy(o + 576, xs[t].gd + 16 * q, 64);
        }
}

/// Quad q's `blocks` (1-16) blocks at `src` in the quad-lane order, and their 16 scales; `stored`: the
/// quad is in the quad-lane layout already (ckernels_quad_lanes.h), else in ggml's.
static inline __attribute__((always_inline)) void ck_unpack_quad_lanes(const char *src, int blocks, __m512i nibble_index,
                                                                     __m512i pair_index, __m512i *w, __m512 *scale,
                                                                     const int stored) {
    if (stored) {
        // ckernels_quad_lanes.h: the scales, then the four vectors already in this order
        for (int i = 0; i < 4; i++) {
            const __m512i m = _mm512_loadu_si512(src + 32 + 64 * i);
            w[2 * i] = ck_low_nibbles(m), w[2 * i + 1] = ck_high_nibbles(m);
        }
        *scale = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(const void *)src));
        return;
    }
    const ck_pair_bytes p0 = ck_gather_pair(src, ck_pair_blocks(blocks, 0), nibble_index);
    const ck_pair_bytes p1 = ck_gather_pair(src + 144, ck_pair_blocks(blocks, 1), nibble_index);
    const __m512i m[4] = {
        _mm512_shuffle_i32x4(p0.v1, p1.v1, 0x44), _mm512_shuffle_i32x4(p0.v1, p1.v1, 0xEE),
        _mm512_shuffle_i32x4(p0.v2, p1.v2, 0x44), _mm512_shuffle_i32x4(p0.v2, p1.v2, 0xEE),
    };
    for (int i = 0; i < 4; i++) w[2 * i] = ck_low_nibbles(m[i]), w[2 * i + 1] = ck_high_nibbles(m[i]);
    *scale = ck_scales_of_loads(p0.first, p0.second, p1.first, p1.second, pair_index);
}

/// acc[k] += the quad at `src` (its first `blocks` blocks, 1-16) . token k's quad at `act`.
static inline __attribute__((always_inline)) void ck_quad_lanes_step(const char *src, int blocks, const uint8_t *act,
                                                                   const int NT, __m512 *acc, __m512i nibble_index,
                                                                   __m512i pair_index, const int stored) {
    __m512i w[8];
    __m512 scale;
    ck_unpack_quad_lanes(src, blocks, nibble_index, pair_index, w, &scale, stored);
    for (int k = 0; k < NT; k++) {
        const uint8_t *token = act + k * CK_QUAD_LANE_BYTES;
        // two chains of four: one chain of eight dependent VPDPBUSD (5 cycles each) per token held the
        // next quad's work back (two chains: 1.05-1.2x, and two tokens no slower than the fold kernel)
        __m512i dot = _mm512_loadu_si512(token + 512), odd = _mm512_setzero_si512();
        for (int j = 0; j < 8; j += 2) {
            dot = _mm512_dpbusd_epi32(dot, w[j], _mm512_loadu_si512(token + 64 * j));
            odd = _mm512_dpbusd_epi32(odd, w[j + 1], _mm512_loadu_si512(token + 64 * j + 64));
        }
        dot = _mm512_add_epi32(dot, odd);
        const __m512 act_scale = _mm512_loadu_ps((const float *)(token + 576));
        acc[k] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_mul_ps(scale, act_scale), acc[k]);
    }
}

/// accA[k] += the quad at `a` . token k's quad at `act`, and accB[k] += the quad at `b` . the same:
/// ck_quad_lanes_step for two rows at once, sharing each activation load. (One function for one or
/// two rows, the count a constant, measured slower for both: docs/PERFORMANCE.md, "Zen 4".)
static inline __attribute__((always_inline)) void ck_quad_lanes_pair_step(const char *a, const char *b, int blocks,
                                                                        const uint8_t *act, const int NT, __m512 *acc_a,
                                                                        __m512 *acc_b, __m512i nibble_index,
                                                                        __m512i pair_index, const int stored) {
    __m512i wa[8], wb[8];
    __m512 scale_a, scale_b;
    ck_unpack_quad_lanes(a, blocks, nibble_index, pair_index, wa, &scale_a, stored);
    ck_unpack_quad_lanes(b, blocks, nibble_index, pair_index, wb, &scale_b, stored);
    for (int k = 0; k < NT; k++) {
        const uint8_t *token = act + k * CK_QUAD_LANE_BYTES;
        const __m512i bias = _mm512_loadu_si512(token + 512);
        __m512i dot_a = bias, odd_a = _mm512_setzero_si512(), dot_b = bias, odd_b = _mm512_setzero_si512();
        for (int j = 0; j < 8; j += 2) {
            const __m512i even_act = _mm512_loadu_si512(token + 64 * j), odd_act = _mm512_loadu_si512(token + 64 * j + 64);
            dot_a = _mm512_dpbusd_epi32(dot_a, wa[j], even_act);
            odd_a = _mm512_dpbusd_epi32(odd_a, wa[j + 1], odd_act);
            dot_b = _mm512_dpbusd_epi32(dot_b, wb[j], even_act);
            odd_b = _mm512_dpbusd_epi32(odd_b, wb[j + 1], odd_act);
        }
        const __m512 act_scale = _mm512_loadu_ps((const float *)(token + 576));
        acc_a[k] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(dot_a, odd_a)), _mm512_mul_ps(scale_a, act_scale),
                                   acc_a[k]);
        acc_b[k] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(dot_b, odd_b)), _mm512_mul_ps(scale_b, act_scale),
                                   acc_b[k]);
    }
}

/// Rows `row` and the one after it (`row_bytes` on), their quads [q0, q1) (the last with
/// `last_blocks` blocks) against NT (3-9) tokens packed by ck_pack_quad_lanes from quad q0 on, as
/// ck_row_quad_lanes does for one row: row i's sums start at zero (q0 0) or from state[i], and end
/// in state[i] or, on the last chunk (`y` not NULL), as y[k * ldy + i]. With `fetch`, rows of one
/// chunk fetch their bytes CK_FETCH_AHEAD on into L2, 576 a quad; chunked rows fetch the same quads
/// of the rows at next_a and next_b.
/// Why: sharing each activation load between two rows took Zen 4 from 47 to 40 ticks per row and
/// quad at 4 tokens and from 38 to 34 at 3 (hot in L2), and four streams 1.05-1.13x in the engine;
/// with 5-9 tokens the two rows' sums do not all fit in registers, and still 8 tokens took 91 -> 84
/// hot, 111 -> 98 from memory, and eight streams 1.15-1.25x in the engine.
static inline __attribute__((always_inline)) void ck_row_pair_quad_lanes(const char *row, size_t row_bytes, int64_t q0,
                                                                       int64_t q1, int last_blocks, const uint8_t *act,
                                                                       const int NT, __m512 (*state)[CK_QUAD_LANE_TOKENS],
                                                                       float *y, int64_t ldy, const char *next_a,
                                                                       const char *next_b, int fetch, int one_chunk,
                                                                       __m512i nibble_index, __m512i pair_index, const int stored) {
    __m512 acc_a[CK_QUAD_LANE_TOKENS], acc_b[CK_QUAD_LANE_TOKENS];
    for (int k = 0; k < NT; k++) {
        acc_a[k] = q0 == 0 ? _mm512_setzero_ps() : state[0][k];
        acc_b[k] = q0 == 0 ? _mm512_setzero_ps() : state[1][k];
    }
    const char *ahead = row + CK_FETCH_AHEAD;
    for (int64_t q = q0; q < q1; q++) {
        if (fetch && one_chunk)
            for (int line = 0; line < 576; line += 64) _mm_prefetch(ahead + 576 * q + line, _MM_HINT_T1);
        else if (fetch)
            for (int line = 0; line < 288; line += 64) {
                _mm_prefetch(next_a + 288 * q + line, _MM_HINT_T1);
                _mm_prefetch(next_b + 288 * q + line, _MM_HINT_T1);
            }
        __asm__("" : "+r"(act));
        ck_quad_lanes_pair_step(row + 288 * q, row + row_bytes + 288 * q, q + 1 < q1 ? 16 : last_blocks, act, NT,
                                acc_a, acc_b, nibble_index, pair_index, stored);
        act += NT * CK_QUAD_LANE_BYTES;
    }
    for (int k = 0; k < NT; k++) {
        if (y) {
            y[k * ldy] = _mm512_reduce_add_ps(acc_a[k]);
            y[k * ldy + 1] = _mm512_reduce_add_ps(acc_b[k]);
        } else {
            state[0][k] = acc_a[k];
            state[1][k] = acc_b[k];
        }
    }
}

/// One row's quads [q0, q1) against NT (1-9) tokens packed by ck_pack_quad_lanes from quad q0 on;
/// the last of them has `last_blocks` blocks (1-16). The accumulators start at zero on the row's
/// first chunk (q0 0) or from `state`, and end in `state` or, on its last chunk (`y` not
/// NULL), as y[k * ldy] = row . token k. With `fetch`, the same quads of the row at `next` are
/// fetched into L2 (rows of one chunk: CK_FETCH_AHEAD on in the row stream).
static inline __attribute__((always_inline)) void ck_row_quad_lanes(const char *row, int64_t q0, int64_t q1,
                                                                  int last_blocks, const uint8_t *act, const int NT,
                                                                  __m512 *state, float *y, int64_t ldy,
                                                                  const char *next, int fetch, int one_chunk,
                                                                  __m512i nibble_index, __m512i pair_index, const int stored) {
    __m512 acc[CK_QUAD_LANE_TOKENS];
    for (int k = 0; k < NT; k++) acc[k] = q0 == 0 ? _mm512_setzero_ps() : state[k];
    for (int64_t q = q0; q < q1; q++) {
        // one fetch per line into L2, and for up to four tokens a second one, nearer, into L1 (the
        // single-token plan's three into L2 and one into L1: 0.93-0.97x at 2-4 tokens, 0.83-0.93x at
        // 8-9; the second fetch at 8-9 tokens 0.90-1.03x; chunked rows' lines into L1 instead 0.96-1.03x)
        if (fetch)
            for (int line = 0; line < 288; line += 64) {
                _mm_prefetch(next + 288 * q + line, _MM_HINT_T1);
                if (one_chunk && NT <= 4) _mm_prefetch(row + 288 * q + line + CK_FETCH_AHEAD_L1, _MM_HINT_T0);
            }
        // one pointer for all tokens' operands: each load is base + displacement (see ck_row_vbmi)
        __asm__("" : "+r"(act));
        ck_quad_lanes_step(row + 288 * q, q + 1 < q1 ? 16 : last_blocks, act, NT, acc, nibble_index, pair_index, stored);
        act += NT * CK_QUAD_LANE_BYTES;
    }
    if (y)
        for (int k = 0; k < NT; k++) y[k * ldy] = _mm512_reduce_add_ps(acc[k]);
    else
        for (int k = 0; k < NT; k++) state[k] = acc[k];
}

/// Rows [r0, r1) against NT tokens packed by ck_pack_quad_lanes, their quads [q0, q1) of `quads`;
/// `state` holds the sums of rows r0 on between chunks (unused when the rows are one chunk).
static inline __attribute__((always_inline)) void ck_rows_quad_lanes(const char *w, size_t row_bytes, int64_t r0,
                                                                   int64_t r1, int64_t q0, int64_t q1, int64_t quads,
                                                                   int last_blocks, const uint8_t *packed,
                                                                   const int NT, __m512 (*state)[CK_QUAD_LANE_TOKENS],
                                                                   float *y, int64_t ldy, int fetch, int one_chunk,
                                                                   __m512i nibble_index, __m512i pair_index, const int stored) {
    // chunks fetch the row two on, the last two rows the next chunk's first two
#define CK_QUAD_LANE_NEXT(at) (one_chunk ? w + (at) * row_bytes + CK_FETCH_AHEAD \
                               : (at) + 2 < r1 ? w + ((at) + 2) * row_bytes \
                                               : w + ((at) + 2 - (r1 - r0)) * row_bytes + 288 * (q1 - q0))
    int64_t r = r0;
    // three tokens or more go two rows at a time (one or two tokens stream from memory: there two
    // rows gained nothing in the engine, and the single-token product measured the same,
    // docs/PERFORMANCE.md)
    if (NT >= 3)
        for (; r + 1 < r1; r += 2)
            ck_row_pair_quad_lanes(w + r * row_bytes, row_bytes, q0, q1, last_blocks, packed, NT,
                                   one_chunk ? NULL : state + (r - r0), q1 == quads ? y + r : NULL, ldy,
                                   CK_QUAD_LANE_NEXT(r), CK_QUAD_LANE_NEXT(r + 1), fetch, one_chunk, nibble_index,
                                   pair_index, stored);
    for (; r < r1; r++)
        ck_row_quad_lanes(w + r * row_bytes, q0, q1, last_blocks, packed, NT, one_chunk ? NULL : state[r - r0],
                          q1 == quads ? y + r : NULL, ldy, CK_QUAD_LANE_NEXT(r), fetch, one_chunk, nibble_index,
                          pair_index, stored);
#undef CK_QUAD_LANE_NEXT
}

#define CK_QUAD_LANE_CASE(T) \
    case T: \
        ck_rows_quad_lanes((const char *)w, row_bytes, r0, r1, q0, q1, quads, last_blocks, packed, T, state, \
                           y + t * ldy, ldy, fetch, one_chunk, nibble_index, pair_index, stored); \
        break;

/// Bytes of packed activations one chunk pass may hold: the core's L1 data cache (32 KB when the
/// system does not say). On Zen 4 (32 KB) a budget of 24 KB measured the same at 8-9 tokens and
/// worse at 6 (chunks of six quads, not eight); Sapphire Rapids' 48 KB keeps its measured eight.
static int64_t ck_packed_budget = 32768;
__attribute__((constructor)) static void ck_read_l1_size(void) {
    const long l1 = sysconf(_SC_LEVEL1_DCACHE_SIZE);
    if (l1 >= 16384 && l1 <= (1L << 20)) ck_packed_budget = l1;
}

/// Quads per chunk for `nt` tokens: as many as keep their packed activations within the budget.
/// Why: past L1 every activation load of the pass misses it. On Zen 4 (32 KB) eight tokens in chunks
/// of eight quads (40 KB) took 121 ticks per row and quad, in chunks of four 86 (docs/PERFORMANCE.md).
static inline int64_t ck_quad_lane_chunk(int nt) {
    const int64_t fit = ck_packed_budget / (nt * CK_QUAD_LANE_BYTES);
    return fit < 1 ? 1 : fit > CK_QUAD_LANE_CHUNK ? CK_QUAD_LANE_CHUNK : fit;
}

/// Tokens in pass `pass` of `passes` when `done` of `ntok` are done: the rest shared out, rounded up.
static inline int ck_pass_tokens(int64_t ntok, int64_t done, int64_t passes, int64_t pass) {
    return (int)((ntok - done + (passes - pass) - 1) / (passes - pass));
}

/// Rows [0, rows) against `ntok` tokens, in passes of up to nine tokens (five in quad lanes) over chunks
/// of up to eight quads (ck_quad_lane_chunk) over groups of CK_QUAD_LANE_ROWS rows; `stored` as ck_unpack_quad_lanes (a constant:
/// each layout gets its own copy of the kernels).
static inline __attribute__((always_inline)) void ck_matmul_quad_lanes(const void *w, size_t row_bytes, int64_t rows,
                                                                     const ck_q8_act *xs, int64_t ntok, float *y,
                                                                     int64_t ldy, __m512i nibble_index,
                                                                     __m512i pair_index, const int stored) {
    const int64_t quads = (xs->nblocks + 15) / 16;
    // passes of nearly equal size, at most `most` tokens each; the first one's size is the largest
    // Why: in quad lanes a quad unpacks in 8 ops, so a second pass over a tile whose rows are in L2
    // costs less than the register spills and L1 chunks of passes of 6-9 (one thread, 4096 columns
    // from memory: 8 tokens 101 -> 69 ticks per row and quad, 9 tokens 103 -> 78, 16 tokens 179 -> 137;
    // docs/PERFORMANCE.md). ggml's layout unpacks in 24 ops and keeps passes of nine.
    const int most = stored ? CK_QUAD_LANE_STORED_PASS : CK_QUAD_LANE_TOKENS;
    const int64_t passes = (ntok + most - 1) / most;
    const int first_pass = (int)((ntok + passes - 1) / passes);
    const int64_t chunk = ck_quad_lane_chunk(first_pass);
    const int one_chunk = quads <= chunk;
    // 46 KB and 18 KB of stack
    uint8_t packed[CK_QUAD_LANE_TOKENS * CK_QUAD_LANE_CHUNK * CK_QUAD_LANE_BYTES] __attribute__((aligned(64)));
    __m512 state[CK_QUAD_LANE_ROWS][CK_QUAD_LANE_TOKENS];
    for (int64_t r0 = 0; r0 < rows; r0 += one_chunk ? rows : CK_QUAD_LANE_ROWS) {
        const int64_t r1 = one_chunk || rows - r0 < CK_QUAD_LANE_ROWS ? rows : r0 + CK_QUAD_LANE_ROWS;
        for (int64_t t = 0, pass = 0; t < ntok; t += ck_pass_tokens(ntok, t, passes, pass), pass++) {
            const int nt = ck_pass_tokens(ntok, t, passes, pass);
            // only the first pass reads the rows from memory
            const int fetch = t == 0;
            for (int64_t q0 = 0; q0 < quads; q0 += chunk) {
                const int64_t q1 = quads - q0 < chunk ? quads : q0 + chunk;
                const int last_blocks = q1 < quads || xs->nblocks % 16 == 0 ? 16 : (int)(xs->nblocks % 16);
                ck_pack_quad_lanes(xs + t, nt, q0, q1, packed);
                switch (nt) {
                    CK_QUAD_LANE_CASE(9) CK_QUAD_LANE_CASE(8) CK_QUAD_LANE_CASE(7) CK_QUAD_LANE_CASE(6)
                    CK_QUAD_LANE_CASE(5) CK_QUAD_LANE_CASE(4) CK_QUAD_LANE_CASE(3) CK_QUAD_LANE_CASE(2)
                    default: CK_QUAD_LANE_CASE(1)
                }
            }
        }
    }
}

void ck_matmul_q4_0_avx512vbmi(const void *w, size_t row_bytes, int64_t rows, const ck_q8_act *xs, int64_t ntok,
                               float *y, int64_t ldy) {
    ck_matmul_quad_lanes(w, row_bytes, rows, xs, ntok, y, ldy, _mm512_load_si512(ck_pair_nibble_index),
                         _mm512_load_si512(ck_pair_scale_index), 0);
}

void ck_matmul_q4_0_quad_lanes(const void *w, size_t row_bytes, int64_t rows, const ck_q8_act *xs, int64_t ntok,
                               float *y, int64_t ldy) {
    const __m512i unused = _mm512_setzero_si512();
    ck_matmul_quad_lanes(w, row_bytes, rows, xs, ntok, y, ldy, unused, unused, 1);
}

/// ck_quad_lanes_pack_q4_0 with the kernel's own gather: each quad's nibble vectors as
/// ck_unpack_quad_lanes puts them together before splitting the nibbles, and its scales' fp16 words;
/// a last quad's missing blocks come out zero. The same bytes (KernelsQuadLanesTests).
/// Why: the portable packing took about 1.3 s of a 6B model's load on two threads; this one streams.
void ck_quad_lanes_pack_q4_0_avx512(const void *w, int64_t nblocks, int64_t row_begin, int64_t row_end, void *dst) {
    const __m512i nibble_index = _mm512_load_si512(ck_pair_nibble_index);
    const __m512i pair_index = _mm512_load_si512(ck_pair_scale_index);
    const int64_t quads = (nblocks + 15) / 16;
    const size_t ggml_row_bytes = (size_t)nblocks * 18, row_bytes = (size_t)quads * CK_QUAD_LANES_QUAD_BYTES;
    for (int64_t r = row_begin; r < row_end; r++) {
        const char *src = (const char *)w + (size_t)r * ggml_row_bytes;
        char *out = (char *)dst + (size_t)r * row_bytes;
        for (int64_t q = 0; q < quads; q++) {
            const int blocks = nblocks - 16 * q < 16 ? (int)(nblocks - 16 * q) : 16;
            const ck_pair_bytes p0 = ck_gather_pair(src + 288 * q, ck_pair_blocks(blocks, 0), nibble_index);
            const ck_pair_bytes p1 = ck_gather_pair(src + 288 * q + 144, ck_pair_blocks(blocks, 1), nibble_index);
            const __m512i w0 = _mm512_permutex2var_epi16(p0.first, pair_index, p0.second);
            const __m512i w1 = _mm512_permutex2var_epi16(p1.first, pair_index, p1.second);
            char *quad = out + 288 * q;
            _mm256_storeu_si256((__m256i *)(void *)quad,
                                _mm256_inserti128_si256(_mm512_castsi512_si256(w0), _mm512_castsi512_si128(w1), 1));
            _mm512_storeu_si512(quad + 32, _mm512_shuffle_i32x4(p0.v1, p1.v1, 0x44));
            _mm512_storeu_si512(quad + 96, _mm512_shuffle_i32x4(p0.v1, p1.v1, 0xEE));
            _mm512_storeu_si512(quad + 160, _mm512_shuffle_i32x4(p0.v2, p1.v2, 0x44));
            _mm512_storeu_si512(quad + 224, _mm512_shuffle_i32x4(p0.v2, p1.v2, 0xEE));
        }
    }
}

void ck_pack_quad_lanes_act(const ck_q8_act *x, void *out) {
    ck_pack_quad_lanes(x, 1, 0, (x->nblocks + 15) / 16, out);
}

/// One token on the quad-lane layout, its activations packed (ck_pack_quad_lanes_act): each row quad by
/// quad with the single-token kernel's fetch plan (ck_row_vbmi) and a fourth fetch further on.
/// Why: a quad costs 21 vector ops here against 31 in ggml's layout (no byte permutes to gather the
/// nibbles, no fold of each block's two lanes), so a token's arithmetic stays further below the time
/// its weights take to arrive from memory (docs/PERFORMANCE.md, "Weights in the quad-lane order").
void ck_matvec_q4_0_quad_lanes_packed(const void *w, size_t row_bytes, int64_t rows, const void *act_lanes,
                                      int64_t nblocks, float *y) {
    const int64_t quads = (nblocks + 15) / 16;
    const __m512i unused = _mm512_setzero_si512();
    const size_t bytes = (size_t)rows * row_bytes;
    for (size_t offset = 0; offset < CK_FETCH_AHEAD && offset < bytes; offset += 64)
        _mm_prefetch((const char *)w + offset, _MM_HINT_T1);
    for (size_t offset = 0; offset < CK_FETCH_AHEAD_L1 && offset < bytes; offset += 64)
        _mm_prefetch((const char *)w + offset, _MM_HINT_T0);
    for (int64_t r = 0; r < rows; r++) {
        const char *row = (const char *)w + r * row_bytes;
        const int fetch = ck_fetch_fits(r + 1, rows, row_bytes, CK_FETCH_FURTHEST);
        const uint8_t *act = act_lanes;
        __m512 acc = _mm512_setzero_ps();
        for (int64_t q = 0; q < quads; q++) {
            if (fetch) ck_fetch_quad_ahead(row + 288 * q, 1);
            __asm__("" : "+r"(act));
            ck_quad_lanes_step(row + 288 * q, 16, act, 1, &acc, unused, unused, 1);
            act += CK_QUAD_LANE_BYTES;
        }
        y[r] = _mm512_reduce_add_ps(acc);
    }
}

/// ck_matvec_q4_0_quad_lanes_packed, packing the activations itself (on the stack up to 64 quads).
void ck_matvec_q4_0_quad_lanes(const void *w, size_t row_bytes, int64_t rows, const ck_q8_act *x, float *y) {
    const int64_t quads = (x->nblocks + 15) / 16;
    enum { STACK_QUADS = 64 };
    uint8_t stack[STACK_QUADS * CK_QUAD_LANE_BYTES] __attribute__((aligned(64)));
    uint8_t *packed = quads <= STACK_QUADS ? stack : aligned_alloc(64, (size_t)quads * CK_QUAD_LANE_BYTES);
    if (!packed) abort();
    ck_pack_quad_lanes_act(x, packed);
    ck_matvec_q4_0_quad_lanes_packed(w, row_bytes, rows, packed, x->nblocks, y);
    if (packed != stack) free(packed);
}

#pragma clang attribute pop
#endif
