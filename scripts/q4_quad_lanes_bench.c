// Times Q4_0 products on ggml's layout against the quad-lane layout (ckernels_quad_lanes.h), one
// thread, alternating in one process, in TSC ticks per (row, quad of 16 blocks); checks that every
// result has the same bits in both layouts and in the portable twin.
//
//   S=Sources/CKernels; F="-O3 -march=x86-64-v3 -I$S/include -I$S"
//   clang $F scripts/q4_quad_lanes_bench.c $S/q4_groups_avx512.c $S/q4_quad_lanes.c $S/act_groups.c \
//       -o /tmp/q4_quad_lanes_bench
//   /tmp/q4_quad_lanes_bench ROWS COLS TOKENS REPETITIONS
//
// 112 x 4096 rows stay in L2 (the kernels' arithmetic alone); 60000 x 4096 stream from memory. One
// token times the single-token kernels (the rows in one call, as a thread's share of a product), more
// the batch kernels (in tiles of 256 KB, as the engine calls them).
#include "ckernels.h"
#include "ckernels_quad_lanes.h"
#include "blocks.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <x86intrin.h>

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
typedef void (*single_kernel)(const void *, size_t, int64_t, const ck_q8_act *, float *);

static double time_product(batch_kernel batch, single_kernel single, const uint8_t *w, size_t row_bytes,
                           int64_t rows, const ck_q8_act *xs, int tokens, float *y) {
    const uint64_t start = __rdtsc();
    if (tokens == 1) {
        single(w, row_bytes, rows, xs, y);
    } else {
        const int64_t tile = (256 << 10) / (int64_t)row_bytes / 4 * 4;
        for (int64_t r = 0; r < rows; r += tile)
            batch(w + r * row_bytes, row_bytes, rows - r < tile ? rows - r : tile, xs, tokens, y + r, rows);
    }
    return (double)(__rdtsc() - start) / (double)(rows * ((xs->nblocks + 15) / 16));
}

static uint8_t *huge_buffer(size_t bytes) {
    const size_t size = (bytes + (2 << 20) - 1) / (2 << 20) * (2 << 20);
    uint8_t *p = aligned_alloc(2 << 20, size);
    if (!p) abort();
    madvise(p, size, MADV_HUGEPAGE);
    return p;
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
    const size_t row_bytes = (size_t)nblocks * 18, lane_row_bytes = ck_quad_lanes_row_bytes(nblocks);
    uint8_t *w = huge_buffer(rows * row_bytes), *lanes = huge_buffer(rows * lane_row_bytes);
    for (int64_t i = 0; i < rows * nblocks; i++) {
        ck_block_q4_0 *block = (ck_block_q4_0 *)(w + i * 18);
        block->d = _cvtss_sh((float)(next_random() % 1000) / 20000.0f + 0.001f, 0);
        for (int j = 0; j < 16; j++) block->qs[j] = (uint8_t)next_random();
    }
    ck_quad_lanes_pack_q4_0(w, nblocks, 0, rows, lanes);
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
    float *ggml_y = malloc(rows * tokens * 4), *lane_y = malloc(rows * tokens * 4);
    double *ggml_ticks = malloc(reps * sizeof(double)), *lane_ticks = malloc(reps * sizeof(double));
    for (int rep = 0; rep < reps; rep++) {
        ggml_ticks[rep] = time_product(ck_matmul_q4_0_avx512vbmi, ck_matvec_q4_0_avx512vbmi, w, row_bytes, rows, xs,
                                       tokens, ggml_y);
        lane_ticks[rep] = time_product(ck_matmul_q4_0_quad_lanes, ck_matvec_q4_0_quad_lanes, lanes, lane_row_bytes,
                                       rows, xs, tokens, lane_y);
    }
    int64_t differ = memcmp(ggml_y, lane_y, rows * tokens * 4) != 0;
    // the portable twin on the first rows (it is slow), and every token
    const int64_t checked = rows < 256 ? rows : 256;
    float *portable = malloc(checked * tokens * 4);
    ck_matmul_q4_0_quad_lanes_portable(lanes, lane_row_bytes, checked, xs, tokens, portable, checked);
    for (int t = 0; t < tokens; t++) differ += memcmp(portable + t * checked, ggml_y + t * rows, checked * 4) != 0;
    qsort(ggml_ticks, reps, sizeof(double), by_value);
    qsort(lane_ticks, reps, sizeof(double), by_value);
    printf("%lld x %lld, %d tokens, ticks per row and quad: ggml layout %.1f (best %.1f), quad lanes %.1f (best %.1f),"
           " ggml / lanes %.2f; results unlike: %lld\n",
           (long long)rows, (long long)cols, tokens, ggml_ticks[reps / 2], ggml_ticks[0], lane_ticks[reps / 2],
           lane_ticks[0], ggml_ticks[reps / 2] / lane_ticks[reps / 2], (long long)differ);
    return differ != 0;
}
