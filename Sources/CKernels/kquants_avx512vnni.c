// The kernels of kquants_x86_body.h built for AVX-512 VNNI (at 256-bit width, as the other
// AVX-512 kernels): vpdpbusd takes the place of vpmaddubsw + vpmaddwd where no scale multiplies in.
#if defined(__x86_64__)
#include <immintrin.h>
#include <math.h>

#pragma STDC FP_CONTRACT OFF
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c"))), apply_to = function)

#define KQ_NAME(x) x##_avx512vnni

static inline __m256i kq_dot(__m256i a, __m256i u, __m256i s) { return _mm256_dpbusd_epi32(a, u, s); }

#include "kquants_x86_body.h"

#pragma clang attribute pop
#endif
