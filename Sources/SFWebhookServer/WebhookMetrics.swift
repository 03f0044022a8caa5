import Prometheus
import SFWebhook

/// The webhook's Prometheus metrics; the only label is the bounded `result`.
public final class WebhookMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let counters: [AdmissionHandler.Result: Counter]
    private let duration: DurationHistogram

    public init() {
        var counters: [AdmissionHandler.Result: Counter] = [:]
        // Every series exists from the start (at zero), so alerts see them before the first admission.
        for result in AdmissionHandler.Result.allCases {
            counters[result] = registry.makeCounter(
                descriptor: MetricNameDescriptor(namespace: "skyferry", subsystem: "webhook", metricName: "admissions", unitName: "total",
                                                 helpText: "Admission requests by outcome (injected, skipped, denied, invalid)."),
                labels: [("result", result.rawValue)])
        }
        self.counters = counters
        duration = registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(namespace: "skyferry", subsystem: "webhook", metricName: "admission_duration", unitName: "seconds",
                                             helpText: "Time from a request's arrival to its answer being ready (body read, decision, patch)."),
            buckets: [.microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
                      .milliseconds(10), .milliseconds(25), .milliseconds(100)])
    }

    public func record(_ result: AdmissionHandler.Result, duration elapsed: Duration) {
        counters[result]?.increment()
        duration.record(elapsed)
    }

    public func render() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}
