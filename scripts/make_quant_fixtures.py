#!/usr/bin/env python3
"""Write Tests/GLMEngineTests/Fixtures/quants/llamacpp-blocks.gguf: blocks of every GGUF tensor type
glmchat reads, made and decoded by llama.cpp's own ggml (the library llama-cpp-python builds).

For each type, 8 rows of 256 elements:
  rows 0-3  floats quantized by ggml_quantize_chunk (llama.cpp's quantizer, no importance matrix):
            normal values, normal values with outliers, tiny values with a run of 32 zeros, and
            all-positive values (the mins of the _1 and k-quant types);
  rows 4-7  random bytes whose fp16 scale fields are random finite values (negative and subnormal
            ones included), so every bit pattern of quants and packed scales is decoded somewhere.
Also ggml's Q8_K activations (`q8_K.input`, `.d`, `.q`, `.bsums`, all F32) of those rows and of a row
of exact halves. Tensors: `<type>.quantized` (the raw blocks, in that type), `<type>.dequantized` (F32: ggml's
to_float of those blocks), and for the types glmchat also writes (q4_0, q8_0, f16, bf16)
`<type>.input` (the F32 rows 0-3 were made from), to check glmchat's quantizers byte for byte.
Deterministic: same llama.cpp, same file. Not run by tests or CI (the file is committed).

  python3 -m venv /tmp/venv && /tmp/venv/bin/pip install llama-cpp-python gguf numpy
  /tmp/venv/bin/python scripts/make_quant_fixtures.py
"""
import ctypes
import glob
import os
import sys

import gguf
import llama_cpp
import numpy as np

ROWS, COLS = 8, 256
OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "GLMEngineTests", "Fixtures", "quants",
                   "llamacpp-blocks.gguf")

Q = gguf.GGMLQuantizationType
# glmchat's name -> ggml type, and the byte offsets of each block's fp16 fields (ggml-common.h).
TYPES = {
    "f32": (Q.F32, None), "f16": (Q.F16, None), "bf16": (Q.BF16, None),
    "q4_0": (Q.Q4_0, [0]), "q4_1": (Q.Q4_1, [0, 2]), "q5_0": (Q.Q5_0, [0]), "q5_1": (Q.Q5_1, [0, 2]),
    "q8_0": (Q.Q8_0, [0]), "iq4_nl": (Q.IQ4_NL, [0]),
    "q2_K": (Q.Q2_K, [80, 82]), "q3_K": (Q.Q3_K, [108]), "q4_K": (Q.Q4_K, [0, 2]), "q5_K": (Q.Q5_K, [0, 2]),
    "q6_K": (Q.Q6_K, [208]), "iq4_xs": (Q.IQ4_XS, [0]),
}
WRITTEN_BY_GLMCHAT = {"q4_0", "q8_0", "f16", "bf16"}


class TypeTraits(ctypes.Structure):
    _fields_ = [("type_name", ctypes.c_char_p), ("blck_size", ctypes.c_int64),
                ("blck_size_interleave", ctypes.c_int64), ("type_size", ctypes.c_size_t),
                ("is_quantized", ctypes.c_bool), ("to_float", ctypes.c_void_p), ("from_float_ref", ctypes.c_void_p)]


def load_ggml():
    libdir = os.path.join(os.path.dirname(llama_cpp.__file__), "lib")
    candidates = glob.glob(os.path.join(libdir, "libggml-base.so*")) + glob.glob(os.path.join(libdir, "libggml-base.dylib"))
    if not candidates:
        sys.exit(f"no libggml-base in {libdir}")
    lib = ctypes.CDLL(candidates[0])
    lib.ggml_quantize_chunk.restype = ctypes.c_size_t
    lib.ggml_quantize_chunk.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64,
                                        ctypes.c_int64, ctypes.c_int64, ctypes.c_void_p]
    lib.ggml_get_type_traits.restype = ctypes.POINTER(TypeTraits)
    lib.ggml_get_type_traits.argtypes = [ctypes.c_int]
    lib.ggml_row_size.restype = ctypes.c_size_t
    lib.ggml_row_size.argtypes = [ctypes.c_int, ctypes.c_int64]
    return lib


def source_rows(rng):
    normal = rng.standard_normal(COLS).astype(np.float32)
    outliers = rng.standard_normal(COLS).astype(np.float32)
    outliers[[7, 100, 201]] *= 20
    tiny = (rng.uniform(-0.01, 0.01, COLS)).astype(np.float32)
    tiny[64:96] = 0
    positive = rng.exponential(1.0, COLS).astype(np.float32)
    return np.stack([normal, outliers, tiny, positive])


