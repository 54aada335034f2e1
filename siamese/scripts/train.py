"""``python train.py`` / ``siamese-train [group=choice ...] [key=value ...]``: train (``siamese.training.train``).

Returns the value of ``optimized_metric`` (for Hydra sweepers). See README.md and conf/."""

import hydra
from omegaconf import DictConfig

from siamese.config import CONFIG_DIR
from siamese.scripts.user_errors import exit_on_user_error


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="train")
@exit_on_user_error
def main(cfg: DictConfig) -> float | None:
    from siamese.training import metric_value, train  # torch, Lightning only when a run starts: fast --help

    return metric_value(train(cfg), cfg.get("optimized_metric"))


if __name__ == "__main__":
    main()
