import SFYAML

/// Parses and validates the agent's YAML configuration into an `AgentConfiguration`.
///
/// Pure: text in, value or every issue out. It reads no environment and fills no hidden defaults
/// (defaults live in the configuration types).
public struct ConfigurationParser: Sendable {
    /// The largest configuration accepted, from a file or from `SKYFERRY_CONFIG_YAML` alike (the one check is in
    /// `parse`; readers stop after `maxBytes + 1` bytes so that it sees an oversized input without holding all of it).
    public static let maxBytes = 64 * 1024

    public init() {}

    /// Parses `text`; `origin` (the file path) is only used in messages.
    public func parse(_ text: String, origin: String) throws(ConfigurationError) -> AgentConfiguration {
        let size = text.utf8.count
        guard size <= Self.maxBytes else { throw .tooLarge(path: origin, size: size, limit: Self.maxBytes) }
        let root: YAMLNode
        do {
            root = try YAMLLoader().load(text)
        } catch {
            throw .syntax(path: origin, description: error.description)
        }
        let reader = ConfigurationReader()
        let configuration = read(root, reader)
        guard reader.issues.isEmpty, let configuration else {
            throw .invalid(path: origin, issues: reader.issues)
        }
        return configuration
    }

    private func read(_ root: YAMLNode, _ r: ConfigurationReader) -> AgentConfiguration? {
        guard let top = r.mapping(root, at: "", allowed: ["source", "targets", "refresh", "health", "server"]) else { return nil }
        let source = r.required(top, "source", at: "", parent: root).flatMap { readSource($0, r) }
        let parsed = r.required(top, "targets", at: "", parent: root).flatMap { readTargets($0, source: source, r) }
        let refresh = top["refresh"].map { readRefresh($0, r) } ?? RefreshConfiguration()
        let health = top["health"].map { readHealth($0, r) }
        let server = top["server"].map { readServer($0, r) } ?? ServerLimits.loopback
        if let parsed {
            checkOutputPaths(parsed.targets, r)
            checkListenAddresses(parsed.targets, health: health ?? nil, healthNode: top["health"], r)
        }
        guard let source, let parsed, parsed.complete, let refresh, health != .some(nil), let server else { return nil }
        let targets = parsed.targets.map(\.target)
        return AgentConfiguration(source: source, targets: targets, refresh: refresh, health: health ?? nil,
                                  server: server)
    }

    // MARK: source

    static let sourceKinds = ["tokenFile", "gcpMetadata", "aws"]

    private func readSource(_ node: YAMLNode, at path: String = "source", _ r: ConfigurationReader) -> SourceConfiguration? {
        guard let entries = r.mapping(node, at: path, allowed: Self.sourceKinds) else { return nil }
        guard entries.count == 1, let (kind, value) = entries.first else {
            r.fail(path, node, "exactly one identity source is required (one of: \(Self.sourceKinds.joined(separator: ", "))), found \(entries.count)")
            return nil
        }
        switch kind {
        case "tokenFile":
            return r.string(value, at: path + ".tokenFile").map { .tokenFile(path: $0) }
        case "gcpMetadata":
            return readGCPMetadata(value, at: path + ".gcpMetadata", r).map { .gcpMetadata($0) }
        case "aws":
            guard let entries = r.mapping(value, at: path + ".aws", allowed: ["region"]) else { return nil }
            var aws = AWSSourceConfiguration()
            if let node = entries["region"] {
                guard let region = r.string(node, at: path + ".aws.region") else { return nil }
                guard AWSPartition.isValidRegion(region) else {
                    r.fail(path + ".aws.region", node, "\"\(region)\" is not an AWS region name (expected e.g. us-east-1, eu-west-2, cn-north-1)")
                    return nil
                }
                aws.region = region
            }
            return .aws(aws)
        default:
            return nil
        }
    }

