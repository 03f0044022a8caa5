import FoundationEssentials
import SFCore
import SFOutputs
#if canImport(Glibc)
import Glibc
#endif

/// The `credential-process` cache: one owner-only JSON file per configuration and target, guarded by an
/// exclusive `flock` so that SDK processes calling at once make one exchange, not one each.
public struct CredentialProcessCache: Sendable {
    /// What the cache file holds.
    public struct Entry: Codable, Sendable, Equatable {
        public var accessKeyID: String
        public var secretAccessKey: String
        public var sessionToken: String
        public var expiration: Double
        public var issuedAt: Double

        public init(_ credentials: AWSCredentials, issuedAt: Date) {
            accessKeyID = credentials.accessKeyID
            secretAccessKey = credentials.secretAccessKey
            sessionToken = credentials.sessionToken
            expiration = credentials.expiration.timeIntervalSince1970
            self.issuedAt = issuedAt.timeIntervalSince1970
        }

        public var credentials: AWSCredentials {
            AWSCredentials(accessKeyID: accessKeyID, secretAccessKey: secretAccessKey, sessionToken: sessionToken,
                           expiration: Date(timeIntervalSince1970: expiration))
        }
    }

    public let path: String
    private let writer = AtomicFileWriter(directoryMode: 0o700)

    public init(path: String) {
        self.path = path
    }

    /// The entry, or nil when absent or unreadable (a corrupt cache is simply replaced).
    public func read() -> Entry? {
        guard let bytes = try? TokenFileSource.readFile(path) else { return nil }
        return try? JSONDecoder().decode(Entry.self, from: Data(bytes))
    }

    public func write(_ entry: Entry) throws(FileWriteError) {
        let data = (try? JSONEncoder().encode(entry)) ?? Data()
        try writer.write(Array(data), to: path, mode: 0o600)
    }

    /// Runs `body` holding an exclusive lock on `<path>.lock`, waiting at most `timeout` for it.
    public func withLock<T>(timeout: Duration, _ body: () async throws -> T) async throws -> T {
        let lockPath = path + ".lock"
        let directory = String(lockPath[..<(lockPath.lastIndex(of: "/") ?? lockPath.startIndex)])
        if !directory.isEmpty { _ = mkdirParents(directory) }
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw FileWriteError(path: lockPath, step: "open lock file", errno: errno) }
        defer { close(fd) }  // closing releases the lock
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR, clock.now < deadline else {
                throw FileWriteError(path: lockPath, step: "lock (another skyferry credential-process holds it)", errno: errno)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try await body()
    }

    private func mkdirParents(_ directory: String) -> Bool {
        var current = directory.hasPrefix("/") ? "" : "."
        for component in directory.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o700) != 0 && errno != EEXIST { return false }
        }
        return true
    }

    /// The default cache file for a configuration file and target: `$XDG_CACHE_HOME/skyferry` or `~/.cache/skyferry`.
    public static func defaultDirectory(environment: [String: String]) -> String? {
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") { return xdg + "/skyferry" }
        if let home = environment["HOME"], home.hasPrefix("/") { return home + "/.cache/skyferry" }
        return nil
    }
}
