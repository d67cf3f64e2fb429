#!/usr/bin/env bash
# examples/kubenet-article.sh — "Use kubenet networking with your own IP
# address ranges in AKS", every command in the article's order, with az
# replaced by aksnet, then aks show / scale / delete. Along the way it checks
# what kubenet promises (node IPs from the subnet starting at .4, one /24 of
# the pod CIDR per node, one route per node) and prints each check.
#
# Run it against a fresh server:
#   aksnet serve --state-dir /tmp/aksnet-demo &
#   AKSNET_STATE_DIR=/tmp/aksnet-demo examples/kubenet-article.sh
#
# Environment: AKSNET (the aksnet binary, default `aksnet` on PATH),
# AKSNET_ENDPOINT and AKSNET_STATE_DIR (where the server is). The script
# writes ~/.ssh/id_rsa{,.pub} if they are missing (--generate-ssh-keys), so
# point HOME somewhere disposable if that matters.
set -euo pipefail

AKSNET=${AKSNET:-aksnet}
# aksnet runs the CLI, so that the commands below read as in the article.
aksnet() { command "$AKSNET" "$@"; }

checks=0
check() { # check DESCRIPTION GOT WANT
	if [[ "$2" != "$3" ]]; then
		printf 'CHECK FAILED: %s\n  got:  %s\n  want: %s\n' "$1" "$2" "$3" >&2
		exit 1
	fi
	checks=$((checks + 1))
	printf 'CHECK ok: %s: %s\n' "$1" "$(tr '\n' ' ' <<<"$2" | sed 's/ $//')"
}
step() { printf '\n### %s\n' "$*"; }

# sorted_lines prints its arguments one per line, sorted.
sorted_lines() { printf '%s\n' "$@" | sort; }

# node_ips NODE_RG [POOL]: the addresses of the NICs of the scale set
# instances (the nodes) in NODE_RG, of every pool or of POOL only. The NICs
# live under their instances: a plain network nic list of the group shows
# none of them, as on Azure.
node_ips() {
	local noderg=$1 filter='[].name' v
	[[ -n ${2:-} ]] && filter="[?tags.\"aks-managed-poolName\"=='$2'].name"
	for v in $(aksnet vmss list -g "$noderg" --query "$filter" -o tsv); do
		aksnet vmss nic list -g "$noderg" --vmss-name "$v" --query '[].ipConfigurations[0].privateIPAddress' -o tsv
	done
}

# check_nodes CLUSTER NODE_RG PREFIX COUNT: the cluster's NICs hold
# PREFIX.4, PREFIX.5, ... (Azure reserves .0-.3 of every subnet).
check_nodes() {
	local cluster=$1 noderg=$2 prefix=$3 count=$4 want=() i
	for ((i = 0; i < count; i++)); do want+=("$prefix.$((4 + i))"); done
	check "$cluster node IPs (vmss nic list -g $noderg)" \
		"$(node_ips "$noderg" | sort -V)" \
		"$(sorted_lines "${want[@]}" | sort -V)"
}

# check_routes CLUSTER RT_RG RT_NAME PREFIX COUNT: one route per node, from
# the node's /24 of 10.244.0.0/16 to the node's IP, as a virtual appliance.
check_routes() {
	local cluster=$1 rg=$2 rt=$3 prefix=$4 count=$5 want=() i
	for ((i = 0; i < count; i++)); do want+=("10.244.$i.0/24 VirtualAppliance $prefix.$((4 + i))"); done
	check "$cluster pod CIDRs and routes (network route-table route list -g $rg --route-table-name $rt)" \
		"$(aksnet network route-table route list -g "$rg" --route-table-name "$rt" \
			--query "[?starts_with(name, 'aks-')].[addressPrefix, nextHopType, nextHopIpAddress]" -o tsv | tr '\t' ' ' | sort -V)" \
		"$(sorted_lines "${want[@]}" | sort -V)"
}

step "Create a virtual network and subnet"
aksnet group create --name myResourceGroup --location eastus

