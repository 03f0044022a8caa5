#if canImport(Glibc)
import Glibc
#endif

/// The process's standard output and error, written with `write(2)` in one piece per call (a report or a log
/// line is never interleaved with another writer's bytes mid-line by buffering of ours).
public enum StandardStream: Int32, Sendable {
    case standardOutput = 1
    case standardError = 2

    /// Writes all of `text`, retrying after a signal interrupts; gives up silently when the stream is gone.
    public static func write(_ text: String, to stream: StandardStream) {
        let bytes = Array(text.utf8)
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.write(stream.rawValue, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0, errno == EINTR { continue }
                if n <= 0 { return }
                offset += n
            }
        }
    }
}
