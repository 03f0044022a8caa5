import SFCore
import SFOutputs

/// Writes a target's file outputs for freshly issued credentials.
public struct OutputWriter: Sendable {
    public let writer: AtomicFileWriter
    /// The top-level source; a target's own `source` takes precedence.
    public let source: SourceConfiguration

    public init(source: SourceConfiguration, writer: AtomicFileWriter = AtomicFileWriter()) {
        self.source = source
        self.writer = writer
    }

    /// Removes the temporary files an interrupted write left next to any of the targets' outputs; returns their paths.
    public func removeLeftovers(for targets: [TargetConfiguration]) -> [String] {
        targets.flatMap(OutputPlan.paths(for:)).flatMap(writer.removeLeftovers(for:))
    }

    /// Renders every file first (pure), then writes them one by one, each atomically.
    public func write(_ outcome: ExchangeOutcome, for target: TargetConfiguration) throws(TargetFailure) -> [FileWrite]
    {
        let files = OutputPlan.files(for: target, source: target.source ?? source, outcome: outcome)
        for file in files {
            do {
                try writer.write(file.contents, to: file.path, mode: file.mode)
            } catch {
                throw TargetFailure(target: target.name, step: .output(path: file.path), underlying: error)
            }
        }
        return files
    }
}
