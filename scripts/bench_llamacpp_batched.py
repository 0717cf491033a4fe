#!/usr/bin/env python3
"""llama.cpp's batched generation speed, as `llama-batched-bench` measures it (through
llama-cpp-python's low-level API, which ships no llama-batched-bench binary): for each count N, N
sequences each read a P-token prompt of their own, then every step one llama_decode feeds one token
to each of the N sequences. Aggregate t/s counts every sequence's tokens. Not used by tests or CI.
The counterpart of `glmchat bench --parallel 1,2,4,8 -p P -n N`.

  python3 scripts/bench_llamacpp_batched.py ~/.cache/glmchat/random-6b-q4_0.gguf --parallel 1,2,4,8 -p 32 -n 32 -t 2 -r 2

Without llama-cpp-python (which builds llama.cpp from source), the CPU library of the binary wheel
`llama-cpp-cffi` (0.4.42, llama.cpp of spring 2025, built for AVX2) serves as well:

  python3 -m venv /tmp/llama-venv
  /tmp/llama-venv/bin/pip install --only-binary :all: cffi
  /tmp/llama-venv/bin/pip install --no-deps llama-cpp-cffi==0.4.42
  /tmp/llama-venv/bin/python scripts/bench_llamacpp_batched.py FILE.gguf ... 2>/dev/null

On Debian 12 that library wants two symbols of a newer libstdc++ (GCC 13/14); docs/PERFORMANCE.md
("Serving many users") shows the two-line shim to LD_PRELOAD.
"""
import argparse
import json
import random
import statistics
import sys
import time

from llamacpp_api import L, fill, load_model


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--parallel", default="1,2,4,8")
    ap.add_argument("-p", type=int, default=32)
    ap.add_argument("-n", type=int, default=32)
    ap.add_argument("-t", "--threads", type=int, default=2)
    ap.add_argument("-r", "--repetitions", type=int, default=2)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    counts = [int(part) for part in args.parallel.split(",")]

    model = load_model(args.model)
    n_vocab = L.llama_vocab_n_tokens(L.llama_model_get_vocab(model))
    largest = max(counts)
    cparams = L.llama_context_default_params()
    cparams.n_ctx = largest * (args.p + args.n + 1)
    cparams.n_batch = max(args.p, largest)
    cparams.n_ubatch = max(args.p, largest)
    cparams.n_seq_max = largest
    if hasattr(cparams, "kv_unified"):
        cparams.kv_unified = True
    cparams.n_threads = args.threads
    cparams.n_threads_batch = args.threads
    ctx = L.llama_init_from_model(model, cparams)
    if not ctx:
        sys.exit("llama.cpp could not create a context")
    mem = L.llama_get_memory(ctx)
    batch = L.llama_batch_init(max(args.p, largest), 0, 1)
    rng = random.Random(0)

    def decode():
        rc = L.llama_decode(ctx, batch)
        if rc != 0:
            raise RuntimeError(f"llama_decode returned {rc}")

    def run(count):
        L.llama_memory_clear(mem, True)
        for sequence in range(count):
            fill(batch, [(rng.randrange(n_vocab), i, sequence, i == args.p - 1) for i in range(args.p)])
            decode()
        L.llama_synchronize(ctx)
        start = time.perf_counter()
        for step in range(args.n):
            fill(batch, [(rng.randrange(n_vocab), args.p + step, sequence, True) for sequence in range(count)])
            decode()
        L.llama_synchronize(ctx)
        return count * args.n / (time.perf_counter() - start)

    run(1)  # warm-up: pages in the weights
    results = []
    for count in counts:
        runs = [run(count) for _ in range(args.repetitions)]
        aggregate = statistics.median(runs)
        results.append({"parallel": count, "aggregate_tg_tokens_per_second": aggregate,
                        "per_stream_tg_tokens_per_second": aggregate / count, "aggregate_tg_tokens_per_second_runs": runs})
        if not args.json:
            print(f"parallel {count}: {aggregate:.2f} t/s aggregate, {aggregate / count:.2f} per stream  (runs {runs})", flush=True)
    if args.json:
        print(json.dumps(results, indent=2))
    L.llama_batch_free(batch)


if __name__ == "__main__":
    main()
