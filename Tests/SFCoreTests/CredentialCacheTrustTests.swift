import SFCore
import Testing

struct CredentialCacheTrustTests {
    static let me: UInt32 = 1000

    @Test("a directory is trusted only when this user owns it and nobody else can replace its files", arguments: [
        (CacheFileStatus(kind: .directory, owner: 1000, mode: 0o700), nil),
        (CacheFileStatus(kind: .directory, owner: 1000, mode: 0o755), nil),
        (CacheFileStatus(kind: .directory, owner: 1000, mode: 0o1777), nil),
        (CacheFileStatus(kind: .directory, owner: 1000, mode: 0o777),
         "has mode 0777: group or others may write to it and it has no sticky bit"),
        (CacheFileStatus(kind: .directory, owner: 1000, mode: 0o770),
         "has mode 0770: group or others may write to it and it has no sticky bit"),
        (CacheFileStatus(kind: .directory, owner: 0, mode: 0o1777),
         "is owned by uid 0, not by this process's uid 1000"),
        (CacheFileStatus(kind: .regularFile, owner: 1000, mode: 0o700), "is not a directory"),
    ] as [(CacheFileStatus, String?)])
    func directory(status: CacheFileStatus, refusal: String?) {
        #expect(CredentialCacheTrust.directoryRefusal(status, euid: Self.me) == refusal)
    }

    @Test("a cache or lock file is trusted only when this user owns it and it is owner-only", arguments: [
        (CacheFileStatus(kind: .regularFile, owner: 1000, mode: 0o600), nil),
        (CacheFileStatus(kind: .regularFile, owner: 1000, mode: 0o400), nil),
        (CacheFileStatus(kind: .regularFile, owner: 1000, mode: 0o666), "has mode 0666, expected 0600 (owner-only)"),
        (CacheFileStatus(kind: .regularFile, owner: 1000, mode: 0o640), "has mode 0640, expected 0600 (owner-only)"),
        (CacheFileStatus(kind: .regularFile, owner: 65534, mode: 0o600),
         "is owned by uid 65534, not by this process's uid 1000"),
        (CacheFileStatus(kind: .other, owner: 1000, mode: 0o600), "is not a regular file"),
        (CacheFileStatus(kind: .directory, owner: 1000, mode: 0o600), "is not a regular file"),
    ] as [(CacheFileStatus, String?)])
    func file(status: CacheFileStatus, refusal: String?) {
        #expect(CredentialCacheTrust.fileRefusal(status, euid: Self.me) == refusal)
    }
}

struct CredentialCacheKeyTests {
    static let target = TargetConfiguration(
        name: "s3",
        provider: .aws(AWSTargetConfiguration(roleArn: "arn:aws:iam::123456789012:role/reader", region: "eu-west-1")),
        outputs: OutputsConfiguration())

    @Test("the serialization lists every setting that decides the credentials, in a fixed order")
    func canonical() {
        #expect(CredentialCacheKey.canonical(target: Self.target, source: .tokenFile(path: "/var/run/token")) == """
            version="skyferry-credential-process-cache-v2"
            target.name="s3"
            source="tokenFile"
            source.tokenFile="/var/run/token"
            provider="aws"
            aws.roleArn="arn:aws:iam::123456789012:role/reader"
            aws.region="eu-west-1"
            aws.sessionName=null
            aws.durationSeconds=null
            aws.stsEndpoint=null
            aws.fips="false"

            """)
    }

    @Test("any change of role, region, session, duration, endpoint, FIPS, source or audience changes the key")
    func everyFieldCounts() throws {
        let source = SourceConfiguration.gcpMetadata(.init(audience: "sts.amazonaws.com"))
        let base = CredentialCacheKey.canonical(target: Self.target, source: source)
        var variants: [(TargetConfiguration, SourceConfiguration)] = []
        func aws(_ change: (inout AWSTargetConfiguration) -> Void) -> TargetConfiguration {
            var target = Self.target
            guard case .aws(var configuration) = target.provider else { return target }
            change(&configuration)
            target.provider = .aws(configuration)
            return target
        }
        variants.append((aws { $0.roleArn = "arn:aws:iam::123456789012:role/writer" }, source))
        variants.append((aws { $0.region = "us-east-1" }, source))
        variants.append((aws { $0.sessionName = "s" }, source))
        variants.append((aws { $0.durationSeconds = 900 }, source))
        variants.append((aws { $0.stsEndpoint = Endpoint(scheme: .http, host: "127.0.0.1", port: 5000) }, source))
        variants.append((aws { $0.fips = true }, source))
        variants.append((Self.target, .gcpMetadata(.init(audience: "other"))))
        variants.append((Self.target, .gcpMetadata(.init(audience: "sts.amazonaws.com", serviceAccount: "a@b"))))
        variants.append((Self.target, .tokenFile(path: "/t")))
        let keys = variants.map { CredentialCacheKey.canonical(target: $0.0, source: $0.1) }
        #expect(Set(keys + [base]).count == variants.count + 1)
    }

    @Test("a value cannot forge another line")
    func escaping() {
        let forged = "x\naws.fips=\"true\""
        let target = TargetConfiguration(name: "s3", provider: .aws(.init(roleArn: "r", sessionName: forged)),
                                         outputs: OutputsConfiguration())
        let text = CredentialCacheKey.canonical(target: target, source: .tokenFile(path: "/t"))
        #expect(text.contains(#"aws.sessionName="x\naws.fips=\"true\"""#))
        #expect(text.split(separator: "\n").count == 11)
    }
}
