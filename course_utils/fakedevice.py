"""A simulated accelerator: device bugs caught on a machine without a GPU.

    from course_utils import fakedevice
    device = fakedevice.enable()            # torch.device("fakegpu")
    x = torch.randn(3, 4).to(device)        # real values, computed on the CPU, tagged "fakegpu:0"
    x + torch.ones(3, 4)                    # RuntimeError: ... found at least two devices ...
    x.numpy()                               # TypeError: ... Use Tensor.cpu() ... first

``config.setup`` selects it when ``COURSE_DEVICE=fake``, so that every notebook can run in smoke
mode "on a GPU" in CI. A tensor on the simulated device is a wrapper (a ``__torch_dispatch__``
subclass) around an ordinary CPU tensor: every operation unwraps its arguments, checks them the
way CUDA would, computes on the CPU and wraps the result again. What CUDA rejects, it rejects:

- an operation mixing device tensors with CPU tensors (a 0-dim CPU tensor is allowed, as CUDA
  allows it; CPU indices into a device tensor are allowed, as CUDA allows them);
- a CPU ``torch.Generator`` used to sample device tensors (``torch.multinomial(probs, 1,
  generator=g)`` with ``probs`` on the device);
- ``.numpy()`` (or ``np.asarray``) without ``.cpu()`` first;
- a model whose parameters are on the CPU while its inputs are on the device (the first mixed
  operation inside it fails, as on CUDA).

The device is PyTorch's ``PrivateUse1`` backend renamed ``fakegpu``, registered for Python
(``torch.utils.backend_registration``), with the kernels a backend needs to allocate tensors and
copy them in and out. It is slow (Python runs for every operation on it): smoke mode only.
``course_utils.devicecheck`` checks, at a notebook's end, that its models reached the device.
"""

from __future__ import annotations

import torch

NAME = "fakegpu"
_enabled = False


def _device() -> torch.device:
    return torch.device(NAME, 0)


class DeviceTensor(torch.Tensor):
    """A CPU tensor (``self.inner``) that says it lives on the simulated device."""

    inner: torch.Tensor

    @staticmethod
    def __new__(cls, inner: torch.Tensor, requires_grad: bool = False):
        if isinstance(inner, DeviceTensor):
            raise TypeError("DeviceTensor wraps a CPU tensor, not another DeviceTensor")
        tensor = torch.Tensor._make_wrapper_subclass(
            cls, inner.size(), strides=inner.stride(), storage_offset=inner.storage_offset(),
            dtype=inner.dtype, layout=inner.layout, device=_device(), requires_grad=requires_grad,
            dispatch_sizes_strides_policy="sizes")  # in-place view ops (transpose_) change them
        tensor.inner = inner
        return tensor

    __torch_function__ = torch._C._disabled_torch_function_impl

    def __repr__(self, *, tensor_contents=None):
        return f"{self.inner!r}".replace("tensor(", "DeviceTensor(", 1)[:-1] + f", device='{self.device}')"

    def numpy(self, *args, **kwargs):
        raise TypeError(f"can't convert {self.device} device type tensor to numpy. "
                        f"Use Tensor.cpu() to copy the tensor to host memory first.")

    def tolist(self):
        return self.inner.tolist()

    def __array__(self, dtype=None, copy=None):
        return self.numpy()

    @classmethod
    def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
        return _dispatch(func, args, kwargs or {})


# Operations that may take tensors of two devices, as CUDA allows: copies between devices.
_CROSS_DEVICE = {"aten::copy_", "aten::_to_copy", "aten::_copy_from", "aten::_copy_from_and_resize",
                 "aten::lift_fresh", "aten::set_"}
# Operations that take sequence lengths or batch sizes as a CPU int64 tensor on every device
# (``nn.utils.rnn.pack_padded_sequence`` moves ``lengths`` to the CPU itself; CUDA insists on it).
_CPU_LENGTHS = {"aten::_pack_padded_sequence", "aten::_pack_padded_sequence_backward",
                "aten::_pad_packed_sequence", "aten::lstm", "aten::gru", "aten::rnn_tanh", "aten::rnn_relu"}
# Operations whose index tensors may stay on the CPU while the indexed tensor is on the device.
_CPU_INDICES = {"aten::index", "aten::index_put", "aten::index_put_", "aten::_index_put_impl_",
                "aten::_unsafe_index", "aten::_unsafe_index_put"}

stats = {"operations": 0, "allocations": 0}
"""How much ran on the simulated device: operations dispatched, tensors allocated there."""


