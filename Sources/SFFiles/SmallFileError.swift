#if canImport(Glibc)
import Glibc
#endif

/// Why `SmallFile` could not read a file. Callers wrap it in their own error, which says what the file
/// was for and what to check.
public enum SmallFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `open` or `read` failed with this errno.
    case unreadable(path: String, errno: Int32)
    /// The file holds more than `limit` bytes.
    case tooLarge(path: String, limit: Int)

    /// The errno behind the failure (`EFBIG` for a file over its limit), for messages that quote `strerror`.
    public var errnoValue: Int32 {
        switch self {
        case .unreadable(_, let code): return code
        case .tooLarge: return EFBIG
        }
    }

    public var description: String {
        switch self {
        case .unreadable(let path, let code): return "cannot read \(path): \(String(cString: strerror(code)))"
        case .tooLarge(let path, let limit): return "\(path) is larger than \(limit) bytes"
        }
    }
}
