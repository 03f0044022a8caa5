import FoundationEssentials
import SFCore

/// The webhook's answer to one admission request.
public struct AdmissionResponse: Sendable, Equatable {
    public var uid: String
    public var allowed: Bool
    /// The JSON Patch to apply (allowed only); empty: none.
    public var patch: [JSONPatchOperation]
    /// For a denial: the message `kubectl` shows.
    public var message: String?
    public var warnings: [String]

    public init(
        uid: String,
        allowed: Bool,
        patch: [JSONPatchOperation] = [],
        message: String? = nil,
        warnings: [String] = []
    ) {
        self.uid = uid
        self.allowed = allowed
        self.patch = patch
        self.message = message
        self.warnings = warnings
    }

    /// The AdmissionReview JSON body; the patch is standard padded base64 of the compact patch text.
    public var reviewJSON: JSONValue {
        var response: [(String, JSONValue)] = [("uid", .string(uid)), ("allowed", .bool(allowed))]
        if !patch.isEmpty {
            let text = JSONValue.array(patch.map(\.json)).serializedBytes
            response.append(("patchType", "JSONPatch"))
            response.append(("patch", .string(Data(text).base64EncodedString())))
        }
        if let message {
            response.append(("status", ["code": .integer(allowed ? 200 : 403), "message": .string(message)]))
        }
        if !warnings.isEmpty {
            response.append(("warnings", .array(warnings.map { .string($0) })))
        }
        return [
            "apiVersion": .string(AdmissionRequest.apiVersion), "kind": "AdmissionReview",
            "response": .object(response),
        ]
    }
}
