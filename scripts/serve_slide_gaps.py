#!/usr/bin/env python3
"""How long an answer of `glmchat serve --parallel 2` waits for its next chunk when its window slides.

Starts `GLMCHAT serve --model MODEL --parallel 2 --ctx-size WINDOW [extra options]`, streams two
greedy answers of MAX_TOKENS tokens at once (each fills the window and slides), and prints for each:
the chunks, the median and the longest gap between chunks, the whole answer's time and a hash of its
text (equal hashes: the same answer). Needs the `openai` package. Not used by tests or CI.

  python3 scripts/serve_slide_gaps.py .build/release/glmchat random-6b-32k-q4_0.gguf 512 700 --speculate off
"""
import hashlib
import signal
import statistics
import subprocess
import sys
import threading
import time

import openai


def main() -> None:
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    binary, model, window, max_tokens = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    port = "8143"
    server = subprocess.Popen([binary, "serve", "--model", model, "--parallel", "2", "--ctx-size", window,
                               "--port", port, *sys.argv[5:]], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="x", max_retries=0, timeout=1200)
    for _ in range(600):
        try:
            name = client.models.list().data[0].id
            break
        except Exception:
            time.sleep(0.2)
    else:
        server.kill()
        sys.exit("the server did not start")
    try:
        results = {}

        def stream(label: str, text: str) -> None:
            times, pieces = [], []
            start = time.monotonic()
            for chunk in client.chat.completions.create(model=name, messages=[{"role": "user", "content": text}],
                                                        temperature=0, max_tokens=max_tokens, stream=True):
                if chunk.choices and chunk.choices[0].delta.content:
                    times.append(time.monotonic())
                    pieces.append(chunk.choices[0].delta.content)
            gaps = [b - a for a, b in zip(times, times[1:])]
            digest = hashlib.sha256("".join(pieces).encode()).hexdigest()[:8]
            results[label] = (len(times), statistics.median(gaps), max(gaps), times[-1] - start, digest)

        threads = [threading.Thread(target=stream, args=pair) for pair in (("A", "hi"), ("B", "tell me a story"))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for label, (count, median, longest, whole, digest) in sorted(results.items()):
            print(f"{label}: {count} chunks, median gap {median:.3f} s, longest gap {longest:.2f} s, "
                  f"whole answer {whole:.1f} s, text {digest}", flush=True)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait()


if __name__ == "__main__":
    main()
