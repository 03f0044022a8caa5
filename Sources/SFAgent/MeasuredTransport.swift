import FoundationEssentials
import Logging
import SFCore

/// Wraps a target's transport to time each request and compare the server's `Date` header with the
/// local clock: a skewed node makes fresh tokens look "used before issued" to the STS.
public struct MeasuredTransport: HTTPTransport {
    let base: any HTTPTransport
    let target: String
    let metrics: AgentMetrics
    let now: @Sendable () -> Date
    let skewWarning: Double
    let logger: Logger

    public init(
        base: any HTTPTransport,
        target: String,
        metrics: AgentMetrics,
        now: @escaping @Sendable () -> Date,
        skewWarningSeconds: Int,
        logger: Logger
    ) {
        self.base = base
        self.target = target
        self.metrics = metrics
        self.now = now
        self.skewWarning = Double(skewWarningSeconds)
        self.logger = logger
    }

    public func send(_ request: HTTPRequest, timeout: Duration) async throws(HTTPTransportError) -> HTTPResponse {
        let start = now()
        let clock = ContinuousClock()
        let began = clock.now
        let response: HTTPResponse
        do {
            response = try await base.send(request, timeout: timeout)
        } catch {
            metrics.recordRequest(target, duration: clock.now - began)
            throw error
        }
        metrics.recordRequest(target, duration: clock.now - began)
        if let skew = ClockSkew.estimate(dateHeader: response.header("Date"), requestStart: start, requestEnd: now()) {
            metrics.recordClockSkew(target, seconds: skew)
            if abs(skew) > skewWarning {
                logger.warning(
                    "local clock differs from the STS clock; tokens may be rejected as not yet valid or expired",
                    metadata: [
                        "target.name": "\(target)", "clock.skew": "\(Int(skew))s",
                        "sts.endpoint": "\(request.endpoint.url)",
                    ]
                )
            }
        }
        return response
    }
}
