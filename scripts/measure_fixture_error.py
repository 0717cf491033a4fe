#!/usr/bin/env python3
"""Measures glmchat against the oracle fixtures from outside, through `glmchat generate`.

For each weight type and each case of an expected.json (tiny-chatglm3 schema) it runs
  glmchat generate --model DIR --ids ... --max-tokens 16 --temperature 0 --ignore-eos --type T --json --dump-logits
and prints the max abs logit error over every step and how many greedy tokens agree.

Usage: scripts/measure_fixture_error.py [--glmchat .build/release/glmchat] [MODEL_DIR ...]
"""
import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODELS = [ROOT / "Tests/GLMEngineTests/Fixtures/tiny-chatglm3"]


def run_case(glmchat, model, case, weight_type):
    steps = len(case["greedy"]["new_token_ids"])
    cmd = [glmchat, "generate", "--model", str(model), "--ids", ",".join(map(str, case["input_ids"])),
           "--max-tokens", str(steps), "--temperature", "0", "--ignore-eos", "--type", weight_type,
           "--json", "--dump-logits"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--glmchat", default=str(ROOT / ".build/release/glmchat"))
    parser.add_argument("--types", default="f32,f16,q8_0,q4_0")
    parser.add_argument("models", nargs="*", type=Path, default=DEFAULT_MODELS)
    args = parser.parse_args()
    for model in args.models:
        expected = json.loads((model / "expected.json").read_text())
        print(f"{model.name}: {len(expected['cases'])} cases")
        real_vocab = expected["tokenizer"]["n_words_with_specials"]
        print(f"  {'type':6} {'max |logit err|':>16} {'greedy tokens equal':>20} {'cases fully equal':>18}")
        for weight_type in args.types.split(","):
            worst, agree, total, full = 0.0, 0, 0, 0
            for case in expected["cases"]:
                got = run_case(args.glmchat, model, case, weight_type)
                if got["prompt_ids"] != case["input_ids"]:
                    sys.exit(f"prompt ids differ for {case['name']}")
                want_ids = case["greedy"]["new_token_ids"]
                # Compare logits only while the generated prefix still equals the reference's.
                for step, (row, want_row) in enumerate(zip(got["logits"], case["greedy"]["step_logits"])):
                    if got["ids"][:step] != want_ids[:step]:
                        break
                    worst = max(worst, max(abs(a - b) for a, b in zip(row, want_row)))
                # The reference takes the argmax over every row; glmchat never samples padding rows
                # (>= real vocabulary). Steps from the first padding pick on are not comparable.
                comparable = next((i for i, t in enumerate(want_ids) if t >= real_vocab), len(want_ids))
                prefix = next((i for i, (a, b) in enumerate(zip(got["ids"], want_ids[:comparable])) if a != b), comparable)
                agree += prefix
                total += comparable
                full += prefix == comparable
            print(f"  {weight_type:6} {worst:16.3e} {agree:>9}/{total:<10} {full:>8}/{len(expected['cases'])}")
        print("  (greedy steps counted up to the reference's first padding-id pick, which glmchat never samples)")


if __name__ == "__main__":
    main()
