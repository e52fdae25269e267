"""End to end: several gateways that are one issuer.

Two `faasgate serve` processes share the signing keys' directory (--keys-dir), the IAM objects
(--iam-dir) and the issuer URL (--system-issuer), as replicas behind one address do: a token
either mints the other accepts, its IAM objects decide the same, and a key rotated in the shared
directory is published, and signed with, by both.
"""
import json
import os
import shutil
import tempfile
import time
import unittest

import harness
from harness import K8S_ISSUER, Gateway, IdentityProvider, issuer_manifest

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


class SharedIssuerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.k8s = IdentityProvider(K8S_ISSUER, kty="RSA")
        cls.shared = tempfile.mkdtemp(prefix="faasgate-e2e-shared-")
        cls.keys_dir = os.path.join(cls.shared, "keys")
        iam_dir = os.path.join(cls.shared, "iam")
        os.makedirs(iam_dir)
        for name, text in {"issuer.yaml": issuer_manifest("kubernetes", K8S_ISSUER, [AUD], iss_internal=cls.k8s.url),
                           "policy.yaml": POLICY, "role.yaml": ROLE}.items():
            with open(os.path.join(iam_dir, name), "w") as f:
                f.write(text)
        args = ["--keys-dir", cls.keys_dir, "--system-issuer", SYSTEM_ISSUER]
        cls.a = Gateway(extra_args=args, iam_dir=iam_dir)
        cls.b = Gateway(extra_args=args, iam_dir=iam_dir)
        for gw in (cls.a, cls.b):  # the embedded back ends know only the namespaces made on them
            for ns in ("dev", "prod"):
                created = gw.api("POST", "/system/namespace/", {"name": ns})
                assert created.status == 201, created.body

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
        self.assertEqual(self.published_kids(self.a), self.published_kids(self.b))
        after_a, after_b = self.exchange(self.a), self.exchange(self.b)
        self.assertEqual(kid_of(after_a), kid_of(after_b), "both sign with the new key")
        self.assertNotIn(kid_of(after_a), old_kids)
        for token in (before, after_a, after_b):  # the old key stays published until its tokens expire
            for gw in (self.a, self.b):
                self.assertEqual(self.call(gw, token, "dev").status, 200)


if __name__ == "__main__":
    unittest.main()
