import Foundation
import SFCore
import SFLocalEndpoints
import Synchronization
import Testing

/// Answers from a table by resource; records what it was asked.
final class TableTokenProvider: AzureTokenProvider, Sendable {
    let clientId = "11111111-2222-3333-4444-555555555555"
    let table: [String: Result<AzureAccessToken, ScriptedFailure>]
    let asked = Mutex<[String]>([])

    init(_ table: [String: Result<AzureAccessToken, ScriptedFailure>]) { self.table = table }

    func accessToken(for resource: String) async throws -> AzureAccessToken {
        asked.withLock { $0.append(resource) }
        guard let answer = table[resource] else { throw ScriptedFailure(kind: .unavailable) }
        return try answer.get()
    }
}

struct AzureManagedIdentityEndpointTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let vault = "https://vault.azure.net"
    static let token = AzureAccessToken(
        token: "eyJ.vault\"token",
        expiration: now.addingTimeInterval(3599.5),
        resource: vault,
        clientId: "11111111-2222-3333-4444-555555555555"
    )

    static func endpoint(
        imdsPath: Bool = false,
        _ table: [String: Result<AzureAccessToken, ScriptedFailure>] = [vault: .success(token)]
    ) -> (AzureManagedIdentityEndpoint, TableTokenProvider) {
        let provider = TableTokenProvider(table)
        let endpoint = AzureManagedIdentityEndpoint(
            target: "vault",
            imdsPath: imdsPath,
            tokens: provider,
            secretMatches: { $0 == "s3cr3t" }
        )
        return (endpoint, provider)
    }

    static func appService(
        _ query: String = "api-version=2019-08-01&resource=https%3A%2F%2Fvault.azure.net",
        secret: String? = "s3cr3t",
        method: String = "GET"
    ) -> LocalRequest {
        var headers = ["Metadata": "true"]
        headers["X-IDENTITY-HEADER"] = secret
        return LocalRequest(method: method, path: "/msi/token", query: query, headers: headers)
    }

    static func imds(
        _ query: String = "api-version=2018-02-01&resource=https://vault.azure.net",
        metadata: String? = "true"
    ) -> LocalRequest {
        LocalRequest(
            path: "/metadata/identity/oauth2/token",
            query: query,
            headers: metadata.map { ["Metadata": $0] } ?? [:]
        )
    }

    static let expected = LocalResponse.json(
        200,
        #"{"access_token":"eyJ.vault\"token","expires_on":"1800003599","expires_in":"3599","not_before":"1800000000","#
            + #""resource":"https://vault.azure.net","token_type":"Bearer","#
            + #""client_id":"11111111-2222-3333-4444-555555555555"}"#
    )

    @Test("serves the token in the App Service shape with IMDS's expires_in and not_before, numbers as strings")
    func serves() async {
        let (endpoint, provider) = Self.endpoint()
        #expect(await endpoint.respond(to: Self.appService(), now: Self.now) == Self.expected)
        let withClient = Self.appService(
            "api-version=2019-08-01&resource=https://vault.azure.net/.default"
                + "&client_id=11111111-2222-3333-4444-555555555555"
        )
        #expect(await endpoint.respond(to: withClient, now: Self.now) == Self.expected)
        #expect(provider.asked.withLock { $0 } == [Self.vault, Self.vault])
    }

    @Test("a missing secret is 401, a wrong one 403, in App Service's error shape, and no token is asked for")
    func secret() async {
        let (endpoint, provider) = Self.endpoint()
        #expect(
            await endpoint.respond(to: Self.appService(secret: nil), now: Self.now)
                == .json(
                    401,
                    #"{"statusCode":401,"message":"the X-IDENTITY-HEADER header is missing; set IDENTITY_HEADER to "#
                        + #"the agent's secret"}"#
                )
        )
        #expect(await endpoint.respond(to: Self.appService(secret: ""), now: Self.now).status == 401)
        #expect(
            await endpoint.respond(to: Self.appService(secret: "guess"), now: Self.now)
                == .json(
                    403,
                    #"{"statusCode":403,"message":"the X-IDENTITY-HEADER header does not match the agent's secret; "#
                        + #"IDENTITY_HEADER must hold the agent's current secret"}"#
                )
        )
        #expect(provider.asked.withLock { $0 }.isEmpty)
    }

    @Test("configuration errors answer 400 (never 404 or 5xx, which clients retry for a minute)")
    func configurationErrors() async {
        let (endpoint, provider) = Self.endpoint()
        let cases: [(String, String)] = [
            (
                "resource=https://vault.azure.net",
                "api-version was not specified in the request; send api-version=2019-08-01"
            ),
            (
                "api-version=2017-09-01&resource=https://vault.azure.net",
                "api-version 2017-09-01 is not supported here; send api-version=2019-08-01"
            ),
            (
                "api-version=2019-08-01",
                "the resource parameter is required (an application ID URI such as https://vault.azure.net)"
            ),
            (
                "api-version=2019-08-01&resource=https://vault.azure.net"
                    + "&client_id=99999999-2222-3333-4444-555555555555",
                "client_id 99999999-2222-3333-4444-555555555555 is not the identity of target vault "
                    + "(11111111-2222-3333-4444-555555555555); this endpoint serves that one identity: omit client_id "
                    + "or send that one"
            ),
            (
                "api-version=2019-08-01&resource=https://vault.azure.net&mi_res_id=/subscriptions/x",
                "mi_res_id is not accepted: this endpoint serves one identity (target vault, client id "
                    + "11111111-2222-3333-4444-555555555555); omit mi_res_id or select it by client_id"
            ),
        ]
        for (query, message) in cases {
            #expect(
                await endpoint.respond(to: Self.appService(query), now: Self.now)
                    == .json(400, #"{"statusCode":400,"message":"# + "\"\(message)\"}")
            )
        }
        for selector in ["object_id", "principal_id", "msi_res_id"] {
            let query = "api-version=2019-08-01&resource=https://vault.azure.net&\(selector)=x"
            #expect(await endpoint.respond(to: Self.appService(query), now: Self.now).status == 400)
        }
        let upperClient =
            "api-version=2019-08-01&resource=https://vault.azure.net"
            + "&client_id=11111111-2222-3333-4444-555555555555".uppercased()
        #expect(await endpoint.respond(to: Self.appService(upperClient), now: Self.now).status == 200)
        #expect(provider.asked.withLock { $0 } == [Self.vault])
    }

    @Test("Entra's refusal is 400 with its text; no token for now is 503")
    func failures() async {
        let (endpoint, _) = Self.endpoint([
            "https://refused": .failure(ScriptedFailure(kind: .rejected)),
            "https://source": .failure(ScriptedFailure(kind: .source)),
        ])
        #expect(
            await endpoint.respond(
                to: Self.appService("api-version=2019-08-01&resource=https://refused"),
                now: Self.now
            )
                == .json(
                    400,
                    #"{"statusCode":400,"message":"Entra ID refused a token for resource https://refused (target "#
                        + #"vault): scripted rejected"}"#
                )
        )
        for resource in ["https://source", "https://down"] {
            let response = await endpoint.respond(
                to: Self.appService("api-version=2019-08-01&resource=\(resource)"),
                now: Self.now
            )
            #expect(response.status == 503)
            #expect(response.body.contains("no token for resource \(resource) for now: scripted"))
        }
    }

    @Test("the IMDS path: only with imdsPath, Metadata: true instead of the secret, IMDS's error shape")
    func imdsPath() async {
        let (off, _) = Self.endpoint()
        let refused = await off.respond(to: Self.imds(), now: Self.now)
        #expect(refused.status == 400)
        #expect(refused.body.hasPrefix(#"{"error":"invalid_request","error_description":"the IMDS path is not served"#))

        let (endpoint, _) = Self.endpoint(imdsPath: true)
        #expect(await endpoint.respond(to: Self.imds(), now: Self.now) == Self.expected)
        #expect(
            await endpoint.respond(to: Self.imds(metadata: nil), now: Self.now)
                == .json(
                    400,
                    #"{"error":"bad_request_102","error_description":"Required metadata header not specified"}"#
                )
        )
        #expect(await endpoint.respond(to: Self.imds(metadata: "false"), now: Self.now).status == 400)
        let newer = Self.imds("api-version=2021-02-01&resource=https://vault.azure.net")
        #expect(await endpoint.respond(to: newer, now: Self.now).status == 200)
        for version in ["2017-12-01", "latest", ""] {
            let response = await endpoint.respond(
                to: Self.imds("api-version=\(version)&resource=https://vault.azure.net"),
                now: Self.now
            )
            #expect(response.status == 400)
            #expect(response.body.hasPrefix(#"{"error":"invalid_request","error_description":"api-version"#))
        }
        // The App Service path still wants the secret.
        #expect(await endpoint.respond(to: Self.appService(secret: nil), now: Self.now).status == 401)
    }

    @Test("other paths are 404, other methods 405")
    func routing() async {
        let (endpoint, _) = Self.endpoint(imdsPath: true)
        #expect(
            await endpoint.respond(to: LocalRequest(path: "/msi/token/x"), now: Self.now)
                == .json(
                    404,
                    #"{"statusCode":404,"message":"/msi/token/x is not served here; the token path is /msi/token"}"#
                )
        )
        #expect(await endpoint.respond(to: Self.appService(method: "POST"), now: Self.now).status == 405)
        #expect(await endpoint.respond(to: Self.appService(method: "HEAD"), now: Self.now).status == 405)
    }
}
