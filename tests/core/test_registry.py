"""Registries of strategies and protocols (sim.core.registry): discovery of a family's package
the first time a registry is consulted, lookup with a close-match suggestion, sorted names."""

from __future__ import annotations

import sys
import textwrap

import pytest

from sim.core.acceptance.base import ACCEPTANCES
from sim.core.opponents.base import OPPONENT_MODELS
from sim.core.protocols.base import PROTOCOLS, BargainingProtocol, get_protocol
from sim.core.registry import Registry, declared_names
from sim.core.strategies.base import STRATEGIES, Strategy, get_strategy


@pytest.fixture
def family(tmp_path, monkeypatch):
    """A package ``family`` whose ``base`` holds a registry and whose other modules register
    one class each; nothing of it is imported yet."""
    package = tmp_path / "family"
    package.mkdir()
    (package / "__init__.py").write_text('"""Imports nothing."""\n')
    (package / "base.py").write_text(
        textwrap.dedent(
            """
            from sim.core.registry import Registry

            MEMBERS = Registry("member", "family")
            """
        )
    )
    for module, name in (("zeta", "zulu"), ("alpha", "bravo")):
        (package / f"{module}.py").write_text(
            textwrap.dedent(
                f"""
                from family.base import MEMBERS

                @MEMBERS.register
                class Member:
                    name = "{name}"
                """
            )
        )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield package
    for module in [m for m in sys.modules if m == "family" or m.startswith("family.")]:
        del sys.modules[module]


def test_a_registry_imports_its_package_when_first_consulted(family):
    from family.base import MEMBERS

    assert "family.alpha" not in sys.modules and "family.zeta" not in sys.modules
    assert list(MEMBERS) == ["bravo", "zulu"]  # by module name, not in import order
    assert "family.alpha" in sys.modules and "family.zeta" in sys.modules
    assert MEMBERS["zulu"].__module__ == "family.zeta"
    assert len(MEMBERS) == 2


def test_the_order_does_not_depend_on_which_module_was_imported_first(family):
    import family.zeta  # noqa: F401  (registers zulu before discovery)
    from family.base import MEMBERS

    assert list(MEMBERS) == ["bravo", "zulu"]


def test_lookup_suggests_a_close_name(family):
    from family.base import MEMBERS

    assert MEMBERS.lookup("bravo").name == "bravo"
    with pytest.raises(KeyError, match=r"unknown member 'brav' \(did you mean 'bravo'\?\)"):
        MEMBERS.lookup("brav")
    with pytest.raises(KeyError, match=r"unknown member 'x' \(choose from: bravo, zulu\)"):
        MEMBERS.lookup("x")
    assert MEMBERS.get("x") is None


def test_a_name_registered_twice_is_an_error():
    registry = Registry("member", "sim.core.strategies")

    class One:
        name = "same"

    class Other:
        name = "same"

    registry.register(One)
    with pytest.raises(ValueError, match="member name 'same' is registered twice"):
        registry.register(Other)


def test_the_shipped_strategies_and_protocols_are_found():
    assert list(STRATEGIES) == ["tit_for_tat", "time_dependent", "zeuthen"]
    assert sorted(PROTOCOLS) == [
        "alternating_offers",
        "issue_by_issue",
        "mediated_single_text",
        "monotonic_concession",
        "stacked_alternating_offers",
    ]
    assert [name for name, cls in PROTOCOLS.items() if cls.bilateral] == ["alternating_offers"]
    for name, cls in STRATEGIES.items():
        assert issubclass(cls, Strategy) and cls.name == name and get_strategy(name) is cls
    for name, cls in PROTOCOLS.items():
        assert issubclass(cls, BargainingProtocol) and cls.name == name
        assert get_protocol(name) is cls
        assert cls.__module__.startswith("sim.core.protocols.")


def test_unknown_names_get_the_usual_message():
    with pytest.raises(KeyError, match=r"unknown protocol 'alternating' \(did you mean"):
        get_protocol("alternating")
    with pytest.raises(KeyError, match=r"unknown strategy 'zeuthan' \(did you mean 'zeuthen'\?\)"):
        get_strategy("zeuthan")


@pytest.mark.parametrize("registry", [STRATEGIES, PROTOCOLS, OPPONENT_MODELS, ACCEPTANCES])
def test_declared_names_read_from_source_are_the_registered_names(registry):
    """``negsim --help`` and ``protocol=<name>`` take the names from the source, without
    importing the family (and numpy with it); they must be the registry's, in its order."""
    assert declared_names(registry.package) == list(registry)


def test_declared_names_import_nothing(family):
    assert declared_names("family") == ["bravo", "zulu"]
    assert "family.alpha" not in sys.modules and "family.base" not in sys.modules


def test_declared_names_give_up_on_a_name_that_is_not_a_literal(family):
    (family / "computed.py").write_text(
        textwrap.dedent(
            """
            from family.base import MEMBERS

            @MEMBERS.register
            class Member:
                name = "prefix_" + "computed"
            """
        )
    )
    assert declared_names("family") is None  # then the registry itself is consulted
    from family.base import MEMBERS

    assert "prefix_computed" in MEMBERS
