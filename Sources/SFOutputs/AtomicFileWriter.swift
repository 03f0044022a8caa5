#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Why a file could not be written. The previous file, if any, is untouched.
public struct FileWriteError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var step: String
    public var errno: Int32

    public init(path: String, step: String, errno: Int32) {
        self.path = path
        self.step = step
        self.errno = errno
    }

    public var description: String {
        let reason = String(cString: strerror(errno))
        return
            "cannot write \(path) (\(step)): \(reason). Check that the directory exists or can be created, is "
            + "writable by this user, and is not full."
    }
}

/// Writes files so that readers only ever see the old or the new complete file: a temporary file in the
/// same directory, mode set, contents written and fsynced, then renamed over the target, and the
/// directory fsynced. On any failure the temporary file is removed and the old file stays.
public struct AtomicFileWriter: Sendable {
    public var system: FileSystemCalls
    /// Mode of parent directories it has to create (narrowed further by the umask). Existing directories keep
    /// theirs. 0750, not 0755: an output directory holds credentials, so others have no business listing it.
    public var directoryMode: UInt32

    public init(system: FileSystemCalls = .live, directoryMode: UInt32 = 0o750) {
        self.system = system
        self.directoryMode = directoryMode
    }

    public func write(_ contents: [UInt8], to path: String, mode: UInt32) throws(FileWriteError) {
        let (directory, name) = Self.split(path)
        try makeDirectories(directory, for: path)

        var template = Array((directory + "/" + Self.temporaryPrefix(for: name) + "XXXXXX").utf8CString)
        let fd = system.mkstemp(&template)
        guard fd >= 0 else { throw FileWriteError(path: path, step: "create temporary file", errno: system.errno()) }
        let temporary = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var closed = false
        func abandon(_ step: String) -> FileWriteError {
            let error = FileWriteError(path: path, step: step, errno: system.errno())
            if !closed { _ = system.close(fd) }
            _ = system.unlink(temporary)
            return error
        }

        // The mode is applied before any secret byte lands in the file, and on every write.
        guard system.fchmod(fd, mode) == 0 else { throw abandon("set mode") }
        var offset = 0
        while offset < contents.count {
            let written = contents.withUnsafeBytes { buffer in
                system.write(fd, UnsafeRawBufferPointer(rebasing: buffer[offset...]))
            }
            if written < 0 {
                if system.errno() == EINTR { continue }
                throw abandon("write")
            }
            if written == 0 { throw abandon("write (no progress)") }
            offset += written
        }
        guard system.fsync(fd) == 0 else { throw abandon("fsync") }
        closed = true
        guard system.close(fd) == 0 else { throw abandon("close") }
        guard system.rename(temporary, path) == 0 else { throw abandon("rename into place") }
        syncDirectory(directory)
    }

    /// Temporary files are `.<name>.skyferry-` and six characters of `mkstemp`'s alphabet, next to `<name>`.
    static func temporaryPrefix(for name: String) -> String { "." + name + ".skyferry-" }

    /// Whether `candidate` is a temporary file this writer makes for `name`, and nothing else. Pure.
    public static func isTemporary(_ candidate: String, for name: String) -> Bool {
        let prefix = temporaryPrefix(for: name)
        guard candidate.hasPrefix(prefix) else { return false }
        let suffix = candidate.utf8.dropFirst(prefix.utf8.count)
        let alphabet = [
            UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"),
        ]
        return suffix.count == 6 && suffix.allSatisfy { byte in alphabet.contains { $0.contains(byte) } }
    }

    /// Removes the temporary files a crash between `mkstemp` and `rename` left next to `path` (only names that
    /// `isTemporary` matches for its file name) and returns their paths. A missing directory is nothing to do.
    public func removeLeftovers(for path: String) -> [String] {
        let (directory, name) = Self.split(path)
        guard let stream = opendir(directory) else { return [] }
        defer { closedir(stream) }
        var found: [String] = []
        while let entry = readdir(stream) {
            let candidate = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if Self.isTemporary(candidate, for: name) { found.append(directory + "/" + candidate) }
        }
        return found.filter { system.unlink($0) == 0 }
    }

    /// `mkdir -p` for the parent directory.
    private func makeDirectories(_ directory: String, for path: String) throws(FileWriteError) {
        var current = directory.hasPrefix("/") ? "" : "."
        for component in directory.split(separator: "/") {
            current += "/" + component
            if system.mkdir(current, directoryMode) != 0 {
                let error = system.errno()
                if error != EEXIST {
                    throw FileWriteError(path: path, step: "create directory \(current)", errno: error)
                }
            }
        }
    }

    /// Makes the rename durable. Best effort: some file systems refuse fsync on directories.
    private func syncDirectory(_ directory: String) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        _ = Glibc.close(fd)
    }

    static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }
}
