#!/usr/bin/python3
"""Writes test/fixtures/stats-reference.json: reference results for the lakeops experiment
statistics, computed by SciPy and statsmodels (Debian: apt-get install python3-scipy
python3-statsmodels), for the TypeScript to match to 1e-9 relative. CI needs no Python: the output
is committed. Run from the package folder (Debian's python3, where the apt packages live):

    /usr/bin/python3 scripts/stats-reference.py > test/fixtures/stats-reference.json
    npx biome format --write test/fixtures/stats-reference.json

Conventions checked: Welch = scipy.stats.ttest_ind(treatment, control, equal_var=False), interval
delta +- t.isf(alpha/2, df) * se with the Welch-Satterthwaite df; two proportions = statsmodels
proportions_ztest (pooled) and confint_proportions_2indep(method="wald", compare="diff"); SRM =
scipy.stats.chisquare; CUPED theta = cov(y, x) / var(x) over both variants pooled, then Welch;
power = statsmodels NormalIndPower (two-sided, both tails): the sample size of the first group
for a standardised effect, and the smallest standardised effect detected at a sample size.
The sequential cases are the normal-mixture formula transcribed here a second time (numpy), not
an independent library.
"""
import json
import sys

import numpy as np
import scipy
import statsmodels
from scipy import stats
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

ALPHA = 0.05
rng = np.random.default_rng(20261201)


def r6(a):
    return [round(float(v), 6) for v in a]


def welch(control, treatment, alpha=ALPHA):
    a, b = np.asarray(control, float), np.asarray(treatment, float)
    res = stats.ttest_ind(b, a, equal_var=False)
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = np.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    delta = b.mean() - a.mean()
    crit = stats.t.isf(alpha / 2, df)
    return {"delta": delta, "se": se, "df": df, "statistic": float(res.statistic), "p_value": float(res.pvalue),
            "ci_low": delta - crit * se, "ci_high": delta + crit * se}


def welch_summary(na, ma, va_, nb, mb, vb_, alpha=ALPHA):
    va, vb = va_ / na, vb_ / nb
    se = np.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (na - 1) + vb**2 / (nb - 1))
    delta = mb - ma
    t = delta / se
    crit = stats.t.isf(alpha / 2, df)
    return {"delta": delta, "se": se, "df": df, "statistic": t, "p_value": 2 * stats.t.sf(abs(t), df),
            "ci_low": delta - crit * se, "ci_high": delta + crit * se}


def sequential(delta, se, n, alpha=ALPHA, tuning=5000):
    rho2 = (-2 * np.log(alpha) + np.log(1 - 2 * np.log(alpha))) / tuning
    s2 = se**2 * n
    nr = n * rho2 + 1
    hw = np.sqrt(s2 * nr / (n**2 * rho2) * np.log(nr / alpha**2))
    p = min(1.0, np.sqrt(nr) * np.exp(-(delta**2) * n**2 * rho2 / (2 * s2 * nr)))
    return {"ci_low": delta - hw, "ci_high": delta + hw, "p_value": p}


welch_data = []
for name, a, b in [
    ("normal 400/420", rng.normal(10, 3, 400), rng.normal(10.5, 3.5, 420)),
    ("lognormal 1500/1450", rng.lognormal(3, 1, 1500), rng.lognormal(3.05, 1, 1450)),
    ("small 4/6", rng.normal(5, 2, 4), rng.normal(6, 1, 6)),
    ("strong effect 3000/3000", rng.normal(0, 1, 3000), rng.normal(0.2, 1, 3000)),
    ("no effect 800/790", rng.normal(100, 20, 800), rng.normal(100, 20, 790)),
]:
    a, b = r6(a), r6(b)
    w = welch(a, b)
    welch_data.append({"name": name, "control": a, "treatment": b, "expected": w,
                       "sequential": sequential(w["delta"], w["se"], len(a) + len(b))})

welch_summaries = []
for case in [(1_000_000, 50.0, 400.0, 1_000_000, 50.06, 410.0), (2_500_000, 3.2, 90.0, 2_400_000, 3.21, 95.0),
             (30, 1.0, 0.5, 12, 1.4, 2.5), (2, 0.0, 1.0, 3, 3.0, 1.5)]:
    welch_summaries.append({"control": {"n": case[0], "mean": case[1], "variance": case[2]},
                            "treatment": {"n": case[3], "mean": case[4], "variance": case[5]},
                            "expected": welch_summary(*case)})

proportions = []
for xa, na, xb, nb in [(480, 1000, 530, 1000), (12, 5000, 25, 5000), (45000, 100000, 45600, 100000), (3, 40, 9, 38),
                       (2000, 40000, 2000, 40000)]:
    z, p = proportions_ztest([xb, xa], [nb, na])
    low, high = confint_proportions_2indep(xb, nb, xa, na, method="wald", compare="diff", alpha=ALPHA)
    proportions.append({"control": {"successes": xa, "n": na}, "treatment": {"successes": xb, "n": nb},
                        "expected": {"delta": xb / nb - xa / na, "statistic": float(z), "p_value": float(p),
                                     "ci_low": float(low), "ci_high": float(high)}})

