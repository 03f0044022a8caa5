import Foundation
import SFAzure
import SFCore
import Synchronization
import Testing

struct EntraExchangerTests {
    static let now = Date(timeIntervalSince1970: 3_999_996_500)
    static let tokenJSON = #"{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"at-1"}"#

    static func exchanger(
        _ transport: ScriptedTransport,
        resources: [String] = ["https://storage.azure.com", "https://vault.azure.net/.default"],
        audience: String? = nil,
        clock: TestClock? = nil,
        aws: (any AWSWebIdentityTokenIssuer)? = nil
    ) -> EntraExchanger {
        let clock = clock ?? TestClock(Self.now)
        return EntraExchanger(
            configuration: AzureTargetConfiguration(
                tenantId: AzureFixtures.tenant,
                clientId: AzureFixtures.client,
                resources: resources,
                audience: audience
            ),
            transport: transport,
            requestTimeout: .seconds(5),
            now: { clock.now },
            awsWebIdentityToken: aws
        )
    }

    @Test("a refresh asks for every resource with one assertion; expiry from expires_in")
    func everyResource() async throws {
        let transport = ScriptedTransport(script: [
            AzureFixtures.ok(Self.tokenJSON),
            AzureFixtures.ok(#"{"token_type":"Bearer","expires_in":"86399","access_token":"at-2"}"#),
        ])
        let credentials = try await Self.exchanger(transport).exchange(WorkloadIdentity.token(AzureFixtures.token()))
        guard case .azure(let azure) = credentials else {
            Issue.record("not Azure credentials")
            return
        }
        #expect(azure.tokens.keys.sorted() == ["https://storage.azure.com", "https://vault.azure.net"])
        #expect(azure.tokens["https://storage.azure.com"]?.token == "at-1")
        #expect(azure.tokens["https://storage.azure.com"]?.expiration == Self.now.addingTimeInterval(3599))
        #expect(azure.tokens["https://vault.azure.net"]?.expiration == Self.now.addingTimeInterval(86399))
        #expect(azure.tokens["https://vault.azure.net"]?.clientId == AzureFixtures.client)
        #expect(azure.assertion == AzureFixtures.jwt())
        #expect(azure.assertionExpiration == Date(timeIntervalSince1970: 4_000_000_000))
        #expect(credentials.expiration == Self.now.addingTimeInterval(3599))
        let scopes = transport.sent.map { String(decoding: $0.body, as: UTF8.self).split(separator: "&").last ?? "" }
        #expect(
            scopes == [
                "scope=https%3A%2F%2Fstorage.azure.com%2F.default", "scope=https%3A%2F%2Fvault.azure.net%2F.default",
            ]
        )
    }

