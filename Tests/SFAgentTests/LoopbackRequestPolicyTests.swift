import Foundation
import SFAgent
import SFCore
import SFLocalEndpoints
import Synchronization
import Testing

struct LoopbackRequestPolicyTests {
    static let policy = LoopbackRequestPolicy(listen: ListenAddress(host: "127.0.0.1", port: 8989))

    static func request(_ authority: String?, method: String = "GET", headers: [String: String] = [:]) -> LocalRequest {
        LocalRequest(method: method, path: "/computeMetadata/v1/", authority: authority, headers: headers)
    }

    static let foreignHost = LoopbackRequestPolicy.Refusal(
        status: 403,
        reason: "the Host header names another server (DNS rebinding?); "
            + "accepted: 127.0.0.1, localhost, [::1], optionally with :8989"
    )

    @Test("the loopback names, with no port or the listening port, in any case")
    func accepted() {
        for authority in [
            "127.0.0.1", "127.0.0.1:8989", "localhost", "LOCALHOST:8989", "[::1]", "[::1]:8989",
            "127.0.0.1:",
        ] {
            #expect(Self.policy.check(Self.request(authority)) == nil, "\(authority)")
        }
    }

    @Test("a foreign name, another port or a malformed Host is refused with 403")
    func foreignHosts() {
        for authority in [
            "rebind.attacker.example", "rebind.attacker.example:8989", "127.0.0.1:80", "localhost:08990",
            "127.0.0.2", "::1", "[::1", "[::1]x", "127.0.0.1:8989:1", "127.0.0.1:123456", "",
            "127.0.0.1.nip.io:8989", "localhost.", "127.0.0.1 :8989", "@127.0.0.1",
        ] {
            #expect(Self.policy.check(Self.request(authority)) == Self.foreignHost, "\(authority)")
        }
    }

    @Test("a missing or repeated Host is a 400, as RFC 9112 asks")
    func missingHost() {
        let refusal = LoopbackRequestPolicy.Refusal(
            status: 400,
            reason: "exactly one Host header is required (HTTP/1.1)"
        )
        #expect(Self.policy.check(Self.request(nil)) == refusal)
        #expect(Self.policy.check(Self.request("127.0.0.1:8989", headers: ["Host": "evil.example"])) == refusal)
    }

    @Test("browser traces and CORS preflights are refused, even with a good Host")
    func browsers() {
        let reason = "are refused: this endpoint serves processes in this pod, never a browser"
        #expect(
            Self.policy.check(Self.request("127.0.0.1:8989", method: "OPTIONS"))
                == .init(
                    status: 403,
                    reason: "OPTIONS (a CORS preflight) is refused: no browser is served here"
                )
        )
        #expect(
            Self.policy.check(Self.request("127.0.0.1:8989", headers: ["Origin": "null"]))
                == .init(
                    status: 403,
                    reason: "requests with Origin " + reason
                )
        )
        #expect(
            Self.policy.check(Self.request("127.0.0.1:8989", headers: ["Sec-Fetch-Site": "cross-site"]))
                == .init(
                    status: 403,
                    reason: "requests with Sec-Fetch-Site " + reason
                )
        )
        #expect(
            Self.policy.check(Self.request("127.0.0.1:8989", headers: ["sec-fetch-mode": "cors"]))
                == .init(
                    status: 403,
                    reason: "requests with Sec-Fetch-Mode " + reason
                )
        )
        #expect(
            Self.policy.check(Self.request("127.0.0.1:8989", headers: ["Sec-Fetch-Dest": "empty"]))
                == .init(
                    status: 403,
                    reason: "requests with Sec-Fetch-Dest " + reason
                )
        )
    }

    @Test("every forwarding header is refused")
    func forwarding() {
        let reason = "are refused: this endpoint answers only direct requests from this pod, never through a proxy"
        let cases = [
            ("Forwarded", "for=10.0.0.1"), ("X-Forwarded-For", "10.0.0.1"), ("X-Forwarded-Host", "a"),
            ("X-Forwarded-Proto", "https"), ("X-Real-IP", "10.0.0.1"), ("Via", "1.1 proxy"),
        ]
        for (name, value) in cases {
            #expect(
                Self.policy.check(Self.request("localhost", headers: [name: value]))
                    == .init(
                        status: 403,
                        reason: "requests with \(name) " + reason
                    )
            )
        }
    }

    @Test("the listen host and allowedHosts are accepted besides the loopback names")
    func configuredNames() {
        let policy = LoopbackRequestPolicy(
            listen: ListenAddress(host: "0.0.0.0", port: 9911),
            allowedHosts: ["Skyferry.Shop.svc", "[FD00::12]", "10.0.0.12"]
        )
        #expect(
            policy.hostNames == [
                "127.0.0.1", "localhost", "::1", "0.0.0.0", "skyferry.shop.svc", "fd00::12",
                "10.0.0.12",
            ]
        )
        #expect(policy.accepts(authority: "skyferry.shop.svc:9911"))
        #expect(policy.accepts(authority: "[fd00::12]:9911"))
        #expect(policy.accepts(authority: "10.0.0.12"))
        #expect(!policy.accepts(authority: "10.0.0.13:9911"))
        #expect(!policy.accepts(authority: "skyferry.shop.svc:9912"))
        let v6 = LoopbackRequestPolicy(listen: ListenAddress(host: "::1", port: 7000))
        #expect(v6.hostNames == ["127.0.0.1", "localhost", "::1"])
        #expect(v6.accepts(authority: "[::1]:7000"))
    }

    @Test("guarding renders refusals in the server's shape and passes the rest to the responder")
    func guarding() async {
        let respond = Self.policy.guarding(refuse: { .text($0.status, "no: \($0.reason)") }) { request, now in
            .text(200, "\(request.path) at \(Int(now.timeIntervalSince1970))")
        }
        let now = Date(timeIntervalSince1970: 42)
        #expect(await respond(Self.request("localhost:8989"), now) == .text(200, "/computeMetadata/v1/ at 42"))
        #expect(await respond(Self.request("evil.example"), now) == .text(403, "no: " + Self.foreignHost.reason))
    }
}

