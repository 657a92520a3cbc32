import AsyncAlgorithms
import Shared
import Synchronization

/// The running scenario set as the API sees and changes it: the list (for `GET /v1/scenarios`),
/// and a channel to the scenario service for reloads and enable/disable. A set reaches the
/// service only after it validated.
final class ScenarioControl: Sendable {
    let directory: String?
    let city: CityModel
    let webhookNames: Set<String>
    let replacements = AsyncChannel<[Scenario]>()
    private let current: Mutex<[Scenario]>

    init(directory: String?, city: CityModel, webhookNames: Set<String>, initial: [Scenario]) {
        self.directory = directory
        self.city = city
        self.webhookNames = webhookNames
        current = Mutex(initial)
    }

    var scenarios: [Scenario] { current.withLock { $0 } }

    func record(_ scenarios: [Scenario]) { current.withLock { $0 = scenarios } }

    /// Reads and validates the directory; the errors (file:line) when it does not validate.
    func load() -> Result<[Scenario], ScenarioLoader.Failure> {
        guard let directory else { return .failure(.init(errors: [])) }
        do {
            let loaded = try ScenarioLoader.load(directory: directory, city: city)
            if let problem = ScenarioService.unknownWebhooks(loaded, known: webhookNames) { return .failure(.init(errors: [problem])) }
            return .success(loaded.scenarios)
        } catch {
            return .failure(error)
        }
    }

    /// Hands a validated set to the service and makes it the listed one.
    func apply(_ scenarios: [Scenario]) async {
        record(scenarios)
        await replacements.send(scenarios)
    }
}
