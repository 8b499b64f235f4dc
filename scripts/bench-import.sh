#!/usr/bin/env bash
# `make bench-import` (also run by `make bench`): the import rate of `flicket-web import flicket` (release build) from
# a PostgreSQL Flicket 0.3.x database of 10,000 tickets and 50,000 replies (scripts/flicket-bench-source.sql), and
# its peak memory against a source five times smaller (streaming: it must not grow with the source). Prints the
# figures and writes them to docs/benchmarks-import.md.
set -euo pipefail
cd "$(dirname "$0")/.."

server=${PG_SERVER_URL:-postgres://postgres@127.0.0.1:5432}
src=flicket_bench_import_src
small=flicket_bench_import_small
dst=flicket_bench_import
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
export SQLX_OFFLINE=true
cargo build -q --release -p flicket-web --bin flicket-web
bin="$CARGO_TARGET_DIR/release/flicket-web"
export FLICKET_SECRET_KEY=${FLICKET_SECRET_KEY:-bench-secret-key-that-is-long-enough-000000}
export FLICKET_UPLOAD_DIR=$(mktemp -d)
export FLICKET_LOG_FORMAT=json
trap 'rm -rf "$FLICKET_UPLOAD_DIR"; for d in $src $small $dst; do psql -q "$server/postgres" -c "drop database if exists $d with (force)" >/dev/null 2>&1 || true; done' EXIT

fresh() { psql -q "$server/postgres" -c "drop database if exists $1 with (force)" -c "create database $1" >/dev/null; }

fresh $src
psql -q -v ON_ERROR_STOP=1 "$server/$src" -f services/web/tests/fixtures/flicket/schema-postgres.sql -f scripts/flicket-bench-source.sql >/dev/null
fresh $small
psql -q -v ON_ERROR_STOP=1 "$server/$small" -f services/web/tests/fixtures/flicket/schema-postgres.sql -f scripts/flicket-bench-source.sql >/dev/null
psql -q -v ON_ERROR_STOP=1 "$server/$small" >/dev/null <<'SQL'
delete from flicket_uploads where topic_id > 2000 or posts_id in (select id from flicket_post where ticket_id > 2000);
delete from flicket_history where topic_id > 2000 or post_id in (select id from flicket_post where ticket_id > 2000);
delete from flicket_ticket_action where ticket_id > 2000;
delete from flicket_ticket_subscription where ticket_id > 2000;
delete from flicket_post where ticket_id > 2000;
delete from flicket_topic where id > 2000;
SQL

count() { psql -tA "$server/$1" -c "select count(*) from $2"; }

# One import into a fresh database: prints "seconds peak-RSS-kB".
import_once() {
    fresh $dst
    FLICKET_DATABASE_URL="$server/$dst" "$bin" migrate >/dev/null 2>&1
    /usr/bin/time -f '%e %M' -o /tmp/flicket-bench-import.time \
        env FLICKET_DATABASE_URL="$server/$dst" "$bin" import flicket --from "$server/$1" --timezone Europe/Paris \
        >/tmp/flicket-bench-import.out 2>/tmp/flicket-bench-import.err
    cat /tmp/flicket-bench-import.time
}

read -r small_s small_kb < <(import_once $small)
read -r big_s big_kb < <(import_once $src)
tickets=$(count $dst tickets)
posts=$(count $dst posts)
activities=$(count $dst activities)
/usr/bin/time -f '%e' -o /tmp/flicket-bench-import.time \
    env FLICKET_DATABASE_URL="$server/$dst" "$bin" import flicket --from "$server/$src" >/dev/null 2>&1
again_s=$(cat /tmp/flicket-bench-import.time)
rows=$(awk '/row\(s\) imported/ {print $1}' /tmp/flicket-bench-import.out)
rate=$(awk -v r="$rows" -v s="$big_s" 'BEGIN { printf "%.0f", r / s }')
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')

{
    echo "# Import from Flicket (make bench-import)"
    echo
    echo "Release build, $(nproc) cores ($cpu), PostgreSQL source and target on this machine, $(date -u +%Y-%m-%d)."
    echo "Source: scripts/flicket-bench-source.sql (10,000 tickets, 50,000 replies, 30,000 actions, 20,000"
    echo "subscriptions, 7,500 edits, 1,000 uploads whose files are absent); the small source keeps tickets 1–2,000."
    echo
    echo "| Run | Wall time | Peak RSS |"
    echo "|---|---|---|"
    echo "| 10k tickets / 50k replies ($rows rows written: $tickets tickets, $posts replies, $activities activities) | ${big_s} s ($rate rows/s) | $((big_kb / 1024)) MB |"
    echo "| 2k tickets / 10k replies | ${small_s} s | $((small_kb / 1024)) MB |"
    echo "| second run over the 10k import (nothing new) | ${again_s} s | |"
    echo
    echo "Peak memory of the 10k run over the 2k run: $(awk -v a="$big_kb" -v b="$small_kb" 'BEGIN { printf "%.2f", a / b }')×"
    echo "(streaming: batches of 1,000 rows; only users and the catalog are held)."
} > docs/benchmarks-import.md
cat docs/benchmarks-import.md