def _mismatch(func, other: torch.device) -> RuntimeError:
    return RuntimeError(f"Expected all tensors to be on the same device, but found at least two devices, "
                        f"{_device()} and {other}! (when checking arguments for {func.name()}; "
                        f"simulated device: move every tensor and model to cfg.device)")


def _leaves(values):
    """The arguments of an aten operation, one level of lists flattened (tensor lists)."""
    for value in values:
        if isinstance(value, (list, tuple)):
            yield from value
        else:
            yield value


def _check_devices(name: str, func, args, kwargs, leaves: list) -> None:
    """Raise what CUDA raises when ``func`` mixes device tensors with CPU tensors or generators."""
    if name in _CROSS_DEVICE:
        return
    tensors = [t for t in leaves if isinstance(t, torch.Tensor)]
    if name in _CPU_INDICES:
        if not isinstance(args[0], DeviceTensor):
            raise RuntimeError(f"indices should be either on cpu or on the same device as the indexed "
                               f"tensor ({args[0].device})")
        indices = [i for i in args[1] if i is not None]
        tensors = [t for t in tensors if not any(t is i for i in indices)]
    if name in _CPU_LENGTHS:
        tensors = [t for t in tensors if not (t.dim() == 1 and t.dtype == torch.int64)]
    for t in tensors:
        if not isinstance(t, DeviceTensor) and not (t.dim() == 0 and t.device.type == "cpu"):
            raise _mismatch(func, t.device)
    for g in leaves:
        if isinstance(g, torch.Generator) and g.device.type != NAME:
            raise RuntimeError(f"Expected a '{NAME}' device type for generator but found "
                               f"'{g.device.type}' (a CPU torch.Generator cannot sample tensors on "
                               f"the device: sample on the CPU, or use the device's default generator)")


def _unwrap(x):
    if isinstance(x, DeviceTensor):
        return x.inner
    if isinstance(x, (list, tuple)) and any(isinstance(v, DeviceTensor) for v in x):
        return type(x)(v.inner if isinstance(v, DeviceTensor) else v for v in x)
    return x


def _lstm_cell(input_gates, hidden_gates, cx, input_bias=None, hidden_bias=None):
    """CUDA's fused LSTM cell, on CPU tensors: gates (B, 4H), cx (B, H) -> hy, cy, workspace (B, 4H)."""
    gates = input_gates + hidden_gates
    if input_bias is not None:
        gates = gates + input_bias + hidden_bias
    i, f, g, o = gates.chunk(4, 1)
    i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
    cy = f * cx + i * g
    return o * cy.tanh(), cy, torch.cat([i, f, g, o], 1)


def _lstm_cell_backward(grad_hy, grad_cy, cx, cy, workspace, has_bias):
    """Gradients of ``_lstm_cell`` with respect to the gates (B, 4H), cx (B, H) and the bias (4H)."""
    i, f, g, o = workspace.chunk(4, 1)
    tanh_cy = cy.tanh()
    grad_hy = torch.zeros_like(cy) if grad_hy is None else grad_hy
    grad_c = grad_hy * o * (1 - tanh_cy ** 2) + (0 if grad_cy is None else grad_cy)
    grad_gates = torch.cat([grad_c * g * i * (1 - i), grad_c * cx * f * (1 - f),
                            grad_c * i * (1 - g ** 2), grad_hy * tanh_cy * o * (1 - o)], 1)
    return grad_gates, grad_c * f, grad_gates.sum(0) if has_bias else None


def _gru_cell(input_gates, hidden_gates, hx, input_bias=None, hidden_bias=None):
    """CUDA's fused GRU cell, on CPU tensors: gates (B, 3H), hx (B, H) -> hy, workspace (B, 5H)."""
    if input_bias is not None:
        input_gates, hidden_gates = input_gates + input_bias, hidden_gates + hidden_bias
    ir, iz, in_ = input_gates.chunk(3, 1)
    hr, hz, hn = hidden_gates.chunk(3, 1)
    r, z = (ir + hr).sigmoid(), (iz + hz).sigmoid()
    n = (in_ + r * hn).tanh()
    return (1 - z) * n + z * hx, torch.cat([r, z, n, hx, hn], 1)


def _gru_cell_backward(grad_hy, workspace, has_bias):
    """Gradients of ``_gru_cell``: input gates, hidden gates (B, 3H), hx (B, H), both biases (3H)."""
    r, z, n, hx, hn = workspace.chunk(5, 1)
    grad_n = grad_hy * (1 - z) * (1 - n ** 2)
    grad_r = grad_n * hn * r * (1 - r)
    grad_z = grad_hy * (hx - n) * z * (1 - z)
    grad_input = torch.cat([grad_r, grad_z, grad_n], 1)
    grad_hidden = torch.cat([grad_r, grad_z, grad_n * r], 1)
    biases = (grad_input.sum(0), grad_hidden.sum(0)) if has_bias else (None, None)
    return grad_input, grad_hidden, grad_hy * z, *biases


