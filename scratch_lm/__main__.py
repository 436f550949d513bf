from scratch_lm.cli import main
main()
