import Foundation
import Logging
import SFAgent
import SFCore
import SFOutputs
import Testing

struct OnceRunnerTests {
    static func target(_ name: String, path: String) -> TargetConfiguration {
        TargetConfiguration(
            name: name,
            provider: .aws(AWSTargetConfiguration(roleArn: "arn:aws:iam::123456789012:role/r")),
            outputs: OutputsConfiguration(awsCredentialsFile: .init(path: path))
        )
    }

    @Test("one failing target means no output of any target is written")
    func allOrNothing() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("once-\(UUID().uuidString)").path
        let good = TargetExchange(
            target: Self.target("a", path: dir + "/a"),
            source: StubSource(),
            exchanger: ScriptedExchanger([.success(credentials(expiring: Date(timeIntervalSince1970: 4e9)))])
        )
        let bad = TargetExchange(
            target: Self.target("b", path: dir + "/b"),
            source: StubSource(),
            exchanger: ScriptedExchanger([.failure(.init(kind: .rejected))])
        )
        var refresh = RefreshConfiguration()
        refresh.retryDeadlineSeconds = 1
        await #expect(throws: TargetFailure.self) {
            _ = try await OnceRunner(
                exchanges: [good, bad],
                refresh: refresh,
                writer: OutputWriter(source: .tokenFile(path: "/t"))
            ).run(clock: ImmediateClock(), random: .seeded(1), logger: Logger(label: "t"))
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/a"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/b"))
    }

    @Test("every target's outputs are written when all succeed")
    func writesAll() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("once-\(UUID().uuidString)").path
        let exchanges = ["a", "b"].map { name in
            TargetExchange(
                target: Self.target(name, path: dir + "/" + name),
                source: StubSource(),
                exchanger: ScriptedExchanger([.success(credentials(expiring: Date(timeIntervalSince1970: 4e9)))])
            )
        }
        let issued = try await OnceRunner(
            exchanges: exchanges,
            refresh: RefreshConfiguration(),
            writer: OutputWriter(source: .tokenFile(path: "/t"))
        ).run(clock: ImmediateClock(), random: .seeded(1), logger: Logger(label: "t"))
        #expect(issued.map(\.0.name) == ["a", "b"])
        #expect(try String(contentsOfFile: dir + "/b", encoding: .utf8).contains("aws_session_token = session"))
    }
}

struct TokenFileSourceTests {
    static func jwt(exp: Int) -> String {
        func seg(_ s: String) -> String { Data(s.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "") }
        return seg(#"{"alg":"RS256"}"#) + "." + seg("{\"sub\":\"s\",\"exp\":\(exp)}") + ".c2ln"
    }

    @Test("a missing file says what to check")
    func missing() async {
        let source = TokenFileSource(path: "/nonexistent/token", now: { Date() })
        do {
            _ = try await source.fetchToken()
            Issue.record("read a missing file")
        } catch {
            #expect(
                "\(error)"
                    == "cannot read the identity token at /nonexistent/token: No such file or directory. Is the "
                    + "projected service-account token volume mounted at that path?"
            )
            #expect(failureKind(of: error) == .source)
        }
    }

    @Test("re-reads the path each time, following a kubelet-style symlink swap")
    func rereads() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tok-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/v1", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/v2", withIntermediateDirectories: true)
        try Self.jwt(exp: 4_000_000_000).write(toFile: dir + "/v1/token", atomically: true, encoding: .utf8)
        try Self.jwt(exp: 4_000_000_001).write(toFile: dir + "/v2/token", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: dir + "/..data", withDestinationPath: "v1")
        try FileManager.default.createSymbolicLink(atPath: dir + "/token", withDestinationPath: "..data/token")
        let source = TokenFileSource(path: dir + "/token", now: { Date(timeIntervalSince1970: 1_700_000_000) })
        #expect(try await source.fetchToken().claims.expiresAt == Date(timeIntervalSince1970: 4_000_000_000))
        try FileManager.default.createSymbolicLink(atPath: dir + "/..data_tmp", withDestinationPath: "v2")
        #expect(rename(dir + "/..data_tmp", dir + "/..data") == 0)
        #expect(try await source.fetchToken().claims.expiresAt == Date(timeIntervalSince1970: 4_000_000_001))
    }

    @Test("an expired token fails before any exchange")
    func expired() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tok-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Self.jwt(exp: 1000).write(toFile: dir + "/token", atomically: true, encoding: .utf8)
        let source = TokenFileSource(path: dir + "/token", now: { Date(timeIntervalSince1970: 2000) })
        await #expect(throws: IdentityTokenError.self) { try await source.fetchToken() }
    }
}
