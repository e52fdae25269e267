"""End to end: the write-up's two cron connectors, one per tenant, on one machine.

A gateway holds the write-up's IAM objects: the local issuer (`faasgate token issuer`, standing in
for Kubernetes' API server), the `cron-connector` Policy and Role for `dev:*` (the write-up's, plus
one statement letting it invoke the jwt-auth function `dev:secure`) and a `staging-cron-connector`
pair for `staging:*` (the write-up's second release, which may not invoke). Each connector gets its
own token file from `faasgate token project` (the kubelet's stand-in), one configured by flags and
one by the upstream environment variables, both with a 1 s rebuild_interval, and functions in
both namespaces fire `@every 1s`. The test checks, from the gateway's invocation counts, the
connectors' logs and metrics and the gateway's audit log, that:
  - each connector invokes only its own namespace's functions;
  - a jwt-auth function is invoked with a function token where the policy allows Function:Invoke,
    and not where it does not (the exchange is refused, counted as a failure, and nothing crashes);
  - a function moved (deleted from dev, deployed in staging) or deleted is unscheduled within one
    rebuild_interval plus slack, and an invalid schedule is logged once;
  - a gateway outage keeps every schedule (failed rounds counted, retried with backoff) and
    nothing is replayed in a burst when it returns;
  - no decision for either connector's subject falls outside its policy.
BasicAuthConnectorTest runs one against a gateway without IAM objects, with basic auth and
asynchronous invocation. Loopback only, ports from the OS (the metrics listeners on 127.0.0.1:0), bounded waits.
"""
import datetime
import json
import os
import re
import signal
import subprocess
import tempfile
import time
import unittest
import urllib.request

import harness
from harness import Gateway, auth_dir, seed

REBUILD_INTERVAL = 1.0  # seconds
SLACK = 2.5  # seconds beyond one rebuild_interval: a list round, the log line, a loaded machine
DEV_SA = "system:serviceaccount:openfaas:cron-connector"
STAGING_SA = "system:serviceaccount:openfaas:staging-cron-connector"

# The write-up's Policy, and one more statement: the dev connector may invoke dev:secure, whose
# jwt-auth annotation asks for a function token.
DEV_POLICY = seed("policy-cron-connector.yaml") + """  - action:
    - Function:Invoke
    effect: Allow
    resource:
    - dev:secure
    sid: 2-fn-invoke
"""
# The write-up's second release: the same objects, named staging-cron-connector, on staging:*.
STAGING_POLICY = seed("policy-cron-connector.yaml").replace("cron-connector", "staging-cron-connector") \
    .replace("- dev:*", "- staging:*")
STAGING_ROLE = seed("role-cron-connector.yaml").replace("cron-connector", "staging-cron-connector")

LINE = re.compile(r"^(\S+) (\w+) ([^\t]+)\t(\{.*\})$")


def read(path):
    with open(path, errors="replace") as f:
        return f.read()


def parse_time(stamp):
    return datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()


