import SFCore

extension JSONValue {
    /// Compact JSON text (no whitespace), members in their order. Strings are escaped as `JSONText` does
    /// (quote, backslash, control characters), everything else is written as UTF-8.
    public var serialized: String {
        String(decoding: serializedBytes, as: UTF8.self)
    }

    /// `serialized` as UTF-8 bytes.
    public var serializedBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(4096)
        write(to: &out, indent: nil, level: 0)
        return out
    }

    /// Indented JSON text (two spaces, `"key": value`), for golden files people read and diff.
    public var prettyPrinted: String {
        var out: [UInt8] = []
        write(to: &out, indent: 2, level: 0)
        out.append(UInt8(ascii: "\n"))
        return String(decoding: out, as: UTF8.self)
    }

    // Bytes, not String appends: serializing the answer was most of the webhook's CPU time per request.
    private func write(to out: inout [UInt8], indent: Int?, level: Int) {
        switch self {
        case .null: out += "null".utf8
        case .bool(let value): out += (value ? "true" : "false").utf8
        case .number(let text): out += text.utf8
        case .string(let text): JSONText.write(text, to: &out)
        case .array(let items):
            guard !items.isEmpty else {
                out += "[]".utf8
                return
            }
            out.append(UInt8(ascii: "["))
            for (offset, item) in items.enumerated() {
                if offset > 0 { out.append(UInt8(ascii: ",")) }
                Self.newline(&out, indent, level + 1)
                item.write(to: &out, indent: indent, level: level + 1)
            }
            Self.newline(&out, indent, level)
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            guard !members.isEmpty else {
                out += "{}".utf8
                return
            }
            out.append(UInt8(ascii: "{"))
            for (offset, (key, value)) in members.enumerated() {
                if offset > 0 { out.append(UInt8(ascii: ",")) }
                Self.newline(&out, indent, level + 1)
                JSONText.write(key, to: &out)
                out.append(UInt8(ascii: ":"))
                if indent != nil { out.append(UInt8(ascii: " ")) }
                value.write(to: &out, indent: indent, level: level + 1)
            }
            Self.newline(&out, indent, level)
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func newline(_ out: inout [UInt8], _ indent: Int?, _ level: Int) {
        guard let indent else { return }
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * level))
    }
}
