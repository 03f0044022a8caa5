/// One page of `GET /api/v1/serviceaccounts?limit=N[&continue=TOKEN]`.
public struct ServiceAccountListPage: Sendable, Equatable {
    public var records: [ServiceAccountRecord]
    /// The list's `metadata.resourceVersion`: a watch from it sees every later change.
    public var resourceVersion: String
    /// `metadata.continue`; nil on the last page.
    public var continueToken: String?

    public init(records: [ServiceAccountRecord], resourceVersion: String, continueToken: String? = nil) {
        self.records = records
        self.resourceVersion = resourceVersion
        self.continueToken = continueToken
    }

    public init(decoding body: some Collection<UInt8>) throws(KubernetesDecodingError) {
        let document: JSONValue
        do {
            document = try JSONValue(parsing: body)
        } catch {
            throw .notJSON(error)
        }
        guard let resourceVersion = document["metadata"]?["resourceVersion"]?.stringValue, !resourceVersion.isEmpty
        else { throw .field("metadata.resourceVersion", "expected a non-empty string") }
        guard let items = document["items"]?.arrayValue ?? (document["items"] == .null ? [] : nil) else {
            throw .field("items", "expected an array")
        }
        var records: [ServiceAccountRecord] = []
        records.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            records.append(try ServiceAccountRecord(decoding: item, at: "items[\(index)]"))
        }
        let token = document["metadata"]?["continue"]?.stringValue
        self.init(
            records: records,
            resourceVersion: resourceVersion,
            continueToken: token?.isEmpty == false ? token : nil
        )
    }
}
