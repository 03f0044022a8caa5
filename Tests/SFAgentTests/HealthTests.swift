import Foundation
import Hummingbird
import HummingbirdTesting
import SFAgent
import SFCore
import SFLocalEndpoints
import Testing

struct ReadinessTests {
    static let now = Date(timeIntervalSince1970: 1_000_000)

    static func state(expiringIn seconds: Double?) -> CredentialStore.TargetState {
        var state = CredentialStore.TargetState()
        state.credentials = seconds.map { credentials(expiring: now.addingTimeInterval($0)) }
        return state
    }

    @Test("ready only when every target has credentials valid beyond the margin")
    func evaluate() {
        let report = Readiness.evaluate(
            targets: ["a", "b", "c", "d"],
            states: [
                "a": Self.state(expiringIn: 3600), "b": Self.state(expiringIn: 30), "c": Self.state(expiringIn: -5),
                "d": Self.state(expiringIn: nil),
            ],
            now: Self.now,
            margin: .seconds(60)
        )
        #expect(!report.ready)
        #expect(
            report.notReady == [
                "b": "credentials expire in 30 s", "c": "credentials expired 5 s ago", "d": "no credentials yet",
            ]
        )
        #expect(
            Readiness.evaluate(
                targets: ["a"],
                states: ["a": Self.state(expiringIn: 61)],
                now: Self.now,
                margin: .seconds(60)
            ).ready
        )
    }
}

struct HealthServerTests {
    @Test("healthz, readyz and metrics over HTTP")
    func routes() async throws {
        let store = CredentialStore(targets: ["s3"])
        let metrics = AgentMetrics(targets: ["s3"])
        let now = Date(timeIntervalSince1970: 2_000_000_000)
        let router = HealthServer.router(
            store: store,
            metrics: metrics,
            targets: ["s3"],
            margin: .seconds(60),
            now: { now }
        )
        let app = Application(router: router)
        try await app.test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "ok\n")
            }
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body) == "s3: no credentials yet\n")
            }
            store.recordSuccess("s3", credentials: credentials(expiring: now.addingTimeInterval(900)), at: now)
            metrics.recordRefresh("s3", kind: nil)
            metrics.recordRefresh("s3", kind: .unavailable)
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
                #expect(text.contains("skyferry_credentials_expiry_seconds{target=\"s3\"} 900.0"))
                #expect(text.contains("skyferry_refreshes_total{target=\"s3\",result=\"success\"} 1"))
                #expect(text.contains("skyferry_refreshes_total{target=\"s3\",result=\"unavailable\"} 1"))
                #expect(text.contains("skyferry_refreshes_total{target=\"s3\",result=\"rejected\"} 0"))
                #expect(text.contains("skyferry_last_success_timestamp_seconds{target=\"s3\"} 2000000000.0"))
                #expect(text.contains("# TYPE skyferry_sts_request_duration_seconds histogram"))
                #expect(!text.contains("secret") && !text.contains("session"))
            }
        }
    }
}

struct ReadinessMarginTests {
    @Test("short-lived credentials count as valid until their last quarter")
    func shortLifetimes() {
        let issued = Date(timeIntervalSince1970: 1000)
        var state = CredentialStore.TargetState()
        state.credentials = credentials(expiring: issued.addingTimeInterval(20))
        state.lastSuccess = issued
        #expect(
            Readiness.effectiveMargin(.seconds(60), issuedAt: issued, expiration: issued.addingTimeInterval(20))
                == .seconds(5)
        )
        #expect(
            Readiness.effectiveMargin(.seconds(60), issuedAt: issued, expiration: issued.addingTimeInterval(3600))
                == .seconds(60)
        )
        #expect(
            Readiness.evaluate(
                targets: ["a"],
                states: ["a": state],
                now: issued.addingTimeInterval(14),
                margin: .seconds(60)
            ).ready
        )
        #expect(
            !Readiness.evaluate(
                targets: ["a"],
                states: ["a": state],
                now: issued.addingTimeInterval(16),
                margin: .seconds(60)
            ).ready
        )
    }
}

struct CredentialStoreTests {
    @Test("valid credentials honour the scaled margin and never include expired ones")
    func valid() {
        let store = CredentialStore(targets: ["a"])
        let issued = Date(timeIntervalSince1970: 1000)
        #expect(store.validCredentials("a", now: issued) == nil)
        store.recordSuccess("a", credentials: credentials(expiring: issued.addingTimeInterval(20)), at: issued)
        #expect(store.validCredentials("a", now: issued.addingTimeInterval(14), margin: .seconds(60)) != nil)
        #expect(store.validCredentials("a", now: issued.addingTimeInterval(16), margin: .seconds(60)) == nil)
        #expect(store.validCredentials("a", now: issued.addingTimeInterval(21)) == nil)
    }
}
