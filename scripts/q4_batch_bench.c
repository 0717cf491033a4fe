// Times the 512-bit Q4_0 batch kernel (ck_matmul_q4_0_avx512vbmi) on random weights and activations, one
// thread, in TSC ticks per (row, quad of 16 blocks), and checks every result against the single-token
// kernel bit for bit. With -DBASE it also times the same kernel from another revision, alternating with
// this tree's in one process (the machine's speed swings from minute to minute: compare within a run).
//
//   S=Sources/CKernels; F="-O3 -march=x86-64-v3 -I$S/include -I$S"
//   git show REV:$S/q4_groups_avx512.c > /tmp/base.c
//   clang $F -c -Dck_matmul_q4_0_avx512vbmi=base_matmul -Dck_matvec_q4_0_avx512vbmi=base_matvec /tmp/base.c -o /tmp/base.o
//   clang $F -DBASE scripts/q4_batch_bench.c $S/q4_groups_avx512.c $S/act_groups.c /tmp/base.o -o /tmp/q4_batch_bench
//   /tmp/q4_batch_bench ROWS COLS TOKENS REPETITIONS
//
// 112 x 4096 rows stay in L2 (the kernel's arithmetic alone); 60000 x 4096 stream from memory.
#include "q4_bench_inputs.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <x86intrin.h>

#ifdef BASE
void base_matmul(const void *w, size_t row_bytes, int64_t rows, const ck_q8_act *xs, int64_t ntok, float *y,
                 int64_t ldy);
#endif

int main(int argc, char **argv) {
    int64_t rows, cols;
    int tokens, reps;
    if (bench_args(argc, argv, &rows, &cols, &tokens, &reps)) return 2;
    const int64_t nblocks = cols / 32;
    const size_t row_bytes = (size_t)nblocks * 18;
    uint8_t *w = random_q4_rows(rows, nblocks);
    ck_q8_act *xs = random_activations(tokens, nblocks);
    float *y = malloc(rows * tokens * 4), *single = malloc(rows * 4), *base_y = malloc(rows * tokens * 4);
    double *mine = malloc(reps * sizeof(double)), *theirs = malloc(reps * sizeof(double));
    for (int rep = 0; rep < reps; rep++) {
#ifdef BASE
        theirs[rep] = time_batch_in_tiles(base_matmul, w, row_bytes, rows, xs, tokens, base_y);
#endif
        mine[rep] = time_batch_in_tiles(ck_matmul_q4_0_avx512vbmi, w, row_bytes, rows, xs, tokens, y);
    }
    int64_t differ = 0;
    for (int t = 0; t < tokens; t++) {
        ck_matvec_q4_0_avx512vbmi(w, row_bytes, rows, &xs[t], single);
        differ += memcmp(single, y + t * rows, rows * 4) != 0;
    }
    qsort(mine, reps, sizeof(double), by_value);
    printf("%lld x %lld, %d tokens: median %.1f ticks per row and quad (best %.1f)", (long long)rows,
           (long long)cols, tokens, mine[reps / 2], mine[0]);
#ifdef BASE
    qsort(theirs, reps, sizeof(double), by_value);
    printf("; base %.1f (best %.1f): base / this %.2f", theirs[reps / 2], theirs[0], theirs[reps / 2] / mine[reps / 2]);
#endif
    printf("; tokens unlike the single-token kernel: %lld\n", (long long)differ);
    return differ != 0;
}
