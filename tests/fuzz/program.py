"""Random straight-line programs, written as Python source.

A program is a list of ``Stmt``: one line of source each, over the names ``T`` (the
library: ``torch`` or ``autograd_nb``), ``F`` (``T.nn.functional``) and variables
``v0``, ``v1``, ... . The same text runs under both libraries, so a failing program is
already a replayable script.

Statements are drawn one at a time *while the program runs under torch*: the generator
looks at the shapes and dtypes torch produced so far, so most statements are valid (some
are made invalid on purpose, to compare errors). Drawing depends only on the seed and on
torch, so a (seed, program) pair always gives the same program.

Each template below is a format string; its placeholders are filled by ``Draw``:

    {a}  a tensor variable            {b}  a tensor that broadcasts with {a} (mostly)
    {x}  {b} or a Python number       {s}  a Python number (int, float or bool)
    {f}  a small float                {n}  a small int >= 1
    {d}  a dim of {a} (rarely wrong)  {k}  True / False (keepdim)
    {i}  an index along dim {d}       {m}  a bool mask shaped like {a}
    {I}  an int64 index tensor for dim {d} of {a}
    {g}  a grad mode context          {A}  a floating tensor of at least 1 dim

The template text itself (before filling) is a statement's ``label``: mismatches are
counted per (label, kind), which is how distinct causes are told apart.
"""
from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, field
from typing import Any

import torch

_FIELD = re.compile(r"\{(\w)\}")


@dataclass
class Stmt:
    """One line of a program: its source, the template it came from, the names it reads
    and defines, and what kind of statement it is (see ``runner``)."""

    src: str
    label: str
    uses: tuple[str, ...] = ()
    defs: tuple[str, ...] = ()
    kind: str = "op"          # op | leaf | inplace | backward | hook | flag

    def __str__(self) -> str:
        return self.src


# ---------------------------------------------------------------------------
# templates
# ---------------------------------------------------------------------------

UNARY_FLOAT = """abs neg exp exp2 expm1 log log2 log10 log1p sqrt rsqrt sin cos tan tanh sinh cosh
asin acos atan asinh acosh atanh sigmoid reciprocal sign square erf ceil floor round trunc frac
relu logit nan_to_num isnan isinf isfinite logical_not""".split()
UNARY_INT = "bitwise_not".split()
BINARY = """add sub mul div pow remainder floor_divide maximum minimum atan2 hypot xlogy logaddexp
eq ne lt le gt ge logical_and logical_or logical_xor bitwise_and bitwise_or bitwise_xor
true_divide arctan2 isclose""".split()
OPERATORS = "+ - * / // % ** & | ^ < <= > >= == !=".split()
ACTIVATIONS = """relu relu6 elu selu celu gelu silu mish softplus softsign tanhshrink hardtanh
hardswish hardsigmoid leaky_relu logsigmoid sigmoid tanh""".split()
INPLACE_UNARY = """exp_ neg_ relu_ sigmoid_ tanh_ zero_ sqrt_ log_ abs_ ceil_ floor_ round_ trunc_
reciprocal_ sin_ cos_ frac_ expm1_ square_ sign_ atan_ asinh_ log1p_ erf_ fix_ nan_to_num_""".split()
INPLACE_BINARY = "add_ sub_ mul_ div_ pow_ clamp_min_ clamp_max_ xlogy_ multiply_ subtract_ eq_ gt_ logical_and_".split()
REDUCE_DIM = "sum mean prod amax amin logsumexp std var norm cumsum softmax log_softmax".split()
TIES = ("sort", "argsort", "topk", "kthvalue", "median", "argmax", "argmin", ".max(", ".min(",
        "T.max(", "T.min(", "unique", "mode")

TEMPLATES: list[tuple[str, str, float]] = []    # (template, kind, weight)


def _t(template: str, kind: str = "op", weight: float = 1.0) -> None:
    TEMPLATES.append((template, kind, weight))


for _u in UNARY_FLOAT:
    _t(f"{{g}}T.{_u}({{a}})", weight=0.5)
    _t(f"{{g}}{{a}}.{_u}()", weight=0.3)
for _u in UNARY_INT:
    _t(f"{{g}}T.{_u}({{a}})", weight=0.3)
for _b in BINARY:
    _t(f"{{g}}T.{_b}({{a}}, {{x}})", weight=0.6)
    _t(f"{{g}}{{a}}.{_b}({{x}})", weight=0.3)
