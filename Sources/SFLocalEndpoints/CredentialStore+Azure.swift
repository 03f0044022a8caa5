import FoundationEssentials
import SFCore

extension CredentialStore {
    /// An Azure target's latest refresh, whatever its validity: its tokens by resource and when they were obtained
    /// (the managed-identity endpoint judges each token against the margin). Nil before the first success.
    public func azureTokens(_ target: String) -> (tokens: AzureAccessTokens, issuedAt: Date?)? {
        guard let state = state(target), case .azure(let tokens)? = state.credentials else { return nil }
        return (tokens, state.lastSuccess)
    }
}
