"""Behaviours PyTorch's own test_autograd.py checks, in our words (tools/torch_autograd_tests.py).

Each test runs the same small program under autograd_nb and under PyTorch and compares
what a learner can observe: values, flags, call orders and error messages.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

import autograd_nb

torch = pytest.importorskip("torch")


def both(program: Callable[[Any], Any]) -> Any:
    """Run ``program(lib)`` with autograd_nb and with torch; return both results."""
    return program(autograd_nb), program(torch)


def plain(x: Any) -> Any:
    """Tensors -> nested lists, so results of both libraries compare with ==."""
    if isinstance(x, (list, tuple)):
        return type(x)(plain(v) for v in x)
    if hasattr(x, "detach") and hasattr(x, "tolist"):
        return np.round(np.asarray(x.detach().tolist(), dtype=float), 6).tolist()
    return x


def same(program: Callable[[Any], Any]) -> None:
    ours, theirs = both(program)
    assert plain(ours) == plain(theirs)


# -- the autograd namespace ----------------------------------------------------------------

def test_is_inference_names_tensors_made_in_inference_mode():
    def program(lib):
        with lib.inference_mode():
            a = lib.ones(2)
        return lib.is_inference(a), lib.is_inference(lib.ones(2))
    same(program)


def test_variable_makes_a_leaf_on_the_same_numbers():
    def program(lib):
        x = lib.ones(2)
        v = lib.autograd.Variable(x, requires_grad=True)
        (v * 3).sum().backward()
        x.add_(1)                              # shared memory: v sees it
        return (v.requires_grad, v.is_leaf, v is x, v.grad, v.detach(),
                isinstance(x, lib.autograd.Variable))
    same(program)


def test_queue_callback_runs_after_the_whole_backward():
    def program(lib):
        log = []

        class Mark(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x.clone()

            @staticmethod
            def backward(ctx, g):
                log.append("backward")
                lib.autograd.Variable._execution_engine.queue_callback(
                    lambda: (log.append("callback"),
                             lib.autograd.Variable._execution_engine.queue_callback(
                                 lambda: log.append("second"))))
                return g

        x = lib.ones(2, requires_grad=True)
        x.register_hook(lambda g: log.append("leaf hook"))
        Mark.apply(x).sum().backward()
        with pytest.raises(RuntimeError, match="Final callbacks can only be installed during backward pass"):
            lib.autograd.Variable._execution_engine.queue_callback(lambda: None)
        return log
    same(program)


def test_set_multithreading_enabled_switches_at_once_and_restores():
    def program(lib):
        seen = []
        with lib.autograd.set_multithreading_enabled(False):
            seen.append(lib.autograd.is_multithreading_enabled())
        seen.append(lib.autograd.is_multithreading_enabled())
        lib.autograd.set_multithreading_enabled(False)
        seen.append(lib.autograd.is_multithreading_enabled())
        lib.autograd.set_multithreading_enabled(True)
        seen.append(lib.autograd.is_multithreading_enabled())
        return seen
    same(program)


def test_gradient_edge_keeps_the_gradient_before_an_inplace_change():
    def program(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True).clone()
        old = lib.autograd.graph.get_gradient_edge(x)
        x *= 3
        g_old, g_new = lib.autograd.grad(x.sum(), (old, x), retain_graph=True)
        y = lib.tensor([1.0, 2.0], requires_grad=True)
        leaf_edge = lib.autograd.graph.get_gradient_edge(y)
        (g_leaf,) = lib.autograd.grad((y * y).sum(), leaf_edge)
        out = x.clone()
        lib.autograd.backward(lib.autograd.graph.get_gradient_edge(out.sum()))
        return g_old, g_new, g_leaf, type(old).__mro__[1].__name__ == "GradientEdge" or \
            type(old).__name__ == "GradientEdge"
    same(program)


def test_get_gradient_edge_refuses_a_tensor_without_grad():
    for lib in (autograd_nb, torch):
        with pytest.raises(RuntimeError, match="not possible to get the gradient edge"):
            lib.autograd.graph.get_gradient_edge(lib.ones(1))


def test_register_multi_grad_hook_all_and_any():
    def program(lib):
        log = []
        a, b, c = (lib.ones(2, requires_grad=True) for _ in range(3))
        lib.autograd.graph.register_multi_grad_hook(
            (a, b, c), lambda grads: log.append([g is not None for g in grads]))
        lib.autograd.graph.register_multi_grad_hook(
            (a, b), lambda g: log.append("any"), mode="any")
        (a * b).sum().backward(retain_graph=True)
        (a * 2).sum().backward()
        with pytest.raises(ValueError, match=r"Expects mode to be one of \('all', 'any'\) but got x"):
            lib.autograd.graph.register_multi_grad_hook((a,), print, mode="x")
        return log
    same(program)


def test_increment_version_counts_a_hidden_change():
    def program(lib):
        a = lib.ones(3, requires_grad=True)
        y = a * a
        with lib.no_grad():
            a.numpy()[0] = 5                   # changed behind autograd's back...
        lib.autograd.graph.increment_version(a)  # ...and declared
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()
        return a._version
    same(program)


# -- saved tensors -------------------------------------------------------------------------

def test_allow_mutation_on_saved_tensors_copies_before_the_change():
    def program(lib):
        with lib.autograd.graph.allow_mutation_on_saved_tensors() as ctx:
            a = lib.tensor([0.5, 1.0, 2.0], requires_grad=True)
            b = a.clone()
            out = (b ** 2).sum()
            b.sin_()                           # b was saved by PowBackward0
            copies = len(ctx.cloned)
            out.backward()
        with lib.autograd.graph.allow_mutation_on_saved_tensors():
            with pytest.raises(RuntimeError, match="cannot be nested"):
                with lib.autograd.graph.allow_mutation_on_saved_tensors():
                    pass
        return a.grad, copies, len(ctx.cloned)
    same(program)


def test_backward_outside_the_mutation_block_is_refused():
    for lib in (autograd_nb, torch):
        with lib.autograd.graph.allow_mutation_on_saved_tensors():
            a = lib.ones(2, requires_grad=True)
            out = (a ** 2).sum()
        with pytest.raises(AssertionError, match="Trying to backward outside of the "
                                                 "'allow_mutation_on_saved_tensors' context"):
            out.backward()


def test_raw_saved_tensor_register_hooks_data_and_unpack_hook():
    def program(lib):
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        y = a * a
        raw = y.grad_fn._raw_saved_self
        raw.register_hooks(lambda x: 2 * x, lambda x: x / 2)
        with pytest.raises(RuntimeError, match="whose hooks have already been set"):
            raw.register_hooks(lambda x: x, lambda x: x)
        saved = y.grad_fn._saved_self
        y.sum().backward()
        with pytest.raises(RuntimeError, match="after it has been freed"):
            y.grad_fn._raw_saved_self.register_hooks(lambda x: x, lambda x: x)

        def unpack(x):
            return x
        with lib.autograd.graph.saved_tensors_hooks(lambda x: x, unpack):
            b = a ** 2
        c = b.exp()
        sv = b.grad_fn._raw_saved_self
        ev = c.grad_fn._raw_saved_result
        return (saved, a.grad, sv.data is a, sv.unpack_hook is unpack, ev.data is c,
                ev.unpack_hook is None)
    same(program)


def test_unpack_hook_must_return_a_tensor_and_pack_hook_must_not_change_its_input():
    for lib in (autograd_nb, torch):
        a = lib.ones(2, requires_grad=True)
        y = a * a
        y.grad_fn._raw_saved_self.register_hooks(lambda x: x, lambda x: 1)
        with pytest.raises(TypeError, match="unpack_hook expected to be a Tensor but got result of type int"):
            y.grad_fn._saved_self

        def double_in_place(x):
            x *= 2
            return x
        with lib.autograd.graph.saved_tensors_hooks(double_in_place, lambda x: x):
            with pytest.raises(RuntimeError, match="pack hook is modifying its input in place"):
                lib.exp(a.clone())


def test_hook_packed_tensor_is_not_version_checked_and_keeps_its_history():
    def program(lib):
        a = lib.ones(3, requires_grad=True)
        b = a * 1
        with lib.autograd.graph.saved_tensors_hooks(lambda x: x.clone(), lambda x: x):
            y = (b * b).sum()
        b.mul_(2)                               # the packed copy is what backward uses
        same_node = y.grad_fn.next_functions[0][0]._saved_self.grad_fn is b.grad_fn
        y.backward()
        return a.grad, same_node
    same(program)


def test_disable_saved_tensors_hooks():
    for lib in (autograd_nb, torch):
        with lib.autograd.graph.disable_saved_tensors_hooks("no hooks here"):
            with pytest.raises(RuntimeError, match="no hooks here"):
                with lib.autograd.graph.saved_tensors_hooks(lambda x: x, lambda x: x):
                    pass
        with lib.autograd.graph.saved_tensors_hooks(lambda x: x, lambda x: x):
            with pytest.raises(RuntimeError, match="no hooks here"):
                with lib.autograd.graph.disable_saved_tensors_hooks("no hooks here"):
                    pass


# -- custom Function -----------------------------------------------------------------------

def test_function_with_setup_context_and_default_arguments():
    def program(lib):
        class Pow(lib.autograd.Function):
            @staticmethod
            def forward(x, y=3):
                return x ** y

            @staticmethod
            def setup_context(ctx, inputs, output):
                x, y = inputs
                ctx.save_for_backward(x)
                ctx.y = y

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return g * ctx.y * x ** (ctx.y - 1), None

        x = lib.tensor(2.0, requires_grad=True)
        out = Pow.apply(x)
        return out, lib.autograd.grad(out, x)[0], Pow.generate_vmap_rule
    same(program)


def test_missing_gradients_of_non_tensor_and_non_differentiable_outputs():
    def program(lib):
        seen = []

        class F(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                mask = x > 0
                ctx.mark_non_differentiable(mask)
                ctx._materialize_non_diff_grads = False
                return x * 2, "label", mask

            @staticmethod
            def backward(ctx, g, g_label, g_mask):
                seen.append((g_label is None, g_mask is None))
                return g * 2

        x = lib.ones(2, requires_grad=True)
        out, _, _ = F.apply(x)
        out.sum().backward()
        return seen, x.grad
    same(program)


def test_inplace_function_is_a_function_with_an_inplace_flag():
    def program(lib):
        class AddInPlace(lib.autograd.function.InplaceFunction):
            @staticmethod
            def forward(ctx, a, b):
                ctx.mark_dirty(a)
                return a.add_(b)

            @staticmethod
            def backward(ctx, g):
                return g, g

        x = lib.zeros(2)
        y = lib.ones(2, requires_grad=True)
        q = AddInPlace.apply(x, y)
        q.sum().backward()
        return q is x, type(q.grad_fn).__name__, y.grad
    same(program)


# -- hooks: who runs, in which order -------------------------------------------------------

def test_hook_order_at_a_leaf():
    """tensor hook -> AccumulateGrad pre-hook -> post-accumulate hook -> AccumulateGrad
    post-hook, which sees the new .grad itself."""
    def program(lib):
        log = []
        t = lib.ones(3, requires_grad=True)
        acc = t.view_as(t).grad_fn.next_functions[0][0]
        t.register_hook(lambda g: (log.append("tensor"), g - 2)[1])
        acc.register_prehook(lambda gs: (log.append("acc pre"), (gs[0] / 5,))[1])
        t.register_post_accumulate_grad_hook(lambda x: (log.append("post acc"), x.grad.add_(0.5))[0])

        def post(grad_inputs, grad_outputs):
            log.append(("acc post", len(grad_inputs)))
            t.grad = grad_outputs[0] * 10
        acc.register_hook(post)
        t.sum().backward()
        return log, t.grad
    same(program)


def test_grad_runs_tensor_hooks_of_its_inputs_but_not_their_nodes():
    def program(lib):
        log = []
        a = lib.tensor(1.0, requires_grad=True)
        b = a * 2
        c = b * 2
        a.register_hook(lambda g: log.append("a"))
        b.register_hook(lambda g: log.append("b"))
        b.grad_fn.register_prehook(lambda gs: log.append("b node pre"))
        b.grad_fn.register_hook(lambda gi, go: log.append("b node post"))
        acc = b.grad_fn.next_functions[0][0]
        acc.register_prehook(lambda gs: log.append("acc pre"))
        lib.autograd.grad(c, b, retain_graph=True)
        log.append("|")
        lib.autograd.grad(c, (a, b), retain_graph=True)
        log.append("|")
        c.backward(inputs=(b,))
        return log, b.grad
    same(program)


def test_hooks_of_an_output_without_gradient_are_called_with_none():
    def program(lib):
        seen = []
        x = lib.ones(3, requires_grad=True)
        parts = x.unbind()
        parts[0].register_hook(lambda g: seen.append(None if g is None else g.item()))
        parts[0].backward()
        parts[2].backward()
        return seen, x.grad
    same(program)


def test_post_accumulate_grad_hook_must_return_none():
    for lib in (autograd_nb, torch):
        t = lib.ones(2, requires_grad=True)
        t.register_post_accumulate_grad_hook(lambda x: x.grad)
        with pytest.raises(RuntimeError, match="hooks should return None."):
            t.sum().backward()


# -- grad modes as decorators --------------------------------------------------------------

def test_decorated_generator_keeps_its_mode_through_throw_and_close():
    def program(lib):
        seen = []

        @lib.no_grad()
        def gen():
            for i in range(3):
                try:
                    seen.append(("in", lib.is_grad_enabled()))
                    yield i
                except KeyError:
                    seen.append(("thrown", lib.is_grad_enabled()))
                except GeneratorExit:
                    seen.append(("closed", lib.is_grad_enabled()))
                    raise
        g = gen()
        next(g)
        seen.append(("caller", lib.is_grad_enabled()))
        g.throw(KeyError)
        g.close()
        return seen
    same(program)


def test_decorating_a_class_warns_and_constructs_it_in_the_mode():
    def program(lib):
        seen = []
        with pytest.warns(FutureWarning, match="Decorating classes is deprecated"):
            @lib.no_grad()
            class Model:
                def __init__(self):
                    seen.append(lib.is_grad_enabled())

                def run(self):
                    seen.append(lib.is_grad_enabled())
        Model().run()
        return seen
    same(program)


# -- small pieces of the Tensor API the suite leans on ----------------------------------

def test_var_mean_is_one_node_with_two_outputs():
    def program(lib):
        lib.manual_seed(0)
        x = lib.tensor([[1.0, 2.0, 4.0], [0.5, -1.0, 3.0]], requires_grad=True)
        var, mean = lib.var_mean(x, dim=1)
        seen = []
        mean.grad_fn.register_prehook(lambda gs: seen.append([g is None for g in gs]))
        (var * 2 + mean).sum().backward()
        return (var, mean, x.grad, var.grad_fn is mean.grad_fn, type(var.grad_fn).__name__,
                (var.output_nr, mean.output_nr), seen)
    same(program)


def test_tensor_new_is_view_and_backward_hooks():
    def program(lib):
        x = lib.ones(2, 3, dtype=lib.float64)
        shaped = x.new(x[0].size())
        filled = x.new([1, 2])
        v = x[0]
        hooked = lib.ones(2, requires_grad=True)
        hooked.register_hook(lambda g: g * 3)
        (hooked * 2).sum().backward()
        return (tuple(shaped.shape), shaped.dtype == x.dtype, filled, filled.dtype == x.dtype,
                v._is_view(), x._is_view(), len(hooked._backward_hooks), hooked.grad)
    same(program)


def test_attributes_autograd_relies_on_cannot_be_deleted():
    for lib in (autograd_nb, torch):
        x = lib.ones(2, requires_grad=True)
        del x.grad
        assert x.grad is None
        for name in ("data", "requires_grad", "_grad_fn", "_backward_hooks"):
            with pytest.raises(RuntimeError):
                delattr(x, name)
        with pytest.raises(TypeError):
            x.data = None
        with pytest.raises(RuntimeError):
            x.grad = x                          # its own gradient


def test_inplace_view_ops_change_the_layout_and_record_the_inplace_node():
    def program(lib):
        a = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        b = a.clone()
        v = b._version
        b.transpose_(0, 1)
        names = [type(b.grad_fn).__name__]
        b.unsqueeze_(0)
        names.append(type(b.grad_fn).__name__)
        b.squeeze_(0)
        names.append(type(b.grad_fn).__name__)
        (b * lib.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])).sum().backward()
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used"):
            lib.ones(2, 2, requires_grad=True).t_()
        with lib.inference_mode():
            c = lib.ones(2, 3)
        with pytest.raises(RuntimeError, match="Inplace update to inference tensor outside InferenceMode"):
            c.transpose_(0, 1)
        return tuple(b.shape), b._version - v, names, a.grad
    same(program)


def test_inference_mode_decorates_with_mode_given_as_keyword():
    def program(lib):
        def f(x):
            return lib.is_inference_mode_enabled(), lib.is_inference(x * 2)
        return lib.inference_mode(mode=f)(lib.ones(1)), lib.inference_mode(f)(lib.ones(1))
    same(program)


# -- gradcheck -------------------------------------------------------------------------------

def _jittery(lib):
    class Jitter(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, jitter):
            ctx.jitter = jitter
            return x.clone()

        @staticmethod
        def backward(ctx, g):
            return g * (1 + lib.rand_like(g) * ctx.jitter), None
    return Jitter


def test_gradcheck_runs_backward_twice_and_reports_nondeterminism():
    for lib in (autograd_nb, torch):
        x = lib.rand(4, dtype=lib.float64, requires_grad=True)
        Jitter = _jittery(lib)
        with pytest.raises(RuntimeError, match="Backward is not reentrant"):
            lib.autograd.gradcheck(lambda t: Jitter.apply(t, 1e-6), (x,))
        assert lib.autograd.gradcheck(lambda t: Jitter.apply(t, 1e-6), (x,), nondet_tol=1e-5)


def test_gradcheck_checks_backward_copes_with_undefined_gradients():
    for lib in (autograd_nb, torch):
        def fn(t):
            y = t.clone()
            y.register_hook(lambda g: (_ for _ in ()).throw(RuntimeError("no grad")) if g is None else g)
            return y
        x = lib.ones(2, dtype=lib.float64, requires_grad=True)
        with pytest.warns(UserWarning, match="New undefined gradient support checking feature"):
            with pytest.raises(RuntimeError, match="Expected backward function to handle undefined output grads"):
                lib.autograd.gradcheck(fn, (x,))
        assert lib.autograd.gradcheck(fn, (x,), check_undefined_grad=False)


def test_gradcheck_refuses_outputs_whose_shape_or_dtype_depend_on_the_values():
    for lib in (autograd_nb, torch):
        a = lib.ones(1, dtype=lib.float64, requires_grad=True)
        with pytest.raises(AssertionError, match="same shape when inputs are perturbed"):
            lib.autograd.gradcheck(lambda t: lib.cat([t, t]) if bool((t >= 1).all()) else t, (a,))
        with pytest.raises(AssertionError, match="same dtype when inputs are perturbed"):
            lib.autograd.gradcheck(lambda t: t.to(lib.float32) if bool((t >= 1).all()) else t, (a,))


def test_gradcheck_without_differentiable_outputs():
    for lib in (autograd_nb, torch):
        x = lib.ones(1, dtype=lib.float64, requires_grad=True)
        with pytest.raises(RuntimeError, match="Numerical gradient for function expected to be zero"):
            lib.autograd.gradcheck(lambda t: t.detach() * 2, (x,))
        assert lib.autograd.gradcheck(lambda t: (), (x,))


def test_deprecated_jacobian_helpers():
    def program(lib):
        from importlib import import_module
        gc_mod = import_module(lib.__name__ + ".autograd.gradcheck")
        a = lib.tensor([[0.1, 0.2], [0.3, 0.4]], dtype=lib.float64, requires_grad=True)
        b = lib.tensor([[0.5, 0.6], [0.7, 0.8]], dtype=lib.float64, requires_grad=True)
        with pytest.warns(FutureWarning, match="`get_numerical_jacobian` was part of PyTorch's private API"):
            num = gc_mod.get_numerical_jacobian(lambda ins: (2 * ins[0] + ins[1],), (a, b), eps=1e-6)
        with pytest.warns(FutureWarning, match="`get_analytical_jacobian` was part of PyTorch's private API"):
            ana, reentrant, _, _ = gc_mod.get_analytical_jacobian((a, b), 2 * a + b)
        with pytest.raises(ValueError, match="Expected grad_out to be 1.0"):
            gc_mod.get_numerical_jacobian(lambda ins: ins[0], (a,), grad_out=2.0)
        return num, ana, reentrant
    same(program)


def test_saved_tensors_read_once_and_saved_variables_deprecated():
    for lib in (autograd_nb, torch):
        class Once(lib.autograd.Function):
            clear_saved_tensors_on_access = True

            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x.clone()

            @staticmethod
            def backward(ctx, g):
                ctx.saved_tensors
                ctx.saved_tensors
                return g

        class Old(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x.clone()

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_variables
                return g

        x = lib.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="saved_tensors can only be accessed once"):
            Once.apply(x).sum().backward()
        with pytest.warns(DeprecationWarning, match="saved_variables"):
            Old.apply(x).sum().backward()


def test_calling_a_grad_fn_checks_the_number_of_gradients():
    def program(lib):
        x = lib.tensor([3.0], requires_grad=True)
        y = x ** 2
        with pytest.raises(TypeError, match="expected 1 arguments, got 2 instead"):
            y.grad_fn(x.detach(), x.detach())
        with pytest.raises(TypeError, match="expected 1 arguments, got 0 instead"):
            y.grad_fn()
        return y.grad_fn(lib.ones(1))
    same(program)


def test_pack_hooks_run_with_grad_mode_off():
    def program(lib):
        seen = []
        a = lib.ones(3, requires_grad=True)

        def pack(t):
            seen.append(lib.is_grad_enabled())
            t *= 1                              # allowed on a leaf: grad mode is off...
            return t

        with lib.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            with pytest.raises(RuntimeError, match="pack hook is modifying its input in place"):
                a * a                           # ...but a pack hook may not change its input
        with lib.autograd.graph.saved_tensors_hooks(lambda t: 2 * t, lambda t: t):
            y = (a ** 3).sum()
        y.backward()
        return seen, a.grad
    same(program)


def test_hook_packed_leaf_stays_connected_in_double_backward():
    def program(lib):
        a = lib.tensor([0.5, 1.0, 2.0], requires_grad=True)
        s = (a ** 3).sum()
        with lib.autograd.graph.saved_tensors_hooks(lambda x: 2 * x, lambda x: x):
            (g,) = lib.autograd.grad(s, (a,), create_graph=True)
            g.sum().backward()
        return g, a.grad
    same(program)


def test_saved_tensors_hooks_entered_during_backward_end_with_it():
    def program(lib):
        outer = lib.autograd.graph.saved_tensors_hooks(lambda x: x, lambda x: x)

        def unpack(x):
            outer.__enter__()                   # entered, never left
            return x
        x = lib.ones(2, requires_grad=True)
        with lib.autograd.graph.saved_tensors_hooks(lambda t: t, unpack):
            y = x.sin()
        y.sum().backward()
        with lib.autograd.graph.disable_saved_tensors_hooks("must be empty"):
            pass                                # no hooks are left on the stack
        return x.grad
    same(program)


def test_a_view_of_an_inference_tensor_is_not_tracked_as_a_view():
    for lib in (autograd_nb, torch):
        with lib.inference_mode():
            c = lib.ones(2, 3)
            v = c.view(-1)
        assert not v._is_view()


def test_split_with_sizes_and_the_unsafe_splits():
    def program(lib):
        a = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]], requires_grad=True)
        names, grads = [], []
        for cut in (lambda t: t.split_with_sizes((1, 2)), lambda t: t.unsafe_split(1),
                    lambda t: t.unsafe_split_with_sizes((1, 1, 1)), lambda t: t.unsafe_chunk(3)):
            pieces = cut(a * 1)
            names.append((type(pieces[0].grad_fn).__name__, pieces[0]._is_view()))
        s1, s2, _ = (a + a).unsafe_split(1)
        s1.mul_(s2)                             # allowed: unsafe pieces are not views
        s1.sum().backward()
        b, c = (a * 1).split_with_sizes((1, 2))
        with pytest.raises(RuntimeError, match="output of a function that returns multiple views"):
            b.mul_(2)
        return names, a.grad
    same(program)


# -- custom Functions, views and mark_dirty --------------------------------------------------

def test_view_returned_by_a_custom_function_may_not_be_changed_in_place():
    for lib in (autograd_nb, torch):
        class Alias(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x.view_as(x)

            @staticmethod
            def backward(ctx, g):
                return g

        b = lib.ones(1, requires_grad=True)
        v = Alias.apply(lib.ones(1, 2))
        with pytest.raises(RuntimeError, match="A view was created in no_grad mode and is being modified "
                                               "inplace with grad mode enabled. This view was created "
                                               "inside a custom Function"):
            v += b
        w = Alias.apply(lib.ones(1, 2, requires_grad=True).clone())
        with pytest.raises(RuntimeError, match="Output 0 of Alias is a view and is being modified "
                                               "inplace. This view was created inside a custom Function"):
            w += b


def test_view_of_a_temporary_returned_by_a_custom_function_is_a_plain_output():
    def program(lib):
        class Head(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                view = x.clone()[:2]
                view += 1
                return view

            @staticmethod
            def backward(ctx, g):
                return lib.cat([g, g.new_zeros(1)])

        x = lib.ones(3, requires_grad=True)
        out = Head.apply(x)
        out.sum().backward()
        return type(out.grad_fn).__name__, x.grad
    same(program)


def test_mark_dirty_rules():
    for lib in (autograd_nb, torch):
        class NotAnInput(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                out = x.clone().view_as(x)
                ctx.mark_dirty(out)
                return out

            @staticmethod
            def backward(ctx, g):
                return g

        class NotReturned(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.add_(1)
                ctx.mark_dirty(x)
                return x.clone()

            @staticmethod
            def backward(ctx, g):
                return g

        class AddOne(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.add_(1)
                ctx.mark_dirty(x)
                return x

            @staticmethod
            def backward(ctx, g):
                return g

        a = lib.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="received a tensor that was not an input"):
            NotAnInput.apply(a.clone())
        with pytest.raises(RuntimeError, match="were not returned as output"):
            NotReturned.apply(a.clone())
        with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
            AddOne.apply(a.view_as(a))


def test_mark_dirty_on_a_view_rewrites_the_base_history():
    def program(lib):
        class Double(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.mark_dirty(x)
                return x.mul_(2)

            @staticmethod
            def backward(ctx, g):
                return g * 2

        root = lib.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
        x = root.clone()
        Double.apply(x[1:3])
        (x * lib.tensor([1.0, 10.0, 100.0, 1000.0])).sum().backward()
        return x, root.grad, type(x.grad_fn).__name__
    same(program)


def test_retain_grad_follows_in_place_changes():
    def program(lib):
        a = lib.tensor([1.0, 2.0], requires_grad=True).clone()
        a.retain_grad()
        a.mul_(2)
        a.mul_(2)
        a.sum().backward()
        base = lib.tensor([1.0], requires_grad=True).clone()
        view, view2 = base[:], base[:]
        view.retain_grad()
        view2.retain_grad()
        view.mul_(2)
        (view + view2).sum().backward()
        x = lib.ones(3, requires_grad=True)
        var, mean = lib.var_mean(x * lib.tensor([1.0, 2.0, 4.0]), dim=0)
        var.retain_grad()
        mean.retain_grad()
        var.mul_(2)
        (var + mean).backward()
        return a.grad, view.grad, view2.grad, var.grad, mean.grad
    same(program)


# -- anomaly mode ------------------------------------------------------------------------------

def test_anomaly_mode_names_the_forward_of_a_node_made_during_backward():
    for lib in (autograd_nb, torch):
        class Inner(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x

            @staticmethod
            def backward(ctx, g):
                return g + float("nan")

        class Outer(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return Inner.apply(x)

        with pytest.warns(UserWarning) as seen:
            with lib.autograd.detect_anomaly():
                x = lib.ones(1, requires_grad=True)
                (g,) = lib.autograd.grad(Outer.apply(x), x, create_graph=True)
                with pytest.raises(RuntimeError, match="Function 'InnerBackward' returned nan values"):
                    g.backward()
        messages = [str(w.message) for w in seen]
        assert any("Error detected in InnerBackward" in m and "Inner.apply" in m for m in messages)
        assert any("Previous calculation was induced by OuterBackward" in m and "Outer.apply" in m
                   for m in messages)


def test_anomaly_warning_without_forward_information_and_as_an_error(capsys):
    for lib in (autograd_nb, torch):
        a = lib.ones(2, requires_grad=True)
        y = (a * 1) ** 2                           # made before anomaly mode is on
        y.grad_fn.next_functions[0][0].register_prehook(lambda gs: (gs[0] * float("nan"),))
        with pytest.warns(UserWarning, match="No forward pass information available"):
            with lib.autograd.detect_anomaly():
                with pytest.raises(RuntimeError, match="returned nan values"):
                    y.sum().backward()
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            with warnings_as_errors():
                with lib.autograd.detect_anomaly():
                    leaf = lib.ones(2, requires_grad=True)
                    d1 = leaf + 1
                    d2 = d1 ** 2
                    d1 += 1
                    lib.autograd.grad(d2.sum(), leaf)
        assert "Error detected in PowBackward0" in capsys.readouterr().err


def warnings_as_errors():
    import warnings
    ctx = warnings.catch_warnings()

    class Errors:
        def __enter__(self):
            ctx.__enter__()
            warnings.simplefilter("ignore")        # (detect_anomaly's own notice)
            warnings.filterwarnings("error", message="Error detected")

        def __exit__(self, *exc):
            return ctx.__exit__(*exc)
    return Errors()


def test_custom_function_keeps_no_reference_to_what_it_saved_besides_its_buffers():
    def program(lib):
        import weakref
        refs = []

        class Keep(lib.autograd.Function):
            clear_saved_tensors_on_access = True

            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x.clone()

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                refs.append(weakref.ref(x))
                del x
                refs.append(refs[-1]() is None)   # the local name was the only reference
                return g

        Keep.apply(lib.ones(2, requires_grad=True).clone()).sum().backward()
        return refs[1]
    same(program)


def test_mark_dirty_on_a_piece_of_split_is_refused_as_a_multiple_view():
    for lib in (autograd_nb, torch):
        class AddOne(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.add_(1)
                ctx.mark_dirty(x)
                return x

            @staticmethod
            def backward(ctx, g):
                return g

        b, _ = lib.ones(2, requires_grad=True).split_with_sizes([1, 1])
        with pytest.raises(RuntimeError, match="output of a function that returns multiple view"):
            AddOne.apply(b)


def test_a_view_of_a_piece_of_unbind_refuses_in_place_changes_too():
    for lib in (autograd_nb, torch):
        pieces = lib.rand(4, dtype=lib.float64, requires_grad=True).clone().unbind(0)
        alias = pieces[0].view_as(pieces[0])
        with pytest.raises(RuntimeError, match="returns multiple views"):
            alias.mul_(2)


def test_volatile_is_gone_and_autograd_torch_is_the_package():
    for lib in (autograd_nb, torch):
        assert lib.autograd.torch is lib
        with pytest.warns(UserWarning, match="volatile was removed"):
            assert lib.ones(1).volatile is False


def test_views_of_an_inference_tensor_are_untracked_inference_tensors():
    def program(lib):
        with lib.inference_mode():
            c = lib.ones(2, 3, requires_grad=True)
        out = c.view(-1)
        return lib.is_inference(out), out.requires_grad, out._is_view(), out.is_leaf, out.grad_fn
    same(program)


def test_set_warn_always_repeats_the_create_graph_notice():
    for lib in (autograd_nb, torch):
        lib.set_warn_always(True)
        try:
            assert lib.is_warn_always_enabled()
            for _ in range(2):
                x = lib.ones(1, requires_grad=True)
                with pytest.warns(UserWarning, match="Using backward\\(\\) with create_graph=True"):
                    (x * x).sum().backward(create_graph=True)
                x.grad = None
        finally:
            lib.set_warn_always(False)


def test_isin_and_signbit_are_masks_without_gradient():
    def program(lib):
        x = lib.tensor([[1.0, -2.0], [3.0, -0.0]], requires_grad=True)
        a = lib.isin(x, lib.tensor([-2.0, 3.0]))
        b = lib.signbit(x)
        return a, b, a.requires_grad, b.requires_grad, hasattr(x, "isin"), x.signbit()
    same(program)


def test_out_argument_writes_into_the_tensor_and_records_nothing():
    def program(lib):
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        b = lib.tensor([3.0, 4.0], requires_grad=True)
        x = lib.zeros(2)
        with pytest.raises(RuntimeError, match=r"functions with out=\.\.\. arguments don't support "
                                               "automatic differentiation"):
            lib.mul(a, b, out=x)
        with lib.no_grad():
            v = x._version
            r = lib.mul(a, b, out=x)
        grown = lib.sin(lib.tensor([0.0, 0.5, 1.0]), out=lib.zeros(1))   # resized to fit
        with lib.inference_mode():
            c = lib.ones(2)
        with pytest.raises(RuntimeError, match="Inplace update to inference tensor outside InferenceMode"):
            lib.mul(lib.ones(2), lib.ones(2), out=c)
        return r is x, x, x._version - v, grown
    same(program)


def test_gradient_of_zero_to_the_power_of_a_tensor():
    def program(lib):
        b = lib.tensor([-1.0, 0.0, 1.0], requires_grad=True)
        (0 ** b).sum().backward()
        g_number = b.grad
        b.grad = None
        (lib.zeros(3) ** b).sum().backward()
        return g_number, b.grad
    same(program)


def test_resize_version_and_inference_mode():
    def program(lib):
        x = lib.rand(1)
        y = lib.rand(3)
        x.resize_((1, 2))
        versions = [x._version]
        x.resize_as_(y)
        versions.append(x._version)
        x.resize_((3,))                          # same shape: nothing happens, no new version
        x.resize_as_(y)
        versions.append(x._version)
        with lib.inference_mode():
            c = lib.ones(1, 2, 3, requires_grad=True)
            c.resize_(1, 2)                      # no autograd check in inference mode
        return versions, tuple(c.shape)
    same(program)


# -- session 6: view replay, SavedTensor, once_differentiable under create_graph ----------

def _graph(fn: Any) -> str:
    """A node and everything below it, by class name (None for an empty edge)."""
    if fn is None:
        return "None"
    return f"{type(fn).__name__}({', '.join(_graph(n) for n, _ in fn.next_functions)})"


def test_view_replay_keeps_the_view_op_for_views_made_while_it_is_on():
    def program(lib):
        x = lib.ones(2, 2, requires_grad=True)
        names = []

        def changed_view():
            out = x.clone().view(-1)
            out.add_(1)
            return out
        names.append((changed_view().grad_fn.name(), lib.autograd.is_view_replay_enabled()))
        with lib.autograd._force_original_view_tracking(True):
            v = changed_view()
            names.append((v.grad_fn.name(), lib.autograd.is_view_replay_enabled()))
            v.sum().backward()
        names.append((changed_view().grad_fn.name(), lib.autograd.is_view_replay_enabled()))
        lib.autograd._force_original_view_tracking(True)        # as a function: stays on
        names.append(changed_view().grad_fn.name())
        lib.autograd._force_original_view_tracking(False)
        y = x.detach().clone().requires_grad_()
        early = y.clone()[0]                                    # made with replay off
        with lib.autograd._force_original_view_tracking(True):
            base = y.clone()
            late = base[0][1:]                                  # a view of a view, replayed
            early._base.mul_(2)
            base.mul_(3)
            names += [early.grad_fn.name(), _graph(late.grad_fn)]
        return names, x.grad
    same(program)


def test_saved_tensors_cannot_be_made_from_python():
    for lib in (autograd_nb, torch):
        with pytest.raises(RuntimeError, match="Trying to create a SavedTensor object from Python is forbidden"):
            lib.autograd.SavedTensor()
        x = lib.ones(2, requires_grad=True)
        assert isinstance(x.exp().grad_fn._raw_saved_result, lib.autograd.SavedTensor)


def test_once_differentiable_hands_on_through_an_error_node_under_create_graph():
    def program(lib):
        class ScaledSum(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a, k, b):
                ctx.k = k
                ctx.save_for_backward(a, b)
                return a + k * b + a * b

            @staticmethod
            @lib.autograd.function.once_differentiable
            def backward(ctx, g):
                a, b = ctx.saved_tensors
                return g + g * b, None, g * ctx.k + g * a

        a = lib.tensor([1.0, 2.0], requires_grad=True)
        b = lib.tensor([3.0, -1.0], requires_grad=True)
        ScaledSum.apply(a, 2, b).sum().backward(lib.ones((), requires_grad=True), create_graph=True)
        seen = [_graph(a.grad.grad_fn), _graph(b.grad.grad_fn), a.grad.requires_grad]
        try:
            a.grad.sum().backward()
        except RuntimeError as e:
            seen.append(str(e))
        c = lib.tensor([1.0, 2.0], requires_grad=True)            # first order: no Error node
        ScaledSum.apply(c, 2, b).sum().backward()
        return seen, a.grad, b.grad, c.grad, c.grad.grad_fn
    same(program)


def test_nanmedian_leaves_nan_out():
    def program(lib):
        nan = float("nan")
        x = lib.tensor([[1.0, nan, 3.0, 2.0], [5.0, 4.0, nan, nan], [nan, 7.0, 6.0, 8.0]], requires_grad=True)
        whole = lib.nanmedian(x)
        rows = x.nanmedian(1)
        cols = lib.nanmedian(x, 0, keepdim=True)
        (whole + rows.values.sum() + cols.values.sum()).backward()
        every_nan = lib.tensor([nan, nan, nan], requires_grad=True)
        lib.nanmedian(every_nan).backward()               # NaN; the NaNs share the gradient
        ints = lib.nanmedian(lib.tensor([[3, 1, 2]]), 1)
        return (whole, whole.grad_fn.name(), tuple(rows), rows.values.grad_fn.name(), tuple(cols), x.grad,
                every_nan.grad, repr(lib.nanmedian(lib.tensor([]))), tuple(ints), type(ints).__name__)
    same(program)


def test_nanmedian_errors_are_medians():
    for lib in (autograd_nb, torch):
        with pytest.raises(IndexError, match="median\\(\\): Expected reduction dim 1 to have non-zero size"):
            lib.nanmedian(lib.zeros(2, 0), 1)
        with pytest.raises(NotImplementedError, match="\"median_cpu\" not implemented for 'Bool'"):
            lib.nanmedian(lib.tensor([True]))


@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_index_reduce_values_gradients_and_nodes(reduce, include_self):
    def program(lib):
        x = lib.tensor([[1.0, -2.0, 0.5, 3.0], [2.0, 2.0, -1.0, 0.0], [4.0, 1.0, 1.0, -3.0]],
                       dtype=lib.float64, requires_grad=True)
        src = lib.tensor([[2.0, -1.0, 2.0], [0.5, 2.0, 3.0], [1.0, 1.0, -2.0]], dtype=lib.float64,
                         requires_grad=True)
        index = lib.tensor([1, 1, 3])                 # two slices into column 1, none into 0 and 2
        out = lib.index_reduce(x, 1, index, src, reduce, include_self=include_self)
        gx, gs = lib.autograd.grad((out * out).sum(), (x, src))
        y = x.detach().clone()
        y.index_reduce_(1, index, src.detach(), reduce, include_self=include_self)
        return out, out.grad_fn.name(), gx, gs, y, out.grad_fn._saved_reduce, out.grad_fn._saved_include_self
    same(program)


def test_index_reduce_checks_and_double_backward_error():
    for lib in (autograd_nb, torch):
        x = lib.zeros(3)
        with pytest.raises(RuntimeError, match="Expected reduce to be one of prod, mean, amax or amin but got sum"):
            lib.index_reduce(x, 0, lib.tensor([0]), lib.ones(1), "sum")
        with pytest.raises(IndexError, match="index out of range in self"):
            lib.index_reduce(x, 0, lib.tensor([5]), lib.ones(1), "prod")
        with pytest.raises(RuntimeError, match=r"Number of indices \(1\) should be equal to source.size\(dim\): \(2\)"):
            lib.index_reduce(x, 0, lib.tensor([0]), lib.ones(2), "prod")
        with pytest.raises(RuntimeError, match=r"self \(Float\) and source \(Double\) must have the same scalar type"):
            lib.index_reduce(x, 0, lib.tensor([0]), lib.ones(1, dtype=lib.float64), "prod")
        one = lib.tensor([1.0], dtype=lib.float64, requires_grad=True)
        zeros = lib.tensor([0.0, 0.0], dtype=lib.float64, requires_grad=True)
        both = lib.tensor([0, 0])
        assert lib.autograd.gradcheck(lib.index_reduce, (one, 0, both, zeros, "prod"))
        with pytest.raises(RuntimeError, match="index_reduce\\(\\): Double backward is unsupported for source"):
            lib.autograd.gradgradcheck(lib.index_reduce, (one, 0, both, zeros, "prod"))


def test_set_shares_memory_and_starts_a_new_accumulator():
    def program(lib):
        a, b = lib.ones(4), lib.zeros(16)
        a.set_(b[1:])
        b.add_(1)                                        # shared numbers
        seen = [tuple(a.shape), a._version, a[:3], tuple(lib.ones(3).set_().shape)]
        x = lib.rand(2, requires_grad=True)
        edge = lib.autograd.graph.get_gradient_edge(x)
        out = x.clone()
        with lib.no_grad():
            x.set_(lib.rand_like(x))
        try:
            lib.autograd.grad(out.sum(), x)
        except RuntimeError as e:
            seen.append(str(e))
        seen.append(lib.autograd.grad(out.sum(), edge))
        p = lib.nn.Parameter(lib.ones(6, dtype=lib.float64))
        for _ in range(2):
            with lib.no_grad():
                p.set_(p[1:])
                p.grad = None
            lib.cat((p, p)).sum().backward()
        seen += [tuple(p.grad.shape), p.grad]
        z = lib.ones(2, requires_grad=True).clone()
        z.set_(lib.ones(3))
        seen.append((z.grad_fn.name(), [n is None for n, _ in z.grad_fn.next_functions]))
        try:
            z.sum().backward()
        except RuntimeError as e:
            seen.append(str(e))
        return seen
    same(program)


def test_set_refusals():
    for lib in (autograd_nb, torch):
        with pytest.raises(RuntimeError, match="Could not set tensor of type double to a tensor of type float"):
            lib.ones(2).set_(lib.ones(2, dtype=lib.float64))
        with pytest.raises(RuntimeError, match="Could not set tensor of type long int to a tensor of type short int"):
            lib.ones(2, dtype=lib.int16).set_(lib.ones(2, dtype=lib.int64))
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
            lib.ones(2, requires_grad=True).set_(lib.ones(3))


@pytest.mark.parametrize("affine,track", [(False, False), (True, True), (True, False), (False, True)])
def test_instance_norm_layers_match(affine, track):
    def program(lib):
        lib.manual_seed(0)
        x = lib.randn(2, 3, 4, 5, dtype=lib.float64, requires_grad=True)
        m = lib.nn.InstanceNorm2d(3, affine=affine, track_running_stats=track, dtype=lib.float64)
        y = m(x)
        (y * x).sum().backward()
        seen = [repr(m), sorted(m.state_dict()), y.grad_fn.name(), y.grad_fn.next_functions[0][0].name(),
                y, x.grad, m.running_mean, m.running_var, None if m.weight is None else m.weight.grad]
        m.eval()
        seen.append(m(x.detach()))
        one = lib.nn.InstanceNorm1d(3, affine=affine, dtype=lib.float64)(lib.randn(3, 6, dtype=lib.float64))
        three = lib.nn.InstanceNorm3d(2)(lib.randn(1, 2, 2, 2, 3, dtype=lib.float64))
        return seen, one, three
    same(program)


def test_instance_norm_second_order_and_errors():
    def program(lib):
        net = lib.nn.Sequential(lib.nn.InstanceNorm2d(2), lib.nn.ReLU(True))
        x = lib.tensor([[[[1.0, 1.0]]]], requires_grad=True)
        (g,) = lib.autograd.grad(net(x).pow(2), [x], grad_outputs=x.new_ones(x.shape), create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), [x])
        errors = []
        for bad in (lambda: lib.nn.InstanceNorm2d(3)(lib.randn(3, 4)),
                    lambda: lib.nn.functional.instance_norm(lib.randn(2, 3, 1, 1)),
                    lambda: lib.nn.InstanceNorm2d(4, affine=True)(lib.randn(2, 3, 4, 4))):
            try:
                bad()
            except ValueError as e:
                errors.append(str(e))
        return g, gg, errors
    same(program)


def test_double_backward_through_an_in_place_op_on_a_view():
    """The saved output of relu_ on a view comes back with the view's history (as in
    PyTorch), so a second derivative reaches the op's node once, through CopySlices."""
    def program(lib):
        x = lib.tensor([[1.0, -3.0], [2.0, 5.0]], requires_grad=True)
        h = (x * 2).view(4)
        lib.nn.functional.relu(h, inplace=True)
        (g,) = lib.autograd.grad(h.pow(2).sum(), [x], create_graph=True)
        return g, lib.autograd.grad(g.sum(), [x])
    same(program)


