"""llama.cpp's C API for the benchmark scripts: llama-cpp-python's `llama_cpp` when installed, else
the CPU library of the binary wheel `llama-cpp-cffi` under the same names (see
scripts/bench_llamacpp_batched.py for how to install it, and docs/PERFORMANCE.md for the libstdc++
shim it needs on Debian 12). Not used by tests or CI."""
import ctypes
import sys


class CffiLlama:
    """llama-cpp-cffi's CPU library under llama-cpp-python's names, for what this script calls."""

    def __init__(self):
        import glob
        import importlib.util
        import os
        found = glob.glob(os.path.join(sys.prefix, "lib", "python3*", "site-packages", "llama", "_llama_cpp_cpu*.so"))
        if not found:
            sys.exit("neither llama-cpp-python nor llama-cpp-cffi is installed in this Python")
        spec = importlib.util.spec_from_file_location("_llama_cpp_cpu", found[0])
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        self.lib, self.ffi = module.lib, module.ffi

    def __getattr__(self, name):
        return getattr(self.lib, name)

    def llama_log_callback(self, function):
        return None

    def llama_log_set(self, callback, user):
        pass  # its log goes to stderr: send that to /dev/null

    def llama_get_memory(self, context):
        return context  # this llama.cpp keeps the cache in the context

    def llama_memory_clear(self, context, data):
        self.lib.llama_kv_self_clear(context)


try:
    import llama_cpp as L
except ImportError:
    L = CffiLlama()


def fill(batch, entries):
    """entries: (token, position, sequence, wants_logits) for each row of one llama_decode."""
    batch.n_tokens = len(entries)
    for row, (token, position, sequence, logits) in enumerate(entries):
        batch.token[row] = token
        batch.pos[row] = position
        batch.n_seq_id[row] = 1
        batch.seq_id[row][0] = sequence
        batch.logits[row] = 1 if logits else 0


def load_model(path):
    """llama.cpp with its log silenced, and the model at `path` mapped; exits when it cannot load."""
    quiet = L.llama_log_callback(lambda level, text, user: None)
    L.llama_log_set(quiet, ctypes.c_void_p())
    L.llama_backend_init()
    mparams = L.llama_model_default_params()
    mparams.use_mmap = True
    model = L.llama_model_load_from_file(path.encode(), mparams)
    if not model:
        sys.exit(f"llama.cpp could not load {path}")
    return model
