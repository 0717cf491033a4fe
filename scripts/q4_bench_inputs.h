// Random inputs for the Q4_0 kernel harnesses (q4_batch_bench.c, q4_quad_lanes_bench.c, q4_stream_bench.c,
// q4_layers_stream_bench.c): weights in ggml's layout or in quad lanes, in 2 MB pages as the engine maps
// them, activations in the group layout, and a wall clock.
#ifndef GLMCHAT_Q4_BENCH_INPUTS_H
#define GLMCHAT_Q4_BENCH_INPUTS_H
#include "ckernels.h"
#include "ckernels_quad_lanes.h"
#include "blocks.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <x86intrin.h>

static uint64_t bench_random_state = 88172645463325252ULL;
static inline uint64_t next_random(void) {
    bench_random_state ^= bench_random_state << 13, bench_random_state ^= bench_random_state >> 7;
    bench_random_state ^= bench_random_state << 17;
    return bench_random_state;
}

/// `bytes` bytes 2 MB-aligned, asked for huge pages (MappedFile+HugePages.swift).
static inline uint8_t *huge_buffer(size_t bytes) {
    const size_t size = (bytes + (2 << 20) - 1) / (2 << 20) * (2 << 20);
    uint8_t *p = aligned_alloc(2 << 20, size);
    if (!p) abort();
    madvise(p, size, MADV_HUGEPAGE);
    return p;
}

/// `rows` random Q4_0 rows of `nblocks` blocks in ggml's layout.
static inline uint8_t *random_q4_rows(int64_t rows, int64_t nblocks) {
    uint8_t *w = huge_buffer((size_t)(rows * nblocks) * 18);
    for (int64_t i = 0; i < rows * nblocks; i++) {
        ck_block_q4_0 *block = (ck_block_q4_0 *)(w + i * 18);
        block->d = _cvtss_sh((float)(next_random() % 1000) / 20000.0f + 0.001f, 0);
        for (int j = 0; j < 16; j++) block->qs[j] = (uint8_t)next_random();
    }
    return w;
}

/// Fills `rows` rows of `nblocks` blocks in the quad-lane layout at `w` with random nibbles and small
/// finite scales, so that no sum overflows.
static inline void random_quad_lane_rows(uint8_t *w, int64_t rows, int64_t nblocks) {
    const size_t row_bytes = ck_quad_lanes_row_bytes(nblocks);
    const uint16_t scale = _cvtss_sh(0.01f, 0);
    for (int64_t r = 0; r < rows; r++)
        for (int64_t q = 0; q < (nblocks + 15) / 16; q++) {
            uint8_t *quad = w + (size_t)r * row_bytes + (size_t)q * CK_QUAD_LANES_QUAD_BYTES;
            for (int b = 0; b < 16; b++) memcpy(quad + 2 * b, &scale, 2);
            for (int i = 32; i < CK_QUAD_LANES_QUAD_BYTES; i++) quad[i] = (uint8_t)next_random();
        }
}

/// Seconds on the monotonic clock.
static inline double wall_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/// `tokens` random activations of `nblocks` blocks in the group layout of ck_q8_act.
static inline ck_q8_act *random_activations(int tokens, int64_t nblocks) {
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
    return xs;
}

/// ROWS COLS TOKENS REPETITIONS from the command line, checked: 0, or 2 after a message on stderr.
static inline int bench_args(int argc, char **argv, int64_t *rows, int64_t *cols, int *tokens, int *reps) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s ROWS COLS TOKENS REPETITIONS\n", argv[0]);
        return 2;
    }
    *rows = atol(argv[1]), *cols = atol(argv[2]), *tokens = atoi(argv[3]), *reps = atoi(argv[4]);
    if (*rows < 1 || *cols < 32 || *cols % 32 || *tokens < 1 || *tokens > 64 || *reps < 1 || *reps > 999) {
        fprintf(stderr, "rows >= 1, cols a multiple of 32, 1-64 tokens, 1-999 repetitions\n");
        return 2;
    }
    return 0;
}

typedef void (*batch_kernel)(const void *, size_t, int64_t, const ck_q8_act *, int64_t, float *, int64_t);

/// TSC ticks per (row, quad) of `kernel` over all rows, in tiles of the engine's size (256 KB).
static inline double time_batch_in_tiles(batch_kernel kernel, const uint8_t *w, size_t row_bytes, int64_t rows,
                                  const ck_q8_act *xs, int tokens, float *y) {
    const int64_t tile = (256 << 10) / (int64_t)row_bytes / 4 * 4;
    const uint64_t start = __rdtsc();
    for (int64_t r = 0; r < rows; r += tile)
        kernel(w + r * row_bytes, row_bytes, rows - r < tile ? rows - r : tile, xs, tokens, y + r, rows);
    return (double)(__rdtsc() - start) / (double)(rows * ((xs->nblocks + 15) / 16));
}

static inline int by_value(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}
#endif
