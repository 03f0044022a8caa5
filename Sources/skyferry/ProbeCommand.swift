import ArgumentParser
import SFCore
import SFHTTP

/// `skyferry probe`: an exec probe for Kubernetes. The agent's health server listens on loopback
/// only, which the kubelet's httpGet probes (sent to the pod IP) cannot reach, and the image has no
/// shell or curl; so the startupProbe runs this instead.
struct ProbeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "GET a loopback health URL; exit 0 on HTTP 200, 1 otherwise (for exec probes).",
        discussion: CommandExitStatus.helpText([.success, .failure, .configurationInvalid])
    )

    @Argument(help: "The URL to check (plain http to a loopback host).")
    var url: String = "http://127.0.0.1:8686/readyz"

    @Option(name: .long, help: "Seconds to wait for the answer.")
    var timeoutSeconds: Int = 2

    func run() async throws {
        let endpoint: Endpoint
        do {
            endpoint = try Endpoint.probeURL(url)
        } catch {
            throw CommandFailure("probe: \(error)", .configurationInvalid)
        }
        let transport = CurlTransport(
            options: .init(proxy: ProxySettings(), userAgent: "skyferry-probe/\(Skyferry.version)")
        )
        // The answer (or the failure) goes to stdout, where the kubelet records it.
        do {
            let response = try await transport.send(
                HTTPRequest(method: "GET", endpoint: endpoint),
                timeout: .seconds(timeoutSeconds)
            )
            let text = response.text.trimmingASCIIWhitespace()
            print(text.isEmpty ? "HTTP \(response.status)" : text)
            if response.status != 200 { throw ExitCode(CommandExitStatus.failure.rawValue) }
        } catch let error as HTTPTransportError {
            print("probe: \(error)")
            throw ExitCode(CommandExitStatus.failure.rawValue)
        }
    }
}
