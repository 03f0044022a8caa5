/// Why a body is not well-formed XML.
public struct XMLParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public var offset: Int
    public var description: String { "\(reason) at byte \(offset)" }
}

public enum XMLDocument {
    /// Parses a document and returns its root element.
    public static func parse(_ bytes: [UInt8], maxDepth: Int = 32) throws(XMLParseError) -> XMLElement {
        var parser = Parser(bytes: bytes, maxDepth: maxDepth)
        return try parser.document()
    }

    private struct Parser {
        let bytes: [UInt8]
        let maxDepth: Int
        var i = 0

        init(bytes: [UInt8], maxDepth: Int) {
            self.bytes = bytes
            self.maxDepth = maxDepth
        }

        func fail(_ reason: String) -> XMLParseError { XMLParseError(reason: reason, offset: i) }

        mutating func document() throws(XMLParseError) -> XMLElement {
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
            try skipMisc()
            guard i < bytes.count, bytes[i] == 0x3C else { throw fail("expected a root element") }
            let root = try element(depth: 0)
            try skipMisc()
            guard i == bytes.count else { throw fail("content after the root element") }
            return root
        }

        /// Whitespace, comments and processing instructions (including the XML declaration).
        mutating func skipMisc() throws(XMLParseError) {
            while i < bytes.count {
                if isSpace(bytes[i]) {
                    i += 1
                    continue
                }
                if starts("<?") {
                    try skip(past: "?>")
                    continue
                }
                if starts("<!--") {
                    try skip(past: "-->")
                    continue
                }
                if starts("<!") { throw fail("DTDs are not accepted") }
                return
            }
        }

        mutating func element(depth: Int) throws(XMLParseError) -> XMLElement {
            guard depth <= maxDepth else { throw fail("nested deeper than \(maxDepth)") }
            i += 1  // <
            let name = try readName()
            // Attributes are skipped (AWS puts only xmlns on the root).
            while true {
                while i < bytes.count, isSpace(bytes[i]) { i += 1 }
                guard i < bytes.count else { throw fail("unterminated start tag <\(name)>") }
                if starts("/>") {
                    i += 2
                    return XMLElement(name: name)
                }
                if bytes[i] == 0x3E {
                    i += 1
                    break
                }
                _ = try readName()
                while i < bytes.count, isSpace(bytes[i]) { i += 1 }
                guard i < bytes.count, bytes[i] == 0x3D else { throw fail("expected = in an attribute") }
                i += 1
                while i < bytes.count, isSpace(bytes[i]) { i += 1 }
                guard i < bytes.count, bytes[i] == 0x22 || bytes[i] == 0x27 else {
                    throw fail("expected a quoted attribute value")
                }
                let quote = bytes[i]
                i += 1
                while i < bytes.count, bytes[i] != quote {
                    guard bytes[i] != 0x3C else { throw fail("< in an attribute value") }
                    i += 1
                }
                guard i < bytes.count else { throw fail("unterminated attribute value") }
                i += 1
            }
            var node = XMLElement(name: name)
            var text: [UInt8] = []
            while true {
                guard i < bytes.count else { throw fail("unterminated element <\(name)>") }
                if starts("</") {
                    i += 2
                    let close = try readName()
                    guard close == name else { throw fail("</\(close)> closes <\(name)>") }
                    while i < bytes.count, isSpace(bytes[i]) { i += 1 }
                    guard i < bytes.count, bytes[i] == 0x3E else { throw fail("expected > after </\(close)") }
                    i += 1
                    node.text = String(decoding: text, as: UTF8.self)
                    return node
                } else if starts("<!--") {
                    try skip(past: "-->")
                } else if starts("<![CDATA[") {
                    i += 9
                    let start = i
                    try skip(past: "]]>")
                    text.append(contentsOf: bytes[start..<(i - 3)])
                } else if starts("<?") {
                    try skip(past: "?>")
                } else if bytes[i] == 0x3C {
                    node.children.append(try element(depth: depth + 1))
                } else if bytes[i] == 0x26 {
                    text.append(contentsOf: try entity())
                } else {
                    text.append(bytes[i])
                    i += 1
                }
            }
        }

        mutating func entity() throws(XMLParseError) -> [UInt8] {
            guard let end = bytes[i...].prefix(12).firstIndex(of: 0x3B) else { throw fail("unterminated entity") }
            let name = String(decoding: bytes[(i + 1)..<end], as: UTF8.self)
            i = end + 1
            switch name {
            case "amp": return [0x26]
            case "lt": return [0x3C]
            case "gt": return [0x3E]
            case "quot": return [0x22]
            case "apos": return [0x27]
            default:
                let scalar: UInt32?
                if name.hasPrefix("#x") {
                    scalar = UInt32(name.dropFirst(2), radix: 16)
                } else if name.hasPrefix("#") {
                    scalar = UInt32(name.dropFirst(1))
                } else {
                    scalar = nil
                }
                guard let scalar, let character = Unicode.Scalar(scalar) else { throw fail("unknown entity &\(name);") }
                return Array(String(Character(character)).utf8)
            }
        }

        mutating func readName() throws(XMLParseError) -> String {
            let start = i
            while i < bytes.count, !isSpace(bytes[i]), bytes[i] != 0x3E, bytes[i] != 0x2F, bytes[i] != 0x3D,
                bytes[i] != 0x3C
            {
                i += 1
            }
            guard i > start else { throw fail("expected a name") }
            return String(decoding: bytes[start..<i], as: UTF8.self)
        }

        mutating func skip(past terminator: StaticString) throws(XMLParseError) {
            while i + terminator.utf8CodeUnitCount <= bytes.count {
                if starts(terminator) {
                    i += terminator.utf8CodeUnitCount
                    return
                }
                i += 1
            }
            throw fail("missing \(terminator)")
        }

        func starts(_ prefix: StaticString) -> Bool {
            let count = prefix.utf8CodeUnitCount
            guard i + count <= bytes.count else { return false }
            return prefix.withUTF8Buffer { p in
                for k in 0..<count where bytes[i + k] != p[k] { return false }
                return true
            }
        }

        func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }
    }
}