struct IMDSSessionTokensTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func tokens(capacity: Int = 256) -> IMDSSessionTokens {
        let counter = Mutex(0)
        return IMDSSessionTokens(
            capacity: capacity,
            makeToken: {
                let issued = counter.withLock { count in
                    count += 1
                    return count
                }
                return "t\(issued)"
            },
            equals: { $0 == $1 }
        )
    }

    @Test("each PUT hands out a fresh token, valid for its TTL only")
    func ttl() {
        let tokens = Self.tokens()
        #expect(tokens.issue(ttl: 60, now: Self.now) == "t1")
        #expect(tokens.issue(ttl: 21_600, now: Self.now) == "t2")
        #expect(tokens.isValid("t1", now: Self.now.addingTimeInterval(59)))
        #expect(!tokens.isValid("t1", now: Self.now.addingTimeInterval(60)))
        #expect(tokens.isValid("t2", now: Self.now.addingTimeInterval(21_599)))
        #expect(!tokens.isValid("t3", now: Self.now))
        #expect(!tokens.isValid("", now: Self.now))
    }

    @Test("expired tokens are dropped and the count stays at the capacity, evicting the one expiring first")
    func bounded() {
        let tokens = Self.tokens(capacity: 3)
        _ = tokens.issue(ttl: 10, now: Self.now)  // t1, expires first
        _ = tokens.issue(ttl: 100, now: Self.now)  // t2
        _ = tokens.issue(ttl: 50, now: Self.now)  // t3
        _ = tokens.issue(ttl: 100, now: Self.now)  // t4 evicts t1
        #expect(tokens.count == 3)
        #expect(!tokens.isValid("t1", now: Self.now))
        #expect(["t2", "t3", "t4"].allSatisfy { tokens.isValid($0, now: Self.now) })
        _ = tokens.issue(ttl: 1, now: Self.now.addingTimeInterval(60))  // t3 expired: dropped, nothing evicted
        #expect(tokens.count == 3)
        #expect(tokens.isValid("t2", now: Self.now.addingTimeInterval(60)))
        #expect(tokens.isValid("t4", now: Self.now.addingTimeInterval(60)))
        #expect(tokens.isValid("t5", now: Self.now.addingTimeInterval(60)))
    }
}

struct IDTokenCacheTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func jwt(iat: Int, exp: Int, aud: String = "https://svc.example") -> String {
        func seg(_ s: String) -> String { Data(s.utf8).base64EncodedString() }
        return seg(#"{"alg":"RS256"}"#) + "." + seg("{\"aud\":\"\(aud)\",\"iat\":\(iat),\"exp\":\(exp)}") + ".c2ln"
    }

    @Test("kept per audience and format until the margin before exp")
    func keeps() {
        let cache = IDTokenCache()
        let key = IDTokenCache.Key(audience: "https://svc.example", includeEmail: false)
        let token = Self.jwt(iat: 1_800_000_000, exp: 1_800_003_600)
        cache.insert(token, for: key, now: Self.now)
        #expect(cache.token(for: key, now: Self.now, margin: .seconds(300)) == token)
        #expect(cache.token(for: key, now: Self.now.addingTimeInterval(3299), margin: .seconds(300)) == token)
        #expect(cache.token(for: key, now: Self.now.addingTimeInterval(3300), margin: .seconds(300)) == nil)
        #expect(
            cache.token(
                for: .init(audience: "https://svc.example", includeEmail: true),
                now: Self.now,
                margin: .seconds(300)
            ) == nil
        )
        #expect(
            cache.token(
                for: .init(audience: "https://other.example", includeEmail: false),
                now: Self.now,
                margin: .seconds(300)
            ) == nil
        )
    }

    @Test("tokens without exp, or already expired, are not kept")
    func unreadable() {
        let cache = IDTokenCache()
        let key = IDTokenCache.Key(audience: "a", includeEmail: false)
        cache.insert("not-a-jwt", for: key, now: Self.now)
        cache.insert(Self.jwt(iat: 1_799_990_000, exp: 1_800_000_000), for: key, now: Self.now)
        #expect(cache.count == 0)
    }

    @Test("bounded: beyond the capacity the entry expiring first goes")
    func bounded() {
        let cache = IDTokenCache(capacity: 2)
        func key(_ audience: String) -> IDTokenCache.Key { .init(audience: audience, includeEmail: false) }
        cache.insert(Self.jwt(iat: 1_800_000_000, exp: 1_800_001_000), for: key("a"), now: Self.now)
        cache.insert(Self.jwt(iat: 1_800_000_000, exp: 1_800_003_600), for: key("b"), now: Self.now)
        cache.insert(Self.jwt(iat: 1_800_000_000, exp: 1_800_003_600), for: key("c"), now: Self.now)
        #expect(cache.count == 2)
        #expect(cache.token(for: key("a"), now: Self.now, margin: .seconds(60)) == nil)
        #expect(cache.token(for: key("b"), now: Self.now, margin: .seconds(60)) != nil)
        #expect(cache.token(for: key("c"), now: Self.now, margin: .seconds(60)) != nil)
    }
}
