#!/usr/bin/env bash
# Readout alignment on the SYNTHETIC hidden-observer benchmark (docs/human_alignment_readouts.md).
# Usage: experiments/readout_alignment/run.sh [CLASSIFIER_CKPT] [OUT]
# Without CLASSIFIER_CKPT it trains the quick classifier the committed results used (about 20 min on 2 shared cores).
set -euo pipefail
CKPT=${1:-}
OUT=${2:-outputs/studies/readout_alignment}
mkdir -p "$OUT"
if [ -z "$CKPT" ]; then
  python train.py task=classify logger=csv callbacks=classify data.max_train_samples=20000 \
    data.max_test_samples=5000 trainer.max_epochs=3 hydra.run.dir="$OUT/classify"
  CKPT="$OUT/classify/checkpoints/last.ckpt"
fi
DATA="$OUT/observer"
python -m siamese.human make-observer "$DATA"
for n in none zscore rank; do
  python -m siamese.human eval --ckpt "$CKPT" --layers conv2 fc --baselines pixels --pairs "$DATA" \
    --ratings "$DATA/ratings_synthetic.csv" --normalize "$n" --out "$OUT/eval_$n" --n-boot 2000 --n-perm 2000
done
python -m siamese.human align-readout --model "$CKPT" --pairs "$DATA" --ratings "$DATA/ratings_synthetic.csv" \
  --normalize zscore --out "$OUT/readouts_zscore"
python -m siamese.human align-readout --model "$CKPT" --pairs "$DATA" --ratings "$DATA/ratings_synthetic.csv" \
  --normalize zscore --holdout-raters --out "$OUT/readouts_zscore_heldout_raters"
python -m siamese.human align-readout --model "$CKPT" --pairs "$DATA" --ratings "$DATA/ratings_synthetic.csv" \
  --normalize none --out "$OUT/readouts_none"
