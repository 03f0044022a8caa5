import Foundation
import SFCore
import SFHTTP
import Testing

struct CurlTransportTests {
    static func endpoint(_ server: LoopbackServer, path: String = "/") -> Endpoint {
        Endpoint(scheme: .http, host: "127.0.0.1", port: server.port, path: path)
    }

    @Test("POSTs the body and headers and returns status, headers and body")
    func roundTrip() async throws {
        let server = try LoopbackServer { _ in
            LoopbackServer.reply(status: 201, headers: ["Date: Sun, 06 Nov 1994 08:49:37 GMT"], body: "created")
        }
        let request = HTTPRequest(
            method: "POST",
            endpoint: Self.endpoint(server, path: "/v1/token"),
            query: "a=b",
            headers: [("Content-Type", "application/x-www-form-urlencoded")],
            body: Array("x=1&y=2".utf8)
        )
        let response = try await CurlTransport().send(request, timeout: .seconds(5))
        #expect(response.status == 201)
        #expect(response.text == "created")
        #expect(response.header("date") == "Sun, 06 Nov 1994 08:49:37 GMT")
        let seen = try #require(server.requests.first)
        #expect(seen.hasPrefix("POST /v1/token?a=b HTTP/1.1\r\n"))
        #expect(seen.contains("Content-Type: application/x-www-form-urlencoded\r\n"))
        #expect(seen.hasSuffix("\r\n\r\nx=1&y=2"))
        #expect(!seen.contains("Expect:"))
    }

