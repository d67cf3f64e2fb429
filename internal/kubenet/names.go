package kubenet

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
)

// instanceDigits is the length of a VMSS instance suffix ("000000").
const instanceDigits = 6

// NodeResourceGroup returns the name of the resource group AKS creates for a
// cluster's infrastructure: "MC_{rg}_{cluster}_{location}", for example
// MC_myResourceGroup_myAKSCluster_eastus.
func NodeResourceGroup(rg, cluster, location string) string {
	return "MC_" + rg + "_" + cluster + "_" + location
}

// ClusterID8 returns a stable 8-digit id derived from s (for example the
// cluster's resource id): the 64-bit FNV-1a hash of s, lower-cased so
// resource ids that differ only in case (ARM ids are case-insensitive) get
// the same id, modulo 10^8, zero-padded to 8 digits.
func ClusterID8(s string) string {
	h := fnv.New64a()
	h.Write([]byte(strings.ToLower(s)))
	return fmt.Sprintf("%08d", h.Sum64()%100_000_000)
}

// RouteTableName returns the name of the route table AKS creates for a
// kubenet cluster: "aks-agentpool-<id8>-routetable".
func RouteTableName(id8 string) string {
	return "aks-agentpool-" + id8 + "-routetable"
}

// VMSSName returns the name of an agent pool's virtual machine scale set:
// "aks-<pool>-<id8>-vmss", for example aks-nodepool1-12345678-vmss.
func VMSSName(pool, id8 string) string {
	return "aks-" + pool + "-" + id8 + "-vmss"
}

// InstanceName returns the computer (and Kubernetes node) name of instance n
// of scale set vmss: vmss followed by n in base 36, lower case, zero-padded
// to 6 characters. 0 gives "vmss000000", 35 "vmss00000z", 36 "vmss000010".
// n must not be negative; InstanceName panics otherwise.
func InstanceName(vmss string, n int) string {
	if n < 0 {
		panic(fmt.Sprintf("kubenet.InstanceName: negative instance id %d", n))
	}
	id := strconv.FormatInt(int64(n), 36)
	if len(id) < instanceDigits {
		id = strings.Repeat("0", instanceDigits-len(id)) + id
	}
	return vmss + id
}

// InstanceNameOf returns the computer (and Kubernetes node) name of the
// scale set instance whose id is vmID
// (…/virtualMachineScaleSets/{vmss}/virtualMachines/{n}): InstanceName of
// vmss and n. ok is false when vmID is not such an id.
func InstanceNameOf(vmID string) (name string, ok bool) {
	segs := strings.Split(strings.TrimRight(vmID, "/"), "/")
	if len(segs) < 4 || !strings.EqualFold(segs[len(segs)-4], "virtualMachineScaleSets") || !strings.EqualFold(segs[len(segs)-2], "virtualMachines") {
		return "", false
	}
	n, err := strconv.Atoi(segs[len(segs)-1])
	if err != nil || n < 0 || segs[len(segs)-3] == "" {
		return "", false
	}
	return InstanceName(segs[len(segs)-3], n), true
}
