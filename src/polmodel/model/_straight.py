"""Other ways to run the model's equations, generated from their source, never written twice.

:func:`polmodel.model.equations.coefficients` and :func:`polmodel.model.equations.rates` are where the equations
live. Two consumers need them in another shape:

- the vectorised loop of :func:`polmodel.model.integrator.simulate` (:func:`numpy_plan`): ``rates`` on
  arrays of worlds allocates a temporary for every operation; the plan evaluates the same
  operations in place (``out=`` into preallocated rows), with every subexpression that reads
  only coefficients hoisted out of the month and computed once per lever setting;
- the compiled port in :mod:`polmodel.model._compiled` (:func:`coefficients_tree`,
  :func:`rates_tree`): numba needs ``p["name"]`` as an index into a row of parameters and the
  coefficients as a tuple instead of a dict.

Each rewrite keeps every operation of the source, on the same operands in the same order, so
its numbers are those of the source bit for bit (tested). When the source is not in the shape
read here (straight-line assignments; ``rates`` ending in ``return gains, losses`` of two
lists; ``coefficients`` returning one dict), :func:`numpy_plan` returns None and ``simulate``
uses ``rates`` as it is: slower, never wrong.
"""

from __future__ import annotations

import ast
import functools


class Unreadable(Exception):
    """The model's source is not in the shape this module rewrites."""


@functools.cache
def _module_tree(path: str) -> ast.Module:
    with open(path, encoding="utf-8") as f:
        return ast.parse(f.read())


def _function(func) -> ast.FunctionDef:
    """A fresh syntax tree of a module-level function (read from its file; no inspect import)."""
    import copy
    import sys

    module = sys.modules[func.__module__]
    found = [n for n in _module_tree(module.__file__).body
             if isinstance(n, ast.FunctionDef) and n.name == func.__name__]
    if len(found) != 1:
        raise Unreadable(f"{func.__name__}: not found once in {module.__file__}")
    if (found[0].lineno != func.__code__.co_firstlineno
            or func.__code__.co_filename != module.__file__):
        raise Unreadable(f"{func.__name__}: the file no longer holds the function in use")
    fn = copy.deepcopy(found[0])
    if fn.body and isinstance(fn.body[0], ast.Expr) and isinstance(fn.body[0].value, ast.Constant):
        fn.body = fn.body[1:]  # the docstring
    fn.decorator_list, fn.returns = [], None
    for arg in (*fn.args.args, *fn.args.kwonlyargs):
        arg.annotation = None
    return fn


def _key(node: ast.AST, name: str) -> str | None:
    """The constant key of ``name["key"]``, else None."""
    if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)
            and node.value.id == name and isinstance(node.slice, ast.Constant)
            and isinstance(node.slice.value, str)):
        return node.slice.value
    return None


class _ConstantKeys(ast.NodeTransformer):
    """``name["key"]`` -> ``name[index]`` for the names given, indices from ``keys``."""

    def __init__(self, keys: dict[str, dict[str, int]]):
        self.keys = keys

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        self.generic_visit(node)
        for name, index in self.keys.items():
            key = _key(node, name)
            if key is not None:
                return ast.copy_location(ast.Subscript(node.value, ast.Constant(index[key]),
                                                       node.ctx), node)
        return node


class _KeysToLocals(ast.NodeTransformer):
    """``name["key"]`` -> a local ``name__key`` (loads and stores alike)."""

    def __init__(self, name: str):
        self.name = name

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        self.generic_visit(node)
        key = _key(node, self.name)
        if key is None:
            return node
        return ast.copy_location(ast.Name(f"{self.name}__{key}", node.ctx), node)


def coefficient_names() -> list[str]:
    """Keys of :func:`polmodel.model.equations.coefficients`, in the order of its returned dict."""
    from polmodel.model.equations import coefficients
    from polmodel.model.levers import LEVER_NAMES
    from polmodel.model.parameters import PARAMETERS

    return list(coefficients({k: p.default for k, p in PARAMETERS.items()}, (0.5,) * len(LEVER_NAMES)))


