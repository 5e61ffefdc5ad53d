"""The analyses of a run, one module each; every module has pure array functions and ``run(ctx)``."""
