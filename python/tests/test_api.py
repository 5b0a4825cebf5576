"""Every public name of nglab is documented and typed: a docstring, and a stub
entry (nglab/_nglab.pyi for the extension's names, annotations for the
package's own Python), members included; and the stubs name nothing the
extension lacks."""

import ast
import inspect
import pathlib

import pytest

import nglab
from nglab import _nglab

STUB = pathlib.Path(nglab.__file__).with_name("_nglab.pyi")


def stub_entries():
    """Top-level names of the stub, and each class's member names."""
    tree = ast.parse(STUB.read_text(encoding="utf-8"))
    top, members = set(), {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            top.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            top.add(node.target.id)
        elif isinstance(node, ast.Assign):
            top.update(t.id for t in node.targets if isinstance(t, ast.Name))
        if isinstance(node, ast.ClassDef):
            members[node.name] = {n.name for n in node.body if isinstance(n, ast.FunctionDef)}
    return top, members


def public_members(cls):
    """The methods and properties a class defines itself (dunders that are
    part of its behaviour included, the ones every object has left out)."""
    for name, value in vars(cls).items():
        if name in ("__len__", "__contains__", "__getitem__", "__iter__") or (
            not name.startswith("_")
        ):
            yield name, value


def is_extension(obj):
    return any(value is obj for value in vars(_nglab).values())


def test_all_lists_every_public_name():
    public = {name for name in dir(nglab) if not name.startswith("_") and not inspect.ismodule(getattr(nglab, name))}
    assert public | {"__version__"} == set(nglab.__all__)


@pytest.mark.parametrize("name", nglab.__all__)
def test_public_name_is_documented_and_typed(name):
    top, members = stub_entries()
    obj = getattr(nglab, name)
    if name == "__version__":
        assert isinstance(obj, str) and name in top
        return
    assert (obj.__doc__ or "").strip(), f"nglab.{name} has no docstring"
    if is_extension(obj):
        assert name in top, f"nglab.{name} has no entry in {STUB.name}"
    else:
        # Defined in the package's Python: its annotations are its stub (py.typed).
        assert obj.__module__.startswith("nglab."), obj.__module__
        if inspect.isfunction(obj):
            assert_annotated(obj, name)
    if inspect.isclass(obj) and is_extension(obj) and obj.__text_signature__ is not None:
        # A constructor (#[new]): its signature is the class's, its doc the class's.
        assert "__new__" in members[name], f"nglab.{name}() has no __new__ in {STUB.name}"
    if inspect.isclass(obj):
        for member, value in public_members(obj):
            what = f"nglab.{name}.{member}"
            function = value.fget if isinstance(value, property) else value
            if not member.startswith("__"):
                assert (getattr(function, "__doc__", None) or "").strip(), f"{what} has no docstring"
            if is_extension(obj):
                assert member in members[name], f"{what} has no entry in {STUB.name}"
            elif inspect.isfunction(function):
                assert_annotated(function, what)


def assert_annotated(function, what):
    signature = inspect.signature(function)
    for param in signature.parameters.values():
        if param.name != "self":
            assert param.annotation is not inspect.Parameter.empty, f"{what}: {param.name} has no type"
    assert signature.return_annotation is not inspect.Signature.empty, f"{what} has no return type"


def test_stub_names_only_what_the_extension_has():
    top, members = stub_entries()
    for name in top:
        if name.startswith("_") and not name.startswith("__"):
            continue  # the stub's own type aliases
        assert hasattr(_nglab, name), f"{STUB.name} names {name}, which nglab._nglab lacks"
    for cls, names in members.items():
        for member in names:
            assert hasattr(getattr(_nglab, cls), member), f"{STUB.name} names {cls}.{member}, which is missing"
