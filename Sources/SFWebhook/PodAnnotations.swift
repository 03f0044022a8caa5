import SFCore

/// The `skyferry.dev/*` pod contract: the opt-in label, the annotations, and their validation.
public enum PodAnnotations {
    public static let injectLabel = "skyferry.dev/inject"
    public static let awsRoleArn = "skyferry.dev/aws-role-arn"
    public static let awsRegion = "skyferry.dev/aws-region"
    public static let gcpAudience = "skyferry.dev/gcp-audience"
    public static let gcpServiceAccount = "skyferry.dev/gcp-service-account"
    public static let azureClientId = "skyferry.dev/azure-client-id"
    public static let azureTenantId = "skyferry.dev/azure-tenant-id"
    public static let tokenAudience = "skyferry.dev/token-audience"
    public static let tokenExpiration = "skyferry.dev/token-expiration"
    public static let skipContainers = "skyferry.dev/skip-containers"
    public static let mode = "skyferry.dev/mode"
    /// Written by the webhook: `injected`.
    public static let status = "skyferry.dev/status"
    /// Written by the webhook: `CONTAINER=VAR,…` for variables left as the user set them.
    public static let skippedEnv = "skyferry.dev/skipped-env"

    static let requestKeys = [
        awsRoleArn, awsRegion, gcpAudience, gcpServiceAccount, azureClientId, azureTenantId, tokenAudience,
        tokenExpiration, skipContainers, mode,
    ]
    static let webhookKeys = [status, skippedEnv]

    /// The kubelet and API server reject shorter projected-token lifetimes.
    public static let minimumTokenExpirationSeconds = 600
    /// Over this a token outlives any sensible rotation (and the API server may cap it anyway).
    public static let maximumTokenExpirationSeconds = 86_400 * 7

    /// Validates the annotations; the error message names each bad annotation and its expected form.
    public static func parse(_ annotations: [String: String]) -> Result<InjectionRequest, AnnotationError> {
        var problems: [String] = []
        func bad(_ key: String, _ value: String, _ expected: String) {
            problems.append("\(key): \(JSONText.string(value)) is not valid (expected \(expected))")
        }
        for key in annotations.keys.sorted()
        where key.hasPrefix("skyferry.dev/") && !requestKeys.contains(key) && !webhookKeys.contains(key) {
            problems.append("\(key): unknown annotation (expected one of: \(requestKeys.joined(separator: ", ")))")
        }

        // A control character in a value would reach the agent's configuration and its requests.
        for key in requestKeys where annotations[key].map(containsControlCharacter) == true {
            problems.append(
                "\(key): \(JSONText.string(annotations[key]!)) contains a control character "
                    + "(expected printable text: no C0 controls, DEL or U+0080-U+009F)"
            )
        }

        var request = InjectionRequest()
        let roleArn = annotations[awsRoleArn].flatMap(IAMRoleARN.init)
        if let arn = annotations[awsRoleArn] {
            if let parsed = roleArn {
                request.aws = AWSInjection(roleArn: parsed.description)
            } else {
                bad(awsRoleArn, arn, "an IAM role ARN, arn:PARTITION:iam::ACCOUNT:role/NAME with a 12-digit ACCOUNT")
            }
        }
        if let region = annotations[awsRegion] {
            if annotations[awsRoleArn] == nil {
                problems.append("\(awsRegion) is set but \(awsRoleArn) is not (expected both, or neither)")
            } else if !AWSPartition.isValidRegion(region) {
                bad(awsRegion, region, "an AWS region name such as us-east-1")
            } else if let arn = roleArn, AWSPartition.forRegion(region) != arn.partition {
                problems.append(
                    "\(awsRegion): region \(region) is in partition \(AWSPartition.forRegion(region).name) but "
                        + "\(awsRoleArn) is in \(arn.partition.name) (expected a region of the role's partition)"
                )
            } else {
                request.aws?.region = region
            }
        }
        if let audience = annotations[gcpAudience] {
            if let problem = WorkloadIdentityProvider.problem(audience) {
                problems.append("\(gcpAudience): \(problem)")
            } else {
                request.gcp = GCPInjection(audience: audience)
            }
        }
        if let account = annotations[gcpServiceAccount] {
            if annotations[gcpAudience] == nil {
                problems.append(
                    "\(gcpServiceAccount) is set but \(gcpAudience) is not (expected \(gcpAudience) too: the "
                        + "workload identity provider)"
                )
            } else if !ServiceAccountEmail.isValid(account) {
                bad(
                    gcpServiceAccount,
                    account,
                    "a service account email such as reader@my-project.iam.gserviceaccount.com"
                )
            } else {
                request.gcp?.serviceAccount = account
            }
        }
        parseAzure(annotations, into: &request, problems: &problems)
        let clouds = [awsRoleArn, gcpAudience, azureClientId].filter { annotations[$0] != nil }
        if let audience = annotations[tokenAudience] {
            if audience.isEmpty || audience.count > 1024
                || audience.contains(where: { $0.isWhitespace || !$0.isASCII || $0 == "," })
            {
                bad(tokenAudience, audience, "one audience string without spaces or commas")
            } else if clouds.count > 1 {
                problems.append(
                    "\(tokenAudience) is ambiguous when "
                        + (clouds.count == 2 ? "both " : "") + clouds.dropLast().joined(separator: ", ") + " and "
                        + clouds.last! + " are set (expected it "
                        + "with one cloud only; each cloud gets its own token)"
                )
            } else {
                request.tokenAudience = audience
            }
        }
        if let text = annotations[tokenExpiration] {
            if let seconds = Int(text),
                (minimumTokenExpirationSeconds...maximumTokenExpirationSeconds).contains(seconds)
            {
                request.tokenExpirationSeconds = seconds
            } else {
                bad(
                    tokenExpiration,
                    text,
                    "a whole number of seconds from \(minimumTokenExpirationSeconds) to "
                        + "\(maximumTokenExpirationSeconds)"
                )
            }
        }
        if let text = annotations[skipContainers] {
            let names = text.split(separator: ",").map { String($0).trimmingASCIIWhitespace() }.filter { !$0.isEmpty }
            if names.isEmpty || !names.allSatisfy(isContainerName) {
                bad(skipContainers, text, "comma-separated container names such as \"istio-proxy,log-shipper\"")
            } else {
                request.skipContainers = names
            }
        }
        if let text = annotations[mode] {
            if let value = InjectionMode(rawValue: text) {
                request.mode = value
            } else {
                bad(mode, text, "sidecar or init-only")
            }
        }
        if clouds.isEmpty && annotations[azureTenantId] == nil {
            problems.append(
                "the pod has the label \(injectLabel)=true but none of \(awsRoleArn), \(gcpAudience), "
                    + "\(azureClientId) (expected at least one: the cloud to get credentials for)"
            )
        }
        return problems.isEmpty ? .success(request) : .failure(AnnotationError(problems: problems))
    }

