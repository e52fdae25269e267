"""End to end: `faasgate serve --provider-url` in front of `faasgate provider`.

The provider serves the embedded runtime as the upstream provider API (reference §6) with basic
auth; the gateway keeps no function of its own, forwards /system with its credentials and
/function without them, and adds IAM in front. Every wait is bounded; only 127.0.0.1 is used.
"""
import base64
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse

import harness
from harness import K8S_ISSUER, CallbackReceiver, Gateway, IdentityProvider, Provider, auth_dir, issuer_manifest

HERE = os.path.dirname(os.path.abspath(__file__))
HTTP_ECHO = "/usr/bin/python3 " + os.path.join(HERE, "fixtures", "http_echo.py")
AUD = "https://gateway.example.com"
PASSWORD = "provider-pa55word"

POLICY = """apiVersion: iam.openfaas.com/v1
kind: Policy
metadata:
  name: dev-public
  namespace: openfaas
spec:
  statement:
  - sid: dev-public
    action: ["Function:*"]
    effect: Allow
    resource: ["dev:pub-*"]
"""

ROLE = """apiVersion: iam.openfaas.com/v1
kind: Role
metadata:
  name: pipeline
  namespace: openfaas
spec:
  policy: [dev-public]
  principal:
    jwt:sub: ["system:serviceaccount:ci:pipeline"]
"""


def deployment(name, namespace, **extra):
    body = {"service": name, "image": "example/" + name, "namespace": namespace, "envProcess": HTTP_ECHO,
            "envVars": {"mode": "http"}}
    body.update(extra)
    return body


class ProviderBackEndTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="faasgate-e2e-provider-")
        os.chmod(cls.tmp, 0o711)
        cls.provider_data = os.path.join(cls.tmp, "provider")
        cls.auth = auth_dir(cls.tmp, "auth", "admin", PASSWORD)
        cls.provider = Provider(cls.provider_data, cls.auth)
        cls.k8s = IdentityProvider(K8S_ISSUER, kty="RSA")
        cls.gw = Gateway(
            iam_files={"issuer.yaml": issuer_manifest("kubernetes", K8S_ISSUER, [AUD], iss_internal=cls.k8s.url),
                       "policy.yaml": POLICY, "role.yaml": ROLE},
            extra_args=["--provider-url", cls.provider.url, "--provider-auth-dir", cls.auth, "--provider-timeout", "20s"])
        for ns in ("dev", "prod"):
            created = cls.gw.api("POST", "/system/namespace/", {"name": ns, "labels": {"openfaas": "1"}})
            assert created.status == 201, created.body
        deployed = cls.gw.api("POST", "/system/functions", deployment("pub-web", "dev"))
        assert deployed.status == 202, deployed.body

    @classmethod
    def tearDownClass(cls):
        cls.gw.close()
        cls.provider.stop()
        cls.k8s.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def wait_ready(self, name, ns):
        def ready():
            r = self.gw.api("GET", "/system/function/%s?namespace=%s" % (name, ns))
            return r.status == 200 and r.json()["availableReplicas"] >= 1
        self.gw.wait_until(ready, timeout=30, message="%s.%s to be ready" % (name, ns))

    def token(self):
        subject = self.k8s.service_account_token(sub="system:serviceaccount:ci:pipeline", aud=[AUD])
        r = self.gw.exchange(subject)
        self.assertEqual(r.status, 200, r.body)
        return "Bearer " + r.json()["access_token"]

    def test_functions_live_on_the_provider(self):
        self.wait_ready("pub-web", "dev")
        # The provider has it; the gateway's own store has no function table rows to show.
        on_provider = self.provider.api("GET", "/system/functions?namespace=dev").json()
        self.assertEqual([f["name"] for f in on_provider], ["pub-web"])
        info = self.gw.api("GET", "/system/info").json()
        self.assertEqual(info["provider"]["provider"], "faasgate")
        r = harness.request("POST", self.gw.url + "/function/pub-web.dev/sub/path?x=1", body="hi",
                            headers={"X-Tag": "t1"})
        self.assertEqual(r.status, 200, r.body)
        echo = r.json()
        self.assertEqual((echo["method"], echo["path"], echo["body"]), ("POST", "/sub/path?x=1", "hi"))
        self.assertIn("x-forwarded-for", echo["fields"])
        self.assertIn("x-forwarded-host", echo["fields"])
        self.assertNotIn("authorization", echo["fields"])  # never the gateway's credentials
        self.assertTrue(r.headers["X-Call-Id"])
        got = self.gw.api("GET", "/system/function/pub-web?namespace=dev").json()
        self.assertGreaterEqual(got["invocationCount"], 1)

        self.assertEqual(self.gw.api("POST", "/system/scale-function/pub-web",
                                     {"serviceName": "pub-web", "replicas": 2, "namespace": "dev"}).status, 202)
        self.assertEqual(self.provider.api("GET", "/system/function/pub-web?namespace=dev").json()["replicas"], 2)

        self.assertEqual(self.gw.api("POST", "/system/functions", deployment("pub-gone", "dev")).status, 202)
        self.assertEqual(self.gw.api("DELETE", "/system/functions", {"functionName": "pub-gone", "namespace": "dev"}).status, 202)
        self.assertEqual(self.provider.api("GET", "/system/function/pub-gone?namespace=dev").status, 404)

    def test_functions_behind_the_provider_cannot_reach_it(self):
        """The provider's /function/ is open (the gateway in front checks function tokens): a
        function that could connect to it would skip those checks, so its sandbox forwards no
        port of the provider's, nor the gateway's."""
        probe = ("/usr/bin/python3 -c 'import os, socket\n"
                 "for port in (int(os.environ[\"PROVIDER_PORT\"]), int(os.environ[\"GATEWAY_PORT\"])):\n"
                 "    s = socket.socket(); s.settimeout(2); print(port, s.connect_ex((\"127.0.0.1\", port)))'")
        gateway_port = urllib.parse.urlsplit(self.gw.url).port
        r = self.gw.api("POST", "/system/functions", {
            "service": "probe", "namespace": "prod", "envProcess": probe,
            "envVars": {"PROVIDER_PORT": str(self.provider.port), "GATEWAY_PORT": str(gateway_port)}})
        self.assertEqual(r.status, 202, r.body)
        report = {}
        def probed():
            answer = harness.request("POST", self.gw.url + "/function/probe.prod", body="", timeout=30)
            if answer.status != 200:
                return False
            report.update(line.split() for line in answer.body.decode().splitlines() if line.strip())
            return True
        self.gw.wait_until(probed, timeout=30, message="the probe to run")
        self.assertEqual(set(report), {str(self.provider.port), str(gateway_port)}, report)
        for port, result in report.items():
            self.assertNotEqual(result, "0", "port %s is reachable from a function behind the provider" % port)

    def test_iam_filters_what_the_provider_lists(self):
        self.assertEqual(self.gw.api("POST", "/system/functions", deployment("priv-db", "dev")).status, 202)
        self.assertEqual(self.gw.api("POST", "/system/functions", deployment("pub-prod", "prod")).status, 202)
        token = self.token()
        listed = self.gw.api("GET", "/system/functions?namespace=dev", auth=token)
        self.assertEqual(listed.status, 200, listed.body)
        self.assertEqual(sorted(f["name"] for f in listed.json()), ["pub-web"])  # priv-db is the provider's, not shown
        self.assertEqual(self.gw.api("GET", "/system/functions?namespace=prod", auth=token).status, 403)
        self.assertEqual(self.gw.api("GET", "/system/function/priv-db?namespace=dev", auth=token).status, 403)
        self.assertEqual(self.gw.api("GET", "/system/function/pub-web?namespace=dev", auth=token).status, 200)

    def test_logs_plain_and_followed(self):
        self.wait_ready("pub-web", "dev")
        self.assertEqual(harness.request("GET", self.gw.url + "/function/pub-web.dev/plain-marker").status, 200)
        def logged():
            r = self.gw.api("GET", "/system/logs?name=pub-web&namespace=dev&tail=20")
            return r.status == 200 and b"plain-marker" in r.body
        self.gw.wait_until(logged, timeout=15, message="the call in the logs")
        line = json.loads(self.gw.api("GET", "/system/logs?name=pub-web&namespace=dev&tail=1").body.splitlines()[-1])
        self.assertEqual((line["name"], line["namespace"]), ("pub-web", "dev"))

        url = urllib.parse.urlsplit(self.gw.url)
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=15)
        try:
            conn.request("GET", "/system/logs?name=pub-web&namespace=dev&follow=true&tail=0",
                         headers={"Authorization": self.gw.admin_auth()})
            r = conn.getresponse()
            self.assertEqual(r.status, 200)
            time.sleep(0.3)  # the stream is open at the provider before the line is written
            self.assertEqual(harness.request("GET", self.gw.url + "/function/pub-web.dev/follow-marker").status, 200)
            deadline = time.time() + 15
            while time.time() < deadline:
                # The raw chunked stream: chunk sizes, lines, and the empty line after each
                # chunk's data; only no bytes at all is its end.
                raw = r.fp.readline()
                self.assertTrue(raw, "the stream ended before the new line arrived")
                text = raw.decode().strip()
                if text.startswith("{") and "follow-marker" in json.loads(text)["text"]:
                    break
            else:
                self.fail("the followed line did not arrive")
        finally:
            conn.close()

    def test_async_through_the_provider(self):
        self.wait_ready("pub-web", "dev")
        receiver = CallbackReceiver()
        try:
            r = harness.request("POST", self.gw.url + "/async-function/pub-web.dev/queued", body="later",
                                headers={"X-Callback-Url": receiver.url})
            self.assertEqual(r.status, 202, r.body)
            call_id = r.headers["X-Call-Id"]
            self.gw.wait_until(lambda: call_id in receiver.call_ids(), timeout=20, message="the callback")
            call = [c for c in receiver.calls if c["headers"].get("X-Call-Id") == call_id][0]
            self.assertEqual(call["headers"]["X-Function-Status"], "200")
            self.assertIn("x-forwarded-for", json.loads(call["body"])["fields"])
            self.assertEqual(harness.request("POST", self.gw.url + "/async-function/absent.dev", body="").status, 404)
        finally:
            receiver.close()

    def test_secrets_and_namespaces(self):
        self.assertEqual(self.gw.api("POST", "/system/secrets", {"name": "db", "namespace": "dev", "value": "s3"}).status, 201)
        names = [s["name"] for s in self.gw.api("GET", "/system/secrets?namespace=dev").json()]
        self.assertIn("db", names)
        self.assertNotIn(b"s3", self.gw.api("GET", "/system/secrets?namespace=dev").body)
        self.assertEqual(self.gw.api("DELETE", "/system/secrets", {"name": "db", "namespace": "dev"}).status, 202)
        self.assertNotIn("db", [s["name"] for s in self.gw.api("GET", "/system/secrets?namespace=dev").json()])
        self.assertTrue({"dev", "prod"} <= set(self.gw.api("GET", "/system/namespaces").json()))
        self.assertEqual(self.gw.api("GET", "/system/namespace/dev").json()["name"], "dev")

    def test_the_providers_errors_pass_through(self):
        for method, path, body in (("GET", "/system/function/absent?namespace=dev", None),
                                   ("PUT", "/system/functions", deployment("absent", "dev")),
                                   ("POST", "/system/functions", deployment("x", "dev", envProcess="sh -c 'unterminated")),
                                   ("POST", "/system/secrets", {"name": "s", "namespace": "nowhere", "value": "v"})):
            direct = self.provider.api(method, path, body)
            through = self.gw.api(method, path, body)
            self.assertIn(direct.status, (400, 404, 409), direct.body)
            self.assertEqual((through.status, through.body), (direct.status, direct.body), path)

    def test_names_cannot_reach_other_provider_routes(self):
        for path in ("/system/function/a%2F..%2Fsystem?namespace=dev", "/system/function/..?namespace=dev",
                     "/system/function/x?namespace=dev%26namespace%3Dprod"):
            r = self.gw.api("GET", path)
            self.assertIn(r.status, (400, 404), path)
            self.assertFalse(r.body.startswith(b"["), path)
        for path in ("/function/a%2F..%2Fsystem", "/function/pub-web.dev/..%2F..%2Fsystem/functions",
                     "/function/pub-web.dev/%2e%2e/%2e%2e/system/functions"):
            r = harness.request("GET", self.gw.url + path)
            self.assertEqual(r.status, 400, path)

    def test_a_wrong_provider_password_is_502_naming_the_credentials(self):
        bad = auth_dir(self.tmp, "bad-auth", "admin", "not-the-password")
        gw = Gateway(extra_args=["--provider-url", self.provider.url, "--provider-auth-dir", bad])
        try:
            r = gw.api("GET", "/system/functions?namespace=dev")
            self.assertEqual(r.status, 502, r.body)
            self.assertIn(b"refused the gateway's credentials", r.body)
            self.assertNotIn(b"not-the-password", r.body)
            self.assertNotIn("not-the-password", gw.logs())
        finally:
            gw.close()

    def test_zz_provider_down_then_back(self):
        self.wait_ready("pub-web", "dev")
        self.provider.stop()
        try:
            self.assertEqual(self.gw.get("/healthz").status, 200)
            started = time.time()
            r = self.gw.api("GET", "/system/functions?namespace=dev")
            self.assertEqual(r.status, 502, r.body)
            self.assertIn(b"cannot reach the functions provider at 127.0.0.1:%d" % self.provider.port, r.body)
            # 502 while the function's guard is cached (the provider cannot be reached); once it
            # is not, a lookup that fails is closed: 502 too, never invoked, and no 401 telling
            # the callers of an open function that they need a token.
            for wait in (0, 2.1):  # then past the lookup's TTL
                time.sleep(wait)
                r = harness.request("GET", self.gw.url + "/function/pub-web.dev/", timeout=10)
                self.assertEqual(r.status, 502, r.body)
                self.assertEqual(r.headers["X-OpenFaaS-Internal"], "gateway")
            self.assertLess(time.time() - started, 10)  # refused at once, not a hang
        finally:
            type(self).provider = Provider(self.provider_data, self.auth, port=self.provider.port)
        self.wait_ready("pub-web", "dev")  # the same data directory: the function is back
        self.assertEqual(harness.request("GET", self.gw.url + "/function/pub-web.dev/").status, 200)


if __name__ == "__main__":
    unittest.main()
