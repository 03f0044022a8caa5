import SFCore
import SFDiagnostics
#if canImport(Glibc)
import Glibc
#endif

/// The doctor's system calls: name resolution, `stat`/`access` of output paths, a bind test. Each answers
/// with a value for `DoctorChecks` to judge; none decides anything.
public enum SystemProbes {
    /// getaddrinfo for the host: its distinct numeric addresses, or the resolver's error.
    public static func resolve(_ host: String) -> HostResolution {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &result)
        guard status == 0 else { return HostResolution(addresses: [], error: String(cString: gai_strerror(status))) }
        defer { freeaddrinfo(result) }
        var addresses: [String] = []
        var cursor = result
        while let entry = cursor {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(
                entry.pointee.ai_addr,
                entry.pointee.ai_addrlen,
                &buffer,
                socklen_t(buffer.count),
                nil,
                0,
                NI_NUMERICHOST
            ) == 0 {
                let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if !addresses.contains(text) { addresses.append(text) }
            }
            cursor = entry.pointee.ai_next
        }
        return HostResolution(addresses: addresses)
    }

    /// The output path's directory (exists, writable and searchable by this process) and the file, if any.
    public static func pathState(_ path: String) -> PathState {
        let directory: String
        if let slash = path.lastIndex(of: "/") {
            directory = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            directory = "."
        }
        var directoryInfo = stat()
        let directoryExists =
            stat(directory, &directoryInfo) == 0
            && (UInt32(directoryInfo.st_mode) & 0o170000) == 0o040000
        let writable = directoryExists && access(directory, W_OK | X_OK) == 0
        var fileInfo = stat()
        guard stat(path, &fileInfo) == 0 else {
            return PathState(directoryExists: directoryExists, directoryWritable: writable)
        }
        return PathState(
            directoryExists: directoryExists,
            directoryWritable: writable,
            isDirectory: (UInt32(fileInfo.st_mode) & 0o170000) == 0o040000,
            existingMode: UInt32(fileInfo.st_mode) & 0o7777
        )
    }

    /// Binds (and at once closes) the address, as the agent's server would; nil when it is free.
    public static func tryBind(_ address: ListenAddress) -> String? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(address.host, String(address.port), &hints, &result)
        guard status == 0, let entry = result else {
            return "cannot resolve \(address.host): \(String(cString: gai_strerror(status)))"
        }
        defer { freeaddrinfo(result) }
        let fd = socket(entry.pointee.ai_family, entry.pointee.ai_socktype, entry.pointee.ai_protocol)
        guard fd >= 0 else { return String(cString: strerror(errno)) }
        defer { close(fd) }
        var one: Int32 = 1
        // As NIO does: a port in TIME_WAIT is free, a listening one is not.
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, entry.pointee.ai_addr, entry.pointee.ai_addrlen) == 0 else {
            return String(cString: strerror(errno))
        }
        guard listen(fd, 1) == 0 else { return String(cString: strerror(errno)) }
        return nil
    }
}
