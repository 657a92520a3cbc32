import Foundation
import Shared
import Testing
import TestSupport

/// `edge-agent detect` as a technician runs it: a real process on a synthetic scene and on a real
/// clip decoded by ffmpeg.
@Suite struct DetectCommandTests {
    @Test func syntheticScene_printsWireSchemaEvents_tracksAndSnapshots() throws {
        let dir = try TestPaths.temporaryDirectory("detect")
        defer { try? FileManager.default.removeItem(at: dir) }
        let tracks = dir.appendingPathComponent("tracks.csv").path
        let snapshots = dir.appendingPathComponent("snaps").path
        let result = try ProcessRunner.run(
            "edge-agent", ["detect", "--source", "synthetic:walkers", "--json", "--tracks", tracks, "--snapshot-dir", snapshots])
        #expect(result.status == 0, "\(result.stderr)")
        let events = try result.stdout.split(separator: "\n").map { try JSONDecoder().decode(Event.self, from: Data($0.utf8)) }
        #expect(events.contains { $0.kind == .lineCrossing })
        #expect(events.contains { $0.kind == .intrusion && $0.phase == .start })
        #expect(result.stderr.contains("100 frames"))
        #expect(result.stderr.contains("line_crossing=2"))

        let rows = try String(contentsOfFile: tracks, encoding: .utf8).split(separator: "\n")
        #expect(rows.count > 100)
        let fields = try #require(rows.first?.split(separator: ","))
        #expect(fields.count == 10)
        #expect(fields.suffix(3) == ["-1", "-1", "-1"])

        let pngs = try FileManager.default.contentsOfDirectory(atPath: snapshots).filter { $0.hasSuffix(".png") }
        #expect(!pngs.isEmpty)
        let png = try Data(contentsOf: URL(fileURLWithPath: "\(snapshots)/\(pngs[0])"))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
    }

    @Test func videoFile_isDecodedThroughFFmpeg() throws {
        let dir = try TestPaths.temporaryDirectory("detect-file")
        defer { try? FileManager.default.removeItem(at: dir) }
        let clip = dir.appendingPathComponent("clip.mp4").path
        let make = try ProcessRunner.runTool("/usr/bin/env", [
            "ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=10", "-t", "4",
            "-pix_fmt", "yuv420p", clip,
        ])
        try #require(make.status == 0, "\(make.stderr)")
        let result = try ProcessRunner.run("edge-agent", ["detect", "--source", clip, "--width", "320", "--height", "184", "--fps", "5"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("20 frames") || result.stderr.contains("21 frames"), "\(result.stderr)")
    }

    @Test func badInput_failsClearly() throws {
        let odd = try ProcessRunner.run("edge-agent", ["detect", "--source", "clip.mp4", "--width", "641"])
        #expect(odd.status != 0)
        #expect(odd.stderr.contains("--width"), "\(odd.stderr)")
        let unknown = try ProcessRunner.run("edge-agent", ["detect", "--source", "synthetic:nope"])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("unknown scene"))
        let dir = try TestPaths.temporaryDirectory("detect-config")
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("agent.yaml").path
        try "agent_id: a\ncameras:\n  - id: c\n    source: x\n    zones:\n      - name: z\n        polygon: [[0, 0], [2, 0], [1, 1]]\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        let bad = try ProcessRunner.run("edge-agent", ["detect", "--source", "synthetic:empty", "--config", config])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("agent.yaml:7:"), "\(bad.stderr)")
        #expect(bad.stderr.contains("cameras[0].zones[0].polygon[1]"))
    }

