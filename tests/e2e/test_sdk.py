"""End to end: the C++ SDK against the real gateway - TokenAuth's renewal ahead of need, its
single-flight exchange shared by many threads, a revoked token exchanged again, a gateway that
goes away and comes back, and the examples built against the installed SDK.

The SDK runs as faasgate-sdk-driver (sdk_driver.cpp), a program that holds one Client for as long
as the test wants. Its ID token is a projected service-account token in a file that a thread of
this test rewrites every two seconds, as the kubelet rotates it; the gateway's issuer gives access
tokens four seconds of life, so a 30-second run renews many times.
"""
import json
import os
import subprocess
import threading
import time
import unittest

import harness
from harness import K8S_ISSUER, Gateway, IdentityProvider, issuer_manifest

AUD = "https://gateway.example.com"
DRIVER = os.environ.get("FAASGATE_SDK_DRIVER", "build-test/bin/faasgate-sdk-driver")
EXAMPLES = os.environ.get("FAASGATE_EXAMPLES_DIR", "build-test/examples-installed")
LIFETIME = 4  # seconds: the issuer's tokenExpiry

APP = "system:serviceaccount:openfaas:sdk-app"
DOOMED = "system:serviceaccount:openfaas:sdk-doomed"


def role(name, sub):
    return """apiVersion: iam.openfaas.com/v1
kind: Role
metadata: {name: %s, namespace: openfaas}
spec:
  policy: [sdk-reader]
  principal: {"jwt:sub": ["%s"]}
""" % (name, sub)


POLICY = """apiVersion: iam.openfaas.com/v1
kind: Policy
metadata: {name: sdk-reader, namespace: openfaas}
spec:
  statement:
  - {sid: read, effect: Allow, action: ["Namespace:List", "Function:List", "Function:Get"], resource: ["*"]}
  - {sid: invoke, effect: Allow, action: ["Function:Invoke"], resource: ["openfaas-fn:secure-*"]}
"""


class RotatingTokenFile:
    """<dir>/openfaas-token, rewritten every `period` seconds with a new token, as the kubelet does."""

    def __init__(self, idp, sub, period=2.0, ttl=10):
        self.dir = harness.tempfile.mkdtemp(prefix="faasgate-sdk-token-")
        self.idp, self.sub, self.ttl = idp, sub, ttl
        self.writes = 0
        self.write()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.rotate, args=(period,), daemon=True)
        self.thread.start()

    def write(self):
        path = os.path.join(self.dir, "openfaas-token")
        with open(path + ".tmp", "w") as f:
            f.write(self.idp.service_account_token(sub=self.sub, aud=[AUD], ttl=self.ttl))
        os.rename(path + ".tmp", path)  # atomic, as the kubelet's symlink swap
        self.writes += 1

    def rotate(self, period):
        while not self.stopping.wait(period):
            self.write()

    def close(self):
        self.stopping.set()
        self.thread.join()
        harness.shutil.rmtree(self.dir, ignore_errors=True)


