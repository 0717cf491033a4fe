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
#include "ckernels.h"
#include "blocks.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <x86intrin.h>

#ifdef BASE
void base_matmul(const void *w, size_t row_bytes, int64_t rows, const ck_q8_act *xs, int64_t ntok, float *y,
                 int64_t ldy);
#endif

static uint64_t state = 88172645463325252ULL;
static uint64_t next_random(void) {
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    return state;
}

static int by_value(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef void (*batch_kernel)(const void *, size_t, int64_t, const ck_q8_act *, int64_t, float *, int64_t);

/// Ticks per (row, quad) of one product of all rows, in tiles of the engine's size (256 KB).
static double time_product(batch_kernel kernel, const uint8_t *w, size_t row_bytes, int64_t rows,
                           const ck_q8_act *xs, int tokens, float *y) {
    const int64_t tile = (256 << 10) / (int64_t)row_bytes / 4 * 4;
    const uint64_t start = __rdtsc();
    for (int64_t r = 0; r < rows; r += tile)
        kernel(w + r * row_bytes, row_bytes, rows - r < tile ? rows - r : tile, xs, tokens, y + r, rows);
    return (double)(__rdtsc() - start) / (double)(rows * ((xs->nblocks + 15) / 16));
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s ROWS COLS TOKENS REPETITIONS\n", argv[0]);
        return 2;
    }
    const int64_t rows = atol(argv[1]), cols = atol(argv[2]);
    const int tokens = atoi(argv[3]), reps = atoi(argv[4]);
    if (rows < 1 || cols < 32 || cols % 32 || tokens < 1 || tokens > 64 || reps < 1 || reps > 999) {
        fprintf(stderr, "rows >= 1, cols a multiple of 32, 1-64 tokens, 1-999 repetitions\n");
        return 2;
    }
    const int64_t nblocks = cols / 32;
    const size_t row_bytes = (size_t)nblocks * 18;
    // in 2 MB pages, as the engine maps its weights (MappedFile+HugePages.swift)
    const size_t weight_bytes = (rows * row_bytes + (2 << 20) - 1) / (2 << 20) * (2 << 20);
    uint8_t *w = aligned_alloc(2 << 20, weight_bytes);
    madvise(w, weight_bytes, MADV_HUGEPAGE);
    for (int64_t i = 0; i < rows * nblocks; i++) {
        ck_block_q4_0 *block = (ck_block_q4_0 *)(w + i * 18);
        block->d = _cvtss_sh((float)(next_random() % 1000) / 20000.0f + 0.001f, 0);
        for (int j = 0; j < 16; j++) block->qs[j] = (uint8_t)next_random();
    }
    ck_q8_act *xs = calloc((size_t)tokens, sizeof *xs);
    const int64_t groups = ck_act_groups_padded(nblocks);
    for (int t = 0; t < tokens; t++) {
        int8_t *q = malloc(nblocks * 32), *gq = aligned_alloc(64, groups * 128);
        float *d = malloc(nblocks * 4), *gd = aligned_alloc(64, groups * 16);
        int32_t *sum = malloc(nblocks * 4), *bias = aligned_alloc(64, groups * 16);
        for (int64_t b = 0; b < nblocks; b++) {
            sum[b] = 0;
            for (int j = 0; j < 32; j++) sum[b] += q[b * 32 + j] = (int8_t)(next_random() % 255 - 127);
            d[b] = (float)(next_random() % 1000) / 1000.0f + 0.01f;
        }
        ck_pack_act_groups(q, d, sum, nblocks, gq, gd, bias);
        xs[t] = (ck_q8_act){.gq = gq, .gd = gd, .gbias4 = bias, .nblocks = nblocks};
    }
    float *y = malloc(rows * tokens * 4), *single = malloc(rows * 4), *base_y = malloc(rows * tokens * 4);
    double *mine = malloc(reps * sizeof(double)), *theirs = malloc(reps * sizeof(double));
    for (int rep = 0; rep < reps; rep++) {
#ifdef BASE
        theirs[rep] = time_product(base_matmul, w, row_bytes, rows, xs, tokens, base_y);
#endif
        mine[rep] = time_product(ck_matmul_q4_0_avx512vbmi, w, row_bytes, rows, xs, tokens, y);
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
