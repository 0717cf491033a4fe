#!/usr/bin/env python3
"""Time llama.cpp (through llama-cpp-python's low-level API) on a GGUF, llama-bench style.

pp: one llama_decode of a P-token batch on an empty cache; tg: N single-token decodes after
an empty cache. Reports mean, sd and median tokens/s over the repetitions. Not used by tests or CI.

--probe reads a quarter-gigabyte array with the same number of threads after every generated token
(outside the token's timing), as `glmchat bench` does, and reports each repetition's median
bandwidth between tokens and its median token's share of it (weight bytes per token: --weight-bytes,
e.g. `glmchat bench --json`'s weight_bytes_per_token; default the file size). The machine's
bandwidth switches between states as other tenants come and go, so speeds from different moments
only compare with this.

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
from concurrent.futures import ThreadPoolExecutor
import os


def decode(ctx, tokens, first_pos):
    arr = (L.llama_token * len(tokens))(*tokens)
    batch = L.llama_batch_get_one(arr, len(tokens))
    rc = L.llama_decode(ctx, batch)
    if rc != 0:
        raise RuntimeError(f"llama_decode returned {rc}")


# llama.cpp's threads spin for a while after each decode; a probe read during that spin measured
# 26 GB/s against 32 on its own, so it waits for them to go idle first (outside the timing).
PROBE_SETTLE_S = 0.02


def make_probe(threads):
    """One timed pass over 256 MB in `threads` slices (numpy releases the GIL in the BLAS dot, which
    reads at the machine's bandwidth where np.sum measured a third less)."""
    import numpy as np
    data = np.ones((256 << 20) // 4, dtype=np.float32)
    slices = np.array_split(data, threads)
    pool = ThreadPoolExecutor(max_workers=threads)

    def one_pass():
        t = time.perf_counter()
        list(pool.map(lambda s: s.dot(s), slices))
        return data.nbytes / (time.perf_counter() - t)
    return one_pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("-p", type=int, default=512)
    ap.add_argument("-n", type=int, default=128)
    ap.add_argument("-t", "--threads", type=int, default=2)
    ap.add_argument("-r", "--repetitions", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--probe", action="store_true")
    ap.add_argument("--weight-bytes", type=float, default=None)
    args = ap.parse_args()
    weight_bytes = args.weight_bytes or os.path.getsize(args.model)
    probe = make_probe(args.threads) if args.probe else None

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

    between = []  # per tg repetition: (median bandwidth, median token share)

    def run_tg():
        L.llama_memory_clear(mem, True)
        seconds = 0.0
        probed, shares = [], []
        for i in range(args.n):
            t = time.perf_counter()
            decode(ctx, [rng.randrange(n_vocab)], i)
            L.llama_synchronize(ctx)
            dt = time.perf_counter() - t
            seconds += dt
            if probe:
                time.sleep(PROBE_SETTLE_S)
                bandwidth = probe()
                probed.append(bandwidth)
                shares.append(weight_bytes / dt / bandwidth)
        if probe:
            between.append((statistics.median(probed), statistics.median(shares)))
        return args.n / seconds

    results = {"model": args.model, "threads": args.threads, "load_s": load_s,
               "system_info": L.llama_print_system_info().decode()}
    for name, fn, count in (("pp", run_pp, args.p), ("tg", run_tg, args.n)):
        if count <= 0:
            continue
        fn()  # warm-up: pages in the weights, builds the graph
        between.clear()
        rates = [fn() for _ in range(args.repetitions)]
        results[f"{name}{count}"] = {
            "mean": statistics.mean(rates),
            "sd": statistics.stdev(rates) if len(rates) > 1 else 0.0,
            "median": statistics.median(rates),
            "runs": rates,
        }
    if between:
        results["between_tokens"] = [{"bandwidth_bytes_per_second": b, "median_token_share": r} for b, r in between]
    L.llama_free(ctx)
    L.llama_model_free(model)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(f"llama.cpp  threads={args.threads}  load={load_s:.2f}s")
        for k, v in results.items():
            if isinstance(v, dict):
                print(f"  {k:>6}: {v['mean']:8.2f} ± {v['sd']:.2f} t/s  (median {v['median']:.2f})"
                      + ("  runs " + " ".join(f"{r:.2f}" for r in v["runs"]) if k.startswith("tg") else ""))
        for i, (b, r) in enumerate(between):
            print(f"  tg #{i + 1}: memory between tokens {b / 1e9:.1f} GB/s; median token {100 * r:.1f}% of it")


if __name__ == "__main__":
    main()
