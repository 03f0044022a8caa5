/// The rules for header fields Skyferry sends (RFC 9110 §5): a name is a token, a value holds no control
/// character. A CR or LF in a value would end the header and start another one (header injection).
public enum HTTPHeaderRules {
    /// Why `name: value` cannot be sent, or nil. Never quotes the value (it is often a secret).
    public static func problem(name: String, value: String) -> String? {
        let tokenSymbols = Set("!#$%&'*+-.^_`|~".utf8)
        let nameIsToken =
            !name.isEmpty
            && name.utf8.allSatisfy { byte in
                (0x30...0x39).contains(byte) || (0x61...0x7A).contains(byte | 0x20) || tokenSymbols.contains(byte)
            }
        guard nameIsToken else { return "has a name that is not an HTTP token" }
        if let offset = controlCharacterOffset(value) {
            return "contains a control character (\(controlName(value, at: offset))) at byte \(offset) of its value"
        }
        return nil
    }

    /// The byte offset of the first C0 control (NUL, CR, LF, TAB, …) or DEL, or nil.
    public static func controlCharacterOffset(_ value: String) -> Int? {
        let index = value.utf8.firstIndex { $0 < 0x20 || $0 == 0x7F }
        return index.map { value.utf8.distance(from: value.utf8.startIndex, to: $0) }
    }

    /// `CR`, `LF`, `NUL`, `TAB` or `0xNN` for the control byte at `offset`.
    public static func controlName(_ value: String, at offset: Int) -> String {
        let byte = Array(value.utf8)[offset]
        switch byte {
        case 0x0D: return "CR"
        case 0x0A: return "LF"
        case 0x00: return "NUL"
        case 0x09: return "TAB"
        default:
            let hex = String(byte, radix: 16, uppercase: true)
            return "0x" + (hex.count < 2 ? "0" + hex : hex)
        }
    }
}
