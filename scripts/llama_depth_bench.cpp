// llama.cpp's prompt and generation speed at a cache depth of 16K or 32K tokens, without the hours
// `llama-bench -d N` spends computing that depth here (its fill slows as the cache deepens: 61 minutes
// for 16K without flash attention on this 2-core machine, over three hours for 32K). glmchat's
// `bench --context N` fills its cache with random rows for the same reason; this does the like for
// llama.cpp: it computes a first part of the depth from random tokens (as llama-bench does), then
// doubles it by copying the sequence's cache (llama_state_seq_get_data / set_data into a second
// sequence), moving the copy's positions past the first (llama_memory_seq_add, which re-rotates K as
// a context shift does) and merging it back, until the depth is reached. The timed part is then
// llama-bench's: pp random tokens in one batch, and tg tokens one at a time, from that depth.
// Attention's cost depends on how many cells are cached, not on what they hold, so the timings are
// those of a computed cache; docs/PERFORMANCE.md checks that against llama-bench -d 2048.
//
// Build against the llama.cpp tree built as docs/PERFORMANCE.md says ("llama.cpp built from source"):
//   g++ -O2 -std=c++17 -I LLAMA/include -I LLAMA/ggml/include scripts/llama_depth_bench.cpp \
//       -L LLAMA/build/bin -lllama -lggml -lggml-base -Wl,-rpath,LLAMA/build/bin -o llama_depth_bench
// Run:
//   llama_depth_bench MODEL DEPTH PP TG REPS FLASH_ATTN(0|1) THREADS [COMPUTED]
// COMPUTED (default 2048) is how much of the depth is computed before the doubling starts; DEPTH must be
// COMPUTED times a power of two.
#include "llama.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

static double now_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Decodes `count` random tokens into sequence 0 from position `start`, in batches of `batch_size`.
static bool decode_random(llama_context * ctx, int n_vocab, int start, int count, int batch_size, std::mt19937 & rng) {
    std::uniform_int_distribution<int> pick(0, n_vocab - 1);
    llama_batch batch = llama_batch_init(batch_size, 0, 1);
    for (int done = 0; done < count;) {
        const int n = std::min(batch_size, count - done);
        batch.n_tokens = n;
        for (int i = 0; i < n; i++) {
            batch.token[i] = pick(rng);
            batch.pos[i] = start + done + i;
            batch.n_seq_id[i] = 1;
            batch.seq_id[i][0] = 0;
            batch.logits[i] = i == n - 1;
        }
        if (llama_decode(ctx, batch) != 0) {
            llama_batch_free(batch);
            return false;
        }
        done += n;
    }
    llama_batch_free(batch);
    return true;
}

static double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    const size_t n = values.size();
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

