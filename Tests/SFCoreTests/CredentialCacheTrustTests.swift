import SFCore
import Testing

struct CredentialCacheTrustTests {
    static let me: UInt32 = 1000

    @Test(
        "a directory is trusted only when this user owns it and nobody else can replace its files",
        arguments: [
            (CacheFileStatus(kind: .directory, owner: 1000, mode: 0o700), nil),
            (CacheFileStatus(kind: .directory, owner: 1000, mode: 0o755), nil),
            (CacheFileStatus(kind: .directory, owner: 1000, mode: 0o1777), nil),
            (
                CacheFileStatus(kind: .directory, owner: 1000, mode: 0o777),
                "has mode 0777: group or others may write to it and it has no sticky bit"
            ),
            (
                CacheFileStatus(kind: .directory, owner: 1000, mode: 0o770),
                "has mode 0770: group or others may write to it and it has no sticky bit"
            ),
            (
                CacheFileStatus(kind: .directory, owner: 0, mode: 0o1777),
                "is owned by uid 0, not by this process's uid 1000"
            ),
            (CacheFileStatus(kind: .regularFile, owner: 1000, mode: 0o700), "is not a directory"),
        ] as [(CacheFileStatus, String?)]
    )
    func directory(status: CacheFileStatus, refusal: String?) {
        #expect(CredentialCacheTrust.directoryRefusal(status, euid: Self.me) == refusal)
    }

    @Test(
        "a cache or lock file is trusted only when this user owns it and it is owner-only",
        arguments: [
            (CacheFileStatus(kind: .regularFile, owner: 1000, mode: 0o600), nil),
            (CacheFileStatus(kind: .regularFile, owner: 1000, mode: 0o400), nil),
            (
                CacheFileStatus(kind: .regularFile, owner: 1000, mode: 0o666),
                "has mode 0666, expected 0600 (owner-only)"
            ),
            (
                CacheFileStatus(kind: .regularFile, owner: 1000, mode: 0o640),
                "has mode 0640, expected 0600 (owner-only)"
            ),
            (
                CacheFileStatus(kind: .regularFile, owner: 65534, mode: 0o600),
                "is owned by uid 65534, not by this process's uid 1000"
            ),
            (CacheFileStatus(kind: .other, owner: 1000, mode: 0o600), "is not a regular file"),
            (CacheFileStatus(kind: .directory, owner: 1000, mode: 0o600), "is not a regular file"),
        ] as [(CacheFileStatus, String?)]
    )
    func file(status: CacheFileStatus, refusal: String?) {
        #expect(CredentialCacheTrust.fileRefusal(status, euid: Self.me) == refusal)
    }
}
