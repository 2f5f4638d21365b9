"""C source generated from the one equations file: the compiled engine's kernel.

Nothing here restates an equation. :func:`polmodel.model.equations.coefficients` and
:func:`polmodel.model.equations.rates` are called once on symbols (:class:`Sym`) instead of
numbers; each arithmetic operation they perform is recorded as one line of C, in the order
Python performs it. So the kernel computes, for every world, the very operations the numpy
path computes on arrays, with the same rounding (no ``-ffast-math``, no fused multiply-add:
``-ffp-contract=off``); only ``exp`` (and ``pow`` for a graded root of three terms) comes from
another library, the C library's vector math, and differs from numpy's by about one unit in the
last place on some inputs. The two paths therefore agree within a tolerance (1e-12), not bit
for bit; the kernel is bit-reproducible with itself, since every world goes through the same
vector code (tails are padded to a full block).

Layout of the kernel: worlds in blocks of :data:`BLOCK`; per block, the coefficients of every
distinct lever setting are computed once (they do not depend on the states), then the months
run with the states of the block in a few cache lines, the exact step of
:mod:`polmodel.model.integrator`, and every reading of :mod:`polmodel.model.readings` tracked in
the same pass (every structure's strict and product peaks, the marks, the run's own structure's
index, window, bottleneck and conditions at the peak).
"""

from __future__ import annotations

from polmodel.model.equations import coefficients, rates
from polmodel.model.levers import LEVER_NAMES
from polmodel.model.parameters import PARAMETERS
from polmodel.model.readings import MARKS, Plan
from polmodel.model.states import CONDITIONS, CROSSOVER, STATES
from polmodel.model.structures import STRUCTURES

BLOCK = 8
"""Worlds a block: one AVX-512 register of doubles (two AVX2 registers)."""

AGGREGATOR_CODES = {"min": 0, "product": 1, "geometric": 2}


class Sym:
    """A number the equations compute on, recorded as C: each operation emits one line."""

    __slots__ = ("name", "lines")

    LINE = "const double {name} = {expr};"
    """How one operation is written (:class:`polmodel.model.float_step.PySym` writes Python)."""
    ABS = "fabs({})"

    def __init__(self, name: str, lines: list[str]):
        self.name, self.lines = name, lines

    @staticmethod
    def operand(value) -> str:
        """An operand as this language writes it."""
        return _c(value)

    def _new(self, expr: str) -> Sym:
        name = f"t{len(self.lines)}"
        self.lines.append(self.LINE.format(name=name, expr=expr))
        return type(self)(name, self.lines)

    def _binary(self, other, op: str, reverse: bool = False) -> Sym:
        a, b = self.name, self.operand(other)
        return self._new(f"{b} {op} {a}" if reverse else f"{a} {op} {b}")

    def __add__(self, other):
        return self._binary(other, "+")

    def __radd__(self, other):
        return self._binary(other, "+", reverse=True)

    def __sub__(self, other):
        return self._binary(other, "-")

    def __rsub__(self, other):
        return self._binary(other, "-", reverse=True)

    def __mul__(self, other):
        return self._binary(other, "*")

    def __rmul__(self, other):
        return self._binary(other, "*", reverse=True)

    def __truediv__(self, other):
        return self._binary(other, "/")

    def __rtruediv__(self, other):
        return self._binary(other, "/", reverse=True)

    def __neg__(self):
        return self._new(f"-{self.name}")

    def __abs__(self):
        return self._new(self.ABS.format(self.name))

    def __bool__(self):
        raise TypeError("the equations branched on a value; allowed: arithmetic only "
                        "(max(0, x) is (x + abs(x)) * 0.5), so that one code serves every engine")


def _c(value) -> str:
    """A C operand: a symbol's name, or a number written exactly (a hexadecimal float)."""
    if isinstance(value, Sym):
        return value.name
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"the equations used {value!r:.40}; allowed: numbers and arithmetic")
    return f"({float(value).hex()})"


def _traced(kind: str, lines: list[str], names, prefix: str) -> dict:
    out = {}
    for j, name in enumerate(names):
        lines.append(f"const double {prefix}{j} = {kind}[{j}];")
        out[name] = Sym(f"{prefix}{j}", lines)
    return out


