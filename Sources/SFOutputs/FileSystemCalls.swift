#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The system calls the atomic writer makes, as values so tests can make any of them fail.
public struct FileSystemCalls: Sendable {
    public var mkstemp: @Sendable (_ template: inout [CChar]) -> Int32
    public var write: @Sendable (_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> Int
    public var fchmod: @Sendable (_ fd: Int32, _ mode: UInt32) -> Int32
    public var fsync: @Sendable (_ fd: Int32) -> Int32
    public var close: @Sendable (_ fd: Int32) -> Int32
    public var rename: @Sendable (_ from: String, _ to: String) -> Int32
    public var unlink: @Sendable (_ path: String) -> Int32
    public var mkdir: @Sendable (_ path: String, _ mode: UInt32) -> Int32
    public var errno: @Sendable () -> Int32

    /// The real calls.
    public static let live = FileSystemCalls(
        mkstemp: { template in template.withUnsafeMutableBufferPointer { Glibc.mkstemp($0.baseAddress!) } },
        write: { fd, buffer in Glibc.write(fd, buffer.baseAddress, buffer.count) },
        fchmod: { fd, mode in Glibc.fchmod(fd, mode_t(mode)) },
        fsync: { fd in Glibc.fsync(fd) },
        close: { fd in Glibc.close(fd) },
        rename: { from, to in Glibc.rename(from, to) },
        unlink: { path in Glibc.unlink(path) },
        mkdir: { path, mode in Glibc.mkdir(path, mode_t(mode)) },
        errno: { Glibc.errno }
    )
}
