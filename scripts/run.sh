#!/usr/bin/env bash
# `make run`: build, start PostgreSQL, Redis and NATS under data/ if they are not running (scripts/local-services.sh),
# migrate, set up on first run, then run web, mailer and scheduler until Ctrl-C, which stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."

bin="${CARGO_TARGET_DIR:?}/debug"
# shellcheck source=scripts/local-services.sh
. scripts/local-services.sh
export FLICKET_BASE_URL="${FLICKET_BASE_URL:-http://127.0.0.1:8080}"
export FLICKET_UPLOAD_DIR="${FLICKET_UPLOAD_DIR:-$PWD/data/uploads}"
# A laptop sends mail to a local sink: let the SMTP settings point at it (never set this in production).
export FLICKET_SMTP_ALLOW_PRIVATE="${FLICKET_SMTP_ALLOW_PRIVATE:-true}"

cargo build --workspace --bins
mkdir -p "$FLICKET_UPLOAD_DIR"

pids=()
stopped=
stop() {
    trap - INT TERM EXIT
    [ -n "$stopped" ] && return
    stopped=1
    echo "stopping…"
    if [ "${#pids[@]}" -gt 0 ]; then
        kill -TERM "${pids[@]}" 2>/dev/null || true
        wait "${pids[@]}" 2>/dev/null || true
    fi
    local_services_stop
}
trap stop INT TERM EXIT
local_services_start

if ! "$bin/flicket-web" migrate; then
    echo "Could not reach PostgreSQL at ${FLICKET_DATABASE_URL%%@*}@…: is it running? (see README, «Local services»)" >&2
    exit 1
fi
"$bin/flicket-web" setup

"$bin/flicket-web" serve & pids+=($!)
"$bin/flicket-mailer" & pids+=($!)
"$bin/flicket-scheduler" & pids+=($!)

echo
echo "Flicket is running at $FLICKET_BASE_URL (mailer: http://${FLICKET_MAILER_LISTEN:-127.0.0.1:8081}/readyz, scheduler: http://${FLICKET_SCHEDULER_LISTEN:-127.0.0.1:8082}/readyz)."
echo "Press Ctrl-C to stop."
wait -n "${pids[@]}" || true
stop
