#!/usr/bin/env bash
# Debian's azure-mgmt-msi 8.0.0b2 is generated from TypeSpec: its Identity
# model keeps principalId, clientId and tenantId under .properties, while az
# 2.91's aks code reads them flattened (managed_cluster_decorator.py:
# get_user_assigned_identity_object_id returns
# get_identity_by_msi_client(...).principal_id, and ..._client_id its
# .client_id), as azure-mgmt-msi 7 (the version upstream az pins) has them,
# so `az aks create --assign-identity` fails with AttributeError.
# Fix: read-only Identity.principal_id, client_id and tenant_id that return
# the nested values, added in the models' _patch.py (the SDK's hook for
# customizations). Serialization is unchanged.
# Usage: msi-identity-flatten.sh SITE_PACKAGES
set -euo pipefail
patch=$1/azure/mgmt/msi/models/_patch.py
[[ -f $patch ]] || { echo "no azure.mgmt.msi.models._patch in $1" >&2; exit 1; }
grep -q aksnet "$patch" && exit 0
cat >>"$patch" <<'PY'


# Added by aksnet's e2e/az291/patches/msi-identity-flatten.sh: az 2.91 reads
# Identity.principal_id and Identity.client_id flattened, as azure-mgmt-msi 7
# had them.
def _aksnet_flatten_identity():
    from ._models import Identity

    def nested(name):
        def get(self):
            props = self.properties
            return None if props is None else getattr(props, name)

        return property(get, doc="properties.%s (flattened for az)" % name)

    for name in ("principal_id", "client_id", "tenant_id"):
        if name not in vars(Identity):
            setattr(Identity, name, nested(name))


_aksnet_flatten_identity()
PY
