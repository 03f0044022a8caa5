import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Runs an async body to completion from libFuzzer's synchronous per-input callback.
///
/// The task starts immediately on the calling thread, so a body that never suspends (the loopback
/// endpoints with a fixed ID-token issuer) has finished when this returns; one that does suspend is
/// waited for. An unstructured task is the only bridge from a C callback into async code.
public func runToCompletion<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
    let result = Mutex<T?>(nil)
    let run: @Sendable () async -> Void = {
        let value = await body()
        result.withLock { $0 = value }
    }
    if #available(macOS 26, *) {
        Task.immediate(operation: run)
    } else {
        Task(operation: run)
    }
    while true {
        if let value = result.withLock({ $0 }) { return value }
        sched_yield()
    }
}
