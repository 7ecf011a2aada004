"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` and their one-step cells.

A recurrent layer applies the same cell at every time step, feeding each step's
hidden state into the next. Here the steps are ordinary ops, so the graph autograd
records *is* the unrolled network: ``backward`` runs back through time, step by step
(backpropagation through time). Print ``loss.grad_fn`` and follow
``next_functions`` to see one cell per step.

The cells (``W_*`` are ``weight_ih``/``weight_hh`` rows, ``b_*`` the biases):

* ``RNNCell``:  ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)`` (or relu)
* ``LSTMCell``: gates ``i, f, g, o`` from ``x W_ih^T + b_ih + h W_hh^T + b_hh``;
  ``c' = sigmoid(f) c + sigmoid(i) tanh(g)``, ``h' = sigmoid(o) tanh(c')``
* ``GRUCell``:  ``r, z`` sigmoid gates and ``n = tanh(x_n + r * h_n)``;
  ``h' = z * (h - n) + n``

Parameters, their names, shapes and PyTorch's initialisation (every one uniform in
``+-1/sqrt(hidden_size)``, drawn in ``parameters()`` order) are PyTorch's, so a
seeded layer has PyTorch's weights and computes its outputs. One difference a
learner can see: PyTorch runs whole layers in fused kernels, so its output's
``grad_fn`` is a single node (``MkldnnRnnLayerBackward0``, ``StackBackward0``), where
ours shows the unrolled steps.
"""
from __future__ import annotations

import math
from typing import Any

from .. import _backend as B
from .._tensor import Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _cell(mode: str, x: Tensor, state: Any, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None,
          b_hh: Tensor | None, w_hr: Tensor | None = None) -> Any:
    """One time step of ``mode`` for a batch: the new hidden state (LSTM: ``(h, c)``)."""
    if mode == "GRU":
        gi = F.linear(x, w_ih, b_ih).chunk(3, -1)
        gh = F.linear(state, w_hh, b_hh).chunk(3, -1)
        r = (gi[0] + gh[0]).sigmoid()
        z = (gi[1] + gh[1]).sigmoid()
        n = (gi[2] + r * gh[2]).tanh()
        return z * (state - n) + n
    h = state[0] if mode == "LSTM" else state
    gates = F.linear(x, w_ih, b_ih) + F.linear(h, w_hh, b_hh)
    if mode == "RNN_TANH":
        return gates.tanh()
    if mode == "RNN_RELU":
        return gates.relu()
    i, f, g, o = gates.chunk(4, -1)
    c = f.sigmoid() * state[1] + i.sigmoid() * g.tanh()
    h = o.sigmoid() * c.tanh()
    if w_hr is not None:
        h = F.linear(h, w_hr)
    return h, c


class RNNBase(Module):
    """What RNN, LSTM and GRU share: the parameters of every layer and direction, and
    the loop over time."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        if not isinstance(dropout, (int, float)) or not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the probability "
                             "of an element being zeroed")
        if not isinstance(hidden_size, int) or hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if not isinstance(num_layers, int) or num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if dropout > 0 and num_layers == 1:
            import warnings
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero "
                          f"dropout expects num_layers greater than 1, but got dropout={dropout} and "
                          f"num_layers={num_layers}", stacklevel=3)
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        from .._creation import empty
        gate = _GATES[mode] * hidden_size
        out_size = proj_size or hidden_size
        self._flat_weights_names: list[str] = []
        for layer in range(num_layers):
            for direction in range(2 if bidirectional else 1):
                in_size = input_size if layer == 0 else out_size * (2 if bidirectional else 1)
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                shapes = [("weight_ih", (gate, in_size)), ("weight_hh", (gate, out_size))]
                if bias:
                    shapes += [("bias_ih", (gate,)), ("bias_hh", (gate,))]
                if proj_size:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                for name, shape in shapes:
                    setattr(self, name + suffix, Parameter(empty(shape, device=device, dtype=dtype)))
                    self._flat_weights_names.append(name + suffix)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias uniform in ``+-1/sqrt(hidden_size)`` (PyTorch's choice)."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _weights(self, layer: int, direction: int) -> list[Any]:
        suffix = f"_l{layer}" + ("_reverse" if direction else "")
        get = lambda n: getattr(self, n + suffix) if hasattr(self, n + suffix) else None  # noqa: E731
        return [get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh"), get("weight_hr")]

    def forward(self, input: Tensor, hx: Any = None) -> tuple[Tensor, Any]:
        from .._creation import zeros
        from .._functions import cat, stack
        lstm = self.mode == "LSTM"
        batched = input.dim() == 3
        if input.dim() not in (2, 3):
            raise ValueError(f"{type(self).__name__}: Expected input to be 2D or 3D, got {input.dim()}D "
                             "instead")
        if not batched:
            input = input.unsqueeze(1)
            if hx is not None:
                hx = tuple(h.unsqueeze(1) for h in hx) if lstm else hx.unsqueeze(1)
        elif self.batch_first:
            input = input.transpose(0, 1)
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                               f"got {input.shape[-1]}")
        dirs = 2 if self.bidirectional else 1
        n = input.shape[1]
        out_size = self.proj_size or self.hidden_size
        if hx is None:
            kw = dict(dtype=input.dtype, device=input.device)
            h0 = zeros(self.num_layers * dirs, n, out_size, **kw)
            hx = (h0, zeros(self.num_layers * dirs, n, self.hidden_size, **kw)) if lstm else h0
        layer_input, h_n, c_n = input, [], []
        for layer in range(self.num_layers):
            outputs = []
            for d in range(dirs):
                k = layer * dirs + d
                w = self._weights(layer, d)
                state = (hx[0][k], hx[1][k]) if lstm else hx[k]
                steps = range(layer_input.shape[0])
                seq = [None] * layer_input.shape[0]
                for t in (reversed(steps) if d else steps):
                    state = _cell(self.mode, layer_input[t], state, *w)
                    seq[t] = state[0] if lstm else state
                outputs.append(stack(seq))
                h_n.append(state[0] if lstm else state)
                if lstm:
                    c_n.append(state[1])
            layer_input = outputs[0] if dirs == 1 else cat(outputs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, True)
        output = layer_input
        h = stack(h_n)
        hidden = (h, stack(c_n)) if lstm else h
        if not batched:
            output = output.squeeze(1)
            hidden = tuple(x.squeeze(1) for x in hidden) if lstm else hidden.squeeze(1)
        elif self.batch_first:
            output = output.transpose(0, 1)
        return output, hidden

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout:g}" if self.dropout != int(self.dropout) else f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s


