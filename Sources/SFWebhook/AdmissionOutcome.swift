/// What the webhook did with one admission request, by the bounded `result` label used in metrics and logs.
public enum AdmissionOutcome: String, Sendable, CaseIterable {
    case injected, skipped, denied, invalid
}
