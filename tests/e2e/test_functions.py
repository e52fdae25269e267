"""End to end: the functions platform, as a new user would drive it with curl and the README."""
import http.client
import http.server
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse

import harness
from harness import CallbackReceiver, Gateway, IdentityProvider, K8S_ISSUER, issuer_manifest

HERE = os.path.dirname(os.path.abspath(__file__))
HTTP_ECHO = "/usr/bin/python3 " + os.path.join(HERE, "fixtures", "http_echo.py")


def serve_once(test, *args):
    """`faasgate serve ARGS` on a scratch data directory, for options it must refuse."""
    data_dir = tempfile.mkdtemp()
    test.addCleanup(shutil.rmtree, data_dir, True)
    return subprocess.run([harness.FAASGATE_BIN, "serve", *args, "--listen", "127.0.0.1:0", "--data-dir", data_dir],
                          capture_output=True, text=True, timeout=30)


def deployment(name, process, namespace="openfaas-fn", **extra):
    body = {"service": name, "image": "example/" + name + ":latest", "namespace": namespace, "envProcess": process}
    body.update(extra)
    return body


class FunctionsTest(unittest.TestCase):
    def setUp(self):
        self.gw = Gateway()

    def tearDown(self):
        self.gw.close()

    def deploy(self, body, expect=202):
        r = self.gw.api("POST", "/system/functions", body)
        self.assertEqual(r.status, expect, r.body)
        return r

    def wait_ready(self, name, ns="openfaas-fn", replicas=1):
        def ready():
            r = self.gw.api("GET", "/system/function/%s?namespace=%s" % (name, ns))
            return r.status == 200 and r.json()["availableReplicas"] >= replicas
        self.gw.wait_until(ready, timeout=30, message="%s to be ready" % name)

    def expect_continue(self, target, body):
        """Sends a request with Expect: 100-continue and, once asked, its body; returns the final
        status, the interim status line and the JSON answer."""
        host, port = urllib.parse.urlsplit(self.gw.url).netloc.split(":")
        with socket.create_connection((host, int(port)), timeout=10) as s:
            s.sendall(("POST %s HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n"
                       % (target, len(body))).encode())
            stream = s.makefile("rb")
            interim = stream.readline().decode().strip()
            self.assertEqual(stream.readline(), b"\r\n")
            s.sendall(body)
            answer = http.client.HTTPResponse(s)
            answer.begin()
            return answer.status, interim, json.loads(answer.read())

    # --- authentication -------------------------------------------------------------------

    def test_system_api_requires_authentication(self):
        r = harness.request("GET", self.gw.url + "/system/functions")
        self.assertEqual(r.status, 401)
        self.assertIn("Bearer", r.headers["WWW-Authenticate"])
        r = self.gw.api("GET", "/system/functions", auth="Basic YWRtaW46d3Jvbmc=")  # admin:wrong
        self.assertEqual(r.status, 401)
        r = self.gw.api("GET", "/system/functions", auth="Bearer not.a.token")
        self.assertEqual(r.status, 401)
        self.assertIn('error="invalid_token"', r.headers["WWW-Authenticate"])
        self.assertEqual(self.gw.api("GET", "/system/functions").status, 200)
        mode = os.stat(os.path.join(self.gw.data_dir, "admin-password")).st_mode & 0o777
        self.assertEqual(mode, 0o600)
        self.assertNotIn(self.gw.admin_auth().split()[1], self.gw.logs())

    def test_a_first_start_is_not_taken_for_a_configuration_change(self):
        # The first start writes the signing key; the reloader (every second) must not see that
        # as a change and reload.
        time.sleep(2.5)
        self.assertNotIn("configuration reloaded", self.gw.logs())

    def test_info(self):
        info = self.gw.api("GET", "/system/info").json()
        self.assertEqual(info["provider"]["provider"], "faasgate")
        self.assertEqual(info["provider"]["orchestration"], "local")
        self.assertIn("release", info["version"])
        self.assertEqual(info["arch"], os.uname().machine)

    # --- classic mode ---------------------------------------------------------------------

    def test_classic_shell_function(self):
        self.deploy(deployment("hello", "sh -c 'echo \"$Http_Method $Http_Path $Http_Query\"; cat; echo oops >&2'",
                               envVars={"greeting": "hi"}))
        r = harness.request("POST", self.gw.url + "/function/hello/sub/path?x=1", body="payload")
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.body.decode(), "POST /sub/path x=1\npayload")
        # Http_Path is decoded, as the watchdog's; Http_Query is not
        r = harness.request("POST", self.gw.url + "/function/hello/sub%20dir/a%2Fb?x=%20", body="")
        self.assertEqual(r.body.decode(), "POST /sub dir/a/b x=%20\n")
        self.assertTrue(r.headers["X-Call-Id"])
        self.assertTrue(r.headers["X-Start-Time"])
        # stderr is in the logs, as NDJSON
        def logged():
            r = self.gw.api("GET", "/system/logs?name=hello&namespace=openfaas-fn&tail=5")
            lines = [json.loads(l) for l in r.body.decode().splitlines() if l]
            return r.status == 200 and any(l["text"] == "oops" for l in lines)
        self.gw.wait_until(logged, message="stderr in the logs")
        line = json.loads(self.gw.api("GET", "/system/logs?name=hello&tail=1").body.decode().splitlines()[-1])
        self.assertEqual(set(line), {"name", "namespace", "instance", "timestamp", "text"})
        self.assertEqual(line["namespace"], "openfaas-fn")

    def test_failing_and_slow_functions(self):
        self.deploy(deployment("fails", "sh -c 'echo bad; exit 3'"))
        r = harness.request("POST", self.gw.url + "/function/fails", body="")
        self.assertEqual(r.status, 500)
        self.assertIn(b"bad", r.body)
        self.deploy(deployment("slow", "sleep 30", envVars={"exec_timeout": "1s"}))
        r = harness.request("POST", self.gw.url + "/function/slow", body="")
        self.assertEqual(r.status, 504)
        self.assertEqual(harness.request("POST", self.gw.url + "/function/nothere").status, 404)

    # --- http mode, scaling, secrets ------------------------------------------------------

    def test_http_mode_with_replicas_and_a_secret(self):
        self.assertEqual(self.gw.api("POST", "/system/secrets", {"name": "db-password", "value": "s3cr3t"}).status, 201)
        self.deploy(deployment("web", HTTP_ECHO, envVars={"mode": "http", "greeting": "hello"},
                               secrets=["db-password"]))
        self.wait_ready("web")
        r = harness.request("PUT", self.gw.url + "/function/web/a/b?c=d", body="xyz")
        self.assertEqual(r.status, 200, r.body)
        answer = r.json()
        self.assertEqual(answer["method"], "PUT")
        self.assertEqual(answer["path"], "/a/b?c=d")
        self.assertEqual(answer["body"], "xyz")
        self.assertEqual(answer["greeting"], "hello")
        # The path reaches the function as the client sent it, percent-encoded: decoded, %20 would
        # break the request line and %0D%0A would add a header of the caller's making.
        for path in ["/a%20b?q=%20", "/x%0D%0AX-Tag:%20injected%0D%0AY:%20z", "/a%2Fb/c"]:
            r = harness.request("GET", self.gw.url + "/function/web" + path)
            self.assertEqual(r.status, 200, r.body)
            self.assertEqual(r.json()["path"], path)
            self.assertEqual(r.json()["tags"], [])
        self.assertEqual(harness.request("GET", self.gw.url + "/function/w%65b/").status, 400)
        # HEAD: the function's Content-Length, no body, and the connection goes on.
        conn = http.client.HTTPConnection(urllib.parse.urlsplit(self.gw.url).netloc, timeout=10)
        conn.request("HEAD", "/function/web/page")
        head = conn.getresponse()
        self.assertEqual((head.status, head.read()), (200, b""))
        self.assertGreater(int(head.headers["Content-Length"]), 100)  # the function's, for its JSON echo
        conn.request("GET", "/function/web/page")
        self.assertEqual(json.loads(conn.getresponse().read())["method"], "GET")
        conn.close()
        # Interim answers from the function are not mistaken for its answer.
        r = harness.request("GET", self.gw.url + "/function/web/early-hints")
        self.assertEqual((r.status, r.json()["path"]), (200, "/early-hints"), r.body)
        # A client that expects 100 Continue (curl, for a body over 1 MiB) is asked for its body
        # by the gateway at once; the function is not asked again.
        status, interim, answer = self.expect_continue("/function/web/upload", b"x" * 4096)
        self.assertEqual(interim, "HTTP/1.1 100 Continue")
        self.assertEqual(status, 200)
        self.assertEqual((len(answer["body"]), answer["expect"]), (4096, None))
        # A field sent more than once reaches the function, and comes back, once per value, in order.
        conn = http.client.HTTPConnection(urllib.parse.urlsplit(self.gw.url).netloc, timeout=30)
        conn.putrequest("GET", "/function/web")
        conn.putheader("X-Tag", "a")
        conn.putheader("X-Tag", "b")
        conn.endheaders()
        tagged = conn.getresponse()
        self.assertEqual(json.loads(tagged.read())["tags"], ["a", "b"])
        self.assertEqual(tagged.headers.get_all("Set-Cookie"), ["tag=a", "tag=b"])
        # Hop-by-hop fields stay with the hop: the fixed ones and those that Connection names.
        conn.request("GET", "/function/web", headers={"Connection": "keep-alive, X-Private", "X-Private": "1",
                                                      "Proxy-Connection": "keep-alive", "X-Public": "1"})
        fields = json.loads(conn.getresponse().read())["fields"]
        self.assertIn("x-public", fields)
        for hop in ("x-private", "proxy-connection", "connection", "keep-alive"):
            self.assertNotIn(hop, fields)
        conn.close()
        with open(os.path.join(answer["secret_dir"], "db-password")) as f:
            self.assertEqual(f.read(), "s3cr3t")
        # secrets are listed by name only
        listed = self.gw.api("GET", "/system/secrets").json()
        self.assertEqual(listed, [{"name": "db-password", "namespace": "openfaas-fn"}])
        self.assertNotIn("s3cr3t", self.gw.logs())

        self.assertEqual(self.gw.api("POST", "/system/scale-function/web",
                                     {"serviceName": "web", "replicas": 2, "namespace": "openfaas-fn"}).status, 202)
        self.wait_ready("web", replicas=2)
        instances = {harness.request("GET", self.gw.url + "/function/web").json()["instance"] for _ in range(10)}
        self.assertEqual(len(instances), 2)  # balanced over both replicas
        status = self.gw.api("GET", "/system/function/web").json()
        self.assertEqual(status["replicas"], 2)
        self.assertGreaterEqual(status["invocationCount"], 11)

    def test_http_mode_timeout_is_504_and_the_function_stays_usable(self):
        self.deploy(deployment("web", HTTP_ECHO, envVars={"mode": "http", "exec_timeout": "1s"}))
        self.wait_ready("web")
        started = time.monotonic()
        r = harness.request("GET", self.gw.url + "/function/web/sleep?s=5")
        self.assertEqual(r.status, 504, r.body)
        self.assertLess(time.monotonic() - started, 4.5)  # cut at the timeout, not at the answer
        r = harness.request("GET", self.gw.url + "/function/web/after")
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json()["path"], "/after")

    def test_max_inflight_answers_429_and_async_calls_wait_their_turn(self):
        self.deploy(deployment("single", "sh -c 'sleep 1; cat'", envVars={"max_inflight": "1"}))
        results = {}
        def call(i):
            results[i] = harness.request("POST", self.gw.url + "/function/single", body="call-%d" % i)
        threads = [threading.Thread(target=call, args=(i,)) for i in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        statuses = sorted(r.status for r in results.values())
        self.assertEqual(statuses, [200, 429, 429])
        busy = next(r for r in results.values() if r.status == 429)
        self.assertIn(b"max_inflight", busy.body)
        self.assertEqual(busy.headers["Retry-After"], "1")

        # http mode: the gateway holds the limit while a call is at the replica
        self.deploy(deployment("webone", HTTP_ECHO, envVars={"mode": "http", "max_inflight": "1"}))
        self.wait_ready("webone")
        results.clear()
        def hold_the_slot():
            # A quick call below can take the one slot first; then this call is the one refused, and tries again.
            for _ in range(50):
                results["slow"] = harness.request("GET", self.gw.url + "/function/webone/sleep?s=3")
                if results["slow"].status != 429:
                    return
        slow = threading.Thread(target=hold_the_slot)
        slow.start()
        seen = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and 429 not in seen:
            seen.append(harness.request("GET", self.gw.url + "/function/webone/quick").status)
            time.sleep(0.05)
        slow.join()
        self.assertIn(429, seen)
        self.assertEqual(results["slow"].status, 200)

        # async: a call that finds the function busy is retried from the queue, not failed
        receiver = CallbackReceiver()
        try:
            ids = []
            for i in range(2):
                r = harness.request("POST", self.gw.url + "/async-function/single", body="async-%d" % i,
                                    headers={"X-Callback-Url": receiver.url})
                self.assertEqual(r.status, 202)
                ids.append(r.headers["X-Call-Id"])
            self.gw.wait_until(lambda: set(ids) <= receiver.call_ids(), timeout=60, message="both callbacks")
            with receiver.lock:
                statuses = {c["headers"]["X-Call-Id"]: c["headers"]["X-Function-Status"] for c in receiver.calls}
            self.assertEqual([statuses[i] for i in ids], ["200", "200"])
        finally:
            receiver.close()

    def test_logs_follow_streams_new_lines(self):
        self.deploy(deployment("web", HTTP_ECHO, envVars={"mode": "http"}))
        self.wait_ready("web")
        url = urllib.parse.urlsplit(self.gw.url)
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=20)
        try:
            conn.request("GET", "/system/logs?name=web&follow=true", headers={"Authorization": self.gw.admin_auth()})
            r = conn.getresponse()
            self.assertEqual(r.status, 200)
            self.assertEqual(r.getheader("Content-Type"), "application/x-ndjson")
            self.assertEqual(harness.request("POST", self.gw.url + "/function/web/marker-1").status, 200)
            seen = []
            while not any("marker-1" in l.get("text", "") for l in seen):
                line = r.fp.readline()  # one chunk-size line or one NDJSON line at a time
                self.assertTrue(line, "the stream ended before the new line arrived")
                text = line.decode().strip()
                if text.startswith("{"):
                    seen.append(json.loads(text))
            self.assertEqual(seen[-1]["name"], "web")
        finally:
            conn.close()

    def test_crashed_replica_is_restarted(self):
        self.deploy(deployment("web", HTTP_ECHO, envVars={"mode": "http"}))
        self.wait_ready("web")
        instance = harness.request("GET", self.gw.url + "/function/web").json()["instance"]
        harness.request("GET", self.gw.url + "/function/web/exit")  # it crashes, answering nothing
        def back():
            r = harness.request("GET", self.gw.url + "/function/web")
            return r.status == 200 and r.json()["instance"] != instance
        self.gw.wait_until(back, timeout=30, message="the replica to be restarted")

    # --- async ----------------------------------------------------------------------------

    def test_async_invocation_calls_back(self):
        receiver = CallbackReceiver()
        try:
            self.deploy(deployment("upper", "tr a-z A-Z"))
            r = harness.request("POST", self.gw.url + "/async-function/upper", body="shout",
                                headers={"X-Callback-Url": receiver.url})
            self.assertEqual(r.status, 202, r.body)
            call_id = r.headers["X-Call-Id"]
            self.gw.wait_until(lambda: call_id in receiver.call_ids(), message="the callback")
            call = [c for c in receiver.calls if c["headers"].get("X-Call-Id") == call_id][0]
            self.assertEqual(call["body"], b"SHOUT")
            self.assertEqual(call["headers"]["X-Function-Status"], "200")
            self.assertEqual(call["headers"]["X-Function-Name"], "upper")
            self.assertIn("X-Duration-Seconds", call["headers"])
        finally:
            receiver.close()

    # --- namespaces, lifecycle, restart ---------------------------------------------------

    def test_namespaces_and_the_name_dot_namespace_form(self):
        self.assertEqual(self.gw.api("POST", "/system/namespace/", {"name": "dev", "labels": {"team": "a"}}).status, 201)
        self.assertIn("dev", self.gw.api("GET", "/system/namespaces").json())
        # Upstream marks the namespaces it serves with openfaas=1, and keeps the mark on updates
        # that do not resend it.
        self.assertEqual(self.gw.api("GET", "/system/namespace/dev").json()["labels"], {"team": "a", "openfaas": "1"})
        self.assertEqual(self.gw.api("PUT", "/system/namespace/dev", {"labels": {"team": "b"}}).status, 200)
        got = self.gw.api("GET", "/system/namespace/dev").json()
        self.assertEqual((got["labels"], got["annotations"]), ({"team": "b", "openfaas": "1"}, {"openfaas": "1"}))
        self.deploy(deployment("echo", "cat", namespace="dev"))
        r = harness.request("POST", self.gw.url + "/function/echo.dev", body="in dev")
        self.assertEqual(r.body, b"in dev")
        self.assertEqual([f["name"] for f in self.gw.api("GET", "/system/functions?namespace=dev").json()], ["echo"])
        self.assertEqual(self.gw.api("GET", "/system/functions").json(), [])
        self.assertEqual(self.gw.api("DELETE", "/system/namespace/dev").status, 409)  # not empty
        self.deploy(deployment("x", "cat", namespace="nowhere"), expect=404)

    def test_everything_survives_a_restart_then_delete(self):
        self.gw.api("POST", "/system/secrets", {"name": "token", "value": "abc"})
        self.deploy(deployment("reader", "sh -c 'cat \"$secret_mount_path/token\"'", secrets=["token"]))
        self.deploy(deployment("web", HTTP_ECHO, envVars={"mode": "http"}))
        self.assertEqual(harness.request("POST", self.gw.url + "/function/reader").body, b"abc")
        self.gw.stop()
        again = Gateway(data_dir=self.gw.data_dir)
        try:
            self.assertEqual(sorted(f["name"] for f in again.api("GET", "/system/functions").json()), ["reader", "web"])
            self.assertEqual(harness.request("POST", again.url + "/function/reader").body, b"abc")
            again.wait_until(lambda: harness.request("GET", again.url + "/function/web").status == 200,
                             message="the http function to run again")
            self.assertEqual(again.api("DELETE", "/system/functions", {"functionName": "reader"}).status, 202)
            self.assertEqual(harness.request("POST", again.url + "/function/reader").status, 404)
            self.assertEqual(again.api("GET", "/system/function/reader").status, 404)
            self.assertEqual(again.api("DELETE", "/system/functions", {"functionName": "reader"}).status, 404)
        finally:
            again.close()

    # --- bad input ------------------------------------------------------------------------

    def test_bad_input_gets_a_clear_4xx(self):
        cases = [
            ("POST", "/system/functions", "{not json", 400),
            ("POST", "/system/functions", {"service": "bad name", "envProcess": "cat"}, 400),
            ("POST", "/system/functions", {"service": "x", "envProcess": "cat", "secrets": ["missing"]}, 400),
            ("POST", "/system/functions", {"service": "x", "envProcess": "sh -c 'unterminated"}, 400),
            ("PUT", "/system/functions", {"service": "absent", "envProcess": "cat"}, 404),
            ("POST", "/system/scale-function/absent", {"serviceName": "absent", "replicas": 1}, 404),
            ("POST", "/system/scale-function/absent", {"serviceName": "absent"}, 400),
            ("GET", "/system/function/a%20b", None, 400),
            ("GET", "/system/logs?name=absent", None, 404),
            ("GET", "/system/logs?name=absent&since=yesterday", None, 400),
            ("DELETE", "/system/secrets", {"name": "absent"}, 404),
            ("PATCH", "/system/functions", None, 405),
            ("GET", "/system/nothing", None, 404),
        ]
        for method, path, body, status in cases:
            with self.subTest(method=method, path=path):
                r = self.gw.api(method, path, body)
                self.assertEqual(r.status, status, r.body)
                if status >= 400:
                    # Plain text, as upstream's http.Error writes: go-sdk reads a JSON 404 as an answer.
                    self.assertTrue(r.headers["Content-Type"].startswith("text/plain"), (path, r.headers))
                    self.assertTrue(r.body.strip())
        big = "x" * (2 << 20)
        self.assertEqual(self.gw.api("POST", "/system/secrets", {"name": "big", "value": big}).status, 413)

    def test_metrics(self):
        self.deploy(deployment("echo", "cat"))
        harness.request("POST", self.gw.url + "/function/echo", body="x")
        # Metrics name every function of every namespace: not on the API's listener.
        self.assertEqual(self.gw.get("/metrics").status, 404)
        text = harness.request("GET", self.gw.metrics_url).body.decode()
        self.assertIn('gateway_function_invocation_total{function_name="echo.openfaas-fn",code="200"} 1', text)
        self.assertIn("gateway_functions_seconds_bucket", text)
        self.assertIn("faasgate_async_queue_depth", text)


