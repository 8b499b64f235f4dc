# The verbs a person types. `make run` and `make test` work on a fresh machine with the local services running.

CARGO_TARGET_DIR ?= $(HOME)/.cache/flicket/target
export CARGO_TARGET_DIR
# Builds use the committed .sqlx/ query data: no database is needed to compile.
export SQLX_OFFLINE ?= true
# Tests create one database per test on this server.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres

.PHONY: run test lint fmt sqlx-prepare sqlx-check build bench bench-import

run:
	@scripts/run.sh

build:
	cargo build --workspace --all-targets

test: module-graph build validate-deploy schemathesis
	DATABASE_URL=$(TEST_DATABASE_URL) cargo test --workspace --all-targets

# The live /api/v1 against its OpenAPI document (schemathesis from PyPI, in a cached virtualenv).
.PHONY: schemathesis
schemathesis:
	scripts/schemathesis.sh

# Dockerfile, docker-compose.yml and the Kubernetes overlays, offline (installs its tools if missing).
.PHONY: validate-deploy
validate-deploy:
	scripts/validate-deploy.sh

lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
	scripts/check-core-deps.sh
	$(MAKE) --no-print-directory module-graph

# The web's module graph: no area imports another area, no plumbing imports an area (the script checks itself first).
.PHONY: module-graph
module-graph:
	python3 scripts/module-graph.py --self-test
	python3 scripts/module-graph.py

fmt:
	cargo fmt --all

# After changing a query or a migration: regenerate .sqlx/ and commit it.
sqlx-prepare:
	SQLX_OFFLINE=false scripts/sqlx-prepare.sh

sqlx-check:
	SQLX_OFFLINE=false scripts/sqlx-prepare.sh --check

# Seeds a large dedicated database, measures the release build with wrk, writes docs/benchmarks.md.
# It also measures the mailer (below) and writes every figure to docs/benchmarks.md.
bench:
	scripts/bench.sh
	scripts/bench-import.sh
# The import rate of `flicket-web import flicket` for 10k tickets / 50k replies, written to docs/benchmarks-import.md.
bench-import:
	scripts/bench-import.sh
# Emails per second from the queue into a local SMTP sink for one mailer (release build, real Redis and PostgreSQL).
bench-mailer:
	DATABASE_URL=$(TEST_DATABASE_URL) cargo test --release -p flicket-mailer --test notify bench -- --ignored --nocapture
