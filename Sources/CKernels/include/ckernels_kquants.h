#ifndef GLMCHAT_CKERNELS_KQUANTS_H
#define GLMCHAT_CKERNELS_KQUANTS_H
// Integer dot products for the GGUF block types beyond Q4_0 / Q8_0: the 32-element ones (Q4_1,
// Q5_0, Q5_1, IQ4_NL) against Q8_0 activations in the paired layout of ck_q8_act, and the 256-element
// super-block ones (Q2_K..Q6_K, IQ4_XS) against Q8_K activations (ggml's quantize_row_q8_K_ref).
//
// Every kernel computes, per row, the same integers and the same float operations in the same order
// on every path (portable C, AVX2, AVX-512 VNNI), so all agree bit for bit: per block (32-element
// types) or super-block (256), the exact integer dot of the weights' integers with the activation's
// quants, folded into one float accumulator by fused multiply-adds in block order (details in the
// Swift scalar twins, KQuantReference, which tests compare every path with). A batched call gives
// each (row, token) exactly the single-token result.
#include <stddef.h>
#include <stdint.h>
#include "ckernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/// A float vector quantized to Q8_K: per 256-element super-block one float scale, 256 quants
/// (-127..127) and the sums of each run of 16 quants.
typedef struct {
    const int8_t *q;
    const float *d;
    const int16_t *bsums;
    int64_t nsuper;
} ck_q8k_act;

/// Quantizes n floats (n % 256 == 0) to Q8_K exactly as ggml's quantize_row_q8_K_ref: scale
/// -127 / (the element of largest magnitude, first one on ties), quants rounded half to even,
/// d = 1 / that scale; an all-zero super-block gets d = 0, zero quants and zero sums.
void ck_quantize_q8_K(const float *x, int64_t n, int8_t *q, float *d, int16_t *bsums);

/// The block types these kernels take.
typedef enum {
    CK_KQ_Q4_1, CK_KQ_Q5_0, CK_KQ_Q5_1, CK_KQ_IQ4_NL,
    CK_KQ_Q2_K, CK_KQ_Q3_K, CK_KQ_Q4_K, CK_KQ_Q5_K, CK_KQ_Q6_K, CK_KQ_IQ4_XS,
    CK_KQ_TYPE_COUNT
} ck_kq_type;

/// Instruction sets a kernel can be built for.
typedef enum { CK_ISA_PORTABLE, CK_ISA_AVX2, CK_ISA_AVX512VNNI, CK_ISA_COUNT } ck_isa;

/// y[t * ldy + r] = row r of w . activation t, for r < rows and t < ntok. `acts` points to ntok
/// ck_q8_act (32-element types) or ck_q8k_act (super-block types) values, all of the row's length.
typedef void (*ck_kq_matmul_fn)(const void *w, size_t row_bytes, int64_t rows, const void *acts, int64_t ntok,
                                float *y, int64_t ldy);

/// The kernel for `type` built for `isa`, or NULL when this build has none (x86 sets only on x86-64).
ck_kq_matmul_fn ck_kq_matmul_kernel(ck_kq_type type, ck_isa isa);

#ifdef __cplusplus
}
#endif
#endif