class Connector:
    """`faasgate cron-connector` with its log in a file the test reads."""

    def __init__(self, name, args=(), env=None):
        self.tmp = tempfile.mkdtemp(prefix="faasgate-cron-%s-" % name)
        self.log_path = os.path.join(self.tmp, "connector.log")
        self.log = open(self.log_path, "wb")
        clean = {k: v for k, v in os.environ.items() if k not in (
            "gateway_url", "rebuild_interval", "token_mount_path", "basic_auth", "asynchronous_invocation")}
        self.proc = subprocess.Popen([harness.FAASGATE_BIN, "cron-connector", *args], stdout=subprocess.DEVNULL,
                                     stderr=self.log, env=dict(clean, **(env or {})))
        self.metrics_url = self.wait_for(lambda: [e["url"] for e in self.events("Metrics")], "the metrics line")[0]

    def lines(self):
        if not self.log.closed:
            self.log.flush()
        out = []
        with open(self.log_path, errors="replace") as f:
            for raw in f:
                m = LINE.match(raw.rstrip("\n"))
                if m:
                    fields = json.loads(m.group(4))
                    fields.update(_time=parse_time(m.group(1)), _level=m.group(2), _message=m.group(3))
                    out.append(fields)
        return out

    def events(self, message):
        return [e for e in self.lines() if e["_message"] == message]

    def invoked(self):
        return [e["function"] for e in self.events("Invoking")]

    def text(self):
        return read(self.log_path)

    def wait_for(self, get, what, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            value = get()
            if value:
                return value
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError("timed out waiting for %s; the connector's log:\n%s" % (what, self.text()))

    def metrics(self):
        with urllib.request.urlopen(self.metrics_url, timeout=5) as r:
            text = r.read().decode()
        values = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, value = line.rsplit(" ", 1)
                values[name] = float(value)
        return values

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        if os.environ.get("CRON_E2E_LOGS"):
            print("\n" + self.text())
        return self.proc.returncode

    def close(self):
        self.stop()
        harness.shutil.rmtree(self.tmp, ignore_errors=True)


class CronConnectorTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.started = time.time()
        cls.audit_path = os.path.join(tempfile.mkdtemp(prefix="faasgate-cron-audit-"), "audit.log")
        cls.gw = Gateway({"policy-cron-connector.yaml": DEV_POLICY,
                          "role-cron-connector.yaml": seed("role-cron-connector.yaml"),
                          "policy-staging-cron-connector.yaml": STAGING_POLICY,
                          "role-staging-cron-connector.yaml": STAGING_ROLE},
                         extra_args=["--audit-log", cls.audit_path])
        cls.connectors = []
        cls.retired = []
        try:
            cls.set_up()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def set_up(cls):
        gw = cls.gw
        # The kubelet's stand-in: the gateway trusts the local issuer, whose tokens name the
        # service accounts, for the gateway's own URL as audience (the system issuer).
        issuer = gw.run("token", "issuer", "--data-dir", gw.data_dir, "--aud", gw.url, "--out", "-").stdout
        gw.write_iam("00-local-issuer.yaml", issuer)
        cls.token_dirs = {}
        for sa in (DEV_SA, STAGING_SA):
            d = tempfile.mkdtemp(prefix="faasgate-cron-token-")
            gw.run("token", "project", "--data-dir", gw.data_dir, "--sub", sa, "--aud", gw.url, "--ttl", "10m",
                   "--out", os.path.join(d, "openfaas-token"))
            cls.token_dirs[sa] = d
        subject = read(os.path.join(cls.token_dirs[DEV_SA], "openfaas-token")).strip()
        gw.wait_until(lambda: gw.exchange(subject).status == 200, message="the local issuer to be trusted")

        for ns in ("dev", "staging"):
            r = gw.api("POST", "/system/namespace/", {"name": ns})
            assert r.status == 201, r.body
        every = {"topic": "cron-function", "schedule": "@every 1s"}
        cls.deploy("nodeinfo", "dev", every)
        cls.deploy("secure", "dev", dict(every, **{"com.openfaas.iam/jwt-auth": "true"}))
        cls.deploy("mover", "dev", dict(every, topic="kafka, cron-function"))
        cls.deploy("plain", "dev", {"schedule": "@every 1s"})  # no cron topic
        cls.deploy("broken", "dev", {"topic": "cron-function", "schedule": "61 * * * *"})
        cls.deploy("nodeinfo", "staging", every)
        cls.deploy("secure", "staging", dict(every, **{"com.openfaas.iam/jwt-auth": "true"}))
        cls.deploy("doomed", "staging", every)

        # One connector configured by flags, the other by the upstream environment variables.
        cls.dev = Connector("dev", ["--gateway-url", gw.url, "--rebuild-interval", "%gs" % REBUILD_INTERVAL,
                                    "--token-file", os.path.join(cls.token_dirs[DEV_SA], "openfaas-token"),
                                    "--metrics-listen", "127.0.0.1:0", "--invoke-timeout", "10s"])
        cls.connectors.append(cls.dev)
        cls.staging = Connector("staging", env={"gateway_url": gw.url, "rebuild_interval": "%gs" % REBUILD_INTERVAL,
                                                "token_mount_path": cls.token_dirs[STAGING_SA],
                                                "metrics_listen": "127.0.0.1:0"})
        cls.connectors.append(cls.staging)

    @classmethod
    def deploy(cls, name, ns, annotations):
        r = cls.gw.api("POST", "/system/functions", {"service": name, "namespace": ns, "envProcess": "cat",
                                                     "annotations": annotations})
        assert r.status == 202, r.body

    @classmethod
    def tearDownClass(cls):
        for c in cls.connectors:
            c.close()
        cls.gw.close()
        for gw in cls.retired:
            gw.close()
        for d in getattr(cls, "token_dirs", {}).values():
            harness.shutil.rmtree(d, ignore_errors=True)
        harness.shutil.rmtree(os.path.dirname(cls.audit_path), ignore_errors=True)
        print("\n[cron-connector e2e] %.1f s in all" % (time.time() - cls.started))

    def counts(self, ns):
        r = self.gw.api("GET", "/system/functions?namespace=" + ns)
        self.assertEqual(r.status, 200, r.body)
        return {f["name"]: f.get("invocationCount", 0) for f in r.json()}

    def audit(self):
        if not os.path.exists(self.audit_path):
            return []
        with open(self.audit_path) as f:
            return [json.loads(l) for l in f if l.strip()]

    def test_two_tenants(self):
        # Ordered steps of one story: each relies on the state the previous left.
        self.each_invokes_only_its_own_namespace()
        self.moved_and_deleted_functions_are_unscheduled_within_one_rebuild_interval()
        self.a_gateway_outage_keeps_the_schedules_and_replays_nothing()
        self.no_decision_falls_outside_either_policy()
        self.they_stop_cleanly()

    def each_invokes_only_its_own_namespace(self):
        dev, staging = self.dev, self.staging
        # Discovery, as the write-up's log shows it.
        added = dev.wait_for(lambda: {e["function"] for e in dev.events("Added")} >=
                             {"nodeinfo.dev", "secure.dev", "mover.dev"} and dev.events("Added"), "dev's Added lines")
        self.assertEqual({e["function"]: e["schedule"] for e in added},
                         {"nodeinfo.dev": "@every 1s", "secure.dev": "@every 1s", "mover.dev": "@every 1s"})
        staging.wait_for(lambda: {e["function"] for e in staging.events("Added")} >=
                         {"nodeinfo.staging", "secure.staging", "doomed.staging"}, "staging's Added lines")
        config = dev.events("Config")[0]
        self.assertEqual(config["gateway"], self.gw.url)
        self.assertEqual(config["rebuild_interval"], REBUILD_INTERVAL)
        self.assertEqual(config["auth"], "iam")
        self.assertEqual(self.staging.events("Config")[0]["token_file"],
                         os.path.join(self.token_dirs[STAGING_SA], "openfaas-token"))

        # Several fires of every function each connector may run.
        def enough():
            d, s = self.counts("dev"), self.counts("staging")
            return d["nodeinfo"] >= 3 and d["secure"] >= 3 and d["mover"] >= 3 and s["nodeinfo"] >= 3 and s["doomed"] >= 3
        self.gw.wait_until(enough, timeout=20, message="three invocations of each scheduled function")

        dev_counts, staging_counts = self.counts("dev"), self.counts("staging")
        self.assertEqual(dev_counts["plain"], 0)   # no cron topic
        self.assertEqual(dev_counts["broken"], 0)  # its schedule does not parse
        # The jwt-auth function in staging needs a function token, which staging's policy does not
        # grant: the exchange is refused, so the gateway never sees the call.
        self.assertEqual(staging_counts["secure"], 0)
        failed = staging.wait_for(lambda: [e for e in staging.events("Invocation failed")
                                           if e["function"] == "secure.staging"], "the refused function token")
        self.assertIn("Function:Invoke", failed[0]["error"])
        self.assertIn("invalid_target", failed[0]["error"])

        # Each connector invoked only its own namespace's functions.
        self.assertTrue(dev.invoked() and all(f.endswith(".dev") for f in dev.invoked()), dev.invoked())
        self.assertTrue(staging.invoked() and all(f.endswith(".staging") for f in staging.invoked()), staging.invoked())
        responses = {e["function"]: e for e in dev.events("Response")}
        self.assertEqual(responses["secure.dev"]["status"], 200)  # with a function token
        self.assertEqual(responses["nodeinfo.dev"]["status"], 200)
        self.assertRegex(responses["nodeinfo.dev"]["duration"], r"^\d+(\.\d+)?(µs|ms|s)$")

        # The invalid schedule is logged once, however many rounds have passed.
        invalid = [e for e in dev.events("Invalid schedule, not scheduled") if e["function"] == "broken.dev"]
        self.assertEqual(len(invalid), 1, dev.text())
        self.assertEqual(invalid[0]["position"], 0)

        m = dev.metrics()
        self.assertEqual(m["cron_connector_scheduled_functions"], 3)
        self.assertGreaterEqual(m['cron_connector_fires_total{function="secure.dev"}'], 3)
        self.assertEqual(m['cron_connector_failures_total{function="secure.dev"}'], 0)
        self.assertEqual(m["cron_connector_discovery_failures_total"], 0)
        self.assertNotIn('cron_connector_fires_total{function="nodeinfo.staging"}', m)
        s = staging.metrics()
        self.assertGreaterEqual(s['cron_connector_failures_total{function="secure.staging"}'], 1)
        self.assertEqual(s['cron_connector_failures_total{function="nodeinfo.staging"}'], 0)
        # Lateness: when each call started after its scheduled second.
        for name, values in (("dev", m), ("staging", s)):
            count = values["cron_connector_lateness_seconds_count"]
            mean = values["cron_connector_lateness_seconds_sum"] / count
            within_100ms = values['cron_connector_lateness_seconds_bucket{le="0.1"}'] / count
            print("\n[cron-connector e2e] %s: %d fires, mean lateness %.1f ms, %.0f%% within 100 ms"
                  % (name, count, mean * 1000, within_100ms * 100))
            self.assertLess(mean, 0.5)

    def moved_and_deleted_functions_are_unscheduled_within_one_rebuild_interval(self):
        dev, staging, gw = self.dev, self.staging, self.gw
        # Move mover from dev to staging, and delete doomed.
        moved_at = time.time()
        r = gw.api("DELETE", "/system/functions", {"functionName": "mover", "namespace": "dev"})
        self.assertEqual(r.status, 202, r.body)
        self.deploy("mover", "staging", {"topic": "cron-function", "schedule": "@every 1s"})
        r = gw.api("DELETE", "/system/functions", {"functionName": "doomed", "namespace": "staging"})
        self.assertEqual(r.status, 202, r.body)
        bound = REBUILD_INTERVAL + SLACK

        removed = dev.wait_for(lambda: [e for e in dev.events("Removed") if e["function"] == "mover.dev"],
                               "mover.dev removed", timeout=bound + 5)[0]
        gone = staging.wait_for(lambda: [e for e in staging.events("Removed") if e["function"] == "doomed.staging"],
                                "doomed.staging removed", timeout=bound + 5)[0]
        arrived = staging.wait_for(lambda: [e for e in staging.events("Added") if e["function"] == "mover.staging"],
                                   "mover.staging added", timeout=bound + 5)[0]
        for what, e in (("moved out of dev", removed), ("deleted from staging", gone), ("moved into staging", arrived)):
            print("\n[cron-connector e2e] %s: unscheduled/scheduled after %.2f s" % (what, e["_time"] - moved_at))
            self.assertLess(e["_time"] - moved_at, bound, what)
        self.assertEqual(removed["schedule"], "@every 1s")

        # Nothing fires for them after their Removed line; the moved function fires in staging.
        time.sleep(1.5)
        late = [e for e in dev.events("Invoking") if e["function"] == "mover.dev" and e["_time"] > removed["_time"]]
        self.assertEqual(late, [])
        late = [e for e in staging.events("Invoking") if e["function"] == "doomed.staging" and e["_time"] > gone["_time"]]
        self.assertEqual(late, [])
        gw.wait_until(lambda: self.counts("staging").get("mover", 0) >= 1, timeout=10, message="mover in staging")
        self.assertNotIn("mover.staging", dev.invoked())
        self.assertEqual(dev.metrics()["cron_connector_scheduled_functions"], 2)
        self.assertNotIn('cron_connector_fires_total{function="mover.dev"}', dev.metrics())

    def a_gateway_outage_keeps_the_schedules_and_replays_nothing(self):
        dev = self.dev
        before = dev.metrics()
        self.gw.stop()
        down_at = time.time()
        # Discovery fails (connection refused) and backs off; nothing is unscheduled meanwhile.
        dev.wait_for(lambda: dev.metrics()["cron_connector_discovery_failures_total"] >=
                     before["cron_connector_discovery_failures_total"] + 2, "failed discovery rounds")
        time.sleep(max(0.0, 3.0 - (time.time() - down_at)))
        self.assertEqual(dev.metrics()["cron_connector_scheduled_functions"], 2)
        self.assertEqual([e for e in dev.events("Removed") if e["_time"] >= down_at], [])
        failed = [e for e in dev.events("Discovery failed, keeping the last good schedules") if e["_time"] >= down_at]
        self.assertGreaterEqual(len(failed), 2)
        self.assertEqual(failed[0]["scheduled"], 2)
        # The same gateway again, where it was: same data directory (keys, functions), same port.
        old = self.gw
        self.retired.append(old)  # its temporary directory holds the data directory: removed at the end
        port = old.url.rsplit(":", 1)[1]
        self.__class__.gw = Gateway({name: read(os.path.join(old.iam_dir, name)) for name in os.listdir(old.iam_dir)},
                                    data_dir=old.data_dir, listen="127.0.0.1:" + port,
                                    extra_args=["--audit-log", self.audit_path])
        back_at = time.time()
        print("\n[cron-connector e2e] gateway down for %.1f s" % (back_at - down_at))
        self.gw.wait_until(lambda: self.counts("dev").get("nodeinfo", 0) >= 2, timeout=15,
                           message="invocations after the outage")
        # Missed fires were not replayed: at most one a second since the gateway returned.
        time.sleep(1.0)
        window = time.time() - back_at
        replayed = [e for e in dev.events("Invoking") if e["function"] == "nodeinfo.dev" and e["_time"] >= back_at]
        self.assertLessEqual(len(replayed), window / REBUILD_INTERVAL + 1, replayed)
        self.assertEqual(dev.metrics()["cron_connector_scheduled_functions"], 2)

    def no_decision_falls_outside_either_policy(self):
        own = {"fed:" + DEV_SA: "dev", "fed:" + STAGING_SA: "staging"}
        events = [e for e in self.audit() if e["actor"] in own]
        self.assertTrue(events)
        seen = set()
        for e in events:
            ns = own[e["actor"]]
            on_own = e["resource"] == "*" or e["resource"].split(":")[0] == ns
            seen.add((e["actor"], e["action"], e["decision"]))
            self.assertTrue(on_own or e["decision"] == "allow", e)
            self.assertEqual(e["decision"], "allow", e)
        self.assertIn(("fed:" + DEV_SA, "Function:List", "allow"), seen)
        self.assertIn(("fed:" + DEV_SA, "Function:Invoke", "allow"), seen)  # secure.dev, with a function token
        self.assertIn(("fed:" + STAGING_SA, "Namespace:List", "allow"), seen)
        self.assertNotIn(("fed:" + STAGING_SA, "Function:Invoke", "allow"), seen)
        # No token reached the audit log, nor the connectors' logs.
        for sa in (DEV_SA, STAGING_SA):
            token = read(os.path.join(self.token_dirs[sa], "openfaas-token")).strip()
            self.assertNotIn(token, read(self.audit_path))
            self.assertNotIn(token.split(".")[2], self.dev.text() + self.staging.text())

    def they_stop_cleanly(self):
        for c in (self.dev, self.staging):
            started = time.time()
            self.assertEqual(c.stop(), 0, c.text())
            self.assertLess(time.time() - started, 12)
            self.assertIn("Stopped", c.text())


class BasicAuthConnectorTest(unittest.TestCase):
    """A gateway without IAM objects, as upstream's Community Edition: basic_auth with the admin's
    credentials under secret_mount_path, asynchronous invocation, the answer's body printed."""

    def test_basic_auth_and_async(self):
        gw = Gateway()
        scratch = tempfile.mkdtemp(prefix="faasgate-cron-secrets-")
        connector = None
        try:
            password = read(os.path.join(gw.data_dir, "admin-password")).strip()
            secrets = auth_dir(scratch, "secrets", "admin", password)
            r = gw.api("POST", "/system/functions", {"service": "ticker", "envProcess": "cat",
                                                     "annotations": {"topic": "cron-function", "schedule": "@every 1s"}})
            self.assertEqual(r.status, 202, r.body)
            connector = Connector("basic", ["--print-response-body"], env={
                "gateway_url": gw.url, "rebuild_interval": "1s", "basic_auth": "true", "secret_mount_path": secrets,
                "asynchronous_invocation": "true", "metrics_listen": "127.0.0.1:0"})
            responses = connector.wait_for(lambda: [e for e in connector.events("Response") if e["status"] == 202],
                                           "an accepted async invocation")
            self.assertEqual(responses[0]["function"], "ticker.openfaas-fn")
            self.assertIn("body", responses[0])
            gw.wait_until(lambda: gw.api("GET", "/system/function/ticker").json().get("invocationCount", 0) >= 1,
                          timeout=15, message="the queued call to run")
            config = connector.events("Config")[0]
            self.assertEqual((config["auth"], config["user"], config["async_invocation"]), ("basic", "admin", True))
            self.assertEqual(connector.stop(), 0)
            self.assertNotIn(password, connector.text())
        finally:
            if connector:
                connector.close()
            gw.close()
            harness.shutil.rmtree(scratch, ignore_errors=True)

    def test_a_stop_abandons_calls_that_outlast_the_shutdown_timeout(self):
        """A call still running when --shutdown-timeout ends is abandoned: the connector says so
        and exits, rather than wait for a function that may take its whole invoke timeout."""
        gw = Gateway()
        scratch = tempfile.mkdtemp(prefix="faasgate-cron-secrets-")
        connector = None
        try:
            password = read(os.path.join(gw.data_dir, "admin-password")).strip()
            secrets = auth_dir(scratch, "secrets", "admin", password)
            r = gw.api("POST", "/system/functions", {
                "service": "slow", "envProcess": "sh -c 'sleep 6'",
                "annotations": {"topic": "cron-function", "schedule": "@every 1s"}})
            self.assertEqual(r.status, 202, r.body)
            connector = Connector("abandon", ["--shutdown-timeout", "1s", "--invoke-timeout", "60s"], env={
                "gateway_url": gw.url, "rebuild_interval": "1s", "basic_auth": "true", "secret_mount_path": secrets,
                "metrics_listen": "127.0.0.1:0"})
            connector.wait_for(lambda: connector.events("Invoking"), "a call to start")
            started = time.time()
            self.assertEqual(connector.stop(), 0, connector.text())
            self.assertLess(time.time() - started, 5, "it waited for the call instead of abandoning it")
            abandoned = connector.events("Abandoning calls still in flight")
            self.assertEqual(len(abandoned), 1, connector.text())
            self.assertGreaterEqual(abandoned[0]["in_flight"], 1)
            self.assertIn("Stopped", connector.text())
        finally:
            if connector:
                connector.close()
            gw.close()
            harness.shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
