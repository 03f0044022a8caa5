import SFCore

/// A minimal, non-validating XML reader for AWS query-API responses (no DTDs, no namespaces resolved).
///
/// AWS responses are small, flat documents; this parses elements, text, the five predefined entities,
/// numeric character references, CDATA, comments and processing instructions. Anything else is an error,
/// never a crash: the fuzz target `FuzzSTSResponse` drives it with arbitrary bytes.
public struct XMLElement: Sendable, Equatable {
    public var name: String
    public var children: [XMLElement]
    /// Concatenated character data directly inside this element.
    public var text: String

    public init(name: String, children: [XMLElement] = [], text: String = "") {
        self.name = name
        self.children = children
        self.text = text
    }

    /// The first child with this local name (namespace prefixes ignored).
    public func child(_ name: String) -> XMLElement? {
        children.first { $0.localName == name }
    }

    /// The text of the child at a path of local names, trimmed.
    public func text(at path: String...) -> String? {
        var current = self
        for name in path {
            guard let next = current.child(name) else { return nil }
            current = next
        }
        return current.text.trimmingASCIIWhitespace()
    }

    public var localName: String {
        guard let colon = name.lastIndex(of: ":") else { return name }
        return String(name[name.index(after: colon)...])
    }
}
