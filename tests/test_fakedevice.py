"""The simulated accelerator fails where CUDA fails, computes what the CPU computes, and stops
each device bug the course has had: the buggy code is put back here and must raise."""

import numpy as np
import pytest
import torch
from torch import nn

from course_utils import config, devicecheck, experiments, fakedevice, metrics, models, tasks

DEV = fakedevice.enable()
MIXED = "Expected all tensors to be on the same device"


def test_values_are_the_cpu_values_and_the_device_is_reported():
    x = torch.randn(3, 4)
    on_device = x.to(DEV)
    assert on_device.device.type == fakedevice.NAME and str(on_device.device) == "fakegpu:0"
    assert (on_device * 2 + 1).device == on_device.device
    assert torch.equal((on_device * 2 + 1).cpu(), x * 2 + 1)
    assert torch.zeros(2, device=DEV).device.type == fakedevice.NAME
    assert torch.tensor([1, 2], device=DEV).tolist() == [1, 2]
    assert (on_device.sum() > 0).item() in (True, False)


def test_mixing_devices_fails_as_on_cuda_but_cpu_scalars_and_indices_are_allowed():
    x = torch.randn(3, 4).to(DEV)
    with pytest.raises(RuntimeError, match=MIXED):
        x + torch.ones(3, 4)
    with pytest.raises(RuntimeError, match=MIXED):
        torch.cat([x, torch.ones(1, 4)])
    assert (x + torch.tensor(1.0)).device == x.device  # a 0-dim CPU tensor is a scalar
    assert x[torch.tensor([0, 2])].shape == (2, 4)  # CPU indices into a device tensor
    with pytest.raises(RuntimeError, match="indices should be either on cpu"):
        torch.ones(3)[torch.tensor([0]).to(DEV)]


def test_numpy_needs_cpu_first():
    x = torch.randn(2).to(DEV)
    with pytest.raises(TypeError, match=r"Use Tensor.cpu\(\)"):
        x.numpy()
    with pytest.raises(TypeError, match=r"Use Tensor.cpu\(\)"):
        np.asarray(x)
    assert x.cpu().numpy().shape == (2,)


def test_a_cpu_generator_cannot_sample_device_tensors():
    probs = torch.softmax(torch.randn(2, 5), -1).to(DEV)
    with pytest.raises(RuntimeError, match="Expected a 'fakegpu' device type for generator but found 'cpu'"):
        torch.multinomial(probs, 1, generator=torch.Generator().manual_seed(0))
    with pytest.raises(RuntimeError, match="generator"):
        torch.randn(3, device=DEV, generator=torch.Generator())
    assert torch.multinomial(probs, 1).device == probs.device  # the default generator is fine


def test_a_model_left_on_the_cpu_fails_on_device_inputs():
    for model in (nn.Linear(4, 2), nn.LSTM(4, 3, batch_first=True)):
        with pytest.raises(RuntimeError, match="device"):
            model(torch.randn(2, 5, 4).to(DEV))


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_training_on_the_device_gives_the_cpu_gradients(kind):
    """nn.LSTM and nn.GRU take CUDA's fused-cell path on an accelerator: computed here by hand."""
    torch.manual_seed(0)
    model = models.LanguageModel(7, kind=kind, hidden_size=5, embed_size=3)
    twin = models.LanguageModel(7, kind=kind, hidden_size=5, embed_size=3)
    twin.load_state_dict(model.state_dict())
    twin.to(DEV)
    X = torch.randint(0, 7, (2, 6))
    losses = []
    for m, x in ((model, X), (twin, X.to(DEV))):
        logits, _ = m(x)
        loss = logits.logsumexp(-1).mean()
        loss.backward()
        losses.append(loss.item())
    assert losses[0] == pytest.approx(losses[1], rel=1e-5)
    for (name, p), q in zip(model.named_parameters(), twin.parameters()):
        assert q.device == DEV and q.grad.device == DEV, name
        torch.testing.assert_close(q.grad.cpu(), p.grad, rtol=1e-4, atol=1e-6, msg=name)


def test_an_optimiser_steps_on_the_device():
    model = nn.Linear(3, 2).to(DEV)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
    before = model.weight.detach().cpu().clone()
    loss = model(torch.randn(4, 3).to(DEV)).pow(2).mean()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    assert isinstance(model.weight, nn.Parameter) and model.weight.device == DEV
    assert not torch.equal(model.weight.detach().cpu(), before)


def test_config_selects_the_simulated_device(monkeypatch):
    monkeypatch.setenv(config.DEVICE_ENV, "fake")
    assert config.setup(seed=0).device.type == fakedevice.NAME
    assert config.setup(seed=0, device="cpu").device.type == "cpu"  # code beats the environment
    monkeypatch.delenv(config.DEVICE_ENV)
    assert config.pick_device("fake") == DEV


# Each device bug the course had, put back: the simulated device stops it.

def _evaluate_classifier_before_the_fix(model, X, y, batch_size=512):
    """metrics.evaluate_classifier as it was: CPU logits against labels left on the caller's device."""
    device = next(model.parameters()).device
    logits = torch.cat([model(X[s:s + batch_size].to(device)).cpu() for s in range(0, len(X), batch_size)])
    return {"loss": nn.functional.cross_entropy(logits, y).item(), "accuracy": metrics.accuracy(logits, y)}


