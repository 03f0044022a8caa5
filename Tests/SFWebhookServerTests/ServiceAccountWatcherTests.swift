import Foundation
import Logging
import SFCore
import SFWebhook
import SFWebhookServer
import Synchronization
import Testing

/// `ServiceAccountWatcher` and `ServiceAccountResolver` against scripted transports: the requests they make
/// and what reaches the cache.
struct ServiceAccountWatcherTests {
    static let api = ServiceAccountReference(namespace: "shop", name: "api")
    static let worker = ServiceAccountReference(namespace: "shop", name: "worker")
    static let role = "arn:aws:iam::123456789012:role/r"
    static let requests = KubernetesAPIRequests(
        server: Endpoint(scheme: .https, host: "10.96.0.1", port: 443),
        watchTimeoutSeconds: 60
    )

    /// Requests by URL, and the answers in order.
    final class Script: Sendable {
        let seen = Mutex<[String]>([])
        let answers: Mutex<[HTTPResponse]>
        let streams: Mutex<[[String]]>

        init(answers: [HTTPResponse], streams: [[String]] = []) {
            self.answers = Mutex(answers)
            self.streams = Mutex(streams)
        }

        var urls: [String] { seen.withLock { $0 } }
    }

    struct Transport: HTTPTransport {
        let script: Script
        func send(_ request: HTTPRequest, timeout: Duration) async throws(HTTPTransportError) -> HTTPResponse {
            script.seen.withLock { $0.append(request.url) }
            guard let next = script.answers.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else {
                throw .connectFailed(url: request.url, reason: "Connection refused")
            }
            return next
        }
    }

    struct Streams: HTTPLineStreamTransport {
        let script: Script
        func stream(
            _ request: HTTPRequest,
            timeout: Duration,
            onLine: @escaping @Sendable ([UInt8]) -> Bool
        ) async throws(HTTPTransportError) -> HTTPResponse {
            script.seen.withLock { $0.append(request.url) }
            guard let lines = script.streams.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else {
                try? await Task.sleep(for: .seconds(60))  // a quiet watch, until the test ends
                throw .cancelled(url: request.url)
            }
            for line in lines where !onLine(Array(line.utf8)) { break }
            return HTTPResponse(status: 200)
        }
    }

    static func tokenFile() throws -> KubernetesTokenFile {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("token-\(UUID().uuidString)").path
        try "t0ken\n".write(toFile: path, atomically: true, encoding: .utf8)
        return KubernetesTokenFile(path: path)
    }

    static func page(_ items: String, rv: String, next: String? = nil) -> HTTPResponse {
        let token = next.map { #","continue":"\#($0)""# } ?? ""
        let body =
            #"{"kind":"ServiceAccountList","metadata":{"resourceVersion":"\#(rv)"\#(token)},"items":[\#(items)]}"#
        return HTTPResponse(status: 200, body: Array(body.utf8))
    }

    static func account(_ name: String, rv: String, role: String? = nil) -> String {
        let annotations = role.map { #","annotations":{"skyferry.dev/aws-role-arn":"\#($0)"}"# } ?? ""
        return #"{"metadata":{"name":"\#(name)","namespace":"shop","resourceVersion":"\#(rv)"\#(annotations)}}"#
    }

    /// Runs the watcher until `done` holds (or 5 s), then cancels it.
    static func run(
        _ script: Script,
        cache: ServiceAccountCache,
        until done: @escaping @Sendable () -> Bool
    )
        async throws
    {
        let watcher = ServiceAccountWatcher(
            cache: cache,
            requests: requests,
            transport: Transport(script: script),
            streams: Streams(script: script),
            token: try tokenFile(),
            metrics: ServiceAccountMetrics(registry: WebhookMetrics().registry),
            backoff: Backoff(initial: .milliseconds(1), maximum: .milliseconds(2)),
            logger: Logger(label: "test")
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await watcher.run() }
            let deadline = ContinuousClock.now + .seconds(5)
            while !done() && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
            group.cancelAll()
        }
    }

    @Test("lists every page, then watches from the list's resourceVersion and resumes from the last event")
    func listThenWatch() async throws {
        let script = Script(
            answers: [
                Self.page(Self.account("api", rv: "5", role: Self.role), rv: "10", next: "c1"),
                Self.page(Self.account("old", rv: "6"), rv: "10"),
            ],
            streams: [
                [
                    #"{"type":"ADDED","object":\#(Self.account("worker", rv: "11"))}"#,
                    #"{"type":"DELETED","object":\#(Self.account("old", rv: "12"))}"#,
                    #"{"type":"BOOKMARK","object":{"kind":"ServiceAccount","metadata":{"resourceVersion":"15"}}}"#,
                ]
            ]
        )
        let cache = ServiceAccountCache(readyTimeout: .seconds(10))
        try await Self.run(script, cache: cache) { script.urls.count >= 4 }
        let base = "https://10.96.0.1:443/api/v1/serviceaccounts?"
        #expect(
            script.urls == [
                base + "limit=500", base + "limit=500&continue=c1",
                base + "watch=1&allowWatchBookmarks=true&resourceVersion=10&timeoutSeconds=60",
                base + "watch=1&allowWatchBookmarks=true&resourceVersion=15&timeoutSeconds=60",
            ]
        )
        #expect(cache.hasSynced && cache.count == 2)
        #expect(cache.annotations(of: Self.api) == ["skyferry.dev/aws-role-arn": Self.role])
        #expect(cache.annotations(of: Self.worker) == [:])
    }

