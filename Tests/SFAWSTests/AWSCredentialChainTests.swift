import Foundation
import SFAWS
import SFCore
import Synchronization
import Testing

struct AWSCredentialChainTests {
    @Test("environment beats web identity beats container beats IMDS")
    func order() throws {
        var env = [
            "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s",
            "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/r",
            "AWS_WEB_IDENTITY_TOKEN_FILE": "/t", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:9911/creds",
        ]
        #expect(
            try AWSCredentialChain.provider(environment: env)
                == .environment(accessKeyID: "AKID", secretAccessKey: "s", sessionToken: nil)
        )
        env["AWS_ACCESS_KEY_ID"] = nil
        #expect(try AWSCredentialChain.provider(environment: env)?.name == "web identity")
        env["AWS_ROLE_ARN"] = nil
        #expect(
            try AWSCredentialChain.provider(environment: env)
                == .container(
                    url: Endpoint(scheme: .http, host: "127.0.0.1", port: 9911, path: "/creds"),
                    authorizationToken: nil,
                    authorizationTokenFile: nil
                )
        )
        env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = nil
        #expect(
            try AWSCredentialChain.provider(environment: env)
                == .instanceMetadata(endpoint: Endpoint(scheme: .http, host: "169.254.169.254"))
        )
        env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = "http://127.0.0.1:1338"
        #expect(
            try AWSCredentialChain.provider(environment: env)
                == .instanceMetadata(endpoint: Endpoint(scheme: .http, host: "127.0.0.1", port: 1338))
        )
        env["AWS_EC2_METADATA_DISABLED"] = "true"
        #expect(try AWSCredentialChain.provider(environment: env) == nil)
    }

    @Test("relative container URIs go to the ECS agent address; remote plain HTTP is refused")
    func container() throws {
        #expect(
            try AWSCredentialChain.provider(environment: ["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/x"]
            )
                == .container(
                    url: Endpoint(scheme: .http, host: "169.254.170.2", path: "/v2/credentials/x"),
                    authorizationToken: nil,
                    authorizationTokenFile: nil
                )
        )
        #expect(throws: AWSCredentialChainError.self) {
            try AWSCredentialChain.provider(environment: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://10.0.0.1/creds"]
            )
        }
    }

    static let headerReason =
        "contains a control character (CR) at byte 3; it is sent as the Authorization header, "
        + "which cannot hold line breaks or control characters (the value is not shown; remove the stray line break)"

    @Test("an AWS_CONTAINER_AUTHORIZATION_TOKEN with CR/LF is refused, naming the variable, not the value")
    func containerTokenInjection() {
        for uri in ["AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] {
            let env = [
                uri: uri.hasSuffix("FULL_URI") ? "http://127.0.0.1:9911/creds" : "/creds",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN": "abc\r\nX-Evil: 1",
            ]
            let error = AWSCredentialChainError.invalidEnvironment(
                variable: "AWS_CONTAINER_AUTHORIZATION_TOKEN",
                reason: Self.headerReason
            )
            #expect(throws: error) { try AWSCredentialChain.provider(environment: env) }
            #expect(!error.description.contains("X-Evil"))
        }
    }

    @Test("the token file is trimmed of its trailing newline, and refused when a line break is inside")
    func containerTokenFile() async throws {
        let body = #"{"AccessKeyId":"AKID","SecretAccessKey":"s","Token":"t","Expiration":"2030-01-01T00:00:00Z"}"#
        let env = [
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:9911/creds", "AWS_REGION": "us-east-1",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": "/token",
        ]
        for (content, refused) in [("abc\n", false), ("abc\r\nX-Evil: 1\n", true)] {
            let transport = ScriptedTransport(script: [.success(HTTPResponse(status: 200, body: Array(body.utf8)))])
            let chain = AWSCredentialChain(
                configuration: AWSSourceConfiguration(),
                environment: env,
                transport: transport,
                requestTimeout: .seconds(1),
                now: { Date(timeIntervalSince1970: 1_700_000_000) },
                readFile: { _ in Array(content.utf8) }
            )
            if refused {
                let error = AWSCredentialChainError.invalidFile(
                    variable: "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                    path: "/token",
                    reason: Self.headerReason
                )
                await #expect(throws: error) {
                    _ = try await chain.fetchIdentity()
                }
                #expect(transport.requests.items.withLock { $0.isEmpty })
            } else {
                _ = try await chain.fetchIdentity()
                let sent = try #require(transport.requests.items.withLock { $0.first })
                #expect(sent.headers.first { $0.name == "Authorization" }?.value == "abc")
                #expect(sent.headerOrigins["authorization"] == "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE /token")
            }
        }
    }
}

/// Answers each request from a script; the last entry repeats.
struct ScriptedTransport: HTTPTransport {
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
