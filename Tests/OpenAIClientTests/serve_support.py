"""Starting and stopping `glmchat serve` for the openai client tests, and the fixtures they read."""
import json
import os
import re
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TINY_MODEL = os.path.join(ROOT, "Tests", "GLMEngineTests", "Fixtures", "tiny-chatglm3")
TINY_NAME = "tiny-chatglm3"


def binary():
    """The glmchat the tests run: $GLMCHAT_BIN, else the debug build of this checkout."""
    path = os.environ.get("GLMCHAT_BIN") or os.path.join(ROOT, ".build", "debug", "glmchat")
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"no glmchat at {path}: build it first (swift build) or set GLMCHAT_BIN")
    return path


def oracle_cases():
    """The tiny model's reference outputs (original modeling_chatglm.py, float32), by case name."""
    with open(os.path.join(TINY_MODEL, "expected.json"), encoding="utf-8") as file:
        return {case["name"]: case for case in json.load(file)["cases"]}


class Server:
    """One `glmchat serve` process on a free port; its log lines are kept in `log`."""

    def __init__(self, *arguments, env=None):
        command = [binary(), "serve", "--port", "0", *arguments]
        environment = dict(os.environ, **(env or {}))
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, env=environment, text=True, encoding="utf-8")
        self.log = []
        self._listening = threading.Event()
        self.address = None
        threading.Thread(target=self._read_log, daemon=True).start()
        if not self._listening.wait(120):
            self.kill()
            raise RuntimeError("glmchat serve did not start listening: " + "\n".join(self.log))

    def _read_log(self):
        for line in self.process.stderr:
            self.log.append(line.rstrip("\n"))
            found = re.search(r"listening on (http://\S+)", line)
            if found:
                self.address = found.group(1)
                self._listening.set()

    @property
    def base_url(self):
        return self.address + "/v1"

    def client(self, api_key="unused", **options):
        """The official openai client for this server, never retrying (a test sees every error)."""
        import openai
        return openai.OpenAI(base_url=self.base_url, api_key=api_key, max_retries=0, **options)

    def request(self, method, path, body=None, headers=None, raw=None):
        """(status, headers, parsed JSON or text) of one request, errors included."""
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(self.address + path, data=data, method=method, headers=headers or {})
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, reply_headers, text = response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            status, reply_headers, text = error.code, error.headers, error.read().decode()
        try:
            return status, reply_headers, json.loads(text)
        except ValueError:
            return status, reply_headers, text

    def metric(self, name, labels=""):
        """One sample of /metrics (0 when absent)."""
        _, _, text = self.request("GET", "/metrics")
        pattern = re.escape(name) + (r"\{" + re.escape(labels) + r"\}" if labels else "") + r" (\S+)"
        found = re.search(r"^" + pattern + r"$", text, re.MULTILINE)
        return float(found.group(1)) if found else 0.0

    def wait_for_metric(self, name, labels, predicate, seconds=20):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            value = self.metric(name, labels)
            if predicate(value):
                return value
            time.sleep(0.1)
        return self.metric(name, labels)

    def terminate(self):
        self.process.send_signal(signal.SIGTERM)

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()

    def close(self):
        """SIGTERM, then a kill if it has not exited within ten seconds."""
        if self.process.poll() is None:
            self.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


def write_script(directory, replies, name="scripted", pace_ms=0):
    """A `--scripted` model file: the raw replies, as ChatGLM3 writes them, answered in turn."""
    path = os.path.join(directory, name + ".json")
    with open(path, "w", encoding="utf-8") as file:
        json.dump({"name": name, "kind": "chat", "replies": replies, "pace_ms": pace_ms}, file, ensure_ascii=False)
    return path
