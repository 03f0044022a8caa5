import SFCore
import Testing

struct CredentialCacheKeyTests {
    static let target = TargetConfiguration(
        name: "s3",
        provider: .aws(AWSTargetConfiguration(roleArn: "arn:aws:iam::123456789012:role/reader", region: "eu-west-1")),
        outputs: OutputsConfiguration()
    )

    @Test("the serialization lists every setting that decides the credentials, in a fixed order")
    func canonical() {
        #expect(
            CredentialCacheKey.canonical(target: Self.target, source: .tokenFile(path: "/var/run/token")) == """
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

                """
        )
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
        let target = TargetConfiguration(
            name: "s3",
            provider: .aws(.init(roleArn: "r", sessionName: forged)),
            outputs: OutputsConfiguration()
        )
        let text = CredentialCacheKey.canonical(target: target, source: .tokenFile(path: "/t"))
        #expect(text.contains(#"aws.sessionName="x\naws.fips=\"true\"""#))
        #expect(text.split(separator: "\n").count == 11)
    }

    @Test("a metadata source is keyed on the endpoint the exchange resolves, GCE_METADATA_HOST included")
    func resolvedMetadataEndpoint() {
        let source = SourceConfiguration.gcpMetadata(GCPMetadataSourceConfiguration(audience: "sts.amazonaws.com"))
        let configuration = AgentConfiguration(source: source, targets: [Self.target])
        let fromHost = CredentialCacheKey.canonical(
            target: Self.target,
            configuration: configuration,
            environment: ["GCE_METADATA_HOST": "127.0.0.1:8989"]
        )
        #expect(fromHost.contains("source.endpoint=\"http://127.0.0.1:8989/\"\n"))
        let byDefault = CredentialCacheKey.canonical(
            target: Self.target,
            configuration: configuration,
            environment: [:]
        )
        #expect(byDefault.contains("source.endpoint=\"http://169.254.169.254/\"\n"))
        // A target's own source wins over the top-level one.
        var own = Self.target
        own.source = .tokenFile(path: "/t")
        #expect(
            CredentialCacheKey.canonical(target: own, configuration: configuration, environment: [:])
                == CredentialCacheKey.canonical(target: own, source: .tokenFile(path: "/t"))
        )
    }
}
