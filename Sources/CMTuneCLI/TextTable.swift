/// Aligned columns for terminal output. Widths are measured before colour is applied, so
/// escape codes never push a column out of line.
struct TextTable {
    enum Alignment { case left, right }

    struct Column {
        var title: String
        var alignment: Alignment
    }

    var columns: [Column]
    private var rows: [[Cell]] = []

    struct Cell {
        var text: String
        var style: Console.Style?
    }

    init(_ columns: [(String, Alignment)]) {
        self.columns = columns.map { Column(title: $0.0, alignment: $0.1) }
    }

    mutating func add(_ cells: [String]) {
        rows.append(cells.map { Cell(text: $0, style: nil) })
    }

    mutating func add(styled cells: [Cell]) {
        rows.append(cells)
    }

    func render(console: Console, indent: String = "") -> [String] {
        var widths = columns.map { Self.width($0.title) }
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], Self.width(cell.text))
            }
        }
        let lineCapacity = indent.utf8.count + widths.reduce(0, +) + 2 * widths.count + 16
        func line(_ cells: [Cell], header: Bool) -> String {
            var joined = indent
            joined.reserveCapacity(lineCapacity)
            for (index, column) in columns.enumerated() {
                let cell = index < cells.count ? cells[index] : Cell(text: "", style: nil)
                let padding = widths[index] - Self.width(cell.text)
                var text = cell.text
                if let style = cell.style { text = console.paint(text, style) }
                if header { text = console.paint(text, .bold) }
                if index > 0 { joined += "  " }
                let last = index == columns.count - 1
                switch column.alignment {
                case .left:
                    joined += text
                    if !last { Self.appendSpaces(padding, to: &joined) }
                case .right:
                    Self.appendSpaces(padding, to: &joined)
                    joined += text
                }
            }
            while joined.utf8.last == UInt8(ascii: " ") { joined.removeLast() }
            return joined
        }
        return [line(columns.map { Cell(text: $0.title, style: nil) }, header: true)] + rows.map { line($0, header: false) }
    }

    /// Columns a text takes: its bytes when it is ASCII (every count, list and name cmtune prints,
    /// measured without walking grapheme clusters: an `irq` table of 32k rows has 300k cells),
    /// its characters otherwise.
    private static func width(_ text: String) -> Int {
        let bytes = text.utf8
        return bytes.allSatisfy { $0 < 0x80 } ? bytes.count : text.count
    }

    private static func appendSpaces(_ count: Int, to text: inout String) {
        guard count > 0 else { return }
        text += String(repeating: " ", count: count)
    }
}
