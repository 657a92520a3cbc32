import Foundation
import Testing
@testable import Shared

/// The hand-written attribute JSON says what Foundation's encoder says, for any keys and values.
@Suite struct AttributesJSONTests {
    static let awkward = ["", "plain", "quote\"d", "back\\slash", "line\nbreak\ttab\rret", "\u{01}\u{1F}ctl", "slash/ok", "ünïcødé 雨", "emoji 🌊", "\u{7F}del"]

    @Test func handWrittenJSON_parsesToWhatTheEncoderWrites() throws {
        var random = SplitMix64(seed: 5)
        for round in 0..<500 {
            var attributes = Attributes()
            for i in 0..<Int.random(in: 0...6, using: &random) {
                let key = Self.awkward[Int.random(in: 0..<Self.awkward.count, using: &random)] + "\(i)"
                switch Int.random(in: 0..<4, using: &random) {
                case 0: attributes[key] = .int(Int64.random(in: Int64.min...Int64.max, using: &random))
                case 1: attributes[key] = .double([0.1, -2.5e-300, 1e300, 100.0, -0.0, Double.random(in: -1e6...1e6, using: &random)][round % 6])
                case 2: attributes[key] = .bool(round % 2 == 0)
                default: attributes[key] = .string(Self.awkward[Int.random(in: 0..<Self.awkward.count, using: &random)])
                }
            }
            let mine = attributes.jsonObject()
            let theirs = attributes.isEmpty ? "{}" : String(decoding: try WireJSON.encoder.encode(attributes), as: UTF8.self)
            let parsedMine = try JSONSerialization.jsonObject(with: Data(mine.utf8)) as? NSDictionary
            let parsedTheirs = try JSONSerialization.jsonObject(with: Data(theirs.utf8)) as? NSDictionary
            #expect(parsedMine != nil && parsedMine == parsedTheirs, "\(mine) vs \(theirs)")
            // Keys in sorted order, as the encoder writes them.
            #expect(mine.hasPrefix("{") && mine.hasSuffix("}"))
        }
    }

    @Test func escapesExactly() {
        let attributes: Attributes = ["k": .string("a\"b\\c\n\u{01}/é")]
        #expect(attributes.jsonObject() == #"{"k":"a\"b\\c\n\u0001/é"}"#)
        #expect(Attributes().jsonObject() == "{}")
        #expect((["b": .int(-3), "a": .bool(true)] as Attributes).jsonObject() == #"{"a":true,"b":-3}"#)
    }
}
