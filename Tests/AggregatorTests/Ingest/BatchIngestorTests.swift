@testable import Aggregator
import Logging
import Shared
import Testing

/// The ingest path without HTTP, for the outcomes a real store is hard to drive into.
@Suite struct BatchIngestorTests {
    /// A store whose commits fail with a given error (everything else is unused here).
    struct FailingStore: EventStore {
        let error: StoreError
        func commit(_ batch: IngestedBatch) async throws(StoreError) -> CommitOutcome { throw error }
        func committedSequence(agent: String) async throws(StoreError) -> UInt64? { throw error }
        func events(_ query: EventQuery) async throws(StoreError) -> [StoredEvent] { throw error }
        func eventCount() async throws(StoreError) -> Int { throw error }
        func deleteBatchRecords(receivedBefore cutoffMs: Int64, limit: Int) async throws(StoreError) -> Int { throw error }
        func deleteEvents(capturedBefore cutoffMs: Int64, limit: Int) async throws(StoreError) -> Int { throw error }
        func shrink(toBytes maxBytes: Int64, limit: Int) async throws(StoreError) -> Int { throw error }
        func sizeBytes() async throws(StoreError) -> Int64 { throw error }
        func agents() async throws(StoreError) -> [AgentRecord] { throw error }
        func lastEventTimes() async throws(StoreError) -> [String: Int64] { throw error }
        func hourlyCounts(fromMs: Int64, toMs: Int64) async throws(StoreError) -> [HourlyCount] { throw error }
        func close() async {}
    }

    func ingest(storeError: StoreError) async throws -> IngestFailure? {
        let city = try CityModel(
            id: "c", districts: [try ConfigLoader.decode(CityModel.District.self, yaml: "{id: d}", file: "t")],
            cameras: [CityModel.Camera(id: "cam-1-01", agent: "agent-1", district: "d")])
        let ingestor = BatchIngestor(
            city: city, store: FailingStore(error: storeError), limits: BatchLimits(), dictionaries: [], now: { 1 },
            logger: Logger(label: "test"))
        var configuration = SyntheticEventGenerator.Configuration()
        configuration.agentID = "agent-1"
        configuration.cameras = 1
        var generator = SyntheticEventGenerator(configuration: configuration)
        let body = try BatchEncoder().encode(EventBatch(agentID: "agent-1", batchSeq: 1, events: generator.next(count: 3)))
        if case .failure(let failure) = await ingestor.ingest(body: body, agent: "agent-1") { return failure }
        return nil
    }

    @Test func storeUnavailable_is503WithRetryAfter_storeFailure_is500() async throws {
        let unavailable = try await ingest(storeError: .unavailable("disk full"))
        #expect(unavailable?.status == 503 && unavailable?.code == "store_unavailable" && unavailable?.isRetryable == true)
        #expect(unavailable?.retryAfter(seconds: 7) == "7")

        let failed = try await ingest(storeError: .failed("corrupt"))
        #expect(failed?.status == 500 && failed?.code == "store_failed" && failed?.isRetryable == false)
        #expect(failed?.retryAfter(seconds: 7) == nil)
    }

    @Test func admissionGate_turnsAwayBeyondItsCapacity_andReopens() {
        let gate = AdmissionGate(capacity: 2)
        #expect(gate.tryEnter() && gate.tryEnter())
        #expect(!gate.tryEnter())
        gate.leave()
        #expect(gate.tryEnter())
        #expect(!gate.tryEnter())
    }
}
