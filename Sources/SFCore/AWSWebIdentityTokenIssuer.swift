import FoundationEssentials

/// Turns AWS credentials into an OIDC JWT signed by AWS STS (IAM outbound identity federation,
/// `sts:GetWebIdentityToken`): `iss` the account's `https://ID.tokens.sts.global.api.aws`, `sub` the role ARN,
/// `aud` the audience asked for. Another cloud verifies it at the account's issuer, as any OIDC token.
///
/// SFAWS implements it (`AWSOutboundWebIdentity`, which signs and sends the request); the composition root hands
/// it to the Azure exchange, so that SFAzure does not import SFAWS.
public protocol AWSWebIdentityTokenIssuer: Sendable {
    /// A token for `audience`, from the regional STS endpoint of `region`. Throws the STS's error as is.
    func webIdentityToken(credentials: AWSCredentials, region: String, audience: String) async throws -> IdentityToken
}