    @Test("a hanging server times out at the deadline")
    func timeout() async throws {
        let server = try LoopbackServer { _ in nil }
        let start = ContinuousClock.now
        await #expect(throws: HTTPTransportError.timedOut(url: Self.endpoint(server).url, after: .milliseconds(300))) {
            _ = try await CurlTransport().send(
                HTTPRequest(method: "GET", endpoint: Self.endpoint(server)),
                timeout: .milliseconds(300)
            )
        }
        #expect(ContinuousClock.now - start < .seconds(3))
    }

    @Test("responses over the cap are refused")
    func sizeCap() async throws {
        let server = try LoopbackServer { _ in LoopbackServer.reply(body: String(repeating: "x", count: 10_000)) }
        let transport = CurlTransport(options: .init(maxResponseBytes: 1000))
        await #expect(throws: HTTPTransportError.responseTooLarge(url: Self.endpoint(server).url, limit: 1000)) {
            _ = try await transport.send(
                HTTPRequest(method: "GET", endpoint: Self.endpoint(server)),
                timeout: .seconds(5)
            )
        }
    }

    @Test("a refused connection is a connect failure")
    func refused() async throws {
        let endpoint = Endpoint(scheme: .http, host: "127.0.0.1", port: 9)
        do {
            _ = try await CurlTransport().send(HTTPRequest(method: "GET", endpoint: endpoint), timeout: .seconds(5))
            Issue.record("connected to the discard port")
        } catch {
            guard case .connectFailed(let url, _) = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(url == "http://127.0.0.1:9/")
        }
    }

    @Test("cancelling the task aborts the transfer promptly")
    func cancellation() async throws {
        let server = try LoopbackServer { _ in nil }
        let start = ContinuousClock.now
        let result = await withTaskGroup(of: Result<HTTPResponse, HTTPTransportError>.self) { group in
            group.addTask {
                do throws(HTTPTransportError) {
                    return .success(
                        try await CurlTransport().send(
                            HTTPRequest(method: "GET", endpoint: Self.endpoint(server)),
                            timeout: .seconds(30)
                        )
                    )
                } catch { return .failure(error) }
            }
            try? await Task.sleep(for: .milliseconds(200))
            group.cancelAll()
            return await group.next()!
        }
        #expect(throws: HTTPTransportError.cancelled(url: Self.endpoint(server).url)) { try result.get() }
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    @Test("loopback requests never go through the proxy, even with an empty NO_PROXY")
    func loopbackNeverProxied() async throws {
        let server = try LoopbackServer { _ in LoopbackServer.reply(body: "direct") }
        // Before: with a proxy set and no NO_PROXY, libcurl sent this request (and its headers) to the proxy.
        let deadProxy = ProxySettings(
            httpsProxy: "http://127.0.0.1:9",
            httpProxy: "http://127.0.0.1:9",
            noProxy: "",
            allProxy: "http://127.0.0.1:9"
        )
        let request = HTTPRequest(
            method: "GET",
            endpoint: Self.endpoint(server),
            headers: [("Authorization", "container-token")]
        )
        let response = try await CurlTransport(options: .init(proxy: deadProxy)).send(request, timeout: .seconds(5))
        #expect(response.text == "direct")
        #expect(server.requests.first?.hasPrefix("GET / HTTP/1.1\r\n") == true)
    }

    @Test("other hosts go through the configured proxy, as the route says")
    func proxied() async throws {
        // The proxy answers for the (never resolved) host: nothing leaves 127.0.0.1.
        let proxy = try LoopbackServer { _ in LoopbackServer.reply(body: "via proxy") }
        let settings = ProxySettings(httpProxy: "http://127.0.0.1:\(proxy.port)", noProxy: "other.invalid")
        let endpoint = Endpoint(scheme: .http, host: "sts.skyferry-test.invalid", path: "/x")
        #expect(settings.route(for: endpoint) == .proxy("http://127.0.0.1:\(proxy.port)"))
        let transport = CurlTransport(options: .init(proxy: settings))
        let response = try await transport.send(HTTPRequest(method: "GET", endpoint: endpoint), timeout: .seconds(5))
        #expect(response.text == "via proxy")
        #expect(proxy.requests.first?.hasPrefix("GET http://sts.skyferry-test.invalid/x HTTP/1.1\r\n") == true)
    }

    @Test("a header value with CR/LF is refused before anything is sent, naming the header and its origin")
    func headerInjection() async throws {
        let server = try LoopbackServer { _ in LoopbackServer.reply(body: "sent") }
        for (value, reason) in [
            ("token\r\nX-Evil: 1", "contains a control character (CR) at byte 5 of its value"),
            ("token\nX-Evil: 1", "contains a control character (LF) at byte 5 of its value"),
            ("tok\u{0}en", "contains a control character (NUL) at byte 3 of its value"),
        ] {
            var request = HTTPRequest(
                method: "GET",
                endpoint: Self.endpoint(server),
                headers: [("Authorization", value)]
            )
            request.headerOrigins["authorization"] = "AWS_CONTAINER_AUTHORIZATION_TOKEN"
            let error = HTTPTransportError.invalidHeader(
                url: Self.endpoint(server).url,
                name: "Authorization",
                origin: "AWS_CONTAINER_AUTHORIZATION_TOKEN",
                reason: reason
            )
            await #expect(throws: error) { _ = try await CurlTransport().send(request, timeout: .seconds(5)) }
            #expect(!error.description.contains("X-Evil"))
        }
        let badName = HTTPRequest(method: "GET", endpoint: Self.endpoint(server), headers: [("X-Evil: 1\r\nA", "b")])
        await #expect(
            throws: HTTPTransportError.invalidHeader(
                url: Self.endpoint(server).url,
                name: "X-Evil: 1\r\nA",
                origin: "skyferry's request builder",
                reason: "has a name that is not an HTTP token"
            )
        ) {
            _ = try await CurlTransport().send(badName, timeout: .seconds(5))
        }
        #expect(server.requests.isEmpty)
    }

    @Test("proxy settings resolve from the environment, lower case first")
    func proxyEnvironment() {
        let settings = ProxySettings.from(environment: [
            "HTTPS_PROXY": "http://upper:1", "https_proxy": "http://lower:2", "HTTP_PROXY": "http://h:3",
            "NO_PROXY": "a,b",
        ])
        #expect(settings == ProxySettings(httpsProxy: "http://lower:2", httpProxy: "http://h:3", noProxy: "a,b"))
        #expect(settings.proxy(for: .https) == "http://lower:2")
    }

    @Test("an unknown extra CA bundle fails TLS setup, not silently")
    func badCABundle() async throws {
        let transport = CurlTransport(options: .init(extraCABundle: "/nonexistent/ca.pem"))
        // Plain HTTP does not touch the bundle; HTTPS to a closed loopback port fails before TLS.
        let endpoint = Endpoint(scheme: .https, host: "127.0.0.1", port: 9)
        await #expect(throws: HTTPTransportError.self) {
            _ = try await transport.send(HTTPRequest(method: "GET", endpoint: endpoint), timeout: .seconds(5))
        }
    }
}
