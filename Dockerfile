# syntax=docker/dockerfile:1.7
# Lostrómos operator image: `docker build -t lostromos .`
#   docker run --rm lostromos version
#   docker run --rm -v $PWD/lostromos.yaml:/etc/lostromos/config/config.yaml:ro lostromos start --role all
# Runs as the non-root user `node` (uid 1000) and never writes outside /tmp, so it works with a read-only
# root filesystem (the Helm chart sets readOnlyRootFilesystem and mounts an emptyDir at /tmp).

ARG NODE_IMAGE=node:24-bookworm-slim

# ---- helm: the official release tarball, verified against a pinned sha256 --------------------------------
FROM debian:bookworm-slim AS helm
ARG HELM_VERSION=v4.1.4
# sha256 of helm-${HELM_VERSION}-linux-<arch>.tar.gz as published in the Helm release notes
# (https://github.com/helm/helm/releases/tag/v4.1.4). Override all three together when bumping the version.
ARG HELM_SHA256_AMD64=70b2c30a19da4db264dfd68c8a3664e05093a361cefd89572ffb36f8abfa3d09
ARG HELM_SHA256_ARM64=13d03672be289045d2ff00e4e345d61de1c6f21c1257a45955a30e8ae036d8f1
ARG TARGETARCH=amd64
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /helm
RUN set -eux; \
    case "${TARGETARCH}" in \
      amd64) sha="${HELM_SHA256_AMD64}" ;; \
      arm64) sha="${HELM_SHA256_ARM64}" ;; \
      *) echo "no pinned helm checksum for architecture ${TARGETARCH}" >&2; exit 1 ;; \
    esac; \
    tarball="helm-${HELM_VERSION}-linux-${TARGETARCH}.tar.gz"; \
    curl -fsSLO "https://get.helm.sh/${tarball}"; \
    echo "${sha}  ${tarball}" | sha256sum -c -; \
    tar -xzf "${tarball}" --strip-components=1 "linux-${TARGETARCH}/helm"; \
    ./helm version

# ---- build: all dependencies, compile the TypeScript workspaces -----------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /src
# Manifests first so the dependency layer is cached until a package.json or the lockfile changes.
COPY package.json package-lock.json ./
COPY libs/model/package.json libs/model/
COPY libs/config/package.json libs/config/
COPY libs/observability/package.json libs/observability/
COPY libs/render/package.json libs/render/
COPY libs/kube-sim/package.json libs/kube-sim/
COPY libs/kube/package.json libs/kube/
COPY libs/queue/package.json libs/queue/
COPY libs/reconcile/package.json libs/reconcile/
COPY apps/watcher/package.json apps/watcher/
COPY apps/worker/package.json apps/worker/
COPY apps/dashboard/package.json apps/dashboard/
COPY apps/cli/package.json apps/cli/
COPY apps/cli/bin apps/cli/bin/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build \
 && mkdir -p /out \
 && cp package.json package-lock.json /out/ \
 && for d in libs/* apps/*; do \
      mkdir -p "/out/$d" && cp "$d/package.json" "/out/$d/" && cp -R "$d/dist" "/out/$d/dist"; \
    done \
 && cp -R apps/cli/bin /out/apps/cli/bin \
 && cp -R templates /out/templates \
 && find /out -name '*.tsbuildinfo' -delete

# ---- prod-deps: production dependencies only, in a clean stage (no compilers, no dev tools) -------------
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY --from=build /out/ ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force

# ---- runtime -------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="lostromos" \
      org.opencontainers.image.description="Kubernetes operator that renders Custom Resources through Handlebars templates or Helm charts and keeps the objects in sync" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/lostromos/lostromos" \
      org.opencontainers.image.documentation="https://github.com/lostromos/lostromos/tree/main/docs" \
      org.opencontainers.image.vendor="Lostrómos contributors" \
      org.opencontainers.image.base.name="docker.io/library/node:24-bookworm-slim"

# tini is PID 1: it forwards SIGTERM/SIGINT to node (which drains workers and releases the Lease) and reaps
# zombies left by `helm template` child processes. -g signals the whole process group.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini ca-certificates \
 && rm -rf /var/lib/apt/lists/*

COPY --from=helm /helm/helm /usr/local/bin/helm
WORKDIR /app
# Owned by root and not writable by the runtime user: the code cannot be modified at run time.
COPY --from=prod-deps /app/ /app/
RUN ln -s /app/apps/cli/bin/lostromos.js /usr/local/bin/lostromos \
 && chmod 0755 /app/apps/cli/bin/lostromos.js \
 && mkdir -p /etc/lostromos

ENV NODE_ENV=production \
    HOME=/tmp \
    HELM_CACHE_HOME=/tmp/helm/cache \
    HELM_CONFIG_HOME=/tmp/helm/config \
    HELM_DATA_HOME=/tmp/helm/data

# /metrics /healthz /readyz /status (server.address) and the dashboard (dashboard.address).
EXPOSE 8080 3000

USER node

# Kubernetes uses the chart's probes on the same endpoint; this is for docker / docker compose.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

ENTRYPOINT ["/usr/bin/tini", "-g", "--", "lostromos"]
CMD ["start", "--config", "/etc/lostromos/config/config.yaml"]
