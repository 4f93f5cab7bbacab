from assistant.cli.commands import main

main()
