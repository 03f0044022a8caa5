import Foundation
import SFAgent
import SFCore
import SFLocalEndpoints
import Synchronization
import Testing

struct ContainerCredentialsEndpointTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func endpoint(_ store: CredentialStore) -> ContainerCredentialsEndpoint {
        ContainerCredentialsEndpoint(
            targets: ["s3", "logs"],
            store: store,
            margin: .seconds(60),
            tokenMatches: { $0 == "t0ken" }
        )
    }

    static func request(_ path: String, authorization: String? = "t0ken", method: String = "GET") -> LocalRequest {
        LocalRequest(method: method, path: path, headers: authorization.map { ["Authorization": $0] } ?? [:])
    }

    @Test("serves the target's credentials in the SDKs' container-credentials shape")
    func serves() {
        let store = CredentialStore(targets: ["s3", "logs"])
        store.recordSuccess(
            "s3",
            credentials: .aws(
                AWSCredentials(
                    accessKeyID: "ASIAEXAMPLEKEY",
                    secretAccessKey: "se\"cret",
                    sessionToken: "session",
                    expiration: Self.now.addingTimeInterval(3600),
                    assumedRoleARN: "arn:aws:sts::111122223333:assumed-role/reader/s"
                )
            ),
            at: Self.now
        )
        let response = Self.endpoint(store).respond(to: Self.request("/v1/credentials/s3"), now: Self.now)
        #expect(
            response
                == .json(
                    200,
                    #"{"AccessKeyId":"ASIAEXAMPLEKEY","SecretAccessKey":"se\"cret","Token":"session","Expiration":"2"#
                        + #"027-01-15T09:00:00Z","AccountId":"111122223333"}"#
                )
        )
    }

    @Test("401 without a token, 403 with a wrong one, 404 elsewhere, 503 with nothing valid: never empty credentials")
    func refusals() {
        let store = CredentialStore(targets: ["s3", "logs"])
        store.recordSuccess(
            "logs",
            credentials: credentials(expiring: Self.now.addingTimeInterval(30)),
            at: Self.now.addingTimeInterval(-3570)
        )
        let endpoint = Self.endpoint(store)
        #expect(
            endpoint.respond(to: Self.request("/v1/credentials/s3", authorization: nil), now: Self.now).status == 401
        )
        #expect(
            endpoint.respond(to: Self.request("/v1/credentials/s3", authorization: "guess"), now: Self.now).status
                == 403
        )
        #expect(
            endpoint.respond(to: Self.request("/v1/credentials/other"), now: Self.now)
                == .json(
                    404,
                    #"{"code":"NotFound","message":"no credentials are served at /v1/credentials/other; paths: "#
                        + #"/v1/credentials/logs, /v1/credentials/s3"}"#
                )
        )
        #expect(endpoint.respond(to: Self.request("/v1/credentials/s3", method: "POST"), now: Self.now).status == 405)
        #expect(
            endpoint.respond(to: Self.request("/v1/credentials/s3"), now: Self.now)
                == .json(
                    503,
                    #"{"code":"CredentialsUnavailable","message":"target s3: no credentials yet; the agent keeps "#
                        + #"retrying (see its log and /readyz)"}"#
                )
        )
        // 30 s left of a one-hour lifetime: inside the 60 s margin.
        #expect(endpoint.respond(to: Self.request("/v1/credentials/logs"), now: Self.now).status == 503)
    }
}
