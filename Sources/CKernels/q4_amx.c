// Q4_0 x Q8_0 for batches with AMX-INT8 tiles, each result bit-identical to
// ck_matvec_q4_0_avx512vbmi's: a tile computes each block's exact integer dot (plus the bias), and
// the float steps (convert, scale product, fma per block lane, then the same _mm512_reduce_add_ps)
// run on the same values in the same order, only with the lanes arranged (token, block).
// Tiles: A = 16 weight rows x a pair of blocks; B = 16 columns, column 2t + j = token t's quants of
// block j, zero under the other block. Layout and measurements: docs/PERFORMANCE.md "AMX for batches".
#include "ckernels.h"
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>
#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

/// Bytes of one packed (group, pair): the B tile, its bias row and its scale row.
enum { CK_AMX_B_BYTES = 1024, CK_AMX_PAIR_BYTES = 1024 + 64 + 64, CK_AMX_GROUP_TOKENS = 8 };
/// Groups computed per pass over the weights: their accumulators (8 KB each) stay in L1.
enum { CK_AMX_GROUPS_PER_PASS = 2 };

static int64_t ck_amx_pairs(int64_t nblocks) { return (nblocks + 1) / 2; }

size_t ck_amx_packed_bytes(int64_t nblocks, int64_t ntok) {
    const int64_t groups = (ntok + CK_AMX_GROUP_TOKENS - 1) / CK_AMX_GROUP_TOKENS;
    return (size_t)(groups * ck_amx_pairs(nblocks)) * CK_AMX_PAIR_BYTES;
}

/// Plain C (layout only): groups [group_begin, group_end) of the tokens' pair layouts as B tiles.
void ck_amx_pack_acts(const ck_q8_act *xs, int64_t ntok, int64_t group_begin, int64_t group_end, void *packed) {
    const int64_t pairs = ck_amx_pairs(xs->nblocks);
    for (int64_t g = group_begin; g < group_end; g++)
        for (int64_t p = 0; p < pairs; p++) {
            uint8_t *dst = (uint8_t *)packed + (size_t)(g * pairs + p) * CK_AMX_PAIR_BYTES;
            int32_t bias[16] = {0};
            float scale[16] = {0};
            memset(dst, 0, CK_AMX_B_BYTES);
            for (int t = 0; t < CK_AMX_GROUP_TOKENS; t++) {
                const int64_t token = g * CK_AMX_GROUP_TOKENS + t;
                if (token >= ntok) break;
                const int8_t *q = xs[token].q + p * 64;
                // row kk of B holds quants 4kk ..< 4kk + 4 of the pair; they belong to block (kk / 4) % 2
                for (int kk = 0; kk < 16; kk++) memcpy(dst + kk * 64 + 4 * (2 * t + (kk / 4) % 2), q + 4 * kk, 4);
                for (int j = 0; j < 2; j++) {
                    bias[2 * t + j] = xs[token].bias4[p * 8 + 4 * j];
                    scale[2 * t + j] = xs[token].d[p * 8 + 4 * j];
                }
            }
            memcpy(dst + CK_AMX_B_BYTES, bias, 64);
            memcpy(dst + CK_AMX_B_BYTES + 64, scale, 64);
        }
}

#define CK_XFEATURE_XTILEDATA 18
#define CK_ARCH_REQ_XCOMP_PERM 0x1023

int ck_cpu_has_amx_int8(void) {
    static int cached = -1;
    int known = __atomic_load_n(&cached, __ATOMIC_ACQUIRE);
    if (known >= 0) return known;
    int usable = 0;
#if defined(__linux__)
    unsigned eax, ebx, ecx, edx;
    __asm__ volatile("cpuid" : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "a"(7), "c"(0));
    const int tile = (edx >> 24) & 1, int8 = (edx >> 25) & 1;
    // the kernel also unpacks and scales with the 512-bit VBMI/GFNI instructions; the tile data
    // state must be granted to the process by the kernel before the first tile instruction
    if (tile && int8 && ck_cpu_has_avx512vbmi())
        usable = syscall(SYS_arch_prctl, CK_ARCH_REQ_XCOMP_PERM, CK_XFEATURE_XTILEDATA) == 0;
#endif
    __atomic_store_n(&cached, usable, __ATOMIC_RELEASE);
    return usable;
}

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512vbmi,gfni,avx2,fma,f16c,amx-tile,amx-int8"))), apply_to = function)

