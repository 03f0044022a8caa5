/// A YAML node as parsed by libyaml, with its position in the source, so that configuration
/// errors can name the line a bad value stands on.
public struct YAMLNode: Sendable, Equatable {
    /// The three shapes a YAML node can take. Aliases are expanded by the loader.
    public indirect enum Value: Sendable, Equatable {
        /// A scalar's text, and whether it was written in quotes (quoted scalars are never numbers or booleans).
        case scalar(String, quoted: Bool)
        /// Key/value pairs in source order (duplicates are kept so validation can reject them).
        case mapping([Pair])
        case sequence([YAMLNode])
    }

    /// One key/value pair of a mapping.
    public struct Pair: Sendable, Equatable {
        public var key: YAMLNode
        public var value: YAMLNode
        public init(key: YAMLNode, value: YAMLNode) {
            self.key = key
            self.value = value
        }
    }

    public var value: Value
    /// 1-based line of the node's first character.
    public var line: Int
    /// 1-based column of the node's first character.
    public var column: Int

    public init(_ value: Value, line: Int, column: Int) {
        self.value = value
        self.line = line
        self.column = column
    }

    /// The scalar text, or nil for collections.
    public var scalar: String? {
        if case .scalar(let text, _) = value { return text }
        return nil
    }

    /// A plain scalar that YAML spells as null (`~`, `null`, or nothing).
    public var isNull: Bool {
        if case .scalar(let text, let quoted) = value, !quoted {
            return text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL"
        }
        return false
    }

    /// A short name of the node's shape for error messages ("a mapping", "a list", "a string").
    public var shapeDescription: String {
        switch value {
        case .scalar: return isNull ? "null" : "a scalar"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        }
    }
}
