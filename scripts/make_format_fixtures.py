#!/usr/bin/env python3
"""Writes the checkpoint-format fixtures under Tests/GLMEngineTests/Fixtures/formats/ from the tiny
ChatGLM3 model (fp32 safetensors), so the loaders can be checked against each other bit for bit.

Run from the repository root: python3 scripts/make_format_fixtures.py
Needs torch and safetensors. Output is small (a few MB) and committed.
"""
import collections
import json
import os
import shutil
import struct
import zipfile
import zlib

import sentencepiece

import torch
from safetensors.torch import load_file, save_file

ROOT = "Tests/GLMEngineTests/Fixtures"
TINY = os.path.join(ROOT, "tiny-chatglm3")
OUT = os.path.join(ROOT, "formats")


def state_dict(tensors):
    """An OrderedDict with `_metadata`, as `model.state_dict()` returns it (pickled with BUILD)."""
    sd = collections.OrderedDict(tensors)
    sd._metadata = collections.OrderedDict({"": {"version": 1}})
    return sd


def fresh_dir(name):
    path = os.path.join(OUT, name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    shutil.copy(os.path.join(TINY, "config.json"), path)
    return path


def split(names):
    """Two shards: the embedding and layer 0 in the first, the rest in the second."""
    first = [n for n in names if "word_embeddings" in n or ".layers.0." in n]
    return first, [n for n in names if n not in first]


def total_size(tensors):
    return sum(t.numel() * t.element_size() for t in tensors.values())


def sharded_safetensors(weights):
    path = fresh_dir("sharded-safetensors")
    names = sorted(weights)
    weight_map = {}
    for i, part in enumerate(split(names), start=1):
        file = f"model-0000{i}-of-00002.safetensors"
        save_file({n: weights[n] for n in part}, os.path.join(path, file), metadata={"format": "pt"})
        weight_map.update({n: file for n in part})
    index = {"metadata": {"total_size": total_size(weights)}, "weight_map": weight_map}
    with open(os.path.join(path, "model.safetensors.index.json"), "w") as f:
        json.dump(index, f, indent=2, sort_keys=True)


def sharded_bin(weights):
    path = fresh_dir("sharded-bin")
    names = sorted(weights)
    weight_map = {}
    for i, part in enumerate(split(names), start=1):
        file = f"pytorch_model-0000{i}-of-00002.bin"
        tensors = {n: weights[n].clone() for n in part}
        if i == 1:
            # Two layer-0 norms as views of one storage: the second starts at a non-zero storage offset.
            a = ".layers.0.input_layernorm.weight"
            b = ".layers.0.post_attention_layernorm.weight"
            a, b = "transformer.encoder" + a, "transformer.encoder" + b
            shared = torch.cat([weights[a], weights[b]])
            tensors[a] = shared[: weights[a].numel()]
            tensors[b] = shared[weights[a].numel():]
        torch.save(state_dict(tensors), os.path.join(path, file))
        weight_map.update({n: file for n in part})
    index = {"metadata": {"total_size": total_size(weights)}, "weight_map": weight_map}
    with open(os.path.join(path, "pytorch_model.bin.index.json"), "w") as f:
        json.dump(index, f, indent=2, sort_keys=True)


def single_bin(weights, dtype, name):
    path = fresh_dir(name)
    torch.save(state_dict({n: t.to(dtype) for n, t in weights.items()}), os.path.join(path, "pytorch_model.bin"))


def single_safetensors(weights, dtype, name):
    path = fresh_dir(name)
    save_file({n: t.to(dtype) for n, t in weights.items()}, os.path.join(path, "model.safetensors"),
              metadata={"format": "pt"})


def pickle_fixtures():
    """Small torch.save files for the pickle reader: a transposed (non-contiguous) tensor it must refuse,
    and a protocol-4 file (FRAME, STACK_GLOBAL, MEMOIZE, SHORT_BINUNICODE) with a Parameter and a view."""
    path = os.path.join(OUT, "pickle")
    os.makedirs(path, exist_ok=True)
    t = torch.arange(6, dtype=torch.float32).reshape(2, 3).t()
    torch.save(state_dict({"transposed.weight": t}), os.path.join(path, "noncontiguous.bin"))
    storage = torch.arange(8, dtype=torch.bfloat16)
    tensors = {
        "a": torch.arange(6, dtype=torch.float32).reshape(2, 3),
        "b": torch.nn.Parameter(torch.tensor([0.5, -1.0, 2.0, 65504.0], dtype=torch.float16), requires_grad=False),
        "c": storage[3:8],
    }
    torch.save(state_dict(tensors), os.path.join(path, "protocol4.bin"), pickle_protocol=4)


def zip64_bin(source, name):
    """Repacks a torch.save archive as ZIP64 with every 32-bit size and offset saturated, as a writer
    does for files over 4 GB, so the reader's ZIP64 path is exercised on a small file."""
    path = fresh_dir(name)
    entries = []
    with zipfile.ZipFile(source) as z:
        for info in z.infolist():
            entries.append((info.filename.encode(), z.read(info)))
    out = bytearray()
    central = bytearray()
    for filename, data in entries:
        crc = zlib.crc32(data)
        offset = len(out)
        local_extra = struct.pack("<HHQQ", 1, 16, len(data), len(data))
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 0, 0, 0, crc, 0xFFFFFFFF, 0xFFFFFFFF,
                           len(filename), len(local_extra))
        out += filename + local_extra + data
        extra = struct.pack("<HHQQQ", 1, 24, len(data), len(data), offset)
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 0, 0, 0, crc, 0xFFFFFFFF,
                               0xFFFFFFFF, len(filename), len(extra), 0, 0, 0, 0, 0xFFFFFFFF)
        central += filename + extra
    directory_offset = len(out)
    out += central
    zip64_end = len(out)
    out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, len(entries), len(entries),
                       len(central), directory_offset)
    out += struct.pack("<IIQI", 0x07064B50, 0, zip64_end, 1)
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    with open(os.path.join(path, "pytorch_model.bin"), "wb") as f:
        f.write(out)


def tokenizer_pieces():
    """The tiny tokenizer's pieces as SentencePiece reports them, to check the GGUF vocabulary builder
    against llama.cpp's converter output (llamacpp-f32.gguf) without going through our tokenizer."""
    sp = sentencepiece.SentencePieceProcessor(model_file=os.path.join(TINY, "tokenizer.model"))
    def kind(i):
        if sp.is_unknown(i):
            return "unknown"
        if sp.is_control(i):
            return "control"
        if sp.is_unused(i):
            return "unused"
        if sp.is_byte(i):
            return "byte"
        return "normal"
    n = sp.vocab_size()
    pieces = {
        "pieces": [sp.id_to_piece(i) for i in range(n)],
        "scores": [sp.get_score(i) for i in range(n)],
        "kinds": [kind(i) for i in range(n)],
    }
    with open(os.path.join(OUT, "tiny-pieces.json"), "w") as f:
        json.dump(pieces, f, ensure_ascii=False, indent=0)


def main():
    weights = load_file(os.path.join(TINY, "model.safetensors"))
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    sharded_safetensors(weights)
    sharded_bin(weights)
    single_bin(weights, torch.float16, "f16-bin")
    single_bin(weights, torch.bfloat16, "bf16-bin")
    single_safetensors(weights, torch.float16, "f16-safetensors")
    single_safetensors(weights, torch.bfloat16, "bf16-safetensors")
    pickle_fixtures()
    zip64_bin(os.path.join(OUT, "f16-bin", "pytorch_model.bin"), "zip64-bin")
    tokenizer_pieces()


if __name__ == "__main__":
    main()
