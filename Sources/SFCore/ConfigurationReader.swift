import SFYAML

/// Walks a YAML tree for the configuration parser, collecting every issue instead of stopping at the first.
///
/// Typed getters return nil after recording an issue, so validation code reads straight down.
final class ConfigurationReader {
    private(set) var issues: [ConfigurationIssue] = []

    func fail(_ path: String, _ node: YAMLNode?, _ message: String) {
        issues.append(ConfigurationIssue(path: path, line: node?.line, message: message))
    }

    /// A mapping's entries by key; records unknown keys (with a suggestion), duplicates and non-string keys.
    func mapping(_ node: YAMLNode, at path: String, allowed: [String]) -> [String: YAMLNode]? {
        guard case .mapping(let pairs) = node.value else {
            fail(path, node, "expected a mapping with keys \(allowed.joined(separator: ", ")), found \(node.shapeDescription)")
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

    func required(_ entries: [String: YAMLNode], _ key: String, at path: String, parent: YAMLNode) -> YAMLNode? {
        guard let node = entries[key], !node.isNull else {
            fail(join(path, key), parent, "required key is missing")
            return nil
        }
        return node
    }

    func string(_ node: YAMLNode, at path: String) -> String? {
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

    func integer(_ node: YAMLNode, at path: String, range: ClosedRange<Int>) -> Int? {
        guard case .scalar(let text, let quoted) = node.value, !quoted, let value = Int(text) else {
            fail(path, node, "expected a whole number in \(range.lowerBound)-\(range.upperBound), found \(describe(node))")
            return nil
        }
        guard range.contains(value) else {
            fail(path, node, "\(value) is out of range (expected \(range.lowerBound)-\(range.upperBound))")
            return nil
        }
        return value
    }

    func number(_ node: YAMLNode, at path: String, range: ClosedRange<Double>) -> Double? {
        guard case .scalar(let text, let quoted) = node.value, !quoted, let value = Double(text), value.isFinite else {
            fail(path, node, "expected a number in \(range.lowerBound)-\(range.upperBound), found \(describe(node))")
            return nil
        }
        guard range.contains(value) else {
            fail(path, node, "\(text) is out of range (expected \(range.lowerBound)-\(range.upperBound))")
            return nil
        }
        return value
    }

    func boolean(_ node: YAMLNode, at path: String) -> Bool? {
        if case .scalar(let text, false) = node.value {
            switch text {
            case "true", "True", "TRUE": return true
            case "false", "False", "FALSE": return false
            default: break
            }
        }
        fail(path, node, "expected true or false, found \(describe(node))")
        return nil
    }

    func describe(_ node: YAMLNode) -> String {
        if case .scalar(let text, let quoted) = node.value, !node.isNull {
            return quoted ? "the string \"\(text)\"" : "\"\(text)\""
        }
        return node.shapeDescription
    }

    func join(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : path + "." + key
    }

    /// The allowed key closest to a misspelt one, if it is close enough to be a typo.
    static func closest(to key: String, in allowed: [String]) -> String? {
        let scored = allowed.map { ($0, editDistance(key.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, key.count / 3) else { return nil }
        return best.0
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where j <= b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
