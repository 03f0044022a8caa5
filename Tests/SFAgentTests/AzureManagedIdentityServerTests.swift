import Foundation
import SFConfiguration
import SFCore
import SFLocalEndpoints
import Testing

/// The managed-identity endpoint as `LocalEndpoints.servers` builds it from a configuration: policy, then endpoint.
struct AzureManagedIdentityServerTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let client = "11111111-2222-3333-4444-555555555555"

    static func server(imdsPath: Bool = false) throws -> LocalEndpoints.Server? {
        let configuration = try ConfigurationParser().parse(
            """
            source: {tokenFile: /t}
            targets:
              - name: vault
                azure: {tenantId: 5f1c7e2a-3b4d-4c8e-9a6f-0d2b1e4c7a90, clientId: \(Self.client)}
                outputs:
                  azureManagedIdentityEndpoint: {listen: "127.0.0.1:9913", secretFile: /o/secret, imdsPath: \(imdsPath)}
            """,
            origin: "c.yaml"
        )
        let token = AzureAccessToken(
            token: "eyJ.vault",
            expiration: Self.now.addingTimeInterval(3600),
            resource: "https://vault.azure.net",
            clientId: Self.client
        )
        let provider = TableTokenProvider(["https://vault.azure.net": .success(token)])
        let servers = LocalEndpoints.servers(
            configuration,
            store: CredentialStore(targets: ["vault"]),
            authTokens: [:],
            imdsSessionToken: { "unused" },
            equals: { $0 == $1 },
            idTokens: { _ in nil },
            azure: { _ in (provider, "s3cr3t") }
        )
        return servers.first { $0.kind == "azureManagedIdentityEndpoint" }
    }

    static func request(
        host: String = "127.0.0.1:9913",
        headers: [String: String] = ["X-IDENTITY-HEADER": "s3cr3t"]
    )
        -> LocalRequest
    {
        LocalRequest(
            path: "/msi/token",
            query: "api-version=2019-08-01&resource=https://vault.azure.net",
            authority: host,
            headers: headers
        )
    }

    @Test("one server per target on its listen address, answering the App Service contract")
    func serves() async throws {
        let server = try #require(try Self.server())
        #expect(server.address.description == "127.0.0.1:9913")
        let response = await server.respond(Self.request(), Self.now)
        #expect(response.status == 200)
        #expect(response.body.hasPrefix(#"{"access_token":"eyJ.vault","expires_on":"1800003600""#))
        #expect(await server.respond(Self.request(headers: [:]), Self.now).status == 401)
    }

    @Test("the loopback policy runs first: refusals in the App Service error shape, without the token")
    func policy() async throws {
        let server = try #require(try Self.server(imdsPath: true))
        let foreign = await server.respond(Self.request(host: "rebind.attacker.example:9913"), Self.now)
        #expect(foreign.status == 403)
        #expect(foreign.body.hasPrefix(#"{"statusCode":403,"message":"the Host header names another server"#))
        for header in ["Origin", "Sec-Fetch-Site", "X-Forwarded-For", "Forwarded"] {
            var headers = ["X-IDENTITY-HEADER": "s3cr3t"]
            headers[header] = "x"
            let response = await server.respond(Self.request(headers: headers), Self.now)
            #expect(response.status == 403)
            #expect(!response.body.contains("eyJ"))
        }
        let imds = LocalRequest(
            path: "/metadata/identity/oauth2/token",
            query: "api-version=2018-02-01&resource=https://vault.azure.net",
            authority: "rebind.attacker.example",
            headers: ["Metadata": "true"]
        )
        #expect(await server.respond(imds, Self.now).status == 403)
    }
}
