#!/usr/bin/env bash
# Debian's azure-mgmt-resource 25.0.0 is the single-API build: its
# azure.mgmt.resource.resources package has models and operations at the top
# level and no per-version modules, but az 2.91's "latest" profile imports
# azure.mgmt.resource.resources.v2024_11_01 (ResourceType.MGMT_RESOURCE_RESOURCES
# is '2024-11-01' in azure/cli/core/profiles/_shared.py), so every command
# that reads resource groups crashes at import. az passes the api-version to
# the client itself, so the requests still say 2024-11-01.
# Fix: a v2024_11_01 package that is the top-level package under that name.
# Usage: resource-v2024_11_01.sh SITE_PACKAGES
set -euo pipefail
pkg=$1/azure/mgmt/resource/resources
[[ -f $pkg/_resource_management_client.py ]] || { echo "no azure.mgmt.resource.resources in $1" >&2; exit 1; }
if [[ -e $pkg/v2024_11_01 ]]; then
  echo "azure.mgmt.resource.resources.v2024_11_01 exists: the patch is not needed" >&2
  exit 0
fi
mkdir "$pkg/v2024_11_01"
cat >"$pkg/v2024_11_01/__init__.py" <<'PY'
# Added by aksnet's e2e/az291/patches/resource-v2024_11_01.sh: the
# single-API package under the versioned name az 2.91 imports.
import sys as _sys

from .. import *  # noqa: F401,F403
from .. import ResourceManagementClient, models, operations  # noqa: F401

_sys.modules[__name__ + ".models"] = models
_sys.modules[__name__ + ".operations"] = operations
try:
    from .. import aio  # noqa: F401

    _sys.modules[__name__ + ".aio"] = aio
except ImportError:
    pass
PY
