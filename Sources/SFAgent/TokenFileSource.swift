import FoundationEssentials
import SFCore
import SFFiles
#if canImport(Glibc)
import Glibc
#endif

/// The `tokenFile` source: an OIDC JWT in a file, re-read on every exchange because the kubelet
/// rotates projected tokens by swapping a symlink (the path must be re-opened, never cached).
public struct TokenFileSource: IdentityTokenSource {
    public let path: String
    private let read: @Sendable (String) throws(TokenFileError) -> [UInt8]
    private let now: @Sendable () -> Date

    public init(
        path: String,
        now: @escaping @Sendable () -> Date,
        read: @escaping @Sendable (String) throws(TokenFileError) -> [UInt8] = TokenFileSource.readFile
    ) {
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

    /// Reads the whole token file, keeping errno for the message.
    public static let readFile: @Sendable (String) throws(TokenFileError) -> [UInt8] = { path throws(TokenFileError) in
        do throws(SmallFileError) {
            return try SmallFile.read(path, limit: maxTokenBytes)
        } catch {
            switch error {
            case .unreadable(let path, let code): throw .unreadable(path: path, errno: code)
            case .tooLarge(let path, let limit): throw .tooLarge(path: path, limit: limit)
            }
        }
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
            let hint =
                code == ENOENT
                ? "Is the projected service-account token volume mounted at that path?"
                : "Check the file's permissions against this process's user and group (fsGroup)."
            return "cannot read the identity token at \(path): \(reason). \(hint)"
        case .tooLarge(let path, let limit):
            return
                "the identity token file \(path) is larger than \(limit) bytes; it is not a JWT. Check "
                + "source.tokenFile."
        }
    }
}