def coefficient_code() -> tuple[list[str], list[str]]:
    """The coefficients of one lever setting as C lines, and their names in output order.

    Inputs inside the lane loop: ``P(k)`` the k-th parameter of the world, ``u[j]`` the
    setting's j-th lever; each coefficient ``k`` is stored as ``C(k) = ...;``.
    """
    lines: list[str] = []
    p = {}
    for k, name in enumerate(PARAMETERS):
        lines.append(f"const double p{k} = P({k});")
        p[name] = Sym(f"p{k}", lines)
    u = tuple(Sym(f"u{j}", lines) for j in range(len(LEVER_NAMES)))
    c = coefficients(p, u)
    names = list(c)
    for k, name in enumerate(names):
        lines.append(f"C({k}) = {_c(c[name])};  /* {name} */")
    return lines, names


def rate_code(coefficient_names: list[str]) -> list[str]:
    """The gains ``g0..g7`` and losses ``l0..l7`` of the states ``x0..x7`` as C lines."""
    lines: list[str] = []
    c = {}
    for k, name in enumerate(coefficient_names):
        lines.append(f"const double c{k} = CS({k});")
        c[name] = Sym(f"c{k}", lines)
    x = [Sym(f"x{i}", lines) for i in range(len(STATES))]
    gains, losses = rates(x, c)
    for i in range(len(STATES)):
        lines.append(f"const double g{i} = {_c(gains[i])};")
        lines.append(f"const double l{i} = {_c(losses[i])};")
    return lines


def reading_code(plan: Plan, own: int, aggregator: str) -> list[str]:
    """Every reading of one month from the new states ``x0..x7``, as C lines in the lane loop.

    The same operations in the same order as :class:`polmodel.model.readings.ArrayReadings`.
    """
    lines = [f"double s{i} = x{i};" for i in range(len(STATES))]
    for kind, out, a, b in plan.ops:
        expr = {"not": f"1.0 - s{a}", "max": f"(s{a} >= s{b} ? s{a} : s{b})",
                "min": f"(s{a} <= s{b} ? s{a} : s{b})", "mul": f"s{a} * s{b}"}[kind]
        lines.append(f"const double s{out} = {expr};")
    for j, (st, pr) in enumerate(zip(plan.strict, plan.product)):
        lines.append(f"PS({j}) = s{st} > PS({j}) ? s{st} : PS({j});")
        lines.append(f"PP({j}) = s{pr} > PP({j}) ? s{pr} : PP({j});")
    strict, product, k = plan.strict[own], plan.product[own], plan.k[own]
    root = {1: f"s{product}", 2: f"sqrt(s{product})", 4: f"sqrt(sqrt(s{product}))"}.get(
        k, f"pow(s{product}, {_c(1.0 / k)})")
    J = {"min": f"s{strict}", "product": f"s{product}", "geometric": root}[aggregator]
    # Selections, not branches, with double conditions only: the lane loop stays one vector
    # loop (a condition held as an int beside doubles stops the vectoriser).
    lines += [f"const double J = {J};", "const double before = PEAK;",
              "PEAK = J > before ? J : before;"]
    for i in range(len(CONDITIONS)):
        lines += [f"AT({i}) = J > before ? x{i} : AT({i});",
                  f"CP({i}) = x{i} > CP({i}) ? x{i} : CP({i});",
                  f"CSUM({i}) = CSUM({i}) + x{i};"]
    for j, (term, leaf) in enumerate(plan.leaf_slots[own]):
        hit = f"BIND({j}) + 1.0"
        if leaf != term:
            hit = f"(s{leaf} == s{term} ? {hit} : BIND({j}))"
        lines.append(f"BIND({j}) = s{term} == s{strict} ? {hit} : BIND({j});")
    is_open = f"s{strict} > {_c(CROSSOVER)}"
    lines += [f"FIRST = OPENED == 0.0 ? ({is_open} ? month : FIRST) : FIRST;",
              f"OPENED = {is_open} ? OPENED + 1.0 : OPENED;"]
    return lines


