"""Test a trained checkpoint: ``python eval.py ckpt_path=<ckpt file | run dir | last> [key=value ...]``.

Runs with the config stored in the checkpoint (overrides change it), writes ``metrics.json`` in a new run
directory. See siamese/evaluating.py and conf/eval.yaml."""

from siamese.scripts.eval import main

if __name__ == "__main__":
    main()
