import FoundationEssentials
import SFAWS
import SFCore

/// The doctor's judgements, as functions of values the command gathered (claims, times, stat results,
/// HTTP outcomes). Nothing here reads a file, the clock or the network.
public enum DoctorChecks {
    /// Tokens with less than this left are flagged: the kubelet should have rotated them by now.
    public static let expiryWarningSeconds: Double = 300
    /// Skew beyond this makes fresh tokens look "issued in the future" or expired to an STS.
    public static let skewFailureSeconds: Double = 300

    // MARK: source

    public static func sourceRead(origin: String) -> DiagnosticStep {
        .pass("source", "read from \(origin)")
    }

    /// The source could not produce an identity at all.
    public static func sourceFailed(_ error: any Error, source: SourceConfiguration) -> DiagnosticStep {
        let fix: String
        switch source {
        case .tokenFile(let path):
            fix =
                "Mount a projected serviceAccountToken volume so that \(path) holds the token (skyferry setup prints"
                + " one), and check the agent's user may read it."
        case .gcpMetadata:
            fix =
                "Run on GCE/GKE (or set GCE_METADATA_HOST), and check that the service account in "
                + "source.gcpMetadata.serviceAccount is attached to the VM or bound to the pod with Workload Identity."
        case .aws:
            fix =
                "Make AWS credentials available to the agent: an instance profile (IMDSv2), EKS Pod Identity / IRSA "
                + "(AWS_CONTAINER_CREDENTIALS_FULL_URI, AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN), or "
                + "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY."
        }
        return DiagnosticStep(
            check: "source",
            status: .fail,
            detail: "\(error)",
            cause: "the identity source produced no usable identity",
            fix: fix
        )
    }

    /// The token's claims, never the token: iss, sub, aud, iat, exp.
    public static func claims(_ claims: JWTClaims) -> DiagnosticStep {
        var parts = [
            "iss=\(claims.issuer ?? "-")", "sub=\(claims.subject ?? "-")",
            "aud=\(claims.audiences.isEmpty ? "-" : claims.audiences.joined(separator: ","))",
        ]
        if let azp = claims.authorizedParty { parts.append("azp=\(azp)") }
        parts.append("iat=\(claims.issuedAt.map(Timestamp.formatISO8601) ?? "-")")
        parts.append("exp=\(claims.expiresAt.map(Timestamp.formatISO8601) ?? "-")")
        let missing = [
            ("iss", claims.issuer == nil), ("sub", claims.subject == nil), ("aud", claims.audiences.isEmpty),
            ("exp", claims.expiresAt == nil),
        ]
        .filter(\.1).map(\.0)
        guard missing.isEmpty else {
            return DiagnosticStep(
                check: "token-claims",
                status: .fail,
                detail: parts.joined(separator: " "),
                cause: "the token lacks \(missing.joined(separator: ", ")), which every STS requires",
                fix:
                    "Use a projected service-account token (serviceAccountToken volume with an audience) or a Google"
                    + " ID token, not a legacy secret-based token."
            )
        }
        return .pass("token-claims", parts.joined(separator: " "))
    }

