"""End to end: a tenant limited to one namespace deploys a function that tries to reach the
gateway's files, its processes and a neighbour's secrets, to signal everyone, to fork and to
allocate without end (issue 11). Every attempt fails while the gateway and the neighbour keep
serving - with the gateway as root (functions run as an unprivileged user of their own) and as an
ordinary user (created here when missing; the test starts that gateway with setpriv)."""
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import unittest
import urllib.parse

import harness
from harness import K8S_ISSUER, Gateway, IdentityProvider, issuer_manifest

AUD = "https://gateway.example.com"
HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
GATEWAY_ENV_MARKER = "gateway-environment-marker-3141"
TENANT = """apiVersion: iam.openfaas.com/v1
kind: Policy
metadata: {name: dev-rw, namespace: openfaas}
spec:
  statement:
  - {sid: rw, effect: Allow, action: ["Function:*"], resource: ["dev:*"]}
---
apiVersion: iam.openfaas.com/v1
kind: Role
metadata: {name: tenant, namespace: openfaas}
spec:
  policy: [dev-rw]
  principal: {"jwt:sub": ["system:serviceaccount:dev:ci"]}
  condition: {StringEqual: {"jwt:iss": ["%s"]}}
""" % K8S_ISSUER

UNPRIVILEGED_USER = "faasgate-e2e"


def unprivileged_user():
    """The uid and gid of an ordinary user to run a gateway as, created when missing."""
    try:
        entry = pwd.getpwnam(UNPRIVILEGED_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                        UNPRIVILEGED_USER], check=True, capture_output=True, timeout=60)
        entry = pwd.getpwnam(UNPRIVILEGED_USER)
    return entry.pw_uid, entry.pw_gid


