"""The makemore lectures' models, one text of PyTorch-style code run on PyTorch and on
`diffplay.torch`: from PyTorch's initial weights, 200 steps on names.txt at float64 give
PyTorch's losses to 1e-9, and so do the dev split's loss in eval mode and the weights afterwards."""

import numpy as np
import pytest
import torch

import diffplay.torch as ours
from makemore_models import MODELS, batches, dataset, evaluate, names_txt, train, twins

STEPS = 200
DEV = 4096   # the first examples of the dev split: enough to hold BatchNorm's running statistics equal


@pytest.mark.parametrize("name", MODELS)
def test_a_makemore_model_trains_to_pytorchs_losses(name):
    _, block_size = MODELS[name]
    (Xtr, Ytr), (Xdev, Ydev) = dataset(names_txt(), block_size)
    theirs, mine = twins(name, "float64")
    steps = batches(len(Xtr), STEPS)
    their_losses = train(torch, theirs, Xtr, Ytr, steps)
    our_losses = train(ours, mine, Xtr, Ytr, steps)
    assert their_losses[-1] < their_losses[0] - 0.5   # it learned something
    np.testing.assert_allclose(our_losses, their_losses, rtol=0, atol=1e-9)
    Xdev, Ydev = Xdev[:DEV], Ydev[:DEV]
    assert evaluate(ours, mine, Xdev, Ydev) == pytest.approx(evaluate(torch, theirs, Xdev, Ydev), abs=1e-9)
    for (key, t), (_, d) in zip(theirs.state_dict().items(), mine.state_dict().items()):
        np.testing.assert_allclose(d.data, t.numpy(), rtol=0, atol=1e-9, err_msg=key)
