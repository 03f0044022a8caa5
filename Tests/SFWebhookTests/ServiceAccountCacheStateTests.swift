import SFCore
import SFWebhook
import Testing

struct ServiceAccountCacheStateTests {
    static let api = ServiceAccountReference(namespace: "shop", name: "api")
    static let worker = ServiceAccountReference(namespace: "shop", name: "worker")
    static let role = ["skyferry.dev/aws-role-arn": "arn:aws:iam::123456789012:role/r"]

    static func record(
        _ reference: ServiceAccountReference,
        _ annotations: [String: String] = [:],
        rv: String
    )
        -> ServiceAccountRecord
    {
        ServiceAccountRecord(reference: reference, annotations: annotations, resourceVersion: rv)
    }

    @Test("a paginated list, then a watch from the list's resourceVersion")
    func listThenWatch() {
        var state = ServiceAccountCacheState()
        #expect(state.first == .init(.list(continueToken: nil)))
        let next = state.listed(
            .init(
                records: [Self.record(Self.api, Self.role, rv: "5")],
                resourceVersion: "10",
                continueToken: "c1"
            )
        )
        #expect(next == .init(.list(continueToken: "c1")))
        #expect(!state.hasSynced && state.accounts.isEmpty)
        let watch = state.listed(.init(records: [Self.record(Self.worker, rv: "7")], resourceVersion: "10"))
        #expect(watch == .init(.watch(resourceVersion: "10")))
        #expect(state.hasSynced && state.accounts == [Self.api: Self.role, Self.worker: [:]])
    }

    @Test("events and bookmarks move the resourceVersion; a clean end resumes from it")
    func eventsAndBookmarks() {
        var state = ServiceAccountCacheState()
        _ = state.listed(.init(records: [Self.record(Self.api, rv: "5")], resourceVersion: "10"))
        #expect(state.received(.upsert(Self.record(Self.api, Self.role, rv: "11"))) == nil)
        #expect(state.received(.upsert(Self.record(Self.worker, rv: "12"))) == nil)
        #expect(state.received(.deleted(Self.record(Self.worker, rv: "13"))) == nil)
        #expect(state.received(.bookmark(resourceVersion: "20")) == nil)
        #expect(state.accounts == [Self.api: Self.role])
        #expect(state.resourceVersion == "20")
        #expect(state.watchEnded() == .init(.watch(resourceVersion: "20")))
        #expect(state.restarts == 0)
    }

    @Test("410 Gone relists at once and keeps answering from the old entries until the list completes")
    func goneRelists() {
        var state = ServiceAccountCacheState()
        _ = state.listed(.init(records: [Self.record(Self.api, Self.role, rv: "5")], resourceVersion: "10"))
        #expect(
            state.received(.error(code: 410, message: "too old resource version")) == .init(.list(continueToken: nil))
        )
        #expect(state.accounts == [Self.api: Self.role])
        #expect(state.listed(.init(records: [], resourceVersion: "30")) == .init(.watch(resourceVersion: "30")))
        #expect(state.accounts.isEmpty && state.restarts == 1)
    }

    @Test("errors retry the same step with a growing backoff, reset by progress")
    func backoff() {
        var state = ServiceAccountCacheState()
        #expect(state.failed(gone: false) == .init(.list(continueToken: nil), backoffAttempt: 0))
        #expect(state.failed(gone: false) == .init(.list(continueToken: nil), backoffAttempt: 1))
        _ = state.listed(.init(records: [], resourceVersion: "10", continueToken: "c"))
        #expect(state.failed(gone: false) == .init(.list(continueToken: "c"), backoffAttempt: 0))
        #expect(state.failed(gone: true) == .init(.list(continueToken: nil)))
        _ = state.listed(.init(records: [], resourceVersion: "12"))
        #expect(state.failed(gone: false) == .init(.watch(resourceVersion: "12"), backoffAttempt: 0))
        #expect(
            state.received(.error(code: 500, message: "internal"))
                == .init(
                    .watch(resourceVersion: "12"),
                    backoffAttempt: 1
                )
        )
        #expect(state.restarts == 6)
    }

    @Test("a ServiceAccount read directly is remembered, and the watch has the last word")
    func remember() {
        var state = ServiceAccountCacheState()
        _ = state.listed(.init(records: [], resourceVersion: "10"))
        state.remember(Self.record(Self.api, Self.role, rv: "11"))
        #expect(state.accounts[Self.api] == Self.role)
        _ = state.received(.deleted(Self.record(Self.api, rv: "12")))
        #expect(state.accounts[Self.api] == nil)
    }

    @Test("list pages and watch events decode from the API server's JSON")
    func decoding() throws {
        let page = try ServiceAccountListPage(
            decoding: Array(
                """
                {"kind":"ServiceAccountList","apiVersion":"v1","metadata":{"resourceVersion":"42","continue":"abc",\
                "remainingItemCount":3},"items":[{"metadata":{"name":"api","namespace":"shop","resourceVersion":"40",\
                "annotations":{"skyferry.dev/aws-region":"eu-west-1","other.example/x":"y"}}}]}
                """.utf8
            )
        )
        #expect(
            page
                == .init(
                    records: [Self.record(Self.api, ["skyferry.dev/aws-region": "eu-west-1"], rv: "40")],
                    resourceVersion: "42",
                    continueToken: "abc"
                )
        )
        let bookmark = try ServiceAccountWatchEvent(
            decoding: Array(
                #"{"type":"BOOKMARK","object":{"kind":"ServiceAccount","metadata":{"resourceVersion":"50"}}}"#.utf8
            )
        )
        #expect(bookmark == .bookmark(resourceVersion: "50"))
        let gone = try ServiceAccountWatchEvent(
            decoding: Array(#"{"type":"ERROR","object":{"kind":"Status","code":410,"message":"too old"}}"#.utf8)
        )
        #expect(gone == .error(code: 410, message: "too old"))
        let deleted = try ServiceAccountWatchEvent(
            decoding: Array(
                #"{"type":"DELETED","object":{"metadata":{"name":"api","namespace":"shop","resourceVersion":"51"}}}"#
                    .utf8
            )
        )
        #expect(deleted == .deleted(Self.record(Self.api, rv: "51")))
        let unknown = KubernetesDecodingError.field(
            "type",
            "expected ADDED, MODIFIED, DELETED, BOOKMARK or ERROR, found \"X\""
        )
        #expect(throws: unknown) {
            try ServiceAccountWatchEvent(decoding: Array(#"{"type":"X","object":{}}"#.utf8))
        }
    }

    @Test("list, watch and get requests")
    func requests() throws {
        let requests = KubernetesAPIRequests(
            server: try Endpoint(parsing: "https://10.0.0.1:443"),
            watchTimeoutSeconds: 300
        )
        let list = requests.list(continueToken: "a/b=", token: "t")
        #expect(list.url == "https://10.0.0.1:443/api/v1/serviceaccounts?limit=500&continue=a%2Fb%3D")
        #expect(list.headers.first?.value == "Bearer t")
        #expect(
            requests.watch(resourceVersion: "42", token: "t").url
                == "https://10.0.0.1:443/api/v1/serviceaccounts?watch=1&allowWatchBookmarks=true&resourceVersion=42&"
                + "timeoutSeconds=300"
        )
        #expect(
            requests.get(Self.api, token: "t").url == "https://10.0.0.1:443/api/v1/namespaces/shop/serviceaccounts/api"
        )
    }
}