aksnet network vnet create \
	--resource-group myResourceGroup \
	--name myAKSVnet \
	--address-prefixes 192.168.0.0/16 \
	--subnet-name myAKSSubnet \
	--subnet-prefix 192.168.1.0/24 \
	--location eastus

SUBNET_ID=$(aksnet network vnet subnet show --resource-group myResourceGroup --vnet-name myAKSVnet --name myAKSSubnet --query id -o tsv)
check "SUBNET_ID" "${SUBNET_ID##*/providers/}" "Microsoft.Network/virtualNetworks/myAKSVnet/subnets/myAKSSubnet"

step "Create an AKS cluster with system-assigned managed identities"
# The CLI grants the system-assigned identity Network Contributor on the
# subnet itself, after the cluster is put.
aksnet aks create \
	--resource-group myResourceGroup \
	--name myAKSCluster \
	--network-plugin kubenet \
	--service-cidr 10.0.0.0/16 \
	--dns-service-ip 10.0.0.10 \
	--pod-cidr 10.244.0.0/16 \
	--vnet-subnet-id "$SUBNET_ID" \
	--generate-ssh-keys

NODE_RG=$(aksnet aks show -g myResourceGroup -n myAKSCluster --query nodeResourceGroup -o tsv)
check "myAKSCluster node resource group" "$NODE_RG" "MC_myResourceGroup_myAKSCluster_eastus"
check "myAKSCluster network profile" \
	"$(aksnet aks show -g myResourceGroup -n myAKSCluster --query '{plugin: networkProfile.networkPlugin, pods: networkProfile.podCidr, services: networkProfile.serviceCidr, dns: networkProfile.dnsServiceIp}' -o tsv)" \
	"kubenet	10.244.0.0/16	10.0.0.0/16	10.0.0.10"
check_nodes myAKSCluster "$NODE_RG" 192.168.1 3
check "myAKSCluster's nodes are scale set instances (network nic list -g $NODE_RG shows none)" \
	"$(aksnet network nic list -g "$NODE_RG" --query 'length(@)' -o tsv)" "0"
RT1=$(aksnet network route-table list -g "$NODE_RG" --query '[0].name' -o tsv)
check_routes myAKSCluster "$NODE_RG" "$RT1" 192.168.1 3
check "myAKSSubnet uses the cluster's route table" \
	"$(aksnet network vnet subnet show -g myResourceGroup --vnet-name myAKSVnet -n myAKSSubnet --query routeTable.id -o tsv)" \
	"$(aksnet network route-table list -g "$NODE_RG" --query '[0].id' -o tsv)"

step "Create an AKS cluster with user-assigned managed identity"
aksnet identity create --name myIdentity --resource-group myResourceGroup
IDENTITY_ID=$(aksnet identity show --name myIdentity --resource-group myResourceGroup --query id -o tsv)
PRINCIPAL_ID=$(aksnet identity show --ids "$IDENTITY_ID" --query principalId -o tsv)

VNET_ID=$(aksnet network vnet show --resource-group myResourceGroup --name myAKSVnet --query id -o tsv)

aksnet role assignment create --assignee "$PRINCIPAL_ID" --scope "$VNET_ID" --role "Network Contributor"

# Unlike Azure CNI clusters, kubenet clusters can't share a subnet: the
# article reuses $SUBNET_ID, which myAKSCluster holds, so this cluster gets a
# second subnet of the same VNet (and its own name).
aksnet network vnet subnet create -g myResourceGroup --vnet-name myAKSVnet -n myAKSSubnet2 --address-prefixes 192.168.2.0/24
SUBNET2_ID=$(aksnet network vnet subnet show -g myResourceGroup --vnet-name myAKSVnet -n myAKSSubnet2 --query id -o tsv)

aksnet aks create \
	--resource-group myResourceGroup \
	--name myAKSCluster2 \
	--node-count 3 \
	--network-plugin kubenet \
	--vnet-subnet-id "$SUBNET2_ID" \
	--assign-identity "$IDENTITY_ID" \
	--generate-ssh-keys