def coefficients_tree(name: str = "coefficients") -> tuple[ast.FunctionDef, list[str]]:
    """``coefficients(p_row, u)`` returning a tuple in :func:`coefficient_names` order.

    ``p["name"]`` is read as ``p_row[index]`` (:data:`PARAMETERS` order). The source may end in
    ``return {...}``, or build ``c = {...}``, add ``c["key"] = ...`` and ``return c``.
    """
    from polmodel.model import integrator as model
    from polmodel.model.parameters import PARAMETERS

    fn = _function(model.coefficients)
    names = coefficient_names()
    p_arg = fn.args.args[0].arg
    *body, last = fn.body
    if not isinstance(last, ast.Return):
        raise Unreadable("coefficients() must end in a return")
    if isinstance(last.value, ast.Name):  # c = {...}; c["k"] = ...; return c
        var = last.value.id
        new_body: list[ast.stmt] = []
        for stmt in body:
            if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                    and isinstance(stmt.targets[0], ast.Name) and stmt.targets[0].id == var):
                if not isinstance(stmt.value, ast.Dict) or None in stmt.value.keys:
                    raise Unreadable("coefficients(): the dict must be built from named entries")
                new_body += [ast.Assign([ast.Name(f"{var}__{k.value}", ast.Store())], v)
                             for k, v in zip(stmt.value.keys, stmt.value.values)]
            else:
                new_body.append(stmt)
        body = [_KeysToLocals(var).visit(s) for s in new_body]
        values: list[ast.expr] = [ast.Name(f"{var}__{k}", ast.Load()) for k in names]
    elif isinstance(last.value, ast.Dict) and None not in last.value.keys:
        if [k.value for k in last.value.keys] != names:
            raise Unreadable("coefficients(): the source and the returned keys disagree")
        values = list(last.value.values)
    else:
        raise Unreadable("coefficients() must return a dict")
    fn.body = body + [ast.Return(ast.Tuple(values, ast.Load()))]
    fn = _ConstantKeys({p_arg: {k: i for i, k in enumerate(PARAMETERS)}}).visit(fn)
    fn.name = name
    return fn, names


def _rates_parts():
    """The source of rates: (function, state names, statements, gain and loss expressions)."""
    from polmodel.model import integrator as model

    fn = _function(model.rates)
    state_arg = fn.args.args[0].arg
    unpack, *body = fn.body
    if not (isinstance(unpack, ast.Assign) and isinstance(unpack.targets[0], ast.Tuple)
            and isinstance(unpack.value, ast.Name) and unpack.value.id == state_arg):
        raise Unreadable("rates() must begin by unpacking the states")
    states = [t.id for t in unpack.targets[0].elts]
    ret = body.pop()
    if not (isinstance(ret, ast.Return) and isinstance(ret.value, ast.Tuple)
            and len(ret.value.elts) == 2 and all(isinstance(e, ast.Name) for e in ret.value.elts)):
        raise Unreadable("rates() must end in `return gains, losses`")
    lists = {}
    for stmt in body:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)):
            raise Unreadable(f"rates(): not a plain assignment: {ast.unparse(stmt)}")
        if isinstance(stmt.value, ast.List):
            lists[stmt.targets[0].id] = stmt.value.elts
    gains, losses = (lists.get(e.id) for e in ret.value.elts)
    n = len(model.STATES)
    if gains is None or losses is None or len(gains) != n or len(losses) != n:
        raise Unreadable(f"rates() must return two lists of {n} rates")
    statements = [s for s in body if not isinstance(s.value, ast.List)]
    return fn, states, statements, gains, losses


def rates_tree(name: str = "rates") -> ast.FunctionDef:
    """``rates(state, c)`` returning two tuples (for numba) instead of two lists."""
    fn, _, _, _, _ = _rates_parts()

    class _ListsToTuples(ast.NodeTransformer):
        def visit_List(self, node: ast.List) -> ast.AST:
            self.generic_visit(node)
            return ast.copy_location(ast.Tuple(node.elts, ast.Load()), node)

    fn = _ListsToTuples().visit(fn)
    fn.name = name
    return fn


