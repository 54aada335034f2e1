import os

import pytest

os.environ.setdefault("WANDB_MODE", "offline")
os.environ.setdefault("WANDB_SILENT", "true")


@pytest.fixture
def cfg_factory(tmp_path):
    """``cfg_factory(*overrides)``: the composed training config with its run directory in tmp_path."""
    from siamese.config import compose_config

    def make(*overrides):
        return compose_config(overrides, output_dir=tmp_path / "run")

    return make
