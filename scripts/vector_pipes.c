// Which of the core's vector pipes the Q4_0 kernels' instructions share: each line times 32 independent
// instructions of one kind, or 32 of each of two kinds interleaved, in core cycles (TSC ticks scaled by
// a loop of dependent adds). Two kinds on disjoint pairs of pipes take as long as one kind alone; on the
// same pair, twice as long. A load kind beside 32 vpshufb shows whether its broadcast needs a vector
// pipe of its own (docs/PERFORMANCE.md, "The core's vector pipes, measured").
//
//   clang -O2 -mavx2 -mfma scripts/vector_pipes.c -o /tmp/vector_pipes && /tmp/vector_pipes
#include <stdint.h>
#include <stdio.h>
#include <x86intrin.h>

static uint8_t data[4096] __attribute__((aligned(64)));

#define REPS 2000000L
#define CLOBBERS "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9"
#define TIMED(name, body)                                                                    \
    static uint64_t name(void) {                                                             \
        const uint64_t t0 = __rdtsc();                                                       \
        for (long i = 0; i < REPS; i++) __asm__ volatile(body : : "r"(data) : CLOBBERS);      \
        return __rdtsc() - t0;                                                               \
    }
// 32 of one instruction, writing ymm0-7 in turn from ymm13-15 (never written): no dependencies.
#define X32(op) ".irp r,0,1,2,3,4,5,6,7,0,1,2,3,4,5,6,7,0,1,2,3,4,5,6,7,0,1,2,3,4,5,6,7\n\t" op "\n\t.endr\n\t"
#define MADDUBS "vpmaddubsw %%ymm13, %%ymm15, %%ymm\\r"
#define MADDWD "vpmaddwd %%ymm13, %%ymm15, %%ymm\\r"
#define FMA "vfmadd231ps %%ymm13, %%ymm15, %%ymm\\r"
#define MULPS "vmulps %%ymm13, %%ymm15, %%ymm\\r"
#define CVT "vcvtdq2ps %%ymm13, %%ymm\\r"
#define ADDPS "vaddps %%ymm13, %%ymm15, %%ymm\\r"
#define PADDW "vpaddw %%ymm13, %%ymm15, %%ymm\\r"
#define PAND "vpand %%ymm13, %%ymm15, %%ymm\\r"
#define PSRLW "vpsrlw $4, %%ymm13, %%ymm\\r"
#define PSHUFB "vpshufb %%ymm13, %%ymm14, %%ymm8"
#define BCASTD "vpbroadcastd (%0), %%ymm9"
#define BCAST128 "vbroadcasti128 (%0), %%ymm9"
#define LOAD "vmovdqu (%0), %%ymm9"
#define MADDUBS_MEM "vpmaddubsw (%0), %%ymm15, %%ymm\\r"
#define PAIR(a, b) ".irp r,0,1,2,3,4,5,6,7,0,1,2,3,4,5,6,7,0,1,2,3,4,5,6,7,0,1,2,3,4,5,6,7\n\t" a "\n\t" b "\n\t.endr\n\t"
#define TRIPLE(a, b, c) PAIR(a, b "\n\t" c)
#define QUAD(a, b, c, d) PAIR(a, b "\n\t" c "\n\t" d)

