# Skyferry: one image for the credential agent (sidecar / init container / VM) and the admission webhook.
#
#   docker build -t ghcr.io/skyferry/skyferry:0.1.0 .
#
# The runtime is `scratch`: the stripped binary, the exact shared objects it loads (resolved from the
# binary in the build stage, not a hand-kept list), the CA bundle, and /etc files for uid 65532 and
# name resolution. No shell, no package manager.
# The builder base is a build argument so that scripts/image-test.sh can build this file unchanged
# from a local stand-in (no registry access on the development machine); real builds use the default.
ARG BUILDER_BASE=swift:6.3-bookworm

# --- build: release binary with the Swift runtime linked in -------------------------------------
FROM ${BUILDER_BASE} AS build
# The C libraries the Swift system-library targets link (see Package.swift); the CA roots for the runtime.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libcurl4-openssl-dev libssl-dev libyaml-dev pkg-config ca-certificates \
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
# -Osize: smaller code for a process that is idle between refreshes (see docs/benchmarks.md).
RUN swift build -c release --static-swift-stdlib --product skyferry -Xswiftc -Osize -Xlinker -s \
 && install -D -m 0755 "$(swift build -c release --static-swift-stdlib --show-bin-path)/skyferry" /out/skyferry

# The runtime root file system, staged in /rootfs.
# Shared objects: whatever the dynamic loader resolves for this binary (ldd lists the whole transitive
# closure and the loader itself), copied to the same paths, symlinks followed. A dependency added
# later comes along by itself; one the loader cannot find fails the build here.
# glibc >= 2.34 has the files and dns NSS modules built in, so nothing is dlopen'ed for getaddrinfo.
RUN set -eu; \
    ldd /out/skyferry >/tmp/ldd.txt; \
    cat /tmp/ldd.txt; \
    if grep -q 'not found' /tmp/ldd.txt; then echo "unresolved shared objects (above)" >&2; exit 1; fi; \
    awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' /tmp/ldd.txt >/tmp/closure.txt; \
    grep -q . /tmp/closure.txt; \
    while read -r so; do \
        mkdir -p "/rootfs$(dirname "$so")"; \
        cp -L --preserve=mode "$so" "/rootfs$so"; \
    done </tmp/closure.txt; \
    mkdir -p /rootfs/etc/ssl/certs /rootfs/tmp /rootfs/usr/local/bin; \
    chmod 1777 /rootfs/tmp; \
    cp -L /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/ca-certificates.crt; \
    printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' \
        'nonroot:x:65532:65532:nonroot:/nonexistent:/sbin/nologin' >/rootfs/etc/passwd; \
    printf 'root:x:0:\nnonroot:x:65532:\n' >/rootfs/etc/group; \
    printf 'passwd: files\ngroup: files\nhosts: files dns\n' >/rootfs/etc/nsswitch.conf; \
    chmod 0644 /rootfs/etc/passwd /rootfs/etc/group /rootfs/etc/nsswitch.conf \
        /rootfs/etc/ssl/certs/ca-certificates.crt; \
    cp /out/skyferry /rootfs/usr/local/bin/skyferry; \
    chroot /rootfs /usr/local/bin/skyferry version; \
    rm /rootfs/usr/local/bin/skyferry

# --- runtime: scratch ---------------------------------------------------------------------------
FROM scratch
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="skyferry" \
      org.opencontainers.image.description="Keyless cross-cloud credentials: agent (sidecar, init container) and Kubernetes admission webhook" \
      org.opencontainers.image.source="https://github.com/skyferry/skyferry" \
      org.opencontainers.image.url="https://github.com/skyferry/skyferry" \
      org.opencontainers.image.version="${VERSION}"
# Shared objects, loader, CA roots, /etc/{passwd,group,nsswitch.conf}, /tmp: changes only with the builder base.
COPY --from=build --chown=0:0 /rootfs/ /
COPY --from=build --chown=0:0 --chmod=0755 /out/skyferry /usr/local/bin/skyferry
# Numeric, so that Kubernetes' runAsNonRoot can verify it; /etc/passwd names it too (nonroot).
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/skyferry"]
CMD ["--help"]
