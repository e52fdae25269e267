"""End to end: several gateways that are one issuer (docs/several-gateways.md).

Two `faasgate serve` processes share the signing keys' directory (--keys-dir), the IAM objects
(--iam-dir) and the issuer URL (--system-issuer), as replicas behind one address do: a token
either mints the other accepts, its IAM objects decide the same, and a key rotated in the shared
directory is published, and signed with, by both. SharedBackEndTest adds the rest of what
replicas share: one back end (`faasgate provider`, --provider-url) and one NATS server
(--nats-url) for the async queue and the revocations - what one gateway deploys or queues the
other serves, and a revocation reaches both.
"""
import json
import os
import shutil
import tempfile
import time
import unittest

import harness
from harness import K8S_ISSUER, CallbackReceiver, Gateway, IdentityProvider, NatsServer, Provider, auth_dir, issuer_manifest

AUD = "https://gateway.example.com"
SYSTEM_ISSUER = "https://faasgate.example.test"  # the address both replicas are reached by

POLICY = """apiVersion: iam.openfaas.com/v1
kind: Policy
metadata:
  name: dev-rw
  namespace: openfaas
spec:
  statement:
  - sid: dev-rw
    action: ["Function:*"]
    effect: Allow
    resource: ["dev:*"]
"""

ROLE = """apiVersion: iam.openfaas.com/v1
kind: Role
metadata:
  name: pipeline
  namespace: openfaas
spec:
  policy: [dev-rw]
  principal:
    jwt:sub: ["system:serviceaccount:ci:pipeline"]
"""


def kid_of(token):
    import base64
    header = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]


class TwoGateways(unittest.TestCase):
    """Two gateways sharing keys, IAM objects and the issuer URL, with `extra` flags each."""

    @classmethod
    def start(cls, extra=()):
        cls.k8s = IdentityProvider(K8S_ISSUER, kty="RSA")
        cls.shared = tempfile.mkdtemp(prefix="faasgate-e2e-shared-")
        os.chmod(cls.shared, 0o711)
        cls.keys_dir = os.path.join(cls.shared, "keys")
        iam_dir = os.path.join(cls.shared, "iam")
        os.makedirs(iam_dir)
        for name, text in {"issuer.yaml": issuer_manifest("kubernetes", K8S_ISSUER, [AUD], iss_internal=cls.k8s.url),
                           "policy.yaml": POLICY, "role.yaml": ROLE}.items():
            with open(os.path.join(iam_dir, name), "w") as f:
                f.write(text)
        cls.iam_dir = iam_dir
        args = ["--keys-dir", cls.keys_dir, "--system-issuer", SYSTEM_ISSUER, *extra]
        cls.a = Gateway(extra_args=args, iam_dir=iam_dir)
        cls.b = Gateway(extra_args=args, iam_dir=iam_dir)

    @classmethod
    def tearDownClass(cls):
        cls.a.close()
        cls.b.close()
        cls.k8s.close()
        shutil.rmtree(cls.shared, ignore_errors=True)

    def exchange(self, gw):
        subject = self.k8s.service_account_token(sub="system:serviceaccount:ci:pipeline", aud=[AUD])
        r = gw.exchange(subject)
        self.assertEqual(r.status, 200, r.body)
        return r.json()["access_token"]

    def call(self, gw, token, ns):
        return gw.api("GET", "/system/functions?namespace=" + ns, auth="Bearer " + token)

    def published_kids(self, gw):
        return sorted(k["kid"] for k in json.loads(gw.get("/.well-known/jwks.json").body)["keys"])


