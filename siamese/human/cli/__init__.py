"""The subcommands of ``python -m siamese.human``: one module each, with ``HELP``, ``add_arguments(parser)`` and
``run(args) -> exit status`` (``siamese/human/__main__.py`` only registers them)."""