    private func readGCPMetadata(_ node: YAMLNode, at path: String, _ r: ConfigurationReader) -> GCPMetadataSourceConfiguration? {
        guard let entries = r.mapping(node, at: path, allowed: ["audience", "endpoint", "serviceAccount", "startupWaitSeconds"]) else { return nil }
        let audience = r.required(entries, "audience", at: path, parent: node).flatMap { r.string($0, at: path + ".audience") }
        var source = GCPMetadataSourceConfiguration(audience: audience ?? "")
        var ok = audience != nil
        if let node = entries["endpoint"] {
            if let endpoint = readEndpoint(node, at: path + ".endpoint", allowMetadataHosts: true, r) { source.endpoint = endpoint } else { ok = false }
        }
        if let node = entries["serviceAccount"] {
            if let account = r.string(node, at: path + ".serviceAccount") {
                if account == "default" || ServiceAccountEmail.isValid(account) {
                    source.serviceAccount = account
                } else {
                    r.fail(path + ".serviceAccount", node, "\(JSONText.string(account)) is not a service account "
                        + "(expected default or an email such as sa@project.iam.gserviceaccount.com)")
                    ok = false
                }
            } else { ok = false }
        }
        if let node = entries["startupWaitSeconds"] {
            if let seconds = r.integer(node, at: path + ".startupWaitSeconds", range: 0...600) { source.startupWaitSeconds = seconds } else { ok = false }
        }
        return ok ? source : nil
    }

    // MARK: targets

    /// The targets that parsed (with their nodes, for later checks), and whether all did.
    private func readTargets(_ node: YAMLNode, source: SourceConfiguration?, _ r: ConfigurationReader) -> (targets: [(target: TargetConfiguration, index: Int, node: YAMLNode)], complete: Bool)? {
        guard case .sequence(let items) = node.value else {
            r.fail("targets", node, "expected a list of targets, found \(node.shapeDescription)")
            return nil
        }
        guard !items.isEmpty else {
            r.fail("targets", node, "at least one target is required")
            return nil
        }
        var targets: [(target: TargetConfiguration, index: Int, node: YAMLNode)] = []
        var seen: [String: Int] = [:]
        var complete = true
        for (index, item) in items.enumerated() {
            let path = "targets[\(index)]"
            guard let target = readTarget(item, at: path, source: source, r) else { complete = false; continue }
            if let first = seen[target.name] {
                r.fail(path + ".name", item, "duplicate target name \"\(target.name)\" (also targets[\(first)]); names must be unique")
                complete = false
            }
            seen[target.name] = index
            targets.append((target, index, item))
        }
        return (targets, complete)
    }

    static let providerKinds = ["aws", "gcp"]

    private func readTarget(_ node: YAMLNode, at path: String, source: SourceConfiguration?, _ r: ConfigurationReader) -> TargetConfiguration? {
        guard let entries = r.mapping(node, at: path, allowed: ["name"] + Self.providerKinds + ["source", "outputs"]) else { return nil }
        var override: SourceConfiguration?
        var overrideOK = true
        if let sourceNode = entries["source"] {
            override = readSource(sourceNode, at: path + ".source", r)
            overrideOK = override != nil
        }
        let effectiveSource = override ?? source
        let name = r.required(entries, "name", at: path, parent: node).flatMap { r.string($0, at: path + ".name") }
        if let name, !Self.isValidTargetName(name) {
            r.fail(path + ".name", entries["name"], "\"\(name)\" is not a valid target name (expected 1-63 lower-case letters, digits and '-', starting and ending with a letter or digit)")
        }
        let providers = Self.providerKinds.filter { entries[$0] != nil }
        var provider: ProviderConfiguration?
        if providers.count != 1 {
            r.fail(path, node, "exactly one provider key is required (one of: \(Self.providerKinds.joined(separator: ", "))), found \(providers.isEmpty ? "none" : providers.joined(separator: ", "))")
        } else if let awsNode = entries["aws"] {
            provider = readAWS(awsNode, at: path + ".aws", r).map { .aws($0) }
            if case .aws = effectiveSource {
                r.fail(path + ".aws", awsNode, "an aws source feeds GCP targets only (AWS-to-AWS role chaining is not what Skyferry is for); use a tokenFile or gcpMetadata source")
                provider = nil
            }
        } else if let gcpNode = entries["gcp"] {
            provider = readGCP(gcpNode, at: path + ".gcp", r).map { .gcp($0) }
        }
        // Optional: `credential-process` needs none; `agent` checks that every target has one.
        let outputs = entries["outputs"].map { readOutputs($0, at: path + ".outputs", provider: providers.first, source: effectiveSource, r) } ?? OutputsConfiguration()
        guard let name, Self.isValidTargetName(name), let provider, let outputs, overrideOK else { return nil }
        return TargetConfiguration(name: name, provider: provider, outputs: outputs, source: override)
    }

