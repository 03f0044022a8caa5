import Foundation
import SFCore
import SFWebhook
import Testing

/// Pod in → decision and patch out, against files in Fixtures/ (`<case>.pod.json` → `<case>.expected.json`).
///
/// `SKYFERRY_UPDATE_GOLDEN=1 swift test --filter GoldenPatchTests` rewrites the expected files; review the diff.
/// Tests/e2e/test_webhook.py applies the same patches with an independent JSON Patch implementation and
/// validates the patched pods against the Kubernetes schema.
struct GoldenPatchTests {
    static let image = "ghcr.io/example/skyferry:0.1.0"

    static var fixtureDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    }

    static var cases: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: fixtureDirectory.path)) ?? []
        return names.filter { $0.hasSuffix(".pod.json") }.map { String($0.dropLast(".pod.json".count)) }.sorted()
    }

    /// The per-pod Azure endpoint secret the fixtures expect: bytes 0, 1, 2, … as hex. Tests/e2e/test_webhook.py
    /// puts it in place of the live webhook's random one before comparing.
    static let secret = (0..<PodMutator.secretBytes).map {
        String(format: "%02x", $0)
    }.joined()

    /// Fixtures named `legacy-*` run with `nativeSidecars: false`.
    static func mutator(for name: String) -> PodMutator {
        PodMutator(
            agent: AgentContainerConfiguration(image: image),
            nativeSidecars: !name.hasPrefix("legacy-"),
            randomBytes: { count in (0..<count).map { UInt8($0) } }
        )
    }

    static func expected(_ decision: InjectionDecision) -> JSONValue {
        switch decision {
        case .skip(let reason):
            return ["allowed": true, "skipped": .string(reason)]
        case .deny(let message):
            return ["allowed": false, "message": .string(message)]
        case .inject(let patch, let warnings):
            var members: [(String, JSONValue)] = [("allowed", true)]
            if !patch.isEmpty { members.append(("patch", .array(patch.map(\.json)))) }
            if !warnings.isEmpty { members.append(("warnings", .array(warnings.map { .string($0) }))) }
            return .object(members)
        }
    }

    @Test("the fixture set covers every injection, skip and denial case")
    func coverage() {
        let required = [
            "aws-only", "gcp-only", "several-containers", "native-sidecar", "job-init-only", "skip-containers",
            "legacy-sidecar", "already-injected", "no-label",
            "invalid-aws-role-arn", "invalid-gcp-audience", "invalid-mode", "invalid-aws-region",
            "invalid-gcp-service-account", "invalid-token-audience", "invalid-token-expiration",
            "invalid-host-network", "host-network-init-only", "invalid-port-conflict", "fsgroup-envfrom", "app-user",
            "mixed-users", "azure-sidecar", "azure-init-only", "azure-aws-sidecar", "azure-gcp-init-only",
            "legacy-azure-sidecar", "azure-workload-identity-label", "azure-workload-identity-only", "azure-app-env",
            "azure-reinvoked-env", "invalid-azure-client-id", "invalid-azure-tenant-missing",
            "invalid-azure-port-conflict",
        ]
        #expect(Set(required).isSubset(of: Set(Self.cases)))
    }

    @Test("each fixture pod gets exactly the expected decision", arguments: cases)
    func golden(name: String) throws {
        let input = try Data(contentsOf: Self.fixtureDirectory.appendingPathComponent("\(name).pod.json"))
        let pod = try JSONValue(parsing: [UInt8](input))
        let actual = Self.expected(Self.mutator(for: name).decide(pod: pod)).prettyPrinted
        let url = Self.fixtureDirectory.appendingPathComponent("\(name).expected.json")
        if ProcessInfo.processInfo.environment["SKYFERRY_UPDATE_GOLDEN"] == "1" {
            try actual.write(to: url, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        #expect(actual == expected)
    }
}
