"""End to end: what a tenant who controls its own identity provider tries, and what unmodified
upstream clients expect. Each test failed on the gateway before the fix it names."""
import http.client
import json
import os
import re
import socket
import time
import unittest
import urllib.parse

import harness
from harness import K8S_ISSUER, Gateway, IdentityProvider, issuer_manifest

AUD = "https://gateway.example.com"
TENANT_ISSUER = "https://idp.tenant.example"


def policy(name, statements):
    return ("apiVersion: iam.openfaas.com/v1\nkind: Policy\nmetadata: {name: %s, namespace: openfaas}\n"
            "spec:\n  statement:\n" % name) + "".join("  - %s\n" % json.dumps(s) for s in statements)


def role(name, policies, sub, iss=None):
    text = ("apiVersion: iam.openfaas.com/v1\nkind: Role\nmetadata: {name: %s, namespace: openfaas}\n"
            "spec:\n  policy: %s\n  principal: {\"jwt:sub\": [\"%s\"]}\n" % (name, json.dumps(policies), sub))
    if iss:
        text += "  condition: {StringEqual: {\"jwt:iss\": [\"%s\"]}}\n" % iss
    return text


def allow(sid, actions, resources, **extra):
    return dict({"sid": sid, "effect": "Allow", "action": actions, "resource": resources}, **extra)


def deny(sid, actions, resources, **extra):
    return dict({"sid": sid, "effect": "Deny", "action": actions, "resource": resources}, **extra)


def fn(name, namespace, process="cat", **extra):
    return dict({"service": name, "namespace": namespace, "envProcess": process}, **extra)


JWT_AUTH = {"com.openfaas.iam/jwt-auth": "true"}


