#!/usr/bin/env python3
"""Writes the small seed corpus of every glmfuzz target into Fuzz/corpus/TARGET/ (committed).

Seeds are valid inputs (or close to valid) so that libFuzzer's mutations start deep inside each
reader: a micro ChatGLM3 GGUF file with the tiny fixture's llama.cpp vocabulary, a safetensors file,
the PyTorch fixture checkpoints and their pickles, config.json, the tiny tokenizer.model, config.toml,
the shipped themes and a session export. Only the standard library; run from the repository root:

  python3 scripts/make_fuzz_seeds.py
"""
import json
import os
import shutil
import struct
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "Tests/GLMEngineTests/Fixtures")
CORPUS = os.path.join(ROOT, "Fuzz/corpus")

# GGUF value types (GGUF specification).
U32, I32, F32, BOOL, STRING, ARRAY = 4, 5, 6, 7, 8, 9
SCALAR_FORMATS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}


def read_gguf_metadata(path):
    """The metadata of a GGUF file as [(key, type, value)], arrays as (element type, [values])."""
    data = open(path, "rb").read()
    offset = 8
    _, kv_count = struct.unpack_from("<QQ", data, offset)
    offset += 16

    def string(at):
        (length,) = struct.unpack_from("<Q", data, at)
        return data[at + 8:at + 8 + length], at + 8 + length

    def value(kind, at):
        if kind == STRING:
            return string(at)
        if kind == ARRAY:
            element, count = struct.unpack_from("<IQ", data, at)
            at += 12
            items = []
            for _ in range(count):
                item, at = value(element, at)
                items.append(item)
            return (element, items), at
        fmt = SCALAR_FORMATS[kind]
        return struct.unpack_from(fmt, data, at)[0], at + struct.calcsize(fmt)

    entries = []
    for _ in range(kv_count):
        key, offset = string(offset)
        (kind,) = struct.unpack_from("<I", data, offset)
        item, offset = value(kind, offset + 4)
        entries.append((key.decode(), kind, item))
    return entries


def encode_value(kind, item):
    if kind == STRING:
        return struct.pack("<Q", len(item)) + item
    if kind == ARRAY:
        element, items = item
        return struct.pack("<IQ", element, len(items)) + b"".join(encode_value(element, i) for i in items)
    return struct.pack(SCALAR_FORMATS[kind], item)


def write_gguf(path, metadata, tensors):
    """GGUF v3: metadata [(key, type, value)], tensors [(name, dims input-first, ggml type, bytes)]."""
    out = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(metadata))
    for key, kind, item in metadata:
        out += encode_value(STRING, key.encode()) + struct.pack("<I", kind) + encode_value(kind, item)
    offset = 0
    for name, dims, ggml_type, payload in tensors:
        out += encode_value(STRING, name.encode()) + struct.pack("<I", len(dims))
        out += b"".join(struct.pack("<Q", d) for d in dims) + struct.pack("<IQ", ggml_type, offset)
        offset += (len(payload) + 31) // 32 * 32
    out += b"\0" * (-len(out) % 32)
    for _, _, _, payload in tensors:
        out += payload + b"\0" * (-len(payload) % 32)
    open(path, "wb").write(out)


def micro_chatglm_tensors(hidden, heads, kv_groups, ffn, vocab_rows):
    """Every tensor of a one-layer ChatGLM3 of this shape, F16 (ggml type 1) with a simple pattern."""
    head_dim = hidden // heads
    qkv = hidden + 2 * kv_groups * head_dim

    def f16(count):
        return b"".join(struct.pack("<e", ((i % 7) - 3) / 8) for i in range(count))

    def f32(count):
        return struct.pack("<%df" % count, *([1.0] * count))

    return [
        ("token_embd.weight", [hidden, vocab_rows], 1, f16(hidden * vocab_rows)),
        ("blk.0.attn_norm.weight", [hidden], 0, f32(hidden)),
        ("blk.0.attn_qkv.weight", [hidden, qkv], 1, f16(hidden * qkv)),
        ("blk.0.attn_qkv.bias", [qkv], 0, f32(qkv)),
        ("blk.0.attn_output.weight", [hidden, hidden], 1, f16(hidden * hidden)),
        ("blk.0.ffn_norm.weight", [hidden], 0, f32(hidden)),
        ("blk.0.ffn_up.weight", [hidden, 2 * ffn], 1, f16(hidden * 2 * ffn)),
        ("blk.0.ffn_down.weight", [ffn, hidden], 1, f16(ffn * hidden)),
        ("output_norm.weight", [hidden], 0, f32(hidden)),
        ("output.weight", [hidden, vocab_rows], 1, f16(hidden * vocab_rows)),
    ]


def gguf_seeds(directory):
    llama = read_gguf_metadata(os.path.join(FIXTURES, "tiny-chatglm3/llamacpp-f32.gguf"))
    shape = {"embedding_length": 8, "feed_forward_length": 8, "block_count": 1,
             "attention.head_count": 2, "attention.head_count_kv": 1, "rope.dimension_count": 2,
             "context_length": 64}
    metadata = []
    for key, kind, item in llama:
        name = key.split(".", 1)[1] if key.startswith("chatglm.") else None
        if name in shape:
            item = shape[name]
        if key.startswith("general.") and kind == STRING and key != "general.architecture":
            continue
        metadata.append((key, kind, item))
    vocab_rows = len(dict((k, v) for k, _, v in metadata)["tokenizer.ggml.tokens"][1])
    tensors = micro_chatglm_tensors(8, 2, 1, 8, vocab_rows)
    write_gguf(os.path.join(directory, "micro-llamacpp-vocabulary.gguf"), metadata, tensors)
    bare = [(k, t, v) for k, t, v in metadata if not k.startswith("tokenizer.")]
    write_gguf(os.path.join(directory, "micro-no-tokenizer.gguf"), bare, tensors)