int main(int argc, char ** argv) {
    if (argc < 8) {
        fprintf(stderr, "usage: %s MODEL DEPTH PP TG REPS FLASH_ATTN(0|1) THREADS [COMPUTED]\n", argv[0]);
        return 2;
    }
    const char * path = argv[1];
    const int depth = atoi(argv[2]), pp = atoi(argv[3]), tg = atoi(argv[4]), reps = atoi(argv[5]);
    const bool flash = atoi(argv[6]) != 0;
    const int threads = atoi(argv[7]);
    const int computed = std::min(depth, argc > 8 ? atoi(argv[8]) : 2048);
    if (depth < 1 || pp < 1 || tg < 1 || reps < 1 || threads < 1 || computed < 1) {
        fprintf(stderr, "every number must be at least 1\n");
        return 2;
    }
    int doubled = computed;
    while (doubled < depth) doubled *= 2;
    if (doubled != depth) {  // each doubling copies the whole sequence, so the cache must hold twice it
        fprintf(stderr, "DEPTH must be COMPUTED times a power of two\n");
        return 2;
    }

    llama_backend_init();
    llama_model * model = llama_model_load_from_file(path, llama_model_default_params());
    if (!model) { fprintf(stderr, "cannot load %s\n", path); return 1; }
    llama_context_params params = llama_context_default_params();
    params.n_ctx = (uint32_t)(((depth + std::max(pp, tg) + 1 + 255) / 256) * 256);
    params.n_batch = 2048;     // llama-bench's -b and -ub defaults
    params.n_ubatch = 512;
    params.n_seq_max = 2;      // the copy lives in sequence 1 while it is moved
    params.kv_unified = true;  // one cache for both, so merging the copy moves no data
    params.n_threads = params.n_threads_batch = threads;
    params.flash_attn_type = flash ? LLAMA_FLASH_ATTN_TYPE_ENABLED : LLAMA_FLASH_ATTN_TYPE_DISABLED;
    llama_context * ctx = llama_init_from_model(model, params);
    if (!ctx) { fprintf(stderr, "cannot make a context of %u tokens\n", params.n_ctx); return 1; }
    llama_memory_t memory = llama_get_memory(ctx);
    const int n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));
    std::mt19937 rng(1234);

    double started = now_seconds();
    if (!decode_random(ctx, n_vocab, 0, computed, 2048, rng)) { fprintf(stderr, "decoding the first part failed\n"); return 1; }
    const double computed_seconds = now_seconds() - started;
    started = now_seconds();
    int filled = computed;
    std::vector<uint8_t> state;
    while (filled < depth) {
        const int copied = std::min(filled, depth - filled);
        state.resize(llama_state_seq_get_size(ctx, 0));
        if (llama_state_seq_get_data(ctx, state.data(), state.size(), 0) != state.size()
            || llama_state_seq_set_data(ctx, state.data(), state.size(), 1) == 0) {
            fprintf(stderr, "copying the cache at %d tokens failed\n", filled);
            return 1;
        }
        if (copied < filled) llama_memory_seq_rm(memory, 1, copied, -1);
        llama_memory_seq_add(memory, 1, 0, -1, filled);
        llama_memory_seq_cp(memory, 1, 0, -1, -1);
        llama_memory_seq_rm(memory, 1, -1, -1);
        filled += copied;
    }
    if (llama_memory_seq_pos_min(memory, 0) != 0 || llama_memory_seq_pos_max(memory, 0) != depth - 1) {
        fprintf(stderr, "the cache holds positions %d-%d, not 0-%d\n", llama_memory_seq_pos_min(memory, 0),
                llama_memory_seq_pos_max(memory, 0), depth - 1);
        return 1;
    }
    // One token at the depth applies the pending position shift (untimed, as llama-bench's warm-up).
    if (!decode_random(ctx, n_vocab, depth, 1, 1, rng)) { fprintf(stderr, "the first token at depth failed\n"); return 1; }
    llama_memory_seq_rm(memory, 0, depth, -1);
    printf("depth %d: %d tokens computed in %.1f s, the rest copied in %.1f s; flash attention %s, %d threads\n",
           depth, computed, computed_seconds, now_seconds() - started, flash ? "on" : "off", threads);

    std::vector<double> pp_rates, tg_rates;
    for (int r = 0; r < reps; r++) {
        double t0 = now_seconds();
        if (!decode_random(ctx, n_vocab, depth, pp, 2048, rng)) { fprintf(stderr, "pp failed\n"); return 1; }
        pp_rates.push_back(pp / (now_seconds() - t0));
        llama_memory_seq_rm(memory, 0, depth, -1);
        t0 = now_seconds();
        for (int i = 0; i < tg; i++) {
            if (!decode_random(ctx, n_vocab, depth + i, 1, 1, rng)) { fprintf(stderr, "tg failed\n"); return 1; }
        }
        tg_rates.push_back(tg / (now_seconds() - t0));
        llama_memory_seq_rm(memory, 0, depth, -1);
        printf("rep %d: pp%d %.2f t/s, tg%d %.2f t/s\n", r + 1, pp, pp_rates.back(), tg, tg_rates.back());
        fflush(stdout);
    }
    printf("median: pp%d %.2f t/s, tg%d %.2f t/s\n", pp, median(pp_rates), tg, median(tg_rates));
    llama_free(ctx);
    llama_model_free(model);
    llama_backend_free();
    return 0;
}
