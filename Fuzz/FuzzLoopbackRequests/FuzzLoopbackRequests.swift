import FoundationEssentials
import FuzzSupport
import SFConfiguration
import SFCore
import SFLocalEndpoints

/// Fuzz target for the agent's loopback servers, each through its whole request handling
/// (`LocalEndpoints.Server.respond`: `LoopbackRequestPolicy`, then the endpoint), without a server stack.
///
/// One agent holds one server of each kind: an AWS container-credentials endpoint (known authorization
/// token), a GCE metadata emulation (valid access token, an ID-token issuer returning a fixed token), an
/// IMDSv2 emulation (valid AWS source credentials) and an Azure managed-identity endpoint (known secret,
/// `imdsPath: true`, a provider with a valid token). Every decoded request goes to all four. Invariants, as
/// `precondition`s: a request the policy must refuse (foreign Host, Origin, Sec-Fetch-*, a forwarding
/// header, OPTIONS) never gets a 200; the container endpoint answers 200 only with the right token, the
/// metadata emulation only with `Metadata-Flavor: Google` (but for its `/` detection probe), the managed-identity
/// endpoint only to a GET of `/msi/token` with the secret or of the IMDS path with `Metadata: true`; no response
/// carries a secret the request did not carry itself, except to a request entitled to it.
///
/// Input: a byte of options (bit 0: an IMDSv2 session is opened first, as SDKs do), the method, path,
/// query and Host as edits of valid examples, then up to seven headers, each a name and a value from small
/// alphabets or fuzzed strings.
enum Secrets {
    static let authToken = "fuzz-container-auth-token"
    static let containerSecretKey = "fuzz-container-secret-access-key"
    static let containerSessionToken = "fuzz-container-session-token"
    static let sourceSecretKey = "fuzz-imds-source-secret-access-key"
    static let sourceSessionToken = "fuzz-imds-source-session-token"
    static let accessToken = "ya29.fuzz-gcp-access-token"
    static let imdsSession = "fuzz-imds-session-token"
    static let identityHeader = "fuzz-identity-header-secret"
    static let azureToken = "eyJ.fuzz-azure-access-token"
    static let idToken =
        Data(#"{"alg":"RS256"}"#.utf8).base64EncodedString() + "."
        + Data(#"{"aud":"a","iat":1800000000,"exp":1800003600,"fuzz":"id-token"}"#.utf8).base64EncodedString() + ".c2ln"
}

let now = Date(timeIntervalSince1970: 1_800_000_000)
let audience = "//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/p/providers/k"
let ports = (container: 9911, metadata: 8989, imds: 9912, azure: 9913)

let configuration = try! ConfigurationParser().parse(
    """
    source: {tokenFile: /t}
    targets:
      - name: s3
        aws: {roleArn: "arn:aws:iam::111122223333:role/reader"}
        outputs: {awsContainerEndpoint: {listen: "127.0.0.1:\(ports.container)", authTokenFile: /o/token}}
      - name: gcs
        gcp: {audience: "\(audience)", serviceAccount: reader@p.iam.gserviceaccount.com}
        outputs: {gcpMetadataServer: {listen: "localhost:\(ports.metadata)"}}
    """,
    origin: "fuzz.yaml"
)
let imdsConfiguration = try! ConfigurationParser().parse(
    """
    source: {aws: {region: us-east-1}}
    targets:
      - name: gcs
        gcp: {audience: "\(audience)"}
        outputs: {gcpExternalAccountFile: {path: /o/gcp.json, imdsListen: "127.0.0.1:\(ports.imds)"}}
    """,
    origin: "fuzz.yaml"
)
let azureConfiguration = try! ConfigurationParser().parse(
    """
    source: {tokenFile: /t}
    targets:
      - name: vault
        azure: {tenantId: 5f1c7e2a-3b4d-4c8e-9a6f-0d2b1e4c7a90, clientId: 11111111-2222-3333-4444-555555555555}
        outputs:
          azureManagedIdentityEndpoint: {listen: "127.0.0.1:\(ports.azure)", secretFile: /o/secret, imdsPath: true}
    """,
    origin: "fuzz.yaml"
)

/// Any resource's token, always valid.
struct FuzzAzureTokens: AzureTokenProvider {
    let clientId = "11111111-2222-3333-4444-555555555555"
    func accessToken(for resource: String) async throws -> AzureAccessToken {
        AzureAccessToken(
            token: Secrets.azureToken,
            expiration: now.addingTimeInterval(3600),
            resource: resource,
            clientId: clientId
        )
    }
}

/// Valid credentials for every target, read-only after this.
let store: CredentialStore = {
    let store = CredentialStore(targets: ["s3", "gcs"])
    let expiry = now.addingTimeInterval(3600)
    store.recordSuccess(
        "s3",
        credentials: .aws(
            AWSCredentials(
                accessKeyID: "ASIAFUZZCONTAINER",
                secretAccessKey: Secrets.containerSecretKey,
                sessionToken: Secrets.containerSessionToken,
                expiration: expiry
            )
        ),
        at: now
    )
    let source = AWSCredentials(
        accessKeyID: "ASIAFUZZSOURCE",
        secretAccessKey: Secrets.sourceSecretKey,
        sessionToken: Secrets.sourceSessionToken,
        expiration: expiry,
        assumedRoleARN: "arn:aws:sts::111122223333:assumed-role/source/s"
    )
    store.recordSuccess(
        "gcs",
        credentials: .gcp(GCPAccessToken(token: Secrets.accessToken, expiration: expiry)),
        identity: .aws(source, region: "us-east-1"),
        at: now
    )
    return store
}()

/// Fresh servers per input (their IMDS session table and ID-token cache start empty), by kind.
func servers() -> [String: LocalEndpoints.Server] {
    let all =
        LocalEndpoints.servers(
            configuration,
            store: store,
            authTokens: ["/o/token": Secrets.authToken],
            imdsSessionToken: { "unused" },
            equals: { $0 == $1 },
            idTokens: { _ in { _, _ in Secrets.idToken } }
        )
        + LocalEndpoints.servers(
            imdsConfiguration,
            store: store,
            authTokens: [:],
            imdsSessionToken: { Secrets.imdsSession },
            equals: { $0 == $1 },
            idTokens: { _ in nil }
        )
        + LocalEndpoints.servers(
            azureConfiguration,
            store: store,
            authTokens: [:],
            imdsSessionToken: { "unused" },
            equals: { $0 == $1 },
            idTokens: { _ in nil },
            azure: { _ in (FuzzAzureTokens(), Secrets.identityHeader) }
        )
    return Dictionary(uniqueKeysWithValues: all.map { ($0.kind, $0) })
}

let methods = ["GET", "HEAD", "PUT", "POST", "OPTIONS", "options", "get", "DELETE"]
let paths = [
    "/v1/credentials/s3", "/", "/computeMetadata/v1/instance/service-accounts/default/token",
    "/computeMetadata/v1/instance/service-accounts/default/identity",
    "/computeMetadata/v1/instance/service-accounts/reader@p.iam.gserviceaccount.com/token",
    "/computeMetadata/v1/instance/service-accounts/", "/latest/api/token",
    "/latest/meta-data/iam/security-credentials/source", "/latest/meta-data/iam/security-credentials/",
    "/latest/meta-data/placement/region", "/msi/token", "/metadata/identity/oauth2/token",
]
let queries = [
    "", "audience=https://example.com", "recursive=true", "audience=x&format=full",
    "api-version=2019-08-01&resource=https://vault.azure.net", "api-version=2018-02-01&resource=r&client_id=x",
]
let authorities = [
    "127.0.0.1:\(ports.container)", "localhost:\(ports.metadata)", "127.0.0.1:\(ports.imds)", "[::1]", "LOCALHOST",
    "127.0.0.1", "evil.example", "evil.example:\(ports.container)", "127.0.0.1:80", "127.0.0.1:\(ports.azure)",
]
let headerNames = [
    "Authorization", "Metadata-Flavor", "X-aws-ec2-metadata-token", "X-aws-ec2-metadata-token-ttl-seconds",
    "Origin", "Sec-Fetch-Mode", "X-Forwarded-For", "Forwarded", "Via", "X-Real-IP", "X-Forwarded-Host", "Host",
    "Content-Type", "X-IDENTITY-HEADER", "Metadata",
]
let headerValues = [
    Secrets.authToken, "Google", "google", Secrets.imdsSession, "21600", "", "null", "127.0.0.1",
    Secrets.identityHeader, "true",
]

/// A value from `choices` for a selector byte below 0xE0, else a fuzzed string.
func choose(_ input: inout FuzzBytes, _ choices: [String]) -> String {
    let selector = input.byte()
    return selector >= 0xE0 ? input.string() : choices[Int(selector) % choices.count]
}

func decode(_ bytes: [UInt8]) -> (openSession: Bool, request: LocalRequest) {
    var input = FuzzBytes(bytes)
    let options = input.byte()
    let method = choose(&input, methods)
    let path = input.edited(paths)
    let query = input.edited(queries)
    let authoritySelector = input.byte()
    let authority: String? =
        authoritySelector == 0xFF
        ? nil
        : authoritySelector >= 0xE0 ? input.string() : authorities[Int(authoritySelector) % authorities.count]
    var headers: [(String, String)] = []
    for _ in 0..<Int(input.byte() % 8) {
        headers.append((choose(&input, headerNames), choose(&input, headerValues)))
    }
    // Built from pairs in input order: the first value of a repeated name wins, as LocalHTTPServer does.
    var fields: [String: String] = [:]
    for (name, value) in headers where fields[name.lowercased()] == nil { fields[name.lowercased()] = value }
    let request = LocalRequest(method: method, path: path, query: query, authority: authority, headers: fields)
    return (options & 1 == 1, request)
}

/// Whether the policy must refuse the request at a server on `port`, decided independently of
/// `LoopbackRequestPolicy`: OPTIONS, browser or proxy headers, no Host or two, a Host naming another server.
func mustRefuse(_ request: LocalRequest, port: Int) -> Bool {
    if request.method.uppercased() == "OPTIONS" { return true }
    let forwarding: Set = ["forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-real-ip", "via"]
    let browserOrProxy = request.headers.keys.contains { name in
        name == "origin" || name.hasPrefix("sec-fetch-") || forwarding.contains(name)
    }
    if browserOrProxy { return true }
    guard let authority = request.authority?.lowercased(), request.headers["host"] == nil else { return true }
    for name in ["127.0.0.1", "localhost", "[::1]", "::1"] where authority.hasPrefix(name) {
        let rest = authority.dropFirst(name.count)
        if rest.isEmpty || rest == ":" { return false }
        let digits = rest.dropFirst()
        if rest.first == ":", (1...5).contains(digits.count), digits.utf8.allSatisfy({ (48...57).contains($0) }),
            Int(digits) == port
        {
            return false
        }
    }
    return true
}

/// The request's own text: a response may echo what the request carried (a path in a 404) without leaking.
func carried(_ request: LocalRequest) -> String {
    ([request.method, request.path, request.query, request.authority ?? ""]
        + request.headers.flatMap { [$0.key, $0.value] }).joined(separator: "\u{0}")
}

func leaks(_ response: LocalResponse, _ secrets: [String], _ request: LocalRequest) -> String? {
    let own = carried(request)
    return secrets.first { response.body.contains($0) && !own.contains($0) }
}

let allSecrets = [
    Secrets.containerSecretKey, Secrets.containerSessionToken, Secrets.sourceSecretKey,
    Secrets.sourceSessionToken, Secrets.accessToken, Secrets.idToken, Secrets.imdsSession,
    Secrets.authToken, Secrets.identityHeader, Secrets.azureToken,
]

func fuzzOne(_ bytes: [UInt8]) {
    let (openSession, request) = decode(bytes)
    let servers = servers()
    let container = servers[OutputKind.awsContainerEndpoint.rawValue]!
    let metadata = servers[OutputKind.gcpMetadataServer.rawValue]!
    let imds = servers["imds"]!
    let azure = servers[OutputKind.azureManagedIdentityEndpoint.rawValue]!
    let (fromContainer, fromMetadata, fromIMDS, fromAzure, session) = runToCompletion {
        var session: LocalResponse?
        if openSession {
            session = await imds.respond(
                LocalRequest(
                    method: "PUT",
                    path: "/latest/api/token",
                    authority: "127.0.0.1:\(ports.imds)",
                    headers: ["X-aws-ec2-metadata-token-ttl-seconds": "21600"]
                ),
                now
            )
        }
        return (
            await container.respond(request, now), await metadata.respond(request, now),
            await imds.respond(request, now), await azure.respond(request, now), session
        )
    }
    if let session {
        precondition(
            session.status == 200 && session.body == Secrets.imdsSession,
            "a valid IMDSv2 PUT failed: \(session.status)"
        )
    }
    let answers = [
        (container, fromContainer, ports.container), (metadata, fromMetadata, ports.metadata),
        (imds, fromIMDS, ports.imds), (azure, fromAzure, ports.azure),
    ]
    for (server, response, port) in answers {
        let context = "\(server.kind) answered \(response.status) to \(request)"
        if mustRefuse(request, port: port) {
            precondition(response.status == 400 || response.status == 403, "refusal expected: \(context)")
            if let secret = leaks(response, allSecrets, request) { preconditionFailure("\(context) leaks \(secret)") }
        }
    }

    let token = request.header("authorization")
    if fromContainer.status == 200 {
        precondition(token == Secrets.authToken, "container endpoint 200 without the token: \(request)")
    }
    if let secret = leaks(fromContainer, allSecrets, request) {
        precondition(
            fromContainer.status == 200 && token == Secrets.authToken
                && [Secrets.containerSecretKey, Secrets.containerSessionToken].contains(secret),
            "container endpoint leaks \(secret) to \(request)"
        )
    }

    let google = request.header("metadata-flavor") == "Google"
    precondition(
        fromMetadata.headers.contains { $0.name == "Metadata-Flavor" && $0.value == "Google" },
        "metadata answer without Metadata-Flavor: \(fromMetadata.status)"
    )
    if fromMetadata.status == 200 && !google {
        precondition(
            request.path == "/" && fromMetadata.body == "computeMetadata/\n",
            "metadata emulation 200 without Metadata-Flavor: Google: \(request)"
        )
    }
    if let secret = leaks(fromMetadata, allSecrets, request) {
        precondition(
            fromMetadata.status == 200 && google && [Secrets.accessToken, Secrets.idToken].contains(secret),
            "metadata emulation leaks \(secret) to \(request)"
        )
    }

    let sessionPresented = openSession && request.header("x-aws-ec2-metadata-token") == Secrets.imdsSession
    if let secret = leaks(fromIMDS, allSecrets, request) {
        let issued = secret == Secrets.imdsSession && request.method == "PUT" && request.path == "/latest/api/token"
        let sourceCredentials =
            sessionPresented
            && [Secrets.sourceSecretKey, Secrets.sourceSessionToken].contains(secret)
        precondition(
            fromIMDS.status == 200 && (issued || sourceCredentials),
            "IMDS emulation leaks \(secret) to \(request)"
        )
    }

    let withSecret = request.path == "/msi/token" && request.header("x-identity-header") == Secrets.identityHeader
    let withMetadata =
        request.path == "/metadata/identity/oauth2/token" && request.header("metadata")?.lowercased() == "true"
    if fromAzure.status == 200 {
        precondition(
            request.method == "GET" && (withSecret || withMetadata),
            "managed-identity endpoint 200 without the secret or Metadata: true: \(request)"
        )
    }
    if let secret = leaks(fromAzure, allSecrets, request) {
        precondition(
            fromAzure.status == 200 && secret == Secrets.azureToken,
            "managed-identity endpoint leaks \(secret) to \(request)"
        )
    }
}

#if FUZZING
/// libFuzzer's per-input callback.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzzOne(FuzzInput.bytes(data, size))
    return 0
}

/// The process entry point under scripts/fuzz.sh (-sanitize=fuzzer -DFUZZING): libFuzzer's driver.
@_cdecl("FuzzLoopbackRequests_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc: argc, argv: argv, fuzzerTestOneInput)
}
#else
/// Without libFuzzer the target replays corpus files given as arguments (a regression run).
@main
struct Replay {
    static func main() { FuzzInput.replay(fuzzOne) }
}
#endif
