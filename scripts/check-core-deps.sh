#!/usr/bin/env bash
# libs/core holds the domain, the SQL and the shared plumbing (including the queue producer that the web and the
# scheduler share): it must not depend on HTTP-framework, template or SMTP
# crates (the services own those).
set -euo pipefail
cd "$(dirname "$0")/.."
bad=$(cargo tree -q -p flicket-core -e normal --prefix none --depth 1 | awk '{print $1}' \
    | grep -E '^(axum|axum-extra|askama|askama_web|tower-http|lettre|utoipa)$' || true)
if [ -n "$bad" ]; then
    echo "libs/core must not depend on: $bad" >&2
    exit 1
fi
echo "libs/core depends on no web, template or SMTP crate."
