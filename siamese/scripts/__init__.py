"""The Hydra entry points behind ``train.py`` / ``eval.py`` and the console scripts ``siamese-train`` /
``siamese-eval`` (pyproject ``[project.scripts]``). The config directory is ``siamese.config.CONFIG_DIR``
(``<repo>/conf``), an absolute path, so the scripts work from any working directory of a checkout or an editable
install."""

import logging

# faiss logs every optional CPU extension it could not load when it is imported, which is inside main (after
# Hydra set up logging, so that --help stays fast): quiet it before then.
logging.getLogger("faiss.loader").setLevel(logging.WARNING)
