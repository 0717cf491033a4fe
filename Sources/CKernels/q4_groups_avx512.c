// Q4_0 x Q8_0 with 512-bit registers, used in place from the ggml row layout, in quads of 16 blocks
// (288 bytes) taken as two pairs of eight. Per pair, four overlapping 64-byte loads cover its 144
// bytes; one VBMI byte permute of two of them gathers the first eight nibble bytes of each block,
// the same permute of the other two the last eight, and GFNI moves the high nibbles down. Block k
// of a pair owns lanes k and k + 8 of both vectors (the activations are stored in that order by
// ck_put_act_group_block), so four dpbusd give each block's integer dot in two lanes, and one
// shuffle pair and add per quad fold them so that lane b holds block b whole. The float work
// (convert, scale, accumulate) and the scale unpacking run once per quad.
// Why: with its rows in cache the kernel is bound by its zmm ops, and this layout folds a quad in 3
// ops where a block in four lanes took 9 (docs/PERFORMANCE.md has the measurements). The integer
// sums are exact in any order, and the batched kernel runs each (row, token) through the same
// function, so it is bit-identical to the single-token kernel.
#include "ckernels.h"
#if defined(__x86_64__)
#include "blocks.h"
#include <immintrin.h>

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

/// Eight blocks unpacked: lo1/hi1 hold the low and high nibbles of the first nibble vector, lo2/hi2
/// of the second; first and second are the loads at the pair's blocks 0 and 4 (their scales).
typedef struct { __m512i lo1, hi1, lo2, hi2, first, second; } ck_pair_nibbles;

static inline __mmask64 ck_bytes_mask(int bytes) {
    return bytes <= 0 ? 0 : bytes >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << bytes) - 1;
}

/// The `blocks` (0-8) blocks at `src`: fewer than eight come through masked loads that read
/// nothing past them, so the end of a mapping is never touched; missing blocks are zero.
static inline __attribute__((always_inline)) ck_pair_nibbles ck_unpack_pair(const char *src, int blocks,
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
    const __m512i v1 = _mm512_permutex2var_epi8(a0, nibble_index, a1);
    const __m512i v2 = _mm512_permutex2var_epi8(b0, nibble_index, b1);
    const __m512i low4 = _mm512_set1_epi8(0x0F);
    // the affine matrix maps bit i+4 of each byte to bit i: v >> 4 per byte
    const __m512i high = _mm512_set1_epi64(0x1020408000000000LL);
    ck_pair_nibbles p;
    p.lo1 = _mm512_and_si512(v1, low4);
    p.hi1 = _mm512_gf2p8affine_epi64_epi8(v1, high, 0);
    p.lo2 = _mm512_and_si512(v2, low4);
    p.hi2 = _mm512_gf2p8affine_epi64_epi8(v2, high, 0);
    p.first = a0;
    p.second = a1;
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

/// The quad's 16 weight scales, block b in lane b.
static inline __attribute__((always_inline)) __m512 ck_quad_scales(const ck_pair_nibbles *w, __m512i pair_index) {
    const __m512i s0 = _mm512_permutex2var_epi16(w[0].first, pair_index, w[0].second);
    const __m512i s1 = _mm512_permutex2var_epi16(w[1].first, pair_index, w[1].second);
    return _mm512_cvtph_ps(_mm256_inserti128_si256(_mm512_castsi512_si256(s0), _mm512_castsi512_si128(s1), 1));
}

/// How far ahead of its reads a pass that streams weights from memory fetches them: the hardware
/// prefetcher alone keeps too few lines in flight while the core computes. Each line is asked for
/// into L2 three times (repeats measured better; the likely reason, that some asks are dropped, was
/// not measured) and into L1 once. In a matvec, rows whose fetch would pass the end of the caller's
/// rows fetch nothing: those bytes are another thread's chunk. The distances, and the plans that
/// measured worse, are in docs/PERFORMANCE.md.
enum { CK_FETCH_AHEAD = 16384, CK_FETCH_AGAIN = 12288, CK_FETCH_LAST = 8192, CK_FETCH_AHEAD_L1 = 2048 };

/// Whether rows up to `end` can fetch CK_FETCH_AHEAD bytes on without passing the matvec's `rows`.
static inline int ck_fetch_fits(int64_t end, int64_t rows, size_t row_bytes) {
    return (rows - end) * (int64_t)row_bytes >= CK_FETCH_AHEAD;
}

/// acc[r * 4 + k] += quad q of row r (`NR` rows `row_bytes` apart from `row`, their first `blocks`
/// blocks, 1-16) . token k's activations; with `fetch`, the same bytes CK_FETCH_AHEAD, CK_FETCH_AGAIN
/// and CK_FETCH_LAST further on are fetched into L2, and CK_FETCH_AHEAD_L1 further on into L1.
static inline __attribute__((always_inline)) void ck_quad(const char *row, size_t row_bytes, const int NR, int64_t q,
                                                        int blocks, const int8_t **xq_at, const int32_t **bias_at,
                                                        const float **scale_at, const int NT, __m512 *acc,
                                                        __m512i nibble_index, __m512i pair_index, int fetch) {
    if (fetch) {
        for (int r = 0; r < NR; r++)
            for (int line = 0; line < 288; line += 64) {
                const char *here = row + r * row_bytes + 288 * q + line;
                _mm_prefetch(here + CK_FETCH_AHEAD, _MM_HINT_T1);
                _mm_prefetch(here + CK_FETCH_AGAIN, _MM_HINT_T1);
                _mm_prefetch(here + CK_FETCH_LAST, _MM_HINT_T1);
                _mm_prefetch(here + CK_FETCH_AHEAD_L1, _MM_HINT_T0);
            }
    }
    ck_pair_nibbles w[2][2];
    __m512 scale[2];
    for (int r = 0; r < NR; r++) {
        for (int j = 0; j < 2; j++) {
            const int left = blocks - 8 * j;
            w[r][j] = ck_unpack_pair(row + r * row_bytes + 288 * q + 144 * j, left >= 8 ? 8 : left > 0 ? left : 0,
                                     nibble_index);
        }
        scale[r] = ck_quad_scales(w[r], pair_index);
    }
    for (int k = 0; k < NT; k++) {
        const int8_t *xq = xq_at[k];
        const __m512i bias = _mm512_loadu_si512(bias_at[k]);
        const __m512 act_scale = _mm512_loadu_ps(scale_at[k]);
        for (int r = 0; r < NR; r++) {
            __m512i dot = ck_fold_quad(ck_pair_dot(w[r][0], xq), ck_pair_dot(w[r][1], xq + 256));
            dot = _mm512_add_epi32(dot, bias);
            acc[r * 4 + k] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_mul_ps(scale[r], act_scale), acc[r * 4 + k]);
        }
    }
}

