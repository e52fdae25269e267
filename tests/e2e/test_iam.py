"""End to end: every API call answers to the IAM objects - the write-up's scoped cron connector."""
import base64
import json
import os
import time
import unittest

import harness
from harness import K8S_ISSUER, seed, Gateway, IdentityProvider, issuer_manifest

AUD = "https://gateway.example.com"

ADMIN_LIKE = """apiVersion: iam.openfaas.com/v1
kind: Policy
metadata: {name: all-but-delete, namespace: openfaas}
spec:
  statement:
  - {sid: everything, effect: Allow, action: ["*"], resource: ["*"]}
  - {sid: never-delete-dev, effect: Deny, action: ["Function:Delete"], resource: ["dev:*"]}
---
apiVersion: iam.openfaas.com/v1
kind: Role
metadata: {name: pipeline, namespace: openfaas}
spec:
  policy: [all-but-delete]
  principal: {"jwt:sub": ["system:serviceaccount:openfaas:pipeline"]}
"""



class IamEnforcementTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.idp = IdentityProvider(K8S_ISSUER, kty="RSA")
        cls.audit_path = os.path.join(os.environ.get("TMPDIR", "/tmp"), "faasgate-audit-%d.log" % os.getpid())
        cls.gw = Gateway({
            "issuer.yaml": issuer_manifest("kubernetes", K8S_ISSUER, [AUD], iss_internal=cls.idp.url),
            "policy-cron-connector.yaml": seed("policy-cron-connector.yaml"),
            "role-cron-connector.yaml": seed("role-cron-connector.yaml"),
            "pipeline.yaml": ADMIN_LIKE,
        }, extra_args=["--audit-log", cls.audit_path])
        for ns in ("dev", "staging"):
            assert cls.gw.api("POST", "/system/namespace/", {"name": ns}).status == 201
            r = cls.gw.api("POST", "/system/functions", {
                "service": "nodeinfo", "namespace": ns, "envProcess": "cat",
                "annotations": {"topic": "cron-function", "schedule": "* * * * *"}})
            assert r.status == 202, r.body

    @classmethod
    def tearDownClass(cls):
        cls.gw.close()
        cls.idp.close()
        if os.path.exists(cls.audit_path):
            os.unlink(cls.audit_path)

    def token_for(self, account):
        subject = self.idp.service_account_token(sub="system:serviceaccount:openfaas:" + account, aud=[AUD])
        r = self.gw.exchange(subject)
        self.assertEqual(r.status, 200, r.body)
        return "Bearer " + r.json()["access_token"]

    def test_the_cron_connector_sees_dev_only_and_writes_nothing(self):
        auth = self.token_for("cron-connector")
        self.assertEqual(self.gw.api("GET", "/system/namespaces", auth=auth).json(), ["dev"])
        dev = self.gw.api("GET", "/system/functions?namespace=dev", auth=auth)
        self.assertEqual(dev.status, 200, dev.body)
        self.assertEqual([f["name"] for f in dev.json()], ["nodeinfo"])
        self.assertEqual(dev.json()[0]["annotations"]["topic"], "cron-function")
        for method, path, body in [
            ("GET", "/system/functions?namespace=staging", None),
            ("GET", "/system/functions", None),  # the default namespace
            ("GET", "/system/function/nodeinfo?namespace=dev", None),  # Get is not List
            ("POST", "/system/functions", {"service": "x", "namespace": "dev", "envProcess": "cat"}),
            ("PUT", "/system/functions", {"service": "nodeinfo", "namespace": "dev", "envProcess": "cat"}),
            ("DELETE", "/system/functions", {"functionName": "nodeinfo", "namespace": "dev"}),
            ("POST", "/system/scale-function/nodeinfo", {"serviceName": "nodeinfo", "namespace": "dev", "replicas": 0}),
            ("POST", "/system/secrets", {"name": "s", "namespace": "dev", "value": "v"}),
            ("GET", "/system/secrets?namespace=dev", None),
            ("POST", "/system/namespace/", {"name": "prod"}),
            ("DELETE", "/system/namespace/dev", None),
            ("GET", "/system/info", None),
            ("GET", "/system/logs?name=nodeinfo&namespace=dev", None),
        ]:
            with self.subTest(method=method, path=path):
                r = self.gw.api(method, path, body, auth=auth)
                self.assertEqual(r.status, 403, r.body)
                # Plain text as upstream writes it, naming the action and the resource.
                self.assertTrue(r.headers["Content-Type"].startswith("text/plain"), r.headers)
                self.assertRegex(r.body.decode(), r"^forbidden: \w+:\w+ on \S+ is not allowed for fed:")
                self.assertNotIn(auth.split()[1], r.body.decode())

    def test_missing_or_bad_token_is_401(self):
        r = harness.request("GET", self.gw.url + "/system/namespaces")
        self.assertEqual(r.status, 401)
        self.assertIn("Bearer", r.headers["WWW-Authenticate"])
        r = self.gw.api("GET", "/system/namespaces", auth="Bearer eyJhbGciOiJFUzI1NiJ9.e30.AAAA")
        self.assertEqual(r.status, 401)
        self.assertIn('error="invalid_token"', r.headers["WWW-Authenticate"])

    def test_an_explicit_deny_beats_a_wildcard_allow(self):
        auth = self.token_for("pipeline")
        self.assertEqual(sorted(self.gw.api("GET", "/system/namespaces", auth=auth).json()),
                         ["dev", "openfaas-fn", "staging"])
        r = self.gw.api("DELETE", "/system/functions", {"functionName": "nodeinfo", "namespace": "dev"}, auth=auth)
        self.assertEqual(r.status, 403, r.body)
        self.assertIn("Function:Delete on dev:nodeinfo", r.body.decode())
        self.assertEqual(self.gw.api("GET", "/system/info", auth=auth).status, 200)

    def test_every_decision_is_audited_without_tokens(self):
        auth = self.token_for("cron-connector")
        self.gw.api("GET", "/system/functions?namespace=dev", auth=auth)
        self.gw.api("GET", "/system/functions?namespace=staging", auth=auth)
        def events():
            if not os.path.exists(self.audit_path):
                return []
            with open(self.audit_path) as f:
                return [json.loads(l) for l in f if l.strip()]
        self.gw.wait_until(lambda: any(e["resource"] == "staging:*" for e in events()), message="audit events")
        text = open(self.audit_path).read()
        self.assertNotIn(auth.split()[1], text)
        allowed = [e for e in events() if e["resource"] == "dev:*" and e["action"] == "Function:List"][-1]
        self.assertEqual(allowed["decision"], "allow")
        self.assertEqual(allowed["actor"], "fed:system:serviceaccount:openfaas:cron-connector")
        self.assertEqual(allowed["issuer"], K8S_ISSUER)
        self.assertEqual(allowed["status"], 200)
        denied = [e for e in events() if e["resource"] == "staging:*"][-1]
        self.assertEqual(denied["decision"], "deny")
        self.assertEqual(denied["status"], 403)
        for key in ("time", "method", "path", "policy", "sid"):
            self.assertIn(key, denied)


