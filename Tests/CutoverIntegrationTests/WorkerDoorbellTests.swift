import CutoverProjector
import Testing

/// The projection workers' wake-up: rings collapse, deadlines pass, and every wait ends when the
/// bell closes or its task is cancelled (the old hand-rolled wake-up could miss a cancellation
/// that came before its waiter registered, and then waited for a signal that never came).
@Suite("Worker doorbell", .timeLimit(.minutes(1)))
struct WorkerDoorbellTests {
    /// Ticks the bell every `interval` until cancelled (the worker's ticker).
    static func ticking<R: Sendable>(_ bell: WorkerDoorbell, every interval: Duration = .milliseconds(5),
                                     _ body: @Sendable () async -> R) async -> R {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    bell.tick()
                }
            }
            let result = await body()
            group.cancelAll()
            return result
        }
    }

    @Test("a ring before the wait is kept; several collapse into one; a wait without one times out")
    func pendingRings() async {
        let bell = WorkerDoorbell()
        bell.ring()
        bell.ring()
        await Self.ticking(bell) {
            var waiter = WorkerDoorbell.Waiter(bell)
            #expect(await waiter.wait(for: .seconds(5)) == .rung)
            let start = ContinuousClock.now
            #expect(await waiter.wait(for: .milliseconds(50)) == .timedOut)
            #expect(ContinuousClock.now - start >= .milliseconds(50))
            bell.ring()
            #expect(await waiter.wait(for: .seconds(5)) == .rung)
        }
    }

    @Test("a ring during the wait wakes the waiter at once")
    func ringDuringWait() async throws {
        let bell = WorkerDoorbell()
        async let outcome: WorkerDoorbell.Waiter.Outcome = {
            var waiter = WorkerDoorbell.Waiter(bell)
            return await waiter.wait(for: .seconds(30))
        }()
        try await Task.sleep(for: .milliseconds(50))
        let start = ContinuousClock.now
        bell.ring()
        #expect(await outcome == .rung)
        // Far below the 30 s wait (a loaded 2-core machine can delay any task by seconds).
        #expect(ContinuousClock.now - start < .seconds(20))
    }

    @Test("closing the bell ends a long wait, and every later one")
    func closeEndsWaits() async throws {
        let bell = WorkerDoorbell()
        async let outcome: WorkerDoorbell.Waiter.Outcome = {
            var waiter = WorkerDoorbell.Waiter(bell)
            let first = await waiter.wait(for: .seconds(60))
            let second = await waiter.wait(for: .seconds(60))
            return first == second ? first : .rung
        }()
        try await Task.sleep(for: .milliseconds(20))
        bell.close()
        #expect(await outcome == .closed)
    }

    @Test("cancelling the waiting task ends its wait, whenever the cancellation comes (500 races; a hang fails on the time limit)")
    func cancellationAlwaysEndsTheWait() async {
        for round in 0..<500 {
            let bell = WorkerDoorbell()
            let start = ContinuousClock.now
            let outcome = await withTaskGroup(of: WorkerDoorbell.Waiter.Outcome.self) { group in
                group.addTask {
                    var waiter = WorkerDoorbell.Waiter(bell)
                    return await waiter.wait(for: .seconds(60))
                }
                if round % 2 == 1 { await Task.yield() }
                group.cancelAll()
                return await group.next() ?? .rung
            }
            #expect(outcome == .closed)
            #expect(ContinuousClock.now - start < .seconds(30))  // the wait was 60 s
        }
    }
}
