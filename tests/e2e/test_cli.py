"""End to end: the `faasgate` CLI against the real gateway - every command round-trips, -o json
is parsed here, logins are stored privately and survive a failed login, an expired login is
renewed from its token file, and errors read as advice."""
import json
import os
import stat
import subprocess
import tempfile
import time
import unittest

import harness
from harness import K8S_ISSUER, Gateway, IdentityProvider, issuer_manifest

AUD = "https://gateway.example.com"
SHORT_ISSUER = "https://short-lived.example.test"
USER = "system:serviceaccount:openfaas:cli-user"
READER = "system:serviceaccount:openfaas:cli-reader"

IAM = """apiVersion: iam.openfaas.com/v1
kind: Policy
metadata: {name: cli-everything, namespace: openfaas}
spec:
  statement:
  - {sid: all, effect: Allow, action: ["*"], resource: ["*"]}
---
apiVersion: iam.openfaas.com/v1
kind: Policy
metadata: {name: cli-read-dev, namespace: openfaas}
spec:
  statement:
  - {sid: read, effect: Allow, action: ["Function:List", "Namespace:List"], resource: ["dev:*"]}
---
apiVersion: iam.openfaas.com/v1
kind: Role
metadata: {name: cli-user, namespace: openfaas}
spec:
  policy: [cli-everything]
  principal: {"jwt:sub": ["%s"]}
---
apiVersion: iam.openfaas.com/v1
kind: Role
metadata: {name: cli-reader, namespace: openfaas}
spec:
  policy: [cli-read-dev]
  principal: {"jwt:sub": ["%s"]}
""" % (USER, READER)

STACK = """version: 1.0
provider:
  name: openfaas
functions:
  stack-one:
    image: ghcr.io/example/one:latest
    fprocess: cat
    labels: {team: a}
    annotations: {topic: cron-function, schedule: "*/5 * * * *"}
  stack-two:
    image: ghcr.io/example/two:latest
    fprocess: wc -c
    environment: {MODE: two}
"""


def read(path, mode="r"):
    with open(path, mode) as f:
        return f.read()


class CliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.idp = IdentityProvider(K8S_ISSUER, kty="RSA")
        cls.short_idp = IdentityProvider(SHORT_ISSUER, kty="EC")
        cls.gw = Gateway({
            "issuer.yaml": issuer_manifest("kubernetes", K8S_ISSUER, [AUD], iss_internal=cls.idp.url),
            "short.yaml": issuer_manifest("short", SHORT_ISSUER, [AUD], iss_internal=cls.short_idp.url, token_expiry="2s"),
            "iam.yaml": IAM})
        assert cls.gw.api("POST", "/system/namespace/", {"name": "dev"}).status == 201

    @classmethod
    def tearDownClass(cls):
        cls.gw.close()
        cls.idp.close()
        cls.short_idp.close()

    def setUp(self):
        self.home = tempfile.mkdtemp(prefix="faasgate-cli-")
        self.env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(self.home, "config"), HOME=self.home)
        self.env.pop("OPENFAAS_URL", None)
        self.env.pop("FAASGATE_CONFIG", None)

    def tearDown(self):
        harness.shutil.rmtree(self.home, ignore_errors=True)

    def token_file(self, sub=USER, idp=None, name="token"):
        path = os.path.join(self.home, name)
        with open(path, "w") as f:
            f.write((idp or self.idp).service_account_token(sub=sub, aud=[AUD]))
        return path

    def cli(self, *args, stdin=None, expect=0):
        run = subprocess.run([harness.FAASGATE_BIN, *args], input=stdin, capture_output=True, text=True,
                             env=self.env, timeout=120)
        if expect is not None:
            self.assertEqual(run.returncode, expect, "faasgate %s\nstdout: %s\nstderr: %s" %
                             (" ".join(args), run.stdout, run.stderr))
        return run

    def json(self, *args, **kw):
        return json.loads(self.cli(*args, "-o", "json", **kw).stdout)

    def config_path(self):
        return os.path.join(self.home, "config", "faasgate", "config.yaml")

    def login(self, sub=USER, idp=None):
        return self.cli("login", "--gateway", self.gw.url, "--token-file", self.token_file(sub, idp))

    def test_every_command_round_trips(self):
        out = self.login()
        token_text = read(os.path.join(self.home, "token"))
        self.assertNotIn(token_text, out.stdout + out.stderr)
        mode = stat.S_IMODE(os.stat(self.config_path()).st_mode)
        self.assertEqual(mode, 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.dirname(self.config_path())).st_mode), 0o700)

        me = self.json("whoami")
        self.assertEqual(me["sub"], "fed:" + USER)
        self.assertEqual(me["policy"], ["cli-everything"])
        self.assertEqual(self.json("info")["provider"]["provider"], "faasgate")

        # Namespaces.
        self.cli("ns", "create", "team-a", "--label", "tier=gold")
        self.assertIn("team-a", self.json("ns", "list"))
        ns = self.json("ns", "get", "team-a")
        self.assertEqual(ns["labels"]["tier"], "gold")
        self.assertEqual(ns["labels"]["openfaas"], "1")
        self.cli("ns", "update", "team-a", "--label", "tier=silver", "--annotation", "owner=qa")
        ns = self.json("ns", "get", "team-a")
        self.assertEqual(ns["labels"]["tier"], "silver")
        self.assertEqual(ns["annotations"]["owner"], "qa")

        # Secrets: the value never comes back, not even in what the CLI prints.
        out = self.cli("secret", "create", "db", "-n", "team-a", "--stdin", stdin="s3cret-value\n")
        self.assertNotIn("s3cret-value", out.stdout + out.stderr)
        self.assertEqual(self.json("secret", "list", "-n", "team-a"), [{"name": "db", "namespace": "team-a"}])
        value_file = os.path.join(self.home, "value")
        with open(value_file, "w") as f:
            f.write("other")
        self.cli("secret", "update", "db", "-n", "team-a", "--from-file", value_file)
        self.cli("secret", "create", "api-key", "-n", "team-a", "--value", "k")
        self.assertEqual(sorted(s["name"] for s in self.json("secret", "list", "-n", "team-a")), ["api-key", "db"])
        self.cli("secret", "delete", "api-key", "-n", "team-a")
        self.assertEqual([s["name"] for s in self.json("secret", "list", "-n", "team-a")], ["db"])

        # Functions from flags.
        self.cli("fn", "deploy", "--name", "echo", "-n", "team-a", "--fprocess", "cat", "--secret", "db",
                 "--label", "app=echo", "--wait")
        listed = self.json("fn", "list", "-n", "team-a")
        self.assertEqual([f["name"] for f in listed], ["echo"])
        self.assertGreaterEqual(listed[0]["availableReplicas"], 1)
        self.assertIn("echo", self.cli("fn", "list", "-n", "team-a").stdout)  # the table
        self.assertIn("name: echo", self.cli("fn", "get", "echo", "-n", "team-a", "-o", "yaml").stdout)
        self.assertEqual(self.cli("fn", "invoke", "echo", "-n", "team-a", "--data", "hello").stdout, "hello")
        self.assertEqual(self.cli("fn", "invoke", "echo.team-a", stdin="from stdin").stdout, "from stdin")
        call = self.cli("fn", "invoke", "echo", "-n", "team-a", "--async", "--data", "later")
        self.assertRegex(call.stdout + call.stderr, r"[0-9a-f]{8}-[0-9a-f]{4}-")
        self.cli("fn", "update", "--name", "echo", "-n", "team-a", "--fprocess", "cat", "--env", "MODE=two",
                 "--secret", "db")
        self.assertEqual(self.json("fn", "get", "echo", "-n", "team-a")["envVars"], {"MODE": "two"})
        self.cli("fn", "scale", "echo", "-n", "team-a", "--replicas", "2")
        self.assertEqual(self.json("fn", "get", "echo", "-n", "team-a")["replicas"], 2)
        logs = self.cli("fn", "logs", "echo", "-n", "team-a", "--tail", "20", "-o", "json").stdout
        for line in logs.splitlines():
            self.assertEqual(json.loads(line)["name"], "echo")

        # Functions from a stack file.
        stack = os.path.join(self.home, "stack.yml")
        with open(stack, "w") as f:
            f.write(STACK)
        self.cli("fn", "deploy", "-f", stack, "-n", "team-a", "--wait")
        by_name = {f["name"]: f for f in self.json("fn", "list", "-n", "team-a")}
        self.assertEqual(sorted(by_name), ["echo", "stack-one", "stack-two"])
        self.assertEqual(by_name["stack-one"]["annotations"]["schedule"], "*/5 * * * *")
        self.assertEqual(by_name["stack-one"]["image"], "ghcr.io/example/one:latest")
        self.assertEqual(by_name["stack-two"]["envVars"]["MODE"], "two")
        self.assertEqual(self.cli("fn", "invoke", "stack-two", "-n", "team-a", "--data", "four").stdout.strip(), "4")

        for name in ("echo", "stack-one", "stack-two"):
            self.cli("fn", "delete", name, "-n", "team-a")
        gone = self.cli("fn", "get", "echo", "-n", "team-a", expect=1)
        self.assertIn("not found", gone.stderr)
        self.cli("secret", "delete", "db", "-n", "team-a")
        self.cli("ns", "delete", "team-a")
        self.assertNotIn("team-a", self.json("ns", "list"))

        self.cli("logout", "--gateway", self.gw.url)
        after = self.cli("fn", "list", "--gateway", self.gw.url, expect=1)
        self.assertIn("faasgate login", after.stderr)

    def test_errors_read_as_advice_and_exit_codes_say_what_kind(self):
        self.login(sub=READER)
        self.assertEqual(self.json("fn", "list", "-n", "dev"), [])
        refused = self.cli("fn", "deploy", "--name", "x", "-n", "dev", "--fprocess", "cat", expect=1)
        self.assertIn("Function:Create", refused.stderr)
        self.assertIn("dev:x", refused.stderr)
        refused = self.cli("fn", "list", "-n", "staging", expect=1)
        self.assertIn("Function:List on staging:*", refused.stderr)
        self.cli("fn", "scale", "x", expect=2)  # --replicas is required: a usage error
        self.cli("no-such-command", expect=2)
        down = self.cli("fn", "list", "--gateway", "http://127.0.0.1:9", expect=1)
        self.assertIn("cannot reach the gateway at http://127.0.0.1:9", down.stderr)

    def test_a_failed_login_leaves_the_stored_login_as_it_was(self):
        self.login()
        before = read(self.config_path(), "rb")
        bad = os.path.join(self.home, "bad-token")
        with open(bad, "w") as f:
            f.write(self.idp.service_account_token(sub="system:serviceaccount:openfaas:nobody", aud=[AUD]))
        failed = self.cli("login", "--gateway", self.gw.url, "--token-file", bad, expect=1)
        self.assertIn("No policies found", failed.stderr)
        self.assertEqual(read(self.config_path(), "rb"), before)
        self.assertEqual(self.json("whoami")["sub"], "fed:" + USER)

    def test_an_expired_login_is_exchanged_again_from_its_token_file_but_not_from_stdin(self):
        self.cli("login", "--gateway", self.gw.url, "--token-file", self.token_file(USER, self.short_idp))
        first = self.json("whoami")["exp"]
        time.sleep(3)  # the short-lived issuer gives two seconds
        self.assertEqual(self.json("fn", "list"), [])  # exchanged again from the file, unasked
        self.assertGreater(self.json("whoami")["exp"], first)

        token = self.short_idp.service_account_token(sub=USER, aud=[AUD])
        self.cli("login", "--gateway", self.gw.url, "--token-stdin", stdin=token)
        time.sleep(3)
        expired = self.cli("fn", "list", expect=1)
        self.assertIn("expired", expired.stderr)
        self.assertIn("faasgate login", expired.stderr)

    def test_a_basic_auth_login_works_and_a_wrong_password_is_refused(self):
        password = read(os.path.join(self.gw.data_dir, "admin-password")).strip()
        self.cli("login", "--gateway", self.gw.url, "--username", "admin", "--password-stdin", stdin="wrong\n", expect=1)
        self.assertFalse(os.path.exists(self.config_path()))
        self.cli("login", "--gateway", self.gw.url, "--username", "admin", "--password-stdin", stdin=password + "\n")
        self.assertIn("dev", self.json("ns", "list"))


if __name__ == "__main__":
    unittest.main()
