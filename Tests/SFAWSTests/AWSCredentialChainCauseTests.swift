import Foundation
import SFAWS
import SFCore
import Testing

/// Errors keep their cause as a value and print it: what failed, why, what to check, never a secret.
struct AWSCredentialChainCauseTests {
    static let keys = ["AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrSECRET"]

    static func chain(
        _ env: [String: String],
        _ script: [Result<HTTPResponse, HTTPTransportError>],
        readFile: @escaping @Sendable (String) throws -> [UInt8] = { _ in [] }
    ) -> AWSCredentialChain {
        AWSCredentialChain(
            configuration: AWSSourceConfiguration(),
            environment: env,
            transport: ScriptedTransport(script: script),
            requestTimeout: .seconds(1),
            now: { Date(timeIntervalSince1970: 1_700_000_000) },
            readFile: readFile
        )
    }

    static func failure(_ chain: AWSCredentialChain) async -> AWSCredentialChainError? {
        do {
            _ = try await chain.fetchIdentity()
            Issue.record("fetched an identity")
        } catch let error as AWSCredentialChainError {
            return error
        } catch {
            Issue.record("unexpected \(error)")
        }
        return nil
    }

    @Test("no region: the IMDS failure that left it unknown is kept and printed")
    func noRegionUnreachable() async throws {
        let refused = HTTPTransportError.connectFailed(
            url: "http://169.254.169.254/latest/api/token",
            reason: "Connection refused"
        )
        let error = try #require(await Self.failure(Self.chain(Self.keys, [.failure(refused)])))
        guard case .noRegion(let underlying?) = error else {
            Issue.record("\(error)")
            return
        }
        #expect(underlying as? HTTPTransportError == refused)
        #expect(
            error.description
                == "no AWS region to sign GetCallerIdentity for: source.aws.region, AWS_REGION and AWS_DEFAULT_REGION "
                + "are unset, and EC2 instance metadata did not give one: cannot connect to "
                + "http://169.254.169.254/latest/api/token: "
                + "Connection refused. Set one of them, or check that instance metadata answers "
                + "(AWS_EC2_METADATA_SERVICE_ENDPOINT)"
        )
        #expect(error.kind == .source)
    }

    @Test("no region: an IMDS HTTP error on the region path is the cause")
    func noRegionNotFound() async throws {
        let error = try #require(
            await Self.failure(
                Self.chain(
                    Self.keys,
                    [
                        .success(HTTPResponse(status: 200, body: Array("imds-session".utf8))),
                        .success(HTTPResponse(status: 404)),
                    ]
                )
            )
        )
        #expect(
            error.description
                == "no AWS region to sign GetCallerIdentity for: source.aws.region, AWS_REGION and AWS_DEFAULT_REGION "
                + "are unset, and EC2 instance metadata did not give one: the AWS credential provider EC2 instance "
                + "metadata failed: "
                + "GET /latest/meta-data/placement/region answered HTTP 404. Set one of them, or check that instance"
                + " metadata answers "
                + "(AWS_EC2_METADATA_SERVICE_ENDPOINT)"
        )
    }

    @Test("no region: an unusable AWS_EC2_METADATA_SERVICE_ENDPOINT is the cause, and no default address is asked")
    func noRegionBadEndpoint() async throws {
        var env = Self.keys
        env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = "ftp://imds"
        let error = try #require(await Self.failure(Self.chain(env, [.failure(.cancelled(url: "unexpected"))])))
        #expect(
            error
                == .noRegion(
                    underlying: AWSCredentialChainError.invalidEndpoint(
                        variable: "AWS_EC2_METADATA_SERVICE_ENDPOINT",
                        underlying: EndpointError.unsupportedScheme("ftp://imds")
                    )
                )
        )
        #expect(
            error.description.contains(
                "EC2 instance metadata did not give one: AWS_EC2_METADATA_SERVICE_ENDPOINT is not "
                    + "usable: \"ftp://imds\" uses an unsupported scheme"
            )
        )
    }

    @Test("no region with IMDS disabled says so, and asks nothing")
    func noRegionDisabled() async throws {
        var env = Self.keys
        env["AWS_EC2_METADATA_DISABLED"] = "true"
        let error = try #require(await Self.failure(Self.chain(env, [.failure(.cancelled(url: "unexpected"))])))
        #expect(error == .noRegion(underlying: nil))
        #expect(
            error.description
                == "no AWS region to sign GetCallerIdentity for: source.aws.region, AWS_REGION and AWS_DEFAULT_REGION "
                + "are unset, and EC2 instance metadata is not asked (AWS_EC2_METADATA_DISABLED is true). Set one of"
                + " them"
        )
    }

    struct FileFailure: Error, CustomStringConvertible {
        var description: String { "cannot read the identity token at /var/run/irsa/token: Permission denied" }
    }

    @Test("an unreadable token file keeps the read error")
    func unreadable() async throws {
        let env = [
            "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/r", "AWS_WEB_IDENTITY_TOKEN_FILE": "/var/run/irsa/token",
            "AWS_REGION": "us-east-1",
        ]
        let error = try #require(await Self.failure(Self.chain(env, [], readFile: { _ in throw FileFailure() })))
        guard case .unreadable(_, _, let underlying) = error else {
            Issue.record("\(error)")
            return
        }
        #expect(underlying is FileFailure)
        #expect(
            error.description == "cannot read /var/run/irsa/token (AWS_WEB_IDENTITY_TOKEN_FILE): "
                + "cannot read the identity token at /var/run/irsa/token: Permission denied"
        )
    }

    @Test("an endpoint variable that is not a URL keeps the EndpointError")
    func invalidEndpoint() throws {
        let env = ["AWS_EC2_METADATA_SERVICE_ENDPOINT": "ftp://imds"]
        #expect(
            throws: AWSCredentialChainError.invalidEndpoint(
                variable: "AWS_EC2_METADATA_SERVICE_ENDPOINT",
                underlying: EndpointError.unsupportedScheme("ftp://imds")
            )
        ) {
            try AWSCredentialChain.provider(environment: env)
        }
        let error = AWSCredentialChainError.invalidEndpoint(
            variable: "AWS_EC2_METADATA_SERVICE_ENDPOINT",
            underlying: EndpointError.unsupportedScheme("ftp://imds")
        )
        #expect(
            error.description
                == "AWS_EC2_METADATA_SERVICE_ENDPOINT is not usable: \"ftp://imds\" uses an unsupported scheme "
                + "(expected https://, or http:// to a loopback host)"
        )
    }

    @Test(
        "a credentials document that does not decode names the field, never its value",
        arguments: [
            (
                #"{"AccessKeyId":"AKIDEXAMPLE","SecretAccessKey":["wJalrSECRET"],"Token":"t","Expiration":"2030-01-0"#
                    + #"1T00:00:00Z"}"#,
                "expected a string at \"SecretAccessKey\", found an array"
            ),
            (
                #"{"AccessKeyId":"AKIDEXAMPLE","SecretAccessKey":"wJalrSECRET","Token":98765432109876,"Expiration":""#
                    + #"2030-01-01T00:00:00Z"}"#,
                "expected a string at \"Token\", found a number"
            ),
            (#"{"AccessKeyId":"AKIDEXAMPLE","SecretAccessKey":"wJalrSECRET"#, "not valid JSON"),
        ]
    )
    func undecodable(body: String, why: String) throws {
        do {
            _ = try AWSCredentialChain.decodeCredentials(Array(body.utf8), provider: "container credentials")
            Issue.record("decoded")
        } catch {
            guard case .undecodable(_, let underlying) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(underlying is DecodingError)
            #expect(
                error.description
                    == "the AWS credential provider container credentials failed: the response is not a credentials "
                    + "document (AccessKeyId, SecretAccessKey, Token, Expiration): \(why)"
            )
            #expect(
                !error.description.contains("SECRET") && !error.description.contains("98765")
                    && !error.description.contains("AKIDEXAMPLE")
            )
        }
    }

    @Test("a document that decodes but lacks a field keeps its message")
    func lacking() {
        #expect(
            throws: AWSCredentialChainError.providerFailed(
                provider: "EC2 instance metadata",
                detail: "the response lacks AccessKeyId, SecretAccessKey or a valid Expiration"
            )
        ) {
            try AWSCredentialChain.decodeCredentials(
                Array(#"{"AccessKeyId":"A"}"#.utf8),
                provider: "EC2 instance metadata"
            )
        }
    }
}
