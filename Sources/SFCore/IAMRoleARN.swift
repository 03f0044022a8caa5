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

    /// The ARN text for parts that are not validated here: `skyferry setup` quotes what the user typed,
    /// and a plan must show it as given.
    public static func text(partition: String, accountID: String, roleName: String) -> String {
        "arn:\(partition):iam::\(accountID):role/\(roleName)"
    }

    /// The STS ARN of the role's sessions without the session name,
    /// `arn:PARTITION:sts::ACCOUNT:assumed-role/NAME` (what GCP's AWS provider maps to `attribute.aws_role`).
    public static func assumedRoleText(partition: String, accountID: String, roleName: String) -> String {
        "arn:\(partition):sts::\(accountID):assumed-role/\(roleName)"
    }

    /// The account and role name in an STS assumed-role ARN (what `AssumeRoleWithWebIdentity` answers),
    /// `arn:PARTITION:sts::ACCOUNT:assumed-role/NAME/SESSION`; nil for any other ARN.
    public static func assumedRole(_ text: String) -> (accountID: String, roleName: String)? {
        let parts = text.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[2] == "sts", !parts[4].isEmpty else { return nil }
        let resource = parts[5].split(separator: "/")
        guard resource.count >= 2, resource[0] == "assumed-role" else { return nil }
        return (String(parts[4]), String(resource[1]))
    }
}
