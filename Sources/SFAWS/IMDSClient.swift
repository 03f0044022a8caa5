import FoundationEssentials
import SFCore
import Synchronization

/// EC2 instance metadata with IMDSv2 session tokens.
struct IMDSClient: Sendable {
    let endpoint: Endpoint
    let transport: any HTTPTransport
    let timeout: Duration

    func sessionToken() async throws -> String {
        let response = try await transport.send(
            HTTPRequest(
                method: "PUT",
                endpoint: endpoint.appendingPath("/latest/api/token"),
                headers: [("X-aws-ec2-metadata-token-ttl-seconds", "21600")]
            ),
            timeout: timeout
        )
        guard response.status == 200, !response.text.isEmpty else {
            throw AWSCredentialChainError.providerFailed(
                provider: "EC2 instance metadata",
                detail: "PUT /latest/api/token answered HTTP \(response.status)"
            )
        }
        return response.text.trimmingASCIIWhitespace()
    }

    func get(_ path: String, token: String) async throws -> String {
        var request = HTTPRequest(
            method: "GET",
            endpoint: endpoint.appendingPath(path),
            headers: [("X-aws-ec2-metadata-token", token)]
        )
        request.headerOrigins["x-aws-ec2-metadata-token"] = "the IMDSv2 token response (PUT /latest/api/token)"
        let response = try await transport.send(request, timeout: timeout)
        guard response.status == 200 else {
            let hint =
                response.status == 404 && path.contains("security-credentials")
                ? " (no IAM role is attached to the instance)" : ""
            throw AWSCredentialChainError.providerFailed(
                provider: "EC2 instance metadata",
                detail: "GET \(path) answered HTTP \(response.status)\(hint)"
            )
        }
        return response.text
    }

    func credentials() async throws -> AWSCredentials {
        let token = try await sessionToken()
        let roles = try await get("/latest/meta-data/iam/security-credentials/", token: token)
        guard let role = roles.split(whereSeparator: \.isNewline).first.map(String.init), !role.isEmpty else {
            throw AWSCredentialChainError.providerFailed(
                provider: "EC2 instance metadata",
                detail: "no IAM role is attached to the instance"
            )
        }
        let body = try await get("/latest/meta-data/iam/security-credentials/\(role)", token: token)
        return try AWSCredentialChain.decodeCredentials(Array(body.utf8), provider: "EC2 instance metadata")
    }

    func region() async throws -> String {
        let token = try await sessionToken()
        return try await get("/latest/meta-data/placement/region", token: token).trimmingASCIIWhitespace()
    }
}
