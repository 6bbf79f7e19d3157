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
        var widths = columns.map { $0.title.count }
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.text.count)
            }
        }
        func line(_ cells: [Cell], header: Bool) -> String {
            var parts: [String] = []
            for (index, column) in columns.enumerated() {
                let cell = index < cells.count ? cells[index] : Cell(text: "", style: nil)
                let padding = String(repeating: " ", count: widths[index] - cell.text.count)
                var text = cell.text
                if let style = cell.style { text = console.paint(text, style) }
                if header { text = console.paint(text, .bold) }
                let last = index == columns.count - 1
                switch column.alignment {
                case .left: parts.append(last ? text : text + padding)
                case .right: parts.append(padding + text)
                }
            }
            var joined = indent + parts.joined(separator: "  ")
            while joined.hasSuffix(" ") { joined.removeLast() }
            return joined
        }
        return [line(columns.map { Cell(text: $0.title, style: nil) }, header: true)] + rows.map { line($0, header: false) }
    }
}
