// Picks the build of each kernel in ckernels_kquants.h for an instruction set.
#include "ckernels_kquants.h"

ck_kq_matmul_fn ck_kq_portable_kernel(ck_kq_type type);
#if defined(__x86_64__)
ck_kq_matmul_fn ck_kq_kernel_avx2(ck_kq_type type);
ck_kq_matmul_fn ck_kq_kernel_avx512vnni(ck_kq_type type);
#endif

ck_kq_matmul_fn ck_kq_matmul_kernel(ck_kq_type type, ck_isa isa) {
    switch (isa) {
    case CK_ISA_PORTABLE: return ck_kq_portable_kernel(type);
#if defined(__x86_64__)
    case CK_ISA_AVX2: return ck_kq_kernel_avx2(type);
    case CK_ISA_AVX512VNNI: return ck_kq_kernel_avx512vnni(type);
#endif
    default: return NULL;
    }
}
