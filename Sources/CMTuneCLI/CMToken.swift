import ArgumentParser
import CM
import HostKit

#if canImport(Glibc)
import Glibc
#endif

extension CMTune {
    /// `cmtune cm token`: mint a login token for a user.
    struct CMToken: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "token",
            abstract: "Mint a CMP login token (HMAC-SHA256 over user, device and expiry; see docs/protocol.md).",
            discussion: "Prints the token on stdout. Without --device it is valid for any device of the user."
        )

        @OptionGroup var secret: SecretOptions

        @Option(name: .long, help: "The user id the token logs in.")
        var user: String

        @Option(name: .long, help: "Bind the token to this device id (default: any device).")
        var device: String?

        @Option(name: .long, help: ArgumentHelp("How long the token is valid: 30s, 15m, 1h, 7d.", valueName: "DURATION"))
        var ttl = DurationArgument(seconds: 3600)

        func validate() throws {
            guard !user.isEmpty else { throw ValidationError("--user: empty user id") }
            guard ttl.seconds >= 1 else { throw ValidationError("--ttl \(ttl): at least one second") }
            if let device, device.isEmpty || device == "*" { throw ValidationError("--device: give a device id, or leave it out for any device") }
        }

        func run() throws {
            let authority = try TokenAuthority.load(secretFile: secret.secretFile)
            let expiry = Int64(time(nil)) + Int64(ttl.seconds.rounded(.up))
            print(authority.mint(user: user, device: device, expiry: expiry))
        }
    }
}

extension TokenAuthority {
    /// A missing or empty secret is the operator's file problem, not a usage mistake: one line
    /// naming the file, exit status 66 (EX_NOINPUT), no usage text.
    static func load(secretFile path: String) throws -> TokenAuthority {
        do {
            let bytes = try StateFiles.read(path)
            return TokenAuthority(secret: try TokenAuthority.secret(fromFileContents: bytes, path: path))
        } catch {
            Console.error("--secret-file: \(error)")
            throw ExitCode(66)
        }
    }
}
