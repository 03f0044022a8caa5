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
    ///
    /// Escaped beyond RFC 8259's minimum: DEL (U+007F) and the C1 controls (U+0080–U+009F), as `\u007f`
    /// and `\u0080`…`\u009f`, so no control character reaches a reader (terminal, log, YAML) raw.
    public static func write(_ value: String, to out: inout [UInt8]) {
        var value = value
        value.withUTF8 { utf8 in
            out.append(UInt8(ascii: "\""))
            // Most strings need no escaping: copy them whole. 0xC2 leads U+0080–U+00BF (C1 among them).
            let needsEscaping = utf8.contains { byte in
                byte < 0x20 || byte == 0x7F || byte == 0xC2 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
            }
            guard needsEscaping else {
                out.append(contentsOf: utf8)
                out.append(UInt8(ascii: "\""))
                return
            }
            var index = 0
            while index < utf8.count {
                let byte = utf8[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""): out += #"\""#.utf8
                case UInt8(ascii: "\\"): out += #"\\"#.utf8
                case UInt8(ascii: "\n"): out += #"\n"#.utf8
                case UInt8(ascii: "\r"): out += #"\r"#.utf8
                case UInt8(ascii: "\t"): out += #"\t"#.utf8
                case 0..<0x20, 0x7F: appendUnicodeEscape(byte, to: &out)
                case 0xC2 where index < utf8.count && (0x80...0x9F).contains(utf8[index]):
                    // U+0080–U+009F is encoded C2 80…C2 9F: the second byte is the code point.
                    appendUnicodeEscape(utf8[index], to: &out)
                    index += 1
                default: out.append(byte)
                }
            }
            out.append(UInt8(ascii: "\""))
        }
    }

    /// `\u00XX` for a code point below U+0100.
    private static func appendUnicodeEscape(_ codePoint: UInt8, to out: inout [UInt8]) {
        out += #"\u00"#.utf8
        out.append(hexDigit(codePoint >> 4))
        out.append(hexDigit(codePoint & 0xF))
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }

    /// `{"k":"v",…}` with keys in the given order and string values.
    public static func object(_ fields: [(String, String)]) -> String {
        "{" + fields.map { string($0.0) + ":" + string($0.1) }.joined(separator: ",") + "}"
    }
}