    /// `skyferry.dev/azure-client-id` (a GUID) and `skyferry.dev/azure-tenant-id` (a GUID or a tenant domain):
    /// both or neither, by `AzureNames`' rules, so a value is valid here exactly when the agent accepts it.
    static func parseAzure(
        _ annotations: [String: String],
        into request: inout InjectionRequest,
        problems: inout [String]
    ) {
        let client = annotations[azureClientId]
        let tenant = annotations[azureTenantId]
        guard client != nil || tenant != nil else { return }
        var valid = true
        if let client, !AzureNames.isGUID(client) {
            problems.append(
                "\(azureClientId): \(JSONText.string(client)) is not valid (expected the client id of the app "
                    + "registration or user-assigned managed identity, a GUID such as "
                    + "00000000-0000-0000-0000-000000000000)"
            )
            valid = false
        }
        if let tenant, AzureNames.tenantIdProblem(tenant) != nil {
            problems.append(
                "\(azureTenantId): \(JSONText.string(tenant)) is not valid (expected the directory (tenant) id, a "
                    + "GUID, or a tenant domain such as contoso.onmicrosoft.com)"
            )
            valid = false
        }
        guard let client, let tenant else {
            let (set, missing) = client == nil ? (azureTenantId, azureClientId) : (azureClientId, azureTenantId)
            problems.append("\(set) is set but \(missing) is not (expected both: Entra ID needs the tenant and client)")
            return
        }
        if valid { request.azure = AzureInjection(clientId: client, tenantId: tenant) }
    }

    /// True for C0 controls (including TAB, CR, LF, NUL), DEL and the C1 controls U+0080–U+009F.
    static func containsControlCharacter(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }
    }

    /// A DNS label (RFC 1123), as Kubernetes requires of container names.
    static func isContainerName(_ name: String) -> Bool {
        guard (1...63).contains(name.count), let first = name.first, let last = name.last, first != "-", last != "-"
        else { return false }
        return name.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }
}

/// Why a pod's annotations were rejected; the pod is denied with this message.
public struct AnnotationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var problems: [String]

    public var description: String {
        "skyferry: " + problems.joined(separator: "; ")
    }
}
