/// Minimal JSON text building for outputs whose exact bytes are tested (golden files, `credential_process`).
public enum JSONText {
    /// A JSON string literal, escaping quotes, backslashes and control characters (RFC 8259 §7).
    public static func string(_ value: String) -> String {
        // Most values need no escaping.
        if !value.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            return "\"" + value + "\""
        }
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// `{"k":"v",…}` with keys in the given order and string values.
    public static func object(_ fields: [(String, String)]) -> String {
        "{" + fields.map { string($0.0) + ":" + string($0.1) }.joined(separator: ",") + "}"
    }
}
