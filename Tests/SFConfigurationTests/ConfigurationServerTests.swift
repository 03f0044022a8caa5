import SFConfiguration
import SFCore
import Testing

/// `server`: the loopback servers' timeouts and connection cap (the webhook's `server` keys, minus the handshake).
struct ConfigurationServerTests {
    static func parse(_ server: String) throws -> AgentConfiguration {
        try ConfigurationParser().parse(ConfigurationParserTests.minimal + "\n" + server, origin: "c.yaml")
    }

    static func rejection(_ server: String) -> String {
        ConfigurationParserTests.rejection(ConfigurationParserTests.minimal + "\n" + server)
    }

    @Test("without server, every loopback server gets ServerLimits.loopback: read 5 s, idle 15 s, 128 connections")
    func defaults() throws {
        let limits = try ConfigurationParser().parse(ConfigurationParserTests.minimal, origin: "c.yaml").server
        #expect(limits == .loopback)
        #expect(
            limits
                == ServerLimits(
                    handshakeTimeoutSeconds: 10,
                    readTimeoutSeconds: 5,
                    idleTimeoutSeconds: 15,
                    maximumConnections: 128
                )
        )
    }

    @Test("each key sets its limit; the others keep their defaults; the range ends are accepted")
    func values() throws {
        #expect(
            try Self.parse("server: {readTimeoutSeconds: 1, idleTimeoutSeconds: 2, maxConnections: 3}").server
                == ServerLimits(
                    handshakeTimeoutSeconds: 10,
                    readTimeoutSeconds: 1,
                    idleTimeoutSeconds: 2,
                    maximumConnections: 3
                )
        )
        #expect(
            try Self.parse("server:\n  idleTimeoutSeconds: 3600").server
                == ServerLimits(
                    handshakeTimeoutSeconds: 10,
                    readTimeoutSeconds: 5,
                    idleTimeoutSeconds: 3600,
                    maximumConnections: 128
                )
        )
        #expect(
            try Self.parse("server: {readTimeoutSeconds: 3600, maxConnections: 100000}").server
                == ServerLimits(
                    handshakeTimeoutSeconds: 10,
                    readTimeoutSeconds: 3600,
                    idleTimeoutSeconds: 15,
                    maximumConnections: 100_000
                )
        )
    }

    @Test("out-of-range values name the key, the line and the range")
    func ranges() {
        #expect(
            Self.rejection("server:\n  maxConnections: 0") == "configuration file c.yaml is invalid: "
                + "server.maxConnections (line 10): 0 is out of range (expected 1-100000)"
        )
        #expect(
            Self.rejection("server: {readTimeoutSeconds: 0, idleTimeoutSeconds: 3601, maxConnections: 100001}") == """
                configuration file c.yaml is invalid (3 problems):
                  - server.readTimeoutSeconds (line 9): 0 is out of range (expected 1-3600)
                  - server.idleTimeoutSeconds (line 9): 3601 is out of range (expected 1-3600)
                  - server.maxConnections (line 9): 100001 is out of range (expected 1-100000)
                """
        )
    }

    @Test("wrong types name the key and the value found")
    func wrongTypes() {
        #expect(
            Self.rejection("server:\n  readTimeoutSeconds: \"5\"\n  idleTimeoutSeconds: 1.5\n  maxConnections: [1]")
                == """
                configuration file c.yaml is invalid (3 problems):
                  - server.readTimeoutSeconds (line 10): expected a whole number in 1-3600, found the string "5"
                  - server.idleTimeoutSeconds (line 11): expected a whole number in 1-3600, found "1.5"
                  - server.maxConnections (line 12): expected a whole number in 1-100000, found a list
                """
        )
        #expect(
            Self.rejection("server: 30") == "configuration file c.yaml is invalid: server (line 9): "
                + "expected a mapping with keys readTimeoutSeconds, idleTimeoutSeconds, maxConnections, found a scalar"
        )
    }

    @Test("unknown keys are named with the expected ones; handshakeTimeoutSeconds says why it does not apply")
    func unknownKeys() {
        #expect(
            Self.rejection("server:\n  maxConnection: 5") == "configuration file c.yaml is invalid: "
                + "server.maxConnection (line 10): unknown key (did you mean \"maxConnections\"?); "
                + "expected one of: readTimeoutSeconds, idleTimeoutSeconds, maxConnections"
        )
        #expect(
            Self.rejection("server:\n  handshakeTimeoutSeconds: 10\n  maxConnections: 0") == """
                configuration file c.yaml is invalid (2 problems):
                  - server.handshakeTimeoutSeconds (line 10): not accepted by the agent: its loopback servers speak \
                plain \
                HTTP, there is no TLS handshake to time; expected one of: readTimeoutSeconds, idleTimeoutSeconds, \
                maxConnections
                  - server.maxConnections (line 11): 0 is out of range (expected 1-100000)
                """
        )
    }
}
