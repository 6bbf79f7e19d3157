/// Parsing `/proc/interrupts` as the kernel's `show_interrupts()` prints it.
///
/// Each numbered line is `%*d:`, one `%10u` count per online CPU, the chip name, the hardware
/// IRQ (when the chip has a domain), `-<flow handler>`, two spaces, then the action names
/// joined by ", ". Older kernels glue the handler to the chip (`PCI-MSI-edge`), ARM prints
/// `Level`/`Edge` as a word. Action names may contain spaces (`PCIe PME`), so they are taken
/// as the rest of the line, never split on whitespace.
extension InterruptTable {
    /// Parses the file's bytes, all of them as read: the kernel ends every line with a newline,
    /// so a last line without one was cut (a copy interrupted mid-write) and is reported, not
    /// parsed. Never throws: a line that does not fit is reported in `issues` with its number
    /// and left out; a missing or unreadable header yields an empty table with an issue.
    public init(parsing bytes: [UInt8], path: String = "/proc/interrupts") {
        self.init(cpus: [], lines: [])
        var lineNumber = 0
        var headerSeen = false
        var cutShort = false
        var firstAppearances = FirstAppearance()
        // Appended here and stored once: each change to `lines` starts a new IRQ index.
        var parsedLines: [InterruptLine] = []
        bytes.withUnsafeBufferPointer { buffer in
            var start = 0
            while start < buffer.count {
                var end = start
                while end < buffer.count && buffer[end] != 0x0A { end += 1 }
                lineNumber += 1
                let line = UnsafeBufferPointer(rebasing: buffer[start..<end])
                start = end + 1
                if end == buffer.count {
                    issues.append(ProcFileLines.cutShortIssue(path: path, line: lineNumber))
                    cutShort = true
                    return
                }
                if line.allSatisfy({ $0.isASCIIWhitespace }) { continue }
                if !headerSeen {
                    headerSeen = true
                    switch Self.parseHeader(line) {
                    case .success(let cpus): self.cpus = cpus
                    case .failure(let message):
                        issues.append(HostIssue(path: path, line: lineNumber, message: message.description))
                        return
                    }
                    continue
                }
                switch Self.parseRow(line, cpus: cpus) {
                case .irq(let parsed):
                    if firstAppearances.insert(parsed.irq, after: parsedLines) {
                        parsedLines.append(parsed)
                    } else {
                        issues.append(HostIssue(path: path, line: lineNumber, message: "IRQ \(parsed.irq) appears twice; kept the first"))
                    }
                case .counter(let counter):
                    counters.append(counter)
                case .malformed(let message):
                    issues.append(HostIssue(path: path, line: lineNumber, message: message))
                }
            }
        }
        lines = parsedLines
        if !headerSeen && !cutShort {
            issues.append(HostIssue(path: path, message: "empty file: no CPU header"))
        }
    }

    /// Reads and parses `proc/interrupts` under `root`.
    public static func read(from root: HostRoot) throws(HostError) -> InterruptTable {
        let path = "proc/interrupts"
        return InterruptTable(parsing: try root.readBytes(path), path: root.absolute(path))
    }

    private static func parseHeader(_ line: UnsafeBufferPointer<UInt8>) -> Result<[Int], HeaderError> {
        var cpus: [Int] = []
        for token in line.split(whereSeparator: { $0.isASCIIWhitespace }) {
            guard token.count > 3, token[token.startIndex] == UInt8(ascii: "C"),
                token[token.startIndex + 1] == UInt8(ascii: "P"), token[token.startIndex + 2] == UInt8(ascii: "U"),
                let cpu = CounterField.decimal(token.dropFirst(3)).value
            else {
                return .failure(HeaderError("header should name CPU columns like 'CPU0', found \(InputQuote.quoted(token))"))
            }
            guard cpu <= UInt64(CPUSet.maximumCPU) else {
                return .failure(HeaderError("header names CPU\(cpu), beyond the largest CPU id \(CPUSet.maximumCPU)"))
            }
            cpus.append(Int(cpu))
        }
        guard !cpus.isEmpty else { return .failure(HeaderError("header names no CPU columns")) }
        return .success(cpus)
    }

