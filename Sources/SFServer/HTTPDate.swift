import FoundationEssentials
import SFCore

/// RFC 9110 IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), pure.
public enum HTTPDate {
    public static func format(_ date: Date) -> String {
        let c = Timestamp.civil(date)
        let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][
            ((Int(date.timeIntervalSince1970.rounded(.down)) / 86_400) % 7 + 7) % 7
        ]
        let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][c.month - 1]
        func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(weekday), \(pad(c.day)) \(month) \(c.year) \(pad(c.hour)):\(pad(c.minute)):\(pad(c.second)) GMT"
    }
}
