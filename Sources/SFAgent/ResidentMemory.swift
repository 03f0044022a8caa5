#if canImport(Glibc)
import Glibc
import SFFiles

/// Gives back the clean, file-backed pages (code and read-only data of the binary and its libraries)
/// that start-up and a refresh touched, so an idle sidecar's resident set is its heap and stacks.
///
/// `MADV_PAGEOUT` (Linux 5.4+) reclaims those pages; they are reread from the page cache or the file
/// on next use — for a sidecar that works a few milliseconds every half hour, a good trade. Then
/// `malloc_trim` returns free heap. Errors (older kernels: `EINVAL`) are ignored: this only saves memory.
public enum ResidentMemory {
    static let madvisePageout: Int32 = 21

    /// The file-backed, non-writable mappings of `/proc/self/maps` text: (start, length).
    public static func cleanFileMappings(_ maps: String) -> [(start: UInt, length: Int, executable: Bool)] {
        var result: [(UInt, Int, Bool)] = []
        for line in maps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 6, fields[5].hasPrefix("/"), fields[4] != "0" else { continue }
            let perms = Array(fields[1])
            guard perms.count == 4, perms[0] == "r", perms[1] == "-", perms[3] == "p" else { continue }
            let range = fields[0].split(separator: "-")
            guard range.count == 2, let start = UInt(range[0], radix: 16), let end = UInt(range[1], radix: 16),
                end > start
            else { continue }
            result.append((start, Int(end - start), perms[2] == "x"))
        }
        return result
    }

    public static func trim() {
        if let maps = readProcFile("/proc/self/maps") {
            for (start, length, executable) in cleanFileMappings(maps) {
                let pointer = UnsafeMutableRawPointer(bitPattern: start)
                // Code pages are never written, so dropping them is always safe: they fault back from the
                // page cache. Read-only data may hold relocated (private, written) pages: page those out only.
                if executable { _ = madvise(pointer, length, MADV_DONTNEED) }
                _ = madvise(pointer, length, madvisePageout)
            }
        }
        _ = glibcMallocTrim(0)
    }

    static func readProcFile(_ path: String) -> String? {
        (try? SmallFile.readPrefix(path, maxBytes: 4 << 20)).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// glibc's `malloc_trim` (in <malloc.h>, which the Glibc module does not export).
@_silgen_name("malloc_trim")
private func glibcMallocTrim(_ pad: Int) -> Int32
#endif
