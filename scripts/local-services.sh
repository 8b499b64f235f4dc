#!/usr/bin/env bash
# PostgreSQL, Redis and NATS for `make run` on a machine where they may not be running.
#
# For each of FLICKET_DATABASE_URL, FLICKET_REDIS_URL and FLICKET_NATS_URL that points at this machine and does not
# answer, starts a private server from the installed binaries, with its data under $LOCAL_SERVICES_DATA (default
# `data/`, git-ignored) and on the URL's port (initdb with trust authentication on the first run). A service that
# answers is used as it is. `local_services_stop` stops only what was started here.
#
# Sourced by scripts/run.sh. Run on its own, it starts what is missing, waits for Ctrl-C (or SIGTERM) and stops it.
# The binaries are looked up on PATH (PostgreSQL also in /usr/lib/postgresql/*/bin); POSTGRES_BINDIR, REDIS_SERVER
# and NATS_SERVER name them explicitly. (These variables are not FLICKET_*: the services refuse unknown FLICKET_* names.)

export FLICKET_DATABASE_URL="${FLICKET_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/flicket}"
export FLICKET_REDIS_URL="${FLICKET_REDIS_URL:-redis://127.0.0.1:6379/0}"
export FLICKET_NATS_URL="${FLICKET_NATS_URL:-nats://127.0.0.1:4222}"
LOCAL_SERVICES_DATA="${LOCAL_SERVICES_DATA:-$PWD/data}"

local_services_started=()
# Their own session, so that the Ctrl-C of the terminal reaches run.sh only and they stop after the services that
# use them (pg_ctl detaches PostgreSQL by itself).
detach=
command -v setsid >/dev/null 2>&1 && detach=setsid

# "host port" of a URL (scheme://[user@]host[:port]/…), with the scheme's usual port when none is given.
url_host_port() {
    local url=$1 default=$2 rest host port
    rest=${url#*://}
    rest=${rest%%/*}
    rest=${rest##*@}
    if [[ $rest =~ ^\[([^]]*)\](:([0-9]+))?$ ]]; then
        host=${BASH_REMATCH[1]} port=${BASH_REMATCH[3]}
    elif [[ $rest =~ ^([^:]*)(:([0-9]+))?$ ]]; then
        host=${BASH_REMATCH[1]} port=${BASH_REMATCH[3]}
    else
        host=$rest
    fi
    echo "${host:-127.0.0.1} ${port:-$default}"
}

is_local() {
    case $1 in 127.0.0.1 | localhost | ::1) return 0 ;; *) return 1 ;; esac
}

answers() { # host port
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

wait_until_answers() { # name host port log
    for _ in $(seq 1 100); do
        answers "$2" "$3" && return 0
        sleep 0.2
    done
    echo "$1 did not start on $2:$3; its log is $4" >&2
    return 1
}

find_binary() { # name [extra directories…]
    local name=$1 dir
    shift
    if command -v "$name" >/dev/null 2>&1; then
        command -v "$name"
        return 0
    fi
    for dir in "$@" /usr/sbin /usr/local/sbin; do
        if [ -x "$dir/$name" ]; then
            echo "$dir/$name"
            return 0
        fi
    done
    return 1
}

missing() { # what package
    echo "$1 is not answering and cannot be started here: $2" >&2
    return 1
}

# PostgreSQL refuses to run as root: as root, its files belong to the `postgres` account and it runs as that one.
as_pg_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

start_postgres() { # host port
    local bindir= pg_ctl dir=$LOCAL_SERVICES_DATA/postgres log=$LOCAL_SERVICES_DATA/postgres.log b
    if [ -n "${POSTGRES_BINDIR:-}" ]; then
        bindir=$POSTGRES_BINDIR
    elif pg_ctl=$(find_binary pg_ctl $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r)); then
        bindir=$(dirname "$pg_ctl")
    fi
    for b in initdb pg_ctl postgres; do
        if [ -z "$bindir" ] || [ ! -x "$bindir/$b" ]; then
            missing "PostgreSQL on $1:$2" \
                "the binary '$b' is not installed (looked in ${bindir:-PATH and /usr/lib/postgresql/*/bin}; Debian/Ubuntu: apt-get install postgresql)"
            return 1
        fi
    done
    mkdir -p "$dir"
    chmod 700 "$dir"
    if [ "$(id -u)" = 0 ]; then
        chown postgres: "$dir"
        touch "$log" && chown postgres: "$log"
    fi
    if [ ! -s "$dir/PG_VERSION" ]; then
        echo "PostgreSQL: first run, creating a cluster in $dir (trust authentication, local connections only)"
        as_pg_owner "$bindir/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --no-instructions >>"$log" 2>&1 || {
            echo "initdb failed; its output is in $log" >&2
            return 1
        }
    fi
    echo "PostgreSQL is not answering on $1:$2: starting $bindir/postgres (data in $dir, log in $log)"
    as_pg_owner "$bindir/pg_ctl" -D "$dir" -l "$log" -w -t 60 \
        -o "-p $2 -c listen_addresses=$1 -c unix_socket_directories=$dir" start >/dev/null || {
        echo "PostgreSQL did not start; its log is $log" >&2
        return 1
    }
    local_services_started+=("postgres:$bindir/pg_ctl:$dir")
}

