"""Train a metric-learning embedding: ``python train.py [group=choice ...] [key=value ...]``.

Returns the value of ``optimized_metric`` (for Hydra sweepers). See README.md, conf/ and siamese/scripts/train.py."""

from siamese.scripts.train import main

if __name__ == "__main__":
    main()