typedef struct {
    uint8_t palette, start_row, reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
} ck_tile_config;

/// Byte o of a pair's A row: quant byte (o % 16) of block (o / 16) % 2, low nibble for o < 32.
static const uint8_t ck_amx_pair_index[64] __attribute__((aligned(64))) = {
     2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15, 16, 17,
    20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35,
     2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15, 16, 17,
    20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35,
};
/// Words 0-7 pick the fp16 scales of blocks 0-7 from two loads 64 bytes apart (block b at word 9b).
static const uint16_t ck_amx_scale_index[32] __attribute__((aligned(64))) = {
    0, 9, 18, 27, 36, 45, 54, 63,
};

static inline __mmask64 ck_amx_mask(int64_t bytes) {
    return bytes <= 0 ? 0 : bytes >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << bytes) - 1;
}

/// Eight fp16 scales of blocks [first, first + 8) of a row as floats (blocks >= nblocks give 0).
static inline __m256 ck_amx_eight_scales(const char *row, int64_t first, int64_t nblocks, __m512i index) {
    const int64_t bytes = 18 * (nblocks - first);
    const char *src = row + 18 * first;
    const __m512i a = _mm512_maskz_loadu_epi8(ck_amx_mask(bytes), src);
    const __m512i b = _mm512_maskz_loadu_epi8(ck_amx_mask(bytes - 64), src + 64);
    return _mm256_cvtph_ps(_mm512_castsi512_si128(_mm512_permutex2var_epi16(a, index, b)));
}

/// Unpacks pairs [pair0, pair0 + npairs) of `nr` rows (the rest of the 16 zero) into abuf (pair-major,
/// 16 rows of 64 bytes each) and their 16 block scales per row into ws.
static inline void ck_amx_unpack_quad(const char *w, size_t row_bytes, int nr, int64_t q, int64_t nblocks,
                                      uint8_t *abuf, float *ws) {
    const __m512i index = _mm512_load_si512(ck_amx_pair_index);
    const __m512i scale_index = _mm512_load_si512(ck_amx_scale_index);
    // per qword: the low nibble of each byte (first four) or the high nibble moved down (last four)
    const __m512i nibbles = _mm512_set_epi64(0x1020408000000000LL, 0x1020408000000000LL, 0x1020408000000000LL,
                                             0x1020408000000000LL, 0x0102040800000000LL, 0x0102040800000000LL,
                                             0x0102040800000000LL, 0x0102040800000000LL);
    const int64_t first_block = 16 * q;
    for (int r = 0; r < 16; r++) {
        if (r >= nr) {
            for (int pp = 0; pp < 8; pp++) _mm512_store_si512(abuf + pp * 1024 + r * 64, _mm512_setzero_si512());
            _mm512_store_ps(ws + r * 16, _mm512_setzero_ps());
            continue;
        }
        const char *row = w + r * row_bytes;
        for (int pp = 0; pp < 8; pp++) {
            const int64_t block = first_block + 2 * pp;
            const __m512i raw = _mm512_maskz_loadu_epi8(ck_amx_mask(18 * (nblocks - block)), row + 18 * block);
            const __m512i v = _mm512_permutexvar_epi8(index, raw);
            _mm512_store_si512(abuf + pp * 1024 + r * 64, _mm512_gf2p8affine_epi64_epi8(v, nibbles, 0));
        }
        const __m256 lo = ck_amx_eight_scales(row, first_block, nblocks, scale_index);
        const __m256 hi = ck_amx_eight_scales(row, first_block + 8, nblocks, scale_index);
        _mm256_store_ps(ws + r * 16, lo);
        _mm256_store_ps(ws + r * 16 + 8, hi);
    }
}

/// Fetches bytes [begin, end) of `base` into L2.
static inline void ck_amx_fetch(const char *base, size_t begin, size_t end) {
    for (size_t offset = begin; offset < end; offset += 64) _mm_prefetch(base + offset, _MM_HINT_T1);
}

/// A step whose float work is still to do: its packed activations, its quad's weight scales, its
/// pair within the quad and its group within the pass.
typedef struct { const uint8_t *packed_pair; const float *ws; int pp, gi; } ck_amx_pending;

/// Steps between a step's tile instructions and its float work (at most 3: four C buffers).
enum { CK_AMX_LAG = 2 };

