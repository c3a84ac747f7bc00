"""Golden values for src/quality/frechet.ts and src/quality/inceptionScore.ts, computed
independently of the TypeScript code (numpy float64):

- mean and covariance with numpy.mean / numpy.cov (rowvar=False, unbiased), as the reference FID
  code (pytorch-fid, TTUR) does;
- the Fréchet distance ||mu1 - mu2||^2 + Tr(S1 + S2 - 2 sqrtm(S1 S2)) with sqrtm(S1 S2) by the
  Denman-Beavers iteration on the non-symmetric product itself (not the symmetric similarity
  transform the TypeScript code uses), cross-checked against the trace of the square roots of the
  general (LAPACK geev) eigenvalues of S1 S2; singular covariances (n <= d) use the eigenvalue
  route only, since Denman-Beavers needs an invertible matrix;
- the Inception-style score exp(mean_i KL(p_i || mean_j p_j)).

Run:  /usr/bin/python3 scripts/reference/quality_frechet_reference.py
Writes scripts/reference/fixtures/quality_frechet.json.
"""

import json
import math
import os

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "quality_frechet.json")


def sqrtm_denman_beavers(a, iterations=100):
    y = a.copy()
    z = np.eye(a.shape[0])
    for _ in range(iterations):
        y_next = 0.5 * (y + np.linalg.inv(z))
        z = 0.5 * (z + np.linalg.inv(y))
        if np.max(np.abs(y_next - y)) <= 1e-15 * np.max(np.abs(y_next)):
            return y_next
        y = y_next
    return y


def frechet(f1, f2, invertible):
    mu1, mu2 = f1.mean(axis=0), f2.mean(axis=0)
    s1 = np.atleast_2d(np.cov(f1, rowvar=False))
    s2 = np.atleast_2d(np.cov(f2, rowvar=False))
    product = s1 @ s2
    eig = np.linalg.eigvals(product)
    assert np.max(np.abs(eig.imag)) <= 1e-8 * max(1.0, np.max(np.abs(eig.real))), eig
    trace_root = float(np.sum(np.sqrt(np.clip(eig.real, 0, None))))
    if invertible:
        root = sqrtm_denman_beavers(product)
        assert np.allclose(root @ root, product, rtol=1e-9, atol=1e-9 * np.max(np.abs(product)))
        assert abs(np.trace(root) - trace_root) <= 1e-9 * max(1.0, trace_root), (np.trace(root), trace_root)
        trace_root = float(np.trace(root))
    d2 = float(np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * trace_root)
    return d2, mu1, s1


def formula_features(n, d, a, b, shift):
    """Features both languages can rebuild exactly from the formula, for a case too big to store."""
    i = np.arange(n, dtype=np.float64)[:, None]
    j = np.arange(d, dtype=np.float64)[None, :]
    return np.sin(a * i + b * j * j + 0.1 * i * j) + shift * np.cos(0.5 * j)


def inception(p):
    marginal = p.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * (np.log(p) - np.log(marginal)), 0.0)
    return float(math.exp(terms.sum(axis=1).mean()))


def softmax(logits):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def main():
    rng = np.random.default_rng(20240808)
    cases = []

    mix = rng.normal(size=(6, 6))
    f1 = rng.normal(size=(60, 6)) @ mix
    f2 = rng.normal(size=(50, 6)) @ (mix + 0.3 * rng.normal(size=(6, 6))) + 0.5
    d2, mu1, s1 = frechet(f1, f2, invertible=True)
    cases.append({"name": "correlated d=6", "d": 6, "a": f1.ravel().tolist(), "b": f2.ravel().tolist(),
                  "mean_a": mu1.tolist(), "cov_a": s1.ravel().tolist(), "distance": d2})

    g1 = 1000.0 * rng.normal(size=(40, 5)) + 3000.0
    g2 = 800.0 * rng.normal(size=(45, 5)) * np.array([1, 2, 0.5, 1, 3]) - 2000.0
    cases.append({"name": "large scale d=5", "d": 5, "a": g1.ravel().tolist(), "b": g2.ravel().tolist(),
                  "distance": frechet(g1, g2, invertible=True)[0]})

    h1 = rng.normal(size=(5, 8))
    h2 = rng.normal(size=(7, 8)) * 2.0
    # Zero eigenvalues of S1 S2 come out as +-1e-16-ish on both sides; their square roots make the
    # trace exact only to about sqrt(eps) relative, which the test's tolerance for this case allows.
    cases.append({"name": "singular covariances (n < d=8)", "d": 8, "a": h1.ravel().tolist(), "b": h2.ravel().tolist(),
                  "singular": True, "distance": frechet(h1, h2, invertible=False)[0]})

    formula = []
    for spec in [
        {"n": 120, "d": 64, "a": 0.37, "b": 0.011, "shift": 0.0},
        {"n": 100, "d": 64, "a": 0.29, "b": 0.017, "shift": 0.4},
    ]:
        formula.append({**spec, "features": formula_features(spec["n"], spec["d"], spec["a"], spec["b"], spec["shift"])})
    cases.append({"name": "formula features d=64", "d": 64,
                  "formula": [{k: v for k, v in f.items() if k != "features"} for f in formula],
                  "distance": frechet(formula[0]["features"], formula[1]["features"], invertible=True)[0]})

    scores = []
    for n, k, temperature in [(20, 5, 1.0), (30, 10, 0.2), (16, 4, 5.0)]:
        p = softmax(rng.normal(size=(n, k)) / temperature)
        scores.append({"n": n, "k": k, "probs": p.ravel().tolist(), "score": inception(p)})
    p = np.array([[1.0, 0.0, 0.0], [0.0, 0.5, 0.5], [0.0, 0.0, 1.0], [0.2, 0.8, 0.0]])
    scores.append({"n": 4, "k": 3, "probs": p.ravel().tolist(), "score": inception(p)})

    with open(OUT, "w") as f:
        json.dump({"frechet": cases, "inception": scores}, f)
    print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes)")
    for c in cases:
        print(f"  {c['name']}: {c['distance']:.12g}")
    for s in scores:
        print(f"  IS n={s['n']} k={s['k']}: {s['score']:.12g}")


if __name__ == "__main__":
    main()
