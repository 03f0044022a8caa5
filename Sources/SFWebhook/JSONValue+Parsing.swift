extension JSONValue {
    /// Nesting deeper than this is rejected: pods are a dozen levels deep, and recursion must stay bounded.
    public static let maximumDepth = 128

    /// Parses one JSON text (RFC 8259): UTF-8, no trailing content, no duplicate object members.
    public init(parsing bytes: some Collection<UInt8>) throws(JSONParseError) {
        var parser = JSONParser(bytes: Array(bytes))
        self = try parser.parseDocument()
    }
}
