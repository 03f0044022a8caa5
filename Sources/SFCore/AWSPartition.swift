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

    /// The partition a region belongs to, by its prefix (`cn-`, `us-gov-`, `us-iso-`, `us-isob-`, `eu-isoe-`, `us-isof-`).
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
        guard parts.count >= 3, let last = parts.last, !last.isEmpty, last.allSatisfy(\.isASCIIDigit) else { return false }
        return parts.dropLast().allSatisfy { part in
            !part.isEmpty && part.allSatisfy { $0.isASCIILowercaseLetter || $0.isASCIIDigit }
        } && parts[0].count == 2
    }
}

/// A parsed IAM role ARN, `arn:PARTITION:iam::ACCOUNT:role[/PATH]/NAME`.
public struct IAMRoleARN: Sendable, Equatable, CustomStringConvertible {
    public let partition: AWSPartition
    public let accountID: String
    /// Path and name after `role/`.
    public let resource: String

    public var description: String { "arn:\(partition.name):iam::\(accountID):role/\(resource)" }

    /// The role's name (the last path component).
    public var roleName: String { String(resource.split(separator: "/").last ?? Substring(resource)) }

    public init?(_ text: String) {
        let parts = text.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[2] == "iam", parts[3].isEmpty,
              let partition = AWSPartition.named(String(parts[1])),
              parts[4].count == 12, parts[4].allSatisfy(\.isASCIIDigit),
              parts[5].hasPrefix("role/")
        else { return nil }
        let resource = parts[5].dropFirst("role/".count)
        let components = resource.split(separator: "/", omittingEmptySubsequences: false)
        guard let name = components.last, (1...64).contains(name.count),
              name.allSatisfy(AWSNames.isSessionNameCharacter),
              components.dropLast().allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy { (0x21...0x7E).contains($0) } }),
              text.utf8.count <= 2048
        else { return nil }
        self.partition = partition
        self.accountID = String(parts[4])
        self.resource = String(resource)
    }
}

/// Character rules of AWS names.
public enum AWSNames {
    /// `[\w+=,.@-]`, the role-session-name and role-name alphabet.
    public static func isSessionNameCharacter(_ c: Character) -> Bool {
        guard let byte = c.asciiValue else { return false }
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "_"), UInt8(ascii: "+"), UInt8(ascii: "="), UInt8(ascii: ","), UInt8(ascii: "."), UInt8(ascii: "@"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    /// 2–64 characters of `[\w+=,.@-]`.
    public static func isValidSessionName(_ name: String) -> Bool {
        (2...64).contains(name.count) && name.allSatisfy(isSessionNameCharacter)
    }
}

// By code point, not Unicode properties: these run on every webhook admission (role ARNs, audiences).
extension Character {
    var isASCIIDigit: Bool { asciiValue.map { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) } ?? false }
    var isASCIILetter: Bool { isASCIILowercaseLetter || asciiValue.map { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) } ?? false }
    var isASCIILowercaseLetter: Bool { asciiValue.map { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) } ?? false }
}
