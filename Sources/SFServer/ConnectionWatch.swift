import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import SFCore

/// The state of one connection, shared by its two handlers; used only on the connection's event loop.
final class ConnectionWatch {
    let limiter: ServerConnectionLimiter
    let tls: Bool
    private var timeline: ConnectionTimeline?
    private var id: ConnectionRegistry.ID?
    private var refused = false
    private var finished = false
    private var timer: Scheduled<Void>?
    private var timerAt: Duration?

    init(limiter: ServerConnectionLimiter, tls: Bool) {
        self.limiter = limiter
        self.tls = tls
    }

    static func now() -> Duration {
        .nanoseconds(Int64(NIODeadline.now().uptimeNanoseconds))
    }

    /// Admits the connection (at most once); at the cap this evicts an idle one or closes this one.
    func start(_ channel: any Channel) {
        guard timeline == nil, !refused, !finished else { return }
        let now = Self.now()
        timeline = ConnectionTimeline(limits: limiter.limits, tls: tls, now: now)
        switch limiter.registry.admit(now: now, close: { channel.close(promise: nil) }) {
        case .refused:
            refused = true
            channel.close(promise: nil)
            return
        case .admitted(let id):
            self.id = id
        case .admittedEvicting(let id, let evict):
            self.id = id
            evict()
            // Counted now: the victim's own close may wait for the TLS close_notify exchange.
            limiter.observer.closed(.evicted)
        }
        limiter.observer.opened()
        schedule(channel, now: now)
    }

    /// Applies an event; false when the connection must not go on (refused, or evicted meanwhile).
    func apply(_ channel: any Channel, _ change: (inout ConnectionTimeline, Duration) -> Void) -> Bool {
        guard let id, var timeline, !finished else { return false }
        let now = Self.now()
        let before = (timeline.isEvictable, timeline.idleSince)
        change(&timeline, now)
        self.timeline = timeline
        if before != (timeline.isEvictable, timeline.idleSince) {
            guard limiter.registry.update(id, evictableSince: timeline.isEvictable ? timeline.idleSince : nil) else {
                channel.close(promise: nil)
                return false
            }
        }
        schedule(channel, now: now)
        return true
    }

    /// Keeps one timer at or before the current deadline; a timer that fires early re-arms itself.
    private func schedule(_ channel: any Channel, now: Duration) {
        guard let deadline = timeline?.deadline else { return }
        if let timerAt, timerAt <= deadline.at { return }
        timer?.cancel()
        timerAt = deadline.at
        let delay = deadline.at - now
        let nanoseconds = delay.components.seconds * 1_000_000_000 + delay.components.attoseconds / 1_000_000_000
        timer = channel.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(max(0, nanoseconds))) {
            self.fire(channel)
        }
    }

    private func fire(_ channel: any Channel) {
        timer = nil
        timerAt = nil
        guard !finished, let timeline else { return }
        let now = Self.now()
        if let reason = timeline.expired(now: now) {
            // Reported (and the slot freed) now: under TLS the close itself may wait for close_notify.
            report(ConnectionCloseReason(reason))
            channel.close(promise: nil)
        } else {
            schedule(channel, now: now)
        }
    }

    /// The connection closed: forget it and report why, unless that was done when closing it.
    func finish() {
        timer?.cancel()
        timer = nil
        if refused {
            if !finished { limiter.observer.closed(.refused) }
            finished = true
            return
        }
        report(.other)
    }

    /// Frees the connection's slot and counts its close, once; an evicted connection was counted by its evictor.
    private func report(_ reason: ConnectionCloseReason) {
        guard !finished else { return }
        finished = true
        guard let id else { return }
        if !limiter.registry.remove(id) { limiter.observer.closed(reason) }
    }
}
