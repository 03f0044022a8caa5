import Foundation
import SFConfiguration
import SFCore
import SFWebhook
import Testing

/// One loading entry point for every command, and one reader's rules for the webhook's file too.
struct ConfigurationLoaderTests {
    static let webhookBase =
        "tls: {certFile: /tls/tls.crt, keyFile: /tls/tls.key}\n"
        + "agent: {image: ghcr.io/example/skyferry:0.1.0}\n"

    @Test("an unreadable file names its path and keeps errno")
    func unreadable() {
        let path = "/nonexistent/skyferry.yaml"
        #expect(throws: ConfigurationError.unreadable(path: path, errno: ENOENT)) {
            try ConfigurationLoader.agent(path: path)
        }
        #expect(throws: ConfigurationError.unreadable(path: path, errno: ENOENT)) {
            try ConfigurationLoader.webhook(path: path)
        }
        #expect(
            ConfigurationError.unreadable(path: path, errno: ENOENT).description
                == "cannot read configuration file /nonexistent/skyferry.yaml: No such file or directory"
        )
    }

    @Test("a file is read and parsed, and an oversized one is refused by the parser's one size check")
    func file() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("skyferry-loader-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("webhook.yaml").path
        try Self.webhookBase.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try ConfigurationLoader.webhook(path: path).agent.image == "ghcr.io/example/skyferry:0.1.0")
        let large = Self.webhookBase + "#" + String(repeating: "x", count: ConfigurationParser.maxBytes) + "\n"
        try large.write(toFile: path, atomically: true, encoding: .utf8)
        let limit = ConfigurationParser.maxBytes
        #expect(throws: ConfigurationError.tooLarge(path: path, size: limit + 1, limit: limit)) {
            try ConfigurationLoader.webhook(path: path)
        }
    }

    @Test("the webhook's file gets the agent's rules: did you mean, True/FALSE, unquoted integers")
    func webhookRules() throws {
        let parser = WebhookConfigurationParser()
        #expect(try parser.parse(Self.webhookBase + "nativeSidecars: FALSE\n", origin: "w").nativeSidecars == false)
        #expect(try parser.parse(Self.webhookBase + "nativeSidecars: True\n", origin: "w").nativeSidecars == true)
        #expect(
            throws: ConfigurationError.invalid(
                path: "w",
                issues: [
                    ConfigurationIssue(
                        path: "server.idleTimoutSeconds",
                        line: 3,
                        message: "unknown key (did you mean "
                            + "\"idleTimeoutSeconds\"?); expected one of: handshakeTimeoutSeconds, readTimeoutSeconds, "
                            + "idleTimeoutSeconds, maxConnections"
                    ),
                    ConfigurationIssue(
                        path: "server.maxConnections",
                        line: 3,
                        message: "expected a whole number of "
                            + "connections from 1 to 100000, found the string \"64\""
                    ),
                ]
            )
        ) {
            try parser.parse(Self.webhookBase + "server: {idleTimoutSeconds: 5, maxConnections: '64'}\n", origin: "w")
        }
    }
}