def build(*trees: ast.FunctionDef) -> dict:
    """Compile function trees in the namespace of :mod:`polmodel.model.integrator`."""
    from polmodel.model import integrator as model

    module = ast.fix_missing_locations(ast.Module(list(trees), type_ignores=[]))
    namespace = dict(vars(model))
    exec(compile(module, f"<rewritten {model.__name__}>", "exec"), namespace)  # noqa: S102
    return namespace


# -- the vectorised month: rates evaluated in place, what does not move hoisted ------------------

_UFUNCS = {ast.Add: "add", ast.Sub: "subtract", ast.Mult: "multiply", ast.Div: "divide"}


class _Plan:
    """Writes ``invariants(c)`` and ``month(X, h, G, L, B)`` from the source of rates."""

    def __init__(self, state_names: list[str]):
        self.moving = set(state_names)      # names that depend on the states
        self.names = {s: s for s in state_names}
        self.hoisted: list[str] = []        # source of subexpressions that read only c
        self.lines: list[str] = []
        self.free: list[str] = []
        self.n_buffers = 0
        self.owned: set[str] = set()        # buffers held by named locals
        self.ufuncs: set[str] = set()

    def is_moving(self, node: ast.AST) -> bool:
        return any(isinstance(n, ast.Name) and n.id in self.moving for n in ast.walk(node))

    def hoist(self, node: ast.AST) -> str:
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            return repr(node.value)
        self.hoisted.append(ast.unparse(node))
        return f"h[{len(self.hoisted) - 1}]"

    def buffer(self) -> str:
        if self.free:
            return self.free.pop()
        self.n_buffers += 1
        return f"B[{self.n_buffers - 1}]"

    def release(self, operand: str) -> None:
        if operand.startswith("B[") and operand not in self.owned:
            self.free.append(operand)

    def emit(self, node: ast.AST, out: str | None = None) -> str:
        """Lines computing ``node`` (into ``out`` if given); returns where the value is."""
        if not self.is_moving(node):
            value = self.hoist(node)
        elif isinstance(node, ast.Name):
            value = self.names[node.id]
        else:
            if isinstance(node, ast.BinOp) and type(node.op) in _UFUNCS:
                args = [self.emit(node.left), self.emit(node.right)]
                ufunc = _UFUNCS[type(node.op)]
            elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
                args, ufunc = [self.emit(node.operand)], "negative"
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                  and node.func.id == "abs" and len(node.args) == 1 and not node.keywords):
                args, ufunc = [self.emit(node.args[0])], "absolute"
            else:
                raise Unreadable(f"rates(): cannot evaluate in place: {ast.unparse(node)}")
            for a in args:
                self.release(a)
            target = out or self.buffer()
            self.ufuncs.add(ufunc)
            self.lines.append(f"{ufunc}({', '.join(args)}, {target})")  # positional out: faster
            return target
        if out is not None:
            self.lines.append(f"{out}[...] = {value}")
            return out
        return value


def _settled(plan_moving, states, gains, losses) -> list[int]:
    """States whose gain and loss read no state ("settled" states).

    Their exact step is the same every month of a lever setting, so its equilibrium and decay
    factor are computed once per setting. None when a condition is among them (the conditions
    must stay the first rows of the state block).
    """
    def moves(node):
        return any(isinstance(n, ast.Name) and n.id in plan_moving for n in ast.walk(node))

    settled = [i for i in range(len(states)) if not moves(gains[i]) and not moves(losses[i])]
    from polmodel.model.states import CONDITIONS

    return [] if any(i < len(CONDITIONS) for i in settled) else settled


def _settle_lines(settled, gains, losses, exp: str) -> tuple[list[str], list[str]]:
    """Lines of ``invariants`` for each settled state's equilibrium and decay factor, and names.

    The operations are those of the exact step in :func:`polmodel.model.integrator.simulate`.
    """
    lines, names = [], []
    for i in settled:
        lines += [f"k = ({ast.unparse(gains[i])} + {ast.unparse(losses[i])}) + eps",
                  f"eq{i} = {ast.unparse(gains[i])} / k",
                  f"decay{i} = {exp}(k * decay)"]
        names += [f"eq{i}", f"decay{i}"]
    return lines, names