def test_index_tensors_are_saved_and_freed_like_any_saved_tensor():
    def program(lib):
        seen = []
        b = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
        c = lib.zeros(3, dtype=lib.float64)
        c[[1, 2]] = b[[1, 1]]                           # IndexPutBackward0 over IndexBackward0
        seen.append((c.grad_fn._saved_indices, c.grad_fn.next_functions[1][0]._saved_indices))
        c.backward(lib.ones(3, dtype=lib.float64))
        for again in (lambda: c.backward(lib.ones(3, dtype=lib.float64)), lambda: c.grad_fn._saved_indices):
            try:
                again()
            except RuntimeError as e:
                seen.append(str(e)[:60])
        s = b[1:]                                        # a slice saves no tensor: twice is fine
        s.sum().backward()
        s.sum().backward()
        m = lib.ones(2, 3, requires_grad=True)[:, [0, 2]]
        seen += [b.grad, m.grad_fn._saved_indices]
        return seen
    same(program)


def test_as_strided_reads_the_storage():
    def program(lib):
        out = []
        x = lib.arange(6.0, requires_grad=True)
        y = x.clone()
        v = y.as_strided((2, 2), (1, 2), 1)
        out += [v, v.grad_fn.name(), v._base is y, v.storage_offset(), v.grad_fn._saved_size,
                v.grad_fn._saved_storage_offset, v.grad_fn._saved_stride]
        v.sum().backward()
        out.append(x.grad)
        y.as_strided_((2, 2), (1, 2))                  # in place: y becomes that view
        out += [repr(v), y.grad_fn.name(), tuple(y.shape), y.stride(), y.storage_offset()]
        try:
            x.detach().as_strided((3, 3), (3, 1))
        except RuntimeError as e:
            out.append(str(e))
        out += [lib.arange(6.0)[2:].as_strided((2,), (1,)), lib.arange(6.0).view(2, 3)[1].storage_offset()]
        x = lib.arange(4.0, requires_grad=True)
        (x * 1).as_strided((2, 2), (1, 1)).sum().backward()     # overlapping: gradients add
        out.append(x.grad)
        x = lib.arange(4.0, requires_grad=True)
        x[1:3].as_strided((3,), (1,), 0).backward(lib.tensor([1.0, 10.0, 100.0]))  # x[0]: outside
        out.append(x.grad)
        b = lib.zeros(4)
        b[1:].as_strided((2,), (2,)).fill_(7)
        out.append(b)
        return out
    same(program)


