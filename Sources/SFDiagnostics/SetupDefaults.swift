import SFCore

/// Where the projected token is mounted in generated configurations and volumes.
public enum SetupDefaults {
    public static let tokenDirectory = "/var/run/secrets/skyferry"
    public static let tokenPath = "/var/run/secrets/skyferry/token"
    public static let tokenExpirationSeconds = 3600
}
