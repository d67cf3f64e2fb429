#!/usr/bin/env bash
# Builds the Terraform CLI (1.5.7) and the azurerm provider from the Go module
# proxy into a cache directory, kept between runs, and lays the provider out as
# a filesystem_mirror that a Terraform CLI config (TF_CLI_CONFIG_FILE) names.
#
#   e2e/terraform/install.sh            # build what is missing, print the paths
#   AKSNET_TF_CACHE=/some/dir e2e/terraform/install.sh
#
# The cache (default ${XDG_CACHE_HOME:-$HOME/.cache}/aksnet/terraform) holds:
#   bin/terraform                      Terraform 1.5.7
#   bin/terraform-provider-azurerm     the provider, built from the proxy
#   mirror/registry.terraform.io/hashicorp/azurerm/<version>/<os>_<arch>/…
#   azurerm.version                    the module version built (a pseudo-version)
#   provider.version                   the version the mirror offers (from the changelog)
#   terraformrc                        a CLI config whose provider_installation
#                                      takes azurerm from the mirror only
#
# The proxy serves azurerm only as pseudo-versions (its go.mod has no major
# version suffix), so @latest is main's newest commit; AKSNET_AZURERM_VERSION
# picks another. Its first build takes about 10 minutes and 4.7 GB of memory
# on 2 cores; Terraform's about 2 minutes. A rebuild happens only when the
# requested version differs from the cached one.
set -euo pipefail

cache=${AKSNET_TF_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/aksnet/terraform}
tf_version=${AKSNET_TERRAFORM_VERSION:-v1.5.7}
azurerm_version=${AKSNET_AZURERM_VERSION:-latest}
mkdir -p "$cache/bin"
bin=$cache/bin

# watch WHAT PID: waits for PID, printing the elapsed time every 30 s, and
# returns its exit status.
watch() {
  local what=$1 pid=$2 start=$SECONDS i
  while :; do
    for ((i = 0; i < 30; i++)); do
      kill -0 "$pid" 2>/dev/null || break 2
      sleep 1
    done
    echo "   … $what: $((SECONDS - start)) s"
  done
  if wait "$pid"; then
    echo "   $what: done in $((SECONDS - start)) s"
  else
    echo "   $what: FAILED after $((SECONDS - start)) s" >&2
    return 1
  fi
}

# Resolve @latest to the pseudo-version the proxy serves today, so that the
# cache knows whether it is current.
resolved=$azurerm_version
if [[ $azurerm_version == latest ]]; then
  if [[ -f $cache/azurerm.version && -x $bin/terraform-provider-azurerm && -z ${AKSNET_TF_REFRESH:-} ]]; then
    resolved=$(<"$cache/azurerm.version") # latest is what was built; AKSNET_TF_REFRESH=1 asks again
  else
    resolved=$(cd "$(mktemp -d)" && go mod init probe >/dev/null 2>&1 &&
      go list -m -f '{{.Version}}' github.com/hashicorp/terraform-provider-azurerm@latest)
  fi
fi

# azurerm is the long pole: its build starts first, in the background, and
# Terraform's runs beside it.
azurerm_pid=
if [[ -x $bin/terraform-provider-azurerm && -f $cache/azurerm.version && $(<"$cache/azurerm.version") == "$resolved" ]]; then
  echo "== azurerm ${resolved}: cached in $bin"
else
  echo "== building azurerm ${resolved} (about 10 minutes and 4.7 GB of memory on 2 quiet cores)"
  rm -f "$cache/azurerm.version"
  env GOBIN="$bin" CGO_ENABLED=0 go install "github.com/hashicorp/terraform-provider-azurerm@${resolved}" &
  azurerm_pid=$!
  trap '[[ -z $azurerm_pid ]] || kill "$azurerm_pid" 2>/dev/null || true' EXIT # a failed step stops it
fi

if [[ -x $bin/terraform ]] && [[ $("$bin/terraform" version 2>/dev/null | head -1) == "Terraform ${tf_version}" ]]; then
  echo "== terraform ${tf_version}: cached in $bin"
else
  echo "== building terraform ${tf_version} (about 2 minutes on 2 quiet cores)"
  env GOBIN="$bin" CGO_ENABLED=0 go install "github.com/hashicorp/terraform@${tf_version}" &
  watch "go install terraform" $!
fi
if [[ -n $azurerm_pid ]]; then
  watch "go install terraform-provider-azurerm" "$azurerm_pid"
  azurerm_pid=
  echo "$resolved" >"$cache/azurerm.version"
fi

# The mirror needs a semantic version; the pseudo-version's base is the last
# tag on that branch, not what the code is, so take the newest heading of the
# module's CHANGELOG.md (5.2.0 for August 2026's main).
moddir=$(go env GOMODCACHE)/github.com/hashicorp/terraform-provider-azurerm@${resolved}
pv=
if [[ -f $moddir/CHANGELOG.md ]]; then
  pv=$(grep -m1 -oE '^## [0-9]+\.[0-9]+\.[0-9]+' "$moddir/CHANGELOG.md" | cut -c4- || true)
fi
pv=${pv:-5.0.0}
platform=$(go env GOOS)_$(go env GOARCH)
mirror=$cache/mirror
rm -rf "$mirror"
dir=$mirror/registry.terraform.io/hashicorp/azurerm/$pv/$platform
mkdir -p "$dir"
ln -f "$bin/terraform-provider-azurerm" "$dir/terraform-provider-azurerm_v$pv" 2>/dev/null ||
  cp "$bin/terraform-provider-azurerm" "$dir/terraform-provider-azurerm_v$pv"
echo "$pv" >"$cache/provider.version"

cat >"$cache/terraformrc" <<RC
# Written by aksnet's e2e/terraform/install.sh: azurerm from the local mirror.
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/hashicorp/azurerm"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/azurerm"]
  }
}
disable_checkpoint = true
RC

echo "== ready"
echo "   terraform:          $bin/terraform ($(TF_CLI_CONFIG_FILE=$cache/terraformrc "$bin/terraform" version | head -1))"
echo "   azurerm:            $resolved, offered as $pv"
echo "   TF_CLI_CONFIG_FILE: $cache/terraformrc"
