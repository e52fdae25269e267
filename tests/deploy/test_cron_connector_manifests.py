"""deploy/cron-connector rendered as a user renders it (`kubectl kustomize`, Debian 12's
kubernetes-client or any later kubectl), then checked: each release has its ServiceAccount, a
Deployment running `faasgate cron-connector` with the projected token the write-up describes, and
the Policy and Role the write-up prints; those load and lint clean in `faasgate iam lint`; and the
two releases, dev and staging, differ only in their name and their Policy's resources.
"""
import copy
import json
import os
import shutil
import subprocess
import tempfile
import unittest

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.normpath(os.path.join(HERE, "..", ".."))
DEPLOY = os.path.join(SOURCE, "deploy", "cron-connector")
SEED = os.path.join(SOURCE, "tests", "data", "seed-manifests")
FAASGATE_BIN = os.environ.get("FAASGATE_BIN", os.path.join(SOURCE, "build-test", "bin", "faasgate"))
K8S_ISSUER = "https://kubernetes.default.svc.cluster.local"
RELEASES = {"dev": ("cron-connector", "dev:*"), "staging": ("staging-cron-connector", "staging:*")}


def render(overlay):
    kubectl = shutil.which("kubectl")
    if not kubectl:
        raise AssertionError("kubectl is needed to render deploy/cron-connector: scripts/install-deps installs "
                             "Debian's kubernetes-client")
    run = subprocess.run([kubectl, "kustomize", os.path.join(DEPLOY, "overlays", overlay)],
                         capture_output=True, text=True, timeout=120)
    if run.returncode != 0:
        raise AssertionError("kubectl kustomize %s failed:\n%s" % (overlay, run.stderr))
    return {(d["kind"], d["metadata"]["name"]): d for d in yaml.safe_load_all(run.stdout) if d}


def replace_strings(value, old, new):
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, list):
        return [replace_strings(v, old, new) for v in value]
    if isinstance(value, dict):
        return {replace_strings(k, old, new): replace_strings(v, old, new) for k, v in value.items()}
    return value


def seed(name):
    with open(os.path.join(SEED, name)) as f:
        return yaml.safe_load(f)


class CronConnectorManifestsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rendered = {overlay: render(overlay) for overlay in RELEASES}

    def test_each_release_has_its_account_deployment_policy_and_role(self):
        for overlay, (release, resource) in RELEASES.items():
            with self.subTest(overlay=overlay):
                docs = self.rendered[overlay]
                self.assertEqual(sorted(docs), sorted([("ServiceAccount", release), ("Deployment", release),
                                                      ("Policy", release), ("Role", release)]))
                for doc in docs.values():
                    self.assertEqual(doc["metadata"]["namespace"], "openfaas")
                account = docs[("ServiceAccount", release)]
                self.assertFalse(account["automountServiceAccountToken"])

                pod = docs[("Deployment", release)]["spec"]["template"]["spec"]
                self.assertEqual(pod["serviceAccountName"], release)
                container = pod["containers"][0]
                self.assertEqual(container["command"], ["faasgate", "cron-connector"])
                env = {e["name"]: e["value"] for e in container["env"]}
                self.assertEqual(env["token_mount_path"], "/var/secrets/tokens")
                self.assertIn("gateway_url", env)
                mount = [m for m in container["volumeMounts"] if m["name"] == "openfaas-token"][0]
                self.assertEqual(mount["mountPath"], "/var/secrets/tokens")
                volume = [v for v in pod["volumes"] if v["name"] == "openfaas-token"][0]
                token = volume["projected"]["sources"][0]["serviceAccountToken"]
                self.assertEqual(token, {"path": "openfaas-token", "expirationSeconds": 7200,
                                         "audience": "https://gateway.example.com"})
                selector = docs[("Deployment", release)]["spec"]["selector"]["matchLabels"]
                self.assertEqual(selector["app.kubernetes.io/instance"], release)

                policy = docs[("Policy", release)]
                self.assertEqual(policy["spec"]["statement"], [{"sid": "1-fn-r", "effect": "Allow",
                                                                "action": ["Function:List", "Namespace:List"],
                                                                "resource": [resource]}])
                role = docs[("Role", release)]["spec"]
                self.assertEqual(role["policy"], [release])
                self.assertEqual(role["principal"], {"jwt:sub": ["system:serviceaccount:openfaas:" + release]})
                self.assertEqual(role["condition"], {"StringEqual": {"jwt:iss": [K8S_ISSUER]}})

    def test_the_dev_release_is_the_write_ups(self):
        docs = self.rendered["dev"]
        self.assertEqual(docs[("Policy", "cron-connector")]["spec"], seed("policy-cron-connector.yaml")["spec"])
        self.assertEqual(docs[("Role", "cron-connector")]["spec"], seed("role-cron-connector.yaml")["spec"])

    def test_the_releases_differ_only_in_name_and_resources(self):
        dev = self.rendered["dev"]
        staging = self.rendered["staging"]
        renamed = {}
        for (kind, name), doc in staging.items():
            doc = replace_strings(copy.deepcopy(doc), "staging-cron-connector", "cron-connector")
            for statement in doc.get("spec", {}).get("statement", []) if kind == "Policy" else []:
                self.assertEqual(statement["resource"], ["staging:*"])
                statement["resource"] = ["dev:*"]
            renamed[(kind, doc["metadata"]["name"])] = doc
        self.assertEqual(sorted(renamed), sorted(dev))
        for key in dev:
            self.assertEqual(json.dumps(renamed[key], sort_keys=True), json.dumps(dev[key], sort_keys=True), key)

    def test_the_policies_and_roles_load_and_lint_clean(self):
        for overlay, (release, _) in RELEASES.items():
            with self.subTest(overlay=overlay):
                iam_dir = tempfile.mkdtemp(prefix="faasgate-manifests-")
                try:
                    shutil.copy(os.path.join(SEED, "jwtissuer-kubernetes.yaml"), iam_dir)
                    for kind in ("Policy", "Role"):
                        with open(os.path.join(iam_dir, "%s-%s.yaml" % (kind.lower(), release)), "w") as f:
                            yaml.safe_dump(self.rendered[overlay][(kind, release)], f)
                    run = subprocess.run([FAASGATE_BIN, "iam", "lint", "--iam-dir", iam_dir],
                                         capture_output=True, text=True, timeout=60)
                    self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
                finally:
                    shutil.rmtree(iam_dir, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