TIMED(maddubs, X32(MADDUBS))
TIMED(maddwd, X32(MADDWD))
TIMED(fma, X32(FMA))
TIMED(mulps, X32(MULPS))
TIMED(cvt, X32(CVT))
TIMED(addps, X32(ADDPS))
TIMED(paddw, X32(PADDW))
TIMED(pand, X32(PAND))
TIMED(psrlw, X32(PSRLW))
TIMED(pshufb, X32(PSHUFB))
TIMED(bcastd, X32(BCASTD))
TIMED(maddubs_maddwd, PAIR(MADDUBS, MADDWD))
TIMED(maddubs_fma, PAIR(MADDUBS, FMA))
TIMED(maddubs_cvt, PAIR(MADDUBS, CVT))
TIMED(fma_cvt, PAIR(FMA, CVT))
TIMED(cvt_addps, PAIR(CVT, ADDPS))
TIMED(maddubs_psrlw, PAIR(MADDUBS, PSRLW))
TIMED(maddubs_paddw, PAIR(MADDUBS, PADDW))
TIMED(maddubs_pand, PAIR(MADDUBS, PAND))
TIMED(pshufb_bcastd, PAIR(PSHUFB, BCASTD))
TIMED(pshufb_bcast128, PAIR(PSHUFB, BCAST128))
TIMED(pshufb_load, PAIR(PSHUFB, LOAD))
TIMED(pshufb_maddubs_mem, PAIR(PSHUFB, MADDUBS_MEM))
TIMED(maddubs_pand_psrlw, TRIPLE(MADDUBS, "vpand %%ymm13, %%ymm15, %%ymm9", "vpsrlw $4, %%ymm13, %%ymm8"))
TIMED(maddubs_psrlw_2bcastd, QUAD(MADDUBS, "vpsrlw $4, %%ymm13, %%ymm8", BCASTD, BCASTD))

static uint64_t dependent_adds(void) {
    const uint64_t t0 = __rdtsc();
    for (long i = 0; i < REPS; i++) __asm__ volatile(".rept 64\n\taddq $1, %%rax\n\t.endr" ::: "rax");
    return __rdtsc() - t0;
}

int main(void) {
    static const struct {
        const char *what;
        uint64_t (*run)(void);
    } lines[] = {
        {"32 vpmaddubsw", maddubs}, {"32 vpmaddwd", maddwd}, {"32 vfmadd231ps", fma}, {"32 vmulps", mulps},
        {"32 vcvtdq2ps", cvt}, {"32 vaddps", addps}, {"32 vpaddw", paddw}, {"32 vpand", pand},
        {"32 vpsrlw", psrlw}, {"32 vpshufb", pshufb}, {"32 vpbroadcastd m32", bcastd},
        {"32 vpmaddubsw + 32 vpmaddwd", maddubs_maddwd}, {"32 vpmaddubsw + 32 vfmadd231ps", maddubs_fma},
        {"32 vpmaddubsw + 32 vcvtdq2ps", maddubs_cvt}, {"32 vfmadd231ps + 32 vcvtdq2ps", fma_cvt},
        {"32 vcvtdq2ps + 32 vaddps", cvt_addps}, {"32 vpmaddubsw + 32 vpsrlw", maddubs_psrlw},
        {"32 vpmaddubsw + 32 vpaddw", maddubs_paddw}, {"32 vpmaddubsw + 32 vpand", maddubs_pand},
        {"32 vpshufb + 32 vpbroadcastd m32", pshufb_bcastd}, {"32 vpshufb + 32 vbroadcasti128 m128", pshufb_bcast128},
        {"32 vpshufb + 32 vmovdqu m256", pshufb_load}, {"32 vpshufb + 32 vpmaddubsw m256", pshufb_maddubs_mem},
        {"32 vpmaddubsw + 32 vpand + 32 vpsrlw", maddubs_pand_psrlw},
        {"32 vpmaddubsw + 32 vpsrlw + 64 vpbroadcastd", maddubs_psrlw_2bcastd},
    };
    double ticks_per_cycle = 1e30;
    for (int r = 0; r < 5; r++) {
        const double t = (double)dependent_adds() / (64.0 * REPS);
        if (t < ticks_per_cycle) ticks_per_cycle = t;
    }
    const int n = (int)(sizeof lines / sizeof lines[0]);
    for (int i = 0; i < n; i++) {
        double best = 1e30;
        for (int r = 0; r < 5; r++) {
            const double cycles = (double)lines[i].run() / REPS / ticks_per_cycle;
            if (cycles < best) best = cycles;
        }
        printf("%-40s %5.1f cycles\n", lines[i].what, best);
    }
    printf("(%.3f TSC ticks a cycle)\n", ticks_per_cycle);
    return 0;
}
