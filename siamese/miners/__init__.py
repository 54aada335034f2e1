from siamese.miners.base import BaseMiner
from siamese.miners.knn_miner import KNNMiner
from siamese.miners.neighbor_graph import brute_force_neighbor_graph, build_neighbor_graph
from siamese.miners.no_miner import NoMiner
from siamese.miners.pml_miner import PMLMiner
from siamese.miners.random_draw import draw_random_pairs, random_tuples
from siamese.miners.random_miner import RandomMiner

__all__ = ["BaseMiner", "KNNMiner", "NoMiner", "PMLMiner", "RandomMiner", "brute_force_neighbor_graph",
           "build_neighbor_graph", "draw_random_pairs", "random_tuples"]
