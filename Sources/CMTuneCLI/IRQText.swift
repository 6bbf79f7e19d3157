import HostKit

/// The human view of `cmtune irq`: one row per IRQ, one count column per online CPU.
struct IRQText {
    let console: Console

    /// More CPU columns than this and the counts are summarised instead of listed one by one:
    /// nobody reads 256 columns, and the owner and affinity columns matter more.
    static let maximumCountColumns = 16

    func render(_ inventory: HostInventory, lines: [InterruptLine]) -> String {
        let cpus = inventory.interrupts.cpus
        let perCPU = cpus.count <= Self.maximumCountColumns
        var columns: [(String, TextTable.Alignment)] = [("IRQ", .right)]
        if perCPU {
            columns += cpus.map { ("CPU\($0)", .right) }
        } else {
            columns += [("TOTAL", .right), ("BUSIEST", .left)]
        }
        columns += [("DEVICE", .left), ("QUEUE", .left), ("FROM", .left), ("AFFINITY", .left), ("EFFECTIVE", .left), ("MANAGED", .left), ("NAME", .left)]
        var table = TextTable(columns)
        for line in lines {
            let owner = inventory.ownership.owners(of: line.irq).first
            let settings = inventory.irqSettings[line.irq]
            var cells: [TextTable.Cell] = [.init(text: String(line.irq), style: nil)]
            if perCPU {
                cells += line.counts.map { .init(text: String($0), style: $0 == 0 ? .dim : nil) }
            } else {
                cells.append(.init(text: String(line.total), style: nil))
                cells.append(.init(text: busiest(line, cpus: cpus), style: nil))
            }
            let effective = settings?.effectiveAffinity
            let wide = (settings?.affinity?.count ?? 0) > 1 && effective?.count == 1
            cells += [
                .init(text: owner?.deviceName ?? "", style: nil),
                .init(text: owner.map { $0.role.label } ?? "", style: nil),
                .init(text: owner?.source.rawValue ?? "", style: .dim),
                .init(text: settings?.affinity?.listString ?? "?", style: nil),
                .init(text: effective?.listString ?? "?", style: wide ? .yellow : nil),
                .init(text: settings?.managed.map { $0 ? "yes" : "no" } ?? "?", style: nil),
                .init(text: line.name, style: nil),
            ]
            table.add(styled: cells)
        }
        var output = table.render(console: console)
        if !perCPU {
            output.append(console.paint("\(cpus.count) CPU columns summarised; use --json for every count", .dim))
        }
        return output.joined(separator: "\n")
    }

    /// `CPU7 93%`: where most of the IRQ's interrupts landed.
    private func busiest(_ line: InterruptLine, cpus: [Int]) -> String {
        guard line.total > 0, let column = line.counts.indices.max(by: { line.counts[$0] < line.counts[$1] }) else { return "-" }
        let share = Double(line.counts[column]) * 100 / Double(line.total)
        return "CPU\(cpus[column]) \(Int(share.rounded()))%"
    }
}
