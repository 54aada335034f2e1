"""``python eval.py`` / ``siamese-eval ckpt_path=... [key=value ...]``: test a checkpoint with the config stored in
it (``siamese.evaluating.evaluate``); writes ``metrics.json`` in a new run directory ``outputs/eval/runs/<time>``."""

import hydra
from omegaconf import DictConfig

from siamese.config import CONFIG_DIR
from siamese.scripts.user_errors import exit_on_user_error


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="eval")
@exit_on_user_error
def main(cfg: DictConfig) -> dict[str, float]:
    from siamese.evaluating import evaluate  # torch and Lightning only when a run starts

    return evaluate(cfg)


if __name__ == "__main__":
    main()