class TenantTest(unittest.TestCase):
    """A gateway trusting Kubernetes and a tenant's own IdP, whose tokens the tenant shapes at will."""

    @classmethod
    def setUpClass(cls):
        cls.k8s = IdentityProvider(K8S_ISSUER, kty="RSA")
        cls.tenant = IdentityProvider(TENANT_ISSUER, kty="EC")
        cls.gw = Gateway({
            "issuers.yaml": issuer_manifest("kubernetes", K8S_ISSUER, [AUD], iss_internal=cls.k8s.url) + "---\n" +
                            issuer_manifest("tenant", TENANT_ISSUER, [AUD], iss_internal=cls.tenant.url),
            "lister.yaml": policy("lister", [allow("list", ["Function:List", "Namespace:List"], ["tenant:*"])]) +
                           "---\n" + role("lister", ["lister"], "lister", iss=TENANT_ISSUER),
            "dev.yaml": policy("dev-rw", [allow("rw", ["Function:*", "Secret:*", "Namespace:Get"], ["dev:*"])]) +
                        "---\n" + role("dev", ["dev-rw"], "system:serviceaccount:dev:ci", iss=K8S_ISSUER),
            # The tenant may manage its namespace but never delete: its issuer is named in a Deny.
            "tenant.yaml": policy("tenant-rw", [allow("rw", ["Function:*"], ["tenant:*"]),
                                                deny("no-delete-by-tenant-idp", ["Function:Delete"], ["*"],
                                                     condition={"StringEqual": {"jwt:iss": [TENANT_ISSUER]}})]) +
                           "---\n" + role("tenant", ["tenant-rw"], "ops", iss=TENANT_ISSUER),
            "invoke.yaml": policy("invoker", [allow("invoke", ["Function:Invoke"], ["dev:*"]),
                                              deny("not-private", ["Function:Invoke"], ["dev:private"])]) +
                           "---\n" + role("invoker", ["invoker"], "system:serviceaccount:dev:caller", iss=K8S_ISSUER),
        })
        for ns in ("dev", "tenant"):
            assert cls.gw.api("POST", "/system/namespace/", {"name": ns}).status == 201
        for body in (fn("billing", "openfaas-fn", envVars={"DB": "prod-password"}),
                     fn("billing", "dev"), fn("secure", "dev", annotations=JWT_AUTH),
                     fn("private", "dev", annotations=JWT_AUTH), fn("secure", "tenant", annotations=JWT_AUTH),
                     fn("app", "tenant")):
            r = cls.gw.api("POST", "/system/functions", body)
            assert r.status == 202, r.body

    @classmethod
    def tearDownClass(cls):
        cls.gw.close()
        cls.k8s.close()
        cls.tenant.close()

    def exchange(self, idp, sub, expect=200, **params):
        r = self.gw.exchange(idp.service_account_token(sub=sub, aud=[AUD], **params.pop("claims", {})), **params)
        self.assertEqual(r.status, expect, r.body)
        return r.json()

    def bearer(self, idp, sub, **params):
        return "Bearer " + self.exchange(idp, sub, **params)["access_token"]

    def invoke(self, target, auth=None):
        headers = {"Authorization": auth} if auth else {}
        return harness.request("POST", self.gw.url + "/function/" + target, body="x", headers=headers)

    # item 1: claims the gateway gives meaning to never pass through from a subject token
    def test_a_forged_function_claim_invokes_nothing(self):
        forged = {"function": {"permissions": ["*"], "audience": []}, "scope": "function", "policy": ["dev-rw"],
                  "fed:iss": K8S_ISSUER}
        answer = self.exchange(self.tenant, "lister", claims=forged)
        _, keys = self.gw.gateway_keys()
        claims = harness.verify_with_jwcrypto(answer["access_token"], keys, self.gw.url)
        self.assertNotIn("function", claims)
        self.assertNotIn("scope", claims)
        self.assertEqual((claims["policy"], claims["fed:iss"]), (["lister"], TENANT_ISSUER))
        for target in ("secure.dev", "secure.tenant", "private.dev"):
            r = self.invoke(target, "Bearer " + answer["access_token"])
            self.assertEqual(r.status, 401, (target, r.body))
        # Its API token still lists what it may, and nothing of dev.
        self.assertEqual(self.gw.api("GET", "/system/namespaces", auth="Bearer " + answer["access_token"]).json(),
                         ["tenant"])
        # Nor can it get a function token: no statement of its lets it invoke.
        r = self.gw.exchange(self.tenant.service_account_token(sub="lister", aud=[AUD], **forged), scope="function")
        self.assertEqual((r.status, r.json()["error"]), (400, "invalid_target"))

    def test_a_function_token_is_no_api_token(self):
        token = self.bearer(self.k8s, "system:serviceaccount:dev:caller", scope="function")
        r = self.gw.api("GET", "/system/functions?namespace=dev", auth=token)
        self.assertEqual(r.status, 403, r.body)
        self.assertIn("function token", r.body.decode())

    # item 2: a query that does not decode is a 400 everywhere, before any check
    def test_a_nul_in_the_query_is_refused_before_authorization(self):
        auth = self.bearer(self.k8s, "system:serviceaccount:dev:ci")
        self.assertEqual(self.gw.api("GET", "/system/function/billing?namespace=dev", auth=auth).status, 200)
        for query in ("namespace=dev&x=%00", "namespace=dev&x=%zz", "namespace=dev%00"):
            r = self.gw.api("GET", "/system/function/billing?" + query, auth=auth)
            self.assertEqual(r.status, 400, (query, r.body))
            self.assertNotIn(b"prod-password", r.body)
        r = self.gw.api("GET", "/system/functions?namespace=dev&x=%00", auth=auth)
        self.assertEqual(r.status, 400, r.body)
        r = harness.request("POST", self.gw.url + "/function/billing.dev?a=%00", body="x")
        self.assertEqual(r.status, 400, r.body)

    # item 3: invocations are decided by the live engine: a Deny, a Policy edit
    def test_function_tokens_answer_to_deny_and_to_policy_edits(self):
        token = self.bearer(self.k8s, "system:serviceaccount:dev:caller", scope="function")
        self.assertEqual(self.invoke("secure.dev", token).status, 200)
        r = self.invoke("private.dev", token)
        self.assertEqual(r.status, 403, r.body)
        self.assertEqual(self.invoke("secure.tenant", token).status, 403)
        # The Policy loses Function:Invoke: the token it minted stops working at once.
        self.gw.write_iam("invoke.yaml", policy("invoker", [allow("list", ["Function:List"], ["dev:*"])]) +
                          "---\n" + role("invoker", ["invoker"], "system:serviceaccount:dev:caller", iss=K8S_ISSUER))
        try:
            self.gw.wait_until(lambda: self.invoke("secure.dev", token).status == 403, message="the edit to apply")
        finally:
            self.gw.write_iam("invoke.yaml", policy("invoker", [allow("invoke", ["Function:Invoke"], ["dev:*"]),
                                                                deny("not-private", ["Function:Invoke"],
                                                                     ["dev:private"])]) +
                              "---\n" + role("invoker", ["invoker"], "system:serviceaccount:dev:caller",
                                             iss=K8S_ISSUER))
        self.gw.wait_until(lambda: self.invoke("secure.dev", token).status == 200, message="the policy to come back")

    # item 4: jwt:iss in a statement is the original issuer on every call
    def test_a_deny_naming_the_tenants_issuer_stops_the_tenant(self):
        auth = self.bearer(self.tenant, "ops")
        self.assertEqual(self.gw.api("POST", "/system/functions", fn("doomed", "tenant"), auth=auth).status, 202)
        r = self.gw.api("DELETE", "/system/functions", {"functionName": "doomed", "namespace": "tenant"}, auth=auth)
        self.assertEqual(r.status, 403, r.body)
        self.assertIn("Function:Delete on tenant:doomed", r.body.decode())
        self.assertEqual(self.gw.api("GET", "/system/function/doomed?namespace=tenant").status, 200)
        self.assertEqual(self.gw.api("DELETE", "/system/functions",
                                     {"functionName": "doomed", "namespace": "tenant"}).status, 202)

    # item 6: sub is a string
    def test_a_sub_that_is_not_a_string_is_refused(self):
        now = int(time.time())
        for sub in (42, None, ["ops"]):
            claims = {"iss": TENANT_ISSUER, "aud": [AUD], "iat": now, "nbf": now, "exp": now + 600}
            if sub is not None:
                claims["sub"] = sub
            r = self.gw.exchange(self.tenant.sign(claims))
            self.assertEqual(r.status, 400, r.body)
            self.assertEqual(r.json()["error"], "invalid_request")
            self.assertIn("sub", r.json()["error_description"])

    # items 15, 16: errors as upstream's clients read them
    def test_errors_are_plain_text_and_401_offers_basic_auth(self):
        r = self.gw.api("GET", "/system/function/absent?namespace=dev")
        self.assertEqual(r.status, 404)
        self.assertTrue(r.headers["Content-Type"].startswith("text/plain"))
        self.assertIn(b"absent", r.body)
        r = harness.request("GET", self.gw.url + "/system/functions")
        self.assertEqual(r.status, 401)
        challenges = r.headers.get_all("WWW-Authenticate")
        self.assertIn('Basic realm="Restricted"', challenges)
        self.assertTrue(any(c.startswith("Bearer ") for c in challenges), challenges)
        # The token endpoint keeps RFC 6749's JSON errors.
        r = self.gw.post("/oauth/token?grant_type=%00")
        self.assertEqual((r.status, r.json()["error"]), (400, "invalid_request"))

    # item 10: metrics on their own listener
    def test_metrics_are_not_served_on_the_api_listener(self):
        self.assertEqual(self.gw.get("/metrics").status, 404)
        text = harness.request("GET", self.gw.metrics_url).body.decode()
        self.assertIn('function_name="billing.openfaas-fn"', text)
        self.assertNotEqual(urllib.parse.urlsplit(self.gw.metrics_url).port, urllib.parse.urlsplit(self.gw.url).port)

    # item 11: names as upstream
    def test_names_are_dns_labels(self):
        for name in (".processes", "Dev", "a_b", "-x", "x" * 64, "a.b"):
            r = self.gw.api("POST", "/system/namespace/", {"name": name})
            self.assertEqual(r.status, 400, (name, r.body))
            r = self.gw.api("POST", "/system/functions", fn(name, "dev"))
            self.assertEqual(r.status, 400, (name, r.body))
        self.assertNotIn(".processes", self.gw.api("GET", "/system/namespaces").json())

    # item 18
    def test_call_ids_are_uuids(self):
        r = harness.request("POST", self.gw.url + "/function/billing.dev", body="x")
        self.assertEqual(r.status, 200, r.body)
        self.assertRegex(r.headers["X-Call-Id"], r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


class IssuerConfusionTest(unittest.TestCase):
    """item 5: a Role matched by jwt:sub alone, with two issuers trusted."""

    def test_a_sub_only_role_is_a_warning_and_revocation_can_name_the_issuer(self):
        k8s = IdentityProvider(K8S_ISSUER, kty="RSA")
        tenant = IdentityProvider(TENANT_ISSUER, kty="EC")
        sub = "system:serviceaccount:openfaas:cron-connector"
        gw = Gateway({
            "issuers.yaml": issuer_manifest("kubernetes", K8S_ISSUER, [AUD], iss_internal=k8s.url) + "---\n" +
                            issuer_manifest("tenant", TENANT_ISSUER, [AUD], iss_internal=tenant.url),
            "cron.yaml": policy("cron", [allow("list", ["Namespace:List"], ["*"])]) + "---\n" + role("cron", ["cron"], sub),
        })
        try:
            self.assertIn("sub-any-issuer", gw.logs())
            lint = gw.run("iam", "lint", "--iam-dir", gw.iam_dir, check=False)
            self.assertEqual(lint.returncode, 1, lint.stdout + lint.stderr)
            self.assertIn("warning: Role/cron", lint.stdout + lint.stderr)

            from_k8s = "Bearer " + gw.exchange(k8s.service_account_token(sub=sub, aud=[AUD])).json()["access_token"]
            from_tenant = "Bearer " + gw.exchange(tenant.service_account_token(sub=sub, aud=[AUD])).json()["access_token"]
            out = gw.run("iam", "revoke", "--data-dir", gw.data_dir, "--sub", sub, "--iss", TENANT_ISSUER)
            self.assertIn(TENANT_ISSUER, out.stdout)
            gw.wait_until(lambda: gw.api("GET", "/system/namespaces", auth=from_tenant).status == 401,
                          message="the tenant's token to be revoked")
            self.assertEqual(gw.api("GET", "/system/namespaces", auth=from_k8s).status, 200)
            self.assertNotEqual(gw.run("iam", "revoke", "--data-dir", gw.data_dir, "--iss", TENANT_ISSUER,
                                       check=False).returncode, 0)
        finally:
            gw.close()
            k8s.close()
            tenant.close()


class LogStreamTest(unittest.TestCase):
    """item 9: a followed log stream lasts only as long as its authority, and streams are capped."""

    def setUp(self):
        self.k8s = IdentityProvider(K8S_ISSUER, kty="RSA")
        self.gw = Gateway({
            "issuer.yaml": issuer_manifest("kubernetes", K8S_ISSUER, [AUD], iss_internal=self.k8s.url),
            "logs.yaml": policy("logs", [allow("logs", ["Function:Logs", "Function:Get"], ["dev:*"])]) + "---\n" +
                         role("reader", ["logs"], "system:serviceaccount:dev:reader", iss=K8S_ISSUER),
        })
        self.assertEqual(self.gw.api("POST", "/system/namespace/", {"name": "dev"}).status, 201)
        self.assertEqual(self.gw.api("POST", "/system/functions", fn("echo", "dev")).status, 202)
        r = self.gw.exchange(self.k8s.service_account_token(sub="system:serviceaccount:dev:reader", aud=[AUD]))
        self.token = "Bearer " + r.json()["access_token"]

    def tearDown(self):
        self.gw.close()
        self.k8s.close()

    def follow(self):
        conn = http.client.HTTPConnection(urllib.parse.urlsplit(self.gw.url).netloc, timeout=20)
        conn.request("GET", "/system/logs?name=echo&namespace=dev&follow=true", headers={"Authorization": self.token})
        return conn, conn.getresponse()

    def test_a_stream_ends_when_its_token_is_revoked(self):
        conn, r = self.follow()
        self.assertEqual(r.status, 200)
        self.gw.run("iam", "revoke", "--data-dir", self.gw.data_dir, "--sub", "system:serviceaccount:dev:reader")
        started = time.monotonic()
        body = r.read()  # returns once the gateway ends the stream; the socket timeout fails it otherwise
        self.assertLess(time.monotonic() - started, 15)
        self.assertEqual(body, b"")  # the function logged nothing; the stream just ended, cleanly
        conn.close()

    def test_a_stream_ends_when_the_policy_stops_allowing_it(self):
        conn, r = self.follow()
        self.assertEqual(r.status, 200)
        self.gw.write_iam("logs.yaml", policy("logs", [allow("get", ["Function:Get"], ["dev:*"])]) + "---\n" +
                          role("reader", ["logs"], "system:serviceaccount:dev:reader", iss=K8S_ISSUER))
        r.read()
        conn.close()

    def test_streams_are_capped_per_caller(self):
        streams = [self.follow() for _ in range(8)]
        try:
            for _, r in streams:
                self.assertEqual(r.status, 200)
            conn = http.client.HTTPConnection(urllib.parse.urlsplit(self.gw.url).netloc, timeout=20)
            conn.request("GET", "/system/logs?name=echo&namespace=dev&follow=true", headers={"Authorization": self.token})
            refused = conn.getresponse()
            self.assertEqual(refused.status, 429)
            self.assertTrue(refused.getheader("Retry-After"))
            refused.read()
            conn.close()
            # The admin is another caller.
            self.assertEqual(self.gw.api("GET", "/system/logs?name=echo&namespace=dev").status, 200)
        finally:
            for conn, _ in streams:
                conn.close()
        self.gw.wait_until(lambda: self.follow()[1].status == 200, message="a slot to come back")


class CompatibilityTest(unittest.TestCase):
    """items 12-14: what faas-cli and go-sdk do with secrets, and the README's relative data dir."""

    def test_secrets_as_upstream_clients_send_them_with_a_relative_data_dir(self):
        gw = None
        workdir = harness.tempfile.mkdtemp(prefix="faasgate-rel-")
        os.chmod(workdir, 0o711)
        try:
            gw = Gateway(extra_args=(), data_dir=".faasgate", cwd=workdir)
            raw = "AAEC"  # three bytes; faas-cli --from-file sends the file as value and as rawValue
            r = gw.api("POST", "/system/secrets", {"name": "db", "value": "\x00\x01\x02", "rawValue": raw})
            self.assertEqual(r.status, 201, r.body)
            r = gw.api("POST", "/system/functions",
                       fn("reader", "openfaas-fn", process="sh -c 'od -An -tx1 \"$secret_mount_path/db\"'",
                          secrets=["db"]))
            self.assertEqual(r.status, 202, r.body)
            r = harness.request("POST", gw.url + "/function/reader", body="")
            self.assertEqual(r.status, 200, r.body)
            self.assertEqual(r.body.split(), [b"00", b"01", b"02"])
            self.assertEqual(gw.api("DELETE", "/system/functions", {"functionName": "reader"}).status, 202)
            r = gw.api("DELETE", "/system/secrets", {"name": "db"})
            self.assertEqual(r.status, 202, r.body)
            self.assertEqual(gw.api("GET", "/system/secrets").json(), [])
        finally:
            if gw:
                gw.close()
            harness.shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
