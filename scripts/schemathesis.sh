#!/usr/bin/env bash
# `make schemathesis` (part of `make test`): property-based tests of the live /api/v1 against its own OpenAPI
# document. Installs schemathesis (PyPI, pinned) into a cached virtualenv, creates a scratch database with every
# migration, starts the debug `flicket-web` on a free port against it, gets a token for the administrator, and runs
# schemathesis with the bearer header: no 5xx, every status documented, every response matching its schema.
# A bounded number of examples per operation keeps the run to a few minutes. Exits non-zero on any failure; the
# server, the database and the queue keys are removed whatever happens.
#
# Environment: SCHEMATHESIS_VENV (default ~/.cache/flicket/schemathesis-venv), PG_SERVER_URL (default
# postgres://postgres@127.0.0.1:5432), REDIS_URL (default redis://127.0.0.1:6379), CARGO_TARGET_DIR,
# SCHEMATHESIS_EXAMPLES (default 15), SCHEMATHESIS_SEED (default: random; printed, to replay a run).
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
venv="${SCHEMATHESIS_VENV:-$HOME/.cache/flicket/schemathesis-venv}"
server=${PG_SERVER_URL:-postgres://postgres@127.0.0.1:5432}
redis=${REDIS_URL:-redis://127.0.0.1:6379}
examples=${SCHEMATHESIS_EXAMPLES:-15}
seed=${SCHEMATHESIS_SEED:-$RANDOM$RANDOM}
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/flicket/target}"
export SQLX_OFFLINE="${SQLX_OFFLINE:-true}"

# ---- schemathesis in its own virtualenv (kept between runs) ----
if [ "$("$venv/bin/schemathesis" --version 2>/dev/null || true)" != "schemathesis, version $SCHEMATHESIS_VERSION" ]; then
    echo "installing schemathesis==$SCHEMATHESIS_VERSION into $venv (PyPI)"
    [ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

# ---- the debug server ----
cargo build --quiet -p flicket-web --bin flicket-web
bin="$CARGO_TARGET_DIR/debug/flicket-web"

db=flicket_schemathesis_$$
work=$(mktemp -d)
queue="flicket:schemathesis:$$"
pid=
cleanup() {
    local status=$?
    if [ -n "$pid" ]; then
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    psql -q "$server/postgres" -c "drop database if exists $db with (force)" >/dev/null 2>&1 || true
    redis-cli -u "$redis" --scan --pattern "$queue*" 2>/dev/null | xargs -r redis-cli -u "$redis" del >/dev/null 2>&1 || true
    if [ "$status" -ne 0 ] && [ -f "$work/server.log" ]; then
        echo "--- last lines of the server's log ---" >&2
        tail -n 30 "$work/server.log" >&2 || true
    fi
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

psql -q "$server/postgres" -c "create database $db" >/dev/null
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
password="schemathesis-$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')"

export FLICKET_DATABASE_URL="$server/$db"
export FLICKET_REDIS_URL="$redis"
export FLICKET_EMAIL_QUEUE="$queue"
export FLICKET_LISTEN="127.0.0.1:$port"
export FLICKET_BASE_URL="$base"
export FLICKET_UPLOAD_DIR="$work/uploads"
export FLICKET_LOG_FORMAT=json
export RUST_LOG="${RUST_LOG:-warn}"
mkdir -p "$FLICKET_UPLOAD_DIR"

"$bin" migrate >"$work/migrate.log" 2>&1 || { cat "$work/migrate.log" >&2; exit 1; }
FLICKET_ADMIN_USERNAME=admin FLICKET_ADMIN_PASSWORD="$password" "$bin" setup >/dev/null
"$bin" serve >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
    curl -fsS "$base/healthz" >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || { echo "flicket-web exited" >&2; exit 1; }
    sleep 0.2
done

token=$(curl -fsS -X POST -u "admin:$password" "$base/api/v1/tokens" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')

# ---- data to reach past the 404s and 422s ----
# A few tickets with a reply; half of the generated ids and reference ids are drawn from the ones that exist.
auth=(-H "Authorization: Bearer $token" -H "Content-Type: application/json")
for i in 1 2 3; do
    curl -fsS -o /dev/null "${auth[@]}" -X POST "$base/api/v1/tickets" \
        -d "{\"title\": \"Printer $i on fire\", \"content\": \"It burns, again.\", \"category_id\": $i, \"priority_id\": $i}"
    curl -fsS -o /dev/null "${auth[@]}" -X POST "$base/api/v1/tickets/$i/replies" -d '{"content": "Have you tried water?"}'
done
cat >"$work/schemathesis.toml" <<TOML
# Failures found before are tried again first; kept outside the work tree.
[cache]
directory = "$HOME/.cache/flicket/schemathesis-cache"

[dictionaries.ids]
values = [1, 2, 3]
[dictionaries.usernames]
values = ["admin"]

[parameters]
"path.id" = { dictionary = "ids", probability = 0.5 }
"body.category_id" = { dictionary = "ids", probability = 0.5 }
"body.priority_id" = { dictionary = "ids", probability = 0.5 }
"body.status_id" = { dictionary = "ids", probability = 0.5 }
"body.user_id" = { dictionary = "ids", probability = 0.5 }
"body.username" = { dictionary = "usernames", probability = 0.5 }
TOML

# ---- the run ----
# DELETE /api/v1/tokens would revoke the token the run uses; POST /api/v1/tokens takes Basic credentials, not the
# bearer header. Both are covered by the integration tests. The token's rate limit (600 a minute) is respected.
echo "schemathesis $SCHEMATHESIS_VERSION against $base/api/v1/openapi.json (seed $seed, $examples examples per operation)"
"$venv/bin/schemathesis" --config-file "$work/schemathesis.toml" run "$base/api/v1/openapi.json" \
    --header "Authorization: Bearer $token" \
    --checks not_a_server_error,status_code_conformance,response_schema_conformance \
    --exclude-path /api/v1/tokens \
    --phases examples,coverage,fuzzing \
    --max-examples "$examples" \
    --seed "$seed" \
    --rate-limit 580/m \
    --request-timeout 30 \
    --workers 1 \
    --generation-database none \
    --no-color

# A run whose token stopped working midway (an admin write on the admin's own account) tested only 401s.
if [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$base/api/v1/tickets")" != 200 ]; then
    echo "FAILED: the run's token no longer works, so the later operations were not really tested" >&2
    exit 1
fi