start_redis() { # host port
    local bin dir=$LOCAL_SERVICES_DATA/redis log=$LOCAL_SERVICES_DATA/redis.log
    bin=${REDIS_SERVER:-$(find_binary redis-server)} || bin=
    if [ -z "$bin" ] || [ ! -x "$bin" ]; then
        missing "Redis on $1:$2" \
            "the binary 'redis-server' is not installed (looked for ${bin:-it on PATH}; Debian/Ubuntu: apt-get install redis-server)"
        return 1
    fi
    mkdir -p "$dir"
    echo "Redis is not answering on $1:$2: starting $bin (data in $dir, log in $log)"
    $detach "$bin" --bind "$1" --port "$2" --dir "$dir" --appendonly yes --save "" --daemonize no \
        --logfile "$log" >/dev/null 2>&1 </dev/null &
    local_services_started+=("redis:$!")
    wait_until_answers Redis "$1" "$2" "$log"
}

start_nats() { # host port
    local bin dir=$LOCAL_SERVICES_DATA/nats log=$LOCAL_SERVICES_DATA/nats.log
    bin=${NATS_SERVER:-$(find_binary nats-server)} || bin=
    if [ -z "$bin" ] || [ ! -x "$bin" ]; then
        missing "NATS on $1:$2" \
            "the binary 'nats-server' is not installed (looked for ${bin:-it on PATH and in /usr/sbin}; Debian/Ubuntu: apt-get install nats-server, or https://nats.io/download)"
        return 1
    fi
    mkdir -p "$dir"
    echo "NATS is not answering on $1:$2: starting $bin (JetStream data in $dir, log in $log)"
    $detach "$bin" -a "$1" -p "$2" -js -sd "$dir" -l "$log" >/dev/null 2>&1 </dev/null &
    local_services_started+=("nats:$!")
    wait_until_answers NATS "$1" "$2" "$log"
}

# Starts each local service that does not answer; fails (after stopping what it started) if one cannot be.
local_services_start() {
    local hp
    read -r -a hp <<<"$(url_host_port "$FLICKET_DATABASE_URL" 5432)"
    if is_local "${hp[0]}" && ! answers "${hp[@]}"; then
        start_postgres "${hp[@]}" || { local_services_stop; return 1; }
    fi
    read -r -a hp <<<"$(url_host_port "$FLICKET_REDIS_URL" 6379)"
    if is_local "${hp[0]}" && ! answers "${hp[@]}"; then
        start_redis "${hp[@]}" || { local_services_stop; return 1; }
    fi
    read -r -a hp <<<"$(url_host_port "$FLICKET_NATS_URL" 4222)"
    if is_local "${hp[0]}" && ! answers "${hp[@]}"; then
        start_nats "${hp[@]}" || { local_services_stop; return 1; }
    fi
}

# Stops what local_services_start started, newest first, and waits for each to exit.
local_services_stop() {
    local i entry kind rest
    for ((i = ${#local_services_started[@]} - 1; i >= 0; i--)); do
        entry=${local_services_started[i]}
        kind=${entry%%:*}
        rest=${entry#*:}
        case $kind in
            postgres)
                echo "stopping the private PostgreSQL"
                as_pg_owner "${rest%%:*}" -D "${rest#*:}" -m fast -w stop >/dev/null 2>&1 || true
                ;;
            *)
                [ "$kind" = nats ] && kind=NATS || kind=Redis
                echo "stopping the private $kind"
                kill -TERM "$rest" 2>/dev/null || true
                wait "$rest" 2>/dev/null || true
                ;;
        esac
    done
    local_services_started=()
# Their own session, so that the Ctrl-C of the terminal reaches run.sh only and they stop after the services that
# use them (pg_ctl detaches PostgreSQL by itself).
detach=
command -v setsid >/dev/null 2>&1 && detach=setsid
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    trap 'local_services_stop; exit 0' INT TERM
    local_services_start
    echo "local services ready (Ctrl-C stops what was started here)"
    while :; do
        sleep 1 &
        wait $! || true
    done
fi
