import Crypto
import Foundation
import Shared

/// An activation as a CloudEvents 1.0 event in structured JSON mode
/// (`Content-Type: application/cloudevents+json`), and the signature webhook receivers check.
///
/// Signature header: `X-Citywatch-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(key, "<t>.<body>")>`.
/// The timestamp inside the signed text lets a receiver refuse replays of old deliveries.
enum CloudEvent {
    static let contentType = "application/cloudevents+json"
    static let eventType = "city.citywatch.scenario.activation"

    static func body(_ a: Activation, city: String) -> [UInt8] {
        struct Envelope: Encodable {
            let specversion = "1.0"
            let type = CloudEvent.eventType
            let source: String
            let id: String
            let time: String
            let subject: String
            let datacontenttype = "application/json"
            let data: Activation
        }
        let time = Date(timeIntervalSince1970: Double(a.timeMs) / 1000)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let envelope = Envelope(
            source: "/citywatch/\(city)/scenarios/\(a.scenarioID)", id: a.id, time: formatter.string(from: time),
            subject: a.key.isEmpty ? city : a.key, data: a)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(envelope)) ?? Data())
    }

    static func signature(body: [UInt8], key: [UInt8], unixSeconds: Int64) -> String {
        var signed = Array("\(unixSeconds).".utf8)
        signed += body
        let mac = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: key))
        return "t=\(unixSeconds),v1=" + Array(mac).hexString
    }
}
