# syntax=docker/dockerfile:1
# Dictate in one image: the single binary built by scripts/build.sh (server, client, migrations,
# PGlite), on Debian with janus-pp-rec and ffmpeg for recordings, run as a non-root user.
# Janus runs in its own container (docker-compose.yml sets JANUS_URL); the image holds no Janus.

FROM node:20-bookworm-slim AS build
WORKDIR /src
# Dependencies first, so that a change in the sources does not reinstall them. Bun itself comes
# from npm (a devDependency); the unix-dgram override points into stubs/.
COPY package.json package-lock.json ./
COPY stubs ./stubs
RUN npm ci --no-audit --no-fund --loglevel=error
COPY . .
RUN bash scripts/build.sh /out/dictate

FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends janus-tools ffmpeg ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*
# uid 10001 matches the Janus image, so recordings on the shared volume belong to both.
RUN groupadd --system --gid 10001 dictate \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/dictate --shell /usr/sbin/nologin dictate \
 && mkdir -p /var/lib/dictate/recordings \
 && chown -R 10001:10001 /var/lib/dictate
COPY --from=build /out/dictate /usr/local/bin/dictate
USER 10001:10001
WORKDIR /var/lib/dictate
ENV PORT=3000 \
    HOST=0.0.0.0 \
    DATA_DIR=/var/lib/dictate \
    RECORDINGS_DIR=/var/lib/dictate/recordings
EXPOSE 3000
VOLUME ["/var/lib/dictate"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD curl -fsS "http://127.0.0.1:${PORT}/healthz" >/dev/null || exit 1
ENTRYPOINT ["/usr/local/bin/dictate"]