class IsolationTest(unittest.TestCase):
    def attack(self, gw, files):
        """Deploys the neighbour and the attacker; returns the attacker's report."""
        idp = IdentityProvider(K8S_ISSUER, kty="RSA")
        gw.write_iam("issuer.yaml", issuer_manifest("kubernetes", K8S_ISSUER, [AUD], iss_internal=idp.url))
        gw.write_iam("tenant.yaml", TENANT)
        try:
            def token():
                r = gw.exchange(idp.service_account_token(sub="system:serviceaccount:dev:ci", aud=[AUD]))
                return r.status == 200 and r.json()["access_token"]
            gw.wait_until(token, message="the tenant's issuer to load")
            auth = "Bearer " + token()
            self.assertEqual(gw.api("POST", "/system/namespace/", {"name": "dev"}).status, 201)
            # The neighbour, the admin's: a secret and a replica that must keep serving.
            self.assertEqual(gw.api("POST", "/system/secrets", {"name": "prod-db", "value": "neighbour-secret-2718"}).status, 201)
            r = gw.api("POST", "/system/functions", {
                "service": "billing", "envProcess": "/usr/bin/python3 " + files["echo"],
                "envVars": {"mode": "http"}, "secrets": ["prod-db"]})
            self.assertEqual(r.status, 202, r.body)
            gw.wait_until(lambda: harness.request("GET", gw.url + "/function/billing").status == 200, timeout=30,
                          message="the neighbour to serve")
            before = harness.request("GET", gw.url + "/function/billing").json()["instance"]
            replica_port = [int(p) for p in re.findall(r"billing\.openfaas-fn replica 0: started pid \d+ on port (\d+)",
                                                          gw.logs())][-1]
            gateway_port = urllib.parse.urlsplit(gw.url).port
            neighbour_secret = os.path.join(gw.data_dir, "functions", "openfaas-fn", "billing", "secrets", "prod-db")
            # The tenant may only touch dev: that is all it needs to deploy the attacker.
            r = gw.api("POST", "/system/functions", {
                "service": "attacker", "namespace": "dev",
                "envProcess": "/bin/sh %s %s" % (files["attack"], files["bomb"]),
                "envVars": {"DATA": gw.data_dir, "NEIGHBOUR": neighbour_secret, "NEIGHBOUR_PORT": str(replica_port),
                            "GATEWAY_PORT": str(gateway_port), "exec_timeout": "60s"},
                "limits": {"memory": "256Mi"}}, auth=auth)
            self.assertEqual(r.status, 202, r.body)
            report = harness.request("POST", gw.url + "/function/attacker.dev", body="", timeout=90).body.decode()

            secrets = [open(os.path.join(gw.data_dir, "admin-password")).read().strip(),
                       "neighbour-secret-2718", GATEWAY_ENV_MARKER, "PRIVATE KEY", "SQLite format"]
            with open(os.path.join(gw.data_dir, "secret.key"), "rb") as f:
                secrets.append(" ".join("%02x" % b for b in f.read()[:8]))
            for secret in secrets:
                self.assertNotIn(secret, report, report)
            self.assertNotIn("faasgate serve", report)      # the gateway's process
            self.assertNotIn("http_echo", report)           # the neighbour's
            self.assertIn("ledger: []", report)
            # Of the host's loopback only the gateway's public API is reachable, and through it
            # the neighbour; its replica port, the metrics listener and the rest are not.
            self.assertIn("open-ports: [%d ]" % gateway_port, report)
            self.assertNotIn("neighbour-port: [0 ]", report)
            self.assertIn("via-gateway: [200 ]", report)
            self.assertIn("write-system: []", report)
            self.assertIn("memory-hog: []", report)
            self.assertIn("own-dir: [mine]", report)
            self.assertIn("signal-everyone: sent", report)
            with open(os.path.join(gw.data_dir, "faasgate.db"), "rb") as f:
                self.assertEqual(f.read(15), b"SQLite format 3")
            procs = [line for line in report.splitlines() if line.startswith("fork-bomb:")]
            self.assertTrue(procs and "procs=" in procs[0], report)
            # The gateway and the neighbour serve on, the neighbour's replica untouched.
            self.assertEqual(gw.get("/healthz").status, 200)
            r = harness.request("GET", gw.url + "/function/billing")
            self.assertEqual((r.status, r.json()["instance"]), (200, before))
            return report
        finally:
            idp.close()

    def fixtures(self, into):
        """The scripts the functions run, copied where any user may read them."""
        files = {"attack": os.path.join(HERE, "fixtures", "attack.sh"),
                 "echo": os.path.join(HERE, "fixtures", "http_echo.py"),
                 "bomb": os.path.join(SOURCE, "src", "gateway", "provider", "testdata", "fork_bomb.py")}
        out = {}
        for name, path in files.items():
            out[name] = os.path.join(into, os.path.basename(path))
            shutil.copy(path, out[name])
            os.chmod(out[name], 0o755)
        return out

    def test_as_root_functions_reach_nothing_of_the_gateway_or_each_other(self):
        if os.geteuid() != 0:
            self.skipTest("the gateway runs as root only when the tests do (CI does)")
        shared = tempfile.mkdtemp(prefix="faasgate-fixtures-")
        os.chmod(shared, 0o755)
        gw = Gateway(env={GATEWAY_ENV_MARKER: "1"})
        try:
            report = self.attack(gw, self.fixtures(shared))
            self.assertIn("function processes run sandboxed as uid 65532", gw.logs())
        finally:
            gw.close()
            shutil.rmtree(shared, ignore_errors=True)

    def test_as_an_ordinary_user_too(self):
        if os.geteuid() != 0:
            self.skipTest("creating the ordinary user needs root (CI runs as root)")
        uid, gid = unprivileged_user()
        shared = tempfile.mkdtemp(prefix="faasgate-fixtures-")
        os.chmod(shared, 0o755)
        files = self.fixtures(shared)
        binary = os.path.join(shared, "faasgate")  # where that user may run it from
        shutil.copy(harness.FAASGATE_BIN, binary)
        os.chmod(binary, 0o755)
        workdir = tempfile.mkdtemp(prefix="faasgate-user-")
        os.chown(workdir, uid, gid)
        os.chmod(workdir, 0o755)
        as_user = ["setpriv", "--reuid=%d" % uid, "--regid=%d" % gid, "--clear-groups", "--"]
        try:
            gw = Gateway(data_dir=os.path.join(workdir, "data"), cwd=workdir, env={GATEWAY_ENV_MARKER: "1"},
                         command_prefix=as_user, binary=binary)
        except RuntimeError as e:
            # A machine without user namespaces for ordinary users: the gateway must refuse to
            # start rather than run functions unisolated, and say what to do.
            self.assertIn("cannot isolate function processes", str(e))
            self.assertIn("--unsafe-no-isolation", str(e))
            return
        try:
            self.attack(gw, files)
            self.assertIn("function processes run sandboxed", gw.logs())
            self.assertNotIn("as uid", gw.logs())
        finally:
            gw.close()
            shutil.rmtree(shared, ignore_errors=True)
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
