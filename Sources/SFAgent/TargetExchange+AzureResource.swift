import SFCore

extension TargetExchange {
    /// For a target whose exchanger is an `AzureResourceExchanger`: one exchange for one resource, as the
    /// managed-identity endpoint makes it for a resource not pre-fetched. The identity is read afresh; a rejection
    /// a rotated token could fix is tried once more with the token re-read (as the refresh does). No other retries:
    /// the endpoint answers 503 and the client asks again. Nil for other exchangers.
    public var azureResourceExchange: AzureOnDemandTokens.Exchange? {
        guard let azure = exchanger as? any AzureResourceExchanger else { return nil }
        let source = self.source
        let name = self.name
        return { resource in
            func attempt() async throws -> AzureAccessToken {
                let identity: WorkloadIdentity
                do {
                    identity = try await source.fetchIdentity()
                } catch {
                    throw TargetFailure(target: name, step: .source, underlying: error)
                }
                return try await azure.exchange(identity, resource: resource)
            }
            do {
                return try await attempt()
            } catch {
                guard failureKind(of: error) == .rejected,
                    (error as? any ClassifiedFailure)?.mayPassWithFreshToken == true
                else { throw error }
                return try await attempt()
            }
        }
    }
}
