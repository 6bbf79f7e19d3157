import CMTuneTestSupport
import Foundation

/// A PNG as chromium writes a screenshot (8-bit RGB or RGBA, not interlaced), decoded far
/// enough to count the colours the browser actually drew. The chunk structure, IHDR and the
/// scanline filters are read here; only the deflate stream is handed to python3's zlib, the
/// one piece Swift has no library for without a new dependency.
struct PNGScreenshot {
    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    let width: Int
    let height: Int
    /// 2 = RGB, 6 = RGBA.
    let colourType: UInt8
    let bitDepth: UInt8
    /// Each pixel as 0xRRGGBB (alpha ignored: a screenshot is opaque).
    let pixels: [UInt32]

    /// Parses the file at `path`; `scratch` is a directory for the inflate round trip.
    init(path: String, scratch: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw Malformed(description: "no file at \(path)") }
        let bytes = [UInt8](data)
        guard bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) else {
            throw Malformed(description: "not a PNG signature")
        }
        var header: ArraySlice<UInt8>?
        var compressed: [UInt8] = []
        var position = 8
        while position + 8 <= bytes.count {
            let length = Int(Self.bigEndian(bytes[position..<(position + 4)]))
            let kind = String(decoding: bytes[(position + 4)..<(position + 8)], as: UTF8.self)
            let body = position + 8
            guard body + length + 4 <= bytes.count else { throw Malformed(description: "chunk \(kind) runs past the end") }
            switch kind {
            case "IHDR": header = bytes[body..<(body + length)]
            case "IDAT": compressed += bytes[body..<(body + length)]
            default: break
            }
            position = body + length + 4  // skip the CRC
            if kind == "IEND" { break }
        }
        guard let header, header.count == 13 else { throw Malformed(description: "no IHDR") }
        let start = header.startIndex
        width = Int(Self.bigEndian(header[start..<(start + 4)]))
        height = Int(Self.bigEndian(header[(start + 4)..<(start + 8)]))
        bitDepth = header[start + 8]
        colourType = header[start + 9]
        let interlace = header[start + 12]
        guard bitDepth == 8, colourType == 2 || colourType == 6, interlace == 0 else {
            throw Malformed(description: "unsupported PNG: depth \(bitDepth), colour type \(colourType), interlace \(interlace)")
        }
        let raw = try Self.inflate(compressed, scratch: scratch)
        pixels = try Self.unfilter(raw, width: width, height: height, channels: colourType == 6 ? 4 : 3)
    }

    /// How many pixels have exactly `colour` ("#rrggbb").
    func count(of colour: String) -> Int {
        guard let value = UInt32(colour.dropFirst(), radix: 16) else { return 0 }
        return pixels.reduce(0) { $0 + ($1 == value ? 1 : 0) }
    }

    var distinctColours: Int { Set(pixels).count }

    private static func bigEndian(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.reduce(0) { $0 << 8 | UInt32($1) }
    }

    private static func inflate(_ compressed: [UInt8], scratch: String) throws -> [UInt8] {
        let input = scratch + "/idat.zlib"
        let output = scratch + "/idat.raw"
        try Data(compressed).write(to: URL(fileURLWithPath: input))
        defer {
            try? FileManager.default.removeItem(atPath: input)
            try? FileManager.default.removeItem(atPath: output)
        }
        try runChecked([
            "python3", "-c",
            "import sys, zlib; open(sys.argv[2], 'wb').write(zlib.decompress(open(sys.argv[1], 'rb').read()))",
            input, output,
        ])
        guard let data = FileManager.default.contents(atPath: output) else { throw Malformed(description: "inflate wrote nothing") }
        return [UInt8](data)
    }

    /// Undoes the per-scanline filters (None, Sub, Up, Average, Paeth) of PNG section 9.
    private static func unfilter(_ raw: [UInt8], width: Int, height: Int, channels: Int) throws -> [UInt32] {
        let stride = width * channels
        guard raw.count == height * (stride + 1) else {
            throw Malformed(description: "inflated \(raw.count) bytes, expected \(height * (stride + 1))")
        }
        var image = [UInt8](repeating: 0, count: height * stride)
        try raw.withUnsafeBufferPointer { raw in
            try image.withUnsafeMutableBufferPointer { image in
                for row in 0..<height {
                    let filter = raw[row * (stride + 1)]
                    let source = row * (stride + 1) + 1
                    let line = row * stride
                    let previous = line - stride
                    for index in 0..<stride {
                        let left = index >= channels ? Int(image[line + index - channels]) : 0
                        let up = row > 0 ? Int(image[previous + index]) : 0
                        let upLeft = index >= channels && row > 0 ? Int(image[previous + index - channels]) : 0
                        let predictor: Int
                        switch filter {
                        case 0: predictor = 0
                        case 1: predictor = left
                        case 2: predictor = up
                        case 3: predictor = (left + up) / 2
                        case 4:
                            let estimate = left + up - upLeft
                            let (toLeft, toUp, toUpLeft) = (abs(estimate - left), abs(estimate - up), abs(estimate - upLeft))
                            predictor = toLeft <= toUp && toLeft <= toUpLeft ? left : toUp <= toUpLeft ? up : upLeft
                        default: throw Malformed(description: "filter \(filter) on row \(row)")
                        }
                        image[line + index] = UInt8(truncatingIfNeeded: Int(raw[source + index]) + predictor)
                    }
                }
            }
        }
        return (0..<(width * height)).map { pixel in
            let offset = pixel * channels
            return UInt32(image[offset]) << 16 | UInt32(image[offset + 1]) << 8 | UInt32(image[offset + 2])
        }
    }
}