class BearerTokenTest(unittest.TestCase):
    """A gateway access token (from the exchange) authenticates to the REST API."""

    def test_exchanged_token_lists_functions(self):
        idp = IdentityProvider(K8S_ISSUER, kty="EC")
        aud = "https://gateway.example.com"
        role = """apiVersion: iam.openfaas.com/v1
kind: Role
metadata: {name: ci, namespace: openfaas}
spec:
  policy: [all]
  principal: {"jwt:sub": ["system:serviceaccount:openfaas:ci"]}
---
apiVersion: iam.openfaas.com/v1
kind: Policy
metadata: {name: all, namespace: openfaas}
spec:
  statement:
  - {sid: all, effect: Allow, action: ["*"], resource: ["*"]}
"""
        gw = Gateway({"issuer.yaml": issuer_manifest("k8s", K8S_ISSUER, [aud], iss_internal=idp.url), "role.yaml": role})
        try:
            subject = idp.service_account_token(sub="system:serviceaccount:openfaas:ci", aud=[aud])
            access = gw.exchange(subject).json()["access_token"]
            r = gw.api("GET", "/system/functions", auth="Bearer " + access)
            self.assertEqual(r.status, 200, r.body)
        finally:
            gw.close()
            idp.close()


class DualStackReceiver:
    """Answers 200 to any request on every loopback address, IPv4 and IPv6 alike, and counts them:
    a callback that reaches this host by any route is seen."""

    def __init__(self):
        self.calls = 0
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.calls += 1
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            address_family = socket.AF_INET6

            def server_bind(self):
                self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
                super().server_bind()

        self.server = Server(("::", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class CallbackAddressTest(unittest.TestCase):
    """The gateway makes the callback request, so it refuses addresses a caller should not reach."""

    def test_link_local_and_denied_addresses_get_no_callback(self):
        receiver = CallbackReceiver()
        gw = Gateway(extra_args=["--callback-deny", "127.0.0.0/8, ::1"])
        try:
            self.assertEqual(gw.api("POST", "/system/functions", deployment("echo", "cat")).status, 202)
            # A literal address is refused when the call is offered: nothing is queued.
            for url in ("http://169.254.169.254/latest/meta-data/", receiver.url):
                r = harness.request("POST", gw.url + "/async-function/echo", body="x", headers={"X-Callback-Url": url})
                self.assertEqual(r.status, 400, r.body)
                self.assertIn(b"does not call back", r.body)
            # A name is checked on the address it resolves to, when the callback connects.
            by_name = "http://localhost:%d/" % urllib.parse.urlsplit(receiver.url).port
            r = harness.request("POST", gw.url + "/async-function/echo", body="x", headers={"X-Callback-Url": by_name})
            self.assertEqual(r.status, 202, r.body)
            gw.wait_until(lambda: gw.logs().count("callback not sent") == 1, timeout=30,
                          message="the callback to be refused")
            self.assertEqual(receiver.call_ids(), set())
            self.assertNotIn("169.254.169.254", gw.logs())  # the caller's URL is not logged
        finally:
            gw.close()
            receiver.close()

    def test_denying_the_ipv4_loopback_denies_localhost_and_ipv6_loopback(self):
        receiver = DualStackReceiver()
        gw = Gateway(extra_args=["--callback-deny", "127.0.0.0/8"])
        try:
            self.assertEqual(gw.api("POST", "/system/functions", deployment("echo", "cat")).status, 202)
            # [::1] is the same host as 127.0.0.1: refused when offered.
            r = harness.request("POST", gw.url + "/async-function/echo", body="x",
                                headers={"X-Callback-Url": "http://[::1]:%d/" % receiver.port})
            self.assertEqual(r.status, 400, r.body)
            self.assertIn(b"does not call back", r.body)
            # localhost resolves to 127.0.0.1 and/or ::1: whichever, the callback is never made.
            r = harness.request("POST", gw.url + "/async-function/echo", body="x",
                                headers={"X-Callback-Url": "http://localhost:%d/" % receiver.port})
            self.assertEqual(r.status, 202, r.body)
            gw.wait_until(lambda: gw.logs().count("callback not sent") == 1, timeout=30,
                          message="the callback to be refused")
            time.sleep(0.5)
            self.assertEqual(receiver.calls, 0)
        finally:
            gw.close()
            receiver.close()

    def test_bad_callback_deny_is_a_usage_error(self):
        proc = serve_once(self, "--callback-deny", "10.0.0.1/8")
        self.assertEqual(proc.returncode, 2)
        self.assertIn("--callback-deny", proc.stderr)


class AsyncLimitsTest(unittest.TestCase):
    """The async queue is bounded: bodies (413), calls and bytes queued (429 with Retry-After)."""

    def test_an_async_body_over_its_limit_is_413_and_nothing_is_queued(self):
        gw = Gateway()
        try:
            self.assertEqual(gw.api("POST", "/system/functions", deployment("echo", "cat")).status, 202)
            big = "x" * ((1 << 20) + 1)  # the default --async-max-body is 1 MiB, as upstream's queue
            r = harness.request("POST", gw.url + "/async-function/echo", body=big)
            self.assertEqual(r.status, 413, r.body)
            self.assertEqual(harness.request("POST", gw.url + "/function/echo", body=big).status, 200,
                             "a synchronous call keeps its own, larger limit")
            self.assertEqual(harness.request("POST", gw.url + "/async-function/echo", body="x" * (1 << 20)).status, 202)
        finally:
            gw.close()
        small = Gateway(extra_args=["--async-max-body", "1KiB"])
        try:
            self.assertEqual(small.api("POST", "/system/functions", deployment("echo", "cat")).status, 202)
            self.assertEqual(harness.request("POST", small.url + "/async-function/echo", body="x" * 1025).status, 413)
            self.assertEqual(harness.request("POST", small.url + "/async-function/echo", body="x" * 1024).status, 202)
        finally:
            small.close()

    def test_a_full_queue_answers_429_with_retry_after_until_it_drains(self):
        receiver = CallbackReceiver()
        gw = Gateway(extra_args=["--async-max-queued-per-function", "2", "--async-max-queued-bytes", "1MiB"])
        try:
            r = gw.api("POST", "/system/functions", deployment("slow", "sh -c 'sleep 2; cat'"))
            self.assertEqual(r.status, 202, r.body)
            self.assertEqual(gw.api("POST", "/system/functions", deployment("big", "sh -c 'sleep 2; cat'")).status, 202)
            self.assertEqual(gw.api("POST", "/system/functions", deployment("other", "cat")).status, 202)
            accepted = []
            for i in range(2):
                r = harness.request("POST", gw.url + "/async-function/slow", body="call-%d" % i,
                                    headers={"X-Callback-Url": receiver.url})
                self.assertEqual(r.status, 202, r.body)
                accepted.append(r.headers["X-Call-Id"])
            # Running (leased) calls still hold their places: the third finds the function full.
            r = harness.request("POST", gw.url + "/async-function/slow", body="one too many")
            self.assertEqual(r.status, 429, r.body)
            self.assertEqual(r.headers["Retry-After"], "5")
            self.assertIn("limit of 2 calls", r.body.decode())
            self.assertIn("slow.openfaas-fn", r.body.decode())
            # Other functions have their own room, within the limit on all bytes queued (1 MiB):
            # "big" holds 1,000,000 of them for two seconds.
            r = harness.request("POST", gw.url + "/async-function/big", body="y" * 1000000)
            self.assertEqual(r.status, 202, r.body)
            r = harness.request("POST", gw.url + "/async-function/other", body="z" * 100000)
            self.assertEqual(r.status, 429, r.body)
            self.assertEqual(r.headers["Retry-After"], "5")
            self.assertIn("limit of 1048576 bytes", r.body.decode())
            self.assertEqual(harness.request("POST", gw.url + "/async-function/other", body="x").status, 202)
            # Once the calls complete, their places are free again.
            gw.wait_until(lambda: set(accepted) <= receiver.call_ids(), timeout=30, message="the callbacks")
            gw.wait_until(lambda: harness.request("POST", gw.url + "/async-function/slow", body="later").status == 202,
                          timeout=15, message="the queue to take calls again")
        finally:
            gw.close()
            receiver.close()

    def test_the_database_gives_a_drained_burst_back(self):
        receiver = CallbackReceiver()
        gw = Gateway()
        try:
            self.assertEqual(gw.api("POST", "/system/functions",
                                    deployment("sink", "sh -c 'sleep 1; cat >/dev/null'")).status, 202)
            body = "b" * (1 << 20)
            accepted = []
            for _ in range(24):
                r = harness.request("POST", gw.url + "/async-function/sink", body=body,
                                    headers={"X-Callback-Url": receiver.url})
                self.assertEqual(r.status, 202)
                accepted.append(r.headers["X-Call-Id"])
            db = os.path.join(gw.data_dir, "faasgate.db")

            def on_disk():
                return sum(os.path.getsize(p) for p in (db, db + "-wal") if os.path.exists(p))
            self.assertGreater(on_disk(), 12 << 20)  # 4 workers take a call a second: most wait
            gw.wait_until(lambda: set(accepted) <= receiver.call_ids(), timeout=60, message="every callback")
            gw.wait_until(lambda: on_disk() < 8 << 20, timeout=15, message="the database to shrink")
        finally:
            gw.close()
            receiver.close()

    def test_zero_limits_are_a_usage_error(self):
        proc = serve_once(self, "--async-max-queued", "0")
        self.assertEqual(proc.returncode, 2)
        self.assertIn("--async-max-queued", proc.stderr)


class AsyncDurabilityTest(unittest.TestCase):
    """Accepted async calls survive SIGKILL: every one completes, at least once, after a restart."""

    def test_sigkill_under_load_loses_no_accepted_call(self):
        receiver = CallbackReceiver()
        gw = Gateway()
        try:
            r = gw.api("POST", "/system/functions", deployment("slowcat", "sh -c 'sleep 0.2; cat'"))
            self.assertEqual(r.status, 202, r.body)
            accepted = []
            for i in range(40):
                r = harness.request("POST", gw.url + "/async-function/slowcat", body="call-%d" % i,
                                    headers={"X-Callback-Url": receiver.url})
                self.assertEqual(r.status, 202)
                accepted.append(r.headers["X-Call-Id"])
            gw.kill()  # most calls are still queued or running
            again = Gateway(data_dir=gw.data_dir)
            try:
                again.wait_until(lambda: set(accepted) <= receiver.call_ids(), timeout=60,
                                 message="every accepted call to call back")
            finally:
                again.close()
        finally:
            gw.close()
            receiver.close()

    def test_sandboxed_replicas_die_with_a_killed_gateway(self):
        gw = Gateway()
        try:
            r = gw.api("POST", "/system/functions", deployment("web", HTTP_ECHO, envVars={"mode": "http"}))
            self.assertEqual(r.status, 202, r.body)
            gw.wait_until(lambda: harness.request("GET", gw.url + "/function/web").status == 200, timeout=30,
                          message="the replica to serve")
            old = harness.request("GET", gw.url + "/function/web").json()["instance"]
            ledger = os.path.join(gw.data_dir, "functions", ".processes")
            pids = [int(name) for name in os.listdir(ledger)]
            self.assertTrue(pids)
            gw.kill()
            def gone():  # bwrap --die-with-parent takes each sandbox down with the gateway
                for pid in pids:
                    try:
                        with open("/proc/%d/stat" % pid) as f:
                            if f.read().rsplit(")", 1)[1].split()[0] != "Z":
                                return False
                    except FileNotFoundError:
                        pass
                return True
            deadline = time.time() + 10
            while not gone() and time.time() < deadline:
                time.sleep(0.1)
            self.assertTrue(gone(), "a sandbox outlived its gateway")
            again = Gateway(data_dir=gw.data_dir)
            try:
                again.wait_until(lambda: harness.request("GET", again.url + "/function/web").status == 200,
                                 timeout=30, message="the function to be restored")
                self.assertNotEqual(harness.request("GET", again.url + "/function/web").json()["instance"], old)
            finally:
                again.close()
        finally:
            gw.close()

    def test_replicas_left_by_a_killed_gateway_are_stopped_by_the_next(self):
        # Without a sandbox, function processes outlive a SIGKILLed gateway (their pids are the
        # host's here): the process ledger lets the next gateway stop them.
        gw = Gateway(extra_args=["--unsafe-no-isolation"])
        try:
            r = gw.api("POST", "/system/functions", deployment("web", HTTP_ECHO, envVars={"mode": "http"}))
            self.assertEqual(r.status, 202, r.body)
            gw.wait_until(lambda: harness.request("GET", gw.url + "/function/web").status == 200, timeout=30,
                          message="the replica to serve")
            old_pid = harness.request("GET", gw.url + "/function/web").json()["pid"]
            gw.kill()
            os.kill(old_pid, 0)  # still running: function processes outlive a SIGKILLed gateway
            again = Gateway(data_dir=gw.data_dir, extra_args=["--unsafe-no-isolation"])
            try:
                def gone():  # no such process, or a zombie its new parent has yet to reap
                    try:
                        with open("/proc/%d/stat" % old_pid) as f:
                            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
                    except FileNotFoundError:
                        return True
                again.wait_until(gone, timeout=10, message="the orphaned replica to be stopped")
                self.assertIn("left running by a previous gateway", again.logs())
                again.wait_until(lambda: harness.request("GET", again.url + "/function/web").status == 200,
                                 timeout=30, message="the function to be restored")
                self.assertNotEqual(harness.request("GET", again.url + "/function/web").json()["pid"], old_pid)
            finally:
                again.close()
        finally:
            gw.close()


class DataDirLockTest(unittest.TestCase):
    """A data directory belongs to one gateway at a time; a crash does not leave it locked."""

    def test_a_second_gateway_on_the_same_data_dir_is_refused(self):
        gw = Gateway()
        try:
            second = subprocess.run(
                [harness.FAASGATE_BIN, "serve", "--listen", "127.0.0.1:0", "--data-dir", gw.data_dir,
                 "--iam-dir", gw.iam_dir], capture_output=True, text=True, timeout=60)
            self.assertEqual(second.returncode, 1, second.stderr)
            self.assertIn("is in use by another gateway", second.stderr)
            self.assertIn("(pid %d)" % gw.proc.pid, second.stderr)
            self.assertEqual(gw.get("/healthz").status, 200)  # the first one is untouched
            gw.kill()
            again = Gateway(data_dir=gw.data_dir)  # the kernel released the lock with its holder
            again.close()
        finally:
            gw.close()


if __name__ == "__main__":
    unittest.main()
