/// AWS partitions and their naming rules, as botocore's endpoint rule set applies them to STS.
public struct AWSPartition: Sendable, Equatable {
    /// `aws`, `aws-cn`, `aws-us-gov`, `aws-iso`, `aws-iso-b`, `aws-iso-e`, `aws-iso-f`.
    public let name: String
    /// The DNS suffix of its endpoints.
    public let dnsSuffix: String
    /// Whether STS has FIPS endpoints (`sts-fips.REGION.SUFFIX`) in this partition.
    public let hasFIPS: Bool

    public static let aws = AWSPartition(name: "aws", dnsSuffix: "amazonaws.com", hasFIPS: true)
    public static let china = AWSPartition(name: "aws-cn", dnsSuffix: "amazonaws.com.cn", hasFIPS: false)
    public static let govCloud = AWSPartition(name: "aws-us-gov", dnsSuffix: "amazonaws.com", hasFIPS: true)
    public static let iso = AWSPartition(name: "aws-iso", dnsSuffix: "c2s.ic.gov", hasFIPS: true)
    public static let isoB = AWSPartition(name: "aws-iso-b", dnsSuffix: "sc2s.sgov.gov", hasFIPS: true)
    public static let isoE = AWSPartition(name: "aws-iso-e", dnsSuffix: "cloud.adc-e.uk", hasFIPS: true)
    public static let isoF = AWSPartition(name: "aws-iso-f", dnsSuffix: "csp.hci.ic.gov", hasFIPS: true)

    public static let all: [AWSPartition] = [.aws, .china, .govCloud, .iso, .isoB, .isoE, .isoF]

    /// The partition a region belongs to, by its prefix (`cn-`, `us-gov-`, `us-iso-`, `us-isob-`, `eu-isoe-`,
    /// `us-isof-`).
    public static func forRegion(_ region: String) -> AWSPartition {
        if region.hasPrefix("cn-") { return .china }
        if region.hasPrefix("us-gov-") { return .govCloud }
        if region.hasPrefix("us-isob-") { return .isoB }
        if region.hasPrefix("us-isof-") { return .isoF }
        if region.hasPrefix("us-iso-") { return .iso }
        if region.hasPrefix("eu-isoe-") { return .isoE }
        return .aws
    }

    public static func named(_ name: String) -> AWSPartition? {
        all.first { $0.name == name }
    }

    /// A plausible region name: `us-east-1`, `us-gov-west-1`, `ap-southeast-4`, `eu-isoe-west-1`.
    public static func isValidRegion(_ region: String) -> Bool {
        let parts = region.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 3, let last = parts.last, !last.isEmpty, last.allSatisfy(\.isASCIIDigit) else {
            return false
        }
        return parts.dropLast().allSatisfy { part in
            !part.isEmpty && part.allSatisfy { $0.isASCIILowercaseLetter || $0.isASCIIDigit }
        } && parts[0].count == 2
    }
}
