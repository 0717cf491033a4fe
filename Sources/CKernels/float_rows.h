#ifndef GLMCHAT_CKERNELS_FLOAT_ROWS_H
#define GLMCHAT_CKERNELS_FLOAT_ROWS_H
// The F32 and F16 matrix-vector products, written once for every vector width. The including file
// compiles them under its target attributes after defining CK_FLOAT_KERNEL(name) (the exported names'
// suffix) and its vector vocabulary: the type ck_vf of CK_VF_LANES floats, ck_vf_zero, ck_vf_load
// (floats), ck_vf_load_f16 (halves widened), ck_vf_fma(a, b, acc), and ck_vf_finish, which adds the
// columns past the last two whole vectors and sums the two accumulators its own way.
#if defined(__x86_64__)
#include <stdint.h>

/// Elements c ..< c + CK_VF_LANES of an F16 (f16 = 1) or F32 row, as floats.
static inline __attribute__((always_inline)) ck_vf ck_vf_row(const void *row, int64_t c, const int f16) {
    return f16 ? ck_vf_load_f16((const uint16_t *)row + c) : ck_vf_load((const float *)row + c);
}

/// row . x over n columns: two accumulators over pairs of whole vectors, then ck_vf_finish.
static inline __attribute__((always_inline)) float ck_dot_row(const void *row, const float *x, int64_t n,
                                                            const int f16) {
    ck_vf acc0 = ck_vf_zero(), acc1 = ck_vf_zero();
    int64_t c = 0;
    for (; c + 2 * CK_VF_LANES - 1 < n; c += 2 * CK_VF_LANES) {
        acc0 = ck_vf_fma(ck_vf_row(row, c, f16), ck_vf_load(x + c), acc0);
        acc1 = ck_vf_fma(ck_vf_row(row, c + CK_VF_LANES, f16), ck_vf_load(x + c + CK_VF_LANES), acc1);
    }
    return ck_vf_finish(acc0, acc1, row, x, c, n, f16);
}

void CK_FLOAT_KERNEL(ck_matvec_f32)(const float *w, int64_t rows, int64_t cols, const float *x, float *y) {
    for (int64_t r = 0; r < rows; r++) y[r] = ck_dot_row(w + r * cols, x, cols, 0);
}

void CK_FLOAT_KERNEL(ck_matvec_f16)(const uint16_t *w, int64_t rows, int64_t cols, const float *x, float *y) {
    for (int64_t r = 0; r < rows; r++) y[r] = ck_dot_row(w + r * cols, x, cols, 1);
}
#endif
#endif
