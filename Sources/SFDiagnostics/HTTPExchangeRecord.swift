import FoundationEssentials
import SFAWS
import SFCore

/// One HTTP request the doctor's exchange made, without headers or bodies (they carry tokens).
public struct HTTPExchangeRecord: Sendable, Equatable {
    public var url: String
    public var status: Int?
    public var dateHeader: String?
    public var start: Date
    public var end: Date
    /// The transport failure, when no HTTP answer came.
    public var error: String?

    public init(url: String, status: Int?, dateHeader: String?, start: Date, end: Date, error: String? = nil) {
        self.url = url
        self.status = status
        self.dateHeader = dateHeader
        self.start = start
        self.end = end
        self.error = error
    }
}