for _o in OPERATORS:
    _t(f"{{g}}{{a}} {_o} {{x}}", weight=0.5)
    _t(f"{{g}}{{s}} {_o} {{a}}", weight=0.2)
for _a in ACTIVATIONS:
    _t(f"{{g}}F.{_a}({{a}})", weight=0.4)
for _r in REDUCE_DIM:
    _t(f"{{g}}{{a}}.{_r}({{d}})" if _r in ("cumsum", "softmax", "log_softmax")
       else f"{{g}}{{a}}.{_r}({{d}}, keepdim={{k}})", weight=0.4)
for _r in ("sum", "mean", "prod", "amax", "amin", "std", "var", "norm", "max", "min", "median",
           "all", "any", "argmax", "argmin", "count_nonzero", "msort"):
    _t(f"{{g}}T.{_r}({{a}})", weight=0.3)
for _tmpl in [
    # binary ops with options
    "{g}T.add({a}, {b}, alpha={f})", "{g}T.sub({a}, {x}, alpha={n})",
    "{g}T.div({a}, {x}, rounding_mode='floor')", "{g}T.div({a}, {x}, rounding_mode='trunc')",
    "{g}T.div({a}, {x}, rounding_mode=None)", "{g}T.pow({s}, {a})", "{g}T.xlogy({s}, {a})",
    "{g}T.clamp({a}, {f}, {f})", "{g}T.clamp({a}, min={b})", "{g}{a}.clamp(max={s})",
    "{g}T.clamp_min({a}, {s})", "{g}{a}.clamp_max({s})", "{g}T.lerp({a}, {b}, {f})",
    "{g}T.lerp({a}, {b}, {b})", "{g}T.addcmul({a}, {b}, {b}, value={f})",
    "{g}T.addcdiv({a}, {b}, {b}, value={f})", "{g}T.where({m}, {a}, {x})",
    "{g}T.where({a} > 0, {a}, {b})", "{g}T.masked_fill({a}, {m}, {s})",
    "{g}T.allclose({a}, {b})", "{g}T.equal({a}, {b})", "{g}T.isclose({a}, {x})",
    # reductions and sorting
    "{g}{a}.max({d}, keepdim={k})", "{g}{a}.min({d})", "{g}T.sort({a}, {d}, descending={k})",
    "{g}{a}.argsort({d})", "{g}T.topk({a}, 1, {d})", "{g}{a}.kthvalue(1, {d})",
    "{g}{a}.median({d})", "{g}T.argmax({a}, {d})", "{g}{a}.sum_to_size({a_size})",
    "{g}T.count_nonzero({a}, {d})", "{g}{a}.sum(dtype=T.float64)", "{g}{a}.std({d}, correction=0)",
    "{g}T.diff({a}, dim={d})", "{g}{a}.all({d})", "{g}{a}.any({d})",
    # shapes, views, joins
    "{g}{a}[{i}]", "{g}{a}[..., {i}]", "{g}{a}[None, {i}]", "{g}{a}[:, None]", "{g}{a}[{m}]",
    "{g}{a}[{I}]", "{g}{a}.t()", "{g}{a}.T", "{g}{a}.mT", "{g}{a}.view(-1)",
    "{g}{a}.reshape(-1, 1)", "{g}T.reshape({a}, (-1,))", "{g}{a}.unsqueeze({d})",
    "{g}{a}.squeeze()", "{g}{a}.squeeze({d})", "{g}{a}.transpose(0, {d})",
    "{g}{a}.permute({perm})", "{g}{a}.expand({expand})", "{g}{a}.broadcast_to({expand})",
    "{g}{a}.narrow({d}, 0, 1)", "{g}{a}.select({d}, {i})", "{g}{a}.diagonal()",
    "{g}{a}.unbind({d})[{i}]", "{g}{a}.split(1, {d})[0]", "{g}{a}.chunk(2, {d})[-1]",
    "{g}{a}.detach()", "{g}{a}.flatten()", "{g}{a}.movedim(0, {d})", "{g}{a}.swapaxes(0, {d})",
    "{g}{a}.view_as({a})", "{g}{a}.expand_as({b})", "{g}{a}.contiguous()", "{g}{a}.clone()",
    "{g}T.cat([{a}, {a}], {d})", "{g}T.stack([{a}, {a}], {d})", "{g}{a}.flip({d})",
    "{g}{a}.roll(1, {d})", "{g}{a}.repeat({reps})", "{g}{a}.tile((2,))", "{g}T.tril({a})",
    "{g}{a}.triu(1)", "{g}T.diag({a})", "{g}{a}.gather({d}, {I})", "{g}{a}.index_select({d}, {I1})",
    "{g}{a}.index_fill({d}, {I1}, {f})", "{g}T.masked_select({a}, {m})",
    "{g}{a}.scatter_reduce({d}, {I}, {a}, 'mean')", "{g}{a}.scatter_add({d}, {I}, {a})",
    # linear algebra
    "{g}T.matmul({A}, {A})", "{g}{A} @ {A}", "{g}T.outer({A}, {A})", "{g}T.dot({A}, {A})",
    "{g}T.mm({A}, {A})", "{g}T.mv({A}, {A})",
    # conversions and creation
    "{g}{a}.float()", "{g}{a}.double()", "{g}{a}.long()", "{g}{a}.int()", "{g}{a}.bool()",
    "{g}{a}.to(T.float64)", "{g}{a}.type_as({b})", "{g}T.zeros_like({a})",
    "{g}T.ones_like({a}, requires_grad=True)", "{g}T.full_like({a}, {f})", "{g}{a}.new_zeros(2)",
    # nn.functional with options
    "{g}F.leaky_relu({a}, {f})", "{g}F.elu({a}, alpha={f})", "{g}F.softplus({a}, beta={n}, threshold={n})",
    "{g}F.hardtanh({a}, -{n}, {n})", "{g}F.threshold({a}, {f}, {f})", "{g}F.gelu({a}, approximate='tanh')",
    "{g}F.softmax({a}, {d})", "{g}F.log_softmax({a}, {d})", "{g}F.softmin({a}, {d})",
    "{g}F.normalize({a}, dim={d})", "{g}F.cosine_similarity({a}, {b}, dim={d})",
    "{g}F.mse_loss({a}, {b})", "{g}F.l1_loss({a}, {b}, reduction='sum')",
    "{g}F.smooth_l1_loss({a}, {b}, beta={f})", "{g}F.huber_loss({a}, {b}, reduction='none', delta={f})",
    "{g}F.binary_cross_entropy(T.sigmoid({a}), T.sigmoid({b}))",
    "{g}F.binary_cross_entropy_with_logits({a}, T.sigmoid({b}))",
    "{g}F.cross_entropy({A}, {target})", "{g}F.cross_entropy({A}, {target}, label_smoothing={f})",
    "{g}F.cross_entropy({A}, {target}, ignore_index=0)", "{g}F.nll_loss(F.log_softmax({A}, -1), {target})",
    "{g}F.cross_entropy({A}, F.softmax({A}, -1))",
    "{g}F.kl_div(F.log_softmax({a}, -1), F.softmax({b}, -1), reduction='batchmean')",
    "{g}F.kl_div({a}, {b}, reduction='sum', log_target=True)",
]:
    _t(_tmpl, weight=0.35)