/// acc[gi * 128 + r * 8 + pp] = fma(float(C[r] + bias), w_scale[r][2pp + j] * act_scale[2t + j], acc) for
/// the 16 rows: the vector kernel's steps for blocks 2pp + j of the eight tokens t.
static inline __attribute__((always_inline)) void ck_amx_float_step(const int32_t *c, const ck_amx_pending *step,
                                                                 __m512 *acc) {
    const __m512i bias = _mm512_loadu_si512(step->packed_pair + CK_AMX_B_BYTES);
    const __m512 as = _mm512_loadu_ps((const float *)(step->packed_pair + CK_AMX_B_BYTES + 64));
    __m512 *out = acc + step->gi * 128 + step->pp;
    for (int r = 0; r < 16; r++) {
        double pair;  // the two blocks' weight scales, repeated for the eight tokens
        memcpy(&pair, step->ws + r * 16 + 2 * step->pp, 8);
        const __m512 wpair = _mm512_castpd_ps(_mm512_set1_pd(pair));
        const __m512 dot = _mm512_cvtepi32_ps(_mm512_add_epi32(_mm512_load_si512(c + r * 16), bias));
        out[r * 8] = _mm512_fmadd_ps(dot, _mm512_mul_ps(wpair, as), out[r * 8]);
    }
}

/// Tiles are not renamed: an instruction that writes a tile waits for the last one that used it.
/// So the A tile alternates between tmm0 and tmm1 by pair (loaded once per pair, used by every
/// group), B between tmm2 and tmm3 and C over tmm4-7 by step, and the float work of a step runs
/// after the next step's tile instructions are issued. Tile numbers must be constants, hence the
/// macro and the switch.
#define CK_AMX_TILES(TA, LOAD_A, TB, TC, CBUF)                                                     \
    do {                                                                                           \
        if (LOAD_A) _tile_loadd(TA, a_rows, 64);                                                   \
        _tile_zero(TC);                                                                            \
        _tile_loadd(TB, packed_pair, 64);                                                          \
        _tile_dpbusd(TC, TA, TB);                                                                  \
        _tile_stored(TC, CBUF, 64);                                                                \
    } while (0)

#define CK_AMX_TILE_CASES(TA)                                                                      \
    case 4 * (TA) + 0: CK_AMX_TILES(TA, load_a, 2, 4, cbuf[0]); break;                             \
    case 4 * (TA) + 1: CK_AMX_TILES(TA, load_a, 3, 5, cbuf[1]); break;                             \
    case 4 * (TA) + 2: CK_AMX_TILES(TA, load_a, 2, 6, cbuf[2]); break;                             \
    case 4 * (TA) + 3: CK_AMX_TILES(TA, load_a, 3, 7, cbuf[3]); break;