    /// DNS-label style: it appears in URLs, metric labels and file names.
    static func isValidTargetName(_ name: String) -> Bool {
        guard (1...63).contains(name.count), let first = name.first, let last = name.last else { return false }
        let allowed: (Character) -> Bool = { ($0.isASCIILowercaseLetter || $0.isASCIIDigit || $0 == "-") }
        return name.allSatisfy(allowed) && first != "-" && last != "-"
    }

    // MARK: aws

    private func readAWS(_ node: YAMLNode, at path: String, _ r: ConfigurationReader) -> AWSTargetConfiguration? {
        let keys = ["roleArn", "region", "sessionName", "durationSeconds", "stsEndpoint", "fips"]
        guard let entries = r.mapping(node, at: path, allowed: keys) else { return nil }
        var ok = true
        var arn: IAMRoleARN?
        if let arnNode = r.required(entries, "roleArn", at: path, parent: node), let text = r.string(arnNode, at: path + ".roleArn") {
            arn = IAMRoleARN(text)
            if arn == nil {
                r.fail(path + ".roleArn", arnNode, "\"\(text)\" is not an IAM role ARN (expected arn:PARTITION:iam::ACCOUNT:role/NAME, ACCOUNT being 12 digits)")
            }
        }
        if arn == nil { ok = false }

        var region: String?
        if let node = entries["region"] {
            region = r.string(node, at: path + ".region")
            if let value = region, !AWSPartition.isValidRegion(value) {
                r.fail(path + ".region", node, "\"\(value)\" is not an AWS region name (expected e.g. us-east-1, eu-west-2, cn-north-1)")
                ok = false
            } else if region == nil {
                ok = false
            }
        }
        if let arn, let region, AWSPartition.forRegion(region) != arn.partition {
            r.fail(path + ".region", entries["region"], "region \(region) is in partition \(AWSPartition.forRegion(region).name) but roleArn is in \(arn.partition.name); a role can only be assumed through its own partition's STS")
            ok = false
        }

        var sessionName: String?
        if let node = entries["sessionName"] {
            sessionName = r.string(node, at: path + ".sessionName")
            if let value = sessionName, !AWSNames.isValidSessionName(value) {
                r.fail(path + ".sessionName", node, "\"\(value)\" is not a valid role session name (expected 2-64 characters of letters, digits and _+=,.@-)")
                ok = false
            } else if sessionName == nil {
                ok = false
            }
        }

        var duration: Int?
        if let node = entries["durationSeconds"] {
            duration = r.integer(node, at: path + ".durationSeconds", range: 900...43_200)
            if duration == nil { ok = false }
        }

        var endpoint: Endpoint?
        if let node = entries["stsEndpoint"] {
            endpoint = readEndpoint(node, at: path + ".stsEndpoint", r)
            if endpoint == nil { ok = false }
        }

        var fips = false
        if let node = entries["fips"] {
            if let value = r.boolean(node, at: path + ".fips") { fips = value } else { ok = false }
        }
        if fips {
            if endpoint != nil {
                r.fail(path + ".fips", entries["fips"], "fips: true contradicts stsEndpoint, which overrides the endpoint; set one or the other")
                ok = false
            } else if region == nil {
                r.fail(path + ".fips", entries["fips"], "fips: true needs a region (there is no global FIPS STS endpoint)")
                ok = false
            } else if let region, !AWSPartition.forRegion(region).hasFIPS {
                r.fail(path + ".fips", entries["fips"], "partition \(AWSPartition.forRegion(region).name) has no FIPS STS endpoint")
                ok = false
            }
        }
        guard ok, let arn else { return nil }
        return AWSTargetConfiguration(roleArn: arn.description, region: region, sessionName: sessionName,
                                      durationSeconds: duration, stsEndpoint: endpoint, fips: fips)
    }

    private func readEndpoint(_ node: YAMLNode, at path: String, allowMetadataHosts: Bool = false, _ r: ConfigurationReader) -> Endpoint? {
        guard let text = r.string(node, at: path) else { return nil }
        do {
            return try Endpoint(parsing: text, allowMetadataHosts: allowMetadataHosts)
        } catch {
            r.fail(path, node, error.description)
            return nil
        }
    }

