"""The classic MNIST course convnet (the PyTorch MNIST example net whose forward also returns its hidden layers),
exactly as docs/models_and_data.md writes it out. Used as ``--model course_net:Net`` with this folder on
PYTHONPATH, by experiments/beyond_mnist/run.py and by tests/models/test_sources.py."""

import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
        self.conv2_drop = nn.Dropout2d()
        self.fc1 = nn.Linear(320, 50)
        self.fc2 = nn.Linear(50, 10)

    def forward(self, x):
        conv1 = F.relu(F.max_pool2d(self.conv1(x), 2))
        conv2 = F.relu(F.max_pool2d(self.conv2_drop(self.conv2(conv1)), 2))
        fc = F.relu(self.fc1(conv2.view(-1, 320)))
        x = F.dropout(fc, training=self.training)
        x = self.fc2(x)
        return F.log_softmax(x, dim=1), fc, conv2, conv1
