import Foundation
import SFCore
import SFDiagnostics
import SFDoctor
import Synchronization
import Testing

struct RecordingTransportTests {
    /// Answers from a script, in order.
    final class ScriptedTransport: HTTPTransport {
        let script: Mutex<[Result<HTTPResponse, HTTPTransportError>]>
        init(_ script: [Result<HTTPResponse, HTTPTransportError>]) { self.script = Mutex(script) }

        func send(_ request: HTTPRequest, timeout: Duration) async throws(HTTPTransportError) -> HTTPResponse {
            try script.withLock { $0.removeFirst() }.get()
        }
    }

    /// A clock that advances one second per reading.
    final class Ticks: Sendable {
        let seconds = Mutex(1_800_000_000.0)
        func next() -> Date {
            seconds.withLock {
                $0 += 1
                return Date(timeIntervalSince1970: $0)
            }
        }
    }

    @Test("each request's URL, status, Date header and timing; the failure text when no answer came")
    func records() async throws {
        let failure = HTTPTransportError.connectFailed(url: "https://iam.example/", reason: "refused")
        let base = ScriptedTransport([
            .success(
                HTTPResponse(
                    status: 403,
                    headers: [("date", "Fri, 15 Jan 2027 08:00:00 GMT")],
                    body: Array("secret body".utf8)
                )
            ),
            .failure(failure),
        ])
        let ticks = Ticks()
        let recorder = RecordingTransport(base: base, now: { ticks.next() })
        let sts = HTTPRequest(
            method: "POST",
            endpoint: Endpoint(scheme: .https, host: "sts.example"),
            headers: [("Authorization", "Bearer token")]
        )
        let response = try await recorder.send(sts, timeout: .seconds(1))
        #expect(response.status == 403)
        await #expect(throws: failure) {
            try await recorder.send(
                HTTPRequest(method: "GET", endpoint: Endpoint(scheme: .https, host: "iam.example")),
                timeout: .seconds(1)
            )
        }
        #expect(
            recorder.records == [
                HTTPExchangeRecord(
                    url: "https://sts.example/",
                    status: 403,
                    dateHeader: "Fri, 15 Jan 2027 08:00:00 GMT",
                    start: Date(timeIntervalSince1970: 1_800_000_001),
                    end: Date(timeIntervalSince1970: 1_800_000_002)
                ),
                HTTPExchangeRecord(
                    url: "https://iam.example/",
                    status: nil,
                    dateHeader: nil,
                    start: Date(timeIntervalSince1970: 1_800_000_003),
                    end: Date(timeIntervalSince1970: 1_800_000_004),
                    error: failure.description
                ),
            ]
        )
    }

    @Test("the health address answers only when a skyferry agent serves its metrics there")
    func agentAnswers() async {
        let health = ListenAddress(host: "127.0.0.1", port: 8686)
        let metrics = HTTPResponse(status: 200, body: Array("skyferry_refresh_total 1\n".utf8))
        let agent = ScriptedTransport([.success(metrics)])
        #expect(await DoctorProbe.agentAnswers(health: health, transport: agent) == health)
        let other = ScriptedTransport([.success(HTTPResponse(status: 200, body: Array("go_goroutines 7\n".utf8)))])
        #expect(await DoctorProbe.agentAnswers(health: health, transport: other) == nil)
        let refused = HTTPTransportError.connectFailed(url: "http://127.0.0.1:8686/metrics", reason: "refused")
        let down = ScriptedTransport([.failure(refused)])
        #expect(await DoctorProbe.agentAnswers(health: health, transport: down) == nil)
    }
}
