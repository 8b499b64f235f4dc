#!/usr/bin/env python3
"""Checks of the deployment files that a schema cannot make: the rules Flicket's manifests promise.

    check-deploy.py k8s RENDERED.yaml [EXTRA_SECRET.yaml]   # output of `kubectl kustomize` of one overlay
    check-deploy.py compose RENDERED.yaml                   # output of `docker-compose config`
    check-deploy.py dockerfile Dockerfile

Prints one line per problem and exits 1 if there is any. Uses PyYAML (a dependency of kubernetes-validate).
"""

import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
# Service ports and what each must probe on them.
PORTS = {"flicket-web": 8080, "flicket-mailer": 8081, "flicket-scheduler": 8082}
SECRET_DIR = "/run/secrets/flicket/"

problems = []


def problem(where, what):
    problems.append(f"{where}: {what}")


def known_vars():
    """FLICKET_* names the services accept, from libs/core/src/config.rs: {name: is_secret}."""
    source = (ROOT / "libs/core/src/config.rs").read_text()
    found = dict(
        (name, secret == "true")
        for name, secret in re.findall(r'\("(FLICKET_[A-Z0-9_]+)",\s*(true|false)\)', source)
    )
    if not found:
        problem("libs/core/src/config.rs", "no KNOWN_VARS found (did the table move?)")
    return found


KNOWN = known_vars()


def check_var(where, name):
    """An unknown FLICKET_* name stops the services at start-up; *_FILE exists only for secrets."""
    if name in KNOWN:
        return
    base = name[: -len("_FILE")] if name.endswith("_FILE") else None
    if base in KNOWN and KNOWN[base]:
        return
    if base in KNOWN:
        problem(where, f"{name}: {base} is not a secret, it has no _FILE form")
    else:
        problem(where, f"{name} is not a variable the services know (libs/core/src/config.rs)")


def pod_spec(doc):
    kind = doc.get("kind")
    if kind in ("Deployment", "StatefulSet", "Job"):
        return doc["spec"]["template"]["spec"]
    return None


def check_container(where, c, pod_sc):
    sc = c.get("securityContext") or {}
    if sc.get("allowPrivilegeEscalation") is not False:
        problem(where, "allowPrivilegeEscalation must be false")
    if sc.get("readOnlyRootFilesystem") is not True:
        problem(where, "readOnlyRootFilesystem must be true")
    if "ALL" not in ((sc.get("capabilities") or {}).get("drop") or []):
        problem(where, "capabilities must drop ALL")
    if not (sc.get("runAsNonRoot") or pod_sc.get("runAsNonRoot")):
        problem(where, "runAsNonRoot must be true")
    seccomp = (sc.get("seccompProfile") or pod_sc.get("seccompProfile") or {}).get("type")
    if seccomp != "RuntimeDefault":
        problem(where, "seccompProfile must be RuntimeDefault")
    res = c.get("resources") or {}
    for part, keys in (("requests", ("cpu", "memory")), ("limits", ("memory",))):
        for key in keys:
            if key not in (res.get(part) or {}):
                problem(where, f"resources.{part}.{key} missing")
    for env in c.get("env") or []:
        if env["name"].startswith("FLICKET_"):
            check_var(where, env["name"])


def probe_path(probe):
    return ((probe or {}).get("httpGet") or {}).get("path")


def check_flicket_deployment(where, doc, spec):
    app = doc["metadata"]["labels"].get("app.kubernetes.io/name")
    main = spec["containers"][0]
    ports = {p.get("name"): p["containerPort"] for p in main.get("ports") or []}
    if PORTS.get(app) not in ports.values():
        problem(where, f"{app} must expose port {PORTS.get(app)}")
    if probe_path(main.get("livenessProbe")) != "/healthz":
        problem(where, "livenessProbe must GET /healthz")
    if probe_path(main.get("readinessProbe")) != "/readyz":
        problem(where, "readinessProbe must GET /readyz")
    for kind in ("livenessProbe", "readinessProbe"):
        port = ((main.get(kind) or {}).get("httpGet") or {}).get("port")
        if ports.get(port, port) != PORTS.get(app):
            problem(where, f"{kind} must use port {PORTS.get(app)}")
    annotations = doc["spec"]["template"]["metadata"].get("annotations") or {}
    if annotations.get("prometheus.io/port") != str(PORTS.get(app)):
        problem(where, "pod template needs prometheus.io/scrape and prometheus.io/port annotations")
    pre_stop = (((main.get("lifecycle") or {}).get("preStop") or {}).get("exec") or {}).get("command")
    if not pre_stop or pre_stop[0] != "sleep":
        problem(where, "preStop must sleep while the endpoint is removed")
    elif spec.get("terminationGracePeriodSeconds", 30) <= int(pre_stop[1]) + 5:
        problem(where, "terminationGracePeriodSeconds leaves no time to drain after the preStop sleep")
    replicas = doc["spec"].get("replicas", 1)
    if replicas < 2:
        problem(where, f"{app} must run at least 2 replicas")


def selects(selector, labels):
    match = (selector or {}).get("matchLabels", selector) or {}
    return bool(match) and all(labels.get(k) == v for k, v in match.items())


