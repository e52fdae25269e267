"""Shared machinery for faasgate's end-to-end tests.

The tests run the real `faasgate` binary on a loopback port chosen by the OS, against real peers:
an HTTP server serving an identity provider's discovery document and keys, and tokens signed by
jwcrypto (an implementation nobody here wrote). Only 127.0.0.1 is ever contacted.
"""
import base64
import http.server
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from jwcrypto import jwk, jwt

FAASGATE_BIN = os.environ.get("FAASGATE_BIN", "build-test/bin/faasgate")
TESTDATA_DIR = os.environ.get("FAASGATE_TESTDATA_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data"))
K8S_ISSUER = "https://kubernetes.default.svc.cluster.local"
SEED_DIR = os.path.join(TESTDATA_DIR, "seed-manifests")
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token"


def seed(name):
    """A manifest printed in the write-up, byte for byte."""
    with open(os.path.join(SEED_DIR, name)) as f:
        return f.read()


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)


def request(method, url, body=None, headers=None, timeout=30):
    """One HTTP request; never raises for an HTTP status."""
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return Response(r.status, r.headers, r.read())
    except urllib.error.HTTPError as e:
        return Response(e.code, e.headers, e.read())


class IdentityProvider:
    """An OIDC issuer as Kubernetes' API server presents it: discovery at
    /.well-known/openid-configuration and keys at /openid/v1/jwks, served over real HTTP."""

    def __init__(self, issuer=K8S_ISSUER, kty="RSA", advertise_internal=False):
        self.issuer = issuer
        self.keys = [self.new_key(kty, "k1")]
        self.fetches = 0
        self.advertise_internal = advertise_internal
        provider = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/.well-known/openid-configuration":
                    base = provider.url if provider.advertise_internal else provider.issuer
                    body = {"issuer": provider.issuer, "jwks_uri": base + "/openid/v1/jwks",
                            "response_types_supported": ["id_token"], "subject_types_supported": ["public"],
                            "id_token_signing_alg_values_supported": ["RS256"]}
                elif self.path == "/openid/v1/jwks":
                    provider.fetches += 1
                    body = {"keys": [json.loads(k.export_public()) for k in provider.keys]}
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Cache-Control", "max-age=3600")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @staticmethod
    def new_key(kty, kid):
        if kty == "RSA":
            key = jwk.JWK.generate(kty="RSA", size=2048, kid=kid)
        elif kty == "EC":
            key = jwk.JWK.generate(kty="EC", crv="P-256", kid=kid)
        else:
            key = jwk.JWK.generate(kty="OKP", crv="Ed25519", kid=kid)
        return key

    def sign(self, claims, key=None, alg=None, header=None):
        key = key or self.keys[0]
        if alg is None:
            alg = {"RSA": "RS256", "EC": "ES256", "OKP": "EdDSA"}[key.key_type]
        h = {"alg": alg, "kid": key.key_id}
        if header:
            h.update(header)
        token = jwt.JWT(header=h, claims=claims)
        token.make_signed_token(key)
        return token.serialize()

    def service_account_token(self, sub="system:serviceaccount:openfaas:my-app", aud=None, ttl=600, now=None, **extra):
        now = int(now if now is not None else time.time())
        ns, name = sub.split(":")[2:4] if sub.startswith("system:serviceaccount:") else ("", "")
        claims = {"iss": self.issuer, "sub": sub, "aud": aud or [], "iat": now, "nbf": now, "exp": now + ttl,
                  "jti": "jti-%d" % time.monotonic_ns(),
                  "kubernetes.io": {"namespace": ns, "serviceaccount": {"name": name, "uid": "u-1"}}}
        claims.update(extra)
        return self.sign(claims)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def issuer_manifest(name, iss, aud, iss_internal=None, extra="", token_expiry="30m"):
    lines = ["apiVersion: iam.openfaas.com/v1", "kind: JwtIssuer", "metadata:", "  name: %s" % name,
             "  namespace: openfaas", "spec:", "  iss: %s" % iss, "  aud:"]
    lines += ["  - %s" % a for a in aud]
    if iss_internal:
        lines.append("  issInternal: %s" % iss_internal)
    lines.append("  tokenExpiry: %s" % token_expiry)
    return "\n".join(lines) + "\n" + extra


