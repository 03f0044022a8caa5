import NIOCore
import SFCore
#if canImport(Glibc)
import Glibc
#endif

/// A local server could not take its address: which address, and what to check.
public struct ListenError: Error, CustomStringConvertible {
    public let address: ListenAddress
    public let cause: IOError

    public var description: String {
        let why: String
        switch cause.errnoCode {
        case EADDRINUSE:
            why =
                "another process already listens there (in a pod: another container, or any process on the node with"
                + " hostNetwork); "
                + "change this listen address in the configuration, or stop the other listener"
        case EADDRNOTAVAIL:
            why = "no network interface has that address; use 127.0.0.1 or an address of this host"
        case EACCES:
            why = "ports below 1024 need privileges the agent does not have; use a port of 1024 or more"
        default:
            why = "check the address"
        }
        return "cannot listen on \(address): \(cause.description); \(why)"
    }

    /// Runs `body`, turning a failure to bind `address` into a `ListenError` (other errors pass through).
    public static func naming<T>(_ address: ListenAddress, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as IOError where [EADDRINUSE, EADDRNOTAVAIL, EACCES].contains(error.errnoCode) {
            throw ListenError(address: address, cause: error)
        }
    }
}
