// The batched forms of ck_matvec_q4_0_avx2 and ck_matvec_q8_0_avx2 (pair_matmul.h): each pair of
// weight blocks unpacked once for up to four tokens, one row at a time (AVX2's 16 registers hold one
// row's eight sums for four tokens; two rows spilled, docs/PERFORMANCE.md).
#include "ckernels.h"
#if defined(__x86_64__)
#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)

#include "dots_avx2.h"
#define CK_QUANT_KERNEL(name) name##_avx2
#define CK_MATMUL_ROWS 1
#define CK_QUAD_SCALES 1
#include "pair_matmul.h"

#pragma clang attribute pop
#endif
