#!/usr/bin/env python3
"""Checks a glmchat GGUF file's vocabulary with llama.cpp's own reader (the `gguf` package) against
SentencePiece's pieces. Not used by the suite (which reads the file with glmchat's reader).

  python3 -m venv /tmp/venv && /tmp/venv/bin/pip install gguf sentencepiece
  /tmp/venv/bin/python scripts/check_gguf_vocab.py FILE.gguf tokenizer.model

Exits 0 and prints a summary when every token equals what llama.cpp's converter would write:
ids 0, 1, 2 as <unk> <bos> <eos>, the other pieces byte for byte, the nine special tokens, then
[PAD<id>] rows; all texts unique.
"""
import sys

import gguf
from importlib.metadata import version
import sentencepiece

SPECIALS = ["[MASK]", "[gMASK]", "[sMASK]", "sop", "eop", "<|system|>", "<|user|>", "<|assistant|>", "<|observation|>"]


def token_texts(path):
    reader = gguf.GGUFReader(path)
    field = reader.fields["tokenizer.ggml.tokens"]
    # Each element is a uint8 array of the string's bytes: compare bytes, not decoded text.
    return [bytes(field.parts[i]) for i in field.data]


def main():
    path, model = sys.argv[1], sys.argv[2]
    sp = sentencepiece.SentencePieceProcessor(model_file=model)
    tokens = token_texts(path)
    n = sp.get_piece_size()
    expected = [b"<unk>", b"<bos>", b"<eos>"] + [sp.id_to_piece(i).encode() for i in range(3, n)]
    expected += [s.encode() for s in SPECIALS]
    expected += [f"[PAD{i}]".encode() for i in range(len(expected), len(tokens))]
    wrong = [i for i, (a, b) in enumerate(zip(tokens, expected)) if a != b]
    unique = len(set(tokens)) == len(tokens)
    pair = (tokens[54540], tokens[60344]) if len(tokens) > 60344 else None
    print(f"{path}: {len(tokens)} tokens read by gguf {version('gguf')}; {len(wrong)} differ from SentencePiece; "
          f"unique: {unique}; ids 54540/60344: {pair}")
    if wrong:
        for i in wrong[:10]:
            print(f"  id {i}: file {tokens[i]!r}, expected {expected[i]!r}")
    return 0 if not wrong and unique and len(tokens) == len(expected) else 1


if __name__ == "__main__":
    sys.exit(main())