def random_blocks(rng, block_bytes, block_elements, half_offsets, rows):
    blocks_per_row = COLS // block_elements
    data = rng.integers(0, 256, size=(rows, blocks_per_row * block_bytes), dtype=np.uint8)
    for r in range(rows):
        for b in range(blocks_per_row):
            for offset in half_offsets:
                magnitude = 3e-6 if (r == rows - 1 and b == 0) else rng.uniform(1e-4, 1.0)
                value = np.float16(magnitude * (1 if rng.integers(0, 2) else -1))
                data[r, b * block_bytes + offset:b * block_bytes + offset + 2] = np.frombuffer(value.tobytes(), np.uint8)
    return data


def add_q8_K(lib, rng, writer):
    """ggml's quantize_row_q8_K_ref (the activations of the super-block types) on the source rows
    and on a row whose scale is 1 with values halfway between quants (rounded half to even)."""
    quantize = lib.quantize_row_q8_K_ref
    quantize.restype = None
    quantize.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64]
    halves = rng.uniform(-4, 4, COLS).astype(np.float32)
    halves[0] = -127
    halves[1:40] = np.arange(-19, 20, dtype=np.float32) + np.float32(0.5)
    inputs = np.ascontiguousarray(np.concatenate([source_rows(rng), halves[None, :]]))
    rows = inputs.shape[0]
    block = np.zeros(4 + 256 + 32, dtype=np.uint8)
    d = np.zeros(rows, dtype=np.float32)
    q = np.zeros((rows, COLS), dtype=np.float32)
    bsums = np.zeros((rows, 16), dtype=np.float32)
    for r in range(rows):
        quantize(inputs[r].ctypes.data, block.ctypes.data, COLS)
        d[r] = block[:4].view(np.float32)[0]
        q[r] = block[4:260].view(np.int8).astype(np.float32)
        bsums[r] = block[260:].view(np.int16).astype(np.float32)
    writer.add_tensor("q8_K.input", inputs)
    writer.add_tensor("q8_K.d", d)
    writer.add_tensor("q8_K.q", q)
    writer.add_tensor("q8_K.bsums", bsums)


def main():
    lib = load_ggml()
    rng = np.random.default_rng(20240601)
    writer = gguf.GGUFWriter(OUT, arch="glmchat-quant-fixture")
    writer.add_string("glmchat.fixture.llama_cpp_python_version", llama_cpp.__version__)
    for name, (qtype, half_offsets) in TYPES.items():
        traits = lib.ggml_get_type_traits(int(qtype)).contents
        to_float = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64)(traits.to_float) \
            if traits.to_float else None
        row_bytes = lib.ggml_row_size(int(qtype), COLS)
        inputs = source_rows(rng)
        made = np.zeros((4, row_bytes), dtype=np.uint8)
        if qtype == Q.F32:
            made = inputs.view(np.uint8).reshape(4, row_bytes).copy()
        else:
            written = lib.ggml_quantize_chunk(int(qtype), inputs.ctypes.data, made.ctypes.data, 0, 4, COLS, None)
            assert written == made.nbytes, (name, written, made.nbytes)
        if half_offsets is None:
            extra = rng.standard_normal((4, COLS)).astype(np.float32) * np.float32(1000)
            if qtype == Q.F32:
                extra_bytes = extra.view(np.uint8)
            else:
                extra_bytes = np.zeros((4, row_bytes), dtype=np.uint8)
                lib.ggml_quantize_chunk(int(qtype), extra.ctypes.data, extra_bytes.ctypes.data, 0, 4, COLS, None)
        else:
            extra_bytes = random_blocks(rng, traits.type_size, traits.blck_size, half_offsets, 4)
        blocks = np.ascontiguousarray(np.concatenate([made, extra_bytes]))
        decoded = np.zeros((ROWS, COLS), dtype=np.float32)
        if qtype == Q.F32:
            decoded = blocks.view(np.float32).reshape(ROWS, COLS).copy()
        else:
            for r in range(ROWS):
                to_float(blocks[r].ctypes.data, decoded[r].ctypes.data, COLS)
        writer.add_tensor(f"{name}.quantized", blocks, raw_dtype=qtype)
        writer.add_tensor(f"{name}.dequantized", decoded)
        if name in WRITTEN_BY_GLMCHAT:
            writer.add_tensor(f"{name}.input", inputs)
    add_q8_K(lib, rng, writer)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes) with llama-cpp-python {llama_cpp.__version__}")


if __name__ == "__main__":
    main()