def _reentrant_chain(lib, fail_below=None):
    class Deep(lib.autograd.Function):
        """Each backward runs a backward of its own on a fresh graph: nested engine runs."""
        @staticmethod
        def forward(ctx, x):
            with lib.enable_grad():
                ctx.x = x.detach().requires_grad_() - 1
            return ctx.x.detach()

        @staticmethod
        def backward(ctx, g):
            if fail_below is not None and ctx.x < fail_below:
                raise ValueError("deep enough")
            if ctx.x >= 0:
                assert not lib.is_grad_enabled()            # the engine's mode, on any thread
                with lib.enable_grad():
                    Deep.apply(ctx.x).sum().backward()
            return g
    return Deep


def test_a_2000_deep_reentrant_backward_does_not_overflow():
    Deep = _reentrant_chain(autograd_nb)
    for depth in (2000.0, 200.0):
        v = autograd_nb.tensor(depth, requires_grad=True)
        Deep.apply(v).sum().backward()
        assert v.grad.item() == 1.0
    Failing = _reentrant_chain(autograd_nb, fail_below=5)
    v = autograd_nb.tensor(300.0, requires_grad=True)
    with pytest.raises(ValueError, match="deep enough"):       # raised on a worker thread,
        Failing.apply(v).sum().backward()                      # seen by the caller
    assert autograd_nb.is_grad_enabled()


