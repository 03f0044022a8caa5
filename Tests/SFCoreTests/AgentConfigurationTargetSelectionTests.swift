import SFCore
import Testing

struct AgentConfigurationTargetSelectionTests {
    static let pool = "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/q"

    static func target(_ name: String, aws: Bool) -> TargetConfiguration {
        TargetConfiguration(
            name: name,
            provider: aws
                ? .aws(.init(roleArn: "arn:aws:iam::123456789012:role/r"))
                : .gcp(.init(audience: pool)),
            outputs: OutputsConfiguration()
        )
    }

    static func configuration(_ targets: [TargetConfiguration]) -> AgentConfiguration {
        AgentConfiguration(source: .tokenFile(path: "/t"), targets: targets)
    }

    @Test("doctor: no name is every target, a known name its target, an unknown one lists the names")
    func doctor() throws {
        let configuration = Self.configuration([Self.target("a", aws: true), Self.target("g", aws: false)])
        #expect(try configuration.targets(named: nil, origin: "c.yaml").map(\.name) == ["a", "g"])
        #expect(try configuration.targets(named: "g", origin: "c.yaml").map(\.name) == ["g"])
        #expect(
            throws: TargetSelectionError.unknown(
                origin: "c.yaml",
                name: "x",
                provider: nil,
                available: ["a", "g"]
            )
        ) {
            try configuration.targets(named: "x", origin: "c.yaml")
        }
        let error = TargetSelectionError.unknown(origin: "c.yaml", name: "x", provider: nil, available: ["a", "g"])
        #expect("\(error)" == #"c.yaml: no target named "x" (targets: a, g)"#)
    }

    @Test("credential-process: only AWS targets count, and without --target exactly one must exist")
    func aws() throws {
        let one = Self.configuration([Self.target("g", aws: false), Self.target("a", aws: true)])
        #expect(try one.awsTarget(named: nil, origin: "c.yaml").name == "a")
        #expect(try one.awsTarget(named: "a", origin: "c.yaml").name == "a")
        #expect(throws: TargetSelectionError.unknown(origin: "c.yaml", name: "g", provider: "AWS", available: ["a"])) {
            try one.awsTarget(named: "g", origin: "c.yaml")
        }
        let unknown = TargetSelectionError.unknown(origin: "c.yaml", name: "g", provider: "AWS", available: ["a"])
        #expect("\(unknown)" == #"c.yaml: no AWS target named "g" (AWS targets: a)"#)

        let two = Self.configuration([Self.target("a", aws: true), Self.target("b", aws: true)])
        #expect(try two.awsTarget(named: "b", origin: "c.yaml").name == "b")
        #expect(throws: TargetSelectionError.ambiguous(origin: "c.yaml", provider: "AWS", available: ["a", "b"])) {
            try two.awsTarget(named: nil, origin: "c.yaml")
        }
        let ambiguous = TargetSelectionError.ambiguous(origin: "c.yaml", provider: "AWS", available: ["a", "b"])
        #expect("\(ambiguous)" == "c.yaml has 2 AWS targets (a, b); choose one with --target")
        #expect(throws: TargetSelectionError.self) {
            try Self.configuration([Self.target("g", aws: false)]).awsTarget(named: nil, origin: "c.yaml")
        }
    }
}
