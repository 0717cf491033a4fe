// The AVX-512 matrix-vector products, from the shared bodies in pair_rows.h and float_rows.h. The
// quantized ones run at 256-bit width with VNNI dots: on AMD Zen 4 a 512-bit op costs two 256-bit
// ones, so wider registers buy nothing there. The float ones use 512-bit registers and masked tails.
#include "ckernels.h"
#if defined(__x86_64__)
#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c"))), apply_to = function)

#include "dots_vnni.h"
#define CK_QUANT_KERNEL(name) name##_avx512vnni
#include "pair_rows.h"

typedef __m512 ck_vf;
enum { CK_VF_LANES = 16 };
static inline ck_vf ck_vf_zero(void) { return _mm512_setzero_ps(); }
static inline ck_vf ck_vf_load(const float *p) { return _mm512_loadu_ps(p); }
static inline ck_vf ck_vf_load_f16(const uint16_t *p) { return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p)); }
static inline ck_vf ck_vf_fma(ck_vf a, ck_vf b, ck_vf acc) { return _mm512_fmadd_ps(a, b, acc); }
/// The last columns as masked vectors into the first accumulator, then the sum of both.
static inline __attribute__((always_inline)) float ck_vf_finish(ck_vf acc0, ck_vf acc1, const void *row, const float *x,
                                                              int64_t c, int64_t n, const int f16) {
    for (; c < n; c += 16) {
        const __mmask16 m = n - c >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - c)) - 1);
        const __m512 w = f16 ? _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, (const uint16_t *)row + c))
                             : _mm512_maskz_loadu_ps(m, (const float *)row + c);
        acc0 = _mm512_fmadd_ps(w, _mm512_maskz_loadu_ps(m, x + c), acc0);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
}
#define CK_FLOAT_KERNEL(name) name##_avx512
#include "float_rows.h"

#pragma clang attribute pop
#endif
