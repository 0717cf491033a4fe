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
#include "q4_bench_inputs.h"
#include "ckernels_quad_lanes.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <x86intrin.h>

typedef void (*single_kernel)(const void *, size_t, int64_t, const ck_q8_act *, float *);

static double time_product(batch_kernel batch, single_kernel single, const uint8_t *w, size_t row_bytes,
                           int64_t rows, const ck_q8_act *xs, int tokens, float *y) {
    if (tokens > 1) return time_batch_in_tiles(batch, w, row_bytes, rows, xs, tokens, y);
    const uint64_t start = __rdtsc();
    single(w, row_bytes, rows, xs, y);
    return (double)(__rdtsc() - start) / (double)(rows * ((xs->nblocks + 15) / 16));
}

int main(int argc, char **argv) {
    int64_t rows, cols;
    int tokens, reps;
    if (bench_args(argc, argv, &rows, &cols, &tokens, &reps)) return 2;
    const int64_t nblocks = cols / 32;
    const size_t row_bytes = (size_t)nblocks * 18, lane_row_bytes = ck_quad_lanes_row_bytes(nblocks);
    uint8_t *w = random_q4_rows(rows, nblocks), *lanes = huge_buffer(rows * lane_row_bytes);
    ck_quad_lanes_pack_q4_0(w, nblocks, 0, rows, lanes);
    ck_q8_act *xs = random_activations(tokens, nblocks);
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
