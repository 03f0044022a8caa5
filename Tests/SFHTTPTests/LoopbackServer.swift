import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A one-thread TCP server on 127.0.0.1 that answers every connection with `respond(requestText)`,
/// or holds the connection open when `respond` returns nil (a hanging peer).
final class LoopbackServer: Sendable {
    let port: Int
    private let fd: Int32
    let log = RequestLog()

    final class RequestLog: Sendable {
        let items = Mutex<[String]>([])
    }

    var requests: [String] { log.items.withLock { $0 } }

    init(respond: @escaping @Sendable (String) -> [UInt8]?) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        let listener = fd
        let log = self.log
        Thread.detachNewThread {
            while true {
                let client = accept(listener, nil, nil)
                if client < 0 {
                    // Shut down by deinit: close here, after the last accept, so the fd number cannot be
                    // reused by another server while this thread still accepts on it.
                    close(listener)
                    return
                }
                var buffer = [UInt8](repeating: 0, count: 65536)
                var received: [UInt8] = []
                // Read headers, then Content-Length bytes of body.
                while true {
                    let n = read(client, &buffer, buffer.count)
                    if n <= 0 { break }
                    received += buffer[0..<n]
                    let text = String(decoding: received, as: UTF8.self)
                    if let end = text.range(of: "\r\n\r\n") {
                        let head = text[..<end.lowerBound].lowercased()
                        let length =
                            head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                            .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) }
                            ?? 0
                        if received.count >= text.utf8.distance(from: text.startIndex, to: end.upperBound) + length {
                            break
                        }
                    }
                }
                let request = String(decoding: received, as: UTF8.self)
                log.items.withLock { $0.append(request) }
                if let reply = respond(request) {
                    _ = reply.withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
                    close(client)
                } else {
                    Thread.sleep(forTimeInterval: 5)
                    close(client)
                }
            }
        }
    }

    deinit { shutdown(fd, Int32(SHUT_RDWR)) }

    static func reply(status: Int = 200, headers: [String] = [], body: String) -> [UInt8] {
        Array(
            ("HTTP/1.1 \(status) X\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n"
                + headers.map { $0 + "\r\n" }.joined() + "\r\n" + body).utf8
        )
    }
}
