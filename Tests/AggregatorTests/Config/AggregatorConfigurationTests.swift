@testable import Aggregator
import Foundation
import Shared
import Testing
import TestSupport

/// The aggregator's YAML: the store choices, relative paths, and errors that name file, line and key.
@Suite struct AggregatorConfigurationTests {
    static let ingest = """
        city: city.yaml
        ingest:
          tls: {certificate: s.pem, key: s-key.pem, client_ca: ca.pem}

        """

    func load(_ yaml: String) throws -> (AggregatorConfiguration, URL) {
        let dir = try TestPaths.temporaryDirectory("aggregator-config")
        let path = dir.appendingPathComponent("aggregator.yaml")
        try yaml.write(to: path, atomically: true, encoding: .utf8)
        return (try AggregatorConfiguration.load(path: path.path), dir)
    }

    func error(_ yaml: String) throws -> ConfigError {
        do {
            let (_, dir) = try load(yaml)
            try? FileManager.default.removeItem(at: dir)
        } catch let error as ConfigError {
            return error
        }
        Issue.record("accepted: \(yaml)")
        return ConfigError(file: "", line: nil, column: nil, keyPath: "", message: "")
    }

    @Test func postgresStore_resolvesItsFiles_andReadsThePasswordFile() throws {
        let (configuration, dir) = try load(Self.ingest + """
            store:
              postgres: {user: cw, database: city, password_file: pg.secret, tls: require, ca_file: pg-ca.pem, connections: 4}
            retention: {max_age_days: 7}
            """)
        defer { try? FileManager.default.removeItem(at: dir) }
        guard case .postgres(let settings) = configuration.store else { Issue.record("not postgres"); return }
        #expect(settings.passwordFile == dir.appendingPathComponent("pg.secret").path)
        #expect(settings.caFile == dir.appendingPathComponent("pg-ca.pem").path)
        #expect(settings.host == "127.0.0.1" && settings.port == 5432 && settings.connections == 4 && settings.tls == .require)
        try "s3cret\n".write(toFile: settings.passwordFile!, atomically: true, encoding: .utf8)
        #expect(try settings.withPasswordFromFile().password == "s3cret")
        try FileManager.default.removeItem(atPath: settings.passwordFile!)
        #expect(throws: StoreError.self) { try settings.withPasswordFromFile() }
    }

    @Test func mistakes_nameFileLineAndKey() throws {
        let maxBytes = try error(Self.ingest + """
            store:
              postgres: {user: cw, database: city}
            retention:
              max_bytes: 10000000
            """)
        #expect(maxBytes.line == 7 && maxBytes.message.contains("max_bytes is not supported with store.postgres"), "\(maxBytes)")
        let both = try error(Self.ingest + "store:\n  postgres: {user: cw, database: c, password: x, password_file: f}\n")
        #expect(both.line == 5 && both.keyPath.hasSuffix("password_file"), "\(both)")
        let caWithoutRequire = try error(Self.ingest + "store:\n  postgres: {user: cw, database: c, ca_file: ca.pem}\n")
        #expect(caWithoutRequire.message.contains("tls: require"), "\(caWithoutRequire)")
        let twoStores = try error(Self.ingest + "store:\n  sqlite: {path: e.sqlite}\n  postgres: {user: cw, database: c}\n")
        #expect(twoStores.message.contains("exactly one"), "\(twoStores)")
        let badTLS = try error(Self.ingest + "store:\n  postgres: {user: cw, database: c, tls: maybe}\n")
        #expect(badTLS.line == 5, "\(badTLS)")
    }
}
