import ArgumentParser

/// Report format of `doctor` and `setup`.
enum ReportFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case text, json
}
