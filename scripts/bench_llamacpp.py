#!/usr/bin/env python3
"""Time llama.cpp (through llama-cpp-python's low-level API) on a GGUF, llama-bench style.

pp: one llama_decode of a P-token batch on an empty cache; tg: N single-token decodes after
an empty cache. Reports mean, sd and median tokens/s over the repetitions. Not used by tests or CI.

  python3 scripts/bench_llamacpp.py /tmp/glmbench/random-6b-q4_0.gguf -p 512 -n 128 -t 2 -r 3
"""
import argparse
import ctypes
import json
import random
import statistics
import sys
import time

import llama_cpp as L


def decode(ctx, tokens, first_pos):
    arr = (L.llama_token * len(tokens))(*tokens)
    batch = L.llama_batch_get_one(arr, len(tokens))
    rc = L.llama_decode(ctx, batch)
    if rc != 0:
        raise RuntimeError(f"llama_decode returned {rc}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("-p", type=int, default=512)
    ap.add_argument("-n", type=int, default=128)
    ap.add_argument("-t", "--threads", type=int, default=2)
    ap.add_argument("-r", "--repetitions", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    # llama.cpp logs every graph node at load; keep the report readable.
    quiet = L.llama_log_callback(lambda level, text, user: None)
    L.llama_log_set(quiet, ctypes.c_void_p())
    L.llama_backend_init()
    mparams = L.llama_model_default_params()
    mparams.use_mmap = True
    t0 = time.perf_counter()
    model = L.llama_model_load_from_file(args.model.encode(), mparams)
    if not model:
        sys.exit(f"llama.cpp could not load {args.model}")
    load_s = time.perf_counter() - t0
    vocab = L.llama_model_get_vocab(model)
    n_vocab = L.llama_vocab_n_tokens(vocab)

    cparams = L.llama_context_default_params()
    cparams.n_ctx = max(args.p, args.n) + 16
    cparams.n_batch = max(args.p, 1)
    cparams.n_ubatch = max(args.p, 1)
    cparams.n_threads = args.threads
    cparams.n_threads_batch = args.threads
    ctx = L.llama_init_from_model(model, cparams)
    if not ctx:
        sys.exit("llama.cpp could not create a context")
    mem = L.llama_get_memory(ctx)
    rng = random.Random(0)

    def run_pp():
        L.llama_memory_clear(mem, True)
        toks = [rng.randrange(n_vocab) for _ in range(args.p)]
        t = time.perf_counter()
        decode(ctx, toks, 0)
        L.llama_synchronize(ctx)
        return args.p / (time.perf_counter() - t)

    def run_tg():
        L.llama_memory_clear(mem, True)
        t = time.perf_counter()
        for i in range(args.n):
            decode(ctx, [rng.randrange(n_vocab)], i)
            L.llama_synchronize(ctx)
        return args.n / (time.perf_counter() - t)

    results = {"model": args.model, "threads": args.threads, "load_s": load_s,
               "system_info": L.llama_print_system_info().decode()}
    for name, fn, count in (("pp", run_pp, args.p), ("tg", run_tg, args.n)):
        if count <= 0:
            continue
        fn()  # warm-up: pages in the weights, builds the graph
        rates = [fn() for _ in range(args.repetitions)]
        results[f"{name}{count}"] = {
            "mean": statistics.mean(rates),
            "sd": statistics.stdev(rates) if len(rates) > 1 else 0.0,
            "median": statistics.median(rates),
            "runs": rates,
        }
    L.llama_free(ctx)
    L.llama_model_free(model)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(f"llama.cpp  threads={args.threads}  load={load_s:.2f}s")
        for k, v in results.items():
            if isinstance(v, dict):
                print(f"  {k:>6}: {v['mean']:8.2f} ± {v['sd']:.2f} t/s  (median {v['median']:.2f})")


if __name__ == "__main__":
    main()