    /// `--detector neural` on a real clip decoded by ffmpeg: a person from a photograph walking over a
    /// plain background (ffmpeg overlay) is confirmed; a missing model is a clear error.
    @Test func neuralDetector_confirmsThePersonInAClip() throws {
        let dir = try TestPaths.temporaryDirectory("detect-neural")
        defer { try? FileManager.default.removeItem(at: dir) }
        let models = TestPaths.modelDirectory
        let clip = dir.appendingPathComponent("people.mp4").path
        let made = try ProcessRunner.runTool("/usr/bin/ffmpeg", [
            "-loglevel", "error", "-f", "lavfi", "-i", "color=c=0x6e6e6e:s=640x360:r=5:d=14", "-loop", "1", "-framerate", "5",
            "-i", models + "/testdata/person.ppm", "-filter_complex",
            "[1]crop=92:280:183:101,scale=-2:160[p];[0][p]overlay=x='if(lt(t,2),-1000,30+(t-2)*35)':y=15:shortest=1",
            "-t", "14", "-pix_fmt", "yuv420p", clip,
        ])
        #expect(made.status == 0, "\(made.stderr)")
        let result = try ProcessRunner.run("edge-agent", ["detect", "--source", clip, "--detector", "neural", "--model-dir", models, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let starts = try result.stdout.split(separator: "\n").map { try Event.fromJSONLine(String($0)) }.filter { $0.phase == .start }
        #expect(starts.contains { $0.kind == .intrusion && $0.attributes["object_class"] == .string("person") }, "\(starts)")

        let missing = try ProcessRunner.run("edge-agent", ["detect", "--source", clip, "--detector", "neural", "--model-dir", "/nonexistent"])
        #expect(missing.status != 0 && missing.stderr.contains("/nonexistent/person-ssdlite.onnx") && missing.stderr.contains("fetch-model.sh"), "\(missing.stderr)")
        let bogus = try ProcessRunner.run("edge-agent", ["detect", "--source", clip, "--detector", "magic"])
        #expect(bogus.status != 0 && bogus.stderr.contains("heuristic or neural"))
    }

    /// A people-free clip with heavy motion (ffmpeg): the lights switch every 3 s, the sensor is
    /// noisy, and a person-shaped shadow crosses the view. Size and shape alone raise person
    /// intrusions; with the detector there are none.
    @Test func heavyMotionWithoutPeople_raisesNoPersonAlarm_withTheDetector() throws {
        let dir = try TestPaths.temporaryDirectory("detect-heavy")
        defer { try? FileManager.default.removeItem(at: dir) }
        let models = TestPaths.modelDirectory
        let clip = dir.appendingPathComponent("heavy.mp4").path
        let made = try ProcessRunner.runTool("/usr/bin/ffmpeg", [
            "-loglevel", "error", "-f", "lavfi", "-i", "color=c=0x6e6e6e:s=640x360:r=5:d=14", "-f", "lavfi", "-i", "color=c=0x232323:s=52x160:r=5:d=14",
            "-filter_complex",
            "[0][1]overlay=x='if(lt(t,2),-1000,30+(t-2)*35)':y=15:shortest=1,eq=brightness='if(lt(mod(t\\,6)\\,3)\\,0\\,0.2)':eval=frame,noise=c0s=8:allf=t",
            "-t", "14", "-pix_fmt", "yuv420p", clip,
        ])
        #expect(made.status == 0, "\(made.stderr)")
        func personStarts(_ detector: String) throws -> Int {
            let result = try ProcessRunner.run("edge-agent", ["detect", "--source", clip, "--detector", detector, "--model-dir", models, "--json"])
            #expect(result.status == 0, "\(result.stderr)")
            return try result.stdout.split(separator: "\n").map { try Event.fromJSONLine(String($0)) }
                .filter { $0.phase == .start && $0.attributes["object_class"] == .string("person") }.count
        }
        #expect(try personStarts("heuristic") > 0, "size and shape alone take the shadow for a person")
        #expect(try personStarts("neural") == 0)
    }

    /// Person tracking quality measured the way an operator would: `edge-agent detect --tracks FILE
    /// --tracks-class person` on an ffmpeg-composed clip (the photographed person walking along the
    /// upper lane, a person-shaped shadow along the lower one, over a photograph), scored
    /// with scripts/mot_score.py (py-motmetrics) against the person's drawn box.
    @Test func trackingQuality_fromTheCLI_withAndWithoutTheDetector() throws {
        let dir = try TestPaths.temporaryDirectory("detect-mot")
        defer { try? FileManager.default.removeItem(at: dir) }
        let models = TestPaths.modelDirectory
        let clip = dir.appendingPathComponent("people.mp4").path
        // Person: 52x160 at x = 30 + (t-2)*35, y = 15 from t = 2 s; shadow: the same size, dark,
        // right to left in the lower lane. The backdrop: darknet's dog photograph (a porch, a
        // bicycle, a dog; nobody), still.
        let made = try ProcessRunner.runTool("/usr/bin/ffmpeg", [
            "-loglevel", "error", "-loop", "1", "-framerate", "5", "-i", models + "/testdata/dog.ppm",
            "-loop", "1", "-framerate", "5", "-i", models + "/testdata/person.ppm",
            "-f", "lavfi", "-i", "color=c=0x232323:s=52x160:r=5:d=14",
            "-filter_complex",
            "[0]scale=640:360,setsar=1[b];[1]crop=92:280:183:101,scale=52:160[p];[b][p]overlay=x='if(lt(t,2),-1000,30+(t-2)*35)':y=15[a];[a][2]overlay=x='if(lt(t,2),-1000,560-(t-2)*35)':y=190:shortest=1",
            "-t", "14", "-r", "5", "-pix_fmt", "yuv420p", clip,
        ])
        try #require(made.status == 0, "\(made.stderr)")
        // Ground truth: the person's box in every frame it is fully in view (MOT frames count from 1).
        var gt = ""
        for i in 10..<70 {
            let x = 30 + Double(i - 10) * 7
            guard x + 52 <= 640 else { break }
            gt += "\(i + 1),1,\(x),15,52,160,1,-1,-1,-1\n"
        }
        let gtPath = dir.appendingPathComponent("gt.csv").path
        try gt.write(toFile: gtPath, atomically: true, encoding: .utf8)
        func score(_ detector: String) throws -> (mota: Double, idf1: Double) {
            let tracks = dir.appendingPathComponent("\(detector).csv").path
            let run = try ProcessRunner.run("edge-agent", [
                "detect", "--source", clip, "--detector", detector, "--model-dir", models, "--tracks", tracks, "--tracks-class", "person",
            ])
            try #require(run.status == 0, "\(run.stderr)")
            let scored = try MOTScore.score(groundTruthFile: gtPath, hypothesesFile: tracks)
            return (scored.mota, scored.idf1)
        }
        let heuristic = try score("heuristic"), neural = try score("neural")
        print("MOT cli-people-and-shadow heuristic mota=\(heuristic.mota) idf1=\(heuristic.idf1) neural mota=\(neural.mota) idf1=\(neural.idf1)")
        #expect(neural.mota > heuristic.mota, "the shadow is a person track only without the detector")
        #expect(neural.idf1 > heuristic.idf1)
        #expect(neural.mota >= 0.5, "MOTA \(neural.mota)")
        let bad = try ProcessRunner.run("edge-agent", ["detect", "--source", clip, "--tracks-class", "ghost"])
        #expect(bad.status != 0 && bad.stderr.contains("--tracks-class"), "\(bad.stderr)")
    }
}
