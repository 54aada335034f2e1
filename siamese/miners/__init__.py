from siamese.miners.base import BaseMiner
from siamese.miners.pml_miner import PMLMiner
from siamese.miners.random_miner import RandomMiner

__all__ = ["BaseMiner", "PMLMiner", "RandomMiner"]
