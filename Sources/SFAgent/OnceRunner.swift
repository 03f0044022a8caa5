import FoundationEssentials
import Logging
import SFCore
import SFOutputs

/// `agent --once`: every target exchanged first, then every output written — so a failure of any
/// target creates or replaces no output at all.
public struct OnceRunner: Sendable {
    public let exchanges: [TargetExchange]
    public let refresh: RefreshConfiguration
    public let writer: OutputWriter

    public init(exchanges: [TargetExchange], refresh: RefreshConfiguration, writer: OutputWriter) {
        self.exchanges = exchanges
        self.refresh = refresh
        self.writer = writer
    }

    public func run<C: Clock>(
        clock: C,
        random: SharedRandom,
        logger: Logger
    ) async throws(TargetFailure) -> [(TargetExchange, ExchangeOutcome)] where C.Duration == Duration {
        let deadline = Duration.seconds(refresh.retryDeadlineSeconds)
        let backoff = Backoff(refresh)
        // Targets exchange concurrently; results are put back in configuration order.
        let outcomes = await withTaskGroup(of: (Int, Result<ExchangeOutcome, TargetFailure>).self) { group in
            for (index, exchange) in exchanges.enumerated() {
                group.addTask {
                    do throws(TargetFailure) {
                        return (
                            index,
                            .success(
                                try await exchange.exchange(
                                    deadline: deadline,
                                    backoff: backoff,
                                    clock: clock,
                                    random: random,
                                    logger: logger
                                )
                            )
                        )
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            var collected: [(Int, Result<ExchangeOutcome, TargetFailure>)] = []
            for await outcome in group { collected.append(outcome) }
            return collected.sorted { $0.0 < $1.0 }.map(\.1)
        }
        var issued: [(TargetExchange, ExchangeOutcome)] = []
        for (exchange, outcome) in zip(exchanges, outcomes) {
            issued.append((exchange, try outcome.get()))
        }
        for (exchange, outcome) in issued {
            let files = try writer.write(outcome, for: exchange.target)
            for file in files {
                logger.info(
                    "credentials written",
                    metadata: [
                        "target.name": "\(exchange.name)", "output": "\(file.output)", "file.path": "\(file.path)",
                        "credential.expiration":
                            "\(Timestamp.formatISO8601(outcome.expiration(for: exchange.target.outputs)))",
                    ]
                )
            }
        }
        return issued
    }
}
