import Shared
import Foundation

/// One measured figure, printed as a table row or as a JSON line
/// `{"suite","name","value","unit","baseline","baseline_value","ratio"}`.
struct BenchResult {
    let suite: String
    let name: String
    let value: Double
    let unit: String
    var baseline: String?
    var baselineValue: Double?

    /// value ÷ baseline value (so for sizes lower is better, for rates higher is better).
    var ratio: Double? {
        guard let baselineValue, baselineValue != 0 else { return nil }
        return value / baselineValue
    }

    func jsonLine() -> String {
        func number(_ v: Double?) -> String {
            guard let v, v.isFinite else { return "null" }
            return String(format: "%.6g", v)
        }
        func string(_ s: String?) -> String {
            guard let s else { return "null" }
            return "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        return "{\"suite\":\(string(suite)),\"name\":\(string(name)),\"value\":\(number(value)),"
            + "\"unit\":\(string(unit)),\"baseline\":\(string(baseline)),"
            + "\"baseline_value\":\(number(baselineValue)),\"ratio\":\(number(ratio))}"
    }
}

enum BenchReport {
    static func print(_ results: [BenchResult], json: Bool) {
        if json {
            for r in results { Swift.print(r.jsonLine()) }
            return
        }
        let nameWidth = max(40, results.map(\.name.count).max() ?? 0)
        Swift.print(pad("name", nameWidth) + "  " + lpad("value", 14) + "  " + pad("unit", 9) + "  " + lpad("× baseline", 10))
        for r in results {
            let ratio = r.ratio.map { String(format: "%.2f", $0) } ?? "—"
            Swift.print(pad(r.name, nameWidth) + "  " + lpad(format(r.value), 14) + "  " + pad(r.unit, 9) + "  " + lpad(ratio, 10))
        }
    }

    static func format(_ v: Double) -> String {
        if v >= 1000 { return String(format: "%.0f", v) }
        if v >= 10 { return String(format: "%.1f", v) }
        return String(format: "%.2f", v)
    }

    private static func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
    private static func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
}

/// Runs `body` repeatedly for at least `minimum` and `rounds` times, returning the best rate.
enum Stopwatch {
    /// Best seconds per call of `body` over `rounds` rounds.
    static func best(rounds: Int, _ body: () throws -> Void) rethrows -> Double {
        let clock = ContinuousClock()
        var best = Double.infinity
        for _ in 0..<rounds {
            let start = clock.now
            try body()
            let elapsed = clock.now - start
            let seconds = elapsed.seconds
            best = min(best, seconds)
        }
        return best
    }
}
