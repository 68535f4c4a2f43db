from kubelint_py.cli import main

main()
