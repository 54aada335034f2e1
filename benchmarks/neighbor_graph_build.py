"""Time the within-class k-NN graph over full MNIST train (60k x 784, k=5): python benchmarks/neighbor_graph_build.py"""
import time, torch
from siamese.data.mnist_files import load_mnist
from siamese.miners.neighbor_graph import build_neighbor_graph
images, labels = load_mnist("train")
x = (images.float() / 255.0).reshape(len(images), -1)
t = time.perf_counter(); g = build_neighbor_graph(x, labels, 5); dt = time.perf_counter() - t
print(f"60k x 784, k=5: {dt:.2f} s, threads {torch.get_num_threads()}", g.shape)
