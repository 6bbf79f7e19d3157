import CMTuneTestSupport
import Foundation

/// Chromium in headless mode, to prove the report renders in a real browser and not only
/// that its text looks right. Runs as root with `--no-sandbox` (chromium refuses otherwise),
/// under `timeout` so a hung browser fails the test instead of hanging it, with a throwaway
/// profile inside the test's own directory.
enum HeadlessChromium {
    static let executable: String? = ["chromium", "chromium-browser", "google-chrome"].lazy.compactMap { name in
        guard let result = try? runCommand(["sh", "-c", "command -v \(name)"]), result.status == 0 else { return nil }
        let path = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
        return path.isEmpty ? nil : path
    }.first

    /// python3 with zlib, which `PNGScreenshot` uses to inflate the image.
    static let canInflate: Bool = (try? runCommand(["python3", "-c", "import zlib"]))?.status == 0

    static var available: Bool { executable != nil && canInflate }

    /// Renders `html` at `width`×`height` CSS pixels (device scale 1) and returns the PNG's path.
    static func screenshot(of html: String, width: Int, height: Int, in directory: String) throws -> String {
        guard let executable else { throw CommandFailure(arguments: ["chromium"], result: .init(status: 127, output: "", error: "not installed")) }
        let page = directory + "/report.html"
        let image = directory + "/report.png"
        try html.write(toFile: page, atomically: true, encoding: .utf8)
        // Plain --headless is the new headless mode on current chromium; older builds need it
        // spelled out, so try both.
        var lastResult = CommandResult(status: -1, output: "", error: "")
        for mode in ["--headless", "--headless=new"] {
            lastResult = try runCommand([
                "timeout", "60", executable, mode, "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                "--no-first-run", "--force-device-scale-factor=1", "--user-data-dir=\(directory)/profile",
                "--window-size=\(width),\(height)", "--screenshot=\(image)", "file://\(page)",
            ])
            if FileManager.default.fileExists(atPath: image) { return image }
        }
        throw CommandFailure(arguments: [executable, "--screenshot"], result: lastResult)
    }
}
