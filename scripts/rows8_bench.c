// Times the AVX2 Q4_0 kernel for groups of eight rows (ck_rows8_matmul_avx2) on random weights and
// activations, one thread, in core cycles per (group of eight rows, block, token), after checking its
// results against the portable twin bit for bit. -DVARIANT=NAME times another kernel of the same
// signature instead (an experiment's object linked in); NOCHECK=1 skips the check (for variants that
// drop work on purpose). Cycles come from TSC ticks and a loop of dependent adds (one per cycle).
//
//   S=Sources/CKernels; F="-O3 -mavx2 -mfma -mf16c -I$S/include -I$S"
//   clang $F scripts/rows8_bench.c $S/rows8_avx2.c $S/rows8.c -lm -o /tmp/rows8_bench
//   /tmp/rows8_bench COLS ROWS TOKENS REPETITIONS        (4096 112 4 2000: a tile that stays in L2)
#include "ckernels_rows8.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <x86intrin.h>

#define NAME_OF_(x) #x
#define NAME_OF(x) NAME_OF_(x)
#ifndef VARIANT
#define VARIANT ck_rows8_matmul_avx2
#endif
void VARIANT(const void *packed, int64_t rows, const ck_q8_act *xs, int64_t ntok, float *y, int64_t ldy);

static uint64_t state = 88172645463325252ULL;
static uint64_t next_random(void) {
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    return state;
}

/// TSC ticks per core cycle: 64 dependent adds take 64 cycles.
static double ticks_per_cycle(void) {
    double best = 1e30;
    for (int r = 0; r < 5; r++) {
        const uint64_t t0 = __rdtsc();
        for (long i = 0; i < 1000000; i++)
            __asm__ volatile(".rept 64\n\taddq $1, %%rax\n\t.endr" ::: "rax");
        const double ticks = (double)(__rdtsc() - t0) / (64.0 * 1000000);
        if (ticks < best) best = ticks;
    }
    return best;
}

int main(int argc, char **argv) {
    const int64_t cols = argc > 1 ? atol(argv[1]) : 4096, rows = argc > 2 ? atol(argv[2]) : 112;
    const int ntok = argc > 3 ? atoi(argv[3]) : 4;
    const long reps = argc > 4 ? atol(argv[4]) : 2000;
    if (cols % 64 || rows < 1 || ntok < 1 || ntok > 16 || reps < 1) {
        fprintf(stderr, "usage: rows8_bench COLS(multiple of 64) ROWS TOKENS(1-16) REPETITIONS\n");
        return 2;
    }
    const int64_t nblocks = cols / 32, npairs = nblocks / 2, groups = (rows + 7) / 8;
    uint8_t *packed = aligned_alloc(64, (ck_rows8_bytes(rows, nblocks) + 63) / 64 * 64);
    for (size_t i = 0; i < ck_rows8_bytes(rows, nblocks); i++) packed[i] = (uint8_t)next_random();
    for (int64_t g = 0; g < groups; g++)
        for (int64_t b = 0; b < nblocks; b++)
            for (int r = 0; r < 8; r++) {  // finite fp16 scales near 2^-3
                const uint16_t h = (uint16_t)(0x3000 | (next_random() & 0x3ff));
                memcpy(packed + ((size_t)g * nblocks + b) * CK_ROWS8_BLOCK_BYTES + 2 * r, &h, 2);
            }
    ck_q8_act xs[16];
    for (int t = 0; t < ntok; t++) {
        int8_t *q = aligned_alloc(64, npairs * 64);
        float *d = aligned_alloc(64, npairs * 32);
        int32_t *bias4 = aligned_alloc(64, npairs * 32);
        for (int64_t i = 0; i < npairs * 64; i++) q[i] = (int8_t)(next_random() % 255 - 127);
        for (int64_t i = 0; i < npairs * 8; i++) {
            d[i] = (float)(next_random() % 1000) / 1e5f;
            bias4[i] = i % 4 == 0 ? -(int32_t)(next_random() % 4000) : 0;
        }
        xs[t] = (ck_q8_act){.q = q, .d = d, .bias4 = bias4, .nblocks = nblocks};
    }
    float *y = malloc(sizeof(float) * rows * ntok), *expected = malloc(sizeof(float) * rows * ntok);
    ck_rows8_matmul_portable(packed, rows, xs, ntok, expected, rows);
    VARIANT(packed, rows, xs, ntok, y, rows);
    if (!getenv("NOCHECK") && memcmp(y, expected, sizeof(float) * rows * ntok) != 0) {
        fprintf(stderr, "%s differs from ck_rows8_matmul_portable\n", NAME_OF(VARIANT));
        return 1;
    }
    const double tpc = ticks_per_cycle();
    double best = 1e30;
    for (int r = 0; r < 7; r++) {
        const uint64_t t0 = __rdtsc();
        for (long i = 0; i < reps; i++) VARIANT(packed, rows, xs, ntok, y, rows);
        const double ticks = (double)(__rdtsc() - t0) / reps;
        if (ticks < best) best = ticks;
    }
    printf("%s, %lld x %lld, %d tokens: %.2f cycles per (group, block, token) (best of 7; %.3f TSC ticks a cycle)\n",
           NAME_OF(VARIANT), (long long)rows, (long long)cols, ntok, best / tpc / ((double)groups * nblocks * ntok), tpc);
    return 0;
}