class SharedIssuerTest(TwoGateways):
    @classmethod
    def setUpClass(cls):
        cls.start()
        for gw in (cls.a, cls.b):  # the embedded back ends know only the namespaces made on them
            for ns in ("dev", "prod"):
                created = gw.api("POST", "/system/namespace/", {"name": ns})
                assert created.status == 201, created.body

    def test_a_token_minted_by_one_is_accepted_by_the_other(self):
        self.assertEqual(self.published_kids(self.a), self.published_kids(self.b))
        token = self.exchange(self.a)
        for gw in (self.a, self.b):
            self.assertEqual(self.call(gw, token, "dev").status, 200)
            refused = self.call(gw, token, "prod")
            self.assertEqual(refused.status, 403, refused.body)  # the same IAM objects decide
        token_b = self.exchange(self.b)
        self.assertEqual(kid_of(token), kid_of(token_b))
        self.assertEqual(self.call(self.a, token_b, "dev").status, 200)

    def test_a_key_rotated_in_the_shared_directory_reaches_both(self):
        before = self.exchange(self.a)
        old_kids = self.published_kids(self.a)
        out = self.a.run("keys", "rotate", "--keys-dir", self.keys_dir, check=False)
        if "one rotation per second" in out.stderr:  # the first key was made this very second
            time.sleep(1)
            out = self.a.run("keys", "rotate", "--keys-dir", self.keys_dir, check=False)
        self.assertIn("new signing key", out.stdout, out.stderr)
        for gw in (self.a, self.b):
            gw.wait_until(lambda gw=gw: len(self.published_kids(gw)) == len(old_kids) + 1,
                          message="the rotated key to be published")
        new_kid = (set(self.published_kids(self.a)) - set(old_kids)).pop()
        self.assertEqual(self.published_kids(self.a), self.published_kids(self.b))
        # Published by both before either signs with it: whatever one mints, the other publishes.
        for minter, other in ((self.a, self.b), (self.b, self.a)):
            self.assertIn(kid_of(self.exchange(minter)), self.published_kids(other))
        for gw in (self.a, self.b):
            gw.wait_until(lambda gw=gw: kid_of(self.exchange(gw)) == new_kid, timeout=15, message="the new key to sign")
        after_a, after_b = self.exchange(self.a), self.exchange(self.b)
        self.assertEqual(kid_of(after_a), kid_of(after_b), "both sign with the new key")
        for token in (before, after_a, after_b):  # the old key stays published until its tokens expire
            for gw in (self.a, self.b):
                self.assertEqual(self.call(gw, token, "dev").status, 200)


class SharedBackEndTest(TwoGateways):
    @classmethod
    def setUpClass(cls):
        cls.nats = NatsServer()
        cls.backend = tempfile.mkdtemp(prefix="faasgate-e2e-backend-")
        os.chmod(cls.backend, 0o711)
        cls.auth = auth_dir(cls.backend, "auth", "gateway", "provider-secret")
        cls.provider = Provider(os.path.join(cls.backend, "provider"), cls.auth)
        cls.callbacks = CallbackReceiver()
        cls.start(["--provider-url", cls.provider.url, "--provider-auth-dir", cls.auth, "--nats-url", cls.nats.url])
        created = cls.a.api("POST", "/system/namespace/", {"name": "dev", "labels": {"openfaas": "1"}})
        assert created.status == 201, created.body

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.provider.stop()
        cls.nats.close()
        cls.callbacks.close()
        shutil.rmtree(cls.backend, ignore_errors=True)

    def test_what_one_deploys_or_queues_the_other_serves_and_a_revocation_reaches_both(self):
        token = "Bearer " + self.exchange(self.a)
        deployed = self.a.api("POST", "/system/functions", {"service": "echo", "namespace": "dev", "envProcess": "cat"},
                              auth=token)
        self.assertEqual(deployed.status, 202, deployed.body)
        self.b.wait_until(lambda: any(f["name"] == "echo" for f in
                                      self.b.api("GET", "/system/functions?namespace=dev", auth=token).json()),
                          timeout=15, message="the function to be listed by the other gateway")
        self.b.wait_until(lambda: self.b.post("/function/echo.dev", "ping").body == b"ping", timeout=30,
                          message="the other gateway to invoke it")
        # Async calls queued through either gateway land in the one stream; either may run them.
        call_ids = []
        for gw in (self.a, self.b, self.a, self.b):
            r = gw.post("/async-function/echo.dev", "queued", headers={"X-Callback-Url": self.callbacks.url})
            self.assertEqual(r.status, 202, r.body)
            call_ids.append(r.headers["X-Call-Id"])
        self.a.wait_until(lambda: set(call_ids) <= set(self.callbacks.call_ids()), timeout=30,
                          message="every queued call's callback")
        # A revocation published on NATS reaches both; the back end's function is untouched.
        out = self.a.run("iam", "revoke", "--nats-url", self.nats.url, "--sub", "system:serviceaccount:ci:pipeline")
        self.assertEqual(out.returncode, 0, out.stderr)
        for gw in (self.a, self.b):
            gw.wait_until(lambda gw=gw: gw.api("GET", "/system/functions?namespace=dev", auth=token).status == 401,
                          timeout=15, message="the revocation to reach " + gw.url)
        self.assertEqual(self.b.post("/function/echo.dev", "still").body, b"still")

    def test_an_issuer_whose_tokens_outlive_the_shared_revocations_is_warned_about(self):
        with open(os.path.join(self.iam_dir, "long-lived.yaml"), "w") as f:
            f.write(issuer_manifest("long-lived", "https://idp.example.test", [AUD], token_expiry="48h"))
        for gw in (self.a, self.b):
            gw.wait_until(lambda gw=gw: "long-lived: its tokens live 172800s" in gw.logs(), timeout=15,
                          message="the warning about the long-lived issuer")


if __name__ == "__main__":
    unittest.main()
