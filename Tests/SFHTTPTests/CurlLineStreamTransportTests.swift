import Foundation
import SFCore
import SFHTTP
import Synchronization
import Testing

struct CurlLineStreamTransportTests {
    final class Lines: Sendable {
        let items = Mutex<[String]>([])
        var all: [String] { items.withLock { $0 } }
    }

    static func chunked(_ chunks: [String], end: Bool = true) -> [UInt8] {
        var text = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        for chunk in chunks { text += String(chunk.utf8.count, radix: 16) + "\r\n" + chunk + "\r\n" }
        if end { text += "0\r\n\r\n" }
        return Array(text.utf8)
    }

    static func request(_ server: LoopbackServer) -> HTTPRequest {
        HTTPRequest(method: "GET", endpoint: CurlTransportTests.endpoint(server, path: "/api/v1/serviceaccounts"))
    }

    @Test("a chunked body arrives line by line, lines split across chunks joined, blank lines skipped")
    func lines() async throws {
        let server = try LoopbackServer { _ in
            Self.chunked([
                #"{"type":"ADDED"}"# + "\n" + #"{"type":"MOD"#, #"IFIED"}"# + "\n\n", #"{"type":"BOOKMARK"}"# + "\r\n",
            ])
        }
        let lines = Lines()
        let response = try await CurlLineStreamTransport().stream(Self.request(server), timeout: .seconds(5)) {
            line in
            lines.items.withLock { $0.append(String(decoding: line, as: UTF8.self)) }
            return true
        }
        #expect(response.status == 200 && response.body.isEmpty)
        #expect(lines.all == [#"{"type":"ADDED"}"#, #"{"type":"MODIFIED"}"#, #"{"type":"BOOKMARK"}"#])
        // Alive to the end: released after its last use, its port could go to a server of a test running
        // alongside, and this test's request to that server.
        withExtendedLifetime(server) {}
    }

    @Test("the handler stops the stream, and the call returns normally")
    func stop() async throws {
        let server = try LoopbackServer { _ in Self.chunked(["a\nb\nc\n"], end: false) + Array("5\r\nd\n".utf8) }
        let lines = Lines()
        let response = try await CurlLineStreamTransport().stream(Self.request(server), timeout: .seconds(5)) {
            line in
            lines.items.withLock { $0.append(String(decoding: line, as: UTF8.self)) }
            return lines.all.count < 2
        }
        #expect(response.status == 200)
        #expect(lines.all == ["a", "b"])
        withExtendedLifetime(server) {}
    }

    @Test("any other status comes back whole, with no line handed over")
    func gone() async throws {
        let body = #"{"kind":"Status","code":410,"reason":"Expired"}"#
        let server = try LoopbackServer { _ in LoopbackServer.reply(status: 410, body: body) }
        let lines = Lines()
        let response = try await CurlLineStreamTransport().stream(Self.request(server), timeout: .seconds(5)) {
            line in
            lines.items.withLock { $0.append(String(decoding: line, as: UTF8.self)) }
            return true
        }
        #expect(response.status == 410 && response.text == body && lines.all.isEmpty)
        withExtendedLifetime(server) {}
    }

    @Test("a stream cut before its end is an error")
    func broken() async throws {
        let server = try LoopbackServer { _ in Self.chunked(["a\n"], end: false) }
        await #expect(throws: HTTPTransportError.self) {
            _ = try await CurlLineStreamTransport().stream(Self.request(server), timeout: .seconds(5)) { _ in true }
        }
        withExtendedLifetime(server) {}
    }
}
