import SFCore
import SFFiles
import Synchronization

/// The webhook's own ServiceAccount token for the API server, re-read as the kubelet rotates it: at most a
/// minute old, and at once after a `401` (`invalidate()`).
public final class KubernetesTokenFile: Sendable {
    public static let rereadInterval = Duration.seconds(60)
    static let maximumBytes = 64 * 1024

    public let path: String
    private let cached = Mutex<(token: String, read: ContinuousClock.Instant)?>(nil)

    public init(path: String) {
        self.path = path
    }

    /// The token (never logged); a missing or empty file is an error naming the path.
    public func current(now: ContinuousClock.Instant = .now) throws(KubernetesTokenError) -> String {
        if let entry = cached.withLock({ $0 }), now - entry.read < Self.rereadInterval { return entry.token }
        let bytes: [UInt8]
        do throws(SmallFileError) {
            bytes = try SmallFile.read(path, limit: Self.maximumBytes)
        } catch {
            throw .unreadable(path: path, underlying: error)
        }
        let token = String(decoding: bytes, as: UTF8.self).trimmingASCIIWhitespace()
        guard !token.isEmpty else { throw .empty(path: path) }
        cached.withLock { $0 = (token, now) }
        return token
    }

    /// The API server refused the token: read the file again on the next request.
    public func invalidate() {
        cached.withLock { $0 = nil }
    }
}

/// Why the webhook has no token for the API server.
public enum KubernetesTokenError: Error, Sendable, CustomStringConvertible {
    case unreadable(path: String, underlying: any Error)
    case empty(path: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let underlying):
            return "cannot read the ServiceAccount token at \(path): \(underlying). Is the webhook's ServiceAccount "
                + "token mounted (automountServiceAccountToken, kubernetes.tokenFile)?"
        case .empty(let path):
            return "the ServiceAccount token at \(path) is empty (kubernetes.tokenFile)"
        }
    }
}
