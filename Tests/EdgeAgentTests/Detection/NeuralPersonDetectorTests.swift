@testable import EdgeAgent
import Foundation
import Testing
import TestSupport

/// The pretrained person detector, run for real through ONNX Runtime on photographs (Debian's
/// darknet package's pictures, fetched with the model by scripts/fetch-model.sh, which the test
/// command runs first): people found where they are, none in people-free pictures, and clear
/// errors for a missing library or model.
@Suite struct NeuralPersonDetectorTests {
    static var directory: String {
        TestPaths.modelDirectory
    }

    /// A binary PPM (P6, 8-bit): width, height and RGB bytes.
    static func picture(_ name: String) throws -> (rgb: [UInt8], width: Int, height: Int) {
        let path = directory + "/testdata/\(name).ppm"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw NeuralDetectorError("no \(path): run scripts/fetch-model.sh (scripts/test.sh does)")
        }
        let bytes = [UInt8](data)
        var fields: [Int] = []
        var i = 2  // after "P6"
        while fields.count < 3 {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
            if bytes[i] == UInt8(ascii: "#") { while bytes[i] != 0x0A { i += 1 }; continue }
            var value = 0
            while i < bytes.count, (0x30...0x39).contains(bytes[i]) { value = value * 10 + Int(bytes[i] - 0x30); i += 1 }
            fields.append(value)
        }
        i += 1  // the single whitespace before the pixels
        #expect(bytes.starts(with: [0x50, 0x36]) && fields[2] == 255)
        return (Array(bytes[i..<(i + fields[0] * fields[1] * 3)]), fields[0], fields[1])
    }

    static func detector() throws -> NeuralPersonDetector {
        try NeuralPersonDetector(files: .init(directory: directory))
    }

    @Test func findsThePersonInAPhotograph_whereTheyStand() throws {
        let detector = try Self.detector()
        #expect(detector.runtimeVersion.hasPrefix("1."))
        let photo = try Self.picture("person")
        let people = try detector.detect(rgb: photo.rgb, width: photo.width, height: photo.height)
        let best = try #require(people.first, "the photograph shows a person")
        #expect(best.score > 0.9, "\(best)")
        // The person stands left of centre (the horse is on the right), upright.
        let centreX = best.x + best.width / 2
        #expect(centreX > 0.25 && centreX < 0.55, "\(best)")
        #expect(best.height > best.width * 1.5, "\(best)")
        #expect(people.allSatisfy { $0.score >= 0.5 } && people == people.sorted { $0.score > $1.score })
    }

    @Test(arguments: ["dog", "horses", "giraffe", "eagle"])
    func findsNoOne_inPicturesWithoutPeople(picture: String) throws {
        let photo = try Self.picture(picture)
        let people = try Self.detector().detect(rgb: photo.rgb, width: photo.width, height: photo.height)
        #expect(people.isEmpty, "\(picture): \(people)")
    }

    @Test func aMissingLibraryOrModel_orAWrongImage_isAClearError() throws {
        let directory = Self.directory
        #expect(throws: NeuralDetectorError.self) {
            try NeuralPersonDetector(files: .init(model: directory + "/person-ssdlite.onnx", runtime: "/nonexistent/libonnxruntime.so"))
        }
        do {
            _ = try NeuralPersonDetector(files: .init(model: "/nonexistent/model.onnx", runtime: directory + "/onnxruntime/lib/libonnxruntime.so"))
            Issue.record("a missing model must be refused")
        } catch {
            #expect(error.description.contains("/nonexistent/model.onnx") && error.description.contains("fetch-model.sh"))
        }
        // Not a model: the runtime's own message comes back, nothing crashes.
        let junk = FileManager.default.temporaryDirectory.appendingPathComponent("junk-\(UUID()).onnx").path
        try Data("not a model".utf8).write(to: URL(fileURLWithPath: junk))
        defer { try? FileManager.default.removeItem(atPath: junk) }
        do {
            _ = try NeuralPersonDetector(files: .init(model: junk, runtime: directory + "/onnxruntime/lib/libonnxruntime.so"))
            Issue.record("junk must be refused")
        } catch {
            #expect(error.description.contains("loading the model"), "\(error)")
        }
        #expect(throws: NeuralDetectorError.self) { try Self.detector().detect(rgb: [1, 2, 3], width: 2, height: 2) }
    }
}
