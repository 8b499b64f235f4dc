#!/usr/bin/env bash
# Regenerates .sqlx/ (the offline data of the compile-time checked queries) from a scratch database with every
# migration applied; with --check, fails when the committed .sqlx/ differs from what the code needs.
set -euo pipefail
cd "$(dirname "$0")/.."

server=${PG_SERVER_URL:-postgres://postgres@127.0.0.1:5432}
db=flicket_sqlx_prepare_$$
out=$(mktemp -d)
trap 'rm -rf "$out"; psql -q "$server/postgres" -c "drop database if exists $db" >/dev/null 2>&1 || true' EXIT

psql -q "$server/postgres" -c "create database $db" >/dev/null
for f in migrations/*.sql; do
    psql -q -v ON_ERROR_STOP=1 "$server/$db" -f "$f" >/dev/null
done

# Every query lives in libs/core: touch it so the macros run again and write their data to $out. In a target
# directory of its own: building with another DATABASE_URL and SQLX_OFFLINE makes cargo rebuild much of the
# dependency tree, which would otherwise happen twice (here, then again in the next normal build).
touch libs/core/src/lib.rs
CARGO_TARGET_DIR="${SQLX_TARGET_DIR:-${CARGO_TARGET_DIR:-target}-sqlx}" DATABASE_URL="$server/$db" SQLX_OFFLINE=false \
    SQLX_OFFLINE_DIR="$out" cargo check -q -p flicket-core --all-targets

if [ "${1:-}" = "--check" ]; then
    if ! diff -r -q .sqlx "$out"; then
        echo ".sqlx/ is stale: run 'make sqlx-prepare' and commit the result." >&2
        exit 1
    fi
    echo ".sqlx/ is current ($(ls "$out" | wc -l) queries)."
else
    rm -rf .sqlx
    mkdir -p .sqlx
    cp "$out"/*.json .sqlx/
    echo "wrote $(ls .sqlx | wc -l) queries to .sqlx/"
fi