/// NR (1-2) rows against NT (1-4) tokens: y[k * ldy + r] = row r . token k.
static inline __attribute__((always_inline)) void ck_rows_vbmi(const char *row, size_t row_bytes, const int NR,
                                                             const ck_q8_act *xs, const int NT, float *y, int64_t ldy,
                                                             __m512i nibble_index, __m512i pair_index, int fetch) {
    const int64_t full = xs->nblocks / 16;
    const int tail = (int)(xs->nblocks % 16);
    __m512 acc[8];
    for (int i = 0; i < 8; i++) acc[i] = _mm512_setzero_ps();
    // each token's operands walk with their own pointer, hidden from the compiler: it would address them
    // as base + index, and an indexed operand splits each VPDPBUSD into two micro-ops on Intel cores
    const int8_t *xq[4];
    const int32_t *bias[4];
    const float *scale[4];
    for (int k = 0; k < NT; k++) xq[k] = xs[k].gq, bias[k] = xs[k].gbias4, scale[k] = xs[k].gd;
    for (int64_t q = 0; q < full; q++) {
        // (two rows keep more registers busy: there the extra pointers measured slower)
        if (NR == 1)
            for (int k = 0; k < NT; k++) __asm__("" : "+r"(xq[k]), "+r"(bias[k]), "+r"(scale[k]));
        ck_quad(row, row_bytes, NR, q, 16, xq, bias, scale, NT, acc, nibble_index, pair_index, fetch);
        for (int k = 0; k < NT; k++) xq[k] += 512, bias[k] += 16, scale[k] += 16;
    }
    if (tail) ck_quad(row, row_bytes, NR, full, tail, xq, bias, scale, NT, acc, nibble_index, pair_index, fetch);
    for (int r = 0; r < NR; r++)
        for (int k = 0; k < NT; k++) y[k * ldy + r] = _mm512_reduce_add_ps(acc[r * 4 + k]);
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
        ck_rows_vbmi((const char *)w + r * row_bytes, row_bytes, 1, x, 1, y + r, 0, nibble_index, pair_index,
                     ck_fetch_fits(r + 1, rows, row_bytes));
}

/// Four tokens of activations for rows of up to this many blocks (4096 columns) take 20 KB of L1.
enum { CK_BATCH_SINGLE_ROW_BLOCKS = 128 };

#define CK_ROWS_CASE(R, T) \
    case (R) * 8 + (T): ck_rows_vbmi(row, row_bytes, R, xs + t, T, out, ldy, nibble_index, pair_index, fetch); break;

void ck_matmul_q4_0_avx512vbmi(const void *w, size_t row_bytes, int64_t rows, const ck_q8_act *xs, int64_t ntok,
                               float *y, int64_t ldy) {
    const __m512i nibble_index = _mm512_load_si512(ck_pair_nibble_index);
    const __m512i pair_index = _mm512_load_si512(ck_pair_scale_index);
    // tokens outside, rows inside: four tokens' activations stay in L1 while the (L2-sized) tile's
    // rows pass; only the first pass streams the tile from memory. Rows whose four tokens'
    // activations fit L1 go one at a time; longer rows go in pairs that share each activation load
    // (a pair's unpacked weights no longer fit the registers for short rows)
    const int pair_rows = xs->nblocks > CK_BATCH_SINGLE_ROW_BLOCKS;
    for (int64_t t = 0; t < ntok; t += 4) {
        const int nt = ntok - t < 4 ? (int)(ntok - t) : 4;
        for (int64_t r = 0; r < rows; r += 1 + pair_rows) {
            const int nr = pair_rows && rows - r >= 2 ? 2 : 1;
            const char *row = (const char *)w + r * row_bytes;
            float *out = y + t * ldy + r;
            // only the first pass reads the tile from memory
            const int fetch = t == 0;
            switch (nr * 8 + nt) {
                CK_ROWS_CASE(2, 4) CK_ROWS_CASE(2, 3) CK_ROWS_CASE(2, 2) CK_ROWS_CASE(2, 1)
                CK_ROWS_CASE(1, 4) CK_ROWS_CASE(1, 3) CK_ROWS_CASE(1, 2)
                default: ck_rows_vbmi(row, row_bytes, 1, xs + t, 1, out, ldy, nibble_index, pair_index, fetch); break;
            }
        }
    }
}

#pragma clang attribute pop
#endif
