/// Where systemd finds a unit's file and drop-ins, under a root.
///
/// The unit file is the first one found along the search path (/etc overrides /run overrides
/// the vendor directories). Drop-ins (`UNIT.d/*.conf`) are gathered from every directory on
/// the path; a drop-in name found twice counts once (the higher directory wins), and all of
/// them apply after the unit file in the order of their names, whichever directory they are in.
enum UnitFileSearch {
    /// systemd's system unit path, highest priority first (the generator and control
    /// directories left out: cmtune's users set limits in unit files and drop-ins).
    static let directories = [
        "etc/systemd/system", "run/systemd/system", "usr/local/lib/systemd/system", "usr/lib/systemd/system", "lib/systemd/system",
    ]

    struct Found: Equatable {
        /// The path as found, relative to the root.
        var path: String
        /// What it resolves to under the root (links followed inside the root).
        var resolved: String
        /// A link to /dev/null: masked.
        var masked: Bool
    }

    /// The unit file: the instance name (`cm@1.service`) anywhere on the path, else its template
    /// (`cm@.service`).
    static func unitFile(_ unit: String, in root: HostRoot) -> Found? {
        for name in [unit] + (template(of: unit).map { [$0] } ?? []) {
            for directory in directories {
                let candidate = "\(directory)/\(name)"
                if let found = resolve(candidate, in: root) { return found }
            }
        }
        return nil
    }

    /// The drop-in files of `unit` in the order systemd applies them.
    static func dropIns(_ unit: String, in root: HostRoot) -> [Found] {
        var byName: [String: Found] = [:]
        for directory in directories {
            for name in dropInDirectoryNames(unit) {
                let folder = "\(directory)/\(name).d"
                for entry in (try? root.listIfPresent(folder)) ?? [] where entry.hasSuffix(".conf") && byName[entry] == nil {
                    if let found = resolve("\(folder)/\(entry)", in: root) { byName[entry] = found }
                }
            }
        }
        return byName.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
            .map(\.value).filter { !$0.masked }
    }

    /// `cm@1.service` -> `cm@.service`; nil for a unit that is not an instance.
    static func template(of unit: String) -> String? {
        guard let at = unit.firstIndex(of: "@"), let dot = unit.lastIndex(of: "."), at < dot,
            unit.index(after: at) < dot
        else { return nil }
        return String(unit[...at]) + String(unit[dot...])
    }

    /// The drop-in directories that apply, most specific first: the unit, its template, the
    /// dash prefixes (`foo-bar-.service` for `foo-bar-baz.service`), the unit type (`service`).
    static func dropInDirectoryNames(_ unit: String) -> [String] {
        guard let dot = unit.lastIndex(of: ".") else { return [unit] }
        let suffix = unit[dot...]
        var names = [unit]
        if let template = template(of: unit) { names.append(template) }
        let stem = unit[..<dot]
        var prefixes: [String] = []
        for index in stem.indices where stem[index] == "-" && index != stem.startIndex {
            prefixes.append(String(stem[...index]) + suffix)
        }
        names += prefixes.reversed().filter { $0 != unit }
        names.append(String(suffix.dropFirst()))
        return names
    }

    /// Follows symbolic links inside the root (an absolute target means the root's `/`).
    /// nil when nothing is there; masked when a link ends at /dev/null.
    static func resolve(_ relativePath: String, in root: HostRoot) -> Found? {
        var current = relativePath
        for _ in 0..<16 {
            guard let target = root.readLinkIfPresent(current) else {
                return root.exists(current) ? Found(path: relativePath, resolved: current, masked: false) : nil
            }
            if target == "/dev/null" { return Found(path: relativePath, resolved: current, masked: true) }
            var parts = target.hasPrefix("/") ? [] : current.split(separator: "/").dropLast().map(String.init)
            for part in target.split(separator: "/") {
                switch part {
                case ".": continue
                case "..": if !parts.isEmpty { parts.removeLast() }
                default: parts.append(String(part))
                }
            }
            current = parts.joined(separator: "/")
        }
        return nil  // a loop of links
    }
}