    struct HeaderError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    private enum Row {
        case irq(InterruptLine)
        case counter(InterruptCounter)
        case malformed(String)
    }

    private static func parseRow(_ line: UnsafeBufferPointer<UInt8>, cpus: [Int]) -> Row {
        var index = 0
        while index < line.count && line[index].isASCIIWhitespace { index += 1 }
        let labelStart = index
        while index < line.count && line[index] != UInt8(ascii: ":") && !line[index].isASCIIWhitespace { index += 1 }
        guard index < line.count, line[index] == UInt8(ascii: ":"), index > labelStart else {
            return .malformed("expected '<irq>:' at the start of the line")
        }
        let label = UnsafeBufferPointer(rebasing: line[labelStart..<index])
        index += 1
        let isIRQ = label.allSatisfy(\.isASCIIDigit)
        // A named counter (`LOC`) prints its name in messages; the name is file content. Made
        // only for a message: a good row never needs it.
        func subject() -> String { (isIRQ ? "IRQ " : "") + InputQuote.escaped(label, limit: InputQuote.characterLimit) }
        var counts: [UInt64] = []
        counts.reserveCapacity(cpus.count)
        // Counts: one decimal token per CPU column. A numeric token after them is one count
        // column too many (the chip that follows is never a bare number), never the chip.
        var extraColumns = 0
        while true {
            while index < line.count && line[index].isASCIIWhitespace { index += 1 }
            let tokenStart = index
            while index < line.count && !line[index].isASCIIWhitespace { index += 1 }
            let token = UnsafeBufferPointer(rebasing: line[tokenStart..<index])
            let field = CounterField.decimal(token)
            if field == .notANumber {
                index = tokenStart
                break
            }
            if counts.count == cpus.count {
                extraColumns += 1
                continue
            }
            guard let value = field.value else {
                return .malformed("\(subject()): " + CounterField.tooLargeMessage(token, for: "CPU \(cpus[counts.count])"))
            }
            counts.append(value)
        }
        let rest = UnsafeBufferPointer(rebasing: line[index...])
        guard isIRQ else {
            // x86's ERR and MIS have one count whatever the CPUs; their other columns are text.
            let text = String(decoding: rest, as: UTF8.self).trimmingWhitespace()
            return .counter(InterruptCounter(name: String(decoding: label, as: UTF8.self), counts: counts, description: text))
        }
        guard extraColumns == 0, counts.count == cpus.count else {
            return .malformed("\(subject()): " + CounterField.columnMismatchMessage(found: counts.count + extraColumns, cpus: cpus.count))
        }
        guard let irq = CounterField.decimal(label).value, irq <= UInt64(Int32.max) else {
            return .malformed("IRQ number \(InputQuote.quoted(label)) is out of range")
        }
        return .irq(describe(irq: Int(irq), counts: counts, rest: rest))
    }

