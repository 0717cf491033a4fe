#ifndef GLMCHAT_CKERNELS_H
#define GLMCHAT_CKERNELS_H
// Hand-vectorized kernels for the GLMEngine hot loops. Every function has a Swift scalar
// reference (ReferenceKernels) that tests compare it with. Callers pick a variant at run time
// from ck_cpu_*; calling a variant the CPU lacks is undefined. The vector kernels exist only on
// x86-64; elsewhere the ck_cpu_* functions return 0 and only the portable parts below are built.
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// ---- CPU features -------------------------------------------------------------------------
/// AVX-512 F+BW+VL+VNNI with FMA and F16C: the int8 dot-product path.
int ck_cpu_has_avx512vnni(void);
/// The VNNI path plus AVX-512 VBMI and GFNI: the 512-bit Q4_0 kernels (Zen 4, Ice Lake and later).
int ck_cpu_has_avx512vbmi(void);
/// AVX2 with FMA and F16C.
int ck_cpu_has_avx2(void);
/// The VBMI path plus AMX-TILE and AMX-INT8, with the tile data state granted to this process
/// (Linux arch_prctl; asked for once, on the first call): ck_matmul_q4_0_amx (Sapphire Rapids and later).
int ck_cpu_has_amx_int8(void);

// ---- thread pool --------------------------------------------------------------------------
typedef struct ck_pool ck_pool;
/// Called once per participant with `index` in 0..<threads (index 0 is the calling thread).
typedef void (*ck_task_fn)(void *context, int index);
/// Starts `threads - 1` workers once; they spin briefly after each job, then sleep.
ck_pool *ck_pool_create(int threads);
void ck_pool_destroy(ck_pool *pool);
/// Participants actually started (fewer than asked if the system refused threads).
int ck_pool_threads(const ck_pool *pool);
/// Runs `fn` on every participant and returns when all are done. Calls from inside a job run
/// the whole job inline on the calling thread (no nested parallelism, no deadlock).
void ck_pool_run(ck_pool *pool, ck_task_fn fn, void *context);
/// Nonzero while the calling thread is running a pool job (of any pool).
int ck_pool_in_job(void);
/// Claims the next chunk of a guided split of `count` items: 1/parts of what is left, at least
/// `min_items`. Returns its start (`count` once nothing is left) and writes its end.
static inline int64_t ck_claim_guided(int64_t *next, int64_t count, int64_t parts, int64_t min_items, int64_t *end) {
    int64_t start = __atomic_load_n(next, __ATOMIC_RELAXED);
    for (;;) {
        if (start >= count) { *end = count; return count; }
        int64_t size = (count - start) / parts;
        if (size < min_items) size = min_items;
        const int64_t stop = count - start > size ? start + size : count;
        if (__atomic_compare_exchange_n(next, &start, stop, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
            *end = stop;
            return start;
        }
    }
}
/// Asks spinning workers to sleep now (before handing the cores to another library's threads).
void ck_pool_quiesce(ck_pool *pool);

// ---- matrix-vector products (rows of a row-major matrix; y[r] = row r . x) ----------------
/// A vector quantized to Q8_0, laid out for the integer kernels in pairs of blocks so that one
/// 256-bit register of unpacked Q4_0 nibbles lines up with one register of activations.
/// Pair p covers blocks 2p and 2p+1 (a missing last block is all zeros).
typedef struct {
    const int8_t *q;       // per pair, 64 quants: x0[0:16] x1[0:16] x0[16:32] x1[16:32]
    const float *d;        // per pair, 8 scales: d0 x4, d1 x4
    const int32_t *bias4;  // per pair, 8 lanes: -8*sum(x0) in lane 0, -8*sum(x1) in lane 4, else 0
    const int32_t *bias8;  // the same with -128 (Q8_0 weights offset to unsigned)
    // In groups of four blocks for the 512-bit kernels (filled by ck_pack_act_groups), two groups (eight
    // blocks, 256 bytes) at a time: block k of the eight owns lanes k and k + 8 of the pair's four
    // vectors (ck_put_act_group_block has the byte order); padded with zeros to whole quads of four
    // groups (the kernels read a quad's 16 scales and biases at once).
    const int8_t *gq;      // per group, 128 quants
    const float *gd;       // per group, the four blocks' scales
    const int32_t *gbias4; // per group, -8 * sum(x) of the four blocks
    int64_t nblocks;
} ck_q8_act;

/// Groups the group layout holds for `nblocks` blocks: whole quads of four.
static inline int64_t ck_act_groups_padded(int64_t nblocks) { return (nblocks + 15) / 16 * 4; }

/// Rearranges per-block quants (32 per block), scales and sums into the group layout above
/// (ck_act_groups_padded(nblocks) groups).
void ck_pack_act_groups(const int8_t *q, const float *d, const int32_t *sum, int64_t nblocks, int8_t *gq, float *gd,
                        int32_t *gbias4);
/// Zeros the group layout's blocks from `nblocks` to the end of its last quad.
void ck_clear_act_group_padding(int64_t nblocks, int8_t *gq, float *gd, int32_t *gbias4);

/// Longest head the attention kernels take (ckernels_attention.h; dim must also be a multiple of 16).
enum { CK_ATTN_DIM_LIMIT = 256 };

#if defined(__x86_64__)
// ---- x86-64 matrix-vector products (rows of a row-major matrix; y[r] = row r . x) -----------
void ck_matvec_q4_0_avx512vnni(const void *w, size_t row_bytes, int64_t rows, const ck_q8_act *x, float *y);
void ck_matvec_q4_0_avx2(const void *w, size_t row_bytes, int64_t rows, const ck_q8_act *x, float *y);
void ck_matvec_q8_0_avx512vnni(const void *w, size_t row_bytes, int64_t rows, const ck_q8_act *x, float *y);
void ck_matvec_q8_0_avx2(const void *w, size_t row_bytes, int64_t rows, const ck_q8_act *x, float *y);
/// The same products for `ntok` activations at once: y[t * ldy + r] = row r . xs[t], each bit-identical
/// to the matching ck_matvec's (batches: the weights are unpacked once per four tokens).
void ck_matmul_q4_0_avx512vnni(const void *w, size_t row_bytes, int64_t rows, const ck_q8_act *xs, int64_t ntok,
                               float *y, int64_t ldy);
void ck_matmul_q4_0_avx2(const void *w, size_t row_bytes, int64_t rows, const ck_q8_act *xs, int64_t ntok, float *y,
                         int64_t ldy);
void ck_matmul_q8_0_avx512vnni(const void *w, size_t row_bytes, int64_t rows, const ck_q8_act *xs, int64_t ntok,
                               float *y, int64_t ldy);
void ck_matmul_q8_0_avx2(const void *w, size_t row_bytes, int64_t rows, const ck_q8_act *xs, int64_t ntok, float *y,
                         int64_t ldy);
/// The 512-bit kernels (need ck_cpu_has_avx512vbmi and the group layout of x); same contracts.
void ck_matvec_q4_0_avx512vbmi(const void *w, size_t row_bytes, int64_t rows, const ck_q8_act *x, float *y);
void ck_matmul_q4_0_avx512vbmi(const void *w, size_t row_bytes, int64_t rows, const ck_q8_act *xs, int64_t ntok,
                               float *y, int64_t ldy);
/// Bytes ck_amx_pack_acts fills for `ntok` tokens of `nblocks` blocks (groups of eight tokens).
size_t ck_amx_packed_bytes(int64_t nblocks, int64_t ntok);
/// Packs groups [group_begin, group_end) of eight of the `ntok` tokens (their pair layout, q, d and
/// bias4) as AMX B tiles, for ck_matmul_q4_0_amx. Threads may pack disjoint groups at once.
void ck_amx_pack_acts(const ck_q8_act *xs, int64_t ntok, int64_t group_begin, int64_t group_end, void *packed);
/// ck_matmul_q4_0_avx512vbmi's products with AMX tiles (needs ck_cpu_has_amx_int8), the activations
/// packed by ck_amx_pack_acts: y[t * ldy + r] = row r . token t, each bit-identical to
/// ck_matvec_q4_0_avx512vbmi's. Loads its tile configuration and releases the tiles on every call.
void ck_matmul_q4_0_amx(const void *w, size_t row_bytes, int64_t rows, const void *packed, int64_t nblocks,
                        int64_t ntok, float *y, int64_t ldy);
void ck_matvec_f32_avx512(const float *w, int64_t rows, int64_t cols, const float *x, float *y);
void ck_matvec_f32_avx2(const float *w, int64_t rows, int64_t cols, const float *x, float *y);
void ck_matvec_f16_avx512(const uint16_t *w, int64_t rows, int64_t cols, const float *x, float *y);
void ck_matvec_f16_avx2(const uint16_t *w, int64_t rows, int64_t cols, const float *x, float *y);

// ---- quantizers (AVX2 + F16C), bit-identical to ggml's reference ones -----------------------
/// A float vector to Q8_0 in both ck_q8_act layouts: per block (q, d, sum) and paired (pq, pd, pb4, pb8).
void ck_quantize_act_avx2(const float *x, int64_t nblocks, int8_t *q, float *d, int32_t *sum,
                          int8_t *pq, float *pd, int32_t *pb4, int32_t *pb8);
/// One row of n floats (n % 32 == 0) as ggml Q8_0 / Q4_0 blocks.
void ck_quantize_row_q8_0_avx2(const float *x, int64_t n, void *out);
void ck_quantize_row_q4_0_avx2(const float *x, int64_t n, void *out);
/// Quantizes blocks begin..<end of x (32 floats each) straight into the group layout, bytes equal to
/// ck_quantize_act_avx2 + ck_pack_act_groups. With `norm`, the block is x * scale * norm first,
/// rounded as an RMS norm writes it, so a normalized vector is quantized without being stored.
void ck_quantize_act_groups_avx2(const float *x, const float *norm, float scale, int64_t begin, int64_t end,
                                 int8_t *gq, float *gd, int32_t *gbias4);

// ---- memory bandwidth probe (AVX2) ----------------------------------------------------------
/// Sum of n / 4 floats read with four independent 256-bit streams (n a multiple of 128 bytes):
/// a pure sequential read, the ceiling a weight-streaming kernel is compared with.
float ck_read_sum_avx2(const void *p, size_t n);

// ---- half-precision vector helpers (AVX2 + F16C) ------------------------------------------
float ck_dot_f32_f16_avx2(const float *a, const uint16_t *b, int64_t n);
void ck_axpy_f16_avx2(float alpha, const uint16_t *x, float *y, int64_t n);
/// Round to nearest even, as Swift's Float16(x) and ggml's FP32_TO_FP16.
void ck_f32_to_f16_avx2(const float *x, uint16_t *out, int64_t n);
void ck_f16_to_f32_avx2(const uint16_t *x, float *out, int64_t n);

// ---- softmax and SwiGLU with a vectorized exp (AVX2 + FMA) --------------------------------
/// In-place softmax of n floats with a vectorized exp (relative error < 1e-6 against expf).
void ck_softmax_avx2(float *x, int64_t n);
/// out[i] = silu(a[i]) * b[i] = a[i] / (1 + e^-a[i]) * b[i], with the vectorized exp.
void ck_silu_gate_avx2(const float *a, const float *b, int64_t n, float *out);

#endif

#ifdef __cplusplus
}
#endif
#endif
