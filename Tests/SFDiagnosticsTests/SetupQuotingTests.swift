import Foundation
import SFCore
import SFDiagnostics
import Testing

struct SetupQuotingTests {
    /// Runs `command` with `aws`/`gcloud` as shell functions that print each argument on its own line
    /// (NUL-separated), and returns the arguments: proof of how the shell splits and expands the line.
    static func arguments(of command: String) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        let stubs = #"aws() { printf '%s\0' "$@"; }; gcloud() { printf '%s\0' "$@"; }; "#
        process.arguments = ["-c", stubs + command]
        process.environment = ["PATH": "/usr/bin:/bin", "HOME": "/nonexistent"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let fields = String(decoding: data, as: UTF8.self).split(separator: "\0", omittingEmptySubsequences: false)
        return fields.dropLast().map(String.init)
    }

    static let workload = KubernetesWorkload(
        issuer: .url("https://issuer.example"),
        namespace: "shop",
        serviceAccount: "api"
    )

    static func commands(_ plan: SetupPlan) -> [String] {
        plan.steps.compactMap { step in
            if case .command(_, let command) = step { return command }
            return nil
        }
    }

    @Test(
        "every interpolated value stays one word and is never expanded",
        arguments: [
            "it's", "a b", "$(touch /tmp/skyferry-pwned)", "`id`", "${HOME}", "x;touch /tmp/skyferry-pwned",
            "a\"b\\c!d",
            "line\nbreak",
            "'", "''", "*", "~root",
        ]
    )
    func hostileValues(value: String) throws {
        let plan = AWSSetup.plan(
            AWSSetupRequest(
                identity: .kubernetes(Self.workload),
                accountID: "123456789012",
                roleName: value,
                policyARNs: [value]
            )
        )
        let commands = Self.commands(plan)
        let create = try #require(commands.first { $0.hasPrefix("aws iam create-role") })
        #expect(
            try Self.arguments(of: create)
                == [
                    "iam", "create-role", "--role-name", value, "--assume-role-policy-document",
                    "file://trust-policy.json",
                ]
        )
        let attach = try #require(commands.first { $0.hasPrefix("aws iam attach-role-policy") })
        #expect(
            try Self.arguments(of: attach)
                == ["iam", "attach-role-policy", "--role-name", value, "--policy-arn", value]
        )
        #expect(!FileManager.default.fileExists(atPath: "/tmp/skyferry-pwned"))
    }

    @Test("a value with a quote is written in POSIX single quotes")
    func singleQuote() {
        let plan = AWSSetup.plan(
            AWSSetupRequest(
                identity: .kubernetes(Self.workload),
                accountID: "123456789012",
                roleName: "it's ${HOME}"
            )
        )
        let expected =
            #"aws iam create-role --role-name 'it'\''s ${HOME}' "#
            + "--assume-role-policy-document file://trust-policy.json"
        #expect(Self.commands(plan).contains(expected))
    }
}
