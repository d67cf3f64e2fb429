#!/usr/bin/env bash
# The kubenet article, step by step, with the real Azure CLI against a
# running aksnet server. Every step is asserted on what az printed.
#
# Needs: AKSNET (the aksnet binary), AKSNET_ENDPOINT and AKSNET_STATE_DIR of a
# running server, and the Azure CLI: AZ (default az on PATH; e2e/az291/install.sh
# prints the path of az 2.91).
set -euo pipefail
AKSNET=${AKSNET:-aksnet}
AZ=${AZ:-az}
eval "$("$AKSNET" az-env --az "$AZ")"
echo "az $(command "$AZ" version --query '"azure-cli"' -o tsv)"

# Every az invocation goes through the az function, which records its wall time in
# a file; assertions that only read state use aksnet (same server,
# same output shape) so that the walkthrough's time is the article's.
AZ_TIMES=$(mktemp)
trap 'rm -f "$AZ_TIMES"' EXIT
az() {
  local t0 t1 rc=0
  t0=$(date +%s%N)
  command "$AZ" "$@" || rc=$?
  t1=$(date +%s%N)
  echo $(( (t1 - t0) / 1000000 )) >>"$AZ_TIMES"  # a file: most calls run in subshells
  return $rc
}
check() { "$AKSNET" "$@"; }

pass() { printf 'ok   %s\n' "$*"; }
fail() { printf 'FAIL %s\n' "$*" >&2; exit 1; }
expect_eq() { [[ "$1" == "$2" ]] || fail "$3: got '$1', want '$2'"; pass "$3 = $2"; }

# az_vmss_read VERB RG NAME QUERY runs `az vmss list -g RG` (VERB list) or `az vmss list-instances -g RG -n NAME`
# (VERB list-instances) with --query QUERY -o tsv. az 2.45 as Debian packages it lacks the compute SDK of the
# api-version its profile picks (2022-11-01): both commands then fail inside az ("does not have operation
# group", "No module named 'azure.mgmt.compute.v2022_11_01'"), before any request. Only then (remembered in
# AZ_COMPUTE_SDK_MISSING) the same read goes through az rest, with that api-version.
AZ_COMPUTE_SDK_MISSING=
az_vmss_read() {
  local verb=$1 rg=$2 name=$3 query=$4 out path
  local args=(vmss "$verb" -g "$rg")
  [[ $verb == list-instances ]] && args+=(-n "$name")
  if [[ -z $AZ_COMPUTE_SDK_MISSING ]]; then
    if out=$(az "${args[@]}" --query "$query" -o tsv 2>&1); then
      printf '%s\n' "$out"
      return
    fi
    [[ $out == *"does not have operation group"* || $out == *"No module named 'azure.mgmt.compute.v2022_11_01'"* ]] ||
      fail "az ${args[*]}: $out"
    echo "note: az ${args[*]}: this az's packaged compute SDK lacks api-version 2022-11-01; reading with az rest" >&2
  fi
  path="${SUBNET_ID%%/resourceGroups/*}/resourceGroups/$rg/providers/Microsoft.Compute/virtualMachineScaleSets"
  [[ $verb == list-instances ]] && path+="/$name/virtualMachines"
  # az's SDK output lifts each item's properties to the top (osProfile, not properties.osProfile).
  az rest --method get --url "$path?api-version=2022-11-01" --query "value[].merge(@, properties) | $query" -o tsv
}

RG=myResourceGroup
az group create --name $RG --location eastus --query properties.provisioningState -o tsv | grep -qx Succeeded || fail "group create"
pass "group create"

az network vnet create --resource-group $RG --name myAKSVnet --address-prefixes 192.168.0.0/16 \
  --subnet-name myAKSSubnet --subnet-prefix 192.168.1.0/24 --location eastus -o none
