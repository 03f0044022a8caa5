# Skyferry: one image for the credential agent (sidecar / init container / VM) and the admission webhook.
#
#   docker build -t ghcr.io/skyferry/skyferry:0.1.0 .
#
# The base images are build arguments so that scripts/image-test.sh can build this file unchanged
# from local stand-ins (no registry access on the development machine); real builds use the defaults.
ARG BUILDER_BASE=swift:6.3-bookworm
ARG RUNTIME_BASE=debian:bookworm-slim

# --- build: release binary with the Swift runtime linked in -------------------------------------
FROM ${BUILDER_BASE} AS build
# The C libraries the Swift system-library targets link (see Package.swift).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libcurl4-openssl-dev libssl-dev libyaml-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies in their own layer: it is rebuilt only when the manifest changes.
COPY Package.swift ./
# Package.swift pins every package in the graph with `exact:`, so this resolves the same sources everywhere.
RUN swift package resolve
# SwiftPM loads every declared target, so the fuzz and test targets come along (not built).
COPY Sources ./Sources
COPY Fuzz ./Fuzz
COPY Tests ./Tests
RUN swift build -c release --static-swift-stdlib --product skyferry -Xlinker -s \
 && install -D -m 0755 "$(swift build -c release --static-swift-stdlib --show-bin-path)/skyferry" /out/skyferry

# --- runtime: slim Debian with only the shared libraries the binary links -----------------------
FROM ${RUNTIME_BASE}
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="skyferry" \
      org.opencontainers.image.description="Keyless cross-cloud credentials: agent (sidecar, init container) and Kubernetes admission webhook" \
      org.opencontainers.image.source="https://github.com/skyferry/skyferry" \
      org.opencontainers.image.url="https://github.com/skyferry/skyferry" \
      org.opencontainers.image.version="${VERSION}"
# libcurl (HTTP transport), libcrypto (SigV4 HMAC), libyaml (configuration), CA roots for the STS endpoints.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libcurl4 libssl3 libyaml-0-2 ca-certificates \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*
COPY --from=build --chown=0:0 --chmod=0755 /out/skyferry /usr/local/bin/skyferry
# Numeric, so that Kubernetes' runAsNonRoot can verify it without an /etc/passwd entry.
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/skyferry"]
CMD ["--help"]
