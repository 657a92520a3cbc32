@testable import EdgeAgent
import Testing

@Suite struct RenewalPolicyTests {
    let ninetyDays = RenewalPolicy(notBeforeMs: 0, notAfterMs: 90 * 86_400_000)

    @Test func renewsTwoThirdsIntoTheLifetime() {
        #expect(ninetyDays.renewAtMs == 60 * 86_400_000)
        #expect(!ninetyDays.isDue(nowMs: 60 * 86_400_000 - 1))
        #expect(ninetyDays.isDue(nowMs: 60 * 86_400_000))
        #expect(ninetyDays.isDue(nowMs: 100 * 86_400_000), "an expired certificate is due too")
    }

    @Test func checksEveryTwentiethOfTheLifetime_boundedToOneSecondAndOneHour() {
        #expect(ninetyDays.checkIntervalMs == 3_600_000)
        #expect(RenewalPolicy(notBeforeMs: 0, notAfterMs: 30_000).checkIntervalMs == 1_500)
        #expect(RenewalPolicy(notBeforeMs: 0, notAfterMs: 5_000).checkIntervalMs == 1_000)
        #expect(RenewalPolicy(notBeforeMs: 10, notAfterMs: 10).checkIntervalMs == 1_000, "a degenerate certificate does not spin")
    }

    @Test func waitsUntilTheRenewalPoint_butNeverLongerThanACheckInterval() {
        let short = RenewalPolicy(notBeforeMs: 0, notAfterMs: 30_000)
        #expect(short.nextCheckDelayMs(nowMs: 19_500, failures: 0) == 1_000)
        #expect(short.nextCheckDelayMs(nowMs: 0, failures: 0) == 1_500)
        #expect(ninetyDays.nextCheckDelayMs(nowMs: 60 * 86_400_000 - 120_000, failures: 0) == 120_000)
    }

    @Test func failuresBackOffExponentially_cappedAtTheCheckInterval() {
        #expect(ninetyDays.nextCheckDelayMs(nowMs: 0, failures: 1) == 1_000)
        #expect(ninetyDays.nextCheckDelayMs(nowMs: 0, failures: 2) == 2_000)
        #expect(ninetyDays.nextCheckDelayMs(nowMs: 0, failures: 5) == 16_000)
        #expect(ninetyDays.nextCheckDelayMs(nowMs: 0, failures: 40) == 3_600_000)
    }
}
