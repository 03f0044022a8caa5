import FoundationEssentials

/// One `credential-process` cache file: AWS credentials and when they were issued. Pure.
///
/// The file is read back on every SDK call, so `decode` trusts nothing in it: a document that is not exactly
/// this shape, has an empty or non-printable key, or non-finite or inverted times is no entry (a miss), and
/// the credentials are exchanged afresh.
public struct CredentialCacheEntry: Codable, Sendable, Equatable {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String
    /// Seconds since 1970.
    public var expiration: Double
    /// Seconds since 1970.
    public var issuedAt: Double

    /// The largest cache file read back; a larger one is a miss.
    public static let maxBytes = 64 * 1024

    public init(_ credentials: AWSCredentials, issuedAt: Date) {
        accessKeyID = credentials.accessKeyID
        secretAccessKey = credentials.secretAccessKey
        sessionToken = credentials.sessionToken
        expiration = credentials.expiration.timeIntervalSince1970
        self.issuedAt = issuedAt.timeIntervalSince1970
    }

    public var credentials: AWSCredentials {
        AWSCredentials(
            accessKeyID: accessKeyID,
            secretAccessKey: secretAccessKey,
            sessionToken: sessionToken,
            expiration: Date(timeIntervalSince1970: expiration)
        )
    }

    /// The entry a cache file holds, or nil when it holds none that may be handed out.
    public static func decode(_ bytes: [UInt8]) -> CredentialCacheEntry? {
        guard bytes.count <= maxBytes,
            let entry = try? JSONDecoder().decode(CredentialCacheEntry.self, from: Data(bytes)),
            entry.isWellFormed
        else { return nil }
        return entry
    }

    /// Keys are non-empty printable ASCII (they become JSON on stdout and HTTP headers in the SDK); times are
    /// finite and the credentials expire after they were issued.
    public var isWellFormed: Bool {
        let printable = { (text: String) in
            !text.isEmpty && text.utf8.allSatisfy { (0x21...0x7E).contains($0) }
        }
        return printable(accessKeyID) && printable(secretAccessKey) && printable(sessionToken)
            && expiration.isFinite && issuedAt.isFinite && expiration > issuedAt
    }
}
