import FoundationEssentials
import SFCore

/// What a local endpoint answers.
public struct LocalResponse: Sendable, Equatable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: String

    public init(status: Int, headers: [(name: String, value: String)] = [], body: String = "") {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public static func json(
        _ status: Int,
        _ body: String,
        extraHeaders: [(name: String, value: String)] = []
    ) -> LocalResponse {
        LocalResponse(status: status, headers: [("Content-Type", "application/json")] + extraHeaders, body: body)
    }

    public static func text(
        _ status: Int,
        _ body: String,
        extraHeaders: [(name: String, value: String)] = []
    ) -> LocalResponse {
        LocalResponse(
            status: status,
            headers: [("Content-Type", "text/plain; charset=utf-8")] + extraHeaders,
            body: body
        )
    }

    public static func == (lhs: LocalResponse, rhs: LocalResponse) -> Bool {
        lhs.status == rhs.status && lhs.body == rhs.body
            && lhs.headers.map(\.name) == rhs.headers.map(\.name)
            && lhs.headers.map(\.value) == rhs.headers.map(\.value)
    }
}
