import SFCore
import SFServer
import Testing

struct ConnectionTimelineTests {
    let limits = ServerLimits(
        handshakeTimeoutSeconds: 10,
        readTimeoutSeconds: 5,
        idleTimeoutSeconds: 60,
        maximumConnections: 8
    )

    @Test("a TLS connection that never finishes its handshake expires at accept + handshake timeout")
    func handshake() {
        let timeline = ConnectionTimeline(limits: limits, tls: true, now: .seconds(100))
        #expect(timeline.phase == .handshaking)
        #expect(timeline.isEvictable)
        #expect(timeline.deadline?.at == .seconds(110))
        #expect(timeline.expired(now: .seconds(109)) == nil)
        #expect(timeline.expired(now: .seconds(110)) == .handshakeTimeout)
    }

    @Test("bytes during the handshake do not start a read; after it the connection idles from the handshake's end")
    func handshakeThenIdle() {
        var timeline = ConnectionTimeline(limits: limits, tls: true, now: .seconds(0))
        timeline.bytesReceived(now: .seconds(1))
        #expect(timeline.phase == .handshaking)
        timeline.handshakeCompleted(now: .seconds(2))
        #expect(timeline.phase == .idle)
        #expect(timeline.deadline?.at == .seconds(62))
        #expect(timeline.deadline?.reason == .idleTimeout)
    }

    @Test("a request trickling in expires at its first byte + read timeout, whatever arrives later")
    func slowloris() {
        var timeline = ConnectionTimeline(limits: limits, tls: false, now: .seconds(0))
        timeline.bytesReceived(now: .seconds(30))
        for second in 31...34 { timeline.bytesReceived(now: .seconds(second)) }
        timeline.requestHeadReceived(now: .seconds(34))
        #expect(timeline.phase == .reading)
        #expect(!timeline.isEvictable)
        #expect(timeline.deadline?.at == .seconds(35))
        #expect(timeline.expired(now: .seconds(35)) == .readTimeout)
    }

    @Test("a request read in full is owed its answer: no deadline, not evictable, even while a pipelined one arrives")
    func responding() {
        var timeline = ConnectionTimeline(limits: limits, tls: false, now: .seconds(0))
        timeline.bytesReceived(now: .seconds(1))
        timeline.requestEndReceived(now: .seconds(1))
        timeline.bytesReceived(now: .seconds(2))
        #expect(timeline.phase == .responding)
        #expect(timeline.deadline == nil)
        #expect(!timeline.isEvictable)
        timeline.responseEndWritten(now: .seconds(20))
        // The pipelined request keeps the read deadline from its own first byte.
        #expect(timeline.phase == .reading)
        #expect(timeline.deadline?.at == .seconds(7))
        timeline.requestEndReceived(now: .seconds(21))
        timeline.responseEndWritten(now: .seconds(22))
        #expect(timeline.phase == .idle)
        #expect(timeline.idleSince == .seconds(22))
        #expect(timeline.deadline?.at == .seconds(82))
    }

    @Test("a request answered before its body ended (413) goes idle when the body ends, not responding for ever")
    func answeredEarly() {
        var timeline = ConnectionTimeline(limits: limits, tls: false, now: .seconds(0))
        timeline.bytesReceived(now: .seconds(1))
        timeline.responseEndWritten(now: .seconds(2))
        #expect(timeline.phase == .reading)
        #expect(timeline.deadline?.at == .seconds(6))
        timeline.requestEndReceived(now: .seconds(3))
        #expect(timeline.phase == .idle)
        #expect(timeline.deadline?.at == .seconds(63))
    }
}
