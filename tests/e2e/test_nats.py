"""End to end: two gateways sharing one NATS JetStream server (`serve --nats-url`) - async calls
survive a gateway's SIGKILL and the server's outage, a long call is not redelivered, and a
revocation published with `iam revoke --nats-url` reaches both. A real `nats-server -js` on a
loopback port it picks; function processes in the normal sandbox."""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest

import harness
from harness import CallbackReceiver, Gateway, IdentityProvider, K8S_ISSUER, NatsServer, issuer_manifest, seed

AUD = "https://gateway.example.com"
SUB = "system:serviceaccount:openfaas:cron-connector"
ACK_WAIT = 2  # seconds: short, so that a redelivery would show within the test


def deployment(name, process, **env):
    return {"service": name, "image": "example/" + name, "namespace": "openfaas-fn", "envProcess": process,
            "envVars": env}


class NatsQueueTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.nats = NatsServer()
        cls.idp = IdentityProvider(K8S_ISSUER, kty="EC")
        cls.receiver = CallbackReceiver()
        cls.files = {"issuer.yaml": issuer_manifest("kubernetes", K8S_ISSUER, [AUD], iss_internal=cls.idp.url),
                     "policy.yaml": seed("policy-cron-connector.yaml"), "role.yaml": seed("role-cron-connector.yaml")}
        cls.args = ["--nats-url", cls.nats.url, "--queue-ack-wait", "%ds" % ACK_WAIT]
        cls.gws = [Gateway(cls.files, extra_args=cls.args) for _ in range(2)]
        cls.dead = []  # killed gateways: their directories go at the end
        for gw in cls.gws:
            for body in (deployment("slowcat", "sh -c 'sleep 0.2; cat'"),
                         deployment("sleeper", "sh -c 'sleep %d; cat'" % (3 * ACK_WAIT), exec_timeout="30s")):
                r = gw.api("POST", "/system/functions", body)
                assert r.status == 202, r.body

    @classmethod
    def tearDownClass(cls):
        for gw in cls.gws + cls.dead:
            gw.close()
        cls.receiver.close()
        cls.idp.close()
        cls.nats.close()

    def callbacks(self):
        """How many callbacks each call id got."""
        counts = {}
        with self.receiver.lock:
            for c in self.receiver.calls:
                counts[c["headers"].get("X-Call-Id")] = counts.get(c["headers"].get("X-Call-Id"), 0) + 1
        return counts

    def send(self, gw, body, function="slowcat"):
        return harness.request("POST", gw.url + "/async-function/" + function, body=body,
                               headers={"X-Callback-Url": self.receiver.url}, timeout=10)

    def wait_for(self, predicate, timeout, message):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if predicate():
                return
            time.sleep(0.1)
        self.fail("timed out waiting for " + message + "\n" + "\n".join(gw.logs()[-3000:] for gw in self.gws))

    def test_1_a_revocation_published_on_nats_reaches_every_gateway(self):
        tokens = []
        for gw in self.gws:
            r = gw.exchange(self.idp.service_account_token(sub=SUB, aud=[AUD]))
            self.assertEqual(r.status, 200, r.body)
            tokens.append("Bearer " + r.json()["access_token"])
            self.assertEqual(gw.api("GET", "/system/namespaces", auth=tokens[-1]).status, 200)
        out = subprocess.run([harness.FAASGATE_BIN, "iam", "revoke", "--nats-url", self.nats.url, "--sub", SUB],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        for gw, token in zip(self.gws, tokens):
            self.wait_for(lambda: gw.api("GET", "/system/namespaces", auth=token).status == 401, 15,
                          "the revocation to reach " + gw.url)
        # Not acknowledged (nothing listens there): a clear failure, not a silent success.
        out = subprocess.run([harness.FAASGATE_BIN, "iam", "revoke", "--nats-url", "nats://127.0.0.1:1", "--sub", SUB],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 1)
        self.assertIn("not acknowledged", out.stderr)

    def test_2_a_call_longer_than_the_ack_wait_is_not_redelivered(self):
        r = self.send(self.gws[0], "long", function="sleeper")
        self.assertEqual(r.status, 202, r.body)
        call_id = r.headers["X-Call-Id"]
        self.wait_for(lambda: call_id in self.callbacks(), 30, "the long call's callback")
        time.sleep(ACK_WAIT + 1)  # long enough for a redelivery (one ack_wait) to have started a second run
        runs = sum(gw.logs().count("async call %s to sleeper" % call_id) for gw in self.gws)
        self.assertEqual(self.callbacks()[call_id], 1)
        self.assertEqual(runs, 1, "the call ran once, on one gateway")

    def test_3_no_accepted_call_is_lost_to_a_killed_gateway_or_an_outage(self):
        accepted = []
        # Calls spread over both gateways; one is killed midway, holding leases.
        for i in range(30):
            if i == 15:
                self.gws[1].kill()
            gw = self.gws[i % 2] if i < 15 else self.gws[0]
            r = self.send(gw, "call-%d" % i)
            self.assertEqual(r.status, 202, r.body)
            accepted.append(r.headers["X-Call-Id"])
        self.wait_for(lambda: set(accepted) <= set(self.callbacks()), 60, "every call accepted before the kill")

        # Calls accepted just before the outage, then the outage: 503 with Retry-After, at once.
        before_outage = []
        for i in range(8):
            r = self.send(self.gws[0], "before-%d" % i)
            self.assertEqual(r.status, 202, r.body)
            before_outage.append(r.headers["X-Call-Id"])
        self.nats.stop()
        # A gateway started while NATS is down starts anyway.
        self.dead.append(self.gws[1])
        self.gws[1] = Gateway(self.files, data_dir=self.gws[1].data_dir, extra_args=self.args)
        for gw in self.gws:
            self.wait_for(lambda: self.send(gw, "probe").status == 503, 15, "503 during the outage")
            for i in range(3):
                started = time.monotonic()
                r = self.send(gw, "during-%d" % i)
                self.assertEqual(r.status, 503, r.body)
                self.assertTrue(r.headers["Retry-After"].isdigit())
                self.assertNotIn("X-Call-Id", r.headers)
        self.nats.start()
        for gw in self.gws:
            self.wait_for(lambda: self.send(gw, "probe-after").status == 202, 30, "async calls to be accepted again")
        after = []
        for i in range(6):
            r = self.send(self.gws[i % 2], "after-%d" % i)
            self.assertEqual(r.status, 202, r.body)
            after.append(r.headers["X-Call-Id"])
        everything = accepted + before_outage + after
        self.wait_for(lambda: set(everything) <= set(self.callbacks()), 60, "every accepted call to call back")
        counts = self.callbacks()
        duplicates = {i: n for i, n in counts.items() if i in everything and n > 1}
        print("\n%d accepted calls, all called back; %d called back more than once (at-least-once): %s"
              % (len(everything), len(duplicates), duplicates))


if __name__ == "__main__":
    unittest.main()
