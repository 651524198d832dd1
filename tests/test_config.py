import random

import numpy as np
import pytest
import torch

from course_utils import config


def test_setup_defaults(monkeypatch):
    for var in (config.MODE_ENV, config.SEED_ENV, config.THREADS_ENV, config.DEVICE_ENV):
        monkeypatch.delenv(var, raising=False)
    cfg = config.setup(seed=3)
    assert cfg.mode == "class" and cfg.seed == 3 and cfg.threads >= 1
    assert torch.get_num_threads() == cfg.threads
    assert cfg.device == config.pick_device()
    assert "mode=class" in str(cfg)


def test_setup_seeds_every_generator(monkeypatch):
    monkeypatch.delenv(config.SEED_ENV, raising=False)
    draws = []
    for _ in range(2):
        config.setup(seed=7)
        draws.append((random.random(), np.random.rand(), torch.rand(1).item()))
    assert draws[0] == draws[1]


def test_environment_overrides(monkeypatch):
    monkeypatch.setenv(config.MODE_ENV, "SMOKE")
    monkeypatch.setenv(config.SEED_ENV, "11")
    monkeypatch.setenv(config.THREADS_ENV, "2")
    cfg = config.setup(seed=0)
    assert (cfg.mode, cfg.seed, cfg.threads) == ("smoke", 11, 2)
    assert config.setup(mode="full", threads=1).mode == "full"  # code beats the environment


def test_bad_mode_and_threads_are_explained(monkeypatch):
    with pytest.raises(ValueError, match="Unknown size mode 'laptop'.*smoke"):
        config.get_mode("laptop")
    monkeypatch.setenv(config.THREADS_ENV, "many")
    with pytest.raises(ValueError, match="whole number"):
        config.default_threads()


def test_pick_by_mode():
    cfg = config.Config("smoke", 0, torch.device("cpu"), 1, None)
    assert cfg.pick(smoke=1, class_=10, full=100) == 1
    assert config.Config("class", 0, torch.device("cpu"), 1, None).pick(1, 10, 100) == 10
    assert config.Config("full", 0, torch.device("cpu"), 1, None).pick(**{"class": 5, "full": 9}) == 9
    with pytest.raises(ValueError, match="no value for the current mode 'smoke'"):
        cfg.pick(class_=10)
    with pytest.raises(TypeError, match="smoke=, class_= and full="):
        cfg.pick(gpu=3)


def test_default_threads_is_half_the_usable_cores(monkeypatch):
    monkeypatch.delenv(config.THREADS_ENV, raising=False)
    monkeypatch.setattr(config, "available_cores", lambda: 2)
    assert config.default_threads() == 1
    monkeypatch.setattr(config, "available_cores", lambda: 16)
    assert config.default_threads() == 8


def _machine(monkeypatch, cuda, mps):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: int(cuda))
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)


@pytest.mark.parametrize("cuda, mps, best", [(True, True, "cuda"), (True, False, "cuda"),
                                             (False, True, "mps"), (False, False, "cpu")])
def test_device_preference_is_cuda_then_mps_then_cpu(monkeypatch, cuda, mps, best):
    _machine(monkeypatch, cuda, mps)
    assert config.pick_device() == torch.device(best)
    assert config.available_devices()[0] == best and config.available_devices()[-1] == "cpu"


def test_requested_device_is_used_when_present(monkeypatch):
    _machine(monkeypatch, cuda=True, mps=True)
    assert config.pick_device("mps") == torch.device("mps")  # not the better cuda
    assert config.pick_device("cuda:0") == torch.device("cuda:0")
    assert config.pick_device("cpu") == torch.device("cpu")


@pytest.mark.parametrize("requested", ["cuda", "cuda:1", "mps", "gpu"])
def test_requested_device_that_is_absent_is_an_error(monkeypatch, requested):
    _machine(monkeypatch, cuda=requested == "cuda:1", mps=False)  # one GPU at most: cuda:1 absent
    with pytest.raises(ValueError, match=rf"'{requested}' was requested but is not available.*cpu"):
        config.pick_device(requested)
    monkeypatch.delenv(config.SEED_ENV, raising=False)
    with pytest.raises(ValueError, match="not available"):
        config.setup(device=requested)