    // MARK: outputs

    static let outputKinds: [(key: String, provider: String)] = [
        ("awsCredentialsFile", "aws"), ("awsWebIdentityTokenFile", "aws"), ("awsContainerEndpoint", "aws"),
        ("gcpAccessTokenFile", "gcp"), ("gcpExternalAccountFile", "gcp"), ("gcpMetadataServer", "gcp"),
    ]

    private func readOutputs(_ node: YAMLNode, at path: String, provider: String?, source: SourceConfiguration?, _ r: ConfigurationReader) -> OutputsConfiguration? {
        guard let entries = r.mapping(node, at: path, allowed: Self.outputKinds.map(\.key)) else { return nil }
        guard !entries.isEmpty else {
            r.fail(path, node, "at least one output is required (one of: \(Self.outputKinds.map(\.key).joined(separator: ", ")))")
            return nil
        }
        var ok = true
        for (key, needed) in Self.outputKinds where entries[key] != nil && provider != nil && provider != needed {
            r.fail(path + "." + key, entries[key], "output \(key) hands over \(needed) credentials, but this target's provider is \(provider ?? "")")
            ok = false
        }
        var outputs = OutputsConfiguration()
        if let node = entries["awsCredentialsFile"] {
            outputs.awsCredentialsFile = readCredentialsFile(node, at: path + ".awsCredentialsFile", r)
            if outputs.awsCredentialsFile == nil { ok = false }
        }
        if let node = entries["awsWebIdentityTokenFile"] {
            outputs.awsWebIdentityTokenFile = readTokenFileOutput(node, at: path + ".awsWebIdentityTokenFile", r)
            if outputs.awsWebIdentityTokenFile == nil { ok = false }
        }
        if let node = entries["gcpAccessTokenFile"] {
            outputs.gcpAccessTokenFile = readTokenFileOutput(node, at: path + ".gcpAccessTokenFile", r)
            if outputs.gcpAccessTokenFile == nil { ok = false }
        }
        if let node = entries["gcpExternalAccountFile"] {
            outputs.gcpExternalAccountFile = readExternalAccountOutput(node, at: path + ".gcpExternalAccountFile", source: source, r)
            if outputs.gcpExternalAccountFile == nil { ok = false }
        }
        if let node = entries["awsContainerEndpoint"] {
            outputs.awsContainerEndpoint = readContainerEndpoint(node, at: path + ".awsContainerEndpoint", r)
            if outputs.awsContainerEndpoint == nil { ok = false }
        }
        if let node = entries["gcpMetadataServer"] {
            outputs.gcpMetadataServer = readMetadataServer(node, at: path + ".gcpMetadataServer", r)
            if outputs.gcpMetadataServer == nil { ok = false }
        }
        return ok ? outputs : nil
    }

    private func readContainerEndpoint(_ node: YAMLNode, at path: String, _ r: ConfigurationReader) -> AWSContainerEndpointOutputConfiguration? {
        let keys = ["listen", "authTokenFile", "authTokenFileMode", "allowNonLoopback", "allowedHosts"]
        guard let entries = r.mapping(node, at: path, allowed: keys) else { return nil }
        let allow = entries["allowNonLoopback"].flatMap { r.boolean($0, at: path + ".allowNonLoopback") } ?? false
        let listen = r.required(entries, "listen", at: path, parent: node).flatMap { readListen($0, at: path + ".listen", allowNonLoopback: allow, r) }
        let file = r.required(entries, "authTokenFile", at: path, parent: node).flatMap { r.string($0, at: path + ".authTokenFile") }
        var mode: UInt32? = AWSContainerEndpointOutputConfiguration.defaultMode
        if let node = entries["authTokenFileMode"] { mode = readMode(node, at: path + ".authTokenFileMode", r) }
        var hosts: [String]? = []
        if let node = entries["allowedHosts"] {
            hosts = readAllowedHosts(node, at: path + ".allowedHosts", allowNonLoopback: allow, r)
        }
        guard let listen, let file, let mode, let hosts else { return nil }
        return AWSContainerEndpointOutputConfiguration(listen: listen, authTokenFile: file, authTokenFileMode: mode,
                                                       allowedHosts: hosts)
    }

