"""End to end: `faasgate iam explain` and `faasgate iam lint` on manifests in a temporary directory."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

import harness
from harness import FAASGATE_BIN, K8S_ISSUER

SEED = harness.SEED_DIR
CRON_SUB = "system:serviceaccount:openfaas:cron-connector"

FN_RW_POLICY = """apiVersion: iam.openfaas.com/v1
kind: Policy
metadata:
  name: fn-rw
  namespace: openfaas
spec:
  statement:
  - sid: 1-rw
    action: ["*"]
    effect: Allow
    resource: ["*"]
  - sid: 2-no-prod
    action: ["Function:Delete"]
    effect: Deny
    resource: ["prod:*"]
"""


def run(*args, stdin=None):
    return subprocess.run([FAASGATE_BIN, *args], capture_output=True, text=True, timeout=60, input=stdin)


class IamCliTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="faasgate-iam-cli-")
        self.iam = os.path.join(self.tmp, "iam")
        shutil.copytree(SEED, self.iam, ignore=shutil.ignore_patterns("*.md"))

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write(self, name, text, where=None):
        path = os.path.join(where or self.iam, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def claims(self, **claims):
        return self.write("claims.json", json.dumps(claims), where=self.tmp)

    def k8s_claims(self, sa="cron-connector", **extra):
        c = {"iss": K8S_ISSUER, "sub": "system:serviceaccount:openfaas:" + sa, "aud": ["https://gateway.example.com"],
             "exp": 1688481371, "iat": 1688474171, "kubernetes.io": {"namespace": "openfaas"}}
        c.update(extra)
        return self.claims(**c)

    def explain(self, claims, action, resource, *extra):
        return run("iam", "explain", "--iam-dir", self.iam, "--claims", claims, "--action", action,
                   "--resource", resource, *extra)

    # ---- explain ----

    def test_explain_seed_cron_connector_allowed_in_dev(self):
        r = self.explain(self.k8s_claims(), "Function:List", "dev:*")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("ALLOW: Function:List on dev:*", r.stdout)
        self.assertIn("subject token", r.stdout)
        self.assertIn("+ cron-connector", r.stdout)
        self.assertIn("- my-app", r.stdout)
        self.assertIn("sid 1-fn-r", r.stdout)

    def test_explain_seed_cron_connector_denied_in_staging_json(self):
        r = self.explain(self.k8s_claims(), "Function:List", "staging:*", "--json")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        out = json.loads(r.stdout)
        self.assertEqual(out["decision"], "deny")
        self.assertFalse(out["allowed"])
        self.assertEqual(out["token"], "subject")
        self.assertIsNone(out["decided_by"])
        self.assertIn("implicit deny", out["reason"])
        roles = {role["name"]: role for role in out["roles"]}
        self.assertTrue(roles["cron-connector"]["matched"])
        self.assertFalse(roles["my-app"]["matched"])
        self.assertIn("not in", roles["my-app"]["why"][0]["text"])
        self.assertEqual(out["policies"], ["cron-connector"])
        [statement] = out["statements"]
        self.assertEqual(statement["sid"], "1-fn-r")
        self.assertTrue(statement["action_matched"])
        self.assertFalse(statement["resource_matched"])

    def test_explain_access_token_and_deny_beating_wildcard(self):
        self.write("policy-fn-rw.yaml", FN_RW_POLICY)
        claims = self.claims(iss="https://gateway.example.com", sub="fed:" + CRON_SUB, policy=["fn-rw", "gone"])
        r = self.explain(claims, "Function:Delete", "prod:api", "--json")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        out = json.loads(r.stdout)
        self.assertEqual(out["token"], "access")
        self.assertEqual(out["roles"], [])
        self.assertEqual(out["missing_policies"], ["gone"])
        self.assertEqual(out["decided_by"], {"policy": "fn-rw", "sid": "2-no-prod", "effect": "Deny", "index": 1})
        r = self.explain(claims, "Function:Delete", "dev:api")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("access token", r.stdout)
        self.assertIn("sid 1-rw", r.stdout)

    def test_explain_claims_from_stdin(self):
        claims = json.dumps({"iss": K8S_ISSUER, "sub": CRON_SUB})
        r = run("iam", "explain", "--iam-dir", self.iam, "--claims", "-", "--action", "Namespace:List",
                "--resource", "dev:*", stdin=claims)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_explain_usage_and_load_errors(self):
        claims = self.k8s_claims()
        self.assertEqual(self.explain(claims, "Function:Fly", "dev:*").returncode, 2)
        self.assertEqual(self.explain(claims, "Function:List", "dev").returncode, 2)
        self.assertEqual(run("iam", "explain", "--iam-dir", self.iam, "--action", "Function:List",
                             "--resource", "dev:*").returncode, 2)
        self.assertEqual(self.explain(self.write("bad.json", "[1,2]", where=self.tmp), "Function:List",
                                      "dev:*").returncode, 2)
        self.assertEqual(self.explain(os.path.join(self.tmp, "absent.json"), "Function:List", "dev:*").returncode, 2)
        self.write("broken.yaml", "apiVersion: iam.openfaas.com/v1\nkind: Policy\nmetadata: {name: x}\nspec: {nope: 1}\n")
        r = self.explain(claims, "Function:List", "dev:*")
        self.assertEqual(r.returncode, 2)
        self.assertIn("broken.yaml", r.stderr)

    # ---- lint ----

    def test_lint_seed_warns_about_missing_policy(self):
        r = run("iam", "lint", "--iam-dir", self.iam)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(len(lines), 1, r.stdout)
        self.assertRegex(lines[0], r"role-my-app\.yaml:1: warning: Role/my-app: spec\.policy\[0\]: "
                                   r"policy \"fn-rw\" is not defined.*\[missing-policy\]$")

    def test_lint_clean_set(self):
        os.remove(os.path.join(self.iam, "role-my-app.yaml"))
        r = run("iam", "lint", "--iam-dir", self.iam)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(r.stdout, "")

    def test_lint_dangerous_and_dead(self):
        self.write("policy-fn-rw.yaml", FN_RW_POLICY)
        self.write("role-open.yaml", "apiVersion: iam.openfaas.com/v1\nkind: Role\nmetadata: {name: open}\n"
                                     "spec:\n  policy: [cron-connector]\n")
        self.write("policy-orphan.yaml", "apiVersion: iam.openfaas.com/v1\nkind: Policy\nmetadata: {name: orphan}\n"
                                         "spec:\n  statement:\n"
                                         "  - {sid: a, effect: Allow, action: [Function:Get], resource: ['dev:*']}\n"
                                         "  - {sid: b, effect: Allow, action: [Function:Get], resource: ['dev:x']}\n")
        r = run("iam", "lint", "--iam-dir", self.iam)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        out = r.stdout
        self.assertIn("policy-fn-rw.yaml:1: warning: Policy/fn-rw: spec.statement[0] (sid 1-rw): allows every action "
                      "on every resource [allow-everything]", out)
        self.assertIn("role-open.yaml:1: warning: Role/open:", out)
        self.assertIn("[any-issuer]", out)
        self.assertIn("Policy/orphan: no Role grants this policy", out)
        self.assertIn("Policy/orphan: spec.statement[1] (sid b): shadowed by the earlier spec.statement[0] (sid a)", out)
        self.assertNotIn("missing-policy", out)
        for line in out.splitlines():
            self.assertRegex(line, r"^[^:]+:\d+: (warning|info): (Role|Policy|JwtIssuer)/[^:]+: .+ \[[a-z-]+\]$")

    def test_lint_load_error_and_usage(self):
        self.write("broken.yaml", "kind: [")
        self.assertEqual(run("iam", "lint", "--iam-dir", self.iam).returncode, 2)
        self.assertEqual(run("iam", "lint").returncode, 2)
        self.assertEqual(run("iam", "lint", "--iam-dir", os.path.join(self.tmp, "absent")).returncode, 2)


if __name__ == "__main__":
    unittest.main()
