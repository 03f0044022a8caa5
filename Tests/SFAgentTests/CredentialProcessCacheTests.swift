import Foundation
import SFAgent
import SFCore
import SFOutputs
import Testing

/// The cache against a real directory. Tests run as root in CI: "another user" is uid 65534 (nobody).
struct CredentialProcessCacheTests {
    static let entry = CredentialProcessCache.Entry(
        AWSCredentials(
            accessKeyID: "ASIACACHED",
            secretAccessKey: "s",
            sessionToken: "t",
            expiration: Date(timeIntervalSince1970: 2_000_000_000)
        ),
        issuedAt: Date(timeIntervalSince1970: 1_999_996_400)
    )

    static func directory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sf-cache-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(
            atPath: path,
            withIntermediateDirectories: false,
            attributes: [.posixPermissions: 0o700]
        )
        return path
    }

    static func cache(_ directory: String) -> CredentialProcessCache {
        CredentialProcessCache(directory: directory, fileName: "credential-process-s3-0123.json", euid: geteuid())
    }

    static func lookup(_ cache: CredentialProcessCache) async throws -> CredentialProcessCache.Lookup {
        try await cache.withLock(timeout: .seconds(5)) { $0.read() }
    }

    @Test("an entry written is read back, owner-only, and the directory is created 0700")
    func roundTrip() async throws {
        let cache = Self.cache(try Self.directory() + "/new/skyferry")
        #expect(try await Self.lookup(cache) == .miss)
        try await cache.withLock(timeout: .seconds(5)) { try $0.write(Self.entry) }
        #expect(try await Self.lookup(cache) == .hit(Self.entry))
        #expect(try FileMode.of(cache.path) == 0o600)
        #expect(try FileMode.of(cache.directory) == 0o700)
    }

    @Test("a cache file owned by another user is refused, not read")
    func foreignOwner() async throws {
        let cache = Self.cache(try Self.directory())
        try await cache.withLock(timeout: .seconds(5)) { try $0.write(Self.entry) }
        #expect(chown(cache.path, 65534, 65534) == 0)
        #expect(
            try await Self.lookup(cache)
                == .refused(
                    CredentialCacheRefusal(
                        path: cache.path,
                        reason: "is owned by uid 65534, not by this process's uid \(geteuid())"
                    )
                )
        )
    }

    @Test("a cache file others may write is refused")
    func widerMode() async throws {
        let cache = Self.cache(try Self.directory())
        try await cache.withLock(timeout: .seconds(5)) { try $0.write(Self.entry) }
        #expect(chmod(cache.path, 0o666) == 0)
        #expect(
            try await Self.lookup(cache)
                == .refused(
                    CredentialCacheRefusal(
                        path: cache.path,
                        reason: "has mode 0666, expected 0600 (owner-only)"
                    )
                )
        )
    }

    @Test("a symlink in place of the cache file is refused, not followed")
    func symlinkedCacheFile() async throws {
        let dir = try Self.directory()
        let cache = Self.cache(dir)
        #expect(
            FileManager.default.createFile(
                atPath: dir + "/elsewhere.json",
                contents: Data("{}".utf8),
                attributes: [.posixPermissions: 0o600]
            )
        )
        #expect(symlink(dir + "/elsewhere.json", cache.path) == 0)
        #expect(
            try await Self.lookup(cache)
                == .refused(CredentialCacheRefusal(path: cache.path, reason: "is a symbolic link"))
        )
    }

    @Test("a symlinked lock file is refused and its target is not created")
    func symlinkedLock() async throws {
        let dir = try Self.directory()
        let cache = Self.cache(dir)
        let target = dir + "/created-by-root"
        #expect(symlink(target, cache.lockPath) == 0)
        await #expect(throws: CredentialCacheRefusal(path: cache.lockPath, reason: "is a symbolic link")) {
            try await cache.withLock(timeout: .seconds(5)) { _ in Issue.record("ran without a lock") }
        }
        #expect(!FileManager.default.fileExists(atPath: target))
    }

    @Test("a directory owned by another user, or world-writable without the sticky bit, is refused")
    func untrustedDirectory() async throws {
        let foreign = try Self.directory()
        #expect(chown(foreign, 65534, 65534) == 0)
        await #expect(
            throws: CredentialCacheRefusal(
                path: foreign,
                reason: "is owned by uid 65534, not by this process's uid \(geteuid())"
            )
        ) {
            try await Self.cache(foreign).withLock(timeout: .seconds(5)) { _ in }
        }
        let open = try Self.directory()
        #expect(chmod(open, 0o777) == 0)
        await #expect(
            throws: CredentialCacheRefusal(
                path: open,
                reason: "has mode 0777: group or others may write to it and it has no sticky bit"
            )
        ) {
            try await Self.cache(open).withLock(timeout: .seconds(5)) { _ in }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: open).isEmpty, "nothing made in it")
    }

    @Test("a file that does not decode is a miss, and is replaced on the next write")
    func corrupt() async throws {
        let cache = Self.cache(try Self.directory())
        #expect(
            FileManager.default.createFile(
                atPath: cache.path,
                contents: Data("not json".utf8),
                attributes: [.posixPermissions: 0o600]
            )
        )
        #expect(try await Self.lookup(cache) == .miss)
        try await cache.withLock(timeout: .seconds(5)) { try $0.write(Self.entry) }
        #expect(try await Self.lookup(cache) == .hit(Self.entry))
    }

    @Test("an entry that cannot be encoded throws and leaves no file, not an empty one")
    func encodingFailure() async throws {
        let cache = Self.cache(try Self.directory())
        var entry = Self.entry
        entry.expiration = .nan  // JSONEncoder refuses non-finite numbers
        await #expect(throws: EncodingError.self) {
            try await cache.withLock(timeout: .seconds(5)) { try $0.write(entry) }
        }
        #expect(!FileManager.default.fileExists(atPath: cache.path))
    }

    @Test("the refusal says which path, what is wrong and what to do")
    func message() {
        #expect(
            CredentialCacheRefusal(path: "/c/f.json", reason: "is a symbolic link").description
                == "the credential cache at /c/f.json is a symbolic link, so it is not used: credentials come from a"
                + " fresh "
                + "exchange and are not cached. Remove it or make it this user's with mode 0700 (a file: 0600), "
                + "or point --cache-dir at a directory only this user can write."
        )
    }

    @Test("file names carry the target and 16 bytes of the digest")
    func fileName() {
        #expect(
            CredentialProcessCache.fileName(target: "s3", digest: Array(0..<32))
                == "credential-process-s3-000102030405060708090a0b0c0d0e0f.json"
        )
    }
}

enum FileMode {
    static func of(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
    }
}