    /// Splits what follows the counts into chip, hardware IRQ, trigger and action names.
    private static func describe(irq: Int, counts: [UInt64], rest: UnsafeBufferPointer<UInt8>) -> InterruptLine {
        var tokens: [(start: Int, end: Int)] = []
        var index = 0
        while index < rest.count, tokens.count < 4 {
            while index < rest.count && rest[index].isASCIIWhitespace { index += 1 }
            guard index < rest.count else { break }
            let start = index
            while index < rest.count && !rest[index].isASCIIWhitespace { index += 1 }
            tokens.append((start, index))
        }
        func text(_ token: (start: Int, end: Int)) -> String {
            String(decoding: UnsafeBufferPointer(rebasing: rest[token.start..<token.end]), as: UTF8.self)
        }
        guard let first = tokens.first else {
            return InterruptLine(irq: irq, counts: counts, chip: "", actions: [])
        }
        var chip = text(first)
        var hardwareIRQ: String?
        var trigger: String?
        var consumed = 1
        // A hardware IRQ column after the chip means the modern layout, whatever the chip's
        // name looks like (`intel-gpio  12-edge` is a chip with a dash, not a glued handler).
        let nextIsHardwareIRQ =
            tokens.count > 1
            && {
                let next = text(tokens[1])
                if next.utf8.allSatisfy(\.isASCIIDigit) { return true }
                if let (head, _) = splitHandlerSuffix(next) { return head.utf8.allSatisfy(\.isASCIIDigit) }
                return false
            }()
        if !nextIsHardwareIRQ, let (head, handler) = splitHandlerSuffix(chip), !head.isEmpty,
            !head.utf8.allSatisfy(\.isASCIIDigit)
        {
            // Old kernels: `PCI-MSI-edge`.
            chip = head
            trigger = handler
        } else {
            if consumed < tokens.count {
                let token = text(tokens[consumed])
                if token.utf8.allSatisfy(\.isASCIIDigit) {
                    hardwareIRQ = token
                    consumed += 1
                } else if let (head, handler) = splitHandlerSuffix(token), head.utf8.allSatisfy(\.isASCIIDigit) {
                    // `5-edge` (hardware IRQ then handler) or `-edge` (no domain).
                    hardwareIRQ = head.isEmpty ? nil : head
                    trigger = handler
                    consumed += 1
                }
            }
            if trigger == nil, consumed < tokens.count {
                let token = text(tokens[consumed])
                if token == "Level" || token == "Edge" {
                    trigger = token
                    consumed += 1
                }
                if consumed < tokens.count, let (head, handler) = splitHandlerSuffix(text(tokens[consumed])), head.isEmpty {
                    trigger = trigger.map { "\($0)-\(handler)" } ?? handler
                    consumed += 1
                }
            }
        }
        var actions: [String] = []
        if consumed < tokens.count {
            actions = actionNames(UnsafeBufferPointer(rebasing: rest[tokens[consumed].start...]))
        }
        return InterruptLine(irq: irq, counts: counts, chip: chip, hardwareIRQ: hardwareIRQ, trigger: trigger, actions: actions)
    }

    /// The handlers' names: the text split at commas, each trimmed, empty ones left out.
    ///
    /// ASCII text (every name a driver gives) is split and trimmed as bytes, without building a
    /// string of the whole and one per piece; other text is split by `Character`, so a comma
    /// joined to a combining mark stays inside a name.
    private static func actionNames(_ text: UnsafeBufferPointer<UInt8>) -> [String] {
        guard text.allSatisfy({ $0 < 0x80 }) else {
            let names = String(decoding: text, as: UTF8.self)
            return names.split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
        }
        var names: [String] = []
        for piece in text.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: true) {
            guard let first = piece.firstIndex(where: { !$0.isASCIIWhitespace }) else { continue }
            let last = piece.lastIndex(where: { !$0.isASCIIWhitespace })!
            names.append(String(decoding: UnsafeBufferPointer(rebasing: text[first...last]), as: UTF8.self))
        }
        return names
    }

    /// `PCI-MSI-edge` -> (`PCI-MSI`, `edge`); `5-fasteoi` -> (`5`, `fasteoi`); `-edge` -> (``, `edge`).
    /// A flow handler name is lower case letters and underscores (edge, fasteoi, percpu_devid).
    private static func splitHandlerSuffix(_ token: String) -> (String, String)? {
        guard let dash = token.lastIndex(of: "-") else { return nil }
        let suffix = token[token.index(after: dash)...]
        guard !suffix.isEmpty,
            suffix.utf8.allSatisfy({ ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || $0 == UInt8(ascii: "_") })
        else { return nil }
        return (String(token[..<dash]), String(suffix))
    }
}

/// Tells whether an IRQ number is met for the first time in a file.
///
/// Kernels print IRQs in ascending order, so a number above every earlier one is new and needs
/// no lookup; a set of the numbers seen is built only once a file breaks that order.
private struct FirstAppearance {
    private var highest = Int.min
    private var seen: Set<Int>?

    /// True the first time `irq` is met; `earlier` are the lines kept so far, one per IRQ met.
    mutating func insert(_ irq: Int, after earlier: [InterruptLine]) -> Bool {
        if seen == nil {
            if irq > highest {
                highest = irq
                return true
            }
            seen = Set(earlier.map(\.irq))
        }
        return seen!.insert(irq).inserted
    }
}
