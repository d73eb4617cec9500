"""``kc.jit``'s XLA options (``runtime/_compile``): all that this XLA knows, none that it does not."""

import jax
import jax.numpy as jnp
import pytest

import kktc as kc
from kktc.runtime import _compile

pytestmark = pytest.mark.skipif(jax.default_backend() != "cpu", reason="the options are XLA:CPU's")


@pytest.fixture
def fresh_options():
    _compile.compiler_options.cache_clear()
    yield
    _compile.compiler_options.cache_clear()


def test_every_option_is_known_here(fresh_options):
    assert _compile.compiler_options() == _compile.CPU_OPTIONS


def test_an_option_this_xla_lacks_is_left_out(fresh_options, monkeypatch):
    known = dict(_compile.CPU_OPTIONS)
    monkeypatch.setattr(_compile, "CPU_OPTIONS", {**known, "xla_no_such_option_in_any_xla": True})
    assert _compile.compiler_options() == known
    assert float(kc.jit(lambda x: 2 * x)(jnp.ones(()))) == 2.0