def safetensors_seed(path):
    tensors = {
        "transformer.encoder.final_layernorm.weight": ("F32", [4], struct.pack("<4f", 1, 2, 3, 4)),
        "transformer.output_layer.weight": ("F16", [2, 4], struct.pack("<8e", *[0.5] * 8)),
        "transformer.rotary_pos_emb.inv_freq": ("BF16", [2], b"\x80\x3f\x00\x3f"),
    }
    header, data = {"__metadata__": {"format": "pt"}}, b""
    for name, (dtype, shape, payload) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(payload)]}
        data += payload
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    open(path, "wb").write(struct.pack("<Q", len(text)) + text + data)


def session_seed(path):
    document = {
        "format": "glmchat-session", "version": 1,
        "session": {"id": "5f0c7a52-3c1e-4c59-9d1e-0c2a8e7f6b11", "title": "你好", "titleIsCustom": False,
                    "modelKind": "chat", "modelName": "chatglm3-6b", "systemPrompt": "",
                    "sampling": {"temperature": 0.8, "topP": 0.8, "topK": 0, "repetitionPenalty": 1.0,
                                 "maxNewTokens": 256, "seed": 7},
                    "createdAt": "2026-12-02T10:00:00.000Z", "updatedAt": "2026-12-02T10:00:05.250Z",
                    "archived": False},
        "messages": [
            {"id": "0b7d6f38-1a55-4f0e-8c43-5d1e2f3a4b5c", "role": "user", "content": "你好", "metadata": "",
             "createdAt": "2026-12-02T10:00:00.000Z", "state": "complete"},
            {"id": "9c8b7a69-5d4e-4f3a-8b2c-1d0e9f8a7b6c", "role": "assistant", "content": "你好👋!", "metadata": "",
             "model": "chatglm3-6b", "promptTokens": 8, "completionTokens": 4, "tokensPerSecond": 7.5, "seed": 7,
             "finishReason": "stop", "createdAt": "2026-12-02T10:00:01.000Z",
             "finishedAt": "2026-12-02T10:00:05.250Z", "state": "complete"},
        ],
    }
    open(path, "w").write(json.dumps(document, ensure_ascii=False, indent=2))


CONFIG_TOML = """theme = "dark"
model = "chat"
slide = "shift"

[[models]]
name = "chat"
path = "~/models/chatglm3-6b-q4_0.gguf"
kind = "chat"

[[models]]
name = "base"
path = "/data/chatglm3-6b-base"
kind = "base"

[[models]]
name = "long"
path = "/data/chatglm3-6b-32k-q4_0.gguf"
kind = "chat-32k"
ctx_size = 32768
"""


def interpreter_seeds(directory):
    """Answer frames as the interpreter's driver writes them (4 bytes of length, then JSON)."""
    def frame(message):
        body = json.dumps(message).encode("ascii")
        return struct.pack(">I", len(body)) + body
    ready = frame({"ready": "3.11.7"})
    finished = frame({"status": "ok", "traceback": None})
    failed = frame({"status": "error", "traceback": "Traceback (most recent call last):\n  File \"<block 1>\", line 1\nZeroDivisionError: division by zero\n"})
    open(os.path.join(directory, "ready-ok.bin"), "wb").write(ready + finished)
    # The same bytes also go through the output scanner: the marker inside the text reaches it.
    printed = frame({"status": "ok", "traceback": "hello\nglmchat-end-marker"})
    open(os.path.join(directory, "error-marker.bin"), "wb").write(ready + failed + printed)


def main():
    if os.path.isdir(CORPUS):
        shutil.rmtree(CORPUS)
    target = lambda name: os.makedirs(os.path.join(CORPUS, name)) or os.path.join(CORPUS, name)
    gguf_seeds(target("gguf"))
    safetensors_seed(os.path.join(target("safetensors"), "three-dtypes.safetensors"))
    torch, pickle = target("torch-zip"), target("pickle")
    for name in ("noncontiguous", "protocol4"):
        source = os.path.join(FIXTURES, "formats/pickle/%s.bin" % name)
        # glmchat refuses the non-contiguous tensor by design; the seed still walks the whole pickle.
        seed = ("refused-" if name == "noncontiguous" else "") + name
        shutil.copy(source, os.path.join(torch, seed + ".bin"))
        with zipfile.ZipFile(source) as archive:
            open(os.path.join(pickle, seed + ".pkl"), "wb").write(archive.read(name + "/data.pkl"))
    shutil.copy(os.path.join(FIXTURES, "tiny-chatglm3/config.json"), os.path.join(target("config-json"), "tiny.json"))
    shutil.copy(os.path.join(FIXTURES, "tiny-chatglm3/tokenizer.model"), os.path.join(target("tokenizer-model"), "tiny.model"))
    open(os.path.join(target("config-toml"), "two-models.toml"), "w").write(CONFIG_TOML)
    themes = target("theme")
    for name in sorted(os.listdir(os.path.join(ROOT, "themes"))):
        shutil.copy(os.path.join(ROOT, "themes", name), os.path.join(themes, name))
    session_seed(os.path.join(target("session-import"), "two-messages.json"))
    interpreter_seeds(target("interpreter-frames"))


if __name__ == "__main__":
    main()
