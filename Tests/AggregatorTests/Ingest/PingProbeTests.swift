@testable import Aggregator
import Synchronization
import Testing

/// The watchdog's store check: a ping that hangs (ignoring cancellation, as a stuck disk does) gets a
/// "no" at the deadline instead of blocking the watchdog, and no second ping piles up behind it.
@Suite struct PingProbeTests {
    final class Gate: Sendable {
        let open = Atomic(false)
        let pings = Atomic(0)
        /// A ping that answers only once the gate opens, whatever cancellation says.
        func ping() async -> Bool {
            pings.add(1, ordering: .sequentiallyConsistent)
            while !open.load(ordering: .sequentiallyConsistent) { try? await Task.sleep(for: .milliseconds(5)) }
            return true
        }
    }

    @Test func aHungPing_isANoAtTheDeadline_andIsNotRepeated_andAnAnswerIsAYes() async {
        let probe = PingProbe(), gate = Gate()
        #expect(await probe.answers(within: .milliseconds(50)) { await gate.ping() } == false)
        #expect(await probe.answers(within: .milliseconds(50)) { await gate.ping() } == false, "still hung")
        #expect(gate.pings.load(ordering: .sequentiallyConsistent) == 1, "one ping outstanding at most")
        gate.open.store(true, ordering: .sequentiallyConsistent)
        // Once the hung ping has come back, the next check pings again and gets its answer.
        var answered = false
        for _ in 0..<500 where !answered {
            answered = await probe.answers(within: .seconds(5)) { await gate.ping() }
            if !answered { try? await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(answered)
        #expect(gate.pings.load(ordering: .sequentiallyConsistent) >= 2)
    }
}
