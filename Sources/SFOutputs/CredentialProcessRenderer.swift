import SFCore

/// Renders AWS credentials as `credential_process` output (botocore `ProcessProvider`, Go `processcreds`, Rust):
/// `Version: 1` and the four fields; `Expiration` makes the SDK refresh by calling the process again.
public enum CredentialProcessRenderer {
    public static func render(_ credentials: AWSCredentials) -> String {
        let fields = [
            ("AccessKeyId", credentials.accessKeyID), ("SecretAccessKey", credentials.secretAccessKey),
            ("SessionToken", credentials.sessionToken), ("Expiration", Timestamp.formatISO8601(credentials.expiration)),
        ]
        return "{\"Version\":1,"
            + fields.map { JSONText.string($0.0) + ":" + JSONText.string($0.1) }.joined(separator: ",") + "}"
    }
}