    @Test("with no resources a refresh checks the assertion and asks Entra nothing")
    func assertionOnly() async throws {
        let transport = ScriptedTransport(script: [AzureFixtures.ok(Self.tokenJSON)])
        let credentials = try await Self.exchanger(transport, resources: []).exchange(
            WorkloadIdentity.token(AzureFixtures.token())
        )
        #expect(transport.sent.isEmpty)
        #expect(credentials.expiration == Date(timeIntervalSince1970: 4_000_000_000))
        let one = try await Self.exchanger(transport, resources: [])
            .exchange(WorkloadIdentity.token(AzureFixtures.token()), resource: "https://management.core.windows.net/")
        #expect(one.resource == "https://management.core.windows.net/")
        #expect(
            String(decoding: transport.sent[0].body, as: UTF8.self)
                .hasSuffix("scope=https%3A%2F%2Fmanagement.core.windows.net%2F%2F.default")
        )
    }

    @Test("an assertion for another audience is refused before Entra is asked")
    func wrongAudience() async {
        let transport = ScriptedTransport(script: [AzureFixtures.ok(Self.tokenJSON)])
        await #expect {
            try await Self.exchanger(transport).exchange(
                WorkloadIdentity.token(AzureFixtures.token(AzureFixtures.jwt(aud: "sts")))
            )
        } throws: { error in
            guard let entra = error as? EntraError, case .assertionAudience = entra else { return false }
            return entra.kind == .rejected
                && entra.description.hasPrefix(
                    "the assertion for client \(AzureFixtures.client) in tenant \(AzureFixtures.tenant) carries "
                        + "aud=sts, not api://AzureADTokenExchange, so Entra ID would refuse it (AADSTS700212). "
                )
        }
        #expect(transport.sent.isEmpty)
        let custom = Self.exchanger(transport, resources: [], audience: "sts")
        _ = try? await custom.exchange(WorkloadIdentity.token(AzureFixtures.token(AzureFixtures.jwt(aud: "sts"))))
    }

    @Test("an expired assertion is a source failure")
    func expiredAssertion() async {
        let transport = ScriptedTransport(script: [AzureFixtures.ok(Self.tokenJSON)])
        await #expect {
            try await Self.exchanger(transport).exchange(
                WorkloadIdentity.token(AzureFixtures.token(AzureFixtures.jwt(exp: 1000)))
            )
        } throws: { error in
            (error as? EntraError).map { $0.kind == .source && "\($0)".contains("it expired at 1970-01-01T00:16:40Z") }
                ?? false
        }
    }

    final class FakeIssuer: AWSWebIdentityTokenIssuer {
        let calls = Mutex<[String]>([])
        func webIdentityToken(
            credentials: AWSCredentials,
            region: String,
            audience: String
        ) async throws
            -> IdentityToken
        {
            calls.withLock { $0.append("\(credentials.accessKeyID) \(region) \(audience)") }
            return AzureFixtures.token(
                AzureFixtures.jwt(
                    aud: audience,
                    sub: "arn:aws:iam::123456789012:role/reader",
                    iss: "https://abc.tokens.sts.global.api.aws"
                )
            )
        }
    }

    @Test("AWS credentials become an assertion through GetWebIdentityToken for the target's audience")
    func awsIdentity() async throws {
        let transport = ScriptedTransport(script: [AzureFixtures.ok(Self.tokenJSON)])
        let issuer = FakeIssuer()
        let credentials = AWSCredentials(
            accessKeyID: "AKIDEXAMPLE",
            secretAccessKey: "s",
            sessionToken: "",
            expiration: Self.now.addingTimeInterval(3600)
        )
        let exchanger = Self.exchanger(transport, resources: ["https://storage.azure.com"], aws: issuer)
        let issued = try await exchanger.exchange(WorkloadIdentity.aws(credentials, region: "eu-west-1"))
        #expect(issuer.calls.withLock { $0 } == ["AKIDEXAMPLE eu-west-1 api://AzureADTokenExchange"])
        guard case .azure(let azure) = issued else { return }
        #expect(azure.assertion.hasPrefix(AzureFixtures.segment(#"{"alg":"RS256","kid":"k"}"#)))
        let body = String(decoding: transport.sent[0].body, as: UTF8.self)
        #expect(body.hasPrefix("client_assertion=\(azure.assertion)&"))
        await #expect(throws: UnsupportedIdentityError.self) {
            try await Self.exchanger(transport).exchange(WorkloadIdentity.aws(credentials, region: "eu-west-1"))
        }
    }

    @Test("no matching credential right after start is retried three times within a minute, then rejected")
    func propagation() async {
        let transport = ScriptedTransport(script: [
            AzureFixtures.aadsts(70021, "No matching federated identity record found for presented assertion.")
        ])
        let clock = TestClock(Self.now)
        let exchanger = Self.exchanger(transport, resources: ["https://storage.azure.com"], clock: clock)
        var kinds: [FailureKind] = []
        for _ in 0..<5 {
            do {
                _ = try await exchanger.exchange(WorkloadIdentity.token(AzureFixtures.token()))
            } catch {
                kinds.append(failureKind(of: error))
            }
            clock.advance(2)
        }
        #expect(kinds == [.unavailable, .unavailable, .unavailable, .rejected, .rejected])

        let late = TestClock(Self.now)
        let slow = Self.exchanger(transport, resources: ["https://storage.azure.com"], clock: late)
        var lateKinds: [FailureKind] = []
        for _ in 0..<2 {
            do { _ = try await slow.exchange(WorkloadIdentity.token(AzureFixtures.token())) } catch {
                lateKinds.append(failureKind(of: error))
            }
            late.advance(61)
        }
        #expect(lateKinds == [.unavailable, .rejected])
    }

    @Test("after a success, no matching credential is a rejection at once")
    func propagationAfterSuccess() {
        var grace = FederatedCredentialPropagation()
        grace.attempting(at: Self.now)
        grace.recordSuccess()
        let afterSuccess = grace.grantsRetry(at: Self.now)
        var fresh = FederatedCredentialPropagation()
        let beforeAttempt = fresh.grantsRetry(at: Self.now)
        fresh.attempting(at: Self.now)
        let inWindow = fresh.grantsRetry(at: Self.now.addingTimeInterval(59))
        let pastWindow = fresh.grantsRetry(at: Self.now.addingTimeInterval(60))
        #expect([afterSuccess, beforeAttempt, inWindow, pastWindow] == [false, false, true, false])
    }

    @Test("no answer is unavailable and names the endpoint")
    func transportFailure() async {
        let transport = ScriptedTransport(script: [.failure(HTTPTransportError.timedOut(url: "u", after: .seconds(5)))])
        await #expect {
            try await Self.exchanger(transport).exchange(WorkloadIdentity.token(AzureFixtures.token()))
        } throws: { error in
            (error as? EntraError).map {
                $0.kind == .unavailable
                    && "\($0)".hasPrefix(
                        "Entra ID at https://login.microsoftonline.com/\(AzureFixtures.tenant)/oauth2/v2.0/token could "
                            + "not be reached"
                    )
            } ?? false
        }
    }
}
