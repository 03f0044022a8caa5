import FoundationEssentials
import SFCore
import SFDiagnostics
import Synchronization

/// Passes requests on and keeps, per request, the URL, status, `Date` header and timing — nothing else
/// (never a body or a header that could carry a token): what `DoctorChecks.reachability` and `.clock` judge.
public final class RecordingTransport: HTTPTransport {
    let base: any HTTPTransport
    let now: @Sendable () -> Date
    private let box = Mutex<[HTTPExchangeRecord]>([])

    public init(base: any HTTPTransport, now: @escaping @Sendable () -> Date) {
        self.base = base
        self.now = now
    }

    /// Every request sent so far, in order.
    public var records: [HTTPExchangeRecord] { box.withLock { $0 } }

    public func send(_ request: HTTPRequest, timeout: Duration) async throws(HTTPTransportError) -> HTTPResponse {
        let start = now()
        let url = request.endpoint.url
        do {
            let response = try await base.send(request, timeout: timeout)
            let record = HTTPExchangeRecord(
                url: url,
                status: response.status,
                dateHeader: response.header("Date"),
                start: start,
                end: now()
            )
            box.withLock { $0.append(record) }
            return response
        } catch {
            let record = HTTPExchangeRecord(
                url: url,
                status: nil,
                dateHeader: nil,
                start: start,
                end: now(),
                error: "\(error)"
            )
            box.withLock { $0.append(record) }
            throw error
        }
    }
}
