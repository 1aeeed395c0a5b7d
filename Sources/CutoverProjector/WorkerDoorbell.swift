import Synchronization

/// How a projection worker learns that there may be new changes: the listener rings on every
/// NOTIFY, the capture relay after every batch it wrote, and a ticker bounds each wait.
///
/// Built on an `AsyncStream` that buffers only its newest element, so rings that arrive while the
/// worker is busy collapse into one, and every wait ends when the bell is closed (graceful
/// shutdown) or the waiting task is cancelled: no continuation is ever left waiting.
package final class WorkerDoorbell: Sendable {
    package let events: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation
    private let rung = Atomic<Bool>(false)

    package init() {
        (events, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// There may be new changes: the next wait returns `.rung` (several rings before it count once).
    package func ring() {
        rung.store(true, ordering: .releasing)
        continuation.yield()
    }

    /// Lets a waiter look at its deadline again (no new changes implied).
    package func tick() { continuation.yield() }

    /// Ends every present and future wait with `.closed`.
    package func close() { continuation.finish() }

    /// Whether the bell rang since the last call (and clears it).
    package func takeRing() -> Bool { rung.exchange(false, ordering: .acquiringAndReleasing) }

    /// The single consumer of a doorbell, owned by the worker's task.
    package struct Waiter {
        package enum Outcome: Equatable, Sendable {
            /// The bell rang: look for changes now.
            case rung
            /// The deadline passed without a ring.
            case timedOut
            /// The bell was closed or the task cancelled: stop.
            case closed
        }

        let bell: WorkerDoorbell
        var iterator: AsyncStream<Void>.Iterator

        package init(_ bell: WorkerDoorbell) {
            self.bell = bell
            self.iterator = bell.events.makeAsyncIterator()
        }

        /// Waits for a ring until `deadline` (with the ticker's resolution).
        package mutating func wait(until deadline: ContinuousClock.Instant) async -> Outcome {
            while true {
                if bell.takeRing() { return .rung }
                if Task.isCancelled { return .closed }
                if ContinuousClock.now >= deadline { return .timedOut }
                guard await iterator.next() != nil else { return .closed }
            }
        }

        package mutating func wait(for duration: Duration) async -> Outcome {
            await wait(until: ContinuousClock.now + duration)
        }
    }
}