    /// `allowedHosts`: further `Host` names a non-loopback container endpoint answers (names or IP
    /// literals, IPv6 in brackets, no port), lower-cased.
    private func readAllowedHosts(_ node: YAMLNode, at path: String, allowNonLoopback: Bool,
                                  _ r: ConfigurationReader) -> [String]? {
        guard allowNonLoopback else {
            r.fail(path, node, "allowedHosts applies only with allowNonLoopback: true; a loopback endpoint answers "
                + "Host 127.0.0.1, localhost, [::1] and its listen host, and no other name")
            return nil
        }
        guard case .sequence(let items) = node.value else {
            r.fail(path, node, "expected a list of host names, found \(node.shapeDescription)")
            return nil
        }
        var hosts: [String] = []
        for (index, item) in items.enumerated() {
            guard let name = r.string(item, at: "\(path)[\(index)]") else { return nil }
            let lower = name.lowercased()
            let plain = !lower.isEmpty
                && lower.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "." || $0 == "-" }
            let bracketed = lower.count > 2 && lower.hasPrefix("[") && lower.hasSuffix("]")
                && lower.dropFirst().dropLast().allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
            guard plain || bracketed else {
                r.fail("\(path)[\(index)]", item, "\"\(name)\" is not a host name (expected a name or IP address "
                    + "as clients write it in Host, IPv6 in brackets, without a port, e.g. skyferry.shop.svc or "
                    + "10.0.0.12)")
                return nil
            }
            hosts.append(lower)
        }
        return hosts
    }

    private func readMetadataServer(_ node: YAMLNode, at path: String, _ r: ConfigurationReader) -> GCPMetadataServerOutputConfiguration? {
        guard let entries = r.mapping(node, at: path, allowed: ["listen", "projectId", "numericProjectId", "allowNonLoopback"]) else { return nil }
        if let flag = entries["allowNonLoopback"] {
            // Accepted as a key only to explain why it is refused.
            r.fail(path + ".allowNonLoopback", flag, "allowNonLoopback is not accepted for gcpMetadataServer: the "
                + "metadata emulation hands this target's access and ID tokens to any client that sends "
                + "Metadata-Flavor: Google, so on a non-loopback address it would serve them to the whole network; "
                + "remove the key and listen on a loopback address (127.0.0.1 or [::1])")
            return nil
        }
        guard let listenNode = r.required(entries, "listen", at: path, parent: node),
              let listen = readListen(listenNode, at: path + ".listen", r)
        else { return nil }
        var server = GCPMetadataServerOutputConfiguration(listen: listen)
        var ok = true
        if let node = entries["projectId"] {
            // Project ids: 6-30 lower-case letters, digits and hyphens, starting with a letter.
            if let id = r.string(node, at: path + ".projectId"), (6...30).contains(id.count), id.first!.isASCIILowercaseLetter,
               id.allSatisfy({ $0.isASCIILowercaseLetter || $0.isASCIIDigit || $0 == "-" }) {
                server.projectId = id
            } else {
                r.fail(path + ".projectId", node, "expected a GCP project id (6-30 lower-case letters, digits and '-', starting with a letter), found \(r.describe(node))")
                ok = false
            }
        }
        if let node = entries["numericProjectId"] {
            if let number = r.string(node, at: path + ".numericProjectId"), number.allSatisfy(\.isASCIIDigit) {
                server.numericProjectId = number
            } else {
                r.fail(path + ".numericProjectId", node, "expected a project number (digits only), found \(r.describe(node))")
                ok = false
            }
        }
        return ok ? server : nil
    }

    private func readCredentialsFile(_ node: YAMLNode, at path: String, _ r: ConfigurationReader) -> AWSCredentialsFileOutputConfiguration? {
        guard let entries = r.mapping(node, at: path, allowed: ["path", "profile", "mode"]) else { return nil }
        let filePath = r.required(entries, "path", at: path, parent: node).flatMap { r.string($0, at: path + ".path") }
        var output = AWSCredentialsFileOutputConfiguration(path: filePath ?? "")
        var ok = filePath != nil
        if let node = entries["profile"] {
            if let profile = r.string(node, at: path + ".profile") {
                if profile.contains(where: { $0 == "[" || $0 == "]" || $0.isNewline || $0 == "#" || $0 == ";" }) || profile.trimmingASCIIWhitespace() != profile {
                    r.fail(path + ".profile", node, "\"\(profile)\" is not a usable INI profile name (no brackets, '#', ';', line breaks or surrounding spaces)")
                    ok = false
                } else {
                    output.profile = profile
                }
            } else {
                ok = false
            }
        }
        if let node = entries["mode"] {
            if let mode = readMode(node, at: path + ".mode", r) { output.mode = mode } else { ok = false }
        }
        return ok ? output : nil
    }

    private func readExternalAccountOutput(_ node: YAMLNode, at path: String, source: SourceConfiguration?, _ r: ConfigurationReader) -> ExternalAccountFileOutputConfiguration? {
        guard let entries = r.mapping(node, at: path, allowed: ["path", "mode", "subjectTokenPath", "imdsListen"]) else { return nil }
        guard let filePath = r.required(entries, "path", at: path, parent: node).flatMap({ r.string($0, at: path + ".path") }) else { return nil }
        var output = ExternalAccountFileOutputConfiguration(path: filePath)
        if let node = entries["mode"] {
            guard let mode = readMode(node, at: path + ".mode", r) else { return nil }
            output.mode = mode
        }
        let subject = entries["subjectTokenPath"].flatMap { r.string($0, at: path + ".subjectTokenPath") }
        if let node = entries["imdsListen"] {
            guard case .aws = source else {
                r.fail(path + ".imdsListen", node, "imdsListen serves an aws source's credentials; this target's source is \(source?.kind ?? "missing")")
                return nil
            }
            if subject != nil {
                r.fail(path + ".subjectTokenPath", entries["subjectTokenPath"], "with imdsListen Google's libraries sign their own subject tokens; remove subjectTokenPath")
                return nil
            }
            guard let listen = readListen(node, at: path + ".imdsListen", r) else { return nil }
            output.imdsListen = listen
            return output
        }
        if case .tokenFile(let tokenPath) = source {
            if subject != nil {
                r.fail(path + ".subjectTokenPath", entries["subjectTokenPath"], "with a tokenFile source the external_account file points at \(tokenPath) itself; remove subjectTokenPath")
                return nil
            }
        } else {
            // The agent keeps a fresh subject token here (a JWT, or a signed GetCallerIdentity valid for 15 minutes).
            output.subjectTokenPath = subject ?? filePath + ".subject-token"
        }
        return output
    }

    private func readGCP(_ node: YAMLNode, at path: String, _ r: ConfigurationReader) -> GCPTargetConfiguration? {
        let keys = ["audience", "serviceAccount", "scopes", "lifetimeSeconds", "stsEndpoint", "iamEndpoint"]
        guard let entries = r.mapping(node, at: path, allowed: keys) else { return nil }
        var ok = true
        let audience = r.required(entries, "audience", at: path, parent: node).flatMap { r.string($0, at: path + ".audience") }
        if let audience, let problem = Self.audienceProblem(audience) {
            r.fail(path + ".audience", entries["audience"], problem)
            ok = false
        }
        var gcp = GCPTargetConfiguration(audience: audience ?? "")
        if audience == nil { ok = false }
        if let node = entries["serviceAccount"] {
            if let account = r.string(node, at: path + ".serviceAccount"), Self.isServiceAccountEmail(account) {
                gcp.serviceAccount = account
            } else {
                r.fail(path + ".serviceAccount", node, "expected a service account email such as reader@my-project.iam.gserviceaccount.com, found \(r.describe(node))")
                ok = false
            }
        }
        if let node = entries["scopes"] {
            if case .sequence(let items) = node.value, !items.isEmpty {
                let scopes = items.enumerated().compactMap { r.string($0.element, at: "\(path).scopes[\($0.offset)]") }
                if scopes.count == items.count, scopes.allSatisfy({ $0.hasPrefix("https://") || $0 == "openid" || $0 == "email" }) {
                    gcp.scopes = scopes
                } else {
                    r.fail(path + ".scopes", node, "expected OAuth scope URLs such as https://www.googleapis.com/auth/cloud-platform")
                    ok = false
                }
            } else {
                r.fail(path + ".scopes", node, "expected a non-empty list of OAuth scopes, found \(node.shapeDescription)")
                ok = false
            }
        }
        if let node = entries["lifetimeSeconds"] {
            if let lifetime = r.integer(node, at: path + ".lifetimeSeconds", range: 600...43_200) {
                gcp.lifetimeSeconds = lifetime
                if gcp.serviceAccount == nil && entries["serviceAccount"] == nil {
                    r.fail(path + ".lifetimeSeconds", node, "lifetimeSeconds applies to impersonated tokens only (STS tokens last 1 h); set serviceAccount or remove it")
                    ok = false
                }
            } else { ok = false }
        }
        if let node = entries["stsEndpoint"] {
            if let endpoint = readEndpoint(node, at: path + ".stsEndpoint", r) { gcp.stsEndpoint = endpoint } else { ok = false }
        }
        if let node = entries["iamEndpoint"] {
            if let endpoint = readEndpoint(node, at: path + ".iamEndpoint", r) { gcp.iamEndpoint = endpoint } else { ok = false }
        }
        return ok ? gcp : nil
    }

    /// Why a workload identity provider's resource name is wrong, or nil when it is right.
    static func audienceProblem(_ audience: String) -> String? {
        let expected = "expected //iam.googleapis.com/projects/PROJECT_NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER"
        var text = Substring(audience)
        if text.hasPrefix("https:") { text = text.dropFirst(6) }
        guard text.hasPrefix("//iam.googleapis.com/") else {
            return "\"\(audience)\" is not a workload identity provider name (\(expected))"
        }
        let parts = text.dropFirst("//iam.googleapis.com/".count).split(separator: "/", omittingEmptySubsequences: false)
        if parts.count == 6, parts[0] == "locations", parts[2] == "workforcePools", parts[4] == "providers", !parts[3].isEmpty, !parts[5].isEmpty {
            return nil  // a workforce pool provider
        }
        guard parts.count == 8, parts[0] == "projects", parts[2] == "locations", parts[4] == "workloadIdentityPools", parts[6] == "providers",
              !parts[5].isEmpty, !parts[7].isEmpty
        else {
            return "\"\(audience)\" is not a workload identity provider name (\(expected))"
        }
        guard !parts[1].isEmpty, parts[1].allSatisfy(\.isASCIIDigit) else {
            return "\"\(audience)\" names the project \"\(parts[1])\"; GCP STS needs the project number, not its id (gcloud projects describe \(parts[1]) --format='value(projectNumber)')"
        }
        return nil
    }

    /// The one validator, `ServiceAccountEmail` (printable ASCII, no URL delimiters: the email goes into IAM
    /// Credentials URL paths verbatim).
    static func isServiceAccountEmail(_ text: String) -> Bool {
        ServiceAccountEmail.isValid(text)
    }

    private func readTokenFileOutput(_ node: YAMLNode, at path: String, _ r: ConfigurationReader) -> TokenFileOutputConfiguration? {
        guard let entries = r.mapping(node, at: path, allowed: ["path", "mode"]) else { return nil }
        guard let filePath = r.required(entries, "path", at: path, parent: node).flatMap({ r.string($0, at: path + ".path") }) else { return nil }
        var output = TokenFileOutputConfiguration(path: filePath)
        if let node = entries["mode"] {
            guard let mode = readMode(node, at: path + ".mode", r) else { return nil }
            output.mode = mode
        }
        return output
    }

    /// File modes are octal, written `"0600"` or `0640` (a plain `0640` is read as octal too, as in YAML 1.1).
    private func readMode(_ node: YAMLNode, at path: String, _ r: ConfigurationReader) -> UInt32? {
        guard case .scalar(let text, _) = node.value, (3...4).contains(text.count),
              let mode = UInt32(text, radix: 8)
        else {
            r.fail(path, node, "expected an octal file mode such as \"0600\" or \"0640\", found \(r.describe(node))")
            return nil
        }
        if mode & 0o007 != 0 {
            r.fail(path, node, "mode \(text) gives other users access to credentials; allow at most the owner and the group (e.g. \"0600\", \"0640\")")
            return nil
        }
        if mode & 0o020 != 0 || mode & ~0o777 != 0 {
            r.fail(path, node, "mode \(text) is not allowed (no group write, no special bits; e.g. \"0600\", \"0640\")")
            return nil
        }
        if mode & 0o400 == 0 {
            r.fail(path, node, "mode \(text) does not let the owner read the file")
            return nil
        }
        return mode
    }

    /// Two outputs writing one path would overwrite each other on every refresh.
    private func checkOutputPaths(_ targets: [(target: TargetConfiguration, index: Int, node: YAMLNode)], _ r: ConfigurationReader) {
        var seen: [String: String] = [:]
        for (target, index, node) in targets {
            for (suffix, path) in target.outputs.filePaths {
                let key = "targets[\(index)].outputs.\(suffix)"
                // Targets served by one container endpoint share its token file.
                if suffix == "awsContainerEndpoint.authTokenFile", let other = seen[path], other.hasSuffix(suffix) { continue }
                if let other = seen[path] {
                    r.fail(key, node, "\(path) is also written by \(other); each output needs its own file")
                }
                seen[path] = key
            }
        }
    }

    /// Every local server needs its own address, except AWS container endpoints, which serve several
    /// targets on one address (one path each) when they share the authorization token file.
    private func checkListenAddresses(_ targets: [(target: TargetConfiguration, index: Int, node: YAMLNode)], health: HealthConfiguration?, healthNode: YAMLNode?, _ r: ConfigurationReader) {
        var seen: [String: (key: String, tokenFile: String?)] = [:]
        if let health { seen[health.listen.description] = ("health.listen", nil) }
        for (target, index, node) in targets {
            var mine: [(key: String, address: ListenAddress, tokenFile: String?)] = []
            if let endpoint = target.outputs.awsContainerEndpoint {
                mine.append(("targets[\(index)].outputs.awsContainerEndpoint.listen", endpoint.listen, endpoint.authTokenFile))
            }
            if let server = target.outputs.gcpMetadataServer {
                mine.append(("targets[\(index)].outputs.gcpMetadataServer.listen", server.listen, nil))
            }
            if let listen = target.outputs.gcpExternalAccountFile?.imdsListen {
                mine.append(("targets[\(index)].outputs.gcpExternalAccountFile.imdsListen", listen, nil))
            }
            for (key, address, tokenFile) in mine {
                if let other = seen[address.description] {
                    if let tokenFile, other.tokenFile == tokenFile { continue }
                    let why = tokenFile != nil && other.tokenFile != nil
                        ? "container endpoints on one address must share authTokenFile"
                        : "each server needs its own address"
                    r.fail(key, node, "\(address) is also used by \(other.key); \(why)")
                }
                seen[address.description] = (key, tokenFile)
            }
        }
    }

    // MARK: health

    private func readHealth(_ node: YAMLNode, _ r: ConfigurationReader) -> HealthConfiguration? {
        guard let entries = r.mapping(node, at: "health", allowed: ["listen"]) else { return nil }
        guard let listenNode = r.required(entries, "listen", at: "health", parent: node),
              let listen = readListen(listenNode, at: "health.listen", r)
        else { return nil }
        return HealthConfiguration(listen: listen)
    }

    /// Local servers bind loopback unless `allowNonLoopback` (the key's documentation says when that is sensible).
    private func readListen(_ node: YAMLNode, at path: String, allowNonLoopback: Bool = false, _ r: ConfigurationReader) -> ListenAddress? {
        guard let text = r.string(node, at: path) else { return nil }
        guard let address = ListenAddress(text) else {
            r.fail(path, node, "\"\(text)\" is not a listen address (expected HOST:PORT, e.g. 127.0.0.1:8686 or [::1]:8686)")
            return nil
        }
        if !allowNonLoopback && !address.isLoopback {
            r.fail(path, node, "\(text) is not a loopback address; this server hands out credentials or their state and must listen on 127.0.0.1, ::1 or localhost")
            return nil
        }
        return address
    }

    // MARK: refresh

    private func readRefresh(_ node: YAMLNode, _ r: ConfigurationReader) -> RefreshConfiguration? {
        let keys = ["lifetimeFraction", "jitterFraction", "requestTimeoutSeconds", "retryDeadlineSeconds",
                    "backoffInitialSeconds", "backoffMaxSeconds", "clockSkewWarningSeconds", "expiryMarginSeconds"]
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
            r.fail("refresh.backoffMaxSeconds", entries["backoffMaxSeconds"], "must be at least backoffInitialSeconds (\(refresh.backoffInitialSeconds))")
            ok = false
        }
        return ok ? refresh : nil
    }
}
