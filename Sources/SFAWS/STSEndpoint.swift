import SFCore

/// Picks the STS endpoint for a target, by botocore's rules for STS.
public enum STSEndpoint {
    /// The global endpoint, used only when no region is configured.
    public static let global = Endpoint(scheme: .https, host: "sts.amazonaws.com")

    /// Override → FIPS regional → regional → global (no region).
    ///
    /// GovCloud's regular STS endpoints are FIPS 140 validated, so FIPS there keeps `sts.` (as the
    /// STS endpoint rule set does); elsewhere FIPS is `sts-fips.REGION.SUFFIX`.
    public static func resolve(region: String?, fips: Bool, override: Endpoint?) -> Endpoint {
        if let override { return override }
        guard let region else { return global }
        let partition = AWSPartition.forRegion(region)
        let prefix = fips && partition != .govCloud ? "sts-fips" : "sts"
        return Endpoint(scheme: .https, host: "\(prefix).\(region).\(partition.dnsSuffix)")
    }

    public static func resolve(_ target: AWSTargetConfiguration) -> Endpoint {
        resolve(region: target.region, fips: target.fips, override: target.stsEndpoint)
    }
}
