@testable import Aggregator
import Shared
import Testing

/// The live stream's fan-out: a subscriber that never reads holds at most the newest 256 messages.
@Suite struct LiveFeedTests {
    func message(_ i: Int) -> LiveFeed.Message {
        LiveFeed.Message(type: "activation", severity: .high, districts: ["north"], json: "{\"n\":\(i)}")
    }

    @Test func aSubscriberThatDoesNotRead_keepsOnlyTheNewest() async {
        let feed = LiveFeed()
        let (id, messages) = feed.subscribe()
        let (_, other) = feed.subscribe()
        for i in 0..<10_000 { feed.publish(message(i)) }
        feed.unsubscribe(id)  // ends the stream after what is buffered
        var received: [String] = []
        for await m in messages { received.append(m.json) }
        #expect(received.count == LiveFeed.bufferSize)
        #expect(received.first == "{\"n\":\(10_000 - LiveFeed.bufferSize)}")
        #expect(received.last == "{\"n\":9999}")
        #expect(feed.subscriberCount == 1)
        _ = other
    }
}
