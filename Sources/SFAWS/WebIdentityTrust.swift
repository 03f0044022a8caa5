import SFCore

/// What an IAM role's trust policy must say to accept one web-identity token at `AssumeRoleWithWebIdentity`:
/// the Federated principal and the `StringEquals` conditions pinning the token's subject and audience.
///
/// One source for the rejection hints (`STSError`) and the trust policies `skyferry setup` generates.
public struct WebIdentityTrust: Sendable, Equatable {
    /// Google's issuer, built into IAM: no OIDC provider to create, and its own condition keys.
    public static let googleIssuerHost = "accounts.google.com"

    /// `accounts.google.com`, or `oidc-provider/HOST/PATH` (prefix with `arn:PARTITION:iam::ACCOUNT:` for a policy).
    public var federatedPrincipal: String
    /// Condition key → value, in the order they are shown (all `StringEquals`).
    public var conditions: [(key: String, value: String)]
    public var isGoogle: Bool

    /// The issuer without `https://`: how IAM names the provider and prefixes its condition keys.
    public static func issuerHostPath(_ issuer: String) -> String {
        issuer.hasPrefix("https://") ? String(issuer.dropFirst(8)) : issuer
    }

    public static func isGoogleIssuer(_ issuer: String?) -> Bool {
        issuer == "https://accounts.google.com" || issuer == "accounts.google.com"
    }

    /// For an OIDC issuer: `HOST/PATH:sub` and `HOST/PATH:aud`. For Google ID tokens: `accounts.google.com:sub`
    /// (the service account's unique id), `:oaud` (the token's aud) and `:aud`, which AWS matches against the
    /// token's `azp` (for a service account, its unique id again).
    public init(issuer: String, subject: String, audience: String, authorizedParty: String? = nil) {
        if Self.isGoogleIssuer(issuer) {
            let host = Self.googleIssuerHost
            isGoogle = true
            federatedPrincipal = host
            conditions = [
                ("\(host):sub", subject), ("\(host):oaud", audience), ("\(host):aud", authorizedParty ?? subject),
            ]
        } else {
            let host = Self.issuerHostPath(issuer)
            isGoogle = false
            federatedPrincipal = "oidc-provider/\(host)"
            conditions = [("\(host):sub", subject), ("\(host):aud", audience)]
        }
    }

    /// `k = v, k = v and k = v`, for messages.
    public var conditionsSentence: String {
        let parts = conditions.map { "\($0.key) = \($0.value)" }
        guard parts.count > 1 else { return parts.joined() }
        return parts.dropLast().joined(separator: ", ") + " and " + parts[parts.count - 1]
    }

    /// The full principal ARN (Google's built-in provider is named by its host alone).
    public func principalARN(partition: String = "aws", accountID: String) -> String {
        isGoogle ? federatedPrincipal : "arn:\(partition):iam::\(accountID):\(federatedPrincipal)"
    }

    /// The role's trust policy: one statement, Allow `sts:AssumeRoleWithWebIdentity`, pinned by `StringEquals`.
    public func policyDocument(partition: String = "aws", accountID: String) -> String {
        let conditionLines = conditions.map { "          \(JSONText.string($0.key)): \(JSONText.string($0.value))" }
        return """
            {
              "Version": "2012-10-17",
              "Statement": [
                {
                  "Effect": "Allow",
                  "Principal": {
                    "Federated": \(JSONText.string(principalARN(partition: partition, accountID: accountID)))
                  },
                  "Action": "sts:AssumeRoleWithWebIdentity",
                  "Condition": {
                    "StringEquals": {
            \(conditionLines.joined(separator: ",\n"))
                    }
                  }
                }
              ]
            }
            """
    }
}

extension WebIdentityTrust {
    public static func == (lhs: WebIdentityTrust, rhs: WebIdentityTrust) -> Bool {
        lhs.federatedPrincipal == rhs.federatedPrincipal && lhs.isGoogle == rhs.isGoogle
            && lhs.conditions.map(\.key) == rhs.conditions.map(\.key)
            && lhs.conditions.map(\.value) == rhs.conditions.map(\.value)
    }
}
