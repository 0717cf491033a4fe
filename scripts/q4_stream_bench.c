// Two threads stream one large Q4_0 matrix in quad lanes (0.92 GB, 400,000 x 4096) with the single-token
// kernel, each its half, against two threads reading the same bytes with plain loads, alternating, and
// print both rates per repetition: how close the kernel comes to the memory's own rate, without the
// engine's barriers between matrices. The fetch plan in q4_groups_avx512.c was chosen with it.
//
//   S=Sources/CKernels; F="-O3 -march=x86-64-v3 -I$S/include -I$S -Iscripts"
//   clang $F scripts/q4_stream_bench.c $S/q4_groups_avx512.c $S/q4_quad_lanes.c $S/act_groups.c \
//       $S/bandwidth_avx2.c -lpthread -o /tmp/q4_stream_bench
//   /tmp/q4_stream_bench REPETITIONS
#include "q4_bench_inputs.h"
#include <pthread.h>
#include <stdio.h>

float ck_read_sum_avx2(const void *p, size_t n);

typedef struct {
    const uint8_t *w;
    size_t row_bytes;
    int64_t rows;
    const ck_q8_act *x;
    float *y;
    int plain;
    float sum;
} stream_job;

static void *stream(void *arg) {
    stream_job *job = arg;
    if (job->plain) job->sum = ck_read_sum_avx2(job->w, (size_t)job->rows * job->row_bytes);
    else ck_matvec_q4_0_quad_lanes(job->w, job->row_bytes, job->rows, job->x, job->y);
    return NULL;
}

int main(int argc, char **argv) {
    const int reps = argc > 1 ? atoi(argv[1]) : 8;
    const int64_t rows = 400000, nblocks = 128;
    const size_t row_bytes = ck_quad_lanes_row_bytes(nblocks);
    uint8_t *w = huge_buffer((size_t)rows * row_bytes);
    random_quad_lane_rows(w, rows, nblocks);
    ck_q8_act *x = random_activations(1, nblocks);
    float *y = malloc((size_t)rows * sizeof(float));
    float total = 0;
    for (int rep = 0; rep < reps; rep++) {
        for (int plain = 1; plain >= 0; plain--) {
            pthread_t threads[2];
            stream_job jobs[2];
            for (int k = 0; k < 2; k++)
                jobs[k] = (stream_job){w + (size_t)k * (rows / 2) * row_bytes, row_bytes, rows / 2, x, y + k * (rows / 2),
                                       plain, 0};
            const double start = wall_seconds();
            for (int k = 0; k < 2; k++) pthread_create(&threads[k], NULL, stream, &jobs[k]);
            for (int k = 0; k < 2; k++) pthread_join(threads[k], NULL);
            const double elapsed = wall_seconds() - start;
            total += jobs[0].sum + jobs[1].sum;
            printf("%s %.1f GB/s%s", plain ? "plain loads" : "kernel", (double)rows * row_bytes / elapsed / 1e9,
                   plain ? ", " : "\n");
        }
    }
    printf("(sum of the plain reads: %g)\n", (double)total);
    return 0;
}
