#include "ckernels.h"

#if defined(__x86_64__)
int ck_cpu_has_avx512vnni(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni") &&
           __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c") && __builtin_cpu_supports("avx2");
}

int ck_cpu_has_avx2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
}

int ck_cpu_has_avx512vbmi(void) {
    __builtin_cpu_init();
    return ck_cpu_has_avx512vnni() && __builtin_cpu_supports("avx512vbmi") && __builtin_cpu_supports("gfni");
}
#else
// Elsewhere only the portable Swift kernels run.
int ck_cpu_has_avx512vnni(void) { return 0; }
int ck_cpu_has_avx2(void) { return 0; }
int ck_cpu_has_avx512vbmi(void) { return 0; }
int ck_cpu_has_amx_int8(void) { return 0; }
#endif
