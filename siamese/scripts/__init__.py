"""The Hydra entry points behind ``train.py`` / ``eval.py`` and the console scripts ``siamese-train`` /
``siamese-eval`` (pyproject ``[project.scripts]``). The config directory is ``siamese.config.CONFIG_DIR``
(``<repo>/conf``), an absolute path, so the scripts work from any working directory of a checkout or an editable
install."""
