import FoundationEssentials
import SFCore

/// The parts of an `admission.k8s.io/v1` AdmissionReview request the webhook acts on.
///
/// Decoded from the raw JSON so that `object` keeps every field the API server sent.
public struct AdmissionRequest: Sendable, Equatable {
    public static let apiVersion = "admission.k8s.io/v1"

    public var uid: String
    /// `request.kind.kind` (`Pod` for the rules the manifests install).
    public var kind: String
    /// CREATE, UPDATE, DELETE or CONNECT.
    public var operation: String
    public var namespace: String
    /// `request.object`; nil for DELETE.
    public var object: JSONValue?
    public var dryRun: Bool

    public init(
        uid: String,
        kind: String,
        operation: String,
        namespace: String = "",
        object: JSONValue?,
        dryRun: Bool = false
    ) {
        self.uid = uid
        self.kind = kind
        self.operation = operation
        self.namespace = namespace
        self.object = object
        self.dryRun = dryRun
    }

    /// Decodes an AdmissionReview body; every problem is an `AdmissionDecodingError` naming the field.
    public init(decoding body: some Collection<UInt8>) throws(AdmissionDecodingError) {
        let document: JSONValue
        do {
            document = try JSONValue(parsing: body)
        } catch {
            throw .notJSON(error)
        }
        guard case .object = document else {
            throw .field("", "expected an AdmissionReview object, found \(document.shapeDescription)")
        }
        guard let apiVersion = document["apiVersion"]?.stringValue, apiVersion == Self.apiVersion else {
            throw .field(
                "apiVersion",
                "expected \"\(Self.apiVersion)\", found \(Self.describe(document["apiVersion"])); set "
                    + "admissionReviewVersions: [v1] on the webhook"
            )
        }
        guard document["kind"]?.stringValue == "AdmissionReview" else {
            throw .field("kind", "expected \"AdmissionReview\", found \(Self.describe(document["kind"]))")
        }
        guard let request = document["request"], case .object = request else {
            throw .field("request", "expected an object, found \(Self.describe(document["request"]))")
        }
        guard let uid = request["uid"]?.stringValue, !uid.isEmpty else {
            throw .field("request.uid", "expected a non-empty string, found \(Self.describe(request["uid"]))")
        }
        guard let kind = request["kind"]?["kind"]?.stringValue else {
            throw .field("request.kind.kind", "expected a string, found \(Self.describe(request["kind"]?["kind"]))")
        }
        guard let operation = request["operation"]?.stringValue else {
            throw .field("request.operation", "expected a string, found \(Self.describe(request["operation"]))")
        }
        let object = request["object"]
        if let object, object != .null, object.objectValue == nil {
            throw .field("request.object", "expected an object, found \(object.shapeDescription)")
        }
        self.init(
            uid: uid,
            kind: kind,
            operation: operation,
            namespace: request["namespace"]?.stringValue ?? "",
            object: object == .null ? nil : object,
            dryRun: request["dryRun"] == .bool(true)
        )
    }

    static func describe(_ value: JSONValue?) -> String {
        guard let value else { return "nothing" }
        if case .string(let text) = value { return JSONText.string(String(text.prefix(100))) }
        return value.shapeDescription
    }
}

/// Why an AdmissionReview body was rejected with HTTP 400.
public enum AdmissionDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    case notJSON(JSONParseError)
    /// A field (dotted path) is missing or has the wrong shape.
    case field(String, String)

    public var description: String {
        switch self {
        case .notJSON(let error):
            return "request body is not an AdmissionReview: \(error)"
        case .field(let path, let problem):
            return "request body is not an AdmissionReview: \(path.isEmpty ? "document" : path): \(problem)"
        }
    }
}
