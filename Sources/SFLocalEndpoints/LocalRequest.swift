import FoundationEssentials
import SFCore

/// A request to one of the agent's local endpoints, reduced to what the pure responders decide on.
public struct LocalRequest: Sendable, Equatable {
    public var method: String
    /// The path, without the query.
    public var path: String
    /// The raw query string, without `?`.
    public var query: String
    /// Header names lower-cased; the first value of each. Without the (first) `Host`: that is `authority`.
    public var headers: [String: String]
    /// The `Host` header (HTTPTypes moves HTTP/1's first `Host` into the request's authority); nil when
    /// the request had none. `LoopbackRequestPolicy` refuses requests whose authority names another server.
    public var authority: String?

    public init(
        method: String = "GET",
        path: String,
        query: String = "",
        authority: String? = nil,
        headers: [String: String] = [:]
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.authority = authority
        self.headers = Dictionary(
            headers.map { ($0.key.lowercased(), $0.value) },
            uniquingKeysWith: { first, _ in first }
        )
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// Query parameters, percent-decoded (`+` as space); the first value of each name.
    public var queryParameters: [String: String] {
        var result: [String: String] = [:]
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = PercentEncoding.decode(String(parts[0]), plusAsSpace: true), result[name] == nil else {
                continue
            }
            result[name] = parts.count > 1 ? PercentEncoding.decode(String(parts[1]), plusAsSpace: true) ?? "" : ""
        }
        return result
    }
}
