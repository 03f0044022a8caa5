import ArgumentParser
import FoundationEssentials
import Logging
import SFAWS
import SFAgent
import SFCore
import SFCrypto
import SFDiagnostics
import SFGCP
import SFHTTP
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Report format of `doctor` and `setup`.
enum ReportFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case text, json
}

/// `skyferry doctor`: check every target step by step — source, token, network, clock, a real exchange,
/// outputs — and say what to fix. Makes one real exchange per target; writes nothing.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the configuration's source, trust, network, clock and outputs, and say how to fix what fails.",
        discussion: """
            Makes one real exchange per target (the only way to test the trust) but writes no output, and never \
            prints a token or a credential. Exit codes: 0 every check passed (warnings allowed); 1 a check failed; \
            2 configuration invalid.
            """)

    @Option(name: .long, help: "Path of the YAML configuration file. Without it, the YAML is read from the environment variable \(ConfigurationInput.environmentVariable) (so `kubectl exec -c skyferry-agent POD -- skyferry doctor` checks what the webhook injected).")
    var config: String?

    @Option(name: .long, help: "Check only this target.")
    var target: String?

    @Option(name: .long, help: "Report format: text or json.")
    var output: ReportFormat = .text

    @Option(name: .long, help: "Extra PEM CA bundle to trust, in addition to the system store, for HTTPS endpoints.")
    var caBundle: String?

    func run() async throws {
        var global = GlobalOptions()
        global.logLevel = .init(.critical)
        global.logFormat = .text
        let logger = makeLogger(global)
        let input = ConfigurationInput(path: config)
        let configuration = try loadConfiguration(input, logger: logger)
        var targets = configuration.targets
        if let target {
            targets = targets.filter { $0.name == target }
            guard !targets.isEmpty else {
                Composition.fail("\(input.origin): no target named \"\(target)\" (targets: \(configuration.targets.map(\.name).joined(separator: ", ")))", code: 2)
            }
        }
        let environment = ProcessEnvironment.current()
        let proxy = ProxySettings.from(environment: environment)
        let transport = CurlTransport(options: .init(extraCABundle: caBundle, proxy: proxy, userAgent: "skyferry/\(Skyferry.version)"))
        let probe = DoctorProbe(configuration: configuration, transport: transport, proxy: proxy, logger: logger)

        var diagnoses: [TargetDiagnosis] = []
        for target in targets {
            diagnoses.append(await probe.diagnose(target))
        }
        var agent: [DiagnosticStep] = []
        // Next to a running agent (doctor exec'd into its container) its addresses are taken, by it.
        var runningAgent: ListenAddress?
        if let health = configuration.health {
            // Loopback: never through a proxy.
            let direct = CurlTransport(options: .init(proxy: ProxySettings(), userAgent: "skyferry/\(Skyferry.version)"))
            runningAgent = await DoctorProbe.agentAnswers(health: health.listen, transport: direct)
        }
        for (key, address) in DoctorChecks.listenAddresses(configuration) {
            agent.append(DoctorChecks.listen(key: key, address: address, bindError: DoctorProbe.tryBind(address), runningAgent: runningAgent))
        }
        let report = DoctorReport(targets: diagnoses, agent: agent)
        let text = output == .json ? report.json : report.text
        StandardOutput.write(text)
        if !report.passed { throw ExitCode(1) }
    }
}

/// The doctor's I/O: reads the source, calls the STS through a recording transport, stats paths, binds ports.
/// Every judgement is `DoctorChecks`'.
struct DoctorProbe {
    let configuration: AgentConfiguration
    let transport: any HTTPTransport
    let proxy: ProxySettings
    let logger: Logger