# random ops: both libraries are seeded alike at the start of a program (runner.Pair), and
# autograd_nb's random stream is torch's, so the numbers must agree bit for bit
RANDOM = ("rand", "randn", "randint", "randperm", "bernoulli", "multinomial", "dropout", "uniform_",
          "normal_", "random_", "exponential_")
for _tmpl in ["{g}T.rand_like({a})", "{g}T.randn_like({a})", "{g}T.randint_like({a}, 5)",
              "{g}T.rand({a_size})", "{g}T.randn({a_size}, dtype=T.float64)", "{g}T.randperm({n})",
              "{g}T.bernoulli(T.sigmoid({a}))", "{g}T.multinomial(T.sigmoid({A}), 1)",
              "{g}F.dropout({a}, {f})", "{g}F.dropout({a}, 0.5, training={k})"]:
    _t(_tmpl, weight=0.3)
for _tmpl in ["{g}{a}.uniform_()", "{g}{a}.normal_()", "{g}{a}.bernoulli_(0.5)", "{g}{a}.random_(5)",
              "{g}{a}.exponential_()", "{g}F.dropout({a}, 0.5, inplace=True)"]:
    _t(_tmpl, "inplace", 0.25)

# in-place ops (also on views; a few meant to fail)
for _u in INPLACE_UNARY:
    _t(f"{{g}}{{a}}.{_u}()", "inplace", 0.35)
for _b in INPLACE_BINARY:
    _t(f"{{g}}{{a}}.{_b}({{x}})", "inplace", 0.4)
