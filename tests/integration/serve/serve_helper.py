"""Starts and stops `facteur serve` on free loopback ports for the tests of this folder,
with the examples' zone file and no blocklists, in a scratch data folder."""
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

ROOT = os.environ.get("FCT_SOURCE_ROOT",
                      os.path.join(os.path.dirname(__file__), "../../.."))
ZONE = os.path.join(ROOT, "examples", "check.zone")
DOMAIN = "tester.example"


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    def __init__(self, facteur, data_dir, extra=(), env=None):
        self.facteur = facteur
        self.data_dir = data_dir
        self.extra = list(extra)
        self.smtp_port = free_port()
        self.http_port = free_port()
        self.proc = None
        self.env = env

    @property
    def base(self):
        return f"http://127.0.0.1:{self.http_port}"

    def args(self):
        return [self.facteur, "serve", "--smtp", f"127.0.0.1:{self.smtp_port}",
                "--http", f"127.0.0.1:{self.http_port}", "--test-domain", DOMAIN,
                "--hostname", "mx.tester.example", "--data-dir", self.data_dir,
                "--dns-zone", ZONE, "--no-blocklists", "--no-audit-smtp", *self.extra]

    def start(self, attempts=5):
        """Starts the server and waits until both ports answer. The ports were free when
        chosen, but another program may take one before the server binds it: then two
        other ports, a few times."""
        env = dict(os.environ if self.env is None else self.env)
        self.proc = subprocess.Popen(self.args(), stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace")
                if "Address already in use" in err and attempts > 1:
                    self.smtp_port = free_port()
                    self.http_port = free_port()
                    return self.start(attempts - 1)
                raise RuntimeError("facteur serve exited: " + err)
            try:
                with socket.create_connection(("127.0.0.1", self.smtp_port), timeout=1) as s:
                    s.recv(100)
                urllib.request.urlopen(self.base + "/static/style.css", timeout=2).read()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("facteur serve did not start")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.proc = None

    def request(self, path, method="GET", headers=None):
        req = urllib.request.Request(self.base + path, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def new_test(self):
        status, _, body = self.request("/api/tests", method="POST")
        assert status == 201, (status, body)
        return json.loads(body)

    def wait_report(self, token, lang="en", timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status, _, body = self.request(f"/api/tests/{token}?lang={lang}")
            j = json.loads(body)
            if j.get("status") == "done":
                return j["report"]
            time.sleep(0.05)
        raise AssertionError(f"no report for {token} within {timeout} s")


def tap(results):
    print(f"1..{len(results)}")
    for i, (ok, name, note) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {i} {name}")
        for line in note.splitlines():
            print(f"#   {line}")