class Gateway:
    """`faasgate serve` on 127.0.0.1:0 with its own data and IAM directories."""

    def __init__(self, iam_files=None, extra_args=(), data_dir=None, cwd=None, env=None, command_prefix=(),
                 binary=None, listen="127.0.0.1:0", iam_dir=None):
        """`env` adds to the gateway's environment; `command_prefix` runs it through another
        program (setpriv, to run it as another user) and `binary` from another copy. `listen`
        names a port to start again where a stopped gateway was; `iam_dir` a directory of IAM
        objects another gateway shares."""
        self.tmp = tempfile.mkdtemp(prefix="faasgate-e2e-")
        # As root, function processes run as an unprivileged user of their own, who must pass
        # through the directories above the data directory (not list them).
        os.chmod(self.tmp, 0o711)
        self.data_dir = data_dir or os.path.join(self.tmp, "data")
        self.iam_dir = iam_dir or os.path.join(self.tmp, "iam")
        os.makedirs(self.iam_dir, exist_ok=True)
        for name, text in (iam_files or {}).items():
            self.write_iam(name, text)
        self.log_path = os.path.join(self.tmp, "gateway.log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [*command_prefix, binary or FAASGATE_BIN, "serve", "--listen", listen,
             "--metrics-listen", "127.0.0.1:0", "--data-dir", self.data_dir, "--iam-dir", self.iam_dir, *extra_args],
            stdout=subprocess.PIPE, stderr=self.log, cwd=cwd, env=dict(os.environ, **(env or {})))
        # A relative --data-dir is the gateway's, relative to its working directory.
        self.data_dir = os.path.join(cwd or os.getcwd(), self.data_dir)
        self.url, self.metrics_url = self._await_listening()

    def _await_listening(self):
        """The API's URL and the metrics listener's, from the lines `serve` prints once it listens."""
        deadline = time.time() + 60
        url = None
        while time.time() < deadline:
            line = self.proc.stdout.readline().decode()
            if not line:
                break
            m = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
            if m:
                url = m.group(1)
            m = re.search(r"metrics on (http://127\.0\.0\.1:\d+/metrics)", line)
            if m and url:
                threading.Thread(target=self.proc.stdout.read, daemon=True).start()
                return url, m.group(1)
        self.proc.kill()
        raise RuntimeError("gateway did not start:\n" + open(self.log_path).read())

    def write_iam(self, name, text):
        path = os.path.join(self.iam_dir, name)
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.rename(tmp, path)

    def logs(self):
        self.log.flush()
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def run(self, *args, check=True):
        """Runs another faasgate subcommand against this gateway's data directory."""
        return subprocess.run([FAASGATE_BIN, *args], capture_output=True, text=True, check=check, timeout=60)

    def admin_auth(self):
        with open(os.path.join(self.data_dir, "admin-password")) as f:
            password = f.read().strip()
        return "Basic " + base64.b64encode(("admin:" + password).encode()).decode()

    def api(self, method, path, body=None, auth=None, headers=None):
        """A call to the REST API as the admin (or with `auth` as the Authorization header)."""
        h = {"Authorization": auth or self.admin_auth()}
        if body is not None and not isinstance(body, (str, bytes)):
            body = json.dumps(body)
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        return request(method, self.url + path, body=body, headers=h)

    def get(self, path, **kw):
        return request("GET", self.url + path, **kw)

    def post(self, path, body=None, **kw):
        return request("POST", self.url + path, body=body, **kw)

    def exchange(self, subject_token, via="form", **params):
        fields = {"grant_type": TOKEN_EXCHANGE, "subject_token": subject_token, "subject_token_type": ID_TOKEN_TYPE}
        fields.update(params)
        encoded = urllib.parse.urlencode(fields, doseq=True)
        if via == "query":
            return self.post("/oauth/token?" + encoded)
        return self.post("/oauth/token", encoded, headers={"Content-Type": "application/x-www-form-urlencoded"})

    def gateway_keys(self):
        discovery = self.get("/.well-known/openid-configuration").json()
        jwks_path = urllib.parse.urlparse(discovery["jwks_uri"]).path
        return discovery, jwk.JWKSet.from_json(self.get(jwks_path).body)

    def wait_until(self, predicate, timeout=15, message="condition"):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if predicate():
                return
            time.sleep(0.1)
        raise AssertionError("timed out waiting for " + message + "\n" + self.logs())

    def kill(self):
        """SIGKILL: no chance to clean up, as in a crash."""
        self.proc.kill()
        self.proc.wait()
        self.log.close()

    def stop(self):
        if self.log.closed:
            return self.proc.returncode
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode

    def close(self):
        self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