class AuditWebhookTest(unittest.TestCase):
    def test_events_are_posted_signed(self):
        import hashlib
        import hmac
        receiver = harness.CallbackReceiver()
        tmp = harness.tempfile.mkdtemp()
        secret_file = os.path.join(tmp, "webhook-secret")
        with open(secret_file, "w") as f:
            f.write("hook-key\n")
        gw = Gateway(extra_args=["--audit-webhook", receiver.url, "--audit-webhook-secret-file", secret_file])
        try:
            self.assertEqual(gw.api("GET", "/system/namespaces").status, 200)
            gw.wait_until(lambda: len(receiver.calls) >= 1, message="the audit webhook")
            call = receiver.calls[0]
            expected = "sha256=" + hmac.new(b"hook-key", call["body"], hashlib.sha256).hexdigest()
            self.assertEqual(call["headers"]["X-Openfaas-Signature-256"], expected)
            event = json.loads(call["body"])
            self.assertEqual((event["actor"], event["action"], event["decision"], event["status"]),
                             ("admin", "Namespace:List", "allow", 200))
        finally:
            gw.close()
            receiver.close()


class PolicyChangesTest(unittest.TestCase):
    def test_every_revocation_reaches_a_running_gateway_not_only_the_first(self):
        # Each `faasgate iam revoke` is another process writing the database the gateway keeps
        # open. Opening the queue's connection once dropped the store's POSIX lock, so the first
        # writer to close deleted the WAL under the gateway, which read a stale database from then on.
        idp = IdentityProvider(K8S_ISSUER, kty="EC")
        gw = Gateway({"issuer.yaml": issuer_manifest("kubernetes", K8S_ISSUER, [AUD], iss_internal=idp.url),
                      "policy-cron-connector.yaml": seed("policy-cron-connector.yaml"),
                      "role-cron-connector.yaml": seed("role-cron-connector.yaml")})
        try:
            gw.api("POST", "/system/namespace/", {"name": "dev"})
            for i in range(3):
                subject = idp.service_account_token(sub="system:serviceaccount:openfaas:cron-connector", aud=[AUD])
                token = gw.exchange(subject).json()["access_token"]
                auth = "Bearer " + token
                self.assertEqual(gw.api("GET", "/system/namespaces", auth=auth).status, 200)
                jti = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))["jti"]
                out = gw.run("iam", "revoke", "--data-dir", gw.data_dir, "--jti", jti)
                self.assertEqual(out.returncode, 0, out.stderr)
                gw.wait_until(lambda: gw.api("GET", "/system/namespaces", auth=auth).status == 401,
                              message="revocation %d to reach the gateway" % (i + 1))
            self.assertTrue(os.path.exists(os.path.join(gw.data_dir, "faasgate.db-wal")))
        finally:
            gw.close()
            idp.close()

    def test_editing_a_policy_applies_at_once_and_revocation_ends_a_token(self):
        idp = IdentityProvider(K8S_ISSUER, kty="EC")
        gw = Gateway({
            "issuer.yaml": issuer_manifest("kubernetes", K8S_ISSUER, [AUD], iss_internal=idp.url),
            "policy-cron-connector.yaml": seed("policy-cron-connector.yaml"),
            "role-cron-connector.yaml": seed("role-cron-connector.yaml"),
        }, extra_args=["--system-issuer", "http://faasgate.test"])  # stable across the restart below
        try:
            for ns in ("dev", "staging"):
                gw.api("POST", "/system/namespace/", {"name": ns})
            subject = idp.service_account_token(sub="system:serviceaccount:openfaas:cron-connector", aud=[AUD])
            auth = "Bearer " + gw.exchange(subject).json()["access_token"]
            self.assertEqual(gw.api("GET", "/system/namespaces", auth=auth).json(), ["dev"])
            # The token names the policy; its definition is read at request time.
            gw.write_iam("policy-cron-connector.yaml", seed("policy-cron-connector.yaml").replace("dev:*", "staging:*"))
            gw.wait_until(lambda: gw.api("GET", "/system/namespaces", auth=auth).json() == ["staging"],
                          message="the edited policy to apply")
            out = gw.run("iam", "revoke", "--data-dir", gw.data_dir, "--sub",
                         "system:serviceaccount:openfaas:cron-connector")
            self.assertEqual(out.returncode, 0, out.stderr)
            gw.wait_until(lambda: gw.api("GET", "/system/namespaces", auth=auth).status == 401,
                          message="the revoked token to fail")
            # ...and stays revoked across a restart.
            gw.stop()
            files = {name: open(os.path.join(gw.iam_dir, name)).read() for name in os.listdir(gw.iam_dir)}
            again = Gateway(files, data_dir=gw.data_dir, extra_args=["--system-issuer", "http://faasgate.test"])
            try:
                self.assertEqual(again.api("GET", "/system/namespaces", auth=auth).status, 401)
                # A token issued after the revocation works: revocation ends what was issued.
                time.sleep(1.1)
                fresh = again.exchange(idp.service_account_token(sub="system:serviceaccount:openfaas:cron-connector",
                                                                 aud=[AUD]))
                self.assertEqual(fresh.status, 200, fresh.body)
                r = again.api("GET", "/system/namespaces", auth="Bearer " + fresh.json()["access_token"])
                self.assertEqual(r.status, 200, r.body)
            finally:
                again.close()
        finally:
            gw.close()
            idp.close()