class RNN(RNNBase):
    """Elman RNN: ``h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)`` at every step
    (``nonlinearity='relu'`` for relu). Returns ``(output, h_n)``: every step's ``h`` of
    the last layer, and the last step's ``h`` of every layer."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, device: Any = None, dtype: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size,
                         num_layers, bias, batch_first, dropout, bidirectional, 0, device, dtype)


class LSTM(RNNBase):
    """Long short-term memory: a cell state ``c`` carried through gates (input, forget,
    cell, output), so gradients can flow over many steps. Returns
    ``(output, (h_n, c_n))``."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, device: Any = None, dtype: Any = None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, proj_size, device, dtype)


class GRU(RNNBase):
    """Gated recurrent unit: reset and update gates decide how much of the old state
    to keep. Returns ``(output, h_n)``."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, 0, device, dtype)


class RNNCellBase(Module):
    """What the one-step cells share: ``weight_ih`` ``(num_chunks * hidden_size, input_size)``,
    ``weight_hh`` ``(num_chunks * hidden_size, hidden_size)`` and, with ``bias``, ``bias_ih``
    and ``bias_hh``, all uniform in ``+-1/sqrt(hidden_size)``. ``num_chunks`` is the number
    of gates stacked in each matrix: 1 for ``RNNCell``, 4 for ``LSTMCell``, 3 for
    ``GRUCell``. (The base itself has no ``forward``: subclass it for a cell of your own.)"""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        from .._creation import empty
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        gate = num_chunks * hidden_size
        self.weight_ih = Parameter(empty((gate, input_size), device=device, dtype=dtype))
        self.weight_hh = Parameter(empty((gate, hidden_size), device=device, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(empty((gate,), device=device, dtype=dtype))
            self.bias_hh = Parameter(empty((gate,), device=device, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    reset_parameters = RNNBase.reset_parameters

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s


class _CellBase(RNNCellBase):
    """A cell of one of RNNBase's modes: its number of gates, and one step of it as forward."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, bias: bool, device: Any,
                 dtype: Any) -> None:
        self.mode = mode
        super().__init__(input_size, hidden_size, bias, _GATES[mode], device, dtype)

    def forward(self, input: Tensor, hx: Any = None) -> Any:
        from .._creation import zeros
        if input.dim() not in (1, 2):
            raise ValueError(f"{type(self).__name__}: Expected input to be 1D or 2D, got {input.dim()}D "
                             "instead")
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
        lstm = self.mode == "LSTM"
        if hx is None:
            h0 = zeros(input.shape[0], self.hidden_size, dtype=input.dtype, device=input.device)
            hx = (h0, h0) if lstm else h0
        elif not batched:
            hx = tuple(h.unsqueeze(0) for h in hx) if lstm else hx.unsqueeze(0)
        out = _cell(self.mode, input, hx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        if not batched:
            out = tuple(o.squeeze(0) for o in out) if lstm else out.squeeze(0)
        return out


class RNNCell(_CellBase):
    """One step of :class:`RNN`: ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device: Any = None, dtype: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size,
                         bias, device, dtype)


class LSTMCell(_CellBase):
    """One step of :class:`LSTM`: returns ``(h', c')``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__("LSTM", input_size, hidden_size, bias, device, dtype)


class GRUCell(_CellBase):
    """One step of :class:`GRU`: returns ``h'``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__("GRU", input_size, hidden_size, bias, device, dtype)
