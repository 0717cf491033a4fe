#!/usr/bin/env python3
"""How the chat answers a person, timed from outside in a real terminal (tmux), with a release build:

  paste  a bracketed paste of 1,000,000 characters (English, Chinese, emoji, line breaks every ~40
         characters, or with --single-line none at all): the time until its last characters show in
         the input, then until a key typed after it shows; with --keys, also each editing key after
         it (Backspace, Left, Right, Home, End, Up, Down, Ctrl+W, Ctrl+U), each timed until the
         screen or the cursor changes.
  stop   Esc while the tiny fixture model streams an answer (thousands of tokens a second, greedy):
         the time until the status line says idle, and the tokens/s figure it shows.

Times are read by polling tmux's screen (capture-pane), so each includes up to one poll (a few ms).
Not used by tests or CI; the numbers go to docs/PERFORMANCE.md.

  swift build -c release --product glmchat
  python3 scripts/measure_app_latency.py .build/release/glmchat --rounds 5
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TINY = os.path.join(REPO, "Tests", "GLMEngineTests", "Fixtures", "tiny-chatglm3")


class Pane:
    def __init__(self, folder, command, columns=120, rows=40):
        self.socket = os.path.join(folder, "tmux.sock")
        env = {"XDG_CONFIG_HOME": folder, "XDG_DATA_HOME": folder, "LANG": "C.UTF-8", "TERM": "xterm-256color"}
        arguments = ["new-session", "-d", "-x", str(columns), "-y", str(rows)]
        for name, value in env.items():
            arguments += ["-e", f"{name}={value}"]
        self.tmux(*arguments, command)

    def tmux(self, *arguments):
        return subprocess.run(["tmux", "-S", self.socket, "-f", "/dev/null", *arguments],
                              check=True, capture_output=True, text=True).stdout

    def screen(self):
        return self.tmux("capture-pane", "-p").split("\n")

    def status(self):
        lines = [line for line in self.screen() if line.strip()]
        return lines[-1] if lines else ""

    def wait(self, condition, seconds=120, poll=0.002):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            screen = self.screen()
            if condition(screen):
                return time.monotonic()
            time.sleep(poll)
        raise TimeoutError("\n".join(self.screen()))

    def cursor(self):
        return self.tmux("display-message", "-p", "#{cursor_x},#{cursor_y}").strip()

    def wait_for_change(self, before, seconds=120, poll=0.002):
        """Until the screen or the cursor differs from `before` (a (screen, cursor) pair)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if (self.screen(), self.cursor()) != before:
                return time.monotonic()
            time.sleep(poll)
        raise TimeoutError("no change after a key")

    def close(self):
        subprocess.run(["tmux", "-S", self.socket, "kill-server"], capture_output=True)


# Keys typed after the paste, each with a visible effect on the text or the cursor.
EDIT_KEYS = ["BSpace", "Left", "Right", "Home", "End", "Up", "Down", "C-w", "C-u"]


def paste_round(binary, characters, single_line=False, keys=False):
    folder = tempfile.mkdtemp(prefix="glmchat-latency-")
    try:
        # One line wraps wherever it wraps: at 79 columns there is no sidebar, the box's rows start
        # at column 1, and the marker is looked for across them too.
        pane = Pane(folder, f"{binary} --demo --data-dir {folder}/data", columns=79 if single_line else 120)
        pane.wait(lambda s: any(line.rstrip().endswith("idle") for line in s), poll=0.05)

        def showing(marker):
            return lambda s: any(marker in line for line in s) or (single_line and marker in "".join(line[1:] for line in s))
        pattern = "Lorem ipsum 你好世界 😀 dolor sit amet,\n"
        if single_line:
            pattern = pattern.replace("\n", " ")
        text = (pattern * (characters // len(pattern) + 1))[:characters - 9] + "PASTE_END"
        path = os.path.join(folder, "paste.txt")
        with open(path, "w", encoding="utf-8") as file:
            file.write(text)
        pane.tmux("load-buffer", path)
        start = time.monotonic()
        pane.tmux("paste-buffer", "-p")
        shown = pane.wait(showing("PASTE_END"))
        typed = time.monotonic()
        pane.tmux("send-keys", "-l", "Z")
        echoed = pane.wait(showing("PASTE_ENDZ"))
        key_times = {}
        if keys:
            for key in EDIT_KEYS:
                before = (pane.screen(), pane.cursor())
                pressed = time.monotonic()
                pane.tmux("send-keys", key)
                key_times[key] = pane.wait_for_change(before) - pressed
        pane.close()
        return shown - start, echoed - typed, key_times
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def stop_round(binary):
    folder = tempfile.mkdtemp(prefix="glmchat-latency-")
    try:
        pane = Pane(folder, f"{binary} --model {TINY} --data-dir {folder}/data")
        pane.wait(lambda s: any(line.rstrip().endswith("idle") for line in s), poll=0.05)
        for command in ["/set temperature 0", "/set max_tokens 100000"]:
            pane.tmux("send-keys", "-l", command)
            pane.tmux("send-keys", "Enter")
        pane.tmux("send-keys", "-l", "Tell me a long story.")
        pane.tmux("send-keys", "Enter")
        pane.wait(lambda s: "generating" in "".join(line for line in s if line.strip())[-200:], poll=0.01)
        time.sleep(1.0)                     # let it stream at full speed
        start = time.monotonic()
        pane.tmux("send-keys", "Escape")
        stopped = pane.wait(lambda s: [line for line in s if line.strip()][-1].rstrip().endswith("idle"))
        status = pane.status()
        pane.close()
        return stopped - start, status.strip()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--characters", type=int, default=1_000_000)
    parser.add_argument("--only", choices=["paste", "stop"])
    parser.add_argument("--single-line", action="store_true", help="paste one line without line breaks")
    parser.add_argument("--keys", action="store_true", help="also time editing keys after the paste")
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)
    if args.only != "stop":
        shown, echoed, per_key = [], [], {}
        for index in range(args.rounds):
            a, b, key_times = paste_round(binary, args.characters, args.single_line, args.keys)
            shown.append(a)
            echoed.append(b)
            for key, seconds in key_times.items():
                per_key.setdefault(key, []).append(seconds)
            keys_text = "".join(f", {key} {seconds * 1000:.0f} ms" for key, seconds in key_times.items())
            print(f"paste round {index + 1}: shown after {a:.3f} s, a key after it echoed in {b:.3f} s{keys_text}", flush=True)
        kind = "one line" if args.single_line else "lines of ~40"
        print(f"paste of {args.characters} characters ({kind}): median {statistics.median(shown):.3f} s until shown, "
              f"{statistics.median(echoed):.3f} s for the next key (max {max(shown):.3f} / {max(echoed):.3f})")
        if per_key:
            print("keys after it, median ms: " + ", ".join(
                f"{key} {statistics.median(times) * 1000:.0f}" for key, times in per_key.items()))
    if args.only != "paste":
        times = []
        for index in range(args.rounds):
            seconds, status = stop_round(binary)
            times.append(seconds)
            print(f"stop round {index + 1}: idle {seconds * 1000:.0f} ms after Esc; status: {status}", flush=True)
        print(f"Esc to idle: median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms")


if __name__ == "__main__":
    sys.exit(main())
