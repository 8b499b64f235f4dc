#!/usr/bin/env bash
# `make validate-deploy` (part of `make test`): validates the Dockerfile, docker-compose.yml and the Kubernetes
# overlays offline — no Docker engine, no cluster. Installs what is missing (kubernetes-validate from PyPI,
# docker-compose from Debian), then:
#   - kubectl kustomize of each overlay | kubernetes-validate --strict for a pinned Kubernetes version;
#   - docker-compose config -q;
#   - scripts/check-deploy.py: the rules a schema cannot check (known FLICKET_* names only, probes, securityContext,
#     selectors that select something, secrets that hold every key the pods read…).
# Exits non-zero and names every failed step.
set -uo pipefail
cd "$(dirname "$0")/.."

# The oldest Kubernetes the manifests are meant for; kubernetes-validate 1.37.0 has schemas for 1.25 to 1.37.
KUBERNETES_VERSION=1.30.0
KUBERNETES_VALIDATE_VERSION=1.37.0

failed=()
fail() {
    echo "FAILED: $*" >&2
    failed+=("$*")
}
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# ---- tools ----
if ! command -v kubectl >/dev/null; then
    echo "FAILED: kubectl is not installed (it comes with this kind of machine; elsewhere install kubectl)" >&2
    exit 1
fi
if [ "$(python3 -m kubernetes_validate --version 2>/dev/null)" != "$KUBERNETES_VALIDATE_VERSION" ]; then
    echo "installing kubernetes-validate==$KUBERNETES_VALIDATE_VERSION (PyPI)"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
        "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" || {
        echo "FAILED: could not install kubernetes-validate" >&2
        exit 1
    }
fi
if ! command -v docker-compose >/dev/null; then
    echo "installing docker-compose (Debian package)"
    { as_root apt-get update -qq \
        && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null; } || {
        echo "FAILED: could not install docker-compose" >&2
        exit 1
    }
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# ---- Kubernetes ----
for overlay in dev prod; do
    dir="deploy/k8s/overlays/$overlay"
    if ! kubectl kustomize "$dir" >"$tmp/$overlay.yaml"; then
        fail "kubectl kustomize $dir"
        continue
    fi
    python3 -m kubernetes_validate --strict --quiet -k "$KUBERNETES_VERSION" - <"$tmp/$overlay.yaml" \
        || fail "kubernetes-validate $dir (Kubernetes $KUBERNETES_VERSION)"
done
example=deploy/k8s/overlays/prod/secret.example.yaml
python3 -m kubernetes_validate --strict --quiet -k "$KUBERNETES_VERSION" "$example" \
    || fail "kubernetes-validate $example"
[ -s "$tmp/dev.yaml" ] && { python3 scripts/check-deploy.py k8s "$tmp/dev.yaml" || fail "check-deploy dev"; }
[ -s "$tmp/prod.yaml" ] && { python3 scripts/check-deploy.py k8s "$tmp/prod.yaml" "$example" || fail "check-deploy prod"; }

# ---- Docker Compose and the image ----
if docker-compose -f docker-compose.yml config -q; then
    docker-compose -f docker-compose.yml config >"$tmp/compose.yaml" \
        && python3 scripts/check-deploy.py compose "$tmp/compose.yaml" || fail "check-deploy docker-compose.yml"
else
    fail "docker-compose config docker-compose.yml"
fi
python3 scripts/check-deploy.py dockerfile Dockerfile || fail "check-deploy Dockerfile"
bash -n deploy/docker/healthcheck.sh || fail "bash -n deploy/docker/healthcheck.sh"

if [ "${#failed[@]}" -gt 0 ]; then
    echo "validate-deploy: ${#failed[@]} failed: ${failed[*]}" >&2
    exit 1
fi
echo "validate-deploy: Kubernetes overlays dev and prod (schemas of $KUBERNETES_VERSION, strict), docker-compose.yml and Dockerfile are valid"