    func diagnose(_ target: TargetConfiguration) async -> TargetDiagnosis {
        let now: @Sendable () -> Date = { Date() }
        var steps: [DiagnosticStep] = []
        let timeout = Duration.seconds(configuration.refresh.requestTimeoutSeconds)

        // The source: read it once, without the validity check, so an expired token still shows its claims.
        var identity: WorkloadIdentity?
        let sourceConfiguration = target.source ?? configuration.source
        do {
            switch sourceConfiguration {
            case .tokenFile(let path):
                let bytes = try TokenFileSource.readFile(path)
                identity = .token(try IdentityToken(decoding: String(decoding: bytes, as: UTF8.self), origin: "token file \(path)"))
                steps.append(DoctorChecks.sourceRead(origin: "token file \(path)"))
            default:
                let random = SharedRandom { SecureRandom.bytes(8).withUnsafeBytes { $0.load(as: UInt64.self) } }
                let source = Composition.makeSource(sourceConfiguration, transport: transport, timeout: timeout, now: now, random: random, logger: logger)
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
        case .aws(let credentials, let region):
            steps.append(.pass("aws-identity", "AWS credentials of \(credentials.assumedRoleARN ?? "an IAM identity") for \(region), valid until \(Timestamp.formatISO8601(credentials.expiration))"))
        case nil:
            break
        }

        // The network.
        let endpoint: Endpoint
        switch target.provider {
        case .aws(let aws): endpoint = STSEndpoint.resolve(aws)
        case .gcp(let gcp): endpoint = gcp.resolvedSTSEndpoint
        }
        let proxyStep = DoctorChecks.proxy(proxy, endpoint: endpoint)
        steps.append(proxyStep)
        let proxied = proxy.route(for: endpoint).proxyURL != nil
        let resolved = Self.resolve(endpoint.host)
        steps.append(DoctorChecks.resolution(host: endpoint.host, addresses: resolved.addresses, error: resolved.error, proxied: proxied))

        // The exchange itself, recorded for reachability and the clock.
        let recorder = RecordingTransport(base: transport, now: now)
        if let identity {
            let exchanger: any CredentialExchanger
            switch target.provider {
            case .aws(let aws): exchanger = AWSWebIdentityExchanger(configuration: aws, transport: recorder, requestTimeout: timeout, now: now)
            case .gcp(let gcp):
                exchanger = GCPFederationExchanger(configuration: gcp, transport: recorder, requestTimeout: timeout,
                                                   now: now, awsSubjectToken: AWSSubjectToken())
            }
            let exchangeStep: DiagnosticStep
            do {
                exchangeStep = DoctorChecks.exchangeSucceeded(try await exchanger.exchange(identity), provider: target.provider)
            } catch {
                exchangeStep = DoctorChecks.exchangeFailed(error, provider: target.provider)
            }
            steps.append(DoctorChecks.reachability(recorder.records))
            steps.append(DoctorChecks.clock(recorder.records, warningSeconds: configuration.refresh.clockSkewWarningSeconds))
            steps.append(exchangeStep)
        } else {
            steps.append(DiagnosticStep(check: "exchange", status: .skip, detail: "no identity to exchange"))
        }

        // The outputs: never written, only inspected.
        for file in target.outputs.filePaths {
            steps.append(DoctorChecks.outputPath(key: file.key, path: file.path, state: Self.pathState(file.path),
                                                 mode: target.outputs.mode(of: file.kind)))
        }
        return TargetDiagnosis(target: target.name, provider: target.provider.name, steps: steps)
    }

    static func pathState(_ path: String) -> PathState {
        let directory: String
        if let slash = path.lastIndex(of: "/") {
            directory = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            directory = "."
        }
        var directoryInfo = stat()
        let directoryExists = stat(directory, &directoryInfo) == 0 && (UInt32(directoryInfo.st_mode) & 0o170000) == 0o040000
        let writable = directoryExists && access(directory, W_OK | X_OK) == 0
        var fileInfo = stat()
        guard stat(path, &fileInfo) == 0 else {
            return PathState(directoryExists: directoryExists, directoryWritable: writable)
        }
        return PathState(directoryExists: directoryExists, directoryWritable: writable, isDirectory: (UInt32(fileInfo.st_mode) & 0o170000) == 0o040000,
                         existingMode: UInt32(fileInfo.st_mode) & 0o7777)
    }

    /// getaddrinfo for the host: its addresses, or the resolver's error.
    static func resolve(_ host: String) -> (addresses: [String], error: String?) {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &result)
        guard status == 0 else { return ([], String(cString: gai_strerror(status))) }
        defer { freeaddrinfo(result) }
        var addresses: [String] = []
        var cursor = result
        while let entry = cursor {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(entry.pointee.ai_addr, entry.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 {
                let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if !addresses.contains(text) { addresses.append(text) }
            }
            cursor = entry.pointee.ai_next
        }
        return (addresses, nil)
    }

    /// Binds (and at once closes) the address, as the agent's server would; nil when it is free.
    /// The health address when a skyferry agent answers there (its metrics carry `skyferry_` names), else nil.
    static func agentAnswers(health: ListenAddress, transport: any HTTPTransport) async -> ListenAddress? {
        let request = HTTPRequest(method: "GET", endpoint: Endpoint(scheme: .http, host: health.host, port: health.port, path: "/metrics"))
        guard let response = try? await transport.send(request, timeout: .seconds(2)), response.status == 200,
              response.text.contains("skyferry_") else { return nil }
        return health
    }

    static func tryBind(_ address: ListenAddress) -> String? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(address.host, String(address.port), &hints, &result)
        guard status == 0, let entry = result else { return "cannot resolve \(address.host): \(String(cString: gai_strerror(status)))" }
        defer { freeaddrinfo(result) }
        let fd = socket(entry.pointee.ai_family, entry.pointee.ai_socktype, entry.pointee.ai_protocol)
        guard fd >= 0 else { return String(cString: strerror(errno)) }
        defer { close(fd) }
        var one: Int32 = 1
        // As NIO does: a port in TIME_WAIT is free, a listening one is not.
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, entry.pointee.ai_addr, entry.pointee.ai_addrlen) == 0 else { return String(cString: strerror(errno)) }
        guard listen(fd, 1) == 0 else { return String(cString: strerror(errno)) }
        return nil
    }
}

/// Passes requests on and keeps, per request, the URL, status, `Date` header and timing — nothing else.
final class RecordingTransport: HTTPTransport {
    let base: any HTTPTransport
    let now: @Sendable () -> Date
    private let box = Mutex<[HTTPExchangeRecord]>([])

    init(base: any HTTPTransport, now: @escaping @Sendable () -> Date) {
        self.base = base
        self.now = now
    }

    var records: [HTTPExchangeRecord] { box.withLock { $0 } }

    func send(_ request: HTTPRequest, timeout: Duration) async throws(HTTPTransportError) -> HTTPResponse {
        let start = now()
        let url = request.endpoint.url
        do {
            let response = try await base.send(request, timeout: timeout)
            let record = HTTPExchangeRecord(url: url, status: response.status, dateHeader: response.header("Date"), start: start, end: now())
            box.withLock { $0.append(record) }
            return response
        } catch {
            let record = HTTPExchangeRecord(url: url, status: nil, dateHeader: nil, start: start, end: now(), error: "\(error)")
            box.withLock { $0.append(record) }
            throw error
        }
    }
}

/// Writes report text to stdout in one piece.
enum StandardOutput {
    static func write(_ text: String) {
        let bytes = Array(text.utf8)
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.write(1, buffer.baseAddress! + offset, buffer.count - offset)
                if n <= 0 { if errno == EINTR { continue }; return }
                offset += n
            }
        }
    }
}