def _numpy_source() -> tuple[str, int, list[int]]:
    """The vectorised loop's ``invariants`` and ``month``: source, buffer count, settled states."""
    fn, states, statements, gains, losses = _rates_parts()
    plan = _Plan(states)
    invariant_lines = []
    for stmt in statements:
        name = stmt.targets[0].id
        if not plan.is_moving(stmt.value):
            invariant_lines.append(ast.unparse(stmt))
            continue
        operand = plan.emit(stmt.value)
        if not operand.startswith("B[") or operand in plan.owned:
            buf = plan.buffer()
            plan.lines.append(f"{buf}[...] = {operand}")
            operand = buf
        plan.owned.add(operand)
        plan.names[name] = operand
        plan.moving.add(name)
    settled = _settled(plan.moving, states, gains, losses)
    for rows, exprs in (("G", gains), ("L", losses)):
        for i, expr in enumerate(exprs):
            if i not in settled:
                plan.emit(expr, out=f"{rows}[{i}]")
    settle, settled_names = _settle_lines(settled, gains, losses, "exp")
    c_arg = fn.args.args[1].arg
    source = "\n".join([
        f"def invariants({c_arg}, decay, exp=np.exp, eps=_EPS):",
        *(f"    {s}" for s in invariant_lines + settle),
        f"    return ({', '.join(plan.hoisted)},), ({', '.join(settled_names)},)",
        "",
        f"def month(X, h, G, L, B, {', '.join(f'{u}=np.{u}' for u in sorted(plan.ufuncs))}):",
        f"    {', '.join(states)} = X",
        *(f"    {line}" for line in plan.lines),
    ])
    return source, max(plan.n_buffers, 1), settled


class _Hoist(ast.NodeTransformer):
    """Replace every largest subexpression that reads no state by ``h<i>`` (for the float month)."""

    def __init__(self, moving: set[str]):
        self.moving = moving
        self.hoisted: list[str] = []

    def visit(self, node: ast.AST) -> ast.AST:
        if isinstance(node, ast.expr) and not any(
                isinstance(n, ast.Name) and n.id in self.moving for n in ast.walk(node)):
            if isinstance(node, ast.Constant) and type(node.value) in (int, float):
                return node
            self.hoisted.append(ast.unparse(node))
            return ast.copy_location(ast.Name(f"h{len(self.hoisted) - 1}", ast.Load()), node)
        return super().visit(node)

    def visit_Call(self, node: ast.Call) -> ast.AST:  # keep the function called (abs, min, ...)
        node.args = [self.visit(a) for a in node.args]
        node.keywords = [self.visit(k) for k in node.keywords]
        return node


def _float_run(states: list[str], body: list[str], unpack: str) -> list[str]:
    """Lines of ``run``: one world's months on Python floats, and its outcomes.

    ``run(x, months, decay, kind, and_, record, rates)`` keeps the states in locals from month
    to month; ``months`` holds, per month, what ``body`` reads (the same object for months of
    the same lever setting, unpacked by ``unpack`` when it changes). The outcomes are those of
    the vectorised loop of :func:`polmodel.model.integrator.simulate`, computed with the same operations.
    """
    from polmodel.model.states import CONDITIONS

    c = [f"c{i}" for i in range(len(CONDITIONS))]
    return [
        "def run(x, months, decay, kind, and_, record, rates, exp=math.exp, eps=_EPS,",
        "        sqrt=math.sqrt, crossover=CROSSOVER, nan=math.nan, bad=_BAD_AGGREGATOR):",
        f"    {', '.join(states)} = x",
        "    traj = [x] if record else None",
        "    peak = peak_strict = peak_product = -1.0",
        f"    at_peak, months_open, first_window = [{', '.join(['0.0'] * len(c))}], 0, nan",
        f"    {' = '.join(f'b{i}' for i in range(len(c)))} = 0  # months each condition bound",
        f"    {' = '.join(f's{i}' for i in range(len(c)))} = 0.0  # and their sums",
        "    last = None",
        "    for t, h in enumerate(months):",
        "        if h is not last:",
        *([f"            {unpack}"] if unpack else []),
        "            last = h",
        *(f"        {line}" for line in body),
        f"        {', '.join(c)}, = {', '.join(states[:len(c)])},",
        f"        low = min({', '.join(c)})",
        f"        product = {' * '.join(c)}",
        "        peak_strict = low if low > peak_strict else peak_strict",
        "        peak_product = product if product > peak_product else peak_product",
        "        if kind == 'min':",
        "            J = low",
        "        elif kind == 'geometric':",
        "            J = sqrt(sqrt(product))",
        "        else:",
        f"            J = float(and_({', '.join(c)}))",
        "            if not 0.0 <= J <= 1.0:",
        "                raise PolmodelError(bad)",
        "        if J > peak:",
        f"            peak, at_peak = J, [{', '.join(c)}]",
        *(f"        b{i} += {ci} == low" for i, ci in enumerate(c)),
        *(f"        s{i} += {ci}" for i, ci in enumerate(c)),
        "        if low > crossover:",
        "            if months_open == 0:",
        "                first_window = float(t + 1)",
        "            months_open += 1",
        "        if record:",
        f"            traj.append([{', '.join(states)}])",
        f"    return ([{', '.join(states)}], traj, peak, peak_strict, peak_product, at_peak, "
        "months_open,",
        f"            first_window, [{', '.join(f'b{i}' for i in range(len(c)))}], "
        f"[{', '.join(f's{i}' for i in range(len(c)))}])",
    ]