def outputs(plan: Plan, own: int) -> list[tuple[str, str, tuple[int, ...]]]:
    """The kernel's outputs, in the order of its ``outs`` pointers: the fields of ``Outcomes``.

    Each is ``(field, dtype, trailing shape)``, written worlds first, as the numpy path leaves
    it (graded peaks on the scale of their k-th root, counts as int32).
    """
    n_cond = len(CONDITIONS)
    return [("peak_index", "f8", ()), ("peak_strict", "f8", ()), ("peak_graded", "f8", ()),
            ("months_open", "i4", ()), ("first_window", "f8", ()),
            ("binding_months", "i4", (len(plan.leaf_slots[own]),)),
            ("at_peak", "f8", (n_cond,)), ("condition_peak", "f8", (n_cond,)),
            ("condition_mean", "f8", (n_cond,)), ("crisis_months", "f8", ()),
            ("final", "f8", (len(STATES),)), ("readings", "f8", (len(STRUCTURES), 2)),
            ("marks", "f8", (len(MARKS), 2))]


def _root(value: str, k: int) -> str:
    """:func:`polmodel.model.structures.graded_root` of one value, as C."""
    return {1: value, 2: f"sqrt({value})", 4: f"sqrt(sqrt({value}))"}.get(
        k, f"pow({value}, {_c(1.0 / k)})")


OUTPUT_KINDS = {"f8": 0, "f4": 1, "i4": 2, "i2": 3, "i1": 4}
"""The types the kernel writes an output in (numpy's ``dtype.str`` without its byte order)."""
_C_TYPES = ("double", "float", "int32_t", "int16_t", "int8_t")


def slot_names(plan: Plan, own: int) -> list[str]:
    """Every number the kernel can write per world, in the order of its ``dst`` pointers.

    Named as a field of :class:`polmodel.model.integrator.Outcomes` and its trailing index
    (``at_peak[2]``, ``readings[1][0]``); ``bottleneck`` is the first largest of
    ``binding_months``, as :attr:`Outcomes.bottleneck`.
    """
    n_cond = len(CONDITIONS)
    return (["peak_index", "peak_strict", "peak_graded", "months_open", "first_window"]
            + [f"binding_months[{b}]" for b in range(len(plan.leaf_slots[own]))]
            + ["bottleneck"] + [f"at_peak[{c}]" for c in range(n_cond)]
            + [f"condition_peak[{c}]" for c in range(n_cond)]
            + [f"condition_mean[{c}]" for c in range(n_cond)] + ["crisis_months"]
            + [f"final[{i}]" for i in range(len(STATES))]
            + [f"readings[{j}][{r}]" for j in range(len(STRUCTURES)) for r in range(2)]
            + [f"marks[{i}][{r}]" for i in range(len(MARKS)) for r in range(2)])


def _values(plan: Plan, own: int, slot: dict) -> list[str]:
    """C lines of the lane loop setting ``val[k][w]`` for each of :func:`slot_names`."""
    def acc(name):
        return f"acc[{slot[name]}][w]"

    n_bind = len(plan.leaf_slots[own])
    lines = [f"double best = {acc('bd[0]')}, arg = 0.0;"]
    for b in range(1, n_bind):  # the first largest count, as numpy's argmax
        lines += [f"arg = {acc(f'bd[{b}]')} > best ? {float(b)!r} : arg;",
                  f"best = {acc(f'bd[{b}]')} > best ? {acc(f'bd[{b}]')} : best;"]
    k_own = plan.k[own]
    value = {"peak_index": acc("pk"), "peak_strict": acc(f"ps[{own}]"),
             "peak_graded": _root(acc(f"pp[{own}]"), k_own), "months_open": acc("op"),
             "first_window": acc("fi"), "bottleneck": "arg",
             "crisis_months": f"{acc('cs[0]')} * dt"}
    for b in range(n_bind):
        value[f"binding_months[{b}]"] = acc(f"bd[{b}]")
    for c in range(len(CONDITIONS)):
        value[f"at_peak[{c}]"] = acc(f"at[{c}]")
        value[f"condition_peak[{c}]"] = acc(f"cp[{c}]")
        value[f"condition_mean[{c}]"] = f"{acc(f'cs[{c}]')} / months"
    for i in range(len(STATES)):
        value[f"final[{i}]"] = f"xs[{i}][w]"
    for j in range(len(STRUCTURES)):
        value[f"readings[{j}][0]"] = acc(f"ps[{j}]")
        value[f"readings[{j}][1]"] = _root(acc(f"pp[{j}]"), plan.k[j])
    for i in range(len(MARKS)):
        value[f"marks[{i}][0]"] = acc(f"mk[{2 * i}]")
        value[f"marks[{i}][1]"] = _root(acc(f"mk[{2 * i + 1}]"), k_own)
    return lines + [f"val[{k}][w] = {value[name]};"
                    for k, name in enumerate(slot_names(plan, own))]


