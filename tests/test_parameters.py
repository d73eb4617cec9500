"""Parameters are validated before tracing, with messages that name the parameter and its declared shape."""

import jax.numpy as jnp
import numpy as np
import pytest

import kktc as kc

TEXT = """
dim m, n
param A[m, n]
param b[m]
param lam nonneg
var x[n]
minimize sum_squares(A @ x - b) + lam * norm1(x)
"""


@pytest.fixture(scope="module")
def layer():
    return kc.parse(TEXT)


def good():
    return {"A": np.ones((3, 2)), "b": np.zeros(3), "lam": 0.5}


def test_missing_parameter_names_its_shape(layer):
    params = good()
    del params["A"]
    with pytest.raises(kc.ParameterError, match=r"missing parameter\(s\): A\[m, n\]"):
        layer(**params)


def test_extra_parameter(layer):
    with pytest.raises(kc.ParameterError, match="unknown parameter.*bogus.*A, b, lam"):
        layer(**good(), bogus=1.0)


def test_wrong_rank(layer):
    with pytest.raises(kc.ParameterError, match=r"'b' has shape \(3, 1\).*declared b\[m\]"):
        layer(**{**good(), "b": np.zeros((3, 1))})


def test_inconsistent_dims(layer):
    with pytest.raises(kc.ParameterError, match=r"'b' has shape \(4,\), so m = 4, but m = 3 from parameter 'A'"):
        layer(**{**good(), "b": np.zeros(4)})


def test_wrong_dtype(layer):
    with pytest.raises(kc.ParameterError, match="'b' has dtype complex128; kktc needs real numbers"):
        layer(**{**good(), "b": np.zeros(3, dtype=complex)})


def test_not_an_array(layer):
    with pytest.raises(kc.ParameterError, match="'lam'"):
        layer(**{**good(), "lam": "big"})


def test_dict_and_keywords_mix(layer):
    params = good()
    lam = params.pop("lam")
    sol = layer(params, lam=lam)
    assert int(sol.status) == 0 and sol.x.shape == (2,)


def test_integer_inputs_become_floats(layer):
    sol = layer(A=np.ones((3, 2), dtype=int), b=np.arange(3), lam=1)
    assert jnp.issubdtype(sol.x.dtype, jnp.floating) and int(sol.status) == 0


def test_dim_no_parameter_fixes_must_be_bound():
    text = "dim n\nvar x[n]\nminimize sum_squares(x - 1)"
    with pytest.raises(kc.DimError, match="dim 'n' cannot be inferred"):
        kc.parse(text)
    sol = kc.parse(text, n=4)()
    np.testing.assert_allclose(sol.x, np.ones(4), atol=1e-8)


def test_dim_default_is_used():
    sol = kc.parse("dim k = 3\nvar x[k]\nminimize sum_squares(x - 2)")()
    assert sol.x.shape == (3,)


def test_unknown_dim_binding():
    with pytest.raises(kc.DimError, match="unknown dim 'q'"):
        kc.parse("dim n\nparam c[n]\nvar x[n]\nminimize c @ x", q=3)


def test_one_compiled_function_per_shape(layer):
    layer(**good())
    layer(A=np.ones((5, 2)), b=np.zeros(5), lam=0.1)
    layer(**good())
    assert len(layer._compiled) >= 2
    keys = [k for k in layer._compiled if dict(k[0]) == {"m": 3, "n": 2}]
    assert len(keys) == 1


def test_declared_signs_are_checked_on_concrete_values(layer):
    with pytest.raises(kc.ParameterError, match="'lam' is declared nonneg, but it has a negative entry"):
        layer(**{**good(), "lam": -1.0})


def test_psd_parameter_must_be_psd():
    layer = kc.parse("dim n\nparam P[n, n] psd\nvar x[n]\nminimize quad_form(x, P) + sum(x)")
    with pytest.raises(kc.ParameterError, match="'P' is declared psd, but it has a negative eigenvalue"):
        layer(P=-np.eye(2))
    with pytest.raises(kc.ParameterError, match="not symmetric"):
        layer(P=np.array([[1.0, 2.0], [0.0, 1.0]]))


def test_solution_keeps_declaration_order():
    layer = kc.parse("param c\nvar z\nvar a\nminimize z + a\nsubject to\n    floor: z >= c\n    ceiling: a >= 0")
    sol = layer(c=1.0)
    assert list(sol.variables) == ["z", "a"] and list(sol.duals) == ["floor", "ceiling"]


def test_no_dtype_warning_without_x64(recwarn):
    import subprocess
    import sys

    code = (
        "import warnings, numpy as np, kktc as kc\n"
        "warnings.simplefilter('error')\n"
        "sol = kc.parse('param c[2]\\nvar x[2]\\nminimize sum_squares(x - c)')(c=np.array([1.0, 2.0]))\n"
        "assert str(sol.x.dtype) == 'float32', sol.x.dtype\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_psd_allows_rounding_level_negative_eigenvalues():
    layer = kc.parse("dim n\nparam P[n, n] psd\nvar x[n]\nminimize quad_form(x, P) + sum(x)\nsubject to\n  x >= 0")
    P = np.diag([2.0, -1e-6])
    assert int(layer(P=P).status) == kc.Status.SOLVED
    with pytest.raises(kc.ParameterError, match="negative eigenvalue"):
        layer(P=np.diag([2.0, -1e-3]))