def _float_source() -> str:
    """The source of ``invariants`` and ``run`` for one world on Python floats.

    ``run`` (see :func:`_float_run`) is ``rates`` with what does not move hoisted into ``h``
    (computed by ``invariants(c, decay)`` once per lever setting, with the equilibrium and decay
    factor of every settled state), followed by the exact step of every state written out: the
    same operations in the same order as the vectorised loop of :func:`polmodel.model.integrator.simulate`.
    """
    fn, states, statements, gains, losses = _rates_parts()
    hoist = _Hoist(set(states))
    invariant_lines, lines = [], []
    for stmt in statements:
        if not any(isinstance(n, ast.Name) and n.id in hoist.moving for n in ast.walk(stmt.value)):
            invariant_lines.append(ast.unparse(stmt))
            continue
        lines.append(f"{stmt.targets[0].id} = {ast.unparse(hoist.visit(stmt.value))}")
        hoist.moving.add(stmt.targets[0].id)
    settled = _settled(hoist.moving, states, gains, losses)
    for prefix, exprs in (("g", gains), ("l", losses)):
        lines += [f"{prefix}{i} = {ast.unparse(hoist.visit(e))}" for i, e in enumerate(exprs)
                  if i not in settled]
    for i, state in enumerate(states):
        if i in settled:
            lines += [f"{state} = (({state} - eq{i}) * decay{i}) + eq{i}"]
        else:
            lines += [f"k = (g{i} + l{i}) + eps", f"e = g{i} / k",
                      f"{state} = (({state} - e) * exp(k * decay)) + e"]
    settle, settled_names = _settle_lines(settled, gains, losses, "exp")
    c_arg = fn.args.args[1].arg
    h = [f"h{i}" for i in range(len(hoist.hoisted))] + settled_names
    return "\n".join([
        f"def invariants({c_arg}, decay, exp=math.exp, eps=_EPS):",
        *(f"    {s}" for s in invariant_lines + settle),
        f"    return ({', '.join(hoist.hoisted + settled_names)},)",
        "",
        *_float_run(states, lines, f"{', '.join(h)}, = h"),
    ])


@functools.cache
def plain_float_run():
    """``run`` (see :func:`_float_run`) on :func:`polmodel.model.equations.rates` itself, passed to it.

    For when the source of ``rates`` cannot be read or it was replaced: ``months`` holds the
    coefficients of each month. Needs no parsing, only the names of the states.
    """
    from polmodel.model.states import STATES

    states = list(STATES)
    body = [f"gains, losses = rates([{', '.join(states)}], h)"]
    for i, state in enumerate(states):
        body += [f"k = (gains[{i}] + losses[{i}]) + eps", f"e = gains[{i}] / k",
                 f"{state} = (({state} - e) * exp(k * decay)) + e"]
    return _exec("\n".join(_float_run(states, body, "")), "plain float run")["run"]


