"""The bargaining problem of any number of agents, solved over packages (pure functions).

Two agents have a one-dimensional Pareto frontier (:mod:`sim.theory.frontier`); three or more
have a surface, so their solutions are found directly over the packages ``x`` of the feasible
box. Each problem here maximises a function of the agents' additive utilities ``A_j(x)`` over
the box subject to floors ``A_j(x) >= c_j``: a utility floor ``U_j >= u`` is the floor
``A_j >= u ** (1 / rho_j)``, the risk exponent being increasing. Every ``A_j`` is concave in
``x``, so every such set is convex.

A linear issue utility ``1 - |x_i - p_ji|`` has a kink at the ideal. Each issue's range is
cut at every linear agent's ideal into segments, and ``x_i = low_i + sum_k y_ik`` with
``0 <= y_ik <= width_ik``: on a segment every linear utility is linear, so ``A_j`` is linear in
``y``. Filling the segments out of order can only understate each concave ``A_j``, never
overstate it, so wherever larger ``A_j`` are wanted the optimum fills them in order and the
formulation is exact (the lambda / incremental method for separable concave functions; Dantzig
1960). Every problem is then smooth: a linear program (HiGHS dual simplex; Huangfu & Hall 2018)
when every shape is linear and the objective is linear in ``A``, else sequential quadratic
programming (SLSQP; Kraft 1988) with exact gradients.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy.optimize import linprog, minimize

from sim.core.preferences import Preferences
from sim.core.red_lines import RedLines

#: A floor this far below its value (in additive utility) still counts as met.
TOLERANCE = 1e-12
_HIGHS = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}
_SLSQP = {"ftol": 1e-15, "maxiter": 1000}
_FEASIBLE = 1e-8  # how far SLSQP's last step may leave a constraint (it stops near 1e-9)

#: ``objective(A, s) -> (value, d value / d A, d value / d s)``, to be maximised.
Objective = Callable[[np.ndarray, float], tuple[float, np.ndarray, float]]


class PackageSpace:
    """``n`` agents' utilities over the packages of ``box``, and the convex programs over them.

    Every program maximises over a package ``x`` (in the box) and one scalar ``s``; its floors
    are ``A_j(x) >= floor_j + step_j * s`` and its ``rows`` ``(coef, value)`` add
    ``coef @ A(x) >= value``.
    """

    def __init__(self, preferences: Sequence[Preferences], box: RedLines):
        self.preferences, self.box = tuple(preferences), box
        self.n, self.n_issues = len(self.preferences), len(box.low)
        self.ideal = np.array([p.ideal[0] for p in self.preferences], dtype=float)
        self.salience = np.array([p.salience[0] for p in self.preferences], dtype=float)
        self.risk = np.array([float(p.risk[0]) for p in self.preferences])
        self.linear = np.array([p.shape == "linear" for p in self.preferences])
        #: every program is a linear program in A (linear shapes); in U too (risk exponents 1)
        self.all_linear = bool(self.linear.all())
        self.risk_neutral = bool((self.risk == 1.0).all())
        low, high = box.low, box.high
        # the segments: each issue's range cut at the linear agents' ideals inside it
        cuts = [
            np.unique(np.concatenate([[lo, hi], p[(p > lo) & (p < hi)]]))
            for lo, hi, p in zip(
                low, high, self.ideal[self.linear].T.reshape(len(low), -1), strict=True
            )
        ]
        self._issue = np.concatenate([np.full(max(len(c) - 1, 1), i) for i, c in enumerate(cuts)])
        self.width = np.concatenate([np.diff(c) if len(c) > 1 else [0.0] for c in cuts])
        self._from = np.concatenate([c[:-1] if len(c) > 1 else c for c in cuts])
        self.size = len(self.width)
        self.issue_sum = np.zeros((self.n_issues, self.size))  # x = low + sum @ y
        self.issue_sum[self._issue, np.arange(self.size)] = 1.0
        # linear agents: A_j = at_low_j + slope_j @ y (a segment below the ideal gains, above loses)
        middle = self._from + 0.5 * self.width
        sign = np.where(middle < self.ideal[:, self._issue], 1.0, -1.0)
        self._slope = np.where(self.linear[:, None], sign * self.salience[:, self._issue], 0.0)
        self._at_low = self.additive(low)[0]
        self._bounds = [(0.0, float(w)) for w in self.width]
        #: each agent's best package in the box (issue by issue, its ideal clipped) and utility
        self.best_packages = np.clip(self.ideal, box.low, box.high)
        self.best_utility = np.diagonal(self.utility(self.best_packages)).copy()

    # --- utilities -----------------------------------------------------------------------------

    def utility(self, packages) -> np.ndarray:
        """(U_1, ..., U_n) of packages (K, I) -> (K, n), as :class:`Preferences` computes them."""
        packages = np.atleast_2d(np.asarray(packages, dtype=float))
        return np.stack([p.utility(packages) for p in self.preferences], axis=-1)

    def additive(self, packages) -> np.ndarray:
        packages = np.atleast_2d(np.asarray(packages, dtype=float))
        return np.stack([p.additive(packages) for p in self.preferences], axis=-1)

    def level(self, utility) -> np.ndarray:
        """The additive utilities whose utilities are ``utility`` (n,): ``u ** (1 / rho)``
        (0 for ``u <= 0``, which every package meets)."""
        return np.maximum(np.asarray(utility, dtype=float), 0.0) ** (1.0 / self.risk)

    def segments(self, package) -> np.ndarray:
        """The segment variables ``y`` of a package, filled in order."""
        x = np.clip(np.asarray(package, dtype=float), self.box.low, self.box.high)
        return np.clip(x[self._issue] - self._from, 0.0, self.width)

    def package_of(self, y) -> np.ndarray:
        return np.clip(self.box.low + self.issue_sum @ y, self.box.low, self.box.high)

    def additive_of(self, y) -> np.ndarray:
        a = self._at_low + self._slope @ y
        quadratic = ~self.linear
        if quadratic.any():
            x = self.box.low + self.issue_sum @ y
            loss = ((x - self.ideal[quadratic]) ** 2 * self.salience[quadratic]).sum(axis=1)
            a[quadratic] = self.salience[quadratic].sum(axis=1) - loss
        return a

    def jacobian_of(self, y) -> np.ndarray:
        jacobian = self._slope.copy()
        quadratic = ~self.linear
        if quadratic.any():
            x = self.box.low + self.issue_sum @ y
            by_x = -2.0 * self.salience[quadratic] * (x - self.ideal[quadratic])
            jacobian[quadratic] = by_x[:, self._issue]
        return jacobian

    # --- the two solvers -----------------------------------------------------------------------

    def linear_program(
        self,
        weights,
        floors,
        step=None,
        *,
        s_weight: float = 0.0,
        s_bounds: tuple[float, float] = (0.0, 0.0),
        rows: Sequence[tuple[np.ndarray, float]] = (),
    ) -> tuple[np.ndarray, float] | None:
        """``max weights @ A(x) + s_weight * s`` (every shape linear): ``(x, s)``, or None when
        the floors leave no package."""
        if not self.all_linear:
            raise ValueError("a linear program needs every agent's utility shape to be linear")
        floors = np.asarray(floors, dtype=float)
        step = np.zeros(self.n) if step is None else np.asarray(step, dtype=float)
        # A = at_low + slope @ y: maximise, A_j - step_j s >= floor_j, coef @ A >= value
        cost = np.append(-np.asarray(weights, dtype=float) @ self._slope, -s_weight)
        upper = [np.column_stack([-self._slope, step])]
        bound = [self._at_low - floors]
        for coef, value in rows:
            upper.append(np.append(-np.asarray(coef) @ self._slope, 0.0)[None])
            bound.append([float(np.asarray(coef) @ self._at_low - value)])
        found = linprog(
            cost,
            A_ub=np.vstack(upper),
            b_ub=np.concatenate(bound),
            bounds=[*self._bounds, s_bounds],
            method="highs-ds",
            options=_HIGHS,
        )
        if found.status != 0:
            return None
        return self.package_of(found.x[:-1]), float(found.x[-1])

    def nonlinear_program(
        self,
        objective: Objective,
        start,
        floors,
        step=None,
        *,
        s_start: float = 0.0,
        s_bounds: tuple[float, float] = (0.0, 0.0),
        rows: Sequence[tuple[np.ndarray, float]] = (),
    ) -> tuple[np.ndarray, float]:
        """A local maximum (the maximum, for a concave objective) from package ``start``:
        ``(x, s)``. Floors of ``-inf`` are left out. ``step`` may also be a function
        ``s -> (offset, d offset / ds)``: then the floors are ``floor_j + offset_j(s)``."""
        floors = np.asarray(floors, dtype=float)
        if step is None:
            step = np.zeros(self.n)
        if callable(step):
            moving = step
        else:
            fixed_step = np.asarray(step, dtype=float)

            def moving(s):
                return fixed_step * s, fixed_step

        kept = np.isfinite(floors)
        coefs = np.array([coef for coef, _ in rows]).reshape(len(rows), self.n)
        values = np.array([value for _, value in rows])

        def negative(v):
            value, by_a, by_s = objective(self.additive_of(v[:-1]), v[-1])
            return -value, -np.append(by_a @ self.jacobian_of(v[:-1]), by_s)

        def constraints(v):
            a = self.additive_of(v[:-1])
            offset = moving(v[-1])[0]
            return np.concatenate([a[kept] - floors[kept] - offset[kept], coefs @ a - values])

        def jacobian(v):
            jy = self.jacobian_of(v[:-1])
            return np.vstack(
                [
                    np.column_stack([jy[kept], -moving(v[-1])[1][kept]]),
                    np.column_stack([coefs @ jy, values * 0]),
                ]
            )

        bounds = [*self._bounds, s_bounds]
        lower, upper = np.array(bounds).T
        v = np.append(self.segments(start), s_start)
        best, best_value = v, np.inf
        if constraints(v).min(initial=0.0) >= -_FEASIBLE:
            best_value = negative(v)[0]
        for _ in range(3):  # a restart from where SLSQP stopped polishes a premature stop
            found = minimize(
                negative,
                v,
                jac=True,
                method="SLSQP",
                bounds=bounds,
                constraints=[{"type": "ineq", "fun": constraints, "jac": jacobian}],
                options=_SLSQP,
            )
            v = np.clip(found.x, lower, upper)
            value = negative(v)[0]
            if constraints(v).min(initial=0.0) < -_FEASIBLE or not value < best_value - 1e-15:
                break
            best, best_value = v, value
        if not np.isfinite(best_value):
            best = v  # no feasible point seen: the last one, for the caller to judge
        return self.package_of(best[:-1]), float(best[-1])
