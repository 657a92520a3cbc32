import ArgumentParser
import Foundation
import Shared

/// `edge-agent cameras`: the running agent's cameras; `cameras test ID` probes one from the
/// configuration without the daemon.
struct CamerasCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cameras", abstract: "List the running agent's cameras, or test one.",
        subcommands: [List.self, CameraTestCommand.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the running agent's cameras (the default).")

        @OptionGroup var admin: AdminOptions

        func run() async throws {
            try await admin.run { client in
                let bytes = try await client.request("/v1/cameras")
                if admin.json { return AdminOptions.printJSON(bytes) }
                print(CamerasCommand.table(try JSONDecoder().decode([CameraStatus].self, from: Data(bytes))))
            }
        }
    }

    static func table(_ cameras: [CameraStatus]) -> String {
        TextTable.render(
            ["CAMERA", "SIZE", "FPS", "LAST FRAME", "DETECT", "DECODE", "EVENTS", "TAMPER", "PROFILE", "DETECTOR", "SOURCE"],
            cameras.map { c in
                [
                    c.id, c.width.map { "\($0)x\(c.height ?? 0)" } ?? "-", String(format: "%.1f", c.fps) + (c.fpsCap.map { " (cap \($0))" } ?? ""),
                    HumanFormat.age(ms: c.lastFrameAgeMs), HumanFormat.percent(c.detectionLoad), HumanFormat.percent(c.decodeLoad),
                    "\(c.events)", c.tamper.isEmpty ? "ok" : c.tamper.joined(separator: ","), c.profile, c.detector, c.source,
                ]
            })
    }
}
