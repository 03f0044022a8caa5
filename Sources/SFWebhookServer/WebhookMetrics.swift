import Prometheus
import SFServer
import SFWebhook

/// The webhook's Prometheus metrics; labels are bounded (`result`, `reason`).
public final class WebhookMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let counters: [AdmissionOutcome: Counter]
    private let duration: DurationHistogram
    private let connectionsOpen: Gauge
    private let connectionsClosed: [ConnectionCloseReason: Counter]
    private let reloadFailures: Counter

    public init() {
        var counters: [AdmissionOutcome: Counter] = [:]
        // Every series exists from the start (at zero), so alerts see them before the first admission.
        for result in AdmissionOutcome.allCases {
            counters[result] = registry.makeCounter(
                descriptor: MetricNameDescriptor(
                    namespace: "skyferry",
                    subsystem: "webhook",
                    metricName: "admissions",
                    unitName: "total",
                    helpText: "Admission requests by outcome (injected, skipped, denied, invalid)."
                ),
                labels: [("result", result.rawValue)]
            )
        }
        self.counters = counters
        duration = registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "skyferry",
                subsystem: "webhook",
                metricName: "admission_duration",
                unitName: "seconds",
                helpText: "Time from a request's arrival to its answer being ready (body read, decision, patch)."
            ),
            buckets: [
                .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
                .milliseconds(5),
                .milliseconds(10), .milliseconds(25), .milliseconds(100),
            ]
        )
        connectionsOpen = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "skyferry",
                subsystem: "webhook",
                metricName: "connections_open",
                unitName: "",
                helpText: "Client connections open now (at most server.maxConnections)."
            )
        )
        var closed: [ConnectionCloseReason: Counter] = [:]
        for reason in ConnectionCloseReason.allCases {
            closed[reason] = registry.makeCounter(
                descriptor: MetricNameDescriptor(
                    namespace: "skyferry",
                    subsystem: "webhook",
                    metricName: "connections_closed",
                    unitName: "total",
                    helpText: "Client connections closed, by reason "
                        + "(timeouts, evicted or refused at the cap, other)."
                ),
                labels: [("reason", reason.rawValue)]
            )
        }
        connectionsClosed = closed
        reloadFailures = registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "skyferry",
                subsystem: "webhook",
                metricName: "certificate_reload_failures",
                unitName: "total",
                helpText: "Rotated TLS files that could not be loaded; "
                    + "the previous certificate kept serving."
            )
        )
    }

    /// Counts connections for `WebhookServer`'s connection limiter.
    public var connectionObserver: ConnectionObserver {
        let open = connectionsOpen
        let closed = connectionsClosed
        return ConnectionObserver(
            opened: { open.increment() },
            closed: { reason in
                if reason != .refused { open.decrement() }
                closed[reason]?.increment()
            }
        )
    }

    public func recordCertificateReloadFailure() {
        reloadFailures.increment()
    }

    public func record(_ result: AdmissionOutcome, duration elapsed: Duration) {
        counters[result]?.increment()
        duration.record(elapsed)
    }

    public func render() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}