def _store_code() -> list[str]:
    """Each requested output of the block's worlds written in its type, at its stride."""
    cases = [f"      case {code}: for (int w = 0; w < nw; w++) *({ctype} *)(base + w * st) = "
             f"({ctype})val[k][w]; break;" for code, ctype in enumerate(_C_TYPES)]
    return ["    const int nw = n - i0 < W ? (int)(n - i0) : W;",
            "    for (int k = 0; k < NV; k++) {",
            "      if (!dst[k]) continue;",
            "      const int64_t st = dstride[k];",
            "      char *const base = dst[k] + i0 * st;",
            "      switch (dkind[k]) {", *cases, "      }", "    }"]


def kernel_source(plan: Plan, own: int, aggregator: str, *, vector_math: bool = True,
                  block: int = BLOCK) -> str:
    """The whole C file: ``polmodel_run(...)`` for this plan, own structure and aggregator.

    ``vector_math`` declares ``exp``, ``pow`` and ``sqrt`` as SIMD functions so the compiler
    calls the C library's vector versions (glibc's libmvec); without it the lane loops call
    the scalar ones.
    """
    coef_lines, coef_names = coefficient_code()
    n_par, n_coef, n_states = len(PARAMETERS), len(coef_names), len(STATES)
    m = len(plan.strict)
    lane = "#pragma omp simd\n    for (int w = 0; w < W; w++) {"
    simd = ("#pragma omp declare simd notinbranch\nextern double exp(double);\n"
            "#pragma omp declare simd notinbranch\nextern double pow(double, double);\n"
            "#pragma omp declare simd notinbranch\nextern double sqrt(double);\n"
            if vector_math else "#include <math.h>\n")
    n_cond, n_bind = len(CONDITIONS), len(plan.leaf_slots[own])
    locals_ = ([f"ps[{j}]" for j in range(m)] + [f"pp[{j}]" for j in range(m)]
               + [f"at[{c}]" for c in range(n_cond)] + [f"cp[{c}]" for c in range(n_cond)]
               + [f"cs[{c}]" for c in range(n_cond)] + [f"bd[{b}]" for b in range(n_bind)]
               + [f"mk[{r}]" for r in range(2 * len(MARKS))] + ["pk", "op", "fi"])

    def local(name):  # ps[2] -> ps_2: an accumulator, read and written back each month
        return name.replace("[", "_").replace("]", "")

    starts = {"ps": "-1.0", "pp": "-1.0", "pk": "-1.0", "mk": "__builtin_nan(\"\")",
              "fi": "__builtin_nan(\"\")"}
    # The marks are copied after the month's lane loop, in the months they fall on.
    slot = {name: j for j, name in enumerate(locals_)}
    marks = [f"    if (t + 1 == {mark}) for (int w = 0; w < W; w++) {{ "
             f"acc[{slot[f'mk[{2 * i}]']}][w] = acc[{slot[f'ps[{own}]']}][w]; "
             f"acc[{slot[f'mk[{2 * i + 1}]']}][w] = acc[{slot[f'pp[{own}]']}][w]; }}"
             for i, mark in enumerate(MARKS)]
    lane_locals = [(j, name) for j, name in enumerate(locals_) if not name.startswith("mk")]
    readings = [line.replace("PS(", "ps_(").replace("PP(", "pp_(") for line in
                reading_code(plan, own, aggregator)]
    for tag, name in (("ps_", "ps"), ("pp_", "pp"), ("AT", "at"), ("CP", "cp"), ("CSUM", "cs"),
                      ("BIND", "bd")):
        for j in range(max(m, n_cond, n_bind)):
            readings = [line.replace(f"{tag}({j})", f"{name}_{j}") for line in readings]
    readings = [line.replace("PEAK", "pk").replace("FIRST", "fi").replace("OPENED", "op")
                for line in readings]
    body = "\n".join([
        "/* Generated by polmodel.model.c_source from polmodel/model/equations.py: do not edit. */",
        "#include <stdlib.h>", "#include <stdint.h>",
        "extern double fabs(double);", simd,
        f"#define W {block}", f"#define NP {n_par}", f"#define NC {n_coef}",
        f"#define NS {n_states}", f"#define NL {len(LEVER_NAMES)}",
        "int polmodel_block(void) { return W; }",
        "/* par[k], init[i]: pointers with a stride of 1 (one value a world) or 0 (one for all);",
        "   settings: n_set x NL lever intensities; month_set: the setting of each month;",
        "   dst, dstride, dkind: per output of slot_names(), where world 0's value goes (NULL:",
        "   not wanted), the bytes from one world's to the next, and its type (OUTPUT_KINDS). */",
        "int polmodel_run(int64_t n, const double *const *par, const int64_t *pstride,",
        "                 const double *const *init, const int64_t *istride, int n_set,",
        "                 const double *settings, int horizon, const int32_t *month_set,",
        "                 double dt, double eps, char *const *dst, const int64_t *dstride,",
        "                 const int32_t *dkind) {",
        "  double (*coef)[NC][W] = aligned_alloc(64, sizeof(double[NC][W]) * (n_set > 0 ? n_set : 1));",
        "  if (!coef) return 1;",
        "  double pb[NP][W] __attribute__((aligned(64)));",
        "  double xs[NS][W] __attribute__((aligned(64)));",
        f"  double acc[{len(locals_)}][W] __attribute__((aligned(64)));",
        f"#define NV {len(slot_names(plan, own))}",
        "  double val[NV][W] __attribute__((aligned(64)));",
        "  const double months = (double)(horizon > 1 ? horizon : 1);",
        "  for (int64_t i0 = 0; i0 < n; i0 += W) {",
        "    for (int w = 0; w < W; w++) {  /* a tail is padded with its last world */",
        "      int64_t i = i0 + w < n ? i0 + w : n - 1;",
        "      for (int k = 0; k < NP; k++) pb[k][w] = par[k][i * pstride[k]];",
        "      for (int s = 0; s < NS; s++) xs[s][w] = init[s][i * istride[s]];",
        "    }",
        "    for (int s = 0; s < n_set; s++) {",
        "      const double *u = settings + (int64_t)s * NL;",
        *(f"      const double u{j} = u[{j}];" for j in range(len(LEVER_NAMES))),
        "      double (*co)[W] = coef[s];",
        "      " + lane.replace("\n", "\n      "),
        "#define P(k) pb[k][w]",
        "#define C(k) co[k][w]",
        *("        " + line for line in coef_lines),
        "#undef P", "#undef C",
        "      }", "    }",
        "    for (int w = 0; w < W; w++) {",
        *(f"      acc[{j}][w] = {starts.get(name[:2], '0.0')};" for j, name in enumerate(locals_)),
        "    }",
        "    for (int t = 0; t < horizon; t++) {",
        "      const double (*co)[W] = (const double (*)[W])coef[month_set[t]];",
        "      const double month = (double)(t + 1);",
        "      " + lane.replace("\n", "\n      "),
        *(f"        double x{i} = xs[{i}][w];" for i in range(n_states)),
        *(f"        double {local(name)} = acc[{j}][w];" for j, name in lane_locals),
        "#define CS(k) co[k][w]",
        "        {",
        *("          " + line for line in rate_code(coef_names)),
        # The exact step, x' = (x - e) * exp(-k dt) + e with k = (g + l) + eps, e = g / k,
        # written so the 8 calls of the vector exp come together: few values live across them.
        *(f"          const double k{i} = (g{i} + l{i}) + eps;" for i in range(n_states)),
        *(f"          const double e{i} = g{i} / k{i};" for i in range(n_states)),
        *(f"          const double d{i} = exp(k{i} * -dt);" for i in range(n_states)),
        *(f"          x{i} = ((x{i} - e{i}) * d{i}) + e{i};" for i in range(n_states)),
        "        }",
        "#undef CS",
        *("        " + line for line in readings),
        *(f"        xs[{i}][w] = x{i};" for i in range(n_states)),
        *(f"        acc[{j}][w] = {local(name)};" for j, name in lane_locals),
        "      }",
        *marks,
        "    }",
        # Every output over the whole block (the vector pow, as for every world, whatever
        # its place in a chunk), then the block's worlds written where they are wanted.
        "    " + lane.replace("\n", "\n    "),
        *("      " + line for line in _values(plan, own, slot)),
        "    }",
        *_store_code(),
        "  }",
        "  free(coef);",
        "  return 0;",
        "}",
    ])
    return body + "\n"