@pytest.mark.parametrize("value", ["seven", "1.5", "0x"])
def test_bad_seed_names_the_variable_and_a_valid_example(monkeypatch, value):
    monkeypatch.setenv(config.SEED_ENV, value)
    with pytest.raises(ValueError, match=rf"COURSE_SEED must be a whole number, e\.g\. COURSE_SEED=1, got '{value}'"):
        config.setup(seed=0)


@pytest.fixture
def backend_flags():
    """Save PyTorch's global GPU flags and put them back after the test, explicitly.

    ``monkeypatch.setattr`` cannot do this: the flags are served by the backend modules'
    ``__getattr__`` and descriptors, and pytest >= 9.2 undoes a patch by restoring the object's
    ``__dict__``, which deletes such an attribute instead of restoring its value.
    """
    cudnn, matmul = torch.backends.cudnn, torch.backends.cuda.matmul
    saved = {flag: getattr(cudnn, flag) for flag in ("allow_tf32", "benchmark", "deterministic")}
    saved_matmul = matmul.allow_tf32
    yield
    for flag, value in saved.items():
        setattr(cudnn, flag, value)
    matmul.allow_tf32 = saved_matmul


def test_backend_flags_fixture_puts_the_flags_back(backend_flags):
    # the fixture's own check: what setup() would change is a real, settable attribute
    assert isinstance(torch.backends.cuda.matmul.allow_tf32, bool)
    assert isinstance(torch.backends.cudnn.benchmark, bool)


@pytest.mark.parametrize("mode, says_full", [("class", True), ("smoke", True), ("full", False)])
def test_setup_on_a_gpu_states_its_settings_and_points_to_full_mode(monkeypatch, backend_flags, mode, says_full):
    monkeypatch.setattr(config, "pick_device", lambda prefer=None: torch.device("cuda"))
    cfg = config.setup(seed=0, mode=mode, threads=1)
    assert "TF32" in cfg.note and "not bit-deterministic" in cfg.note
    assert ("COURSE_MODE=full" in cfg.note) == says_full
    assert "COURSE_MODE=full" in str(cfg) if says_full else cfg.note in str(cfg)
    assert torch.backends.cudnn.benchmark == (mode == "full")


def test_setup_on_the_cpu_has_nothing_to_note():
    flags = (torch.backends.cudnn.benchmark, torch.backends.cuda.matmul.allow_tf32)
    cfg = config.setup(seed=0, mode="class", device="cpu", threads=1)
    assert cfg.note == "" and "\n" not in str(cfg)
    assert (torch.backends.cudnn.benchmark, torch.backends.cuda.matmul.allow_tf32) == flags  # a CPU run sets none


def test_the_printout_shows_no_full_path_of_this_machine(monkeypatch, tmp_path):
    from pathlib import Path

    from course_utils import data

    monkeypatch.delenv(data.DATA_DIR_ENV, raising=False)
    cfg = config.setup(seed=0)
    course = Path(config.__file__).resolve().parents[1]
    assert str(course) not in str(cfg) and str(Path.home()) not in str(cfg)
    pretty = pytest.importorskip("IPython.lib.pretty").pretty

    assert pretty(cfg) == str(cfg)  # what a notebook shows for a bare `cfg`
    assert config.shown_path(Path.home() / ".cache" / "rnn-course") == "~/.cache/rnn-course"
    assert config.shown_path(course / "data") == "data"
    assert config.shown_path(tmp_path) == str(tmp_path)  # a folder you chose elsewhere is shown as it is


def test_full_precision_turns_tf32_off_inside_and_restores_it_even_after_an_error():
    """07 compares its from-scratch cells with cuDNN to 1e-4 under it: TF32 (on by configure_gpu
    on a GPU) gives about 3 significant digits, so the comparison would measure TF32, not the cells."""
    saved = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    try:
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = True
        with pytest.raises(KeyError), config.full_precision():
            assert not torch.backends.cuda.matmul.allow_tf32 and not torch.backends.cudnn.allow_tf32
            raise KeyError("inside")
        assert torch.backends.cuda.matmul.allow_tf32 and torch.backends.cudnn.allow_tf32
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved
