#!/usr/bin/env bash
# `make bench`: seeds 1k users, 100k tickets and 500k replies into a dedicated database, starts the release build
# and measures each page with wrk (16 connections): requests/s, p50, p99, and CPU per request of the web process
# plus PostgreSQL. Also times the digest enqueue for 10k users x 100k tickets. Prints a table and writes it to
# docs/benchmarks.md. Figures are ratios within one run: the machine is shared and noisy.
set -euo pipefail
cd "$(dirname "$0")/.."

server=${PG_SERVER_URL:-postgres://postgres@127.0.0.1:5432}
db=flicket_bench
digest_db=flicket_bench_digest
port=${BENCH_PORT:-18080}
duration=${BENCH_DURATION:-10s}
users=${BENCH_USERS:-1000}
tickets=${BENCH_TICKETS:-100000}
replies=${BENCH_REPLIES:-5}
bin="${CARGO_TARGET_DIR:?}/release"
# The web's database pool: twice the cores PostgreSQL runs on (here the same machine). More connections than that only
# queue inside PostgreSQL: the same throughput with a longer tail (16 connections: p99 of /tickets ~33 ms, 4: ~23 ms).
db_pool=${BENCH_DB_POOL:-$(($(nproc) * 2))}

if ! command -v wrk >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
SQLX_OFFLINE=true cargo build --release --bins -q

calc() { awk "BEGIN { printf \"%.3f\", $1 }"; }

fresh_db() {
    psql -q "$server/postgres" -c "drop database if exists $1" -c "create database $1" >/dev/null 2>&1
    FLICKET_DATABASE_URL="$server/$1" RUST_LOG=warn "$bin/flicket-web" migrate >/dev/null
}

if [ -n "${BENCH_REUSE:-}" ] && psql -q "$server/$db" -c "select 1 from tickets limit 1" >/dev/null 2>&1; then
    # BENCH_REUSE=1: measure against the database a previous run seeded (migrated to the current schema).
    echo "reusing the seeded database $db"
    FLICKET_DATABASE_URL="$server/$db" RUST_LOG=warn "$bin/flicket-web" migrate >/dev/null
    psql -q "$server/$db" -c "delete from posts where content like 'Extra reply number %'" >/dev/null
    seed_secs=""
else
    echo "seeding $users users, $tickets tickets, $((tickets * replies)) replies…"
    fresh_db "$db"
    seed_started=$(date +%s.%N)
    FLICKET_DATABASE_URL="$server/$db" RUST_LOG=error "$bin/flicket-web" seed \
        --users "$users" --tickets "$tickets" --replies-per-ticket "$replies" --seed 42
    seed_secs=$(calc "$(date +%s.%N) - $seed_started")
fi
# The list is measured in its default order: forget a sort an earlier run may have left for the signed-in user.
psql -q "$server/$db" -c "vacuum analyze" -c "update settings set csv_limit = 1000" \
    -c "update users set ticket_sort = null where username = 'user1'" >/dev/null

FLICKET_DATABASE_URL="$server/$db" FLICKET_EMAIL_QUEUE=flicket:bench:email FLICKET_LISTEN="127.0.0.1:$port" FLICKET_BASE_URL="http://127.0.0.1:$port" \
    FLICKET_LOG_FORMAT=json RUST_LOG=warn FLICKET_DATABASE_MAX_CONNECTIONS="$db_pool" "$bin/flicket-web" serve >/tmp/flicket-bench-web.log 2>&1 &
web_pid=$!
trap 'kill $web_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done

# Sign in as a seeded user.
jar=$(mktemp)
token=$(curl -s -c "$jar" -b "$jar" "http://127.0.0.1:$port/login" | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"$//')
curl -s -o /dev/null -c "$jar" -b "$jar" --data-urlencode "csrf_token=$token" \
    --data-urlencode username=user1 --data-urlencode password=seeded-password "http://127.0.0.1:$port/login"
cookie=$(awk '$6 == "flicket_session" || $6 == "flicket_csrf" { printf "%s=%s; ", $6, $7 }' "$jar")

ticket_with_20=$(psql -tA "$server/$db" -c "select ticket_id from tickets order by ticket_id limit 1")
psql -q "$server/$db" -c "insert into posts (ticket_id, author_id, content) select $ticket_with_20, 1, 'Extra reply number ' || n from generate_series(1, 15) n" >/dev/null

ticks() { # utime+stime of the given processes, in clock ticks
    local total=0 pid
    for pid in "$@"; do
        [ -r "/proc/$pid/stat" ] || continue
        total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
    done
    echo "$total"
}
web_ticks() { ticks "$web_pid"; }
# The postmaster's reaped children: a backend that exits during a run takes its CPU time with it, unless counted here.
postmaster=$(head -1 "$(psql -tA "$server/$db" -c 'show data_directory')/postmaster.pid" 2>/dev/null || true)
reaped_ticks() {
    if [ -n "$postmaster" ] && [ -r "/proc/$postmaster/stat" ]; then
        awk '{print $16 + $17}' "/proc/$postmaster/stat"
    else
        echo 0
    fi
}
# Only the bench database's backends: other work on this server (tests, builds) must not count.
db_ticks() { echo $(($(ticks $(pgrep -f "^postgres: [^ ]+ [^ ]+ $db ")) + $(reaped_ticks))); }
hz=$(getconf CLK_TCK)

declare -a rows
healthz_rps=
measure() { # name path
    local name=$1 path=$2 out web_before db_before web_after db_after rps p50 p99 reqs cpu_ms web_ms db_ms
    wrk -t2 -c16 -d2s -H "Cookie: $cookie" "http://127.0.0.1:$port$path" >/dev/null 2>&1 || true
    web_before=$(web_ticks)
    db_before=$(db_ticks)
    out=$(wrk -t2 -c16 -d"$duration" --timeout 10s --latency -H "Cookie: $cookie" "http://127.0.0.1:$port$path")
    web_after=$(web_ticks)
    db_after=$(db_ticks)
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
    p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
    reqs=$(echo "$out" | awk '/requests in/ {print $1}')
    if echo "$out" | grep -q "Non-2xx"; then
        echo "warning: $name answered non-2xx: $(echo "$out" | grep Non-2xx)" >&2
    fi
    web_ms=$(calc "($web_after - $web_before) * 1000 / $hz / $reqs")
    db_ms=$(calc "($db_after - $db_before) * 1000 / $hz / $reqs")
    cpu_ms=$(calc "$web_ms + $db_ms")
    [ -z "$healthz_rps" ] && healthz_rps=$rps
    local frac
    frac=$(awk "BEGIN { printf \"%.2g\", $rps / $healthz_rps }")
    rows+=("| $name | \`$path\` | $rps | $frac | $p50 | $p99 | $cpu_ms | $web_ms | $db_ms |")
    echo "  $name: $rps req/s, p50 $p50, p99 $p99, $cpu_ms ms CPU/request (web $web_ms, PostgreSQL $db_ms)"
}

echo "measuring ($duration each, 16 connections, database pool of $db_pool)…"
measure healthz /healthz
measure login /login
measure "tickets p1" /tickets
measure "tickets p500" "/tickets?page=500"
measure "ticket, 20 replies" "/tickets/$ticket_with_20"
measure search "/tickets?q=imprimante"
measure "csv 1000 rows" "/tickets.csv?sort=ticketid"
measure dashboard /
web_rss_mb=$(awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$web_pid/status")
echo "  web peak RSS: ${web_rss_mb} MB"
kill $web_pid 2>/dev/null || true
if [ -n "${BENCH_PAGES_ONLY:-}" ]; then
    # BENCH_PAGES_ONLY=1: the pages only, for a quick look; docs/benchmarks.md is left as it is.
    exit 0
fi

echo "digest: 10k users x $tickets tickets…"
fresh_db "$digest_db"
FLICKET_DATABASE_URL="$server/$digest_db" RUST_LOG=error "$bin/flicket-web" seed \
    --users 10000 --tickets "$tickets" --replies-per-ticket 0 --seed 43 >/dev/null
psql -q "$server/$digest_db" -c "vacuum analyze" >/dev/null
digest_started=$(date +%s.%N)
digest_out=$(FLICKET_DATABASE_URL="$server/$digest_db" RUST_LOG=error "$bin/flicket-scheduler" run digest --period bench)
digest_secs=$(calc "$(date +%s.%N) - $digest_started")
echo "  $digest_out in ${digest_secs}s"

echo "mailer: emails per second into a local SMTP sink (release build)…"
mailer_out=$(DATABASE_URL="$server/postgres" SQLX_OFFLINE=true cargo test -q --release -p flicket-mailer --test notify \
    bench -- --ignored --nocapture 2>/dev/null | grep 'mailer throughput' || echo 'mailer throughput: the benchmark failed')
echo "  $mailer_out"

# The model name alone can hide generations ("AMD EPYC"): family and model tell them apart, with the clock.
cpu=$(awk -F: '/model name/ {n=$2} /cpu family/ {f=$2} /^model[ \t]*:/ {m=$2} /cpu MHz/ {c=$2}
               END {gsub(/^ +/, "", n); printf "%s, family%s model%s, %.0f MHz", n, f, m, c}' /proc/cpuinfo)
{
    echo "# Benchmarks"
    echo
    echo "Produced by \`make bench\` ($(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown))."
    echo "Machine: $(nproc) cores ($cpu), $(free -g | awk '/Mem:/ {print $2}') GiB RAM, shared with other work: compare the"
    echo "ratios within this run, not absolute numbers across runs."
    echo
    if [ -n "$seed_secs" ]; then seeded="seeded in ${seed_secs} s"; else seeded="seeded by an earlier run, reused with BENCH_REUSE=1"; fi
    echo "Data: $users users, $tickets tickets, $((tickets * replies)) replies ($seeded). Release build with a database"
    echo "pool of $db_pool connections (twice the cores), wrk with 2 threads and 16 connections for $duration per page,"
    echo "signed in. CPU per request = (web process + the PostgreSQL backends connected to the bench database, and any"
    echo "PostgreSQL process that exited during the run, such as parallel workers) CPU time during the run / requests"
    echo "served, split into the two."
    echo
    echo "| page | path | req/s | of /healthz | p50 | p99 | CPU ms/request | of which web | of which PostgreSQL |"
    echo "|---|---|---|---|---|---|---|---|---|"
    printf '%s\n' "${rows[@]}"
    echo
    echo "Web process peak RSS over the whole run: ${web_rss_mb} MB (target: ≤ 60 MB)."
    echo
    echo "Digest: $digest_out for 10,000 users and $tickets tickets, in ${digest_secs} s (target: ≤ 10 s)."
    echo
    echo "Mailer: $mailer_out (target: ≥ 200 emails/s)."
} > docs/benchmarks.md
echo
cat docs/benchmarks.md
