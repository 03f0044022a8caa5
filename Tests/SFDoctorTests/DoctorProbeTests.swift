import Foundation
import SFConfiguration
import SFCore
import SFDiagnostics
import SFDoctor
import Synchronization
import Testing

/// `DoctorProbe`'s sequence of checks over fake system probes, a fake exchanger and a fake transport.
struct DoctorProbeTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let roleARN = "arn:aws:iam::123456789012:role/shop-api"

    static func jwt(audience: String = "sts.amazonaws.com", expiresIn: Double = 3000) -> String {
        func segment(_ text: String) -> String {
            Data(text.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        }
        let claims =
            #"{"iss":"https://oidc.example.com","sub":"system:serviceaccount:shop:api","aud":"\#(audience)","#
            + #""iat":\#(Int(now.timeIntervalSince1970) - 600),"exp":\#(Int(now.timeIntervalSince1970 + expiresIn))}"#
        return segment(#"{"alg":"RS256","kid":"k"}"#) + "." + segment(claims) + ".c2ln"
    }

    static func configuration(_ yaml: String) throws -> AgentConfiguration {
        try ConfigurationParser().parse(yaml, origin: "c.yaml")
    }

    static let awsConfiguration = """
        source: {tokenFile: /var/run/secrets/token}
        health: {listen: "127.0.0.1:8686"}
        targets:
          - name: s3
            aws: {roleArn: "\(roleARN)", region: eu-west-1}
            outputs: {awsCredentialsFile: {path: /out/credentials}}
        """

    /// Answers every request with HTTP 200 and a `Date` header, and counts the requests.
    final class DatedTransport: HTTPTransport {
        let count = Mutex(0)
        func send(_ request: HTTPRequest, timeout: Duration) async throws(HTTPTransportError) -> HTTPResponse {
            count.withLock { $0 += 1 }
            return HTTPResponse(
                status: 200,
                headers: [("Date", "Fri, 15 Jan 2027 08:00:00 GMT")],
                body: Array("ok".utf8)
            )
        }
    }

    /// Sends one request through the transport it is given, then succeeds or fails as told.
    struct FakeExchanger: CredentialExchanger {
        let transport: any HTTPTransport
        let failure: (any Error & Sendable)?
        var provider: String { "aws" }
        var endpointDescription: String { "fake" }

        func exchange(_ identity: WorkloadIdentity) async throws -> IssuedCredentials {
            let request = HTTPRequest(method: "POST", endpoint: Endpoint(scheme: .https, host: "sts.example"))
            _ = try await transport.send(request, timeout: .seconds(1))
            if let failure { throw failure }
            return .aws(
                AWSCredentials(
                    accessKeyID: "ASIA",
                    secretAccessKey: "s",
                    sessionToken: "t",
                    expiration: DoctorProbeTests.now.addingTimeInterval(3600),
                    assumedRoleARN: "arn:aws:sts::123456789012:assumed-role/shop-api/s"
                )
            )
        }
    }

    /// Never asked: the token-file case reads the file itself.
    struct UnusedSource: IdentitySource {
        var origin: String { "unused" }
        func fetchIdentity() async throws -> WorkloadIdentity { throw TestFailure.unexpected }
    }

    enum TestFailure: Error { case unexpected, unreadable }

    static func probe(
        _ configuration: AgentConfiguration,
        readFile: @escaping @Sendable (String) throws -> [UInt8],
        exchangeFailure: (any Error & Sendable)? = nil,
        transport: DatedTransport = DatedTransport(),
        taken: Set<Int> = []
    ) -> DoctorProbe {
        let system = DoctorSystem(
            readFile: readFile,
            resolve: { _ in HostResolution(addresses: ["192.0.2.10"]) },
            pathState: { _ in PathState(directoryExists: true, directoryWritable: true) },
            tryBind: { taken.contains($0.port) ? "Address already in use" : nil }
        )
        return DoctorProbe(
            configuration: configuration,
            transport: transport,
            proxy: ProxySettings(),
            system: system,
            exchanger: { _, transport in FakeExchanger(transport: transport, failure: exchangeFailure) },
            now: { DoctorProbeTests.now }
        )
    }

    @Test("a token file target runs every check in order, exchanging once through the recorder")
    func tokenFile() async throws {
        let configuration = try Self.configuration(Self.awsConfiguration)
        let transport = DatedTransport()
        let read = Mutex<[String]>([])
        let token = Self.jwt()
        let probe = Self.probe(
            configuration,
            readFile: { path in
                read.withLock { $0.append(path) }
                return Array(token.utf8)
            },
            transport: transport
        )
        let diagnosis = await probe.diagnose(configuration.targets[0], source: UnusedSource())
        #expect(diagnosis.target == "s3" && diagnosis.provider == "aws")
        #expect(
            diagnosis.steps.map(\.check) == [
                "source", "token-claims", "token-expiry", "audience", "proxy", "dns", "reachability", "clock",
                "exchange",
                "output awsCredentialsFile.path",
            ]
        )
        #expect(diagnosis.steps[0] == .pass("source", "read from token file /var/run/secrets/token"))
        #expect(diagnosis.steps[5] == .pass("dns", "sts.eu-west-1.amazonaws.com resolves to 192.0.2.10"))
        #expect(diagnosis.steps[6].status == .pass)
        #expect(diagnosis.steps[6].detail.hasPrefix("https://sts.example/ answered HTTP 200"))
        #expect(diagnosis.steps[8].status == .pass)
        #expect(read.withLock { $0 } == ["/var/run/secrets/token"])
        #expect(transport.count.withLock { $0 } == 1)
        #expect(diagnosis.passed)
    }

    @Test("an expired token still shows its claims, and fails the expiry check")
    func expiredToken() async throws {
        let configuration = try Self.configuration(Self.awsConfiguration)
        let token = Self.jwt(expiresIn: -60)
        let diagnosis = await Self.probe(configuration, readFile: { _ in Array(token.utf8) })
            .diagnose(configuration.targets[0], source: UnusedSource())
        #expect(diagnosis.steps[1].status == .pass)
        #expect(diagnosis.steps[2].check == "token-expiry" && diagnosis.steps[2].status == .fail)
        #expect(!diagnosis.passed)
    }

    @Test("an unreadable source fails its step and skips the exchange, with no request made")
    func unreadable() async throws {
        let configuration = try Self.configuration(Self.awsConfiguration)
        let transport = DatedTransport()
        let probe = Self.probe(configuration, readFile: { _ in throw TestFailure.unreadable }, transport: transport)
        let diagnosis = await probe.diagnose(configuration.targets[0], source: UnusedSource())
        #expect(
            diagnosis.steps.map(\.check)
                == ["source", "proxy", "dns", "exchange", "output awsCredentialsFile.path"]
        )
        #expect(diagnosis.steps[0].status == .fail)
        #expect(
            diagnosis.steps[3]
                == DiagnosticStep(check: "exchange", status: .skip, detail: "no identity to exchange")
        )
        #expect(transport.count.withLock { $0 } == 0)
    }

    @Test("a failed exchange is judged, after reachability and the clock")
    func exchangeFails() async throws {
        let configuration = try Self.configuration(Self.awsConfiguration)
        let token = Self.jwt()
        let failure = HTTPTransportError.other(url: "https://sts.example/", reason: "boom")
        let diagnosis = await Self.probe(configuration, readFile: { _ in Array(token.utf8) }, exchangeFailure: failure)
            .diagnose(configuration.targets[0], source: UnusedSource())
        let exchange = try #require(diagnosis.steps.first { $0.check == "exchange" })
        #expect(exchange.status == .fail)
        #expect(exchange == DoctorChecks.exchangeFailed(failure, provider: configuration.targets[0].provider))
    }

    /// An identity source that is not a token file: asked once.
    struct TokenSource: IdentitySource {
        let token: String
        var origin: String { "the GCE metadata server" }
        func fetchIdentity() async throws -> WorkloadIdentity {
            .token(try IdentityToken(decoding: token, origin: origin))
        }
    }

    @Test("any other source is asked through the source given, and named by its origin")
    func otherSource() async throws {
        let configuration = try Self.configuration(
            """
            source: {gcpMetadata: {audience: sts.amazonaws.com}}
            targets:
              - name: s3
                aws: {roleArn: "\(Self.roleARN)", region: eu-west-1}
                outputs: {awsCredentialsFile: {path: /out/credentials}}
            """
        )
        let diagnosis = await Self.probe(configuration, readFile: { _ in throw TestFailure.unexpected })
            .diagnose(configuration.targets[0], source: TokenSource(token: Self.jwt()))
        #expect(diagnosis.steps[0] == .pass("source", "read from the GCE metadata server"))
        #expect(diagnosis.passed)
    }

    @Test("each listen address is tried once: free passes, taken fails unless the running agent holds it")
    func listen() throws {
        let configuration = try Self.configuration(Self.awsConfiguration)
        let free = Self.probe(configuration, readFile: { _ in [] }).listenSteps(runningAgent: nil)
        #expect(free.map(\.check) == ["listen health.listen"])
        #expect(free[0].status == .pass)
        let taken = Self.probe(configuration, readFile: { _ in [] }, taken: [8686])
        #expect(taken.listenSteps(runningAgent: nil)[0].status == .fail)
        let held = taken.listenSteps(runningAgent: ListenAddress(host: "127.0.0.1", port: 8686))
        let health = ListenAddress(host: "127.0.0.1", port: 8686)
        #expect(
            held == [
                DoctorChecks.listen(
                    key: "health.listen",
                    address: health,
                    bindError: "Address already in use",
                    runningAgent: health
                )
            ]
        )
    }

    @Test("output modes by output kind")
    func modes() throws {
        let configuration = try Self.configuration(
            """
            source: {tokenFile: /t}
            targets:
              - name: s3
                aws: {roleArn: "\(Self.roleARN)"}
                outputs:
                  awsCredentialsFile: {path: /out/credentials, mode: "0640"}
                  awsContainerEndpoint: {listen: "127.0.0.1:9911", authTokenFile: /out/token}
            """
        )
        let outputs = configuration.targets[0].outputs
        #expect(outputs.mode(of: .awsCredentialsFile) == 0o640)
        #expect(outputs.mode(of: .awsContainerEndpoint) == AWSContainerEndpointOutputConfiguration.defaultMode)
        #expect(outputs.mode(of: .gcpAccessTokenFile) == nil)
        #expect(outputs.mode(of: .gcpMetadataServer) == nil)
    }
}
