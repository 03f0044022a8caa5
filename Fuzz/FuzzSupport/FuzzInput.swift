#if canImport(Glibc)
import Glibc
#endif

/// Reads a corpus file for the replayers (no Foundation in the fuzz targets).
public enum FuzzInput {
    public static func read(_ path: String) -> [UInt8] {
        guard let file = fopen(path, "rb") else { return [] }
        defer { fclose(file) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&buffer, 1, buffer.count, file)
            if n <= 0 { break }
            out += buffer[0..<n]
        }
        return out
    }

    /// libFuzzer's input as bytes.
    public static func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
        data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    }

    /// Without libFuzzer a target replays the corpus files named on its command line (a regression run).
    public static func replay(_ body: ([UInt8]) -> Void, arguments: [String] = Array(CommandLine.arguments.dropFirst()))
    {
        for path in arguments {
            body(read(path))
        }
        print("replayed \(arguments.count) inputs")
    }
}