void ck_matmul_q4_0_amx(const void *w, size_t row_bytes, int64_t rows, const void *packed, int64_t nblocks,
                        int64_t ntok, float *y, int64_t ldy) {
    ck_tile_config config;
    memset(&config, 0, sizeof config);
    config.palette = 1;
    for (int i = 0; i < 8; i++) {
        config.colsb[i] = 64;
        config.rows[i] = 16;
    }
    _tile_loadconfig(&config);
    uint8_t abuf[2][8 * 1024] __attribute__((aligned(64)));
    float ws[3][16 * 16] __attribute__((aligned(64)));
    int32_t cbuf[4][256] __attribute__((aligned(64)));
    __m512 acc[CK_AMX_GROUPS_PER_PASS * 128];
    const int64_t pairs = ck_amx_pairs(nblocks);
    const int64_t quads = (nblocks + 15) / 16;
    const int64_t groups = (ntok + CK_AMX_GROUP_TOKENS - 1) / CK_AMX_GROUP_TOKENS;
    // passes over the tokens outside, rows inside: a pass's packed activations stay in L2 while the
    // caller's rows (an L2-sized tile) go by
    for (int64_t g0 = 0; g0 < groups; g0 += CK_AMX_GROUPS_PER_PASS) {
        const int ng = groups - g0 < CK_AMX_GROUPS_PER_PASS ? (int)(groups - g0) : CK_AMX_GROUPS_PER_PASS;
        const uint8_t *pass = (const uint8_t *)packed + (size_t)(g0 * pairs) * CK_AMX_PAIR_BYTES;
        for (int64_t r0 = 0; r0 < rows; r0 += 16) {
            const int nr = rows - r0 < 16 ? (int)(rows - r0) : 16;
            for (int i = 0; i < ng * 128; i++) acc[i] = _mm512_setzero_ps();
            // the 16 rows are read as 16 short streams, which the hardware prefetcher does not follow:
            // while they are computed, the next 16 rows (one contiguous range) are fetched into L2,
            // spread over the quads; the first 16 at the start
            const char *tile_bytes = (const char *)w + r0 * row_bytes;
            if (r0 == 0) ck_amx_fetch(tile_bytes, 0, (size_t)nr * row_bytes);
            const size_t next_bytes = (size_t)(rows - r0 - nr < 16 ? rows - r0 - nr : 16) * row_bytes;
            const size_t fetch_step = (next_bytes / (size_t)quads + 63) / 64 * 64;
            // a software pipeline: quad q + 1 is unpacked before quad q's tiles run (a tile load
            // waits for the stores it reads to retire), and step k's float work runs after step
            // k + CK_AMX_LAG's tile instructions are issued (a load from a tile store waits for it)
            int64_t k = 0;
            ck_amx_pending pending[4];
            ck_amx_unpack_quad(tile_bytes, row_bytes, nr, 0, nblocks, abuf[0], ws[0]);
            for (int64_t q = 0; q < quads; q++) {
                ck_amx_fetch(tile_bytes + (size_t)nr * row_bytes, (size_t)q * fetch_step,
                             (size_t)(q + 1) * fetch_step < next_bytes ? (size_t)(q + 1) * fetch_step : next_bytes);
                if (q + 1 < quads)
                    ck_amx_unpack_quad(tile_bytes, row_bytes, nr, q + 1, nblocks, abuf[(q + 1) % 2], ws[(q + 1) % 3]);
                // pairs past the end hold only zero blocks: the vector kernel's steps leave its sums unchanged
                const int npp = pairs - 8 * q < 8 ? (int)(pairs - 8 * q) : 8;
                for (int s = 0; s < npp * ng; s++, k++) {
                    const int pp = s / ng, gi = s % ng, load_a = gi == 0;
                    const uint8_t *packed_pair = pass + (size_t)(gi * pairs + 8 * q + pp) * CK_AMX_PAIR_BYTES;
                    const uint8_t *a_rows = abuf[q % 2] + pp * 1024;
                    switch (4 * (pp % 2) + k % 4) {
                        CK_AMX_TILE_CASES(0)
                        CK_AMX_TILE_CASES(1)
                    }
                    pending[k % 4] = (ck_amx_pending){packed_pair, ws[q % 3], pp, gi};
                    if (k >= CK_AMX_LAG) ck_amx_float_step(cbuf[(k - CK_AMX_LAG) % 4], &pending[(k - CK_AMX_LAG) % 4], acc);
                }
            }
            for (int64_t j = k > CK_AMX_LAG ? k - CK_AMX_LAG : 0; j < k; j++)
                ck_amx_float_step(cbuf[j % 4], &pending[j % 4], acc);
            // lanes back in block order (block 2pp + j of token t is lane 2t + j of acc[r * 8 + pp], so
            // qword pp of token t's vector is qword t of acc[r * 8 + pp]) for the vector kernel's reduction
            for (int gi = 0; gi < ng; gi++)
                for (int t = 0; t < CK_AMX_GROUP_TOKENS; t++) {
                    const int64_t token = (g0 + gi) * CK_AMX_GROUP_TOKENS + t;
                    if (token >= ntok) break;
                    const __m512i pick = _mm512_set1_epi64(t);
                    for (int r = 0; r < nr; r++) {
                        const __m512 *row_acc = acc + gi * 128 + r * 8;
                        __m512d lanes = _mm512_setzero_pd();
                        for (int pp = 0; pp < 8; pp++)
                            lanes = _mm512_mask_permutexvar_pd(lanes, (__mmask8)(1u << pp), pick,
                                                               _mm512_castps_pd(row_acc[pp]));
                        y[token * ldy + r0 + r] = _mm512_reduce_add_ps(_mm512_castpd_ps(lanes));
                    }
                }
        }
    }
    _tile_release();
}

#pragma clang attribute pop
#endif