# CUDA-only kernels that PyTorch calls for any accelerator (the fused cells of nn.LSTM and
# nn.GRU): computed here from their definitions.
_CPU_VERSIONS = {"aten::_thnn_fused_lstm_cell": _lstm_cell,
                 "aten::_thnn_fused_lstm_cell_backward_impl": _lstm_cell_backward,
                 "aten::_thnn_fused_gru_cell": _gru_cell,
                 "aten::_thnn_fused_gru_cell_backward": _gru_cell_backward}


_aten = torch.ops.aten
# Questions about a tensor's shape and layout: answered by the CPU tensor inside, at once.
_METADATA = {_aten.dim.default, _aten.sym_size.default, _aten.sym_stride.default, _aten.sym_numel.default,
             _aten.sym_storage_offset.default, _aten.is_contiguous.default, _aten.is_contiguous.memory_format,
             _aten.is_strides_like_format.default, _aten.is_non_overlapping_and_dense.default}


def _dispatch(func, args, kwargs):
    """Check ``func``'s arguments as CUDA would, run it on the CPU tensors inside, wrap the results."""
    if func in _METADATA:
        return func(args[0].inner, *args[1:], **kwargs)
    stats["operations"] += 1
    name = func._schema.name
    leaves = [*_leaves(args), *_leaves(kwargs.values())]
    inputs = [t for t in leaves if isinstance(t, DeviceTensor)]
    if inputs:
        _check_devices(name, func, args, kwargs, leaves)
    target = kwargs.get("device")
    to_device = target is not None and torch.device(target).type == NAME
    if target is not None:
        kwargs = dict(kwargs, device=torch.device("cpu") if to_device else target)
    run = _CPU_VERSIONS.get(name, func)
    out = run(*[_unwrap(a) for a in args], **{k: _unwrap(v) for k, v in kwargs.items()})
    wrap = to_device or (bool(inputs) and target is None)
    wrappers = {id(t.inner): t for t in inputs}
    cpu_lengths = name in _CPU_LENGTHS  # batch sizes and lengths come back on the CPU, as on CUDA

    def rewrap(x):
        if not isinstance(x, torch.Tensor) or isinstance(x, DeviceTensor):
            return x
        if cpu_lengths and x.dim() == 1 and x.dtype == torch.int64:
            return x
        if id(x) in wrappers:  # an in-place or out= operation returns its argument
            return wrappers[id(x)]
        return DeviceTensor(x) if wrap else x

    if isinstance(out, (list, tuple)):
        return type(out)(rewrap(x) for x in out)
    return rewrap(out)


def _empty(size, dtype=None, layout=None, device=None, pin_memory=None, memory_format=None):
    stats["allocations"] += 1
    return DeviceTensor(torch.empty(size, dtype=dtype, memory_format=memory_format))


def _empty_strided(size, stride, dtype=None, layout=None, device=None, pin_memory=None):
    stats["allocations"] += 1
    return DeviceTensor(torch.empty_strided(size, stride, dtype=dtype))


def _copy_from(source, destination, non_blocking=False):
    """``destination.copy_(source)`` when Python dispatch is off (``torch.tensor(..., device=)``)."""
    target = destination.inner if isinstance(destination, DeviceTensor) else destination
    target.copy_(_unwrap(source))
    return destination


def _copy_from_and_resize(source, destination):
    target = destination.inner if isinstance(destination, DeviceTensor) else destination
    target.resize_(source.shape).copy_(_unwrap(source))
    return destination


_library = None


def enable() -> torch.device:
    """Register the simulated device (once per process) and return it: ``torch.device("fakegpu", 0)``."""
    global _enabled, _library
    if not _enabled:
        from torch.utils import backend_registration

        backend_registration._setup_privateuseone_for_python_backend(rename=NAME)
        _library = torch.library.Library("aten", "IMPL")
        _library.impl("empty.memory_format", _empty, "PrivateUse1")
        _library.impl("empty_strided", _empty_strided, "PrivateUse1")
        _library.impl("_copy_from", _copy_from, "PrivateUse1")
        _library.impl("_copy_from_and_resize", _copy_from_and_resize, "PrivateUse1")
        _enabled = True
    return _device()