def test_fuzz_found_error_messages_amax_and_unbind():
    def program(lib):
        seen = []
        for call in (lambda: lib.zeros(2, 0).amax((-1, 0)), lambda: lib.zeros(2, 0).amin(-1),
                     lambda: lib.tensor(2.0).unbind(3), lambda: lib.tensor(2.0).unbind(-1)):
            try:
                call()
            except IndexError as e:
                seen.append(str(e))
        return seen
    same(program)


def test_matmul_batch_broadcast_error_names_the_last_clashing_dim():
    for lib in (autograd_nb, torch):
        with pytest.raises(RuntimeError, match=r"tensor a \(3\) must match the size of tensor b \(2\) at "
                                               r"non-singleton dimension 1"):
            lib.matmul(lib.ones(2, 3, 4, 5), lib.ones(3, 2, 5, 6))


def test_squeeze_backward_hands_on_the_gradient_itself_when_nothing_was_squeezed():
    def program(lib):
        v = lib.ones(3, 3, dtype=lib.float64, requires_grad=True)
        (g,) = lib.autograd.grad(lib.exp(v.squeeze()).sum(), [v])
        (g1,) = lib.autograd.grad(lib.exp(v.squeeze(0)).sum(), [v])
        w = lib.ones(3, 1, dtype=lib.float64, requires_grad=True)
        (g2,) = lib.autograd.grad(lib.exp(w.squeeze()).sum(), [w])
        g.lerp_(lib.exp(v), 0.5)                      # not a no_grad view: may change in place
        return g._base is None, g1._base is None, g2._base is None, g, g.grad_fn.name()
    same(program)
