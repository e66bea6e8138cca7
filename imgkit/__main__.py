from imgkit.cli import main

main()
