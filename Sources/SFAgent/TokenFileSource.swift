import FoundationEssentials
import SFCore
#if canImport(Glibc)
import Glibc
#endif

/// The `tokenFile` source: an OIDC JWT in a file, re-read on every exchange because the kubelet
/// rotates projected tokens by swapping a symlink (the path must be re-opened, never cached).
public struct TokenFileSource: IdentityTokenSource {
    public let path: String
    private let read: @Sendable (String) throws(TokenFileError) -> [UInt8]
    private let now: @Sendable () -> Date

    public init(path: String, now: @escaping @Sendable () -> Date,
                read: @escaping @Sendable (String) throws(TokenFileError) -> [UInt8] = TokenFileSource.readFile) {
        self.path = path
        self.now = now
        self.read = read
    }

    public var origin: String { "token file \(path)" }

    public func fetchToken() async throws -> IdentityToken {
        let bytes = try read(path)
        let token = try IdentityToken(decoding: String(decoding: bytes, as: UTF8.self), origin: origin)
        try token.checkValidity(now: now(), origin: origin)
        return token
    }

    /// Tokens are a few KiB; anything past this is not a token.
    public static let maxTokenBytes = 64 * 1024

    /// Reads a whole (small) file with open/read, keeping errno for the message.
    public static let readFile: @Sendable (String) throws(TokenFileError) -> [UInt8] = { path throws(TokenFileError) in
        let bytes = try readPrefix(path, maxBytes: maxTokenBytes + 1)
        if bytes.count > maxTokenBytes { throw .tooLarge(path: path, limit: maxTokenBytes) }
        return bytes
    }

    /// The first `maxBytes` bytes of a file (all of it when shorter): a bounded read, so that a huge or endless
    /// file costs no more than `maxBytes` of memory. Callers that cap a size read one byte past their cap.
    public static func readPrefix(_ path: String, maxBytes: Int) throws(TokenFileError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .unreadable(path: path, errno: errno) }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 8192)
        while out.count < maxBytes {
            let wanted = min(chunk.count, maxBytes - out.count)
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, wanted) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .unreadable(path: path, errno: errno)
            }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }
}

/// Why the token file could not be read.
public enum TokenFileError: Error, Sendable, Equatable, CustomStringConvertible, ClassifiedFailure {
    case unreadable(path: String, errno: Int32)
    case tooLarge(path: String, limit: Int)

    public var kind: FailureKind { .source }

    public var description: String {
        switch self {
        case .unreadable(let path, let code):
            let reason = String(cString: strerror(code))
            let hint = code == ENOENT
                ? "Is the projected service-account token volume mounted at that path?"
                : "Check the file's permissions against this process's user and group (fsGroup)."
            return "cannot read the identity token at \(path): \(reason). \(hint)"
        case .tooLarge(let path, let limit):
            return "the identity token file \(path) is larger than \(limit) bytes; it is not a JWT. Check source.tokenFile."
        }
    }
}
