import FoundationEssentials
import SFCore
import SFFiles
import SFOutputs
#if canImport(Glibc)
import Glibc
#endif

/// The `credential-process` cache: one owner-only JSON file per resolved target, guarded by an exclusive
/// `flock` so that SDK processes calling at once make one exchange, not one each.
///
/// Nothing in the cache is trusted unless this user alone could have written it: the directory and every
/// file are checked with `fstat` on the opened descriptor (`CredentialCacheTrust`), and the lock and cache
/// files are opened relative to that directory with `O_NOFOLLOW`, so a planted symlink is refused rather
/// than followed. A refusal is a `CredentialCacheRefusal`; the caller exchanges without the cache.
public struct CredentialProcessCache: Sendable {
    /// What one cache file holds (decoded and checked in SFCore).
    public typealias Entry = CredentialCacheEntry

    /// What reading the cache found.
    public enum Lookup: Sendable, Equatable {
        case hit(Entry)
        /// No file, or one that does not decode (it is simply replaced).
        case miss
        /// A file this user did not write: neither used nor overwritten.
        case refused(CredentialCacheRefusal)
    }

    /// A cache entry is a few hundred bytes; anything much larger was not written by skyferry.
    static let maxEntryBytes = Entry.maxBytes

    public let directory: String
    public let fileName: String
    /// The effective uid everything in the cache must belong to.
    public let euid: UInt32
    private let writer = AtomicFileWriter(directoryMode: 0o700)

    public init(directory: String, fileName: String, euid: UInt32) {
        self.directory = directory
        self.fileName = fileName
        self.euid = euid
    }

    public var path: String { directory + "/" + fileName }
    public var lockPath: String { path + ".lock" }

    /// The file name for a target: its name and the SHA-256 (hex, first 16 bytes) of its canonical serialization.
    public static func fileName(target: String, digest: [UInt8]) -> String {
        "credential-process-\(target)-\(Hex.lower(digest.prefix(16))).json"
    }

    /// Runs `body` holding an exclusive lock on `<path>.lock`, waiting at most `timeout` for it.
    ///
    /// Throws `CredentialCacheRefusal` before running `body` when the directory or the lock file is not
    /// trustworthy, and `FileWriteError` when the lock cannot be had in time.
    public func withLock<T>(timeout: Duration, _ body: (Session) async throws -> T) async throws -> T {
        let directoryFD = try openDirectory()
        defer { close(directoryFD) }
        let lockName = fileName + ".lock"
        let fd = openat(directoryFD, lockName, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0o600)
        guard fd >= 0 else {
            let code = errno
            if code == ELOOP { throw CredentialCacheRefusal(path: lockPath, reason: "is a symbolic link") }
            throw FileWriteError(path: lockPath, step: "open lock file", errno: code)
        }
        defer { close(fd) }  // closing releases the lock
        if let reason = CredentialCacheTrust.fileRefusal(try Self.status(fd, path: lockPath), euid: euid) {
            throw CredentialCacheRefusal(path: lockPath, reason: reason)
        }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR, clock.now < deadline else {
                throw FileWriteError(
                    path: lockPath,
                    step: "lock (another skyferry credential-process holds it)",
                    errno: errno
                )
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try await body(Session(cache: self, directoryFD: directoryFD))
    }

    /// The cache while its lock is held: the checked directory stays open, files are opened relative to it.
    public struct Session: Sendable {
        let cache: CredentialProcessCache
        let directoryFD: Int32

        public func read() -> Lookup {
            let fd = openat(directoryFD, cache.fileName, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
            guard fd >= 0 else {
                let code = errno
                if code == ELOOP { return .refused(.init(path: cache.path, reason: "is a symbolic link")) }
                if code == ENOENT { return .miss }
                return .refused(.init(path: cache.path, reason: "cannot be opened: \(String(cString: strerror(code)))"))
            }
            defer { close(fd) }
            do {
                if let reason = CredentialCacheTrust.fileRefusal(try status(fd, path: cache.path), euid: cache.euid) {
                    return .refused(.init(path: cache.path, reason: reason))
                }
            } catch {
                return .refused(error)
            }
            let limit = CredentialProcessCache.maxEntryBytes
            guard let bytes = try? SmallFile.read(descriptor: fd, path: cache.path, limit: limit),
                let entry = Entry.decode(bytes)
            else { return .miss }
            return .hit(entry)
        }

        /// Writes atomically (temporary file, fsync, rename) with mode 0600; nothing is written if encoding fails.
        public func write(_ entry: Entry) throws {
            let data = try JSONEncoder().encode(entry)
            try cache.writer.write(Array(data), to: cache.path, mode: 0o600)
        }

        private func status(_ fd: Int32, path: String) throws(CredentialCacheRefusal) -> CacheFileStatus {
            try CredentialProcessCache.status(fd, path: path)
        }
    }

    /// Creates the directory (and missing parents) owner-only, opens it without following a final symlink,
    /// and checks what it is.
    private func openDirectory() throws -> Int32 {
        var current = directory.hasPrefix("/") ? "" : "."
        for component in directory.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o700) != 0 && errno != EEXIST {
                throw FileWriteError(path: path, step: "create directory \(current)", errno: errno)
            }
        }
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            // O_NOFOLLOW | O_DIRECTORY on a symlink fails with ELOOP or ENOTDIR, depending on the kernel.
            if code == ELOOP || code == ENOTDIR {
                throw CredentialCacheRefusal(path: directory, reason: "is a symbolic link or not a directory")
            }
            throw FileWriteError(path: path, step: "open directory \(directory)", errno: code)
        }
        do {
            if let reason = CredentialCacheTrust.directoryRefusal(try Self.status(fd, path: directory), euid: euid) {
                throw CredentialCacheRefusal(path: directory, reason: reason)
            }
        } catch {
            close(fd)
            throw error
        }
        return fd
    }

    static func status(_ fd: Int32, path: String) throws(CredentialCacheRefusal) -> CacheFileStatus {
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw CredentialCacheRefusal(path: path, reason: "cannot be examined: \(String(cString: strerror(errno)))")
        }
        let type = info.st_mode & S_IFMT
        let kind: CacheFileStatus.Kind = type == S_IFDIR ? .directory : type == S_IFREG ? .regularFile : .other
        return CacheFileStatus(kind: kind, owner: UInt32(info.st_uid), mode: UInt32(info.st_mode & 0o7777))
    }

    /// The default cache directory: `$XDG_CACHE_HOME/skyferry` or `~/.cache/skyferry`.
    public static func defaultDirectory(environment: [String: String]) -> String? {
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") { return xdg + "/skyferry" }
        if let home = environment["HOME"], home.hasPrefix("/") { return home + "/.cache/skyferry" }
        return nil
    }
}
