// Times the streaming attention pass (Sources/CKernels/attention_stream_*.c) in thread CPU time, so
// other tenants of a shared machine move it less, over a whole token's worth of KV planes (28
// layers x 2 groups of ChatGLM3-6B), and checks each variant against attention in double.
//
//   S=Sources/CKernels
//   clang -O2 -march=native -I $S/include -I $S scripts/attention_bench.c $S/attention_stream_*.c -lm -o /tmp/attention_bench
//   /tmp/attention_bench 32768 5        # positions, rounds; add "hot" to reuse one plane (compute only)
#include "ckernels_attention.h"
#include <immintrin.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef void (*pass_fn)(const uint16_t *, const uint16_t *, int64_t, int64_t, int64_t, const float *, int64_t,
                        int64_t, int64_t, float, float *, float *);

static double cpu_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static uint64_t seed = 1;
static float uniform(void) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (float)(seed >> 40) / (float)(1 << 24) * 2 - 1;
}

int main(int argc, char **argv) {
    const int64_t n = argc > 1 ? atoll(argv[1]) : 32768, dim = 128, heads = 16, planes = 56;
    const int rounds = argc > 2 ? atoi(argv[2]) : 5;
    const int hot = argc > 3 && strcmp(argv[3], "hot") == 0;
    const int64_t count = (hot ? 1 : planes) * n * dim;
    uint16_t *keys = aligned_alloc(64, count * 2), *values = aligned_alloc(64, count * 2);
    if (!keys || !values) return 1;
    for (int64_t i = 0; i < count; i++) {
        keys[i] = _cvtss_sh(uniform(), 0);
        values[i] = _cvtss_sh(uniform(), 0);
    }
    float queries[16 * 128], out[16 * 128];
    for (int i = 0; i < 16 * 128; i++) queries[i] = 2 * uniform();
    const float scale = 1 / sqrtf((float)dim);
    float *work = aligned_alloc(64, (ck_attn_stream_work_floats(dim) + ck_attn_state_floats(dim)) * 4);
    float *state = work + ck_attn_stream_work_floats(dim);

    const pass_fn passes[] = {ck_attn_stream_f16_avx512, ck_attn_stream_f16_avx2, ck_attn_stream_f16_scalar};
    const char *names[] = {"avx512", "avx2", "scalar"};
    // accuracy over the first 2000 positions of plane 0
    const int64_t m = n < 2000 ? n : 2000;
    double *want = calloc(heads * dim, sizeof(double)), *s = malloc(m * sizeof(double));
    for (int64_t h = 0; h < heads; h++) {
        double top = -INFINITY, sum = 0;
        for (int64_t j = 0; j < m; j++) {
            double dot = 0;
            for (int64_t d = 0; d < dim; d++) dot += (double)(queries[h * dim + d] * scale) * _cvtsh_ss(keys[j * dim + d]);
            s[j] = dot;
            if (dot > top) top = dot;
        }
        for (int64_t j = 0; j < m; j++) sum += (s[j] = exp(s[j] - top));
        for (int64_t d = 0; d < dim; d++) {
            double acc = 0;
            for (int64_t j = 0; j < m; j++) acc += s[j] * _cvtsh_ss(values[j * dim + d]);
            want[h * dim + d] = acc / sum;
        }
    }
    for (int v = 0; v < 3; v++) {
        passes[v](keys, values, dim, 0, m, queries, dim, heads, dim, scale, work, state);
        ck_attn_merge_states(state, 0, 1, heads, dim, out, dim);
        double worst = 0;
        for (int i = 0; i < heads * dim; i++) worst = fmax(worst, fabs(out[i] - want[i]));
        printf("%-7s max abs error over %lld positions: %.2g\n", names[v], (long long)m, worst);
    }
    // speed: the SIMD variants alternating, a token's planes each
    const double fmas = 2.0 * planes * n * dim; // 16-lane FMAs per token (scores + values)
    for (int r = 0; r < rounds; r++) {
        printf("round %d:", r + 1);
        for (int v = 0; v < 2; v++) {
            const double start = cpu_seconds();
            for (int64_t p = 0; p < planes; p++) {
                const int64_t at = hot ? 0 : p * n * dim;
                passes[v](keys + at, values + at, dim, 0, n, queries, dim, heads, dim, scale, work, state);
            }
            const double seconds = cpu_seconds() - start;
            printf("  %s %.1f ms (%.2f G 16-lane FMA/s)", names[v], seconds * 1e3, fmas / seconds / 1e9);
        }
        printf("\n");
    }
    return 0;
}