    @Test("an ERROR 410 event relists; an unreachable API server is retried with backoff")
    func goneRelists() async throws {
        let script = Script(
            answers: [Self.page("", rv: "10"), Self.page(Self.account("api", rv: "20"), rv: "20")],
            streams: [[#"{"type":"ERROR","object":{"kind":"Status","code":410,"message":"too old"}}"#]]
        )
        let cache = ServiceAccountCache(readyTimeout: .seconds(10))
        try await Self.run(script, cache: cache) { script.urls.count >= 4 }
        let base = "https://10.96.0.1:443/api/v1/serviceaccounts?"
        #expect(
            Array(script.urls.prefix(4)) == [
                base + "limit=500", base + "watch=1&allowWatchBookmarks=true&resourceVersion=10&timeoutSeconds=60",
                base + "limit=500", base + "watch=1&allowWatchBookmarks=true&resourceVersion=20&timeoutSeconds=60",
            ]
        )
        #expect(cache.count == 1)
    }

    @Test("not ready until the first list, unless the bounded wait has passed")
    func readiness() {
        let start = ContinuousClock.now
        let cache = ServiceAccountCache(readyTimeout: .seconds(10), started: start)
        #expect(!cache.isReady(now: start + .seconds(9)))
        #expect(cache.isReady(now: start + .seconds(10)))
        _ = cache.update { $0.listed(ServiceAccountListPage(records: [], resourceVersion: "1")) }
        #expect(cache.isReady(now: start))
    }

    static func resolver(_ script: Script, cache: ServiceAccountCache) throws -> ServiceAccountResolver {
        ServiceAccountResolver(
            cache: cache,
            requests: requests,
            transport: Transport(script: script),
            token: try tokenFile(),
            metrics: ServiceAccountMetrics(registry: WebhookMetrics().registry)
        )
    }

    @Test("a miss is read with a GET and remembered; 404 is not found; no answer is unavailable")
    func resolver() async throws {
        let cache = ServiceAccountCache(readyTimeout: .seconds(10))
        let body = Array(
            #"{"kind":"ServiceAccount","apiVersion":"v1",\#(Self.account("api", rv: "3", role: Self.role).dropFirst())"#
                .utf8
        )
        let script = Script(answers: [HTTPResponse(status: 200, body: body), HTTPResponse(status: 404)])
        let resolver = try Self.resolver(script, cache: cache)
        #expect(
            await resolver.lookup(Self.api) == .found(Self.api, annotations: ["skyferry.dev/aws-role-arn": Self.role])
        )
        #expect(
            await resolver.lookup(Self.api) == .found(Self.api, annotations: ["skyferry.dev/aws-role-arn": Self.role])
        )
        #expect(await resolver.lookup(Self.worker) == .notFound(Self.worker))
        #expect(
            await resolver.lookup(Self.worker)
                == .unavailable(
                    Self.worker,
                    reason: "API server unreachable: cannot connect to "
                        + "https://10.96.0.1:443/api/v1/namespaces/shop/serviceaccounts/worker: Connection refused"
                )
        )
        #expect(script.urls.count == 3, "the second lookup of shop/api is a cache hit")
    }

    @Test("a refused token is re-read once, then reported")
    func unauthorized() async throws {
        let cache = ServiceAccountCache(readyTimeout: .seconds(10))
        let script = Script(answers: [HTTPResponse(status: 401), HTTPResponse(status: 401)])
        let resolver = try Self.resolver(script, cache: cache)
        guard case .unavailable(_, let reason) = await resolver.lookup(Self.api) else {
            Issue.record("expected unavailable")
            return
        }
        #expect(reason.hasPrefix("the API server refused the webhook's token (HTTP 401; kubernetes.tokenFile /"))
        #expect(script.urls.count == 2)
    }
}
