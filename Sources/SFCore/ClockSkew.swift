import FoundationEssentials

/// Estimates how far the local clock is from a server's, from the server's `Date` header.
///
/// A `Date` header has one-second resolution and is stamped somewhere during the request, so the
/// local reference is the midpoint of the request, and differences under the resolution are noise.
public enum ClockSkew {
    /// Server time minus local time, in seconds (positive: the local clock is behind). Nil without a usable header.
    public static func estimate(dateHeader: String?, requestStart: Date, requestEnd: Date) -> Double? {
        guard let dateHeader, let server = Timestamp.parseHTTPDate(dateHeader) else { return nil }
        let midpoint = requestStart.addingTimeInterval(requestEnd.timeIntervalSince(requestStart) / 2)
        let skew = server.timeIntervalSince(midpoint)
        // The header truncates to whole seconds: anything within (-1, +1) is indistinguishable from zero.
        return abs(skew) < 1 ? 0 : skew
    }
}