class Driver:
    """faasgate-sdk-driver repl: one command a line in, one JSON answer a line out."""

    def __init__(self, gateway_url, token_dir, timeout_ms=3000):
        self.proc = subprocess.Popen([DRIVER, "--gateway", gateway_url, "--token-dir", token_dir,
                                      "--timeout-ms", str(timeout_ms), "repl"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def ask(self, command):
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise AssertionError("the driver exited with %s" % self.proc.wait())
        return json.loads(line)

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def issued(gw):
    """Exchanges the gateway itself says it answered with a token."""
    return gw.logs().count("token exchange: issued")


class SdkTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.idp = IdentityProvider(K8S_ISSUER, kty="RSA")
        cls.iam = {"issuer.yaml": issuer_manifest("kubernetes", K8S_ISSUER, [AUD], iss_internal=cls.idp.url,
                                                  token_expiry="%ds" % LIFETIME),
                   "policy.yaml": POLICY, "app.yaml": role("sdk-app", APP), "doomed.yaml": role("sdk-doomed", DOOMED)}
        cls.gw = Gateway(cls.iam)
        r = cls.gw.api("POST", "/system/functions", {"service": "secure-echo", "envProcess": "cat",
                                                     "annotations": {"com.openfaas.iam/jwt-auth": "true"}})
        assert r.status == 202, r.body
        cls.gw.wait_until(lambda: harness.request("GET", cls.gw.url + "/system/function/secure-echo",
                                                  headers={"Authorization": cls.gw.admin_auth()}).json()
                          .get("availableReplicas", 0) >= 1, message="secure-echo ready")

    @classmethod
    def tearDownClass(cls):
        cls.gw.close()
        cls.idp.close()

    def test_a_long_running_client_renews_ahead_of_need_and_16_threads_share_each_exchange(self):
        tokens = RotatingTokenFile(self.idp, APP)
        try:
            before = issued(self.gw)
            run = subprocess.run([DRIVER, "--gateway", self.gw.url, "--token-dir", tokens.dir, "soak",
                                  "--seconds", "30", "--threads", "16", "--pause-ms", "10"],
                                 capture_output=True, text=True, timeout=120)
            self.assertEqual(run.returncode, 0, run.stderr)
            result = json.loads(run.stdout)
        finally:
            tokens.close()
        # No call failed, across more than a dozen renewals and token-file rotations.
        self.assertEqual(result["failures"], 0, result["errors"])
        self.assertGreater(tokens.writes, 10)
        # TokenAuth takes a token to end a second early (the gateway counts from its own whole
        # second) and renews at half of that, +/- a tenth: every 1.2 to 1.8 s, so 30 s hold 16 to
        # 25 renewals, one exchange each, and the first. Not one per call, nor one per thread.
        exchanges = result["exchanges"]
        served = LIFETIME - 1
        self.assertGreaterEqual(exchanges, 30 / (served * 0.6) - 1, result)
        self.assertLessEqual(exchanges, 30 / (served * 0.4) + 2, result)
        self.assertGreater(result["calls"], 20 * exchanges, result)
        # Every exchange after the first was made before the token it replaced had run out: none
        # was caused by a call that found no token, so none of the 16 threads ever waited for one.
        self.assertEqual(result["renewed_ahead"], exchanges - 1, result)
        self.assertEqual(result["failed_exchanges"], 0, result)
        # The gateway counts the same exchanges.
        self.assertEqual(issued(self.gw) - before, exchanges)

    def test_a_revoked_token_is_exchanged_again_once_and_a_subject_no_longer_allowed_gets_a_typed_error(self):
        tokens = RotatingTokenFile(self.idp, DOOMED)
        driver = Driver(self.gw.url, tokens.dir)
        try:
            self.assertTrue(driver.ask("namespaces")["ok"])
            first = driver.ask("stats")["exchanges"]
            self.gw.run("iam", "revoke", "--data-dir", self.gw.data_dir, "--sub", DOOMED)
            # The gateway reads revocations every second; a token issued in the second of the
            # revocation counts as revoked, so the new one must come from a later second.
            time.sleep(2.2)
            got = driver.ask("namespaces")
            self.assertTrue(got["ok"], got)  # 401, a new exchange, the call again: success
            self.assertEqual(driver.ask("stats")["exchanges"], first + 1)

            # The subject loses its role: the next exchange is refused, with the RFC's error.
            self.gw.write_iam("doomed.yaml", "")
            self.gw.wait_until(lambda: self.gw.exchange(self.idp.service_account_token(sub=DOOMED, aud=[AUD])).status == 400,
                               message="the role's removal to be loaded")
            self.gw.run("iam", "revoke", "--data-dir", self.gw.data_dir, "--sub", DOOMED)
            time.sleep(2.2)
            got = driver.ask("namespaces")
            self.assertFalse(got["ok"], got)
            self.assertEqual(got["kind"], "exchange", got)
            self.assertEqual(got["oauth_error"], "invalid_request", got)
            self.assertIn("No policies found", got["message"])
        finally:
            driver.close()
            tokens.close()
            self.gw.write_iam("doomed.yaml", role("sdk-doomed", DOOMED))

    def test_a_gateway_that_is_down_fails_calls_within_their_timeout_and_recovery_needs_nothing(self):
        first = Gateway(self.iam)
        port = first.url.rsplit(":", 1)[1]
        tokens = RotatingTokenFile(self.idp, APP)
        driver = Driver(first.url, tokens.dir, timeout_ms=2000)
        second = None
        try:
            self.assertTrue(driver.ask("namespaces")["ok"])
            first.stop()
            for _ in range(3):
                got = driver.ask("namespaces")
                self.assertFalse(got["ok"], got)
                self.assertEqual(got["kind"], "transport", got)
                self.assertIn("127.0.0.1:" + port, got["message"])
                self.assertLess(got["elapsed_ms"], 2000 + 1000, got)  # its timeout, and no hang
            second = Gateway(self.iam, data_dir=first.data_dir, listen="127.0.0.1:" + port)
            # The same program, untouched: its calls work again (after an exchange if its token
            # ran out meanwhile; a failed exchange is retried after a backoff of at most 10 s).
            deadline = time.time() + 20
            while time.time() < deadline:
                got = driver.ask("namespaces")
                if got["ok"]:
                    break
                time.sleep(0.5)
            self.assertTrue(got["ok"], got)
        finally:
            driver.close()
            tokens.close()
            if second:
                second.close()
            first.close()

    def test_the_examples_built_against_the_installed_sdk_run(self):
        tokens = RotatingTokenFile(self.idp, APP)
        try:
            env = dict(os.environ, OPENFAAS_URL=self.gw.url, token_mount_path=tokens.dir)
            run = subprocess.run([os.path.join(EXAMPLES, "projected_token")], env=env, capture_output=True,
                                 text=True, timeout=60)
            self.assertEqual(run.returncode, 0, run.stderr)
            self.assertIn("namespaces: openfaas-fn", run.stdout)
            self.assertIn("function secure-echo.openfaas-fn", run.stdout)
            run = subprocess.run([os.path.join(EXAMPLES, "function_token"), "secure-echo", "hello"], env=env,
                                 capture_output=True, text=True, timeout=60)
            self.assertEqual(run.returncode, 0, run.stderr)
            self.assertEqual(run.stdout, "hello")
            # The same call with no function token is the gateway's 401, not the function's answer.
            r = harness.request("POST", self.gw.url + "/function/secure-echo", body="hello")
            self.assertEqual(r.status, 401)
        finally:
            tokens.close()


if __name__ == "__main__":
    unittest.main()
