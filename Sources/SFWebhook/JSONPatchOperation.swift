/// One RFC 6902 operation. The mutator only ever adds: it never replaces or removes what the user wrote.
public struct JSONPatchOperation: Sendable, Equatable {
    public var path: String
    public var value: JSONValue

    public init(add path: String, _ value: JSONValue) {
        self.path = path
        self.value = value
    }

    public var json: JSONValue {
        ["op": "add", "path": .string(path), "value": value]
    }

    /// Escapes one reference token of a JSON Pointer (RFC 6901: `~` → `~0`, `/` → `~1`).
    public static func escape(_ token: String) -> String {
        guard token.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) else { return token }
        var out = ""
        for character in token {
            switch character {
            case "~": out += "~0"
            case "/": out += "~1"
            default: out.append(character)
            }
        }
        return out
    }
}
