import ArgumentParser
import Foundation

/// `edge-agent snapshot ID --out FILE`: the camera's next frame from the running agent, with its
/// zones, lines and confirmed tracks drawn on it (PNG).
struct SnapshotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot", abstract: "Save the camera's next frame, annotated with zones, lines and tracks, as PNG.")

    @Argument(help: "The camera's id.") var id: String
    @Option(help: "Where to write the PNG.") var out: String
    @OptionGroup var admin: AdminOptions

    func run() async throws {
        try await admin.run { client in
            guard let escaped = id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) else {
                throw CLIFailure(message: "unusable camera id '\(id)'", code: 64)
            }
            let png = try await client.request("/v1/cameras/\(escaped)/snapshot")
            do { try Data(png).write(to: URL(fileURLWithPath: out)) } catch {
                throw CLIFailure(message: "cannot write \(out): \(error.localizedDescription)", code: 73)
            }
            if admin.json {
                print(#"{"bytes":\#(png.count),"camera":"\#(id)","out":"\#(out)"}"#)
            } else {
                print("wrote \(out) (\(png.count) bytes)")
            }
        }
    }
}
