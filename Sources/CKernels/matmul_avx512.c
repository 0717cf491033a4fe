// The batched (prompt) forms of ck_matvec_q4_0_avx512vnni and ck_matvec_q8_0_avx512vnni
// (pair_matmul.h): each pair of weight blocks unpacked once for up to four tokens, two rows at a time
// so each token's activation loads serve both (measured in docs/PERFORMANCE.md).
#include "ckernels.h"
#if defined(__x86_64__)
#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c"))), apply_to = function)

#include "dots_vnni.h"
#define CK_QUANT_KERNEL(name) name##_avx512vnni
#define CK_MATMUL_ROWS 2
#include "pair_matmul.h"

#pragma clang attribute pop
#endif