check "myAKSCluster2 identity" \
	"$(aksnet aks show -g myResourceGroup -n myAKSCluster2 --query identity.type -o tsv)" "UserAssigned"
check "myAKSCluster2 default ranges" \
	"$(aksnet aks show -g myResourceGroup -n myAKSCluster2 --query '{pods: networkProfile.podCidr, services: networkProfile.serviceCidr, dns: networkProfile.dnsServiceIp}' -o tsv)" \
	"10.244.0.0/16	10.0.0.0/16	10.0.0.10"
check_nodes myAKSCluster2 MC_myResourceGroup_myAKSCluster2_eastus 192.168.2 3
RT2=$(aksnet network route-table list -g MC_myResourceGroup_myAKSCluster2_eastus --query '[0].name' -o tsv)
check_routes myAKSCluster2 MC_myResourceGroup_myAKSCluster2_eastus "$RT2" 192.168.2 3

step "Bring your own subnet and route table with kubenet"
aksnet network vnet subnet list --resource-group myResourceGroup --vnet-name myAKSVnet

# A custom route table must be associated with the subnet before the
# cluster is created, and a user-assigned identity needs write access to it.
aksnet network route-table create -g myResourceGroup -n myRouteTable
aksnet network vnet subnet create -g myResourceGroup --vnet-name myAKSVnet -n myAKSSubnet3 --address-prefixes 192.168.3.0/24
aksnet network vnet subnet update -g myResourceGroup --vnet-name myAKSVnet -n myAKSSubnet3 --route-table myRouteTable
RT_ID=$(aksnet network route-table show -g myResourceGroup -n myRouteTable --query id -o tsv)
aksnet role assignment create --assignee "$PRINCIPAL_ID" --scope "$RT_ID" --role "Network Contributor"
SUBNET3_ID=$(aksnet network vnet subnet list --resource-group myResourceGroup --vnet-name myAKSVnet --query "[?name=='myAKSSubnet3'].id" -o tsv)

aksnet aks create \
	--resource-group myResourceGroup \
	--name myManagedCluster \
	--vnet-subnet-id "$SUBNET3_ID" \
	--enable-managed-identity \
	--assign-identity "$IDENTITY_ID" \
	--generate-ssh-keys

check_nodes myManagedCluster MC_myResourceGroup_myManagedCluster_eastus 192.168.3 3
check_routes myManagedCluster myResourceGroup myRouteTable 192.168.3 3
check "myManagedCluster made no route table of its own" \
	"$(aksnet network route-table list -g MC_myResourceGroup_myManagedCluster_eastus --query 'length(@)' -o tsv)" "0"

step "Show, scale and delete"
aksnet aks show --resource-group myResourceGroup --name myAKSCluster -o table
aksnet aks scale --resource-group myResourceGroup --name myAKSCluster --node-count 5
# Scaling keeps assigning: the new nodes get .7 and .8 and the next /24s.
check_nodes myAKSCluster "$NODE_RG" 192.168.1 5
check_routes myAKSCluster "$NODE_RG" "$RT1" 192.168.1 5

aksnet aks nodepool add --resource-group myResourceGroup --cluster-name myAKSCluster --name userpool --node-count 1 --max-pods 50
aksnet aks nodepool list --resource-group myResourceGroup --cluster-name myAKSCluster -o table
check "userpool node" \
	"$(node_ips "$NODE_RG" userpool)" "192.168.1.9"
aksnet aks nodepool delete --resource-group myResourceGroup --cluster-name myAKSCluster --name userpool

aksnet aks delete --resource-group myResourceGroup --name myManagedCluster --yes
check "myRouteTable keeps no cluster routes after delete" \
	"$(aksnet network route-table route list -g myResourceGroup --route-table-name myRouteTable --query 'length(@)' -o tsv)" "0"
aksnet aks delete --resource-group myResourceGroup --name myAKSCluster2 --yes
aksnet aks delete --resource-group myResourceGroup --name myAKSCluster --yes
check "clusters left" "$(aksnet aks list -g myResourceGroup --query 'length(@)' -o tsv)" "0"

printf '\nAll %d checks passed.\n' "$checks"
