import SFCore

/// Step 1 of SigV4, the canonical request: one spelling of the request that client and AWS both derive.
extension SigV4Signer {
    /// Method, URI, query, headers, signed-header list and payload hash, one per line.
    /// Signs every header of `request`; the caller adds the ones that must stay unsigned afterwards.
    public static func canonicalRequest(
        _ request: HTTPRequest,
        payloadHash: String
    ) -> (text: String, signedHeaders: String) {
        let headers = canonicalHeaders(request.headers)
        let signedHeaders = headers.map(\.name).joined(separator: ";")
        let text = [
            request.method.uppercased(),
            canonicalURI(request.endpoint.path),
            canonicalQuery(request.query),
            headers.map { "\($0.name):\($0.value)\n" }.joined(),
            signedHeaders,
            payloadHash,
        ].joined(separator: "\n")
        return (text, signedHeaders)
    }

    /// The path with empty and `.` segments dropped and `..` popping one (aws-c-auth's `normalize`),
    /// a trailing `/` kept, then each segment percent-encoded once.
    ///
    /// `Endpoint.path` holds the path as sent on the wire (already encoded), so encoding it once more
    /// is the double encoding that AWS expects for every service but S3.
    static func canonicalURI(_ path: String) -> String {
        var segments: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch segment {
            case ".": continue
            case "..": _ = segments.popLast()
            default: segments.append(segment)
            }
        }
        guard !segments.isEmpty else { return "/" }
        let encoded = segments.map { PercentEncoding.encode(String($0)) }.joined(separator: "/")
        return "/" + encoded + (path.hasSuffix("/") ? "/" : "")
    }

    /// Parameters split on `&` and at the first `=`, each side decoded then re-encoded (RFC 3986),
    /// sorted by key and then value. A malformed escape is encoded as it stands rather than dropped.
    static func canonicalQuery(_ query: String) -> String {
        func canonical(_ text: Substring) -> String {
            PercentEncoding.encode(PercentEncoding.decode(String(text)) ?? String(text))
        }
        let pairs = query.split(separator: "&", omittingEmptySubsequences: true).map { parameter in
            let equals = parameter.firstIndex(of: "=") ?? parameter.endIndex
            let value = equals == parameter.endIndex ? "" : parameter[parameter.index(after: equals)...]
            return (key: canonical(parameter[..<equals]), value: canonical(value))
        }
        return
            pairs
            .sorted { $0.key != $1.key ? precedes($0.key, $1.key) : precedes($0.value, $1.value) }
            .map { "\($0.key)=\($0.value)" }
            .joined(separator: "&")
    }

    /// Lower-case names sorted by byte; values trimmed with inner whitespace runs collapsed to one
    /// space; repeated names joined with `,` in the order they were given.
    static func canonicalHeaders(_ headers: [(name: String, value: String)]) -> [(name: String, value: String)] {
        var merged: [String: [String]] = [:]
        for header in headers {
            let value = header.value.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
            merged[header.name.lowercased(), default: []].append(value)
        }
        return merged.keys.sorted(by: precedes).map { (name: $0, value: merged[$0]!.joined(separator: ",")) }
    }

    /// Byte order of UTF-8, which SigV4 sorts by (Swift's `<` on `String` is Unicode-aware).
    private static func precedes(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }
}
