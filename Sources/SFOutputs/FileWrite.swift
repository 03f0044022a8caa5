import SFCore

/// One file an output wants written: path, bytes and mode. Secret-bearing: `description` omits the bytes.
public struct FileWrite: Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var contents: [UInt8]
    public var mode: UInt32
    /// The output kind that asked for it, for logs.
    public var output: OutputKind

    public init(path: String, contents: [UInt8], mode: UInt32, output: OutputKind) {
        self.path = path
        self.contents = contents
        self.mode = mode
        self.output = output
    }

    public var description: String {
        "FileWrite(\(output) → \(path), \(contents.count) bytes, mode \(String(mode, radix: 8)))"
    }
}
