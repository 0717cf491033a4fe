#!/usr/bin/env python3
"""A stand-in for the Hugging Face hub, for glmchat's `pull` tests (no internet needed).

It answers the requests huggingface_hub makes, with the hub's headers:
  GET  /api/models/OWNER/NAME/revision/main   the file list (sha, siblings with size, blobId, lfs.sha256)
  HEAD /OWNER/NAME/resolve/REV/PATH           X-Repo-Commit, ETag, X-Linked-Etag, X-Linked-Size; LFS files
  GET  /OWNER/NAME/resolve/REV/PATH           redirect (302) to a CDN address on another host name
  GET  /cdn/KEY                               the bytes, with Range (206, Content-Range; 416 past the end)
and misbehaves on purpose in the repositories named below (gated, rate-limited, broken, a CDN that cuts
the connection half way, one that ignores Range, one that redirects again, a wrong hash). Repositories are found by NAME; any OWNER
works, so that tests running at once can tell their requests apart in the log: one JSON line per request
(method, path, host, whether the token was sent and was right, Range), never the token itself.

Usage: fake_hub.py --token TOKEN --log FILE. Prints "PORT <n>" when ready; stops when its stdin closes.
"""
import argparse
import hashlib
import json
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit


def pseudo_random_bytes(seed, size):
    """Deterministic bytes: sha256(seed:counter) blocks."""
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(f"{seed}:{counter}".encode()).digest()
        counter += 1
    return bytes(out[:size])


