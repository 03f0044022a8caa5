import FoundationEssentials
import SFAWS
import SFCore
import SFDiagnostics

/// `skyferry doctor`'s run: reads each target's source, makes its exchange through a `RecordingTransport`,
/// resolves its STS host, inspects its output paths, and tries the agent's listen addresses. It gathers;
/// every judgement is `DoctorChecks`'. Writes nothing, and never keeps a token beyond the exchange.
public struct DoctorProbe: Sendable {
    public let configuration: AgentConfiguration
    /// The outbound transport (proxy and extra CA applied), wrapped per target in a `RecordingTransport`.
    public let transport: any HTTPTransport
    public let proxy: ProxySettings
    public let system: DoctorSystem
    /// The exchanger for a target's provider over the transport given (the probe passes its recorder).
    public let exchanger: @Sendable (ProviderConfiguration, any HTTPTransport) -> any CredentialExchanger
    public let now: @Sendable () -> Date

    public init(
        configuration: AgentConfiguration,
        transport: any HTTPTransport,
        proxy: ProxySettings,
        system: DoctorSystem,
        exchanger: @escaping @Sendable (ProviderConfiguration, any HTTPTransport) -> any CredentialExchanger,
        now: @escaping @Sendable () -> Date
    ) {
        self.configuration = configuration
        self.transport = transport
        self.proxy = proxy
        self.system = system
        self.exchanger = exchanger
        self.now = now
    }

    /// Every step for one target, in order: source, token claims, network, the exchange, outputs.
    /// - Parameter source: the target's identity source, used unless it is a token file: that one is read
    ///   without the validity check, so that an expired token still shows its claims.
    public func diagnose(_ target: TargetConfiguration, source: any IdentitySource) async -> TargetDiagnosis {
        var steps: [DiagnosticStep] = []
        let sourceConfiguration = configuration.source(for: target)
        var identity: WorkloadIdentity?
        do {
            switch sourceConfiguration {
            case .tokenFile(let path):
                let bytes = try system.readFile(path)
                let origin = "token file \(path)"
                identity = .token(try IdentityToken(decoding: String(decoding: bytes, as: UTF8.self), origin: origin))
                steps.append(DoctorChecks.sourceRead(origin: origin))
            default:
                identity = try await source.fetchIdentity()
                steps.append(DoctorChecks.sourceRead(origin: source.origin))
            }
        } catch {
            steps.append(DoctorChecks.sourceFailed(error, source: sourceConfiguration))
        }
        switch identity {
        case .token(let token):
            steps.append(DoctorChecks.claims(token.claims))
            steps.append(DoctorChecks.expiry(token.claims, now: now()))
            steps.append(DoctorChecks.audience(token.claims, provider: target.provider))
            if case .azure(let azure) = target.provider {
                steps.append(DoctorChecks.federatedCredential(token.claims, azure: azure))
            }
        case .aws(let credentials, let region):
            let expiry = Timestamp.formatISO8601(credentials.expiration)
            steps.append(
                .pass(
                    "aws-identity",
                    "AWS credentials of \(credentials.assumedRoleARN ?? "an IAM identity") "
                        + "for \(region), valid until \(expiry)"
                )
            )
        case nil:
            break
        }
        steps += networkSteps(target.provider)
        steps += await exchangeSteps(target.provider, identity: identity)
        // The outputs: never written, only inspected.
        for file in target.outputs.filePaths {
            steps.append(
                DoctorChecks.outputPath(
                    key: file.key,
                    path: file.path,
                    state: system.pathState(file.path),
                    mode: target.outputs.mode(of: file.kind)
                )
            )
        }
        return TargetDiagnosis(target: target.name, provider: target.provider.name, steps: steps)
    }

    /// The proxy in effect for the provider's STS endpoint, and the resolution of its host.
    func networkSteps(_ provider: ProviderConfiguration) -> [DiagnosticStep] {
        let endpoint: Endpoint
        switch provider {
        case .aws(let aws): endpoint = STSEndpoint.resolve(aws)
        case .gcp(let gcp): endpoint = gcp.resolvedSTSEndpoint
        case .azure(let azure): endpoint = azure.tokenEndpoint
        }
        let proxied = proxy.route(for: endpoint).proxyURL != nil
        let resolved = system.resolve(endpoint.host)
        return [
            DoctorChecks.proxy(proxy, endpoint: endpoint),
            DoctorChecks.resolution(
                host: endpoint.host,
                addresses: resolved.addresses,
                error: resolved.error,
                proxied: proxied
            ),
        ]
    }

    /// The exchange itself, recorded for reachability and the clock; skipped without an identity.
    func exchangeSteps(_ provider: ProviderConfiguration, identity: WorkloadIdentity?) async -> [DiagnosticStep] {
        guard let identity else {
            return [DiagnosticStep(check: "exchange", status: .skip, detail: "no identity to exchange")]
        }
        let recorder = RecordingTransport(base: transport, now: now)
        let exchangeStep: DiagnosticStep
        do {
            let credentials = try await exchanger(provider, recorder).exchange(identity)
            exchangeStep = DoctorChecks.exchangeSucceeded(credentials, provider: provider)
        } catch {
            exchangeStep = DoctorChecks.exchangeFailed(error, provider: provider)
        }
        return [
            DoctorChecks.reachability(recorder.records),
            DoctorChecks.clock(recorder.records, warningSeconds: configuration.refresh.clockSkewWarningSeconds),
            exchangeStep,
        ]
    }

    /// One `listen …` step per address the agent would bind: free, or taken (by `runningAgent`, which is fine).
    public func listenSteps(runningAgent: ListenAddress?) -> [DiagnosticStep] {
        DoctorChecks.listenAddresses(configuration).map { key, address in
            DoctorChecks.listen(
                key: key,
                address: address,
                bindError: system.tryBind(address),
                runningAgent: runningAgent
            )
        }
    }

    /// The health address when a skyferry agent answers there (its metrics carry `skyferry_` names), else nil:
    /// next to a running agent (doctor exec'd into its container) its addresses are taken, by it.
    /// - Parameter transport: a direct one: loopback never goes through a proxy.
    public static func agentAnswers(health: ListenAddress, transport: any HTTPTransport) async -> ListenAddress? {
        let endpoint = Endpoint(scheme: .http, host: health.host, port: health.port, path: "/metrics")
        let request = HTTPRequest(method: "GET", endpoint: endpoint)
        guard let response = try? await transport.send(request, timeout: .seconds(2)), response.status == 200,
            response.text.contains("skyferry_")
        else { return nil }
        return health
    }
}
