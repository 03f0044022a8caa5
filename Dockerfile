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

# --- libcurl: HTTP and HTTPS only, from Debian's source package ----------------------------------
# Debian's libcurl4 links every protocol and auth library curl supports (GnuTLS via librtmp, Kerberos,
# LDAP, SSH, libidn2, libpsl, zstd, brotli): 28 shared objects, 12 MB of the image, none of which the
# agent uses (it speaks HTTP and HTTPS to STS endpoints, through an HTTP proxy at most). This is the same
# source with Debian's patches (security fixes included; `docker build --pull` picks up new ones), built
# with only OpenSSL, nghttp2 (HTTP/2 over TLS, as Debian's) and zlib: 0.4 MB, 4 shared objects in all.
# The OpenSSL flavour is the source without the last two patches (Debian's rules pop them the same way).
FROM ${BUILDER_BASE} AS libcurl
WORKDIR /usr/src/curl
# deb-src entries mirroring the deb ones, whichever format the base uses (deb822 or sources.list).
RUN set -eu; \
    for list in /etc/apt/sources.list.d/*.sources; do \
        if [ -e "$list" ]; then sed -i 's/^Types: deb$/Types: deb deb-src/' "$list"; fi; \
    done; \
    if [ -s /etc/apt/sources.list ]; then \
        sed -n 's/^deb /deb-src /p' /etc/apt/sources.list >/etc/apt/sources.list.d/deb-src.list; \
    fi; \
    apt-get update; \
    apt-get install -y --no-install-recommends dpkg-dev autoconf automake libtool make gcc libc6-dev \
        libssl-dev zlib1g-dev libnghttp2-dev; \
    apt-get source --download-only curl; \
    rm -rf /var/lib/apt/lists/*; \
    dpkg-source -x curl_*.dsc source; \
    patch -d source -R -p1 <source/debian/patches/99_nss.patch; \
    patch -d source -R -p1 <source/debian/patches/90_gnutls.patch
WORKDIR /usr/src/curl/source
RUN set -eu; \
    autoreconf -fi; \
    ./configure --prefix=/usr/local --disable-static --enable-shared --disable-dependency-tracking \
        --with-openssl --with-nghttp2 --with-zlib \
        --with-ca-bundle=/etc/ssl/certs/ca-certificates.crt --with-ca-path=/etc/ssl/certs \
        --enable-threaded-resolver --enable-versioned-symbols --enable-symbol-hiding \
        --disable-ftp --disable-file --disable-ldap --disable-ldaps --disable-rtsp --disable-dict --disable-telnet \
        --disable-tftp --disable-pop3 --disable-imap --disable-smb --disable-smtp --disable-gopher --disable-mqtt \
        --disable-manual --disable-libcurl-option --disable-ntlm-wb --disable-tls-srp --disable-unix-sockets \
        --disable-cookies --disable-mime --disable-doh --disable-netrc --disable-alt-svc --disable-hsts \
        --disable-get-easy-options --disable-headers-api \
        --without-brotli --without-zstd --without-libpsl --without-libidn2 --without-librtmp --without-libssh2 \
        --without-libssh --without-gssapi --without-libgsasl; \
    make -j"$(nproc)" -C lib; \
    make -C lib install-strip DESTDIR=/staging; \
    make -C include install DESTDIR=/staging; \
    make install-pkgconfigDATA DESTDIR=/staging; \
    rm /staging/usr/local/lib/libcurl.la; \
    grep -q '^  Protocols: *HTTP HTTPS$' config.log; \
    ls -l /staging/usr/local/lib

# --- build: release binary with the Swift runtime linked in -------------------------------------
FROM ${BUILDER_BASE} AS build
# The C libraries the Swift system-library targets link (see Package.swift) and what the lean libcurl
# loads; the CA roots for the runtime.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libssl-dev libyaml-dev libnghttp2-14 zlib1g pkg-config ca-certificates \
 && rm -rf /var/lib/apt/lists/*
# The lean libcurl in /usr/local, found first by pkg-config (CSFCurl); the binary names /usr/local/lib in
# its RUNPATH, so the loader takes this libcurl, not a Debian one, in the build stage and in the image.
COPY --from=libcurl /staging/usr/local/ /usr/local/
ENV PKG_CONFIG_PATH=/usr/local/lib/pkgconfig
WORKDIR /src
# Dependencies in their own layer: it is rebuilt only when the manifest changes.
COPY Package.swift ./
# Package.swift pins every package in the graph with `exact:`, so this resolves the same sources everywhere.
RUN swift package resolve
# SwiftPM loads every declared target, so the fuzz and test targets come along (not built).
COPY Sources ./Sources
COPY Fuzz ./Fuzz
COPY Tests ./Tests
# -Osize: smaller code for a process that is idle between refreshes; the release link settings (lld,
# no exported symbols, packed relocations, identical code folded) are in Package.swift (docs/benchmarks.md).
RUN swift build -c release --static-swift-stdlib --product skyferry -Xswiftc -Osize -Xlinker -s \
        -Xlinker -rpath -Xlinker /usr/local/lib \
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
    grep -q 'libcurl.so.4 => /usr/local/lib/libcurl.so.4 ' /tmp/ldd.txt; \
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
