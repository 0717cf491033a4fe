// Two threads run a token's worth of single-token products the way the engine does: layer after layer
// of ChatGLM3-6B's four Q4_0 matrices in quad lanes (qkv 4608 x 4096, dense 4096 x 4096, gate-up
// 27392 x 4096, down 4096 x 13696), each split into guided chunks of at least 64 KB (ck_claim_guided,
// as ComputeContext.parallelForWeights) with a barrier between matrices. Alternating in each
// repetition: the kernel, plain loads of the same chunks with the same barriers, and plain loads of
// each thread's half of all the bytes at once (what `bench` calls the memory between tokens). What the
// kernel loses against the last is the cost of the matrices' boundaries and chunks.
//
//   S=Sources/CKernels; F="-O3 -march=x86-64-v3 -I$S/include -I$S -Iscripts"
//   clang $F scripts/q4_layers_stream_bench.c $S/q4_groups_avx512.c $S/q4_quad_lanes.c $S/act_groups.c \
//       $S/bandwidth_avx2.c -lpthread -o /tmp/q4_layers_stream_bench
//   /tmp/q4_layers_stream_bench LAYERS REPETITIONS
#include "q4_bench_inputs.h"
#include <pthread.h>
#include <stdio.h>

float ck_read_sum_avx2(const void *p, size_t n);

enum { MATRICES = 4 };
static const int64_t shape_rows[MATRICES] = {4608, 4096, 27392, 4096};
static const int64_t shape_blocks[MATRICES] = {128, 128, 128, 428};

typedef struct {
    const uint8_t *w;
    size_t row_bytes;
    int64_t rows, nblocks;
    const void *act;
    float *y;
    int64_t next;
} matrix;

enum mode { KERNEL, PLAIN_CHUNKS, PLAIN_WHOLE, KERNEL_HALVES };
static const char *mode_names[] = {"kernel", "plain loads, chunked", "plain loads, whole", "kernel in halves"};

typedef struct {
    matrix *matrices;
    int count, index;
    enum mode mode;
    const uint8_t *all;
    size_t all_bytes;
    volatile int *arrived;
    float sum;
} worker;

static void barrier(volatile int *arrived, int *phase) {
    *phase += 2;
    __atomic_add_fetch(arrived, 1, __ATOMIC_ACQ_REL);
    while (__atomic_load_n(arrived, __ATOMIC_ACQUIRE) < *phase) _mm_pause();
}

static void *run(void *arg) {
    worker *job = arg;
    if (job->mode == PLAIN_WHOLE) {
        const size_t half = job->all_bytes / 2 / 64 * 64;
        job->sum = ck_read_sum_avx2(job->all + job->index * half, job->index ? job->all_bytes - half : half);
        return NULL;
    }
    int phase = 0;
    for (int m = 0; m < job->count; m++) {
        matrix *mat = &job->matrices[m];
        const int64_t min_rows = (64 << 10) / (int64_t)mat->row_bytes + 1;
        int64_t end;
        if (job->mode == KERNEL_HALVES) {
            const int64_t r0 = job->index ? mat->rows / 2 : 0, r1 = job->index ? mat->rows : mat->rows / 2;
            ck_matvec_q4_0_quad_lanes_packed(mat->w + (size_t)r0 * mat->row_bytes, mat->row_bytes, r1 - r0, mat->act,
                                             mat->nblocks, mat->y + r0);
        } else for (;;) {
            const int64_t start = ck_claim_guided(&mat->next, mat->rows, 2, min_rows, &end);
            if (start >= mat->rows) break;
            const uint8_t *rows = mat->w + (size_t)start * mat->row_bytes;
            if (job->mode == KERNEL)
                ck_matvec_q4_0_quad_lanes_packed(rows, mat->row_bytes, end - start, mat->act, mat->nblocks, mat->y + start);
            else
                job->sum += ck_read_sum_avx2(rows, (size_t)(end - start) * mat->row_bytes);
        }
        barrier(job->arrived, &phase);
    }
    return NULL;
}

int main(int argc, char **argv) {
    const int layers = argc > 1 ? atoi(argv[1]) : 8, reps = argc > 2 ? atoi(argv[2]) : 5;
    if (layers < 1 || layers > 28 || reps < 1) return fprintf(stderr, "usage: %s LAYERS(1-28) REPETITIONS\n", argv[0]), 2;
    const int count = layers * MATRICES;
    matrix *matrices = calloc((size_t)count, sizeof *matrices);
    size_t total = 0;
    for (int m = 0; m < count; m++) total += (size_t)shape_rows[m % MATRICES] * ck_quad_lanes_row_bytes(shape_blocks[m % MATRICES]);
    uint8_t *all = huge_buffer(total);
    void *acts[MATRICES];
    for (int s = 0; s < MATRICES; s++) {
        acts[s] = aligned_alloc(64, (size_t)((shape_blocks[s] + 15) / 16) * CK_QUAD_LANES_ACT_BYTES);
        ck_pack_quad_lanes_act(random_activations(1, shape_blocks[s]), acts[s]);
    }
    float *y = malloc(27392 * sizeof(float));
    size_t offset = 0;
    for (int m = 0; m < count; m++) {
        const int s = m % MATRICES;
        matrices[m] = (matrix){all + offset, ck_quad_lanes_row_bytes(shape_blocks[s]), shape_rows[s], shape_blocks[s], acts[s], y, 0};
        random_quad_lane_rows(all + offset, shape_rows[s], shape_blocks[s]);
        offset += (size_t)shape_rows[s] * matrices[m].row_bytes;
    }
    printf("%d layers, %.2f GB; GB/s per repetition\n", layers, (double)total / 1e9);
    float sum = 0;
    for (int rep = 0; rep < reps; rep++) {
        double rate[4];
        for (int mode = KERNEL_HALVES; mode >= KERNEL; mode--) {
            for (int m = 0; m < count; m++) matrices[m].next = 0;
            volatile int arrived = 0;
            worker jobs[2];
            pthread_t threads[2];
            for (int k = 0; k < 2; k++) jobs[k] = (worker){matrices, count, k, (enum mode)mode, all, total, &arrived, 0};
            const double start = wall_seconds();
            for (int k = 0; k < 2; k++) pthread_create(&threads[k], NULL, run, &jobs[k]);
            for (int k = 0; k < 2; k++) pthread_join(threads[k], NULL);
            rate[mode] = (double)total / (wall_seconds() - start) / 1e9;
            sum += jobs[0].sum + jobs[1].sum;
        }
        printf("%s %.1f, %s %.1f, %s %.1f, %s %.1f: kernel %.1f%%, in halves %.1f%% of the whole read\n", mode_names[2],
               rate[2], mode_names[1], rate[1], mode_names[0], rate[0], mode_names[3], rate[3], 100 * rate[0] / rate[2],
               100 * rate[3] / rate[2]);
    }
    printf("(sum of the plain reads: %g)\n", (double)sum);
    return 0;
}
