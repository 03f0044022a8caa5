#if canImport(Glibc)
import Glibc
#endif

/// Bounded whole-file reads with `open`/`read`, keeping errno: identity tokens, PEM files, configuration
/// files, `/proc` tables. The path is opened on every call (a kubelet-rotated symlink is followed anew),
/// and a huge or endless file costs no more than the cap of memory.
public enum SmallFile {
    /// The whole file; `.tooLarge` when it holds more than `limit` bytes.
    public static func read(_ path: String, limit: Int) throws(SmallFileError) -> [UInt8] {
        let descriptor = try open(path)
        defer { close(descriptor) }
        return try read(descriptor: descriptor, path: path, limit: limit)
    }

    /// The first `maxBytes` bytes of the file (all of it when shorter). Callers whose parser checks the size
    /// read one byte past their cap.
    public static func readPrefix(_ path: String, maxBytes: Int) throws(SmallFileError) -> [UInt8] {
        let descriptor = try open(path)
        defer { close(descriptor) }
        return try readPrefix(descriptor: descriptor, path: path, maxBytes: maxBytes)
    }

    /// The rest of an open file; `.tooLarge` past `limit` bytes. `path` only names the file in errors.
    public static func read(descriptor: Int32, path: String, limit: Int) throws(SmallFileError) -> [UInt8] {
        let bytes = try readPrefix(descriptor: descriptor, path: path, maxBytes: limit + 1)
        guard bytes.count <= limit else { throw .tooLarge(path: path, limit: limit) }
        return bytes
    }

    /// Up to `maxBytes` bytes of an open file, retrying reads that a signal interrupted.
    public static func readPrefix(descriptor: Int32, path: String, maxBytes: Int) throws(SmallFileError) -> [UInt8] {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while out.count < maxBytes {
            let wanted = min(chunk.count, maxBytes - out.count)
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, wanted) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .unreadable(path: path, errno: errno)
            }
            if count == 0 { break }
            out.append(contentsOf: chunk[0..<count])
        }
        return out
    }

    private static func open(_ path: String) throws(SmallFileError) -> Int32 {
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .unreadable(path: path, errno: errno) }
        return descriptor
    }
}
