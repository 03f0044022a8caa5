import SFCore

/// A resource (application ID URI) as the Entra v2 endpoint and the managed-identity protocols name it.
///
/// v2 takes a scope, `RESOURCE/.default`; IMDS and App Service take the bare resource and SDKs strip `/.default`
/// before asking them. Both spellings of one resource are the same cache entry.
public struct AzureResource: Sendable, Hashable, CustomStringConvertible {
    /// The bare resource, without `/.default` (a trailing `/` kept: `https://management.core.windows.net/`).
    public let identifier: String

    /// Accepts a bare resource or a `/.default` scope.
    public init(_ text: String) {
        let suffix = "/.default"
        identifier = text.hasSuffix(suffix) ? String(text.dropLast(suffix.count)) : text
    }

    /// `RESOURCE/.default`: the v2 `scope` parameter.
    public var scope: String { identifier + "/.default" }

    public var description: String { identifier }
}
