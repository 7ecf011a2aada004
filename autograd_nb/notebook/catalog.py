"""The catalog of autograd errors a learner meets, with plain-language explanations.

Each :class:`Entry` matches PyTorch's wording of one error with a regular expression
(``pattern``); its texts may use the pattern's named groups as ``{fields}``. Order
matters only where two patterns could match the same message: the first one wins.
:func:`autograd_nb.notebook.explain.explain` looks errors up here; the widgets use
the same function.

To add an error: trigger it in PyTorch, copy the stable part of its message into a
pattern, write what / why / fixes for a learner, and add a case to
tests/test_notebook_explain.py that triggers it with autograd_nb and with PyTorch.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

__all__ = ["Entry", "CATALOG"]


@dataclass(frozen=True)
class Entry:
    """One kind of error: a pattern on the message and the texts that explain it.

    ``what`` and the fixes may use ``{name}`` fields filled from the pattern's named
    groups, after ``fill`` (if given) has added derived fields.
    """

    key: str
    pattern: str
    title: str
    what: str
    why: str
    fixes: tuple[str, ...]
    types: tuple[type, ...] = (RuntimeError,)
    fill: Callable[[dict], dict] | None = field(default=None, compare=False)

    def match(self, exc: BaseException) -> re.Match | None:
        if not isinstance(exc, self.types):
            return None
        return re.search(self.pattern, str(exc))


def _inplace_fill(g: dict) -> dict:
    op = g.get("op")
    g["of"] = f", output {g['nr']} of the {op} operation" if op else ""
    return g


def _dims(text: str) -> str:
    return text.replace("x", " x ")


def _matmul_fill(g: dict) -> dict:
    a, b = g["a"].split("x"), g["b"].split("x")
    g["k1"], g["k2"] = a[1], b[0]
    return g


CATALOG: tuple[Entry, ...] = (
    Entry(
        "second_backward", r"Trying to backward through the graph a second time",
        "backward through a graph whose saved values were already freed",
        "backward() needed a value that the forward pass had saved, but an earlier backward() "
        "through this same graph had already freed it.",
        "To save memory, backward() releases every buffer the graph saved as soon as it has "
        "used them. The forward pass is over, so autograd cannot recompute them.",
        ("Redo the forward pass before each backward (forward, loss, backward, step: once per "
         "iteration).",
         "If you really need two backward passes through one graph, call the first one with "
         "backward(retain_graph=True).",
         "If a tensor from the previous iteration (a hidden state, a running total) keeps the old "
         "graph alive, use .detach() on it before reusing it.")),
    Entry(
        "inplace_modified",
        r"one of the variables needed for gradient computation has been modified by an inplace "
        r"operation: \[(?P<tensor>[^\]]*\[[^\]]*\])\](?:, which is output (?P<nr>\d+) of "
        r"(?P<op>\w+))?, is at version (?P<now>\d+); expected version (?P<then>\d+)",
        "a value saved for backward was changed in place afterwards",
        "A tensor ({tensor}{of}) was saved for backward at version {then}; an in-place "
        "operation (a method ending in _, +=, x[...] = ...) changed it later, so it is now at "
        "version {now}.",
        "The backward rule needs the value exactly as it was in the forward pass. Each tensor "
        "counts its in-place changes (tensor._version) and autograd refuses to compute a "
        "gradient from a value that has changed since it was saved.",
        ("Use the out-of-place form: y = y + 1 instead of y += 1 or y.add_(1).",
         "Change a .clone() of the tensor instead of the tensor itself.",
         "Do the in-place update after backward(), or inside torch.no_grad() on a leaf "
         "(as optimizers do).",
         "Run the cell with %%autograd --anomaly to see which line created the failing node."),
        fill=_inplace_fill),
    Entry(
        "nonscalar_backward", r"grad can be implicitly created only for scalar outputs",
        "backward() on a tensor with more than one element",
        "backward() was called without an argument on a tensor that holds several numbers.",
        "A gradient is the derivative of ONE number. For a tensor of many numbers autograd "
        "would need to know how to weigh them (the 'gradient' argument, a vector for the "
        "vector-Jacobian product), and it does not guess.",
        ("Reduce to a scalar first: y.sum().backward() or y.mean().backward() (a loss is a "
         "scalar).",
         "Or pass the weights explicitly: y.backward(torch.ones_like(y)).")),
    Entry(
        "nonreal_backward",
        r"grad can be implicitly created only for real scalar outputs but got (?P<dtype>\S+)",
        "backward() on an integer (or complex) scalar",
        "backward() was called on a scalar of dtype {dtype}.",
        "Gradients exist only for floating point values: an integer result cannot change "
        "smoothly, so there is nothing to differentiate.",
        ("Keep the computation in floating point (do not call .long() / .int() / .round() on "
         "the way to the loss).",)),
    Entry(
        "no_grad_fn",
        r"element (?P<i>\d+) of tensors does not require grad and does not have a grad_fn",
        "backward() on a tensor that is not part of any graph",
        "Tensor number {i} given to backward() does not require grad and has no grad_fn: "
        "autograd recorded nothing that produced it.",
        "Autograd only records operations whose inputs require grad, and only while grad mode "
        "is on. Without a recorded graph there is no path back to any leaf.",
        ("Create the inputs with requires_grad=True (e.g. torch.tensor([1.0], "
         "requires_grad=True)) BEFORE computing with them.",
         "Make sure the computation did not run under torch.no_grad() or "
         "torch.inference_mode(), or in a cell run with --mode no_grad.",
         "Look for .detach(), .item(), .numpy() or .data on the way to the loss: each one "
         "cuts the graph.")),
    Entry(
        "inference_saved", r"Inference tensors cannot be saved for backward",
        "a tensor made in inference mode was used in a computation autograd records",
        "An operation that autograd records needed to save a tensor created inside "
        "torch.inference_mode().",
        "Inference mode skips the bookkeeping (version counters) that autograd needs to "
        "check saved values later, so such tensors can never be saved for backward.",
        ("Use torch.no_grad() instead of torch.inference_mode() for tensors you will reuse "
         "in training.",
         "Or make a normal copy: x = x.clone() (outside inference mode).")),
    Entry(
        "int_requires_grad",
        r"[Oo]nly Tensors of floating point (?:and complex )?dtype can require gradients",
        "requires_grad on an integer (or bool) tensor",
        "requires_grad=True was asked of a tensor whose dtype is not floating point "
        "(torch.tensor([1, 2]) is int64).",
        "Gradients are derivatives: they need values that can change continuously. Integer "
        "tensors cannot carry them.",
        ("Write the numbers as floats: torch.tensor([1.0, 2.0], requires_grad=True).",
         "Or give the dtype: torch.tensor([1, 2], dtype=torch.float32, requires_grad=True).",
         "Or convert first: x = x.float().requires_grad_().")),
    Entry(
        "device_mismatch",
        r"Expected all tensors to be on the same device, but found at least two devices, "
        r"(?P<a>[\w:]+) and (?P<b>[\w:]+)",
        "tensors on different devices in one operation",
        "One operation received tensors on {a} and on {b}.",
        "An operation runs on one device and never copies silently: moving data between the "
        "GPU and the CPU is slow, so you decide when it happens.",
        ("Move the tensors to one device first: x = x.to(y.device), or .cuda() / .cpu().",
         "For a model, move the model and its inputs: model.to(device); x = x.to(device).")),
    Entry(
        "numpy_requires_grad", r"Can't call numpy\(\) on Tensor that requires grad",
        "numpy() on a tensor that requires grad",
        "tensor.numpy() was called on a tensor that is part of autograd's graph.",
        "A numpy array shares the tensor's memory but not its graph: anything you did with it "
        "would be invisible to autograd and its gradients silently wrong, so PyTorch asks you to "
        "leave the graph explicitly.",
        ("Use tensor.detach().numpy() (you are saying: no gradients through this).",
         "For a single number use tensor.item().")),
    Entry(
        "numpy_device", r"can't convert (?P<dev>\S+) device type tensor to numpy",
        "numpy() on a GPU tensor",
        "tensor.numpy() was called on a tensor stored on {dev}.",
        "numpy arrays live in CPU memory; the copy from the GPU must be asked for.",
        ("Copy to the CPU first: tensor.cpu().numpy() (with .detach() if it requires grad).",),
        types=(TypeError, RuntimeError)),
    Entry(
        "nonleaf_requires_grad", r"you can only change requires_grad flags of leaf variables",
        "changing requires_grad of a computed tensor",
        "requires_grad was set on a tensor produced by an operation (a non-leaf).",
        "A computed tensor requires grad because something it came from does; its flag "
        "follows from the graph and cannot be switched off by hand.",
        ("To use its value without gradients, take y.detach() (a new leaf sharing the "
         "numbers).",
         "To start a new graph from it: y = y.detach().requires_grad_().")),
    Entry(
        "leaf_inplace",
        r"a (?P<view>view of a )?leaf Variable that requires grad is being used in an "
        r"in-place operation",
        "in-place change of a leaf that requires grad",
        "An in-place operation (a method ending in _, +=, x[...] = ...) tried to change a "
        "leaf tensor that requires grad, or a view of one.",
        "Autograd must know every value a leaf took. Changing a leaf in place while "
        "recording would rewrite the start of the graph and make its gradient meaningless.",
        ("Update parameters inside torch.no_grad(): with torch.no_grad(): w -= lr * w.grad.",
         "Or compute a new tensor instead: w2 = w * 2.",
         "To fill values while building the tensor, do it before setting requires_grad.")),
    Entry(
        "multi_view_inplace",
        r"Output (?P<nr>\d+) of (?P<op>\w+) is a view and is being modified inplace\. This view "
        r"is the output of a function that returns multiple views",
        "in-place change of one of several views",
        "An in-place operation changed output {nr} of {op}, one of several views it returned "
        "into the same memory.",
        "Autograd cannot track an in-place change through views that come out of one "
        "operation together (split, chunk, unbind).",
        ("Use an out-of-place operation: a = a * 2 instead of a.mul_(2).",
         "Or .clone() the view before changing it.")),
    Entry(
        "broadcast_mismatch",
        r"The size of tensor a \((?P<a>\d+)\) must match the size of tensor b \((?P<b>\d+)\) "
        r"at non-singleton dimension (?P<dim>\d+)",
        "shapes that cannot be broadcast together",
        "An elementwise operation got sizes {a} and {b} at dimension {dim} (counted on the "
        "aligned shapes).",
        "Elementwise operations line shapes up from the right; at each position the sizes "
        "must be equal or one of them 1 (it is then repeated). {a} and {b} are neither.",
        ("Print both .shape values and check which dimension is which.",
         "Add the missing axis explicitly: x.unsqueeze(1) or x[:, None].",
         "Transpose if rows and columns are swapped: x.T.")),
    Entry(
        "matmul_shapes",
        r"mat1 and mat2 shapes cannot be multiplied \((?P<a>\d+x\d+) and (?P<b>\d+x\d+)\)",
        "matrix product of incompatible shapes",
        "A matrix product got a {a} matrix and a {b} matrix: inner sizes {k1} and {k2} differ.",
        "For A @ B the number of columns of A must equal the number of rows of B. (A Linear "
        "layer computes x @ W.T, so its in_features must equal x.shape[-1].)",
        ("Check the shapes: print(A.shape, B.shape).",
         "Transpose the one that is the wrong way round: A @ B.T.",
         "For nn.Linear(in_features, out_features), make in_features match the last size "
         "of the input."),
        fill=_matmul_fill),
    Entry(
        "dot_size",
        r"inconsistent tensor size, expected tensor \[(?P<a>\d+)\] and src \[(?P<b>\d+)\]",
        "dot product of vectors of different lengths",
        "A dot product (1-D @ 1-D) got vectors of lengths {a} and {b}.",
        "A dot product pairs the elements one to one, so both vectors need the same length.",
        ("Check the lengths: print(a.shape, b.shape).",)),
    Entry(
        "mv_size",
        r"size mismatch, got input \((?P<n>\d+)\), mat \((?P<mat>\d+x\d+)\), vec \((?P<vec>\d+)\)",
        "matrix-vector product of incompatible sizes",
        "A matrix-vector product got a {mat} matrix and a vector of length {vec}.",
        "For M @ v the length of v must equal the number of columns of M.",
        ("Check the shapes: print(M.shape, v.shape); transpose M (M.T @ v) if needed.",)),
    Entry(
        "dtype_mismatch",
        r"expected m1 and m2 to have the same dtype, but got: (?P<a>\w+) != (?P<b>\w+)"
        r"|expected scalar type (?P<a2>\w+) but found (?P<b2>\w+)"
        r"|mat1 and mat2 must have the same dtype",
        "operands of different dtypes",
        "An operation that does not promote dtypes got tensors of different dtypes "
        "(float32 and float64, for example).",
        "Matrix products and most layers compute in one dtype; PyTorch does not convert "
        "silently there.",
        ("Convert one side: b = b.float() (float32, the default) or a = a.double().",
         "Create tensors from numpy with torch.tensor(arr, dtype=torch.float32): numpy's "
         "default is float64.")),
    Entry(
        "cat_sizes",
        r"Sizes of tensors must match except in dimension (?P<dim>\d+)"
        r"|stack expects each tensor to be equal size",
        "joining tensors of different shapes",
        "torch.cat / torch.stack got tensors whose shapes do not line up.",
        "cat joins along one dimension, so all other sizes must agree; stack adds a new "
        "dimension, so all shapes must be identical.",
        ("Print the shapes of the tensors in the list and fix the one that differs.",)),
    Entry(
        "bool_ambiguous", r"Boolean value of Tensor with more than one value is ambiguous",
        "a tensor of several values used as True/False",
        "A tensor with several elements was used where Python needs one truth value (if, "
        "while, and, or, not).",
        "Should [True, False] count as true? PyTorch refuses to guess.",
        ("Say which: (x > 0).any() or (x > 0).all().",
         "Use & and | instead of and / or for elementwise logic.")),
    Entry(
        "item_many", r"a Tensor with (?P<n>\d+) elements cannot be converted to Scalar",
        "item() on a tensor with several elements",
        ".item() (or float()/int()) was called on a tensor of {n} elements.",
        "item() returns ONE Python number.",
        ("Reduce first (x.sum().item()), index one element (x[0].item()), or use x.tolist().",)),
    Entry(
        "inference_inplace", r"Inplace update to inference tensor outside InferenceMode",
        "in-place change of an inference tensor outside inference mode",
        "A tensor created in torch.inference_mode() was changed in place after the block.",
        "Inference tensors carry no version counter, so autograd could not notice the "
        "change if the tensor were used in a graph.",
        ("Change a clone: x = x.clone(); x.add_(1).",
         "Or use torch.no_grad() instead of inference_mode() for that tensor.")),
    Entry(
        "inference_requires_grad",
        r"Setting requires_grad=True on inference tensor outside InferenceMode",
        "requires_grad on an inference tensor",
        "requires_grad=True was set on a tensor created in torch.inference_mode().",
        "Inference tensors skip the bookkeeping autograd needs, so they can never take part "
        "in a graph.",
        ("Make a normal tensor first: x = x.clone().requires_grad_().",)),
    Entry(
        "retain_grad_no_grad", r"can't retain_grad on Tensor that has requires_grad=False",
        "retain_grad() on a tensor that does not require grad",
        "retain_grad() was called on a tensor that autograd does not track.",
        "retain_grad() keeps the gradient of a tensor inside a graph; this tensor is in no "
        "graph, so no gradient will ever reach it.",
        ("Make sure it is computed from a tensor with requires_grad=True, in grad mode.",)),
    Entry(
        "hook_no_grad", r"cannot register a hook on a tensor that doesn't require gradient",
        "register_hook() on a tensor that does not require grad",
        "A gradient hook was registered on a tensor that autograd does not track.",
        "The hook would run when a gradient reaches the tensor, which never happens.",
        ("Register the hook on a tensor that requires grad (or set requires_grad=True on the "
         "leaf first).",)),
    Entry(
        "view_stride", r"view size is not compatible with input tensor's size and stride",
        "view() of a non-contiguous tensor",
        ".view() was asked for a shape that the tensor's memory layout cannot give without "
        "copying (after .t(), .transpose() or .permute()).",
        "view() never copies: it reinterprets the same memory, which is only possible when "
        "the elements lie in the right order.",
        ("Use .reshape(...) (copies only when needed).",
         "Or call .contiguous() first: x.contiguous().view(...).")),
    Entry(
        "shape_invalid", r"shape '\[(?P<shape>[^\]]*)\]' is invalid for input of size (?P<n>\d+)",
        "a reshape to a shape with a different number of elements",
        "view/reshape was asked for shape [{shape}], but the tensor has {n} elements.",
        "Reshaping only rearranges elements; the product of the new sizes must equal the "
        "number of elements.",
        ("Check x.numel() and x.shape; use -1 for the one size you want computed: "
         "x.view(-1, 4).",)),
    Entry(
        "grad_unused",
        r"(?:One of the differentiated Tensors|The differentiated Tensor at index \d+) appears "
        r"to not have been used in the graph",
        "autograd.grad() asked for the gradient of an input the output does not depend on",
        "One of the inputs given to torch.autograd.grad() was not used to compute the "
        "outputs.",
        "No path in the graph leads from the output to that input, so its gradient is not "
        "zero but undefined; PyTorch asks you to say that this is intended.",
        ("Pass allow_unused=True (you get None for that input), or materialize_grads=True "
         "(you get zeros).",
         "Check that the input is the very tensor you computed with (not a copy).")),
    Entry(
        "inputs_no_grad", r"One of the differentiated Tensors does not require grad",
        "gradient asked for a tensor that does not require grad",
        "autograd.grad() or backward(inputs=...) was given a tensor that does not require "
        "grad.",
        "Only tensors that require grad are tracked; there is no gradient to return for "
        "others.",
        ("Create it with requires_grad=True, or leave it out of inputs.",)),
    Entry(
        "grad_shape",
        r"Mismatch in shape: grad_output\[(?P<i>\d+)\] has a shape of (?P<g>torch\.Size\(\[[^\]]*\]\))"
        r" and output\[\d+\] has a shape of (?P<o>torch\.Size\(\[[^\]]*\]\))",
        "the gradient given to backward() has the wrong shape",
        "backward(gradient) got a gradient of shape {g} for an output of shape {o}.",
        "The gradient argument holds d(something)/d(output) for each element of the output, "
        "so it must have exactly the output's shape.",
        ("Pass torch.ones_like(y) (or a tensor of y's shape): y.backward(torch.ones_like(y)).",)),
    Entry(
        "reduce_int",
        r"(?P<fn>\w+)\(\): could not infer output dtype\. Input dtype must be either a floating "
        r"point or complex dtype\. Got: (?P<dtype>\w+)",
        "mean (or a similar reduction) of an integer tensor",
        "{fn}() was called on a tensor of dtype {dtype}.",
        "The result of {fn}() is generally not an integer, and PyTorch does not choose a "
        "floating point dtype for you.",
        ("Convert first: x.float().{fn}(), or pass dtype=torch.float32.",)),
    Entry(
        "stepper_open", r"A backward stepper \((?P<who>[^)]*)\) is paused over this graph",
        "backward through a graph a stepper is still walking",
        "A backward stepper widget ({who}) is paused in the middle of this graph's backward "
        "pass.",
        "Two backward passes at once through one graph would free or change the buffers the "
        "paused one still needs.",
        ("Finish the stepper (step to the end) or close it, then run backward again.",),
        types=(RuntimeError,)),
)
