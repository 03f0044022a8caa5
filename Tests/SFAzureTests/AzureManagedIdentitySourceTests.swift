import Foundation
import SFAzure
import SFCore
import Synchronization
import Testing

/// Answers from a script, recording the requests (one per fetch: the source never retries itself).
private struct IMDSScriptedTransport: HTTPTransport {
    let script: [Result<HTTPResponse, HTTPTransportError>]
    let requests = RequestLog()
    final class RequestLog: Sendable { let items = Mutex<[HTTPRequest]>([]) }

    func send(_ request: HTTPRequest, timeout: Duration) async throws(HTTPTransportError) -> HTTPResponse {
        let index = requests.items.withLock {
            $0.append(request)
            return $0.count - 1
        }
        return try script[min(index, script.count - 1)].get()
    }
}

struct AzureManagedIdentitySourceTests {
    static let principal = "6f2d1a3c-5b4e-4f00-9a8b-7c6d5e4f3a2b"
    static let tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"

    static let jwt: String = {
        func seg(_ s: String) -> String {
            Data(s.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        }
        return seg(#"{"alg":"RS256","kid":"k1","typ":"JWT"}"#) + "."
            + seg(
                #"{"iss":"https://sts.windows.net/\#(tenant)/","sub":"\#(principal)","oid":"\#(principal)","#
                    + #""aud":"api://skyferry-aws","exp":4000000000,"iat":3999913600,"ver":"1.0"}"#
            ) + ".c2ln"
    }()

    static func body(_ json: String) -> HTTPResponse { HTTPResponse(status: 200, body: Array(json.utf8)) }

    static let imdsBody = body(
        #"{"access_token":"\#(jwt)","refresh_token":"","expires_in":"86399","expires_on":"4000000000","#
            + #""not_before":"3999913600","resource":"api://skyferry-aws","token_type":"Bearer"}"#
    )

    static func error(_ status: Int, _ code: String, _ message: String) -> HTTPResponse {
        HTTPResponse(status: status, body: Array(#"{"error":"\#(code)","error_description":"\#(message)"}"#.utf8))
    }

    fileprivate func source(
        _ transport: IMDSScriptedTransport,
        endpoint: AzureIdentityEndpoint = .imds(Endpoint(scheme: .http, host: "127.0.0.1", port: 8181)),
        clientId: String? = nil,
        wait: Int = 30
    ) -> AzureManagedIdentitySource {
        AzureManagedIdentitySource(
            configuration: AzureManagedIdentitySourceConfiguration(
                resource: "api://skyferry-aws",
                clientId: clientId,
                startupWaitSeconds: wait
            ),
            endpoint: endpoint,
            transport: transport,
            requestTimeout: .seconds(2),
            now: { Date(timeIntervalSince1970: 3_999_996_500) }
        )
    }

    @Test("asks IMDS exactly as Azure documents it, with the Metadata header")
    func imdsRequest() {
        let request = AzureManagedIdentitySource.request(
            endpoint: .imds(AzureManagedIdentitySourceConfiguration.defaultEndpoint),
            configuration: AzureManagedIdentitySourceConfiguration(resource: "api://skyferry-aws")
        )
        #expect(request.method == "GET")
        #expect(
            request.url
                == "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01"
                + "&resource=api%3A%2F%2Fskyferry-aws"
        )
        #expect(request.headers.map(\.name) == ["Metadata"])
        #expect(request.headers.map(\.value) == ["true"])
    }

    @Test("names the chosen user-assigned identity by client id, object id or ARM resource id")
    func selection() {
        let base = AzureIdentityEndpoint.imds(Endpoint(scheme: .http, host: "127.0.0.1", port: 8181))
        let cases: [(AzureManagedIdentitySourceConfiguration, String)] = [
            (.init(resource: "api://a", clientId: "c1"), "&client_id=c1"),
            (.init(resource: "api://a", objectId: "o1"), "&object_id=o1"),
            (.init(resource: "api://a", resourceId: "/subscriptions/s/x"), "&msi_res_id=%2Fsubscriptions%2Fs%2Fx"),
        ]
        for (configuration, suffix) in cases {
            let request = AzureManagedIdentitySource.request(endpoint: base, configuration: configuration)
            #expect(request.query == "api-version=2018-02-01&resource=api%3A%2F%2Fa" + suffix)
        }
    }

    @Test("asks the App Service endpoint with its secret header and its own api-version")
    func appServiceRequest() throws {
        let endpoint = try AzureManagedIdentitySourceConfiguration.resolveEndpoint(
            configured: nil,
            environment: ["IDENTITY_ENDPOINT": "http://127.0.0.1:41741/msi/token", "IDENTITY_HEADER": "s3cr3t"]
        )
        #expect(
            endpoint
                == .appService(
                    Endpoint(scheme: .http, host: "127.0.0.1", port: 41741, path: "/msi/token"),
                    identityHeader: "s3cr3t"
                )
        )
        #expect(!endpoint.description.contains("s3cr3t"))
        let request = AzureManagedIdentitySource.request(
            endpoint: endpoint,
            configuration: AzureManagedIdentitySourceConfiguration(resource: "api://a", resourceId: "/subscriptions/s")
        )
        #expect(
            request.url
                == "http://127.0.0.1:41741/msi/token?api-version=2019-08-01&resource=api%3A%2F%2Fa"
                + "&mi_res_id=%2Fsubscriptions%2Fs"
        )
        #expect(request.headers.map(\.name) == ["X-IDENTITY-HEADER"])
        #expect(request.headers.map(\.value) == ["s3cr3t"])
    }

    @Test("an endpoint in the configuration wins over the App Service environment; IMDS is the default")
    func endpointResolution() throws {
        let environment = ["IDENTITY_ENDPOINT": "http://127.0.0.1:41741/msi/token", "IDENTITY_HEADER": "h"]
        let configured = Endpoint(scheme: .http, host: "127.0.0.1", port: 9)
        #expect(
            try AzureManagedIdentitySourceConfiguration.resolveEndpoint(
                configured: configured,
                environment: environment
            )
                == .imds(configured)
        )
        #expect(
            try AzureManagedIdentitySourceConfiguration.resolveEndpoint(
                configured: nil,
                environment: ["IDENTITY_ENDPOINT": "http://127.0.0.1:41741/msi/token"]
            ) == .imds(AzureManagedIdentitySourceConfiguration.defaultEndpoint)
        )
        #expect(throws: EndpointError.self) {
            try AzureManagedIdentitySourceConfiguration.resolveEndpoint(
                configured: nil,
                environment: ["IDENTITY_ENDPOINT": "http://10.0.0.1/msi/token", "IDENTITY_HEADER": "h"]
            )
        }
    }

    @Test("decodes the token from an IMDS answer whose numbers are strings")
    func token() async throws {
        let transport = IMDSScriptedTransport(script: [.success(Self.imdsBody)])
        let token = try await source(transport).fetchToken()
        #expect(token.value == Self.jwt)
        #expect(token.claims.issuer == "https://sts.windows.net/\(Self.tenant)/")
        #expect(token.claims.subject == Self.principal)
        #expect(token.claims.audiences == ["api://skyferry-aws"])
        #expect(transport.requests.items.withLock { $0.count } == 1)
        #expect(!token.description.contains(Self.jwt))
    }

    @Test("accepts App Service's expires_on as a number")
    func numericExpiry() async throws {
        let transport = IMDSScriptedTransport(script: [
            .success(
                Self.body(
                    #"{"access_token":"\#(Self.jwt)","expires_on":4000000000,"resource":"api://skyferry-aws","#
                        + #""token_type":"Bearer","client_id":"c"}"#
                )
            )
        ])
        let token = try await source(transport).fetchToken()
        #expect(token.claims.subject == Self.principal)
    }

    @Test("treats refused connections, 404, 410, 429 and 5xx as not ready yet")
    func notReady() async {
        let failures: [Result<HTTPResponse, HTTPTransportError>] = [
            .failure(.connectFailed(url: "http://127.0.0.1:8181/", reason: "Connection refused")),
            .success(HTTPResponse(status: 404)), .success(HTTPResponse(status: 410)),
            .success(HTTPResponse(status: 429)), .success(HTTPResponse(status: 503)),
        ]
        for failure in failures {
            let transport = IMDSScriptedTransport(script: [failure])
            do {
                _ = try await source(transport).fetchToken()
                Issue.record("expected a failure")
            } catch let error as AzureManagedIdentityError {
                #expect(error.mayPassOnceReady)
                #expect(error.kind == .source)
                #expect(error.description.contains("did not answer within 30 s"))
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
        let once = IMDSScriptedTransport(script: [.success(HTTPResponse(status: 500))])
        await #expect(throws: AzureManagedIdentityError.self) { try await source(once, wait: 0).fetchToken() }
    }

    @Test("names what to set for IMDS's definite refusals")
    func refusals() async {
        let cases: [(HTTPResponse, String?, String)] = [
            (
                Self.error(400, "bad_request_102", "Required metadata header not specified"), nil,
                "Metadata: true header did not arrive"
            ),
            (
                Self.error(
                    400,
                    "invalid_request",
                    "Multiple user assigned identities exist, please specify the clientId / resourceId of the "
                        + "identity in the token request"
                ), nil, "set one of source.azureManagedIdentity.clientId, source.azureManagedIdentity.objectId"
            ),
            (Self.error(400, "invalid_request", "Identity not found"), nil, "No managed identity is assigned here"),
            (
                Self.error(400, "invalid_request", "Identity not found"), "0f0e0d0c-0b0a-0908-0706-050403020100",
                "No identity with clientId 0f0e0d0c-0b0a-0908-0706-050403020100 is assigned here"
            ),
            (
                Self.error(
                    400,
                    "invalid_resource",
                    "AADSTS500011: The resource principal named api://skyferry-aws was not found in the tenant"
                ), nil, "api://skyferry-aws is not an application ID URI in this tenant"
            ),
        ]
        for (response, clientId, hint) in cases {
            let transport = IMDSScriptedTransport(script: [.success(response)])
            do {
                _ = try await source(transport, clientId: clientId).fetchToken()
                Issue.record("expected a failure")
            } catch let error as AzureManagedIdentityError {
                #expect(!error.mayPassOnceReady)
                #expect(error.description.contains(hint), "\(error)")
                #expect(error.description.contains("HTTP 400"))
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }

    @Test("a 200 without a token is a malformed answer, not a crash")
    func malformed() async {
        let transport = IMDSScriptedTransport(script: [.success(Self.body(#"{"expires_in":"3599"}"#))])
        await #expect(
            throws: AzureManagedIdentityError.malformedResponse(
                endpoint: "Azure IMDS 127.0.0.1:8181",
                reason: "no access_token"
            )
        ) {
            try await source(transport).fetchToken()
        }
    }
}