for _tmpl in ["{g}{a}.clamp_({f}, {f})", "{g}{a}.lerp_({b}, {f})", "{g}{a}.copy_({b})",
              "{g}{a}.masked_fill_({m}, {s})", "{g}{a}.fill_({s})", "{g}{a}.tril_()",
              "{g}{a}.index_add_({d}, {I1}, {a}.index_select({d}, {I1}))",
              "{g}{a}.index_fill_({d}, {I1}, {f})", "{g}{a}.scatter_({d}, {I}, {f})",
              "{g}{a}.addcmul_({b}, {b})", "{g}{a}[{i}] = {s}", "{g}{a}[{m}] = {x}",
              "{g}{a}[..., 0] = {b}", "{g}{a} += {x}", "{g}{a} *= {x}", "{g}{a}.detach_()",
              "{g}{a}.unbind(0)[0].neg_()", "{g}{a}.broadcast_to({a_size}).exp_()",
              "{g}{a}.diagonal().zero_()", "{g}{a}.t().mul_({s})", "{g}{a}[0].add_({x})",
              "{g}{a}.view(-1).sub_({f})", "{g}{a}.detach().mul_({f})",
              "{g}{a}.expand({expand}).add_(1)", "{g}{a}.requires_grad_()",
              "{g}{a}.requires_grad_(False)"]:
    _t(_tmpl, "inplace", 0.4)

# autograd
for _tmpl in ["{r}.backward()", "{r}.backward(retain_graph=True)",
              "{a}.backward(gradient=T.ones_like({a}))", "{a}.sum().backward(retain_graph=True)",
              "{a}.sum().backward(create_graph=True)", "{a}.mean().backward(inputs=[{leaf}])",
              "{grad} = T.autograd.grad({r}, {leaves}, allow_unused=True)",
              "{grad} = T.autograd.grad({r}, {leaves}, retain_graph=True, allow_unused=True)",
              "{grad} = T.autograd.grad({r}, {leaves}, create_graph=True, allow_unused=True)",
              "{grad} = T.autograd.grad({a}, {leaves}, grad_outputs=T.ones_like({a}), allow_unused=True)",
              "{leaf}.grad = None", "{leaf}.grad.zero_()"]:
    _t(_tmpl, "backward", 1.2)
for _tmpl in ["{a}.retain_grad()", "{h} = {a}.register_hook(lambda g: g * 2)",
              "{h} = {a}.register_hook(lambda g: None)", "{h} = {a}.register_hook(lambda g: g.clamp(-1, 1))"]:
    _t(_tmpl, "hook", 0.4)


# ---------------------------------------------------------------------------
# drawing
# ---------------------------------------------------------------------------

SHAPES = [(), (), (1,), (2,), (3,), (1, 1), (2, 3), (3, 1), (1, 3), (2, 2), (2, 1, 3), (4,), (3, 3)]
FLOAT_GRID = [-2.0, -1.5, -1.0, -0.5, 0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0]
SPECIALS = ["nan", "inf", "-inf", "-0.0"]
GRAD_MODES = ["with T.no_grad(): ", "with T.enable_grad(): ", "with T.inference_mode(): ",
              "with T.set_grad_enabled(False): "]


def _shape_repr(s: tuple) -> str:
    return repr(tuple(s))


