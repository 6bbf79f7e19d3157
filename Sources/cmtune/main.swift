import CMTuneCLI
CMTune.main()
