import Prometheus

/// The ServiceAccount cache's metrics, in the webhook's registry; labels bounded (`result`).
public final class ServiceAccountMetrics: Sendable {
    /// How a lookup was answered.
    public enum LookupResult: String, Sendable, CaseIterable {
        /// From the cache.
        case hit
        /// Not cached; read with a direct GET.
        case fetched
        /// Not cached, and the API server says it does not exist.
        case notFound = "not_found"
        /// Neither the cache nor the API server could answer.
        case unavailable
    }

    private let cached: Gauge
    private let restarts: Counter
    private let lookups: [LookupResult: Counter]

    public init(registry: PrometheusCollectorRegistry) {
        cached = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "skyferry",
                subsystem: "webhook",
                metricName: "serviceaccounts_cached",
                unitName: "",
                helpText: "ServiceAccounts in the webhook's cache."
            )
        )
        restarts = registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "skyferry",
                subsystem: "webhook",
                metricName: "serviceaccount_watch_restarts",
                unitName: "total",
                helpText: "ServiceAccount lists and watches restarted after an error or 410 Gone "
                    + "(not the server's watch timeouts)."
            )
        )
        var lookups: [LookupResult: Counter] = [:]
        for result in LookupResult.allCases {
            lookups[result] = registry.makeCounter(
                descriptor: MetricNameDescriptor(
                    namespace: "skyferry",
                    subsystem: "webhook",
                    metricName: "serviceaccount_lookups",
                    unitName: "total",
                    helpText: "ServiceAccount lookups for labelled pods, by result (hit, fetched, not_found, "
                        + "unavailable)."
                ),
                labels: [("result", result.rawValue)]
            )
        }
        self.lookups = lookups
    }

    public func setCached(_ count: Int) {
        cached.set(Int64(count))
    }

    public func recordRestart() {
        restarts.increment()
    }

    public func record(_ result: LookupResult) {
        lookups[result]?.increment()
    }
}
