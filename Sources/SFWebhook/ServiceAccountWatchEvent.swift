import SFCore

/// One line of a `watch=1` stream of ServiceAccounts.
public enum ServiceAccountWatchEvent: Sendable, Equatable {
    /// `ADDED` or `MODIFIED`.
    case upsert(ServiceAccountRecord)
    case deleted(ServiceAccountRecord)
    /// `BOOKMARK`: nothing changed up to this resourceVersion.
    case bookmark(resourceVersion: String)
    /// `ERROR`: a `Status`; 410 (`Expired`/`Gone`) means the resourceVersion is too old to watch from.
    case error(code: Int, message: String)

    /// Decodes one newline-delimited JSON event.
    public init(decoding line: some Collection<UInt8>) throws(KubernetesDecodingError) {
        let document: JSONValue
        do {
            document = try JSONValue(parsing: line)
        } catch {
            throw .notJSON(error)
        }
        guard let type = document["type"]?.stringValue else { throw .field("type", "expected a string") }
        guard let object = document["object"] else { throw .field("object", "expected an object") }
        switch type {
        case "ADDED", "MODIFIED":
            self = .upsert(try ServiceAccountRecord(decoding: object, at: "object"))
        case "DELETED":
            self = .deleted(try ServiceAccountRecord(decoding: object, at: "object"))
        case "BOOKMARK":
            guard let version = object["metadata"]?["resourceVersion"]?.stringValue, !version.isEmpty else {
                throw .field("object.metadata.resourceVersion", "expected a non-empty string in a BOOKMARK")
            }
            self = .bookmark(resourceVersion: version)
        case "ERROR":
            guard case .number(let text) = object["code"], let code = Int(text) else {
                throw .field("object.code", "expected the Status code of an ERROR event")
            }
            self = .error(code: code, message: object["message"]?.stringValue ?? "")
        default:
            throw .field("type", "expected ADDED, MODIFIED, DELETED, BOOKMARK or ERROR, found \(JSONText.string(type))")
        }
    }
}
