@testable import Aggregator
import Testing

@Suite struct TokenRateLimiterTests {
    @Test func aBurst_thenTheRate_perToken() {
        let limiter = TokenRateLimiter(perSecond: 10, burst: 5)
        for _ in 0..<5 { #expect(limiter.admit("a", nowMs: 0) == nil) }
        #expect(limiter.admit("a", nowMs: 0) == 1, "the bucket is empty: come back in a second")
        #expect(limiter.admit("b", nowMs: 0) == nil, "another token has its own bucket")
        #expect(limiter.admit("a", nowMs: 100) == nil, "100 ms refill one request at 10/s")
        #expect(limiter.admit("a", nowMs: 100) != nil)
        for _ in 0..<5 { #expect(limiter.admit("a", nowMs: 10_000) == nil) }
        #expect(limiter.admit("a", nowMs: 10_000) != nil, "refill is capped at the burst")
    }
}
