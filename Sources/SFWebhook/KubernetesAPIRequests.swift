import SFCore

/// The requests the webhook makes to the Kubernetes API server (core/v1 ServiceAccounts), built pure.
public struct KubernetesAPIRequests: Sendable, Equatable {
    /// Items per list page (client-go's informers use 500).
    public static let pageSize = 500

    public var server: Endpoint
    /// The longest a watch is asked to last (`timeoutSeconds`); the server may end it earlier.
    public var watchTimeoutSeconds: Int

    public init(server: Endpoint, watchTimeoutSeconds: Int) {
        self.server = server
        self.watchTimeoutSeconds = watchTimeoutSeconds
    }

    public func list(continueToken: String?, token: String) -> HTTPRequest {
        var query = "limit=\(Self.pageSize)"
        if let continueToken { query += "&continue=" + PercentEncoding.encode(continueToken) }
        return request(path: "/api/v1/serviceaccounts", query: query, token: token)
    }

    public func watch(resourceVersion: String, token: String) -> HTTPRequest {
        let query =
            "watch=1&allowWatchBookmarks=true&resourceVersion=" + PercentEncoding.encode(resourceVersion)
            + "&timeoutSeconds=\(watchTimeoutSeconds)"
        return request(path: "/api/v1/serviceaccounts", query: query, token: token)
    }

    public func get(_ reference: ServiceAccountReference, token: String) -> HTTPRequest {
        let path =
            "/api/v1/namespaces/" + PercentEncoding.encode(reference.namespace) + "/serviceaccounts/"
            + PercentEncoding.encode(reference.name)
        return request(path: path, query: "", token: token)
    }

    /// The `Authorization` header is built here and nowhere else; its origin names the token file in errors.
    private func request(path: String, query: String, token: String) -> HTTPRequest {
        HTTPRequest(
            method: "GET",
            endpoint: server.appendingPath(path),
            query: query,
            headers: [("Authorization", "Bearer " + token), ("Accept", "application/json")]
        )
    }
}