class Draw:
    """Draws statements for a program, given what torch computed so far (``ns``)."""

    def __init__(self, rng: random.Random, ns: dict[str, Any], counter: list[int]):
        self.rng = rng
        self.ns = ns
        self.counter = counter

    # -- variables ---------------------------------------------------------
    def new(self) -> str:
        self.counter[0] += 1
        return f"v{self.counter[0] - 1}"

    def tensors(self, pred=lambda t: True) -> list[str]:
        out = []
        for k, v in self.ns.items():
            if re.fullmatch(r"v\d+", k) and isinstance(v, torch.Tensor):
                try:
                    ok = pred(v)
                except RuntimeError:                 # (torch refuses is_leaf/grad_fn of some views)
                    ok = False
                if ok:
                    out.append(k)
        return out

    def pick(self, names: list[str]) -> str | None:
        if not names:
            return None
        if self.rng.random() < 0.5:                     # favour recent results
            return names[-1 - min(int(self.rng.expovariate(0.7)), len(names) - 1)]
        return self.rng.choice(names)

    # -- leaves ------------------------------------------------------------
    def leaf(self) -> Stmt:
        rng = self.rng
        shape = rng.choice(SHAPES)
        dtype = rng.choices(["float32", "float64", "int64", "bool", "int32"], [45, 25, 15, 10, 5])[0]
        n = math.prod(shape)

        def elem() -> str:
            if dtype == "bool":
                return rng.choice(["True", "False"])
            if dtype.startswith("int"):
                return str(rng.randint(-3, 3))
            if rng.random() < 0.06:
                return rng.choice(SPECIALS)
            return repr(rng.choice(FLOAT_GRID))
        flat = [elem() for _ in range(n)]

        def nest(items: list[str], dims: tuple) -> str:
            if not dims:
                return items[0]
            step = len(items) // dims[0]
            return "[" + ", ".join(nest(items[i * step:(i + 1) * step], dims[1:])
                                   for i in range(dims[0])) + "]"
        rg = dtype.startswith("float") and rng.random() < 0.75
        name = self.new()
        src = f"{name} = T.tensor({nest(flat, shape)}, dtype=T.{dtype}" + \
            (", requires_grad=True)" if rg else ")")
        return Stmt(src, "leaf", (), (name,), "leaf")

    # -- placeholders ------------------------------------------------------
    def scalar(self) -> str:
        r = self.rng.random()
        if r < 0.4:
            return repr(self.rng.choice(FLOAT_GRID + [0.3, -0.7]))
        if r < 0.85:
            return str(self.rng.randint(-2, 3))
        if r < 0.95:
            return self.rng.choice(["True", "False"])
        return self.rng.choice(["float('nan')", "float('inf')", "-float('inf')"])

    def dim(self, t: torch.Tensor) -> int:
        nd = t.dim()
        if self.rng.random() < 0.04:
            return self.rng.choice([nd, -nd - 1, 3])        # out of range, on purpose
        return self.rng.randint(-max(nd, 1), max(nd, 1) - 1)

    def broadcasting(self, a: torch.Tensor) -> str | None:
        def fits(t: torch.Tensor) -> bool:
            try:
                torch.broadcast_shapes(t.shape, a.shape)
                return True
            except RuntimeError:
                return False
        pool = self.tensors(fits) if self.rng.random() < 0.85 else self.tensors()
        return self.pick(pool)

    def fill(self, template: str) -> Stmt | None:
        rng, ns = self.rng, self.ns
        uses: list[str] = []
        vals: dict[str, str] = {}
        a_name = self.pick(self.tensors())
        if "{A}" in template:
            a_name = self.pick(self.tensors(lambda t: t.is_floating_point() and t.dim() >= 1)) or a_name
        if a_name is None:
            return None
        a = ns[a_name]
        d = self.dim(a)
        size_d = a.shape[d] if -a.dim() <= d < a.dim() else 1

        def index_tensor(full: bool) -> str:
            if full:                                        # shaped like a (gather/scatter)
                hi = max(size_d, 1)
                flat = [rng.randrange(hi) for _ in range(max(a.numel(), 1))]
                shape = tuple(a.shape)
                if not shape:
                    return f"T.tensor({flat[0]})"
                return f"T.tensor({flat}).view({_shape_repr(shape)})"
            k = rng.randint(1, 3)
            return f"T.tensor({[rng.randrange(max(size_d, 1)) for _ in range(k)]})"

        def mask() -> str:
            if rng.random() < 0.5:
                return f"({a_name} > {rng.choice(['0', '0.5', '-1'])})"
            flat = [rng.choice(["True", "False"]) for _ in range(max(a.numel(), 1))]
            if a.dim() == 0:
                return f"T.tensor({flat[0]})"
            return f"T.tensor([{', '.join(flat)}]).view({_shape_repr(tuple(a.shape))})"

        def repl(m: re.Match) -> str:
            key = m.group(1)
            if key == "a" or key == "A":
                uses.append(a_name)
                return a_name
            if key == "b":
                b = self.broadcasting(a) or a_name
                uses.append(b)
                return b
            if key == "x":
                if rng.random() < 0.45:
                    return self.scalar()
                b = self.broadcasting(a) or a_name
                uses.append(b)
                return b
            if key == "s":
                return self.scalar()
            if key == "f":
                return repr(rng.choice([0.5, 1.5, -0.5, 0.25, 2.0, 0.0, 1.0]))
            if key == "n":
                return str(rng.randint(1, 3))
            if key == "d":
                return str(d)
            if key == "k":
                return rng.choice(["True", "False"])
            if key == "i":
                return str(rng.randrange(-size_d, size_d) if size_d and rng.random() > 0.03 else size_d)
            if key == "m":
                return mask()
            if key == "I":
                return index_tensor(True)
            if key == "g":
                return rng.choice(GRAD_MODES) if rng.random() < 0.12 else ""
            if key == "h":
                return "{h}"                                # (named by statement())
            raise KeyError(key)

        src = template
        for key, make in (("{a_size}", lambda: _shape_repr(tuple(a.shape))),
                          ("{perm}", lambda: ", ".join(str(p) for p in rng.sample(range(a.dim()), a.dim()))),
                          ("{expand}", lambda: _shape_repr((2,) + tuple(a.shape))),
                          ("{reps}", lambda: ", ".join(["2"] * max(a.dim(), 1))),
                          ("{I1}", lambda: index_tensor(False)),
                          ("{target}", lambda: self.target(a))):
            if key in src:
                src = src.replace(key, make())
        src = _FIELD.sub(repl, src)
        return Stmt(src, template, tuple(dict.fromkeys(uses)))

    def target(self, a: torch.Tensor) -> str:
        c = max(a.shape[-1], 1) if a.dim() else 1
        if a.dim() <= 1:
            return f"T.tensor({self.rng.randrange(c)})"
        return f"T.tensor({[self.rng.randrange(c) for _ in range(a.shape[0])]})"

    # -- whole statements --------------------------------------------------
    def statement(self) -> Stmt | None:
        rng = self.rng
        if not self.tensors() or rng.random() < 0.12:
            return self.leaf()
        template, kind, _ = rng.choices(TEMPLATES, [w for _, _, w in TEMPLATES])[0]
        if kind == "backward":
            return self.autograd(template)
        st = self.fill(template)
        if st is None:
            return None
        st.kind = kind
        if kind == "op":
            name = self.new()
            st.src = _assign(name, st.src)
            st.defs = (name,)
            res = self.multi_output(st)
            if res is not None:
                return res
        elif kind == "hook":
            if "{h}" in template:
                name = self.new()
                st.src = st.src.replace("{h}", name)
                st.defs = (name,)
        return st

    def multi_output(self, st: Stmt) -> Stmt | None:
        """``values, indices`` pairs are unpacked into two variables."""
        pair = re.search(r"\.(max|min|sort|topk|kthvalue|median)\(|T\.(sort|topk)\(", st.label)
        if pair is None or re.search(r"T\.(max|min|median)\(\{a\}\)", st.label):
            return None
        second = self.new()
        st.src = st.src.replace(f"{st.defs[0]} = ", f"{st.defs[0]}, {second} = ", 1)
        st.defs = (st.defs[0], second)
        return st

    def autograd(self, template: str) -> Stmt | None:
        rng = self.rng
        need_grad = self.tensors(lambda t: t.requires_grad)
        leaves = self.tensors(lambda t: t.requires_grad and t.is_leaf) or \
            self.tensors(lambda t: t.is_leaf and t.is_floating_point())
        scalars = self.tensors(lambda t: t.requires_grad and t.numel() == 1 and t.dim() == 0)
        uses: list[str] = []
        src = template
        if "{r}" in src:
            r = self.pick(scalars) if scalars and rng.random() < 0.6 else None
            if r is None:
                base = self.pick(need_grad) or self.pick(self.tensors())
                if base is None:
                    return None
                uses.append(base)
                r = f"{base}.sum()" if rng.random() < 0.7 else f"({base} * {base}).mean()"
            else:
                uses.append(r)
            src = src.replace("{r}", r)
        if "{a}" in src:
            a = self.pick(need_grad) or self.pick(self.tensors())
            if a is None:
                return None
            uses.append(a)
            src = src.replace("{a}", a)
        if "{leaf}" in src:
            lf = self.pick(leaves)
            if lf is None:
                return None
            uses.append(lf)
            src = src.replace("{leaf}", lf)
        defs: tuple[str, ...] = ()
        if "{leaves}" in src:
            pool = need_grad if rng.random() < 0.3 else leaves
            chosen = list(dict.fromkeys(rng.choice(pool) for _ in range(rng.randint(1, 2)))) if pool else []
            if not chosen:
                return None
            uses.extend(chosen)
            defs = tuple(self.new() for _ in chosen)
            src = src.replace("{leaves}", "[" + ", ".join(chosen) + "]")
            src = src.replace("{grad} =", ", ".join(defs) + (", =" if len(defs) == 1 else " ="))
        return Stmt(src, template, tuple(dict.fromkeys(uses)), defs, "backward")


def _assign(name: str, src: str) -> str:
    for mode in GRAD_MODES:
        if src.startswith(mode):
            return f"{mode}{name} = {src[len(mode):]}"
    return f"{name} = {src}"
