"""End to end: the RFC 8693 token exchange of the write-up, against the real binary."""
import base64
import json
import os
import time
import unittest

from jwcrypto import jwk, jws

import harness
from harness import K8S_ISSUER, seed, Gateway, IdentityProvider, issuer_manifest, verify_with_jwcrypto

AUD = "https://gateway.example.com"

FN_RW_POLICY = """apiVersion: iam.openfaas.com/v1
kind: Policy
metadata:
  name: fn-rw
  namespace: openfaas
spec:
  statement:
  - sid: 1-rw
    action: ["Function:*"]
    effect: Allow
    resource: ["dev:*"]
"""


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()



class ExchangeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.k8s = IdentityProvider(K8S_ISSUER, kty="RSA")
        cls.ec_idp = IdentityProvider("https://idp.example.test", kty="EC")
        ec_issuer = issuer_manifest("ec-idp", cls.ec_idp.issuer, [AUD],
                                    extra="  jwksUrl: %s/openid/v1/jwks\n" % cls.ec_idp.url)
        ec_role = """apiVersion: iam.openfaas.com/v1
kind: Role
metadata:
  name: ec-pipeline
  namespace: openfaas
spec:
  policy: [fn-rw]
  principal:
    jwt:sub: ["pipeline"]
"""
        cls.gw = Gateway({
            # The seed's JwtIssuer, reached through issInternal as a cluster-external gateway would.
            "issuer.yaml": issuer_manifest("kubernetes", K8S_ISSUER, [AUD], iss_internal=cls.k8s.url),
            "ec-issuer.yaml": ec_issuer,
            "ec-role.yaml": ec_role,
            "fn-rw.yaml": FN_RW_POLICY,
            "role-my-app.yaml": seed("role-my-app.yaml"),
            "policy-cron-connector.yaml": seed("policy-cron-connector.yaml"),
            "role-cron-connector.yaml": seed("role-cron-connector.yaml"),
        }, extra_args=["--jwks-refetch-cooldown", "1s"])

    @classmethod
    def tearDownClass(cls):
        cls.gw.close()
        cls.k8s.close()
        cls.ec_idp.close()

    def token(self, **kw):
        kw.setdefault("aud", [AUD])
        return self.k8s.service_account_token(**kw)

    def assert_refused(self, response, error, description_part=None, secret=None):
        self.assertEqual(response.status, 400, response.body)
        self.assertEqual(response.headers["Cache-Control"], "no-store")
        body = response.json()
        self.assertEqual(body["error"], error, body)
        self.assertIn("error_description", body)
        if description_part:
            self.assertIn(description_part, body["error_description"])
        if secret:
            self.assertNotIn(secret, response.body.decode())
            self.assertNotIn(secret, self.gw.logs())

    # --- the write-up's flow -------------------------------------------------------------

    def test_query_string_exchange_as_in_the_write_up(self):
        subject = self.token()
        r = self.gw.exchange(subject, via="query")
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.headers["Cache-Control"], "no-store")
        self.assertEqual(r.headers["Pragma"], "no-cache")
        body = r.json()
        self.assertEqual(body["issued_token_type"], "urn:ietf:params:oauth:token-type:id_token")
        self.assertEqual(body["token_type"], "Bearer")
        self.assertEqual(body["expires_in"], 1800)  # the issuer's tokenExpiry: 30m
        self.assertNotIn(subject, self.gw.logs())

    def test_minted_token_verifies_with_jwcrypto_against_published_keys(self):
        r = self.gw.exchange(self.token(), via="form")
        self.assertEqual(r.status, 200, r.body)
        access = r.json()["access_token"]
        discovery, keys = self.gw.gateway_keys()
        self.assertEqual(discovery["issuer"], self.gw.url)
        self.assertEqual(discovery["token_endpoint"], self.gw.url + "/oauth/token")
        self.assertIn(harness.TOKEN_EXCHANGE, discovery["grant_types_supported"])
        claims = verify_with_jwcrypto(access, keys, self.gw.url)
        self.assertEqual(claims["sub"], "fed:system:serviceaccount:openfaas:my-app")
        self.assertEqual(claims["fed:iss"], K8S_ISSUER)
        self.assertEqual(claims["policy"], ["fn-rw"])
        self.assertEqual(claims["aud"], self.gw.url)
        self.assertEqual(claims["exp"] - claims["iat"], 1800)
        self.assertEqual(claims["kubernetes.io"]["namespace"], "openfaas")
        self.assertTrue(claims["jti"])
        header = json.loads(base64.urlsafe_b64decode(access.split(".")[0] + "=="))
        self.assertEqual(header["alg"], "ES256")
        self.assertEqual(header["typ"], "JWT")
        # kid is the RFC 7638 thumbprint of the signing key, as jwcrypto computes it.
        self.assertEqual(header["kid"], keys.get_key(header["kid"]).thumbprint())

    def test_two_exchanges_mint_distinct_tokens(self):
        a = self.gw.exchange(self.token()).json()["access_token"]
        b = self.gw.exchange(self.token()).json()["access_token"]
        _, keys = self.gw.gateway_keys()
        self.assertNotEqual(verify_with_jwcrypto(a, keys, self.gw.url)["jti"],
                            verify_with_jwcrypto(b, keys, self.gw.url)["jti"])

    def test_cron_connector_role_from_the_write_up(self):
        r = self.gw.exchange(self.token(sub="system:serviceaccount:openfaas:cron-connector"))
        self.assertEqual(r.status, 200, r.body)
        _, keys = self.gw.gateway_keys()
        claims = verify_with_jwcrypto(r.json()["access_token"], keys, self.gw.url)
        self.assertEqual(claims["policy"], ["cron-connector"])

    def test_es256_issuer_by_jwks_url(self):
        now = int(time.time())
        subject = self.ec_idp.sign({"iss": self.ec_idp.issuer, "sub": "pipeline", "aud": AUD,
                                    "iat": now, "exp": now + 300})
        r = self.gw.exchange(subject)
        self.assertEqual(r.status, 200, r.body)

    def test_new_idp_key_is_fetched_on_unknown_kid(self):
        k2 = IdentityProvider.new_key("RSA", "k2")
        self.k8s.keys.append(k2)
        try:
            now = int(time.time())
            subject = self.k8s.sign({"iss": K8S_ISSUER, "sub": "system:serviceaccount:openfaas:my-app",
                                     "aud": [AUD], "iat": now, "exp": now + 600}, key=k2)
            time.sleep(1.1)  # past the refetch cooldown since any earlier fetch
            fetches = self.k8s.fetches
            r = self.gw.exchange(subject)
            self.assertEqual(r.status, 200, r.body)
            self.assertEqual(self.k8s.fetches, fetches + 1)
            # Within the cooldown, a stream of unknown kids does not make the gateway fetch again.
            bogus = IdentityProvider.new_key("RSA", "k-unknown")
            for _ in range(5):
                t = self.k8s.sign({"iss": K8S_ISSUER, "sub": "x", "aud": [AUD], "exp": now + 600}, key=bogus)
                self.assertEqual(self.gw.exchange(t).status, 400)
            self.assertLessEqual(self.k8s.fetches, fetches + 2)
        finally:
            self.k8s.keys.remove(k2)

    # --- refusals: every one a 400 with the RFC error, none a 2xx or 5xx ------------------

    def test_no_matching_role(self):
        r = self.gw.exchange(self.token(sub="system:serviceaccount:openfaas:nobody"))
        self.assert_refused(r, "invalid_request", "No policies found for subject: system:serviceaccount:openfaas:nobody")

    def test_forged_signature(self):
        subject = self.token()
        head, payload, sig = subject.split(".")
        raw = bytearray(base64.urlsafe_b64decode(sig + "=="))
        raw[10] ^= 1
        forged = ".".join([head, payload, b64(bytes(raw))])
        self.assert_refused(self.gw.exchange(forged), "invalid_request", secret=forged)

    def test_signed_by_a_stranger_with_a_known_kid(self):
        stranger = IdentityProvider.new_key("RSA", "k1")
        now = int(time.time())
        subject = self.k8s.sign({"iss": K8S_ISSUER, "sub": "system:serviceaccount:openfaas:my-app",
                                 "aud": [AUD], "iat": now, "exp": now + 600}, key=stranger)
        self.assert_refused(self.gw.exchange(subject), "invalid_request", secret=subject)

    def test_payload_swapped_under_a_valid_signature(self):
        head, _, sig = self.token().split(".")
        other = self.token(sub="system:serviceaccount:openfaas:cron-connector").split(".")[1]
        self.assert_refused(self.gw.exchange(".".join([head, other, sig])), "invalid_request")

    def test_expired(self):
        subject = self.token(now=time.time() - 3600, ttl=600)
        self.assert_refused(self.gw.exchange(subject), "invalid_request", "expired", secret=subject)

    def test_not_yet_valid(self):
        now = int(time.time())
        subject = self.k8s.sign({"iss": K8S_ISSUER, "sub": "system:serviceaccount:openfaas:my-app",
                                 "aud": [AUD], "iat": now, "nbf": now + 3600, "exp": now + 7200})
        self.assert_refused(self.gw.exchange(subject), "invalid_request")

    def test_missing_exp(self):
        now = int(time.time())
        subject = self.k8s.sign({"iss": K8S_ISSUER, "sub": "system:serviceaccount:openfaas:my-app",
                                 "aud": [AUD], "iat": now})
        self.assert_refused(self.gw.exchange(subject), "invalid_request")

    def test_unsigned(self):
        claims = {"iss": K8S_ISSUER, "sub": "system:serviceaccount:openfaas:my-app", "aud": [AUD],
                  "exp": int(time.time()) + 600}
        for header in ({"alg": "none"}, {"alg": "none", "kid": "k1"}, {"alg": "RS256", "kid": "k1"}):
            token = b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims).encode()) + "."
            self.assert_refused(self.gw.exchange(token), "invalid_request")

    def test_hmac_with_the_public_key_as_secret(self):
        # The classic algorithm-confusion attack: HS256 keyed with the issuer's public key.
        public_pem = self.k8s.keys[0].export_to_pem()
        key = jwk.JWK(kty="oct", k=b64(public_pem))
        claims = {"iss": K8S_ISSUER, "sub": "system:serviceaccount:openfaas:my-app", "aud": [AUD],
                  "exp": int(time.time()) + 600}
        s = jws.JWS(json.dumps(claims))
        s.add_signature(key, alg="HS256", protected=json.dumps({"alg": "HS256", "kid": "k1"}))
        self.assert_refused(self.gw.exchange(s.serialize(compact=True)), "invalid_request")

    def test_embedded_key_is_never_used(self):
        attacker = IdentityProvider.new_key("RSA", "k1")
        header = {"jwk": json.loads(attacker.export_public())}
        now = int(time.time())
        subject = self.k8s.sign({"iss": K8S_ISSUER, "sub": "system:serviceaccount:openfaas:my-app",
                                 "aud": [AUD], "iat": now, "exp": now + 600}, key=attacker, header=header)
        self.assert_refused(self.gw.exchange(subject), "invalid_request")

    def test_wrong_audience(self):
        subject = self.token(aud=["https://somewhere-else.example.com"])
        self.assert_refused(self.gw.exchange(subject), "invalid_request", "aud")

    def test_untrusted_issuer(self):
        stranger = IdentityProvider("https://evil.example.com")
        try:
            subject = stranger.service_account_token(aud=[AUD])
            self.assert_refused(self.gw.exchange(subject), "invalid_request", "issuer")
            self.assertEqual(stranger.fetches, 0)  # an untrusted iss is never fetched
        finally:
            stranger.close()

    def test_malformed_tokens(self):
        for token in ["abc", "a.b", "a.b.c", "....", "a.b.c.d.e", "eyJ.eyJ.sig", "=" * 40,
                      b64(b'{"alg":"RS256"}') + "." + b64(b"[1,2]") + ".AAAA",
                      b64(b'{"alg":"RS256","alg":"none"}') + "." + b64(b"{}") + ".AAAA"]:
            with self.subTest(token=token):
                self.assert_refused(self.gw.exchange(token), "invalid_request")

    def test_oversized_token(self):
        big = self.token(padding="x" * 20000)
        self.assert_refused(self.gw.exchange(big), "invalid_request")

    def test_oversized_request_body_is_413(self):
        r = self.gw.post("/oauth/token", "subject_token=" + "a" * 200000,
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 413)

    def test_request_parameter_errors(self):
        subject = self.token()
        cases = [
            ({"grant_type": "client_credentials"}, "unsupported_grant_type"),
            ({"grant_type": ""}, "invalid_request"),
            ({"subject_token_type": "urn:ietf:params:oauth:token-type:saml2"}, "invalid_request"),
            ({"subject_token_type": ""}, "invalid_request"),
            ({"scope": "admin"}, "invalid_scope"),
            ({"audience": "https://elsewhere"}, "invalid_target"),
        ]
        for params, error in cases:
            with self.subTest(params=params):
                self.assert_refused(self.gw.exchange(subject, **params), error)
        self.assert_refused(self.gw.post("/oauth/token"), "invalid_request", "grant_type")
        # the same parameter twice (here once in the query and once in the body)
        r = self.gw.post("/oauth/token?grant_type=" + harness.TOKEN_EXCHANGE,
                         "grant_type=%s&subject_token=%s&subject_token_type=%s" % (
                             harness.TOKEN_EXCHANGE, subject, harness.ID_TOKEN_TYPE),
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assert_refused(r, "invalid_request", "repeated")
        r = self.gw.post("/oauth/token", json.dumps({"subject_token": subject}),
                         headers={"Content-Type": "application/json"})
        self.assert_refused(r, "invalid_request", "x-www-form-urlencoded")

    def test_wrong_method_and_unknown_route(self):
        self.assertEqual(self.gw.get("/oauth/token").status, 405)
        self.assertEqual(self.gw.get("/no/such/thing").status, 404)
        self.assertEqual(self.gw.get("/healthz").status, 200)


class ReloadAndRotationTest(unittest.TestCase):
    def setUp(self):
        self.k8s = IdentityProvider(K8S_ISSUER, kty="EC")
        self.gw = Gateway({"issuer.yaml": issuer_manifest("kubernetes", K8S_ISSUER, [AUD], iss_internal=self.k8s.url),
                           "fn-rw.yaml": FN_RW_POLICY})

    def tearDown(self):
        self.gw.close()
        self.k8s.close()

    def test_iam_changes_are_picked_up_and_a_broken_change_keeps_the_last_good_set(self):
        subject = self.k8s.service_account_token(aud=[AUD])
        self.assertEqual(self.gw.exchange(subject).status, 400)
        self.gw.write_iam("role.yaml", seed("role-my-app.yaml"))
        self.gw.wait_until(lambda: self.gw.exchange(subject).status == 200, message="the new Role")
        self.gw.write_iam("broken.yaml", "apiVersion: iam.openfaas.com/v1\nkind: Role\nmetadata:\n  name: x\nspec:\n  polcy: [a]\n")
        self.gw.wait_until(lambda: "polcy" in self.gw.logs(), message="the broken file to be reported")
        self.assertEqual(self.gw.exchange(subject).status, 200)

    def test_key_rotation_keeps_old_tokens_verifiable(self):
        self.gw.write_iam("role.yaml", seed("role-my-app.yaml"))
        subject = self.k8s.service_account_token(aud=[AUD])
        self.gw.wait_until(lambda: self.gw.exchange(subject).status == 200, message="the Role")
        old = self.gw.exchange(subject).json()["access_token"]
        _, keys = self.gw.gateway_keys()
        self.assertEqual(len(json.loads(keys.export(private_keys=False))["keys"]), 1)
        out = self.gw.run("keys", "rotate", "--data-dir", self.gw.data_dir)
        self.assertIn("new signing key", out.stdout)
        self.gw.wait_until(lambda: len(json.loads(self.gw.get("/.well-known/jwks.json").body)["keys"]) == 2,
                           message="the new key to be published")
        # Published first, signing a few seconds later (gateways sharing keys all publish it first).
        self.gw.wait_until(lambda: self.gw.exchange(subject).json()["access_token"].split(".")[0] != old.split(".")[0],
                           message="the new key to sign")
        new = self.gw.exchange(subject).json()["access_token"]
        _, keys = self.gw.gateway_keys()
        verify_with_jwcrypto(old, keys, self.gw.url)
        verify_with_jwcrypto(new, keys, self.gw.url)
        self.assertNotEqual(old.split(".")[0], new.split(".")[0])  # a different kid signs now

    def test_keys_survive_a_restart(self):
        _, before = self.gw.gateway_keys()
        self.gw.stop()
        again = Gateway(data_dir=self.gw.data_dir, iam_files={})
        try:
            _, after = again.gateway_keys()
            self.assertEqual(before.export(private_keys=False), after.export(private_keys=False))
        finally:
            again.close()
        mode = os.stat(os.path.join(self.gw.data_dir, "issuer-keys")).st_mode & 0o777
        self.assertEqual(mode, 0o700)


class LocalIssuerTest(unittest.TestCase):
    """The `make run` flow: faasgate's own stand-in for the kubelet's token projection."""

    def test_token_project_then_exchange(self):
        gw = Gateway()
        try:
            out = gw.run("token", "issuer", "--data-dir", gw.data_dir, "--aud", gw.url, "--out", "-").stdout
            gw.write_iam("00-local-issuer.yaml", out)
            with open(os.path.join(os.path.dirname(__file__), "../../deploy/examples/iam/my-app.yaml")) as f:
                gw.write_iam("my-app.yaml", f.read())
            token_file = os.path.join(gw.tmp, "openfaas-token")
            gw.run("token", "project", "--data-dir", gw.data_dir, "--sub", "system:serviceaccount:openfaas:my-app",
                   "--aud", gw.url, "--ttl", "10m", "--out", token_file)
            self.assertEqual(os.stat(token_file).st_mode & 0o777, 0o600)
            subject = open(token_file).read().strip()
            gw.wait_until(lambda: gw.exchange(subject, via="query").status == 200, message="the local issuer")
        finally:
            gw.close()


if __name__ == "__main__":
    unittest.main()