SUBNET_ID=$(az network vnet subnet show --resource-group $RG --vnet-name myAKSVnet --name myAKSSubnet --query id -o tsv)
[[ $SUBNET_ID == /subscriptions/*/resourceGroups/$RG/providers/Microsoft.Network/virtualNetworks/myAKSVnet/subnets/myAKSSubnet ]] || fail "SUBNET_ID=$SUBNET_ID"
pass "SUBNET_ID=$SUBNET_ID"

# A system-assigned cluster: az assigns Network Contributor on the subnet itself.
out=$(az aks create --resource-group $RG --name myAKSCluster --network-plugin kubenet --service-cidr 10.0.0.0/16 \
  --dns-service-ip 10.0.0.10 --pod-cidr 10.244.0.0/16 --vnet-subnet-id "$SUBNET_ID" --generate-ssh-keys \
  --query '[provisioningState, networkProfile.networkPlugin, networkProfile.podCidr, networkProfile.dnsServiceIp, identity.principalId]' -o tsv)
read -r state plugin pod dns principal <<<"$(echo $out)"
expect_eq "$state" Succeeded "aks create (system-assigned) provisioningState"
expect_eq "$plugin/$pod/$dns" "kubenet/10.244.0.0/16/10.0.0.10" "aks create network profile"
assigned=$(check role assignment list --scope "$SUBNET_ID" --assignee "$principal" --query "[?roleDefinitionName=='Network Contributor'] | length(@)" -o tsv)
expect_eq "$assigned" 1 "Network Contributor assignment az made on the subnet"
MC=$(check aks show -g $RG -n myAKSCluster --query nodeResourceGroup -o tsv)
expect_eq "$MC" MC_${RG}_myAKSCluster_eastus "node resource group"
# The nodes are VM scale set instances, as on AKS: their NICs live under the instances, so a plain NIC list of
# the node resource group is empty, and the subnet lists the instances' IP configurations as the network RP
# spells them (upper case but resourceGroups and ipConfigurations).
if ! VMSS=$(az vmss list -g $MC --query '[0].name' -o tsv 2>&1); then
  [[ $VMSS == *"does not have operation group"* ]] || fail "az vmss list: $VMSS"
  echo "note: az vmss list: this az's packaged compute SDK lacks api-version 2022-11-01; az rest reads instead" >&2
  AZ_COMPUTE_SDK_MISSING=1
  VMSS=$(az_vmss_read list $MC "" '[0].name')
fi
[[ $VMSS =~ ^aks-nodepool1-[0-9]{8}-vmss$ ]] || fail "scale set name $VMSS"
pass "vmss list: $VMSS"
expect_eq "$(az_vmss_read list-instances $MC $VMSS "sort([].osProfile.computerName) | join(',', @)")" \
  "${VMSS}000000,${VMSS}000001,${VMSS}000002" "vmss list-instances"
# One NIC per instance, named after the scale set (az's AAZ output keeps privateIPAddress's casing).
expect_eq "$(az vmss nic list -g $MC --vmss-name $VMSS --query "join(' ', [join(',', sort([].ipConfigurations[0].privateIPAddress)), join(',', [].name)])" -o tsv)" \
  "192.168.1.4,192.168.1.5,192.168.1.6 $VMSS,$VMSS,$VMSS" "node IPs and NIC names (vmss nic list)"
expect_eq "$(az network nic list -g $MC --query 'length(@)' -o tsv)" 0 "network nic list -g $MC (no VMSS NICs)"
UP=$(tr '[:lower:]' '[:upper:]' <<<"$VMSS")
expect_eq "$(az network vnet subnet show --ids "$SUBNET_ID" --query "ipConfigurations[].id | sort(@) | join(' ', @)" -o tsv | sed 's#^/subscriptions/[^/]*/##; s# /subscriptions/[^/]*/# #g')" \
  "$(for i in 0 1 2; do printf '%s' "resourceGroups/${MC^^}/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/$UP/VIRTUALMACHINES/$i/NETWORKINTERFACES/$UP/ipConfigurations/IPCONFIG1"; ((i < 2)) && printf ' '; done)" \
  "subnet ipConfigurations"
RT=$(check network route-table list -g $MC --query [0].name -o tsv)
[[ $RT =~ ^aks-agentpool-[0-9]{8}-routetable$ ]] || fail "route table name $RT"
expect_eq "$(check network route-table route list -g $MC --route-table-name $RT --query "sort([].addressPrefix) | join(',', @)" -o tsv)" \
  "10.244.0.0/24,10.244.1.0/24,10.244.2.0/24" "routes"

# Failures users must see.
if err=$(az aks create -g $RG -n badCluster --network-plugin kubenet --service-cidr 192.168.0.0/16 \
  --dns-service-ip 192.168.0.10 --vnet-subnet-id "$SUBNET_ID" --generate-ssh-keys 2>&1 >/dev/null); then fail "overlapping service CIDR was accepted"; fi
grep -q 'ERROR: (ServiceCidrOverlapExistingSubnetsCidr)' <<<"$err" || fail "overlap error: $err"
pass "overlapping service CIDR refused: ServiceCidrOverlapExistingSubnetsCidr"
if err=$(az aks create -g $RG -n sameSubnet --network-plugin kubenet --vnet-subnet-id "$SUBNET_ID" --generate-ssh-keys 2>&1 >/dev/null); then fail "second cluster on one subnet was accepted"; fi
grep -q 'ERROR: (SubnetInUseByAnotherCluster)' <<<"$err" || fail "shared subnet error: $err"
pass "second cluster on the same subnet refused"

# A user-assigned identity with Network Contributor on the VNet.
read -r IDENTITY_ID PRINCIPAL_ID <<<"$(az identity create --name myIdentity --resource-group $RG --query '[id, principalId]' -o tsv | tr '\n' ' ')"
[[ -n $PRINCIPAL_ID ]] || fail "identity create"
pass "identity create: $PRINCIPAL_ID"
VNET_ID=$(az network vnet show --resource-group $RG --name myAKSVnet --query id -o tsv)
az role assignment create --assignee "$PRINCIPAL_ID" --scope "$VNET_ID" --role "Network Contributor" -o none
pass "role assignment create"

# Kubenet clusters can't share a subnet, so the second cluster gets its own.
# (Setup the article doesn't have goes through aksnet.)
check network vnet subnet create -g $RG --vnet-name myAKSVnet -n myAKSSubnet2 --address-prefixes 192.168.2.0/24 -o none
SUBNET2_ID=$(check network vnet subnet show -g $RG --vnet-name myAKSVnet -n myAKSSubnet2 --query id -o tsv)
expect_eq "$(az aks create -g $RG -n myAKSCluster2 --node-count 3 --network-plugin kubenet --vnet-subnet-id "$SUBNET2_ID" \
  --assign-identity "$IDENTITY_ID" --generate-ssh-keys --query '[provisioningState, identity.type]' -o tsv | tr '\n' ' ')" \
  "Succeeded UserAssigned " "aks create --assign-identity"

expect_eq "$(az network vnet subnet list --resource-group $RG --vnet-name myAKSVnet --query "sort([].name) | join(',', @)" -o tsv)" \
  "myAKSSubnet,myAKSSubnet2" "subnet list"

# Bring your own route table, associated before the cluster exists.
az network route-table create -g $RG -n myRouteTable -o none
RT_ID=$(check network route-table show -g $RG -n myRouteTable --query id -o tsv)
check network vnet subnet create -g $RG --vnet-name myAKSVnet -n myAKSSubnet3 --address-prefixes 192.168.3.0/24 -o none
az network vnet subnet update -g $RG --vnet-name myAKSVnet -n myAKSSubnet3 --route-table myRouteTable -o none
SUBNET3_ID=$(check network vnet subnet show -g $RG --vnet-name myAKSVnet -n myAKSSubnet3 --query id -o tsv)
expect_eq "$(check network vnet subnet show -g $RG --vnet-name myAKSVnet -n myAKSSubnet3 --query routeTable.id -o tsv)" "$RT_ID" "subnet update --route-table"
# A user-assigned identity needs write access to a bring-your-own route table.
check role assignment create --assignee "$PRINCIPAL_ID" --scope "$RT_ID" --role "Network Contributor" -o none
expect_eq "$(az aks create -g $RG -n myManagedCluster --vnet-subnet-id "$SUBNET3_ID" --enable-managed-identity \
  --assign-identity "$IDENTITY_ID" --generate-ssh-keys --query provisioningState -o tsv)" Succeeded "aks create on a subnet with its own route table"
expect_eq "$(check network route-table route list -g $RG --route-table-name myRouteTable --query 'length(@)' -o tsv)" 3 "managed routes in the bring-your-own table"

# Show, scale, delete.
expect_eq "$(az aks show -g $RG -n myAKSCluster --query servicePrincipalProfile.clientId -o tsv)" msi "aks show"
expect_eq "$(az aks scale -g $RG -n myAKSCluster --node-count 5 --query 'agentPoolProfiles[0].count' -o tsv)" 5 "aks scale"
expect_eq "$(check network route-table route list -g $MC --route-table-name $RT --query 'length(@)' -o tsv)" 5 "routes after scale"
expect_eq "$(az_vmss_read list-instances $MC $VMSS 'length(@)')/$(az vmss nic list -g $MC --vmss-name $VMSS --query 'length(@)' -o tsv)" \
  5/5 "instances/NICs after scale"

# Stop and start (az's aks_stop / aks_start: the operation followed to its end, nothing printed).
expect_eq "$(az aks stop -g $RG -n myAKSCluster)" "" "aks stop prints nothing"
expect_eq "$(check aks show -g $RG -n myAKSCluster --query '[powerState.code, agentPoolProfiles[0].powerState.code]' -o tsv | tr '\n\t' '  ')" "Stopped Stopped " "power state after aks stop"
if err=$(az aks stop -g $RG -n myAKSCluster 2>&1 >/dev/null); then fail "a second aks stop was accepted"; fi
[[ $err == *"(OperationNotAllowed) managed cluster is not currently running, stopping cannot be performed"* ]] || fail "second aks stop: $err"
pass "a second aks stop is AKS's OperationNotAllowed"
expect_eq "$(az aks start -g $RG -n myAKSCluster)" "" "aks start prints nothing"
expect_eq "$(check aks show -g $RG -n myAKSCluster --query powerState.code -o tsv)" Running "power state after aks start"
expect_eq "$(check network route-table route list -g $MC --route-table-name $RT --query 'length(@)' -o tsv)" 5 "routes kept across stop and start"
check aks delete -g $RG -n myManagedCluster --yes
expect_eq "$(check network route-table route list -g $RG --route-table-name myRouteTable --query 'length(@)' -o tsv)" 0 "managed routes removed from the bring-your-own table"
# The teardown every CI script ends with: the whole group, the cluster still in it (ARM deletes the cluster,
# its node resource group, then the VNet, route table, identity and role assignments).
az group delete -n $RG --yes
expect_eq "$(az group exists -n $RG)" false "group delete removed $RG"
if check group show -n $MC -o none 2>/dev/null; then fail "node resource group survived the group delete"; fi
pass "group delete removed $MC"
expect_eq "$(check vmss list --query 'length(@)' -o tsv)/$(az resource list --query 'length(@)' -o tsv)" 0/0 "scale sets and resources left after group delete"
echo "az time: $(awk '{s+=$1} END {print s}' "$AZ_TIMES") ms in $(wc -l <"$AZ_TIMES") az commands"
echo "walkthrough passed"
