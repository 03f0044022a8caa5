/// What the webhook does with one pod.
public enum InjectionDecision: Sendable, Equatable {
    /// Admit unchanged: the pod did not ask for injection, or already has it.
    case skip(reason: String)
    /// Reject the pod: its annotations are malformed.
    case deny(message: String)
    /// Admit with this patch; warnings go back to the client (`kubectl` prints them). An empty patch admits
    /// the pod unchanged, with the warnings saying why.
    case inject(patch: [JSONPatchOperation], warnings: [String])
}
