import FoundationEssentials
import SFCore

extension CredentialStore {
    /// The GCP target's current federated (STS) token, which authorizes IAM Credentials `generateIdToken`:
    /// only while the target's credentials are valid and the federated token itself has not expired.
    public func federatedToken(_ target: String, now: Date) throws(FederatedTokenError) -> String {
        guard case .gcp(let token)? = validCredentials(target, now: now), let federated = token.federatedToken,
            (token.federatedTokenExpiration ?? .distantFuture) > now
        else {
            throw .unavailable(target: target)
        }
        return federated
    }
}