@pytest.mark.parametrize("caller", ["04's probe cell", "05's pronoun task"])
def test_evaluate_classifier_with_labels_on_the_device(caller):
    """Both cells pass ``labels.to(cfg.device)``; the old function mixed them with CPU logits."""
    torch.manual_seed(0)
    model = experiments.memory_model("lstm", hidden_size=8).to(DEV)
    X, y = tasks.first_symbol_batch(20, 5)
    with pytest.raises(RuntimeError, match=MIXED):
        _evaluate_classifier_before_the_fix(model, X.to(DEV), y.to(DEV))
    out = metrics.evaluate_classifier(model, X.to(DEV), y.to(DEV), batch_size=7)
    assert out == pytest.approx(metrics.evaluate_classifier(model.cpu(), X, y))


def test_accuracy_by_gap_on_the_device(monkeypatch):
    """04's gap sweep: accuracy_by_gap moves each held-out set to the model's device."""
    model = experiments.memory_model("gru", hidden_size=8).to(DEV)
    held = experiments.held_out_sets([3, 6], num_examples=30)
    monkeypatch.setattr(metrics, "evaluate_classifier", _evaluate_classifier_before_the_fix)
    with pytest.raises(RuntimeError, match=MIXED):
        experiments.accuracy_by_gap(model, held)
    monkeypatch.undo()
    assert set(experiments.accuracy_by_gap(model, held)) == {3, 6}


def _sample_one_tune_before_the_fix(model, start_ids, generator):
    """07's sampling exercise as it was: ``start`` built on the CPU, a CPU generator on device probabilities."""
    with torch.no_grad():
        logits, state = model(torch.tensor([start_ids]))
        probs = torch.softmax(logits[:, -1], dim=-1)
        return torch.multinomial(probs, 1, generator=generator)


def _sample_one_tune_start_moved(model, start_ids, generator):
    """The same with only ``start`` moved: the generator then meets CUDA probabilities."""
    device = next(model.parameters()).device
    with torch.no_grad():
        logits, state = model(torch.tensor([start_ids], device=device))
        probs = torch.softmax(logits[:, -1], dim=-1)
        return torch.multinomial(probs, 1, generator=generator)


def test_07_sampling_exercise_before_and_after_the_fix():
    model = models.LanguageModel(9, kind="lstm", hidden_size=6, embed_size=4).to(DEV)
    with pytest.raises(RuntimeError, match="device"):
        _sample_one_tune_before_the_fix(model, [1, 2], torch.Generator().manual_seed(0))
    with pytest.raises(RuntimeError, match="generator"):
        _sample_one_tune_start_moved(model, [1, 2], torch.Generator().manual_seed(0))
    # the fixed exercise draws on the CPU, so it gives music.sample_tunes' characters on any device
    ids, _ = models.sample(model, torch.tensor([[1, 2]]), 5, generator=torch.Generator().manual_seed(0))
    cpu_ids, _ = models.sample(model.cpu(), torch.tensor([[1, 2]]), 5, generator=torch.Generator().manual_seed(0))
    assert torch.equal(ids, cpu_ids)


def test_training_only_on_the_cpu_is_caught(monkeypatch):
    """A1 and A2 trained on the CPU whatever cfg.device said: devicecheck.finish fails such a run."""
    monkeypatch.setattr(devicecheck, "counts", {"forward": devicecheck.Counter(), "step": devicecheck.Counter()})
    devicecheck.install()
    params = [torch.zeros(3, requires_grad=True)]  # A1's hand-made parameters, never moved
    optimizer = torch.optim.Adam(params)
    params[0].sum().backward()
    optimizer.step()
    with pytest.raises(devicecheck.DeviceNotUsed, match="only on the CPU.*fakegpu"):
        devicecheck.finish(expected="fakegpu")
    model = nn.Linear(2, 1).to(DEV)  # A2's model, moved: the check passes
    model(torch.zeros(1, 2).to(DEV))
    assert devicecheck.finish(expected="fakegpu")["forward"] == {"fakegpu": 1}


def test_packed_sequences_keep_their_lengths_on_the_cpu_as_on_cuda():
    """pack_padded_sequence moves ``lengths`` to the CPU (CUDA requires it): no false alarm."""
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    torch.manual_seed(0)
    lstm = nn.LSTM(3, 4, batch_first=True)
    X, lengths = torch.randn(2, 5, 3), torch.tensor([5, 2])
    expected, _ = pad_packed_sequence(lstm(pack_padded_sequence(X, lengths, batch_first=True))[0], batch_first=True)
    lstm.to(DEV)
    packed = pack_padded_sequence(X.to(DEV), lengths.to(DEV), batch_first=True)
    out, _ = pad_packed_sequence(lstm(packed)[0], batch_first=True)
    assert out.device == DEV and packed.batch_sizes.device.type == "cpu"
    torch.testing.assert_close(out.cpu(), expected)
    out.sum().backward()
    assert lstm.weight_hh_l0.grad.device == DEV
