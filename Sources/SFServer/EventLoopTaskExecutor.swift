import NIOCore
import NIOPosix

/// Runs task jobs on the NIO event loops: on the loop that enqueues them when that is one of the
/// group's (a channel read resuming the request handler), else on the next loop.
///
/// Without it every request crosses threads twice (event loop → Swift's global pool for the handler,
/// and back for the response); on a two-core node that hand-off dominated the webhook's tail latency.
/// The admission handler is pure CPU work of well under a millisecond, so it may run on a loop.
final class EventLoopTaskExecutor: TaskExecutor {
    let group: MultiThreadedEventLoopGroup

    init(group: MultiThreadedEventLoopGroup) {
        self.group = group
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        group.any().execute {
            job.runSynchronously(on: executor)
        }
    }
}
