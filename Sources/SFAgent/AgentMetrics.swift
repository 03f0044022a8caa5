import FoundationEssentials
import Prometheus
import SFCore
import SFLocalEndpoints
import SFServer

/// The agent's Prometheus metrics. Labels are bounded: `target` (from the configuration), `result`, and for
/// connections `server` (a loopback server's kind) and `reason` (`ConnectionCloseReason`).
public final class AgentMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let targets: [String]
    private let refreshResults = ["success", "source_error", "rejected", "unavailable", "output_error"]

    public init(targets: [String]) {
        self.targets = targets
        // Every series exists from the start (at zero), so dashboards and alerts see them before the first event.
        for target in targets {
            for result in refreshResults { _ = refreshCounter(target, result) }
            _ = stsDuration(target)
        }
    }

    func refreshCounter(_ target: String, _ result: String) -> Counter {
        registry.makeCounter(
            descriptor: Self.name("refreshes", "total", "Credential refreshes by outcome."),
            labels: [("target", target), ("result", result)]
        )
    }

    func stsDuration(_ target: String) -> DurationHistogram {
        registry.makeDurationHistogram(
            descriptor: Self.name(
                "sts_request_duration",
                "seconds",
                "Duration of HTTP requests to the STS (and other token endpoints)."
            ),
            labels: [("target", target)],
            buckets: [
                .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
                .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
            ]
        )
    }

    static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "skyferry", metricName: metric, unitName: unit, helpText: help)
    }

    public func recordRefresh(_ target: String, kind: FailureKind?) {
        refreshCounter(target, kind.map(CredentialStore.label) ?? "success").increment()
    }

    public func recordRequest(_ target: String, duration: Duration) {
        stsDuration(target).record(duration)
    }

    public func recordClockSkew(_ target: String, seconds: Double) {
        registry.makeGauge(
            descriptor: Self.name(
                "clock_skew",
                "seconds",
                "STS Date header minus the local clock at the last response (positive: local clock behind)."
            ),
            labels: [("target", target)]
        ).set(seconds)
    }

    /// Counts one loopback server's connections for its connection limiter. `server` is the server's kind
    /// (`awsContainerEndpoint`, `gcpMetadataServer`, `imds`, `health`): servers of one kind share their series.
    /// Makes the series at zero, so they exist from the server's start.
    public func connectionObserver(server: String) -> ConnectionObserver {
        let open = registry.makeGauge(
            descriptor: Self.name(
                "connections_open",
                "",
                "Client connections open now, by loopback server "
                    + "(at most server.maxConnections each)."
            ),
            labels: [("server", server)]
        )
        var closed: [ConnectionCloseReason: Counter] = [:]
        // Plain HTTP: no handshake, so no handshake_timeout series that could only ever read 0.
        for reason in ConnectionCloseReason.allCases where reason != .handshakeTimeout {
            closed[reason] = registry.makeCounter(
                descriptor: Self.name(
                    "connections_closed",
                    "total",
                    "Client connections closed, by loopback server "
                        + "and reason (timeouts, evicted or refused at the cap, other)."
                ),
                labels: [("server", server), ("reason", reason.rawValue)]
            )
        }
        let counters = closed
        return ConnectionObserver(
            opened: { open.increment() },
            closed: { reason in
                // A refused connection was never counted as open.
                if reason != .refused { open.decrement() }
                counters[reason]?.increment()
            }
        )
    }

    /// The metrics text, with time-dependent gauges computed from the store at scrape time.
    public func render(store: CredentialStore, now: Date) -> [UInt8] {
        let states = store.snapshot()
        for target in targets {
            let state = states[target]
            let expiry = registry.makeGauge(
                descriptor: Self.name(
                    "credentials_expiry",
                    "seconds",
                    "Seconds until the current credentials expire (negative: expired; absent credentials: -1)."
                ),
                labels: [("target", target)]
            )
            if let credentials = state?.credentials {
                expiry.set(credentials.expiration.timeIntervalSince(now))
                registry.makeGauge(
                    descriptor: Self.name(
                        "credentials_expiration_timestamp",
                        "seconds",
                        "Unix time at which the current credentials expire."
                    ),
                    labels: [("target", target)]
                ).set(credentials.expiration.timeIntervalSince1970)
            } else {
                expiry.set(-1.0 as Double)
            }
            if let success = state?.lastSuccess {
                registry.makeGauge(
                    descriptor: Self.name(
                        "last_success_timestamp",
                        "seconds",
                        "Unix time of the last successful refresh."
                    ),
                    labels: [("target", target)]
                ).set(success.timeIntervalSince1970)
            }
            registry.makeGauge(
                descriptor: Self.name("consecutive_failures", "", "Failed refreshes since the last success."),
                labels: [("target", target)]
            ).set(Double(state?.consecutiveFailures ?? 0))
        }
        return registry.emitToBuffer()
    }
}
