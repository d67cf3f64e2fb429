"""aksnet's compatibility layer for Debian's azure-cli 2.45.0.

`aksnet az-env` puts this file on PYTHONPATH only when it detects azure-cli
2.45.0, the version Debian bookworm ships. That package has two packaging
bugs that also break it against real Azure:

1. python3-azure ships azure-mgmt-network 23.0.0b1, which lacks the API
   module v2022_01_01 that az's "latest" profile uses for the network
   client, so every `az network ...` command crashes before sending a
   request ("'NoneType' object has no attribute 'standard_medium'").
   Fix: import requests for azure.mgmt.network.v2022_01_01[.*] are served
   by v2022_07_01, the nearest version the package has, and the network
   client, whose per-operation version checks list only the versions it
   ships, asks for 2022-07-01 where the profile says 2022-01-01. Those
   checks also hide the operations' signatures from az's command loader,
   so the wrappers get functools.wraps.

2. It ships azure-mgmt-authorization 3.0.0, whose operation classes keep
   their configuration in `_config` while az's role and aks code reads
   `config`, and az's aks code still passes the removed keyword
   `custom_headers=`. `az role assignment create` crashes, and `az aks
   create --vnet-subnet-id` retries its subnet role assignment for ~110 s.
   Fix: after an azure.mgmt.authorization operations module is imported,
   its *Operations classes get a read-only `config` property returning
   `_config`, and their public methods drop a `custom_headers` argument.

Nothing installed is modified; both fixes act at import time in the
processes that have this file on their path. Written for aksnet; it shadows
any other sitecustomize on the path, which it then runs.
"""

import functools
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import types

_NET_OLD = "azure.mgmt.network.v2022_01_01"
_NET_NEW = "azure.mgmt.network.v2022_07_01"
_AUTH = "azure.mgmt.authorization."
_SKIP = {"__name__", "__spec__", "__loader__", "__package__", "__path__", "__file__", "__cached__"}


def _find_real_spec(me, fullname, path, target):
    for finder in sys.meta_path:
        if isinstance(finder, _Finder) or not hasattr(finder, "find_spec"):
            continue
        spec = finder.find_spec(fullname, path, target)
        if spec is not None:
            return spec
    return None


class _AliasLoader(importlib.abc.Loader):
    """Loads azure.mgmt.network.v2022_01_01[.x] as a copy of v2022_07_01[.x]."""

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        rest = module.__name__[len(_NET_OLD):]
        try:
            real = importlib.import_module(_NET_NEW + rest)
        except ModuleNotFoundError:
            # This build of the package keeps only models per version; the
            # operations live at its top level.
            real = importlib.import_module("azure.mgmt.network" + rest)
        module.__dict__.update({k: v for k, v in real.__dict__.items() if k not in _SKIP})
        if hasattr(real, "__path__"):
            module.__path__ = []


class _PatchingLoader(importlib.abc.Loader):
    """Runs the real loader, then patch(module)."""

    def __init__(self, real, patch):
        self._real = real
        self._patch = patch

    def create_module(self, spec):
        return self._real.create_module(spec)

    def exec_module(self, module):
        self._real.exec_module(module)
        self._patch(module)

    def __getattr__(self, name):
        return getattr(self._real, name)


def _drop_custom_headers(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        kwargs.pop("custom_headers", None)
        return fn(*args, **kwargs)

    return wrapper


def _patch_operations(module):
    for name, obj in list(vars(module).items()):
        if not isinstance(obj, type) or not name.endswith("Operations"):
            continue
        if getattr(obj, "_aksnet_patched", False):
            continue
        if not hasattr(obj, "config"):
            obj.config = property(lambda self: self._config)
        for attr, value in list(vars(obj).items()):
            if not attr.startswith("_") and isinstance(value, types.FunctionType):
                setattr(obj, attr, _drop_custom_headers(value))
        obj._aksnet_patched = True


def _patch_network_validation(module):
    """Keep operation signatures visible through api_version_validation.

    The package's decorator returns a bare wrapper(self, *args, **kwargs), so
    az's command loader, which reads operation signatures, asks for a
    required "--args" (az network nic show-effective-route-table)."""
    cls = getattr(module, "api_version_validation", None)
    if cls is None or getattr(cls, "_aksnet_patched", False):
        return
    original = cls.__call__

    def __call__(self, func):
        return functools.wraps(func)(original(self, func))

    cls.__call__ = __call__
    cls._aksnet_patched = True


def _patch_network_client(module):
    cls = getattr(module, "NetworkManagementClient", None)
    if cls is None or getattr(cls, "_aksnet_patched", False):
        return
    original = cls._get_api_version

    def _get_api_version(self, operation_group_name):
        version = original(self, operation_group_name)
        return "2022-07-01" if version == "2022-01-01" else version

    cls._get_api_version = _get_api_version
    cls._aksnet_patched = True


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        if fullname == _NET_OLD or fullname.startswith(_NET_OLD + "."):
            if _find_real_spec(self, fullname, path, target) is not None:
                return None  # a newer package has the real module
            return importlib.machinery.ModuleSpec(fullname, _AliasLoader(), is_package=True)
        patch = None
        if fullname.startswith(_AUTH) and "operations" in fullname:
            patch = _patch_operations
        elif fullname == "azure.mgmt.network._client":
            patch = _patch_network_client
        elif fullname == "azure.mgmt.network._validation":
            patch = _patch_network_validation
        if patch is None:
            return None
        spec = _find_real_spec(self, fullname, path, target)
        if spec is not None and spec.loader is not None:
            spec.loader = _PatchingLoader(spec.loader, patch)
        return spec


sys.meta_path.insert(0, _Finder())


def _run_shadowed_sitecustomize():
    here = os.path.dirname(os.path.abspath(__file__))
    for entry in sys.path:
        if not entry or os.path.abspath(entry) == here:
            continue
        candidate = os.path.join(entry, "sitecustomize.py")
        if os.path.isfile(candidate):
            spec = importlib.util.spec_from_file_location("_aksnet_shadowed_sitecustomize", candidate)
            if spec and spec.loader:
                try:
                    spec.loader.exec_module(importlib.util.module_from_spec(spec))
                except Exception:
                    pass
            return


_run_shadowed_sitecustomize()
