import Logging
import NIOSSL
import SFFiles
import SFWebhook
import ServiceLifecycle
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Holds the serving certificate and key, and swaps them when the files change (cert-manager rotates
/// them in place, through the kubelet's atomic symlink swap), without a restart.
///
/// The first load fails fast (`init` throws); later reloads that fail log an error and keep serving
/// the previous certificate. Every TLS handshake reads the current pair through `override`.
public final class CertificateReloader: Service, Sendable {
    struct Loaded: Sendable {
        var chain: [NIOSSLCertificate]
        var key: NIOSSLPrivateKey
        var identity: FileIdentity
    }

    private let configuration: TLSFilesConfiguration
    private let logger: Logger
    private let current: Mutex<Loaded>
    /// The file identity of the last failed reload, so that one bad rotation logs once, not every interval.
    private let lastFailure = Mutex<FileIdentity?>(nil)
    private let onReloadFailure: @Sendable () -> Void

    /// `onReloadFailure`: called once per rotated pair that cannot be served (for a metric).
    public init(
        configuration: TLSFilesConfiguration,
        logger: Logger,
        onReloadFailure: @escaping @Sendable () -> Void = {}
    ) throws(CertificateError) {
        self.configuration = configuration
        self.logger = logger
        self.onReloadFailure = onReloadFailure
        self.current = Mutex(try Self.load(configuration))
    }

    /// The certificate chain and key for one handshake.
    public var override: NIOSSLContextConfigurationOverride {
        current.withLock { loaded in
            var override = NIOSSLContextConfigurationOverride()
            override.certificateChain = loaded.chain.map { .certificate($0) }
            override.privateKey = .privateKey(loaded.key)
            return override
        }
    }

    /// The initial pair, for the TLS configuration the server starts with.
    var initial: (chain: [NIOSSLCertificate], key: NIOSSLPrivateKey) {
        current.withLock { ($0.chain, $0.key) }
    }

    public func run() async throws {
        // On graceful shutdown the sleep is cancelled and the loop ends.
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(self.configuration.reloadIntervalSeconds))
                self.reloadIfChanged()
            }
        }
    }

    /// Reloads when the files' identity changed since the last successful load; returns true when it swapped.
    @discardableResult
    public func reloadIfChanged() -> Bool {
        let identity = FileIdentity(paths: [configuration.certFile, configuration.keyFile])
        guard identity != current.withLock({ $0.identity }), identity != lastFailure.withLock({ $0 }) else {
            return false
        }
        do {
            let loaded = try Self.load(configuration)
            current.withLock { $0 = loaded }
            lastFailure.withLock { $0 = nil }
            logger.info("serving certificate reloaded", metadata: ["file.path": "\(configuration.certFile)"])
            return true
        } catch {
            lastFailure.withLock { $0 = identity }
            onReloadFailure()
            logger.error(
                "serving certificate reload failed; still serving the previous certificate",
                metadata: [
                    "file.path": "\(configuration.certFile)", "tls.keyFile": "\(configuration.keyFile)",
                    "error": "\(error)",
                ]
            )
            return false
        }
    }

    static func load(_ configuration: TLSFilesConfiguration) throws(CertificateError) -> Loaded {
        // Identity first: if the files change while being read, the next check sees a difference and reloads.
        let identity = FileIdentity(paths: [configuration.certFile, configuration.keyFile])
        let certBytes = try read(configuration.certFile)
        let keyBytes = try read(configuration.keyFile)
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(certBytes)
        } catch {
            throw .invalid(path: configuration.certFile, what: "a PEM certificate chain", underlying: error)
        }
        guard !chain.isEmpty else {
            throw .invalid(path: configuration.certFile, what: "a PEM certificate chain", underlying: nil)
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(bytes: keyBytes, format: .pem)
        } catch {
            throw .invalid(path: configuration.keyFile, what: "a PEM private key", underlying: error)
        }
        // A key that does not belong to the leaf certificate fails every handshake: refuse the pair here instead
        // (BoringSSL checks the key against the certificate when both go into a context).
        do {
            let pair = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain.map { .certificate($0) },
                privateKey: .privateKey(key)
            )
            _ = try NIOSSLContext(configuration: pair)
        } catch {
            throw .mismatched(certFile: configuration.certFile, keyFile: configuration.keyFile, underlying: error)
        }
        return Loaded(chain: chain, key: key, identity: identity)
    }

    static let maximumFileBytes = 1024 * 1024

    static func read(_ path: String) throws(CertificateError) -> [UInt8] {
        do throws(SmallFileError) {
            return try SmallFile.read(path, limit: maximumFileBytes)
        } catch {
            switch error {
            case .unreadable(let path, let code): throw .unreadable(path: path, errno: code)
            case .tooLarge(let path, _): throw .invalid(path: path, what: "a PEM file under 1 MiB", underlying: nil)
            }
        }
    }
}

/// Why the serving certificate or key could not be loaded.
public enum CertificateError: Error, Sendable, CustomStringConvertible {
    case unreadable(path: String, errno: Int32)
    case invalid(path: String, what: String, underlying: (any Error)?)
    case mismatched(certFile: String, keyFile: String, underlying: any Error)

    public var description: String {
        switch self {
        case .unreadable(let path, let code):
            return
                "cannot read \(path): \(String(cString: strerror(code))). Is the TLS secret mounted there "
                + "(tls.certFile, tls.keyFile)?"
        case .invalid(let path, let what, let underlying):
            let cause = underlying.map { ": \($0)" } ?? ""
            return "\(path) does not hold \(what)\(cause). Check the TLS secret (cert-manager Certificate status)."
        case .mismatched(let certFile, let keyFile, let underlying):
            return "the private key in \(keyFile) does not match the certificate in \(certFile) (\(underlying)). "
                + "Both must come from the same TLS secret; check that the secret was not half-updated."
        }
    }
}
