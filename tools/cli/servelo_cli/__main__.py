from servelo_cli.main import main

main()