def auth_dir(parent, name, user, password):
    """Basic-auth credentials as upstream mounts them: DIR/basic-auth-user, DIR/basic-auth-password."""
    path = os.path.join(parent, name)
    os.makedirs(path)
    for file, text in (("basic-auth-user", user + "\n"), ("basic-auth-password", password + "\n")):
        with open(os.path.join(path, file), "w") as f:
            f.write(text)
    return path


class Provider:
    """`faasgate provider` on 127.0.0.1 (port 0, or the one it had before) with basic auth."""

    def __init__(self, data_dir, auth, port=0):
        """`auth`: a directory made by auth_dir(), whose credentials api() sends."""
        with open(os.path.join(auth, "basic-auth-user")) as f:
            self.user = f.read().strip()
        with open(os.path.join(auth, "basic-auth-password")) as f:
            self.password = f.read().strip()
        self.log = open(data_dir + ".log", "ab")
        self.proc = subprocess.Popen(
            [FAASGATE_BIN, "provider", "--listen", "127.0.0.1:%d" % port, "--data-dir", data_dir,
             "--auth-dir", auth], stdout=subprocess.PIPE, stderr=self.log)
        deadline = time.time() + 30
        while time.time() < deadline:
            line = self.proc.stdout.readline().decode()
            if not line:
                break
            m = re.search(r"listening on (http://127\.0\.0\.1:(\d+))", line)
            if m:
                threading.Thread(target=self.proc.stdout.read, daemon=True).start()
                self.url, self.port = m.group(1), int(m.group(2))
                return
        self.proc.kill()
        raise RuntimeError("the provider did not start:\n" + open(data_dir + ".log").read())

    def api(self, method, path, body=None):
        headers = {"Authorization": "Basic " + base64.b64encode((self.user + ":" + self.password).encode()).decode()}
        if body is not None:
            body = json.dumps(body)
            headers["Content-Type"] = "application/json"
        return request(method, self.url + path, body=body, headers=headers, timeout=10)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def nats_server_binary():
    for candidate in ("/usr/sbin/nats-server", shutil.which("nats-server")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise RuntimeError("nats-server is not installed (scripts/install-deps installs it)")


class NatsServer:
    """`nats-server -js` on 127.0.0.1, its port read from its log; stop() kills it (an outage),
    start() brings it back on the same port and store."""

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="faasgate-nats-e2e-")
        self.port = "-1"
        self.proc = None
        self.start()

    def start(self):
        log = os.path.join(self.tmp, "server.log")
        if os.path.exists(log):
            os.unlink(log)
        self.proc = subprocess.Popen([nats_server_binary(), "-a", "127.0.0.1", "-p", self.port, "-js",
                                      "-sd", os.path.join(self.tmp, "store"), "-l", log],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 20
        while time.time() < deadline:
            text = ""
            if os.path.exists(log):
                with open(log) as f:
                    text = f.read()
            m = re.search(r"Listening for client connections on 127\.0\.0\.1:(\d+)\n", text)
            if m:
                self.port = m.group(1)
                self.url = "nats://127.0.0.1:" + self.port
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("nats-server did not start:\n" + (open(log).read() if os.path.exists(log) else ""))

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def close(self):
        self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


def verify_with_jwcrypto(token, keyset, issuer):
    """Verifies a gateway token with jwcrypto and the gateway's published keys."""
    checked = jwt.JWT(jwt=token, key=keyset, algs=["ES256"], check_claims={"iss": issuer, "aud": issuer, "exp": None})
    return json.loads(checked.claims)


class CallbackReceiver:
    """A real HTTP server on 127.0.0.1 that records the callbacks of async invocations."""

    def __init__(self):
        self.calls = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver.lock:
                    receiver.calls.append({"headers": dict(self.headers), "body": body})
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/callback" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def call_ids(self):
        with self.lock:
            return {c["headers"].get("X-Call-Id") for c in self.calls}

    def close(self):
        self.server.shutdown()
        self.server.server_close()
