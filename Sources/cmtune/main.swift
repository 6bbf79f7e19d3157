import CMTuneCLI

// Process-wide settings first, before any thread starts; then the command.
AllocatorSettings.apply()
CMTune.main()