    public static func expiry(_ claims: JWTClaims, now: Date) -> DiagnosticStep {
        guard let exp = claims.expiresAt else {
            return DiagnosticStep(
                check: "token-expiry",
                status: .fail,
                detail: "the token has no exp claim",
                cause: "STS rejects tokens without exp",
                fix: "Use a projected service-account token, which always carries exp."
            )
        }
        let left = exp.timeIntervalSince(now)
        if left <= 0 {
            return DiagnosticStep(
                check: "token-expiry",
                status: .fail,
                detail: "expired at \(Timestamp.formatISO8601(exp)), \(format(seconds: -left)) ago",
                cause: "the token was not refreshed (or this node's clock is ahead)",
                fix:
                    "The kubelet rewrites projected tokens at 80% of their lifetime: check that the file is a "
                    + "projected serviceAccountToken volume, not a copy, and that the node's clock is synchronised."
            )
        }
        if let nbf = claims.notBefore ?? claims.issuedAt, nbf.timeIntervalSince(now) > 60 {
            return DiagnosticStep(
                check: "token-expiry",
                status: .fail,
                detail:
                    "issued for \(Timestamp.formatISO8601(nbf)), \(format(seconds: nbf.timeIntervalSince(now))) in "
                    + "the future",
                cause: "this node's clock is behind the issuer's",
                fix: "Synchronise the node's clock (chrony or systemd-timesyncd against NTP)."
            )
        }
        if left < expiryWarningSeconds {
            return DiagnosticStep(
                check: "token-expiry",
                status: .warn,
                detail: "expires at \(Timestamp.formatISO8601(exp)), in \(format(seconds: left))",
                cause: "the token is about to expire and has not been rotated",
                fix:
                    "Check that the token file is a kubelet-refreshed projected token (the kubelet rotates at 80% of"
                    + " the lifetime)."
            )
        }
        return .pass("token-expiry", "valid until \(Timestamp.formatISO8601(exp)) (\(format(seconds: left)) left)")
    }

    /// Whether the token's `aud` is what the target's trust expects by default.
    public static func audience(_ claims: JWTClaims, provider: ProviderConfiguration) -> DiagnosticStep {
        let auds = claims.audiences
        let shown = auds.isEmpty ? "-" : auds.joined(separator: ",")
        switch provider {
        case .aws(let aws):
            if WebIdentityTrust.isGoogleIssuer(claims.issuer) {
                return .pass(
                    "audience",
                    "aud=\(shown): the role's trust policy must expect it as accounts.google.com:oaud"
                )
            }
            let expected = "sts.amazonaws.com"
            if auds.contains(expected) { return .pass("audience", "aud=\(shown) includes \(expected)") }
            let role = IAMRoleARN(aws.roleArn)
            let (partition, account) = (role?.partition.name ?? "aws", role?.accountID ?? "ACCOUNT")
            let provider =
                claims.issuer.map {
                    "arn:\(partition):iam::\(account):oidc-provider/\(WebIdentityTrust.issuerHostPath($0))"
                } ?? "PROVIDER_ARN"
            return DiagnosticStep(
                check: "audience",
                status: .warn,
                detail: "aud=\(shown) does not include \(expected), the usual audience for AWS",
                cause: "AWS accepts the token only if the IAM OIDC provider lists its aud as a client ID",
                fix:
                    "Either set the projected token's audience to \(expected), or add the audience to the provider: "
                    + "aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn \(provider) "
                    + "--client-id \(auds.first ?? "AUDIENCE")"
            )
        case .gcp(let gcp):
            var bare = gcp.audience
            if bare.hasPrefix("https:") { bare.removeFirst(6) }
            let expected = "https:" + bare
            if auds.contains(expected) || auds.contains(bare) {
                return .pass("audience", "aud=\(shown) matches the provider \(bare)")
            }
            return DiagnosticStep(
                check: "audience",
                status: .warn,
                detail: "aud=\(shown) is not \(expected), the provider's default allowed audience",
                cause: "GCP accepts the token only if the provider's allowed audiences include its aud",
                fix:
                    "Either set the projected token's audience to \(expected), or list the token's audience on the "
                    + "provider: gcloud iam workload-identity-pools providers update-oidc PROVIDER --location=global"
                    + " --workload-identity-pool=POOL --allowed-audiences=\(auds.first ?? "AUDIENCE")"
            )
        case .azure(let azure):
            let expected = azure.resolvedAudience
            if auds.contains(expected) {
                return .pass("audience", "aud=\(shown) includes \(expected), the federated credential's audience")
            }
            return DiagnosticStep(
                check: "audience",
                status: .fail,
                detail: "aud=\(shown) does not include \(expected), the audience Entra ID is told to expect",
                cause: "Entra ID matches the assertion's aud against the federated identity credential's one audience",
                fix:
                    "Either issue the token for \(expected) (a projected token's audience, "
                    + "source.gcpMetadata.audience), or, when the federated identity credential's audience is "
                    + "\(auds.first ?? "AUDIENCE"), set targets[].azure.audience to it"
            )
        }
    }