def check_k8s(path, extra_secret=None):
    docs = [d for d in yaml.safe_load_all(Path(path).read_text()) if d]
    if extra_secret:
        docs += [d for d in yaml.safe_load_all(Path(extra_secret).read_text()) if d]
    by_kind = {}
    for d in docs:
        by_kind.setdefault(d["kind"], {})[d["metadata"]["name"]] = d
    templates = {
        name: d["spec"]["template"]["metadata"].get("labels") or {}
        for kind in ("Deployment", "StatefulSet")
        for name, d in by_kind.get(kind, {}).items()
    }
    secrets = {
        name: set((d.get("data") or {}) | (d.get("stringData") or {}))
        for name, d in by_kind.get("Secret", {}).items()
    }
    configs = by_kind.get("ConfigMap", {})

    for d in docs:
        spec = pod_spec(d)
        if spec is None:
            continue
        where = f"{path}: {d['kind']}/{d['metadata']['name']}"
        pod_sc = spec.get("securityContext") or {}
        if spec.get("automountServiceAccountToken") is not False:
            problem(where, "automountServiceAccountToken must be false")
        for c in (spec.get("initContainers") or []) + spec["containers"]:
            check_container(f"{where} container {c['name']}", c, pod_sc)
            for ref in c.get("envFrom") or []:
                name = (ref.get("configMapRef") or {}).get("name")
                if name and name not in configs:
                    problem(where, f"ConfigMap {name} is not in the build")
            for env in c.get("env") or []:
                if env["name"].endswith("_FILE") and env.get("value", "").startswith(SECRET_DIR):
                    key = env["value"][len(SECRET_DIR):]
                    vol = next(
                        (v for v in spec.get("volumes") or [] if "secret" in v), {}
                    ).get("secret", {})
                    if key not in secrets.get(vol.get("secretName"), set()):
                        problem(where, f"{env['name']}: key {key} not in Secret {vol.get('secretName')}")
        labels = d["metadata"].get("labels") or {}
        if labels.get("app.kubernetes.io/part-of") == "flicket" and d["kind"] == "Deployment":
            check_flicket_deployment(where, d, spec)

    for name, cm in configs.items():
        for key in cm.get("data") or {}:
            if key.startswith("FLICKET_"):
                check_var(f"{path}: ConfigMap/{name}", key)
    for name, svc in by_kind.get("Service", {}).items():
        if not any(selects(svc["spec"].get("selector"), t) for t in templates.values()):
            problem(f"{path}: Service/{name}", "selects no pod template")
    for name, pdb in by_kind.get("PodDisruptionBudget", {}).items():
        if not any(selects(pdb["spec"]["selector"], t) for t in templates.values()):
            problem(f"{path}: PodDisruptionBudget/{name}", "selects no pod template")
    for name, hpa in by_kind.get("HorizontalPodAutoscaler", {}).items():
        if hpa["spec"]["scaleTargetRef"]["name"] not in by_kind.get("Deployment", {}):
            problem(f"{path}: HorizontalPodAutoscaler/{name}", "targets no Deployment")
    for name, ing in by_kind.get("Ingress", {}).items():
        for rule in ing["spec"]["rules"]:
            for p in rule["http"]["paths"]:
                backend = p["backend"]["service"]
                svc = by_kind.get("Service", {}).get(backend["name"])
                ports = [x.get("name") for x in (svc or {}).get("spec", {}).get("ports", [])]
                if backend["port"].get("name") not in ports:
                    problem(f"{path}: Ingress/{name}", f"backend {backend} matches no Service port")
    if "default-deny" not in by_kind.get("NetworkPolicy", {}):
        problem(path, "NetworkPolicy default-deny missing")
    for app in PORTS:
        if app not in by_kind.get("NetworkPolicy", {}):
            problem(path, f"NetworkPolicy {app} missing")


def check_compose(path):
    doc = yaml.safe_load(Path(path).read_text())
    declared = doc.get("secrets") or {}
    for name, secret in declared.items():
        file = secret.get("file")
        if file and not Path(file).is_file():
            problem(f"{path}: secret {name}", f"file {file} does not exist")
    for name, svc in doc["services"].items():
        env = svc.get("environment") or {}
        if not any(k.startswith("FLICKET_") for k in env):
            continue
        where = f"{path}: service {name}"
        for key, value in env.items():
            if key.startswith("FLICKET_"):
                check_var(where, key)
            if key.endswith("_LISTEN") and not str(value).startswith("0.0.0.0:"):
                problem(where, f"{key} must listen on 0.0.0.0 inside a container")
            if key.endswith("_FILE"):
                mounted = {s["source"] if isinstance(s, dict) else s for s in svc.get("secrets") or []}
                if not str(value).startswith("/run/secrets/") or value.rsplit("/", 1)[1] not in mounted:
                    problem(where, f"{key}={value} is not one of the service's secrets")
        if svc.get("read_only") is not True:
            problem(where, "read_only must be true")
        if "ALL" not in (svc.get("cap_drop") or []):
            problem(where, "cap_drop must contain ALL")


def check_dockerfile(path):
    text = Path(path).read_text()
    for name in set(re.findall(r"\b(FLICKET_[A-Z0-9_]*[A-Z0-9])\b", text)):
        check_var(path, name)
    if not re.search(r"^USER\s+[0-9]+", text, re.M):
        problem(path, "USER must be a numeric non-root user (Kubernetes runAsNonRoot)")
    if not re.search(r"^HEALTHCHECK\s", text, re.M):
        problem(path, "HEALTHCHECK missing")


def main(argv):
    mode, *paths = argv
    {"k8s": check_k8s, "compose": check_compose, "dockerfile": check_dockerfile}[mode](*paths)
    for p in problems:
        print(f"ERROR {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