def fingerprint() -> str | None:
    """sha256 of the files the plans are written from (the model and this module), or None."""
    import hashlib

    from polmodel.model import integrator as model

    digest = hashlib.sha256()
    try:
        for path in (model.__file__, __file__):
            with open(path, "rb") as f:
                digest.update(f.read().replace(b"\r\n", b"\n"))
    except (OSError, TypeError):
        return None
    return digest.hexdigest()


def plan_sources() -> dict:
    """The plans written afresh from the model's source (raises :class:`Unreadable`)."""
    numpy_source, n_buffers, settled = _numpy_source()
    return {"numpy": numpy_source, "n_buffers": n_buffers, "settled": settled,
            "floats": _float_source()}


@functools.cache
def _sources() -> dict | None:
    """The plans, as written in :mod:`polmodel.model._plans` or afresh.

    As written while the model is the one they were written from (no parsing at start-up),
    else afresh; None when the source cannot be read.
    """
    try:
        from polmodel.model import _plans

        if _plans.FINGERPRINT == fingerprint():
            return _plans.SOURCES
    except ImportError:
        pass
    try:
        return plan_sources()
    except (Unreadable, OSError):
        return None


def _exec(source: str, what: str) -> dict:
    from polmodel.model import integrator as model

    namespace = dict(vars(model))
    exec(compile(source, f"<{what} of polmodel.model.integrator>", "exec"), namespace)  # noqa: S102
    return namespace


@functools.cache
def numpy_plan():
    """``(invariants, month, n_buffers, source, rates, settled)`` for the vectorised loop, or None.

    ``invariants(c, decay)`` returns, once per lever setting, the tuple ``h`` of every
    subexpression of ``rates`` that reads only coefficients, and the equilibrium and decay
    factor of each settled state (``settled``: the indices of the states whose gain and loss
    read no state). ``month(X, h, G, L, B)`` fills the rows of ``G`` and ``L`` with the gains
    and losses of the other states in the rows of ``X``, using scratch rows ``B``; each a list
    of ndarray[n_worlds] (lists of row views, so that the time loop makes no views and
    allocates no arrays). ``rates`` is the function the plan was written from:
    :func:`polmodel.model.integrator.simulate` uses the plan only while that is still the model's.
    """
    from polmodel.model import integrator as model

    sources = _sources()
    if sources is None:
        return None
    namespace = _exec(sources["numpy"], "vectorised month")
    return (namespace["invariants"], namespace["month"], sources["n_buffers"], sources["numpy"],
            model.rates, tuple(sources["settled"]))


@functools.cache
def float_plan():
    """``(invariants, run, source, rates)`` for one world on floats, or None.

    ``invariants(c, decay)`` returns one tuple per lever setting; ``run`` is described in
    :func:`_float_run`. ``rates`` as in :func:`numpy_plan`.
    """
    from polmodel.model import integrator as model

    sources = _sources()
    if sources is None:
        return None
    namespace = _exec(sources["floats"], "one-world run")
    return namespace["invariants"], namespace["run"], sources["floats"], model.rates


def write_plans(path=None) -> str:
    """Write :mod:`polmodel.model._plans` (run ``python -m polmodel.model._straight`` after changing the model)."""
    import pathlib
    import pprint

    path = pathlib.Path(path or pathlib.Path(__file__).with_name("_plans.py"))
    text = "\n".join([
        '"""The plans of :mod:`polmodel.model._straight`, written from the model\'s source.',
        "",
        "Generated by ``python -m polmodel.model._straight``: do not edit. Used only while FINGERPRINT",
        "matches the model and the module that writes them (otherwise they are written afresh at",
        "start-up); a test holds them equal to what the source gives.",
        '"""',
        "",
        f"FINGERPRINT = {fingerprint()!r}",
        "",
        f"SOURCES = {pprint.pformat(plan_sources(), width=100)}",
        "",
    ])
    path.write_text(text, encoding="utf-8")
    return str(path)


if __name__ == "__main__":
    print(write_plans())
