import Foundation
import SFCore
import SFDiagnostics
import SFDoctor
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The real system calls, on loopback and a temporary directory only.
struct SystemProbesTests {
    @Test("localhost resolves to a loopback address; a reserved name does not resolve")
    func resolve() {
        let local = SystemProbes.resolve("localhost")
        #expect(local.error == nil)
        #expect(local.addresses.contains { $0 == "127.0.0.1" || $0 == "::1" })
        #expect(Set(local.addresses).count == local.addresses.count)
        let missing = SystemProbes.resolve("no-such-host.invalid")
        #expect(missing.addresses.isEmpty && missing.error != nil)
    }

    @Test("a path's directory and file, as stat and access see them")
    func pathState() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("sfdoctor-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(
            SystemProbes.pathState(directory + "/credentials")
                == PathState(directoryExists: true, directoryWritable: true)
        )
        _ = FileManager.default.createFile(
            atPath: directory + "/credentials",
            contents: Data("x".utf8),
            attributes: [.posixPermissions: 0o640]
        )
        #expect(
            SystemProbes.pathState(directory + "/credentials")
                == PathState(directoryExists: true, directoryWritable: true, isDirectory: false, existingMode: 0o640)
        )
        try FileManager.default.createDirectory(atPath: directory + "/sub", withIntermediateDirectories: false)
        #expect(SystemProbes.pathState(directory + "/sub").isDirectory)
        #expect(
            SystemProbes.pathState(directory + "/missing/credentials")
                == PathState(directoryExists: false, directoryWritable: false)
        )
    }

    @Test("a free loopback port binds; one already listening does not")
    func bind() throws {
        // Bind port 0 to learn a free port, keep listening on it, and try it.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        try #require(bound == 0 && listen(fd, 1) == 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        let port = Int(UInt16(bigEndian: address.sin_port))
        let error = SystemProbes.tryBind(ListenAddress(host: "127.0.0.1", port: port))
        #expect(error?.contains("in use") == true)
        close(fd)
        #expect(SystemProbes.tryBind(ListenAddress(host: "127.0.0.1", port: port)) == nil)
        #expect(
            SystemProbes.tryBind(ListenAddress(host: "no-such-host.invalid", port: port))?
                .hasPrefix("cannot resolve no-such-host.invalid") == true
        )
    }
}