def git_blob_id(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class File:
    def __init__(self, path, data, lfs, cdn_mode="normal", wrong_hash=False):
        self.path = path
        self.data = data
        self.lfs = lfs
        self.cdn_mode = cdn_mode
        self.sha256 = hashlib.sha256(data).hexdigest()
        if wrong_hash:
            self.sha256 = hashlib.sha256(b"something else").hexdigest()
        self.key = hashlib.sha1(f"{path}:{self.sha256}:{cdn_mode}".encode()).hexdigest()


def config_json(seq_length, rope_ratio=None):
    config = {
        "model_type": "chatglm", "num_layers": 28, "hidden_size": 4096, "num_attention_heads": 32,
        "kv_channels": 128, "multi_query_group_num": 2, "ffn_hidden_size": 13696,
        "padded_vocab_size": 65024, "seq_length": seq_length, "layernorm_epsilon": 1e-05,
    }
    if rope_ratio is not None:
        config["rope_ratio"] = rope_ratio
    return json.dumps(config, indent=2).encode()


def index_json(shards):
    weight_map = {}
    for number, shard in enumerate(shards):
        weight_map[f"transformer.encoder.layers.{number}.mlp.dense_4h_to_h.weight"] = shard
        weight_map[f"transformer.encoder.layers.{number}.self_attention.dense.weight"] = shard
    return json.dumps({"metadata": {"total_size": 0}, "weight_map": weight_map}, indent=2).encode()


def checkpoint(name, config, safetensors=True, pytorch=True, single=False):
    files = [
        File(".gitattributes", b"*.bin filter=lfs\n*.safetensors filter=lfs\n", False),
        File("README.md", f"# {name}\n".encode(), False),
        File("config.json", config, False),
        File("modeling_chatglm.py", b"# model code glmchat does not need\n", False),
        File("tokenizer.model", pseudo_random_bytes(name + "tokenizer", 40_000), True),
        File("tokenizer_config.json", b"{}", False),
    ]
    if single:
        files.append(File("model.safetensors", pseudo_random_bytes(name + "single", 300_000), True))
        return files
    if safetensors:
        shards = [f"model-0000{i}-of-00002.safetensors" for i in (1, 2)]
        files += [File(s, pseudo_random_bytes(name + s, 250_000 + i), True) for i, s in enumerate(shards)]
        files.append(File("model.safetensors.index.json", index_json(shards), False))
    if pytorch:
        shards = [f"pytorch_model-0000{i}-of-00002.bin" for i in (1, 2)]
        files += [File(s, pseudo_random_bytes(name + s, 260_000 + i), True) for i, s in enumerate(shards)]
        files.append(File("pytorch_model.bin.index.json", index_json(shards), False))
    return files


def gguf_repo(names, cdn_mode="normal", wrong_hash=False, size=200_000):
    files = [File("README.md", b"# GGUF\n", False)]
    for i, name in enumerate(names):
        files.append(File(name, b"GGUF" + pseudo_random_bytes(name + cdn_mode, size + i), True, cdn_mode, wrong_hash))
    return files


REPOS = {
    "chatglm3-6b": checkpoint("chatglm3-6b", config_json(8192)),
    "chatglm3-6b-base": checkpoint("chatglm3-6b-base", config_json(32768), safetensors=False),
    "chatglm3-6b-32k": checkpoint("chatglm3-6b-32k", config_json(32768, 50), single=True),
    "chatglm3-6b-GGUF": gguf_repo(["chatglm3-6b.Q4_0.gguf", "chatglm3-6b.Q4_K_M.gguf"]),
    "one-GGUF": gguf_repo(["chatglm3-6b-32k.Q8_0.gguf"]),
    "gated": checkpoint("gated", config_json(8192), pytorch=False),
    "cut": gguf_repo(["cut.Q4_0.gguf"], cdn_mode="cut", size=3_000_000),
    "norange": gguf_repo(["norange.Q4_0.gguf"], cdn_mode="norange", size=500_000),
    "badhash": gguf_repo(["bad.Q4_0.gguf"], wrong_hash=True),
    "hop": gguf_repo(["hop.Q4_0.gguf"], cdn_mode="hop"),
    "docs": [File("README.md", b"# nothing to run\n", False)],
    "limited": [],
    "broken": [],
}
GATED = {"gated"}
COMMITS = {name: hashlib.sha1(name.encode()).hexdigest() for name in REPOS}
CDN = {f.key: f for files in REPOS.values() for f in files if f.lfs}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    token = ""
    log = None
    lock = threading.Lock()

    def log_message(self, *args):
        pass

    def auth(self):
        header = self.headers.get("Authorization")
        if header is None:
            return "none"
        return "valid" if header == f"Bearer {self.token}" else "invalid"

    def record(self):
        line = json.dumps({
            "method": self.command, "path": urlsplit(self.path).path,
            "host": (self.headers.get("Host") or "").split(":")[0],
            "auth": self.auth(), "range": self.headers.get("Range"),
        })
        with self.lock:
            self.log.write(line + "\n")
            self.log.flush()

    def send(self, status, body=b"", headers=None, include_body=True):
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if include_body and self.command != "HEAD":
            self.wfile.write(body)

    def error(self, status, code=None, message=None, extra=None):
        headers = dict(extra or {})
        if code:
            headers["X-Error-Code"] = code
        if message:
            headers["X-Error-Message"] = message
        self.send(status, json.dumps({"error": message or code or str(status)}).encode(), headers)

    def do_HEAD(self):
        self.handle_request()

    def do_GET(self):
        self.handle_request()

    def handle_request(self):
        self.record()
        path = urlsplit(self.path).path
        parts = [unquote(p) for p in path.split("/")[1:]]
        if parts[:2] == ["api", "models"] and len(parts) == 6 and parts[4] == "revision":
            return self.revision(parts[2], parts[3])
        if len(parts) >= 5 and parts[2] == "resolve":
            return self.resolve(parts[0], parts[1], parts[3], "/".join(parts[4:]))
        if len(parts) == 3 and parts[0] == "cdn" and parts[2] in CDN:
            f = CDN[parts[2]]
            if f.cdn_mode == "hop" and "hopped" not in self.path:
                # One CDN sends the client on to another, with an absolute address.
                port = self.server.server_address[1]
                return self.send(302, b"", {"Location": f"http://localhost:{port}{path}?hopped=1"})
            return self.cdn(f)
        self.error(404, message="no such address")

    def repo_or_error(self, repo):
        if repo == "limited":
            self.error(429, message="rate limited", extra={"Retry-After": "17"})
            return None
        if repo == "broken":
            self.error(500, message="internal error")
            return None
        if repo not in REPOS:
            # Like the hub: a visitor without a token gets 401 for a repository that does not exist.
            status = 404 if self.auth() == "valid" else 401
            self.error(status, "RepoNotFound", "Repository Not Found")
            return None
        return REPOS[repo]

    def revision(self, owner, repo):
        files = self.repo_or_error(repo)
        if files is None:
            return
        siblings = []
        for f in files:
            entry = {"rfilename": f.path, "size": len(f.data), "blobId": git_blob_id(f.data)}
            if f.lfs:
                entry["lfs"] = {"sha256": f.sha256, "size": len(f.data), "pointerSize": 134}
            siblings.append(entry)
        body = {"id": f"{owner}/{repo}", "sha": COMMITS[repo], "gated": "manual" if repo in GATED else False, "siblings": siblings}
        self.send(200, json.dumps(body).encode(), {"Content-Type": "application/json"})

    def resolve(self, owner, repo, revision, file_path):
        files = self.repo_or_error(repo)
        if files is None:
            return
        if revision not in ("main", COMMITS[repo]):
            return self.error(404, "RevisionNotFound", "Invalid rev id")
        if repo in GATED and self.auth() != "valid":
            if self.auth() == "none":
                return self.error(401, "GatedRepo", f"Access to model {owner}/{repo} is restricted. You must be authenticated.")
            return self.error(403, "GatedRepo", f"Access to model {owner}/{repo} is restricted and you are not in the authorized list.")
        match = [f for f in files if f.path == file_path]
        if not match:
            return self.error(404, "EntryNotFound", f"{file_path} does not exist on main")
        f = match[0]
        headers = {"X-Repo-Commit": COMMITS[repo]}
        if f.lfs:
            host = "localhost" if self.headers.get("Host", "").startswith("127.0.0.1") else "127.0.0.1"
            port = self.server.server_address[1]
            headers.update({
                "ETag": f'"{git_blob_id(f.data)[:40]}"', "X-Linked-Etag": f'"{f.sha256}"',
                "X-Linked-Size": str(len(f.data)),
                "Location": f"http://{host}:{port}/cdn/{owner}/{f.key}?X-Amz-Signature=abc&Expires=1",
            })
            return self.send(302, b"", headers)
        headers["ETag"] = f'"{git_blob_id(f.data)}"'
        self.send(200, f.data, headers)

    def cdn(self, f):
        data = f.data
        start = 0
        requested = self.headers.get("Range")
        if requested and f.cdn_mode != "norange":
            if not requested.startswith("bytes=") or not requested.endswith("-"):
                return self.error(400, message="only bytes=N- ranges")
            start = int(requested[len("bytes="):-1])
            if start >= len(data):
                return self.send(416, b"", {"Content-Range": f"bytes */{len(data)}"})
        body = data[start:]
        headers = {"Accept-Ranges": "bytes", "ETag": f'"{f.sha256}"'}
        status = 200
        if start > 0:
            status = 206
            headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
        if f.cdn_mode == "cut" and start == 0:
            # Headers promise the whole file; half of it arrives, then the connection drops.
            self.send_response(200)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send(status, body, headers)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that hangs up (as the tests' cut downloads make it do) is not an error here.
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--token", required=True)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    Handler.token = args.token
    Handler.log = open(args.log, "a", encoding="utf-8")
    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"PORT {server.server_address[1]}", flush=True)
    sys.stdin.read()  # until the test closes our stdin (or exits)
    server.shutdown()


if __name__ == "__main__":
    main()
