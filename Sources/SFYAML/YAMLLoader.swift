import CSFYAML

/// Why a YAML text could not be loaded.
public enum YAMLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// libyaml rejected the text: its problem, at a 1-based line and column.
    case syntax(problem: String, line: Int, column: Int)
    /// The text holds no document.
    case empty
    /// The text holds more than one document (`---` separators).
    case multipleDocuments
    /// Aliases or nesting expand beyond the loader's limits (an alias bomb, or absurd nesting).
    case tooLarge(limit: String)
    /// The text opens more than `limit` nested collections; `line` (1-based) is where the first one too many starts.
    case tooDeep(limit: Int, line: Int)

    public var description: String {
        switch self {
        case .syntax(let problem, let line, let column):
            return "YAML syntax error at line \(line), column \(column): \(problem)"
        case .empty:
            return "the file holds no YAML document"
        case .multipleDocuments:
            return "the file holds more than one YAML document; put everything in one"
        case .tooLarge(let limit):
            return "the YAML document is too large after expanding aliases (\(limit))"
        case .tooDeep(let limit, let line):
            return "the YAML document nests collections deeper than \(limit) levels (at line \(line)); "
                + "a configuration needs a handful. Check for runaway brackets or indentation."
        }
    }
}

/// Loads one YAML document with libyaml into a `YAMLNode` tree.
///
/// Pure: it takes text and returns values. Aliases are expanded, so expansion is bounded
/// (`maxNodes`, `maxDepth`) to keep a hostile file from exhausting memory.
///
/// Nesting is bounded before libyaml builds a document: libyaml's scanner is quadratic in the nesting
/// depth (60 000 `[` took 14 s to load), so a first pass reads events only and stops at the first
/// collection deeper than `maxDepth`, having scanned at most about a kilobyte past it.
public struct YAMLLoader: Sendable {
    public var maxNodes: Int
    public var maxDepth: Int

    public init(maxNodes: Int = 10_000, maxDepth: Int = 64) {
        self.maxNodes = maxNodes
        self.maxDepth = maxDepth
    }

    public func load(_ text: String) throws(YAMLError) -> YAMLNode {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw .syntax(problem: "libyaml could not initialise a parser", line: 0, column: 0)
        }
        defer { yaml_parser_delete(&parser) }

        let bytes = Array(text.utf8)
        try Self.checkNesting(bytes, maxDepth: maxDepth)
        return try bytes.withUnsafeBufferPointer { (buffer) throws(YAMLError) -> YAMLNode in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)

            var document = yaml_document_t()
            guard yaml_parser_load(&parser, &document) == 1 else {
                throw Self.syntaxError(parser)
            }
            defer { yaml_document_delete(&document) }
            guard let root = yaml_document_get_root_node(&document) else {
                throw .empty
            }
            var budget = maxNodes
            let tree = try convert(root, in: &document, depth: 0, budget: &budget)

            // A second document is a mistake in a configuration file: say so instead of ignoring it.
            var next = yaml_document_t()
            guard yaml_parser_load(&parser, &next) == 1 else {
                throw Self.syntaxError(parser)
            }
            defer { yaml_document_delete(&next) }
            if yaml_document_get_root_node(&next) != nil {
                throw .multipleDocuments
            }
            return tree
        }
    }

    /// Walks the event stream counting open collections; throws `tooDeep` at the first one past `maxDepth`.
    /// Syntax errors are left to the load that follows, which reports them the same way.
    static func checkNesting(_ bytes: [UInt8], maxDepth: Int) throws(YAMLError) {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw .syntax(problem: "libyaml could not initialise a parser", line: 0, column: 0)
        }
        defer { yaml_parser_delete(&parser) }
        try bytes.withUnsafeBufferPointer { (buffer) throws(YAMLError) in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            var depth = 0
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else { return }
                defer { yaml_event_delete(&event) }
                switch event.type {
                case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                    depth += 1
                    if depth > maxDepth { throw .tooDeep(limit: maxDepth, line: Int(event.start_mark.line) + 1) }
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    depth -= 1
                case YAML_STREAM_END_EVENT:
                    return
                default:
                    break
                }
            }
        }
    }

    private static func syntaxError(_ parser: yaml_parser_t) -> YAMLError {
        let problem = parser.problem.map { String(cString: $0) } ?? "unknown problem"
        let context = parser.context.map { String(cString: $0) + " " } ?? ""
        let mark = parser.problem_mark
        return .syntax(problem: context + problem, line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    private func convert(
        _ node: UnsafeMutablePointer<yaml_node_t>,
        in document: inout yaml_document_t,
        depth: Int,
        budget: inout Int
    ) throws(YAMLError) -> YAMLNode {
        budget -= 1
        guard budget >= 0 else { throw .tooLarge(limit: "more than \(maxNodes) nodes") }
        guard depth <= maxDepth else { throw .tooLarge(limit: "nested deeper than \(maxDepth) levels") }
        let line = Int(node.pointee.start_mark.line) + 1
        let column = Int(node.pointee.start_mark.column) + 1

        switch node.pointee.type {
        case YAML_SCALAR_NODE:
            let scalar = node.pointee.data.scalar
            let buffer = UnsafeBufferPointer(start: scalar.value, count: Int(scalar.length))
            let text = String(decoding: buffer, as: UTF8.self)
            let quoted =
                scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE
                || scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE
                || scalar.style == YAML_LITERAL_SCALAR_STYLE
                || scalar.style == YAML_FOLDED_SCALAR_STYLE
            return YAMLNode(.scalar(text, quoted: quoted), line: line, column: column)

        case YAML_SEQUENCE_NODE:
            var items: [YAMLNode] = []
            var item = node.pointee.data.sequence.items.start
            while let current = item, current != node.pointee.data.sequence.items.top {
                guard let child = yaml_document_get_node(&document, current.pointee) else {
                    throw .syntax(problem: "dangling sequence item", line: line, column: column)
                }
                items.append(try convert(child, in: &document, depth: depth + 1, budget: &budget))
                item = current.advanced(by: 1)
            }
            return YAMLNode(.sequence(items), line: line, column: column)

        case YAML_MAPPING_NODE:
            var pairs: [YAMLNode.Pair] = []
            var pair = node.pointee.data.mapping.pairs.start
            while let current = pair, current != node.pointee.data.mapping.pairs.top {
                guard let keyNode = yaml_document_get_node(&document, current.pointee.key),
                    let valueNode = yaml_document_get_node(&document, current.pointee.value)
                else {
                    throw .syntax(problem: "dangling mapping pair", line: line, column: column)
                }
                let key = try convert(keyNode, in: &document, depth: depth + 1, budget: &budget)
                let value = try convert(valueNode, in: &document, depth: depth + 1, budget: &budget)
                pairs.append(.init(key: key, value: value))
                pair = current.advanced(by: 1)
            }
            return YAMLNode(.mapping(pairs), line: line, column: column)

        default:
            throw .syntax(problem: "empty node", line: line, column: column)
        }
    }
}
