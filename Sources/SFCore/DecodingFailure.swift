/// Why a JSON document did not decode, in words, for error messages: the kind of problem and where
/// (`missing key "access_token"`, `expected an integer at "expires_in", found a string`).
///
/// Never a value from the document: the documents decoded are credential responses, and `DecodingError`'s
/// own `debugDescription` can quote one (FoundationEssentials' `Parsed JSON number <…> does not fit in Int.`,
/// and the syntax error it wraps for invalid JSON names the offending character). So the message is built
/// from the error's case, its coding path (keys of Skyferry's own types) and the expected type; the only
/// part taken from `debugDescription` is the found type, and only when it is one of the JSON decoder's fixed
/// type words.
public enum DecodingFailure {
    /// `error` in words when it is a `DecodingError`, else its own description.
    public static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing key \"\(path(context.codingPath + [key]))\""
        case .valueNotFound(let type, let context):
            return "expected \(typeName(type)) \(location(context.codingPath)), found null"
        case .typeMismatch(let type, let context):
            let found = foundType(context.debugDescription).map { ", found \($0)" } ?? ""
            return "expected \(typeName(type)) \(location(context.codingPath))\(found)"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "not valid JSON" }
            return "the value \(location(context.codingPath)) cannot be used (not shown)"
        @unknown default:
            return "cannot be decoded"
        }
    }

    /// `at "a.b[0]"`, or `at the top level`.
    static func location(_ codingPath: [any CodingKey]) -> String {
        codingPath.isEmpty ? "at the top level" : "at \"\(path(codingPath))\""
    }

    /// `error.message`, `scope[0]`.
    static func path(_ codingPath: [any CodingKey]) -> String {
        var text = ""
        for key in codingPath {
            if let index = key.intValue, key.stringValue == "Index \(index)" {
                text += "[\(index)]"
            } else {
                text += (text.isEmpty ? "" : ".") + key.stringValue
            }
        }
        return text
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "a boolean"
        case is Int.Type, is Int64.Type, is Int32.Type, is UInt.Type, is UInt64.Type, is UInt32.Type:
            return "an integer"
        case is Double.Type, is Float.Type: return "a number"
        case is [String: Any].Type: return "an object"
        case is [Any].Type: return "an array"
        default: return "\(type)"
        }
    }

    /// The JSON decoder's `… but found a string instead.`, as JSON type words; nil for anything else.
    static func foundType(_ debugDescription: String) -> String? {
        let words = [
            ("a string", "a string"), ("a number", "a number"), ("number", "a number"), ("bool", "a boolean"),
            ("null", "null"), ("a dictionary", "an object"), ("an array", "an array"),
        ]
        guard debugDescription.hasSuffix(" instead.") else { return nil }
        let sentence = debugDescription.dropLast(" instead.".count)
        return words.first { sentence.hasSuffix(" but found " + $0.0) }?.1
    }
}
