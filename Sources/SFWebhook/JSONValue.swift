/// A JSON document as written: object members keep their order and numbers keep their text.
///
/// The webhook reads pods through this instead of typed structs so that it never drops a field it
/// does not know (the native-sidecar `restartPolicy` lost by webhooks built on old Pod types), and
/// so that it can build JSON Patch values that serialize exactly as the golden files expect.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number's literal text, validated by the parser (RFC 8259 §6), never re-formatted.
    case number(String)
    case string(String)
    case array([JSONValue])
    /// Members in document order. Duplicate names are rejected by the parser.
    case object([(String, JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    /// A member of an object, or nil (also for non-objects).
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }

    public var objectValue: [(String, JSONValue)]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// An object of string values (labels, annotations); nil when any value is not a string.
    public var stringMap: [String: String]? {
        guard let members = objectValue else { return nil }
        var map: [String: String] = [:]
        for (key, value) in members {
            guard let text = value.stringValue else { return nil }
            map[key] = text
        }
        return map
    }

    /// A short name of the value's shape, for messages.
    public var shapeDescription: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// Dictionary literals keep their written order, which is the order they serialize in.
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(elements) }

    /// An integer as a JSON number.
    public static func integer(_ value: Int) -> JSONValue { .number(String(value)) }
}
