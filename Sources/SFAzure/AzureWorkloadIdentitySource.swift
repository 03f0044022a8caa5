import FoundationEssentials
import SFCore

/// The `azureWorkloadIdentity` source: on AKS with workload identity, the federated token file (the pod's
/// projected service-account token) exchanged at Entra ID for an access token to an application ID URI, exactly as
/// an Azure target exchanges it (`EntraExchanger`). The result is the token IMDS hands a VM for the same resource,
/// so AWS and GCP targets take it as they take `azureManagedIdentity`'s.
///
/// The file is read by `assertion`, handed in by the composition root (it re-reads the file on every fetch). One
/// fetch is one read and one request: the agent's loop retries, as `EntraError`'s classification says.
public struct AzureWorkloadIdentitySource: IdentityTokenSource {
    public let configuration: AzureWorkloadIdentitySourceConfiguration
    private let assertion: any IdentityTokenSource
    private let exchanger: EntraExchanger

    public init(
        configuration: AzureWorkloadIdentitySourceConfiguration,
        assertion: any IdentityTokenSource,
        transport: any HTTPTransport,
        requestTimeout: Duration,
        now: @escaping @Sendable () -> Date
    ) {
        self.configuration = configuration
        self.assertion = assertion
        self.exchanger = EntraExchanger(
            configuration: configuration.entra,
            transport: transport,
            requestTimeout: requestTimeout,
            now: now,
            awsWebIdentityToken: nil
        )
    }

    public var origin: String {
        "Entra ID \(configuration.entra.tokenEndpoint.authority) (client \(configuration.clientId), resource "
            + "\(configuration.resource), assertion from \(assertion.origin))"
    }

    public func fetchToken() async throws -> IdentityToken {
        let federated = try await assertion.fetchToken()
        let access = try await exchanger.exchange(.token(federated), resource: configuration.resource)
        return try IdentityToken(decoding: access.token, origin: origin)
    }
}