INVOKER = """apiVersion: iam.openfaas.com/v1
kind: Policy
metadata: {name: invoker, namespace: openfaas}
spec:
  statement:
  - {sid: invoke-secure, effect: Allow, action: ["Function:Invoke"], resource: ["dev:secure-*"]}
---
apiVersion: iam.openfaas.com/v1
kind: Role
metadata: {name: caller, namespace: openfaas}
spec:
  policy: [invoker]
  principal: {"jwt:sub": ["system:serviceaccount:openfaas:caller"]}
"""


class FunctionTokenTest(unittest.TestCase):
    def test_a_function_that_asks_for_authentication_needs_a_function_token(self):
        idp = IdentityProvider(K8S_ISSUER, kty="EC")
        gw = Gateway({"issuer.yaml": issuer_manifest("kubernetes", K8S_ISSUER, [AUD], iss_internal=idp.url),
                      "invoker.yaml": INVOKER})
        try:
            self.assertEqual(gw.api("POST", "/system/namespace/", {"name": "dev"}).status, 201)
            for name in ("secure-echo", "secure-two"):
                r = gw.api("POST", "/system/functions", {"service": name, "namespace": "dev", "envProcess": "cat",
                                                         "annotations": {"com.openfaas.iam/jwt-auth": "true"}})
                self.assertEqual(r.status, 202, r.body)
            self.assertEqual(gw.api("POST", "/system/functions", {"service": "open", "namespace": "dev",
                                                                  "envProcess": "cat"}).status, 202)
            url = gw.url + "/function/secure-echo.dev"
            subject = idp.service_account_token(sub="system:serviceaccount:openfaas:caller", aud=[AUD])

            # Other functions stay open.
            self.assertEqual(harness.request("POST", gw.url + "/function/open.dev", body="hi").body, b"hi")
            # No token, the admin's password, an API token: 401 with the IAM realm.
            api_token = gw.exchange(subject).json()["access_token"]
            for auth in (None, gw.admin_auth(), "Bearer " + api_token, "Bearer garbage"):
                r = harness.request("POST", url, body="x", headers={"Authorization": auth} if auth else {})
                self.assertEqual(r.status, 401, (auth, r.body))
                self.assertEqual(r.headers["WWW-Authenticate"], 'Bearer realm="IAM function invoke"')

            r = gw.exchange(subject, scope="function", audience="dev:secure-echo")
            self.assertEqual(r.status, 200, r.body)
            self.assertEqual(r.json()["scope"], "function")
            token = "Bearer " + r.json()["access_token"]
            _, keys = gw.gateway_keys()
            claims = harness.verify_with_jwcrypto(r.json()["access_token"], keys, gw.url)
            self.assertEqual(claims["function"], {"permissions": ["dev:secure-*"], "audience": ["dev:secure-echo"]})

            r = harness.request("POST", url, body="secret work", headers={"Authorization": token})
            self.assertEqual(r.status, 200, r.body)
            self.assertEqual(r.body, b"secret work")
            # The permissions cover secure-two, but the token's audience does not: 403.
            r = harness.request("POST", gw.url + "/function/secure-two.dev", body="x", headers={"Authorization": token})
            self.assertEqual(r.status, 403, r.body)
            # Asking for a function no statement allows is invalid_target.
            r = gw.exchange(subject, scope="function", audience="dev:open")
            self.assertEqual(r.status, 400)
            self.assertEqual(r.json()["error"], "invalid_target")
            # Without an audience, the token covers what the permissions cover.
            r = gw.exchange(subject, scope="function")
            token = "Bearer " + r.json()["access_token"]
            r = harness.request("POST", gw.url + "/function/secure-two.dev", body="y", headers={"Authorization": token})
            self.assertEqual(r.status, 200, r.body)
        finally:
            gw.close()
            idp.close()


if __name__ == "__main__":
    unittest.main()
