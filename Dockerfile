# The Flicket image: one image, three binaries (flicket-web, flicket-mailer, flicket-scheduler).
#   docker build -t flicket:dev .
# Compose and the Kubernetes manifests choose the binary with the container's command.

ARG RUST_VERSION=1.95
ARG DEBIAN_RELEASE=bookworm

# ---- build ------------------------------------------------------------------------------------------------------
FROM rust:${RUST_VERSION}-slim-${DEBIAN_RELEASE} AS build
WORKDIR /src
# SQL is checked against the committed .sqlx/ data: no database at build time.
ENV SQLX_OFFLINE=true \
    CARGO_TERM_COLOR=never \
    CARGO_PROFILE_RELEASE_STRIP=debuginfo

# 1. Dependencies only, from the manifests and the lock file, with empty crates in place of ours: this layer is
#    rebuilt only when a Cargo.toml or Cargo.lock changes, not on every source edit.
COPY Cargo.toml Cargo.lock ./
COPY libs/core/Cargo.toml libs/core/
COPY services/web/Cargo.toml services/web/
COPY services/mailer/Cargo.toml services/mailer/
COPY services/scheduler/Cargo.toml services/scheduler/
RUN mkdir -p libs/core/src \
    && touch libs/core/src/lib.rs \
    && for s in web mailer scheduler; do \
         mkdir -p services/$s/src && touch services/$s/src/lib.rs && echo 'fn main() {}' > services/$s/src/main.rs; \
       done \
    && cargo build --release --locked --bins -p flicket-web -p flicket-mailer -p flicket-scheduler \
    && rm -rf libs/core/src services/*/src

# 2. Our crates. COPY keeps the files' own modification times, which can be older than the empty crates built
#    above: touch them so cargo rebuilds our crates instead of keeping the empty ones.
COPY .sqlx .sqlx
COPY migrations migrations
COPY libs libs
COPY services services
RUN find libs services -type f -exec touch {} + \
    && cargo build --release --locked --bins -p flicket-web -p flicket-mailer -p flicket-scheduler \
    && mkdir -p /out \
    && cp target/release/flicket-web target/release/flicket-mailer target/release/flicket-scheduler /out/

# ---- runtime ----------------------------------------------------------------------------------------------------
FROM debian:${DEBIAN_RELEASE}-slim AS runtime
# Templates, static assets, translations and migrations are compiled into the binaries; the image only adds CA
# certificates (SMTP, PostgreSQL, Redis over TLS). Nothing is downloaded when a container starts.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 flicket \
    && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home \
         --shell /usr/sbin/nologin flicket \
    && mkdir -p /data/uploads \
    && chown 10001:10001 /data/uploads
COPY --from=build /out/ /usr/local/bin/
COPY deploy/docker/healthcheck.sh /usr/local/bin/flicket-healthcheck

# Container defaults: listen on every interface, uploads in the volume, JSON logs. Secrets are never baked in.
ENV FLICKET_LISTEN=0.0.0.0:8080 \
    FLICKET_MAILER_LISTEN=0.0.0.0:8081 \
    FLICKET_SCHEDULER_LISTEN=0.0.0.0:8082 \
    FLICKET_UPLOAD_DIR=/data/uploads \
    FLICKET_LOG_FORMAT=json

LABEL org.opencontainers.image.title="Flicket" \
      org.opencontainers.image.description="Help-desk: flicket-web, flicket-mailer, flicket-scheduler" \
      org.opencontainers.image.licenses="MIT"

# A numeric user, so Kubernetes can check runAsNonRoot. The root filesystem can be read-only: the services write
# only to the uploads volume (and /tmp, mounted as a tmpfs by compose and Kubernetes).
USER 10001:10001
VOLUME ["/data/uploads"]
EXPOSE 8080 8081 8082
# Checks the web's port by default; the mailer and scheduler containers pass 8081 / 8082 (see docker-compose.yml).
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 CMD ["flicket-healthcheck"]
# The binaries handle SIGTERM themselves (graceful drain) and run as PID 1.
STOPSIGNAL SIGTERM
CMD ["flicket-web", "serve"]
