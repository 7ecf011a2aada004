"""Engine-level differences the program fuzzer (tests/fuzz) found, each pinned here.

Every test states the rule PyTorch follows and checks that autograd_nb follows it too;
where a comparison is the clearest statement, the same snippet runs under both.
"""
from __future__ import annotations

import pytest

import autograd_nb as anb

torch = pytest.importorskip("torch")

from torch_errors import outcome as _outcome, same_outcome  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")


def same(fn):
    """``fn(lib)`` under torch and autograd_nb: the same outcome."""
    return same_outcome(fn, torch)


# --- the order of autograd.grad's and backward's argument checks ---------------------

def _grad_call(outs, ins, grads=None, backward=False):
    def run(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        c = T.tensor([1.0, 2.0])
        env = {"x": x, "c": c, "T": T}
        o, i = eval(outs, env), eval(ins, env)
        g = None if grads is None else eval(grads, env)
        if backward:
            T.autograd.backward(o, g, inputs=i)
            return None
        return [r.tolist() for r in T.autograd.grad(o, i, g, allow_unused=True)]
    return run


@pytest.mark.parametrize("backward", [False, True])
@pytest.mark.parametrize("outs, ins, grads", [
    ("(c.sum(),)", "(c,)", None),                     # an output without history comes first
    ("(x * 2, c.sum())", "(c,)", None),               # the implicit seed of a vector, before both
    ("(c, x.sum())", "(x,)", "(T.ones(3), None)"),    # a gradient's shape, before the history
    ("(x.sum(), c)", "(c,)", None),                   # then the outputs' histories
    ("(x * 2,)", "(c,)", "(T.ones(2),)"),             # then the inputs
    ("(3,)", "(x,)", None),
    ("(x.sum(),)", "(x,)", "(3,)"),
    ("(x.sum(), x.sum())", "(x,)", "(T.tensor(1.),)"),
    ("(x.sum(),)", "(x,)", "(T.tensor(1.), T.tensor(2.))"),   # surplus gradients are ignored
    ("(x.sum(),)", "(x,)", "()"),
])
def test_argument_checks_come_in_pytorchs_order(outs, ins, grads, backward):
    same(_grad_call(outs, ins, grads, backward))


def test_grad_takes_a_dict_of_inputs_and_refuses_an_empty_one():
    def run(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        g = T.autograd.grad((x * x).sum(), {"a": x, "b": x})
        return {k: v.tolist() for k, v in g.items()}
    assert same(run) == ("ok", {"a": [2.0,4.0], "b": [2.0, 4.0]})
    same(lambda T: T.autograd.grad(T.ones(1, requires_grad=True).sum(), []))


def test_backward_with_a_non_leaf_input_makes_it_retain_its_grad():
    def run(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        z = y * 3
        z.sum().backward(inputs=[y], retain_graph=True)
        first = (y.retains_grad, y.grad.tolist(), x.grad)
        z.sum().backward()                            # y keeps collecting its gradient
        return first, y.grad.tolist(), x.grad.tolist()
    assert same(run) == ("ok", ((True, [3.0, 3.0], None), [6.0, 6.0], [6.0, 6.0]))


# --- what a pass frees ----------------------------------------------------------------

def test_grad_frees_only_the_nodes_it_ran():
    """``autograd.grad`` with respect to the output itself runs no node: the graph below
    stays whole, and a later backward goes through it."""
    def run(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = x.pow(x)
        (g,) = T.autograd.grad(y.sum(), (y,))
        y.sum().backward()
        return g.tolist(), x.grad.tolist()
    outcome = same(run)
    assert outcome[0] == "ok"


def test_grad_stopping_at_an_intermediate_input_keeps_the_nodes_below_it():
    def run(T):
        x = T.tensor(1.0, requires_grad=True)
        y = T.nn.functional.elu(x).exp()
        T.autograd.grad(y, [y])                       # the root node itself is the input
        (a,) = T.autograd.grad(y, [x], retain_graph=True)
        return round(a.item(), 6)
    assert same(run)[0] == "ok"


# --- retained gradients -----------------------------------------------------------------

def test_a_retained_grad_is_a_copy_of_the_returned_gradient():
    def run(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.retain_grad()
        (g,) = T.autograd.grad((y * y).sum(), y)
        g.mul_(0)                                     # changing the result leaves .grad alone
        return y.grad.tolist(), g is y.grad
    assert same(run) == ("ok", ([4.0, 8.0], False))


def test_a_retained_grad_under_create_graph_is_a_recorded_clone():
    def run(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.retain_grad()
        (g,) = T.autograd.grad((y * y).sum(), y, create_graph=True)
        first = (y.grad.grad_fn.name(), g is y.grad)
        y.grad.sum().backward()                       # differentiable back to x
        return first, x.grad.tolist()
    assert same(run) == ("ok", (("CloneBackward0", False), [4.0, 4.0]))


# --- .grad under create_graph ------------------------------------------------------------

def test_create_graph_grad_is_a_fresh_writable_copy():
    """The first gradient a create_graph backward leaves in ``.grad`` is copied into a new
    tensor (never the expanded gradient of ``sum`` itself), so later backwards add to it
    in place."""
    def run(T):
        x = T.tensor([[1.0, 2.0]], requires_grad=True)
        x.sum().backward(create_graph=True)
        g = x.grad
        first = (g.stride(), g._version)
        g.mul_(2)
        x.sum().backward()
        return first, x.grad.tolist(), x.grad is g
    assert same(run) == ("ok", (((2, 1), 1), [[3.0, 3.0]], True))


def test_create_graph_grad_records_the_copy_and_keeps_it_when_added_to_later():
    def run(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        (x * x).sum().backward(create_graph=True)
        g = x.grad
        first = (g.grad_fn.name(), g._version)
        (x * x).sum().backward()                      # first order: in place, same tensor
        return first, x.grad.tolist(), x.grad is g, x.grad._version, x.grad.grad_fn.name()
    assert same(run)[0] == "ok"


# --- the Tensor's own rules ---------------------------------------------------------------

def _views(T):
    """Views of several kinds, keyed by what they are."""
    a = T.zeros(3)
    x = T.ones(3, requires_grad=True)
    with T.inference_mode():
        i = T.zeros(3)
        views = {"inference view of a normal tensor": a[0:2], "inference view of an inference tensor": i[0:2]}
    with T.no_grad():
        views["no_grad view of a leaf"] = x[0:2]
    views["view of a plain tensor"] = a[0:2]
    views["view of a leaf"] = x[0:2]
    views["inference tensor"] = i
    return views


@pytest.mark.parametrize("kind", ["inference view of a normal tensor", "inference view of an inference tensor",
                                  "no_grad view of a leaf", "view of a plain tensor", "view of a leaf",
                                  "inference tensor"])
def test_detach__refuses_every_view(kind):
    """A view cannot be cut out of the graph in place, whether or not it requires grad
    (an inference tensor's views are not tracked as views)."""
    def run(T):
        t = _views(T)[kind]
        t.detach_()
        return t.requires_grad, t.is_leaf
    same(run)


def test_detach__does_nothing_inside_inference_mode():
    def run(T):
        x = T.ones(2, requires_grad=True)
        y = x * 2
        v = x[0:1]
        with T.inference_mode():
            y.detach_()
            v.detach_()                               # not even a view is refused
        return y.grad_fn.name(), v.grad_fn.name()
    assert same(run) == ("ok", ("MulBackward0", "SliceBackward0"))


def test_hooks_on_a_no_grad_view_that_requires_grad():
    """A view made under no_grad of a tensor that requires grad requires grad too: hooks
    may be registered on it (nothing flows through it, so they are never called)."""
    def run(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        with T.no_grad():
            v = x[0:1]
        calls = []
        v.register_hook(calls.append)
        v.register_post_accumulate_grad_hook(calls.append)
        y = v * 2
        y.sum().backward()
        return v.requires_grad, calls, v.grad, x.grad
    assert same(run) == ("ok", (True, [], None, None))


def test_a_detached_inference_tensor_has_its_own_version_counter():
    """``detach()`` (or ``.data``) of an inference tensor outside inference mode is still an
    inference tensor, but one with a version counter: it may be changed in place there.
    Its views, and what ``detach()`` gives inside inference mode, have none."""
    def run(T):
        with T.inference_mode():
            i = T.ones(3)
        d = i.detach()
        out = [d.is_inference(), d.mul_(2)._version, d.detach().add_(1)._version, d._version,
               i.data.add_(1)._version, d.t_()._version]
        for change in (lambda: d.view(3).mul_(2), lambda: i.mul_(2), lambda: d.view(3)._version):
            out.append(_outcome(lambda T: change(), T)[0])
        with T.inference_mode():
            d.mul_(2)                                 # inside: not counted
            e = d.detach()
        out += [d._version, _outcome(lambda T: e.add_(1), T)[0], i.tolist()]
        return out
    assert same(run)[1][:6] == [True, 1, 1, 1, 1, 2]


# --- the in-place error's node names ----------------------------------------------------------

@pytest.mark.parametrize("make", ["x.exp()", "x ** x", "T.pow(2.0, x)", "x.max()", "x.sigmoid()",
                                  "Custom.apply(x)"])
def test_the_inplace_error_names_the_node_without_backward_but_with_its_overload(make):
    """"output 0 of Exp" for ExpBackward0, "Pow1" for PowBackward1, "Max1" for MaxBackward1,
    "MyExp" for a custom MyExpBackward: the node that saved the changed output."""
    def run(T):
        class MyExp(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                y = x.exp()
                ctx.save_for_backward(y)
                return y

            @staticmethod
            def backward(ctx, g):
                (y,) = ctx.saved_tensors
                return g * y
        x = T.tensor([1.5, 2.0], requires_grad=True)
        y = eval(make, {"x": x, "T": T, "Custom": MyExp})
        with T.no_grad():
            y.add_(1)
        y.sum().backward()
    assert same(run)[0] == "RuntimeError"


# --- a lone root that leads to no input ------------------------------------------------------

def test_a_lone_root_runs_its_tensor_hooks_even_when_no_input_lies_below_it():
    """With one output, the pass starts at that output's node: its tensor's hooks and
    retain_grad run even when no input is reachable. With several outputs such a root is
    skipped altogether."""
    def run(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        w = T.tensor([1.0], requires_grad=True)
        calls = []
        y = (x * 2).sum()
        y.retain_grad()
        y.register_hook(lambda g: calls.append("y"))
        T.autograd.grad(y, [w], allow_unused=True, retain_graph=True)
        z = (x * 3).sum()
        z.retain_grad()
        T.autograd.grad([y, z], [w], allow_unused=True)
        a = (x * 2).sum()
        a.retain_grad()
        a.backward(inputs=[w])
        x.register_hook(lambda g: calls.append("x"))  # a leaf as the lone root
        T.autograd.grad(x, [w], T.ones(2), allow_unused=True)
        return calls, y.grad.item(), z.grad, a.grad.item(), w.grad
    assert same(run) == ("ok", (["y", "x"], 1.0, None, 1.0, None))


# --- a view whose storage changed ----------------------------------------------------------------

def test_a_no_grad_view_made_to_require_grad_stays_a_leaf_when_its_base_changes():
    """A view with no history whose base does not require grad has nothing to re-derive
    when the storage changes, even if the view itself was made to require grad."""
    def run(T):
        c = T.ones(3)
        with T.no_grad():
            v = c[0:2]
        v.requires_grad_()
        c.mul_(2)
        y = v * 2
        y.sum().backward()
        return v.is_leaf, v.grad_fn, v.requires_grad, v.grad.tolist()
    assert same(run) == ("ok", (True, None, True, [2.0, 2.0]))


def test_a_no_grad_view_of_a_base_that_requires_grad_is_still_refused_after_a_change():
    def run(T):
        c = T.ones(3)
        with T.no_grad():
            v = c[0:2]
        c.mul_(T.ones(3, requires_grad=True))         # now the base has a history
        return v.is_leaf
    assert same(run)[0] == "RuntimeError"


# --- what hooks may return ------------------------------------------------------------------------

def _named_hook(g):
    return g.double()


class _CallableHook:
    def __call__(self, g):
        return g[:1]


@pytest.mark.parametrize("where, hook", [
    ("tensor", "lambda g: T.ones(3)"),                # another shape
    ("tensor", "_named_hook"),                        # another dtype, named by its __name__
    ("tensor", "_CallableHook()"),                    # no __name__: '<unknown>'
    ("tensor", "lambda g: [1]"),                      # no tensor
    ("tensor", "lambda g: g.view(2, 1)"),
    ("tensor", "lambda g: g.expand(2)"),              # same shape: fine
    ("leaf", "lambda g: T.ones(3)"),
    ("leaf", "lambda g: g.long()"),
    ("prehook", "lambda go: [go[0]]"),                # a node hook returns a tuple
    ("prehook", "lambda go: (go[0], go[0])"),         # of as many gradients
    ("prehook", "lambda go: (5,)"),
    ("prehook", "lambda go: (go[0].double(),)"),
    ("posthook", "lambda gi, go: (gi[0], T.ones(2))"),   # a None gradient stays None
    ("posthook", "lambda gi, go: (gi[0].double(), None)"),
    ("posthook", "lambda gi, go: (None, None)"),      # None in the tuple: no gradient
    ("posthook", "lambda gi, go: (gi[0], None, None)"),
])
def test_hook_results_are_checked_as_pytorch_checks_them(where, hook):
    def run(T):
        env = {"T": T, "_named_hook": _named_hook, "_CallableHook": _CallableHook}
        fn = eval(hook, env)
        x = T.tensor([1.0, 2.0], requires_grad=True)
        c = T.tensor([1.0, 2.0])
        y = x * c
        if where == "tensor":
            y.register_hook(fn)
        elif where == "leaf":
            x.register_hook(fn)
        elif where == "prehook":
            y.grad_fn.register_prehook(fn)
        else:
            y.grad_fn.register_hook(fn)
        y.sum().backward()
        return None if x.grad is None else (x.grad.tolist(), str(x.grad.dtype))
    same(run)


def test_a_hook_may_not_give_a_gradient_to_an_output_that_received_none():
    def run(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        a, b = (x * 2).unbind(0)
        seen = []
        b.register_hook(lambda g: seen.append(g))     # called with None: fine
        a.backward(retain_graph=True)
        b.register_hook(lambda g: T.ones(()))         # replacing that None: refused
        a.backward()
        return seen
    assert same(run)[0] == "RuntimeError"


def test_accumulating_into_an_assigned_expanded_grad_is_refused_as_pytorch():
    def run(T):
        x = T.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        x.grad = T.zeros(1, 2).expand(2, 2)
        (x * 2).sum().backward()
    assert same(run)[0] == "RuntimeError"


def test_the_inplace_error_names_a_bool_tensor_by_its_cpp_type():
    """PyTorch prints the C++ type name there: the legacy ``torch.LongTensor`` style, which
    has no bool entry, so a bool tensor is ``CPUBoolType``."""
    for make in ("T.tensor([True, False])", "T.tensor([1, 2])"):
        def run(T):
            x = T.tensor([0.5, 1.0], requires_grad=True)
            c = eval(make, {"T": T})
            y = T.atan2(x, c)
            c.index_fill_(0, T.tensor([0]), 0)
            y.sum().backward()
        assert same(run)[0] == "RuntimeError"


def test_the_inplace_error_names_the_views_node_for_an_output_changed_through_a_view():
    """An in-place op on a view saves its result; once the view's history is rebuilt
    (AsStridedBackward0 on the base's CopySlices) the error names that node."""
    def run(T):
        x = T.tensor([0.0, 1.0], requires_grad=True)
        y = x.sqrt()
        v = y.narrow(-1, 0, 1)
        v.sigmoid_()
        v.ceil_()
        v.sum().backward()
    assert same(run)[0] == "RuntimeError"


def test_the_gradient_of_a_sum_is_a_no_grad_view_of_the_seed():
    """SumBackward0 expands the incoming gradient: what autograd.grad returns for a
    scalar loss is a view made under no_grad, so changing it in place together with a
    tensor that requires grad is refused (in place on its own it is fine)."""
    def run(T):
        x = T.tensor(2.0, requires_grad=True)
        (g,) = T.autograd.grad(x.sum(), [x])
        first = (g._is_view(), g.requires_grad)
        g.add_(1)
        g.sub_(x)
        return first
    assert same(run)[0] == "RuntimeError"

    def plain(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        (g,) = T.autograd.grad((x * x).sum(), [x])
        x.sum().backward()
        return g.tolist(), x.grad.tolist(), x.grad._is_view()
    assert same(plain) == ("ok", ([2.0, 4.0], [1.0, 1.0], False))


# --- a saved input detached in place -------------------------------------------------------------

@pytest.mark.parametrize("case", ["input", "output", "custom", "reader", "saved after", "requires again",
                                  "saved before, requires again"])
def test_a_saved_input_detached_in_place_is_refused_by_the_rule_that_saved_it(case):
    """A built-in rule cannot use an input it saved with a history that detach_() has cut
    since (PyTorch's message); a saved output, a custom Function's saved_tensors, the
    ``_saved_self`` reader and a buffer saved after the detach_ are unaffected."""
    def run(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2

        class Keep(T.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                ctx.save_for_backward(a)
                return a * 2

            @staticmethod
            def backward(ctx, g):
                (a,) = ctx.saved_tensors
                return g * a
        if case == "input":
            out = y.sin()
        elif case == "output":
            out = y.exp()
        elif case == "custom":
            out = Keep.apply(y)
        elif case == "reader":
            out = y * y
            y.detach_()
            return out.grad_fn._saved_self.tolist()
        elif case == "saved after":
            y.detach_()
            out = x * y
        elif case == "requires again":
            y.detach_()
            y.requires_grad_()
            out = y.sin()
        else:
            out = y.sin()
            y.detach_()
            y.requires_grad_()
        y.detach_()
        out.sum().backward()
        return None if x.grad is None else [round(v, 4) for v in x.grad.tolist()]
    same(run)
