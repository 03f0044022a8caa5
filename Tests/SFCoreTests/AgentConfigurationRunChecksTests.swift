import SFCore
import Testing

struct AgentConfigurationRunChecksTests {
    static let listen = ListenAddress(host: "127.0.0.1", port: 9911)
    static let aws = ProviderConfiguration.aws(AWSTargetConfiguration(roleArn: "arn:aws:iam::123456789012:role/r"))

    static func configuration(_ outputs: [String: OutputsConfiguration]) -> AgentConfiguration {
        AgentConfiguration(
            source: .tokenFile(path: "/t"),
            targets: outputs.keys.sorted().map {
                TargetConfiguration(name: $0, provider: aws, outputs: outputs[$0]!)
            }
        )
    }

    static let file = OutputsConfiguration(awsCredentialsFile: .init(path: "/out/credentials"))

    @Test("targets without outputs are named, in order, and the message says what to add")
    func withoutOutputs() {
        let configuration = Self.configuration(["a": OutputsConfiguration(), "b": Self.file, "c": .init()])
        #expect(throws: AgentRunError.targetsWithoutOutputs(["a", "c"])) {
            try configuration.checkEveryTargetHasOutputs()
        }
        #expect(
            "\(AgentRunError.targetsWithoutOutputs(["a", "c"]))" == "target(s) a, c have no outputs; the agent "
                + "would have nothing to write (targets[].outputs, e.g. awsCredentialsFile)"
        )
        #expect(throws: Never.self) { try Self.configuration(["b": Self.file]).checkEveryTargetHasOutputs() }
    }

    @Test("under --once, every kind of endpoint output is refused and file outputs pass")
    func once() {
        let configuration = Self.configuration([
            "container": OutputsConfiguration(awsContainerEndpoint: .init(listen: Self.listen, authTokenFile: "/tok")),
            "files": Self.file,
            "imds": OutputsConfiguration(gcpExternalAccountFile: .init(path: "/ea.json", imdsListen: Self.listen)),
            "metadata": OutputsConfiguration(gcpMetadataServer: .init(listen: Self.listen)),
            "subjectFile": OutputsConfiguration(gcpExternalAccountFile: .init(path: "/ea.json")),
        ])
        #expect(throws: AgentRunError.endpointOutputsUnderOnce(["container", "imds", "metadata"])) {
            try configuration.checkRunnableOnce()
        }
        #expect(
            "\(AgentRunError.endpointOutputsUnderOnce(["x"]))" == "target(s) x have endpoint outputs "
                + "(awsContainerEndpoint, gcpMetadataServer, gcpExternalAccountFile.imdsListen), which only the "
                + "long-running agent serves; run without --once, or use file outputs"
        )
        #expect(throws: Never.self) { try Self.configuration(["files": Self.file]).checkRunnableOnce() }
    }

    @Test("asked once, a metadata source does not wait for start-up; other sources are unchanged")
    func withoutStartupWait() {
        let metadata = SourceConfiguration.gcpMetadata(.init(audience: "a", startupWaitSeconds: 30))
        #expect(metadata.withoutStartupWait == .gcpMetadata(.init(audience: "a", startupWaitSeconds: 0)))
        #expect(SourceConfiguration.tokenFile(path: "/t").withoutStartupWait == .tokenFile(path: "/t"))
    }
}
