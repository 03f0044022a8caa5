import SFCore
import SFYAML

/// `refresh` and `health`.
extension ConfigurationParser {
    func readHealth(_ node: YAMLNode, _ r: ConfigurationReader) -> HealthConfiguration? {
        guard let entries = r.mapping(node, at: "health", allowed: ["listen"]) else { return nil }
        guard let listenNode = r.required(entries, "listen", at: "health", parent: node),
            let listen = readListen(listenNode, at: "health.listen", r)
        else { return nil }
        return HealthConfiguration(listen: listen)
    }

    func readRefresh(_ node: YAMLNode, _ r: ConfigurationReader) -> RefreshConfiguration? {
        let keys = [
            "lifetimeFraction", "jitterFraction", "requestTimeoutSeconds", "retryDeadlineSeconds",
            "backoffInitialSeconds", "backoffMaxSeconds", "clockSkewWarningSeconds", "expiryMarginSeconds",
        ]
        guard let entries = r.mapping(node, at: "refresh", allowed: keys) else { return nil }
        var refresh = RefreshConfiguration()
        var ok = true
        func number(_ key: String, _ range: ClosedRange<Double>, _ apply: (Double) -> Void) {
            guard let node = entries[key] else { return }
            if let value = r.number(node, at: "refresh." + key, range: range) { apply(value) } else { ok = false }
        }
        func integer(_ key: String, _ range: ClosedRange<Int>, _ apply: (Int) -> Void) {
            guard let node = entries[key] else { return }
            if let value = r.integer(node, at: "refresh." + key, range: range) { apply(value) } else { ok = false }
        }
        number("lifetimeFraction", 0.1...0.9) { refresh.lifetimeFraction = $0 }
        number("jitterFraction", 0...0.5) { refresh.jitterFraction = $0 }
        integer("requestTimeoutSeconds", 1...300) { refresh.requestTimeoutSeconds = $0 }
        integer("retryDeadlineSeconds", 1...3600) { refresh.retryDeadlineSeconds = $0 }
        number("backoffInitialSeconds", 0.1...600) { refresh.backoffInitialSeconds = $0 }
        number("backoffMaxSeconds", 1...3600) { refresh.backoffMaxSeconds = $0 }
        integer("clockSkewWarningSeconds", 1...3600) { refresh.clockSkewWarningSeconds = $0 }
        integer("expiryMarginSeconds", 0...3600) { refresh.expiryMarginSeconds = $0 }
        if ok, refresh.backoffMaxSeconds < refresh.backoffInitialSeconds {
            r.fail(
                "refresh.backoffMaxSeconds",
                entries["backoffMaxSeconds"],
                "must be at least backoffInitialSeconds "
                    + "(\(refresh.backoffInitialSeconds))"
            )
            ok = false
        }
        return ok ? refresh : nil
    }
}
