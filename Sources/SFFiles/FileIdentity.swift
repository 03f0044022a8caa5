#if canImport(Glibc)
import Glibc
#endif

/// Device, inode, size and modification time of a set of files: a cheap "did anything change" check.
public struct FileIdentity: Sendable, Equatable {
    public var parts: [[Int]]

    public init(paths: [String]) {
        parts = paths.map { path in
            var info = stat()
            guard stat(path, &info) == 0 else { return [] }
            return [
                Int(info.st_dev), Int(info.st_ino), Int(info.st_size), Int(info.st_mtim.tv_sec),
                Int(info.st_mtim.tv_nsec),
            ]
        }
    }
}
