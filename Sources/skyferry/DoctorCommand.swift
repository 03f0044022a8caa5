import ArgumentParser
import FoundationEssentials
import Logging
import SFAWS
import SFAgent
import SFConsole
import SFCore
import SFCrypto
import SFDiagnostics
import SFDoctor
import SFHTTP

/// `skyferry doctor`: check every target step by step — source, token, network, clock, a real exchange,
/// outputs — and say what to fix. Makes one real exchange per target; writes nothing.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the configuration's source, trust, network, clock and outputs, and say how to fix what fails.",
        discussion: "Makes one real exchange per target (the only way to test the trust) but writes no output, and "
            + "never prints a token or a credential. "
            + CommandExitStatus.helpText([.success, .failure, .configurationInvalid])
            + " Warnings alone do not fail the doctor."
    )

    @Option(
        name: .long,
        help:
            ArgumentHelp(
                "Path of the YAML configuration file. Without it, the YAML is read from the environment variable "
                    + "\(ConfigurationInput.environmentVariable) (so `kubectl exec -c skyferry-agent POD -- skyferry"
                    + " doctor`"
                    + " checks what the webhook injected)."
            )
    )
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
        let targets: [TargetConfiguration]
        do {
            targets = try configuration.targets(named: target, origin: input.origin)
        } catch {
            throw CommandFailure("\(error)", .configurationInvalid)
        }
        let now: @Sendable () -> Date = { Date() }
        let proxy = ProxySettings.from(environment: ProcessEnvironment.current())
        let userAgent = "skyferry/\(Skyferry.version)"
        let transport = CurlTransport(options: .init(extraCABundle: caBundle, proxy: proxy, userAgent: userAgent))
        let timeout = Duration.seconds(configuration.refresh.requestTimeoutSeconds)
        let random = SharedRandom { SecureRandom.bytes(8).withUnsafeBytes { $0.load(as: UInt64.self) } }
        let probe = DoctorProbe(
            configuration: configuration,
            transport: transport,
            proxy: proxy,
            system: DoctorSystem(readFile: { path in try TokenFileSource.readFile(path) }),
            exchanger: { provider, transport in
                Composition.makeExchanger(provider, transport: transport, timeout: timeout, now: now)
            },
            now: now
        )

        var diagnoses: [TargetDiagnosis] = []
        for target in targets {
            // One request, as the doctor makes one exchange: a metadata server that is not ready fails at once.
            let source = try Composition.makeSource(
                configuration.source(for: target).withoutStartupWait,
                transport: transport,
                timeout: timeout,
                now: now,
                random: random,
                logger: logger
            )
            diagnoses.append(await probe.diagnose(target, source: source))
        }
        var runningAgent: ListenAddress?
        if let health = configuration.health {
            // Loopback: never through a proxy.
            let direct = CurlTransport(options: .init(proxy: ProxySettings(), userAgent: userAgent))
            runningAgent = await DoctorProbe.agentAnswers(health: health.listen, transport: direct)
        }
        let report = DoctorReport(targets: diagnoses, agent: probe.listenSteps(runningAgent: runningAgent))
        StandardStream.write(output == .json ? report.json : report.text, to: .standardOutput)
        // The report says what failed: no further line on stderr.
        if !report.passed { throw ExitCode(CommandExitStatus.failure.rawValue) }
    }
}
