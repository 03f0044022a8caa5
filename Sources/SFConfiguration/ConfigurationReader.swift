import SFCore
import SFYAML

/// The one reader of Skyferry's YAML files (the agent's and the webhook's), collecting every issue instead of
/// stopping at the first.
///
/// Shaped like Hummingbird's configuration reader (swift-configuration's `ConfigReader`): typed getters
/// (`string`, `integer`, `number`, `boolean`) on a key path, each checking its value once in one way for every
/// file. They return nil after recording an issue, so validation code reads straight down. Unknown keys get a
/// "did you mean"; booleans are `true`/`True`/`TRUE` and `false`/`False`/`FALSE`, never quoted; integers and
/// numbers are unquoted and checked against a closed range.
public final class ConfigurationReader {
    public private(set) var issues: [ConfigurationIssue] = []

    public init() {}

    /// Loads `text` as YAML and reads it with `body`: the size cap, syntax errors and every issue, for each
    /// file. `origin` (a path, or `$SKYFERRY_CONFIG_YAML`) is only used in messages.
    public static func read<Value>(
        _ text: String,
        origin: String,
        _ body: (YAMLNode, ConfigurationReader) -> Value?
    ) throws(ConfigurationError) -> Value {
        let size = text.utf8.count
        let limit = ConfigurationParser.maxBytes
        guard size <= limit else { throw .tooLarge(path: origin, size: size, limit: limit) }
        let root: YAMLNode
        do {
            root = try YAMLLoader().load(text)
        } catch {
            throw .syntax(path: origin, description: error.description)
        }
        let reader = ConfigurationReader()
        let value = body(root, reader)
        guard reader.issues.isEmpty, let value else { throw .invalid(path: origin, issues: reader.issues) }
        return value
    }

    /// Records an issue at `path`, on `node`'s line when there is a node.
    public func fail(_ path: String, _ node: YAMLNode?, _ message: String) {
        issues.append(ConfigurationIssue(path: path, line: node?.line, message: message))
    }

    /// A mapping's entries by key; records unknown keys (with a suggestion), duplicates and non-string keys.
    public func mapping(_ node: YAMLNode, at path: String, allowed: [String]) -> [String: YAMLNode]? {
        guard case .mapping(let pairs) = node.value else {
            let keys = allowed.joined(separator: ", ")
            fail(path, node, "expected a mapping with keys \(keys), found \(node.shapeDescription)")
            return nil
        }
        var entries: [String: YAMLNode] = [:]
        for pair in pairs {
            let keyPath = path.isEmpty ? "" : path + "."
            guard let key = pair.key.scalar else {
                fail(path, pair.key, "keys must be plain strings")
                continue
            }
            if entries[key] != nil {
                fail(keyPath + key, pair.key, "duplicate key")
                continue
            }
            guard allowed.contains(key) else {
                var message = "unknown key"
                if let suggestion = Self.closest(to: key, in: allowed) {
                    message += " (did you mean \"\(suggestion)\"?)"
                }
                message += "; expected one of: \(allowed.joined(separator: ", "))"
                fail(keyPath + key, pair.key, message)
                continue
            }
            entries[key] = pair.value
        }
        return entries
    }

    /// The value of a required key; a missing or null one is an issue on the parent's line.
    public func required(
        _ entries: [String: YAMLNode],
        _ key: String,
        at path: String,
        parent: YAMLNode
    ) -> YAMLNode? {
        guard let node = entries[key], !node.isNull else {
            fail(join(path, key), parent, "required key is missing")
            return nil
        }
        return node
    }

    /// A non-empty scalar.
    public func string(_ node: YAMLNode, at path: String) -> String? {
        guard case .scalar(let text, _) = node.value, !node.isNull else {
            fail(path, node, "expected a string, found \(node.shapeDescription)")
            return nil
        }
        guard !text.isEmpty else {
            fail(path, node, "must not be empty")
            return nil
        }
        return text
    }

    /// An unquoted whole number in `range`. With a `unit` ("seconds"), one message names it for either failure.
    public func integer(_ node: YAMLNode, at path: String, range: ClosedRange<Int>, unit: String? = nil) -> Int? {
        let parsed: Int? = if case .scalar(let text, false) = node.value { Int(text) } else { nil }
        if let parsed, range.contains(parsed) { return parsed }
        let bounds = "\(range.lowerBound)-\(range.upperBound)"
        if let unit {
            fail(
                path,
                node,
                "expected a whole number of \(unit) from \(range.lowerBound) to \(range.upperBound), "
                    + "found \(describe(node))"
            )
        } else if let parsed {
            fail(path, node, "\(parsed) is out of range (expected \(bounds))")
        } else {
            fail(path, node, "expected a whole number in \(bounds), found \(describe(node))")
        }
        return nil
    }

    /// An unquoted finite number in `range`.
    public func number(_ node: YAMLNode, at path: String, range: ClosedRange<Double>) -> Double? {
        guard case .scalar(let text, let quoted) = node.value, !quoted, let value = Double(text), value.isFinite
        else {
            fail(path, node, "expected a number in \(range.lowerBound)-\(range.upperBound), found \(describe(node))")
            return nil
        }
        guard range.contains(value) else {
            fail(path, node, "\(text) is out of range (expected \(range.lowerBound)-\(range.upperBound))")
            return nil
        }
        return value
    }

    /// An unquoted `true`/`True`/`TRUE` or `false`/`False`/`FALSE`. A `hint` says when to choose which.
    public func boolean(_ node: YAMLNode, at path: String, hint: String? = nil) -> Bool? {
        if case .scalar(let text, false) = node.value {
            switch text {
            case "true", "True", "TRUE": return true
            case "false", "False", "FALSE": return false
            default: break
            }
        }
        if let hint {
            fail(path, node, "expected true or false (\(hint))")
        } else {
            fail(path, node, "expected true or false, found \(describe(node))")
        }
        return nil
    }

    /// How messages quote a value: `"5"`, `the string "5"`, `a list`.
    public func describe(_ node: YAMLNode) -> String {
        if case .scalar(let text, let quoted) = node.value, !node.isNull {
            return quoted ? "the string \"\(text)\"" : "\"\(text)\""
        }
        return node.shapeDescription
    }

    /// `path.key`, or `key` at the top level.
    public func join(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : path + "." + key
    }

    /// The allowed key closest to a misspelt one, if it is close enough to be a typo.
    public static func closest(to key: String, in allowed: [String]) -> String? {
        let scored = allowed.map { ($0, editDistance(key.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, key.count / 3) else {
            return nil
        }
        return best.0
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        if a.isEmpty { return b.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where j <= b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            previous = current
        }
        return previous[b.count]
    }
}
