#!/usr/bin/env python3
"""llama.cpp's prompt and generation speed at a depth, as `llama-bench -d D -p P -n N` measures it
(no llama-bench binary can be built here): the cache is filled with D random tokens (timed apart),
then P more tokens are read in one batch (pp at depth D), then N tokens are fed one at a time (tg at
depth D); each repetition refills the cache. `--flash-attn` turns on llama.cpp's flash attention.
The counterpart of `glmchat bench --context D -p P -n N`. Not used by tests or CI.

  LD_PRELOAD=libshim.so /tmp/llama-venv/bin/python scripts/bench_llamacpp_depth.py FILE.gguf -d 8192 -p 128 -n 16 -r 2 2>/dev/null

(llama.cpp from llama-cpp-python, or the llama-cpp-cffi wheel: see scripts/llamacpp_api.py.)
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
    ap.add_argument("-d", "--depth", type=int, default=8192)
    ap.add_argument("-p", type=int, default=128)
    ap.add_argument("-n", type=int, default=16)
    ap.add_argument("-t", "--threads", type=int, default=2)
    ap.add_argument("-r", "--repetitions", type=int, default=2)
    ap.add_argument("--flash-attn", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    model = load_model(args.model)
    n_vocab = L.llama_vocab_n_tokens(L.llama_model_get_vocab(model))
    chunk = 512
    cparams = L.llama_context_default_params()
    cparams.n_ctx = args.depth + args.p + args.n + 1
    cparams.n_batch = max(chunk, args.p)
    cparams.n_ubatch = max(chunk, args.p)
    cparams.n_threads = args.threads
    cparams.n_threads_batch = args.threads
    cparams.flash_attn = bool(args.flash_attn)
    ctx = L.llama_init_from_model(model, cparams)
    if not ctx:
        sys.exit("llama.cpp could not create a context")
    mem = L.llama_get_memory(ctx)
    batch = L.llama_batch_init(max(chunk, args.p), 0, 1)
    rng = random.Random(0)

    def decode():
        rc = L.llama_decode(ctx, batch)
        if rc != 0:
            raise RuntimeError(f"llama_decode returned {rc}")

    def read(start, count):
        for first in range(start, start + count, chunk):
            rows = range(first, min(start + count, first + chunk))
            fill(batch, [(rng.randrange(n_vocab), i, 0, i == rows[-1]) for i in rows])
            decode()
        L.llama_synchronize(ctx)

    results = []
    for repetition in range(args.repetitions):
        L.llama_memory_clear(mem, True)
        began = time.perf_counter()
        read(0, args.depth)
        filled = time.perf_counter() - began
        began = time.perf_counter()
        read(args.depth, args.p)
        pp = args.p / (time.perf_counter() - began)
        began = time.perf_counter()
        for step in range(args.n):
            fill(batch, [(rng.randrange(n_vocab), args.depth + args.p + step, 0, True)])
            decode()
        L.llama_synchronize(ctx)
        tg = args.n / (time.perf_counter() - began)
        results.append({"depth": args.depth, "flash_attn": args.flash_attn, "fill_seconds": filled,
                        "pp_tokens_per_second": pp, "tg_tokens_per_second": tg})
        if not args.json:
            print(f"repetition {repetition + 1}: depth {args.depth} filled in {filled:.1f} s; "
                  f"pp{args.p} {pp:.2f} t/s, tg{args.n} {tg:.2f} t/s", flush=True)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(f"median: pp{args.p} @ d{args.depth} {statistics.median(r['pp_tokens_per_second'] for r in results):.2f} t/s, "
              f"tg{args.n} @ d{args.depth} {statistics.median(r['tg_tokens_per_second'] for r in results):.2f} t/s"
              f"{' (flash attention)' if args.flash_attn else ''}")
    L.llama_batch_free(batch)


if __name__ == "__main__":
    main()
