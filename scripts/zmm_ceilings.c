// The core's own limits for the 512-bit kernels, in TSC ticks, so that a kernel's time can be set
// against the fewest ticks its instructions need: each line times 32 independent instructions of
// one kind (zmm0-7 written in turn from zmm13-15, never written, so no dependencies), on one core and
// then on both cores at once; a line naming two kinds times 32 of each, interleaved, per pair. The ceilings in docs/PERFORMANCE.md ("What the core can do at most")
// are these numbers times the instructions a kernel must execute.
//
//   clang -O2 -mavx512f -mavx512vnni -mavx512bw scripts/zmm_ceilings.c -lpthread -o /tmp/zmm_ceilings
//   /tmp/zmm_ceilings
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <x86intrin.h>

#define REPS 2000000L
#define CLOBBERS "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7"
#define X32(op) ".irp r,0,1,2,3,4,5,6,7,0,1,2,3,4,5,6,7,0,1,2,3,4,5,6,7,0,1,2,3,4,5,6,7\n\t" op "\n\t.endr\n\t"
// memory operands read eight different lines of `lines` (%0), in L1
static uint8_t lines[512] __attribute__((aligned(64)));
#define TIMED(name, body)                                                                    \
    static uint64_t name(void) {                                                             \
        const uint64_t t0 = __rdtsc();                                                       \
        for (long i = 0; i < REPS; i++) __asm__ volatile(body : : "r"(lines) : CLOBBERS);    \
        return __rdtsc() - t0;                                                               \
    }

TIMED(dpbusd, X32("vpdpbusd %%zmm13, %%zmm15, %%zmm\\r"))
TIMED(fma, X32("vfmadd231ps %%zmm13, %%zmm15, %%zmm\\r"))
TIMED(mulps, X32("vmulps %%zmm13, %%zmm15, %%zmm\\r"))
TIMED(cvtph, X32("vcvtph2ps %%ymm13, %%zmm\\r"))
TIMED(cvtdq, X32("vcvtdq2ps %%zmm13, %%zmm\\r"))
TIMED(paddd, X32("vpaddd %%zmm13, %%zmm15, %%zmm\\r"))
TIMED(pandd, X32("vpandd %%zmm13, %%zmm15, %%zmm\\r"))
TIMED(psrlw, X32("vpsrlw $4, %%zmm13, %%zmm\\r"))
// Each pair: does the second kind run beside vpdpbusd (32 + 32 in the ticks of 32) or take its pipe?
#define BESIDE_DPBUSD(op) X32("vpdpbusd %%zmm13, %%zmm15, %%zmm\\r\n\t" op)
TIMED(dpbusd_fma, BESIDE_DPBUSD("vfmadd231ps %%zmm13, %%zmm15, %%zmm\\r"))
TIMED(dpbusd_mulps, BESIDE_DPBUSD("vmulps %%zmm13, %%zmm15, %%zmm\\r"))
TIMED(dpbusd_cvtdq, BESIDE_DPBUSD("vcvtdq2ps %%zmm13, %%zmm\\r"))
TIMED(dpbusd_paddd, BESIDE_DPBUSD("vpaddd %%zmm13, %%zmm15, %%zmm\\r"))
TIMED(dpbusd_pandd, BESIDE_DPBUSD("vpandd %%zmm13, %%zmm15, %%zmm\\r"))
TIMED(dpbusd_psrlw, BESIDE_DPBUSD("vpsrlw $4, %%zmm13, %%zmm\\r"))
TIMED(dpbusd_mem, X32("vpdpbusd 64*\\r(%0), %%zmm15, %%zmm\\r"))
TIMED(dpbusd_mem_half, X32("vpdpbusd 64*\\r(%0), %%zmm15, %%zmm\\r\n\tvpdpbusd %%zmm14, %%zmm15, %%zmm\\r"))
TIMED(dpbusd_load, BESIDE_DPBUSD("vmovdqu64 64*\\r(%0), %%zmm\\r"))

typedef struct { const char *name; uint64_t (*run)(void); double per_op; } kind;

static kind kinds[] = {
    {"vpdpbusd zmm", dpbusd, 32}, {"vfmadd231ps zmm", fma, 32}, {"vmulps zmm", mulps, 32},
    {"vcvtph2ps ymm->zmm", cvtph, 32}, {"vcvtdq2ps zmm", cvtdq, 32},
    {"vpaddd zmm", paddd, 32}, {"vpandd zmm", pandd, 32}, {"vpsrlw zmm", psrlw, 32},
    {"vpdpbusd + vfmadd231ps", dpbusd_fma, 32}, {"vpdpbusd + vmulps", dpbusd_mulps, 32},
    {"vpdpbusd + vcvtdq2ps", dpbusd_cvtdq, 32}, {"vpdpbusd + vpaddd", dpbusd_paddd, 32},
    {"vpdpbusd + vpandd", dpbusd_pandd, 32}, {"vpdpbusd + vpsrlw", dpbusd_psrlw, 32},
    {"vpdpbusd + 64-byte load", dpbusd_load, 32}, {"vpdpbusd from memory", dpbusd_mem, 32},
    {"vpdpbusd from memory + from zmm", dpbusd_mem_half, 32},
};

static void *run_kind(void *arg) {
    kind *k = arg;
    k->per_op = (double)k->run() / (double)(REPS * (long)k->per_op);
    return NULL;
}

int main(void) {
    printf("%-26s %14s %14s\n", "instruction", "ticks/op 1 core", "ticks/op 2 cores");
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        double best_one = 1e9, best_two = 1e9;
        for (int r = 0; r < 5; r++) {
            kind one = kinds[i];
            run_kind(&one);
            if (one.per_op < best_one) best_one = one.per_op;
            kind a = kinds[i], b = kinds[i];
            pthread_t ta, tb;
            pthread_create(&ta, NULL, run_kind, &a);
            pthread_create(&tb, NULL, run_kind, &b);
            pthread_join(ta, NULL);
            pthread_join(tb, NULL);
            const double worst = a.per_op > b.per_op ? a.per_op : b.per_op;
            if (worst < best_two) best_two = worst;
        }
        printf("%-26s %14.3f %14.3f\n", kinds[i].name, best_one, best_two);
    }
    return 0;
}
