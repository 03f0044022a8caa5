/// Minimal JSON text building for outputs whose exact bytes are tested (golden files, `credential_process`).
public enum JSONText {
    /// A JSON string literal, escaping quotes, backslashes and control characters (RFC 8259 §7).
    public static func string(_ value: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(value.utf8.count + 2)
        write(value, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `string(value)` as UTF-8 bytes; everything that is not escaped is copied as it is.
    public static func write(_ value: String, to out: inout [UInt8]) {
        var value = value
        value.withUTF8 { utf8 in
            out.append(UInt8(ascii: "\""))
            // Most strings need no escaping: copy them whole.
            guard utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
                out.append(contentsOf: utf8)
                out.append(UInt8(ascii: "\""))
                return
            }
            for byte in utf8 {
                switch byte {
                case UInt8(ascii: "\""): out += #"\""#.utf8
                case UInt8(ascii: "\\"): out += #"\\"#.utf8
                case UInt8(ascii: "\n"): out += #"\n"#.utf8
                case UInt8(ascii: "\r"): out += #"\r"#.utf8
                case UInt8(ascii: "\t"): out += #"\t"#.utf8
                case 0..<0x20: out += #"\u00"#.utf8; out.append(hexDigit(byte >> 4)); out.append(hexDigit(byte & 0xF))
                default: out.append(byte)
                }
            }
            out.append(UInt8(ascii: "\""))
        }
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }

    /// `{"k":"v",…}` with keys in the given order and string values.
    public static func object(_ fields: [(String, String)]) -> String {
        "{" + fields.map { string($0.0) + ":" + string($0.1) }.joined(separator: ",") + "}"
    }
}