srm = []
for observed, weights in [([5050, 4950], [50, 50]), ([1000, 9100], [10, 90]), ([3300, 3350, 3420], [1, 1, 1]),
                          ([50210, 49790], [50, 50]), ([10500, 9500], [50, 50])]:
    total = sum(observed)
    expected = [total * w / sum(weights) for w in weights]
    res = stats.chisquare(observed, expected)
    srm.append({"observed": observed, "weights": weights,
                "expected": {"chi_square": float(res.statistic), "p_value": float(res.pvalue), "df": len(observed) - 1}})

cuped = []
for name, n_a, n_b, effect, noise in [("gmv-like 600/600", 600, 600, 3.0, 20.0), ("strong covariate 2000/2100", 2000, 2100, 0.5, 2.0)]:
    xa, xb = rng.gamma(2.0, 50.0, n_a), rng.gamma(2.0, 50.0, n_b)
    ya = 10 + 0.8 * xa + rng.normal(0, noise, n_a)
    yb = 10 + effect + 0.8 * xb + rng.normal(0, noise, n_b)
    xa, xb, ya, yb = r6(xa), r6(xb), r6(ya), r6(yb)
    x = np.array(xa + xb)
    y = np.array(ya + yb)
    theta = np.cov(y, x, ddof=1)[0, 1] / np.var(x, ddof=1)
    adj_a = np.array(ya) - theta * (np.array(xa) - x.mean())
    adj_b = np.array(yb) - theta * (np.array(xb) - x.mean())
    raw = welch(ya, yb)
    adjusted = welch(adj_a, adj_b)
    cuped.append({"name": name, "control": {"value": ya, "pre": xa}, "treatment": {"value": yb, "pre": xb},
                  "expected": {**adjusted, "theta": theta, "variance_reduction": 1 - adjusted["se"] ** 2 / raw["se"] ** 2},
                  "sequential": sequential(adjusted["delta"], adjusted["se"], n_a + n_b)})

grid = {
    "t_two_sided": [[t, df, float(2 * stats.t.sf(t, df))] for t, df in [
        (0.05, 1), (1.0, 1), (2.5, 2), (2.1, 5), (0.3, 3.5), (4.2, 7.7), (12.0, 40), (1.96, 120.5), (3.3, 999),
        (5.0, 1e6), (1.96, 2e6), (0.01, 1e5), (8.0, 3e6), (2.0, 1e4)]],
    "t_isf": [[q, df, float(stats.t.isf(q, df))] for q, df in [
        (0.025, 1), (0.025, 3), (0.025, 9.5), (0.005, 30), (0.025, 1e6), (0.001, 7.3), (0.05, 2e5)]],
    "normal_sf": [[z, float(stats.norm.sf(z))] for z in [-3.0, -0.5, 0.0, 0.1, 0.7, 1.0, 1.96, 3.0, 6.0, 10.0, 20.0, 30.0]],
    "normal_isf": [[q, float(stats.norm.isf(q))] for q in [0.4, 0.1, 0.025, 0.005, 1e-5, 1e-10, 1e-20]],
    "chi_square_sf": [[x, df, float(stats.chi2.sf(x, df))] for x, df in [
        (0.001, 1), (0.5, 1), (3.84, 1), (10.83, 1), (50.0, 1), (20.0, 3), (2.0, 2), (100.0, 10), (5.0, 24), (300.0, 250)]],
}

# Power: NormalIndPower.power at given points (exact), and its solve_power answers (brentq; they
# hit the target power only to ~1e-6, so the TypeScript solver is checked by its own power at the
# answer and against these to 1e-5 relative).
solver = NormalIndPower()
power = {
    "points": [[d, n1, ratio, alpha, float(solver.power(d, n1, alpha, ratio))] for d, n1, ratio, alpha in [
        (0.0174, 52000, 1.0, 0.05), (0.1, 700, 1.0, 0.05), (0.2, 218, 9.0, 0.05), (0.5, 356, 0.25, 0.01),
        (0.01, 1000, 1.0, 0.05), (0.3, 30, 1.0, 0.1), (1.0, 50, 1.0, 0.05)]],
    "sample_sizes": [[d, ratio, alpha, pw, float(solver.solve_power(effect_size=d, nobs1=None, alpha=alpha, power=pw,
                                                                    ratio=ratio))]
                     for d, ratio, alpha, pw in [(0.0174, 1.0, 0.05, 0.8), (0.05, 1.0, 0.05, 0.9), (0.2, 9.0, 0.05, 0.8),
                                                 (0.5, 0.25, 0.01, 0.95)]],
    "effect_sizes": [[n1, ratio, alpha, pw, float(solver.solve_power(effect_size=None, nobs1=n1, alpha=alpha, power=pw,
                                                                     ratio=ratio))]
                     for n1, ratio, alpha, pw in [(700, 1.0, 0.05, 0.8), (52000, 1.0, 0.05, 0.8), (4000, 9.0, 0.1, 0.8),
                                                  (30, 1.0, 0.05, 0.5)]],
}

json.dump({
    "generator": "scripts/stats-reference.py",
    "versions": {"python": sys.version.split()[0], "numpy": np.__version__, "scipy": scipy.__version__,
                 "statsmodels": statsmodels.__version__},
    "alpha": ALPHA,
    "distributions": grid,
    "welch_data": welch_data,
    "welch_summaries": welch_summaries,
    "proportions": proportions,
    "srm": srm,
    "cuped": cuped,
    "power": power,
}, sys.stdout, indent=2, default=float)
print()
