import Hummingbird
import Logging
import SFServer
import Synchronization
import Testing

/// Where handler errors become responses (`HTTP1Server.response(for:request:logger:)`), without a socket.
struct HTTP1ServerTests {
    /// Keeps every log record, for the assertions.
    final class Records: Sendable {
        let entries = Mutex<[(level: Logger.Level, message: String, metadata: Logger.Metadata)]>([])
        var all: [(level: Logger.Level, message: String, metadata: Logger.Metadata)] { entries.withLock { $0 } }
    }

    struct RecordingHandler: LogHandler {
        let records: Records
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            records.entries.withLock { $0.append((event.level, "\(event.message)", event.metadata ?? [:])) }
        }
    }

    struct SecretBearingFailure: Error, CustomStringConvertible {
        var description: String { "the token exchange failed (status 502)" }
    }

    static let request = HTTPRequest(
        method: .get,
        scheme: nil,
        authority: "127.0.0.1:9911",
        path: "/v1/credentials/s3",
        headerFields: [.authorization: "t0ken"]
    )

    @Test("an unexpected error is logged once, with its type and description, and answered 500")
    func unexpected() {
        let records = Records()
        let logger = Logger(label: "test") { _ in RecordingHandler(records: records) }
        let response = HTTP1Server.response(for: SecretBearingFailure(), request: Self.request, logger: logger)
        #expect(response.status == .internalServerError)
        #expect(records.all.count == 1)
        let record = records.all.first
        #expect(record?.level == .error)
        #expect(record?.message == "request handler failed; answered 500")
        #expect(record?.metadata["error"] == "the token exchange failed (status 502)")
        #expect(record?.metadata["error.type"] == "SFServerTests.HTTP1ServerTests.SecretBearingFailure")
        #expect(record?.metadata["http.method"] == "GET")
        // Nothing from the request's headers (the authorization token) reaches the log.
        #expect(!"\(records.all)".contains("t0ken"))
    }

    @Test("an HTTPError is an answer with its status, not logged")
    func httpError() {
        let records = Records()
        let logger = Logger(label: "test") { _ in RecordingHandler(records: records) }
        #expect(
            HTTP1Server.response(for: HTTPError(.notFound), request: Self.request, logger: logger).status
                == .notFound
        )
        #expect(
            HTTP1Server.response(for: HTTPError(.contentTooLarge), request: Self.request, logger: logger).status
                == .contentTooLarge
        )
        #expect(records.all.isEmpty)
    }
}
