import CutoverProjector
import Testing

@Suite("Wake-up signal")
struct WakeupTests {
    @Test("a signal before the wait is kept; several collapse into one; a wait without one times out")
    func pendingSignals() async {
        let wakeup = Wakeup()
        wakeup.signal()
        wakeup.signal()
        #expect(await wakeup.wait(timeout: .seconds(5)))
        let start = ContinuousClock.now
        #expect(await wakeup.wait(timeout: .milliseconds(50)) == false)
        #expect(ContinuousClock.now - start >= .milliseconds(45))
    }

    @Test("a signal during the wait wakes the waiter at once")
    func signalDuringWait() async {
        let wakeup = Wakeup()
        async let woken = wakeup.wait(timeout: .seconds(10))
        try? await Task.sleep(for: .milliseconds(50))
        let start = ContinuousClock.now
        wakeup.signal()
        #expect(await woken)
        #expect(ContinuousClock.now - start < .seconds(2))
        // Repeated waits keep working after timeouts (no one-shot stream underneath).
        for _ in 0..<3 { #expect(await wakeup.wait(timeout: .milliseconds(10)) == false) }
        wakeup.signal()
        #expect(await wakeup.wait(timeout: .seconds(1)))
    }
}
