import numpy as np
import pytest
import torch

from core.features import from_spec
from core.transfer.nets import FineTunedNet, ScratchNet


@pytest.fixture(scope="module")
def net_and_data(libraries, mol_target):
    lib = libraries[0]
    model_id = lib.models(descriptor="maccs", source="chemicals_tb")["id"].iloc[0]
    card = lib.card(model_id)
    X = from_spec(card["descriptor"]).transform(mol_target.structures).astype(np.float32)
    return lib.load(model_id), X, mol_target.y


def _first_layer(model):
    return model.stack_.layer_weight(0).detach().clone()


def test_finetune_last_freezes_earlier_layers_and_learns(net_and_data):
    net, X, y = net_and_data
    train = np.random.default_rng(0).permutation(len(y)) < int(0.7 * len(y))
    model = FineTunedNet(net, mode="last", max_epochs=60, patience=60, device="cpu").fit(X[train], y[train])
    pred = model.predict(X[~train])
    assert pred.shape == y[~train].shape and np.isfinite(pred).all()
    original = torch.from_numpy(net.weights[0].T)
    k, h = net.weights[0].shape
    assert torch.allclose(_first_layer(model)[0, :h, :k], original)  # frozen
    # on rows it never saw, better than predicting the mean of the rows it was fitted on
    assert np.abs(pred - y[~train]).mean() < np.abs(y[~train] - y[train].mean()).mean()


def test_finetune_all_changes_every_layer(net_and_data):
    net, X, y = net_and_data
    model = FineTunedNet(net, mode="all", max_epochs=30, patience=30, device="cpu").fit(X, y)
    k, h = net.weights[0].shape
    assert not torch.allclose(_first_layer(model)[0, :h, :k], torch.from_numpy(net.weights[0].T))
    with pytest.raises(ValueError, match="mode must be"):
        FineTunedNet(net, mode="some").fit(X, y)


def test_scratch_net_has_the_shape_but_not_the_weights(net_and_data):
    net, X, y = net_and_data
    model = ScratchNet(net, max_epochs=60, patience=60, device="cpu").fit(X, y)
    assert model.stack_.widths == [[len(net.input_index)], *[[w.shape[1]] for w in net.weights]]
    k, h = net.weights[0].shape
    assert not torch.allclose(_first_layer(model)[0, :h, :k], torch.from_numpy(net.weights[0].T))
    assert np.isfinite(model.predict(X)).all()


def test_finetune_and_scratch_net_in_a_screen(libraries, mol_target):
    from core.transfer.screen import screen
    from tests.transfer.conftest import fast_config

    result = screen(mol_target, libraries, fast_config(strategies=("finetune_last",), baselines=("scratch_net",),
                                                        top=1, nested=False))
    kinds = dict(zip(result.ranking["strategy"], result.ranking["candidate"]))
    assert "finetune_last" in kinds and kinds["scratch_net"].startswith("scratch|net|")


FACTORIES = {torch.eye, torch.zeros, torch.ones, torch.full, torch.empty, torch.arange, torch.rand, torch.randn,
             torch.tensor, torch.linspace}
#: Code that runs after the nets are on the training device: every tensor made there must say where.
ON_DEVICE = {"_fit_head", "train_stack", "_train", "step", "fit", "predict", "update", "loss", "epoch", "batch",
             "__call__", "__next__", "__iter__", "__init__", "restore", "patience_spent"}


class _FactoryWatch(torch.overrides.TorchFunctionMode):
    """Records tensor factories called without ``device=`` from code that runs on the device."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func in FACTORIES and "device" not in kwargs:
            import inspect

            caller = inspect.stack()[1]
            if caller.function in ON_DEVICE and ("core/transfer" in caller.filename or "core/pretrain" in
                                                 caller.filename):
                self.calls.append(f"{caller.filename.split('core/')[-1]}:{caller.lineno} {func.__name__}")
        return func(*args, **kwargs)


def test_fine_tuning_makes_every_tensor_on_the_training_device(net_and_data):
    """On a GPU a CPU tensor mixed with device tensors fails; here, every factory must name its device."""
    net, X, y = net_and_data
    with _FactoryWatch() as watch:
        FineTunedNet(net, mode="last", max_epochs=3, patience=3, device="cpu").fit(X, y).predict(X)
        FineTunedNet(net, mode="all", max_epochs=3, patience=3, device="cpu").fit(X, y)
        ScratchNet(net, max_epochs=3, patience=3, device="cpu").fit(X, y)
    assert watch.calls == []
