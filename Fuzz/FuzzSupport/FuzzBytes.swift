/// Reads structured values from a fuzz input, front to back; past the end every read yields zero or empty,
/// so any input decodes to something (libFuzzer then learns which bytes steer which field).
public struct FuzzBytes {
    private let bytes: [UInt8]
    private var index = 0

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The next byte, or 0 past the end.
    public mutating func byte() -> UInt8 {
        guard index < bytes.count else { return 0 }
        defer { index += 1 }
        return bytes[index]
    }

    /// A string of up to `byte()` Unicode scalars. A byte under 0x80 is that ASCII scalar; a byte `b` from
    /// 0x80 up takes the next byte `n` too and is the scalar `(b & 0x7F) << 8 | n` (U+0000–U+7FFF, surrogates
    /// skipped), so one mutated byte reaches the C1 controls, Latin-1 and most of the BMP.
    public mutating func string() -> String {
        let count = Int(byte())
        var scalars = String.UnicodeScalarView()
        for _ in 0..<count where index < bytes.count {
            let first = byte()
            let value = first < 0x80 ? UInt32(first) : UInt32(first & 0x7F) << 8 | UInt32(byte())
            if let scalar = Unicode.Scalar(value) { scalars.append(scalar) }
        }
        return String(scalars)
    }

    /// One of `choices`, picked by the next byte.
    public mutating func pick<T>(_ choices: [T]) -> T {
        precondition(!choices.isEmpty, "pick from an empty list")
        return choices[Int(byte()) % choices.count]
    }

    /// A value steered by the fuzzer: one of `examples` (valid values), with a fuzzed string inserted at a
    /// fuzzed character offset, or, for a selector byte of 0xF0 and up, the fuzzed string alone.
    public mutating func edited(_ examples: [String]) -> String {
        let selector = byte()
        let example = examples[Int(selector) % examples.count]
        let offset = Int(byte())
        let insertion = string()
        if selector >= 0xF0 { return insertion }
        let at = example.index(example.startIndex, offsetBy: min(offset, example.count))
        return String(example[..<at]) + insertion + String(example[at...])
    }

    /// The bytes not read yet.
    public var rest: [UInt8] { index < bytes.count ? Array(bytes[index...]) : [] }
}
