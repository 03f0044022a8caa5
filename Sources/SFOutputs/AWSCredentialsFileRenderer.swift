import SFCore

/// Renders AWS credentials as a shared-credentials INI profile, the form every AWS SDK and the CLI read.
public enum AWSCredentialsFileRenderer {
    public static func render(_ credentials: AWSCredentials, profile: String) -> [UInt8] {
        let text = """
            # Written by skyferry. Temporary credentials; they expire at \
            \(Timestamp.formatISO8601(credentials.expiration)).
            [\(profile)]
            aws_access_key_id = \(credentials.accessKeyID)
            aws_secret_access_key = \(credentials.secretAccessKey)
            aws_session_token = \(credentials.sessionToken)

            """
        return Array(text.utf8)
    }
}