    // MARK: network and clock

    /// Which proxy the request goes through (the transport's own decision), with credentials masked.
    public static func proxy(_ settings: ProxySettings, endpoint: Endpoint) -> DiagnosticStep {
        let noProxy = settings.noProxy ?? "-"
        switch settings.route(for: endpoint) {
        case .direct(.noProxyConfigured):
            let variable = endpoint.scheme == .https ? "HTTPS_PROXY" : "HTTP_PROXY"
            return .pass("proxy", "direct connection to \(endpoint.authority) (no \(variable))")
        case .direct(.neverProxied):
            return .pass(
                "proxy",
                "direct connection to \(endpoint.authority) "
                    + "(loopback, link-local and metadata hosts are never proxied)"
            )
        case .direct(.noProxyEntry):
            return .pass("proxy", "direct connection to \(endpoint.authority) (NO_PROXY=\(noProxy))")
        case .proxy(let proxy):
            return .pass("proxy", "via \(ProxySettings.redact(proxy)) to \(endpoint.authority) (NO_PROXY=\(noProxy))")
        }
    }

    /// The `NO_PROXY` rule the transport applies (`NoProxyList`).
    public static func bypassesProxy(host: String, noProxy: String?) -> Bool {
        guard let noProxy else { return false }
        return NoProxyList(noProxy).matches(host: host)
    }

    /// Name resolution of the endpoint host (skipped when a proxy resolves it).
    public static func resolution(host: String, addresses: [String], error: String?, proxied: Bool) -> DiagnosticStep {
        if proxied { return DiagnosticStep(check: "dns", status: .skip, detail: "\(host) is resolved by the proxy") }
        if let error {
            return DiagnosticStep(
                check: "dns",
                status: .fail,
                detail: "\(host) does not resolve: \(error)",
                cause: "DNS cannot resolve the endpoint",
                fix:
                    "Check the pod's DNS (resolv.conf, CoreDNS) and egress rules, or set HTTPS_PROXY if the cluster "
                    + "reaches the Internet through a proxy."
            )
        }
        return .pass("dns", "\(host) resolves to \(addresses.prefix(3).joined(separator: ", "))")
    }

    /// Whether the exchange's requests got HTTP answers.
    public static func reachability(_ records: [HTTPExchangeRecord]) -> DiagnosticStep {
        guard !records.isEmpty else {
            return DiagnosticStep(check: "reachability", status: .skip, detail: "no request was made")
        }
        if let failed = records.first(where: { $0.error != nil }) {
            return DiagnosticStep(
                check: "reachability",
                status: .fail,
                detail: failed.error ?? "",
                cause: "no HTTP answer from \(failed.url)",
                fix:
                    "Allow egress to \(failed.url) (NetworkPolicy, firewall, security group), or route it through "
                    + "HTTPS_PROXY; a proxy that intercepts TLS needs its CA (--ca-bundle)."
            )
        }
        let summary = records.map {
            "\($0.url) answered HTTP \($0.status ?? 0) in "
                + "\(Int(($0.end.timeIntervalSince($0.start) * 1000).rounded())) ms"
        }
        return .pass("reachability", summary.joined(separator: "; "))
    }

    /// The local clock against the STS `Date` header.
    public static func clock(_ records: [HTTPExchangeRecord], warningSeconds: Int) -> DiagnosticStep {
        guard let record = records.first(where: { $0.dateHeader != nil }),
            let skew = ClockSkew.estimate(
                dateHeader: record.dateHeader,
                requestStart: record.start,
                requestEnd: record.end
            )
        else {
            return DiagnosticStep(check: "clock", status: .skip, detail: "no Date header to compare with")
        }
        let text =
            skew == 0
            ? "within 1 s of \(record.url)"
            : "\(format(seconds: abs(skew))) \(skew > 0 ? "behind" : "ahead of") \(record.url)"
        if abs(skew) <= Double(warningSeconds) { return .pass("clock", "local clock \(text)") }
        let fix = "Synchronise the node's clock (chrony or systemd-timesyncd against NTP)."
        if abs(skew) <= skewFailureSeconds {
            return DiagnosticStep(
                check: "clock",
                status: .warn,
                detail: "local clock \(text)",
                cause: "clock skew beyond refresh.clockSkewWarningSeconds (\(warningSeconds) s)",
                fix: fix
            )
        }
        return DiagnosticStep(
            check: "clock",
            status: .fail,
            detail: "local clock \(text)",
            cause: "skew over \(Int(skewFailureSeconds)) s: tokens look expired or not yet valid to the STS",
            fix: fix
        )
    }

