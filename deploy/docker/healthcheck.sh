#!/bin/bash
# Container health check without curl: GET /healthz over bash's /dev/tcp and expect a 200 status line.
# Usage: flicket-healthcheck [PORT]  (default: $HEALTHCHECK_PORT, else 8080 — web; mailer 8081, scheduler 8082)
set -u
port="${1:-${HEALTHCHECK_PORT:-8080}}"
exec 3<>"/dev/tcp/127.0.0.1/${port}" || exit 1
printf 'GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
IFS= read -r -t 3 status <&3 || exit 1
exec 3<&-
case "$status" in
    "HTTP/1."[01]" 200"*) exit 0 ;;
    *) echo "unhealthy: ${status}" >&2; exit 1 ;;
esac