    // MARK: outputs

    /// An output file's directory and existing file, as stat-ed by the command.
    public static func outputPath(key: String, path: String, state: PathState, mode: UInt32?) -> DiagnosticStep {
        let check = "output \(key)"
        let directory = parent(of: path)
        guard state.directoryExists else {
            return DiagnosticStep(
                check: check,
                status: .fail,
                detail: "\(path): the directory \(directory) does not exist",
                cause: "the shared volume is not mounted there",
                fix: "Mount a volume (an emptyDir with medium: Memory) at \(directory), or change \(key)."
            )
        }
        guard state.directoryWritable else {
            return DiagnosticStep(
                check: check,
                status: .fail,
                detail: "\(path): the directory \(directory) is not writable by this user",
                cause:
                    "outputs are written atomically (a temporary file in the same directory, then rename), which "
                    + "needs write access to the directory",
                fix: "Make \(directory) writable for the agent's user (fsGroup, or an emptyDir), or change \(key)."
            )
        }
        if state.isDirectory {
            return DiagnosticStep(
                check: check,
                status: .fail,
                detail: "\(path) is a directory",
                cause: "the output path names a directory",
                fix: "Point \(key) at a file inside it."
            )
        }
        var detail = "\(path): directory writable"
        if let existing = state.existingMode {
            detail += ", exists with mode \(octal(existing))"
            if let mode, existing != mode { detail += " (rewritten as \(octal(mode)))" }
        } else if let mode {
            detail += ", will be created with mode \(octal(mode))"
        }
        return .pass(check, detail)
    }

    /// A listen address the agent will bind, tried by the command.
    /// `runningAgent`: the health address where a skyferry agent with this configuration answers, if one does;
    /// then the addresses in use are its own.
    public static func listen(
        key: String,
        address: ListenAddress,
        bindError: String?,
        runningAgent: ListenAddress? = nil
    ) -> DiagnosticStep {
        let check = "listen \(key)"
        guard let bindError else { return .pass(check, "\(address) is free") }
        if let runningAgent {
            return .pass(
                check,
                "\(address) is in use by the running agent (its health endpoint answers at \(runningAgent))"
            )
        }
        return DiagnosticStep(
            check: check,
            status: .fail,
            detail: "cannot bind \(address): \(bindError)",
            cause: "another process (or a second agent) listens there, or the address is not local",
            fix: "Stop the other listener or choose another port in \(key)."
        )
    }

    // MARK: formatting

    static func format(seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s < 120 { return "\(s) s" }
        if s < 7200 { return "\(s / 60) min" }
        return "\(s / 3600) h \((s % 3600) / 60) min"
    }

    static func octal(_ mode: UInt32) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}

extension DoctorChecks {
    /// Every address the agent will bind, once each (targets may share one container endpoint), with the key
    /// that sets it: the health server, `awsContainerEndpoint`, `gcpMetadataServer`,
    /// `gcpExternalAccountFile.imdsListen`.
    public static func listenAddresses(_ configuration: AgentConfiguration) -> [(key: String, address: ListenAddress)] {
        var result: [(key: String, address: ListenAddress)] = []
        func add(_ key: String, _ address: ListenAddress?) {
            guard let address, !result.contains(where: { $0.address == address }) else { return }
            result.append((key, address))
        }
        add("health.listen", configuration.health?.listen)
        for (index, target) in configuration.targets.enumerated() {
            let prefix = "targets[\(index)].outputs."
            for (key, address, _) in target.outputs.listenAddresses { add(prefix + key, address) }
        }
        return result
    }
}
