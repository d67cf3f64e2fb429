package containerservice

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/aksnet/aksnet/internal/kubenet"
	"github.com/aksnet/aksnet/internal/provider/network"
)

func (p *Provider) agentPoolKind() *arm.Kind {
	return &arm.Kind{
		Type:      TypeAgentPool,
		Model:     armcontainerservice.AgentPool{},
		ValidName: arm.NameRule{Type: "agent pool", Min: 1, Max: 12, Pattern: regexp.MustCompile(`^[a-z][a-z0-9]*$`), Explain: "lowercase letters and digits, starting with a letter"}.Check,
		Put:       p.putAgentPool,
		Delete:    p.deleteAgentPool,
	}
}

// savePoolDoc stores the agentPools child document of a pool profile, and
// sets the profile's eTag to the pool's: AKS gives each pool an eTag, the
// same in the cluster's agentPoolProfiles and in the agent pool resource
// (properties.eTag), which changes when the pool does.
func (p *Provider) savePoolDoc(c *arm.Call, st *clusterState, ap *armcontainerservice.ManagedClusterAgentPoolProfile) error {
	id := st.ClusterID + "/agentPools/" + str(ap.Name)
	raw, err := withOpaqueETag(c.StoredDoc(id), func(etag string) ([]byte, error) {
		ap.ETag = to.Ptr(etag)
		props, err := reshape[armcontainerservice.ManagedClusterAgentPoolProfileProperties](ap)
		if err != nil {
			return nil, err
		}
		return json.Marshal(armcontainerservice.AgentPool{ID: to.Ptr(id), Name: ap.Name, Type: to.Ptr(TypeAgentPool), Properties: props})
	})
	if err != nil {
		return fmt.Errorf("encode %s: %w", id, err)
	}
	return c.SaveRaw(id, raw)
}

// withOpaqueETag renders a document with encode, given its eTag, in AKS's
// opaque form: the stored document's eTag when the rendering is the stored
// document byte for byte, a new one otherwise, so that the eTag changes
// exactly when the GET body does.
func withOpaqueETag(stored []byte, encode func(etag string) ([]byte, error)) ([]byte, error) {
	if stored != nil {
		var old struct {
			ETag       string `json:"eTag"`
			Properties struct {
				ETag string `json:"eTag"`
			} `json:"properties"`
		}
		if json.Unmarshal(stored, &old) == nil {
			if etag := cmp.Or(old.ETag, old.Properties.ETag); etag != "" {
				raw, err := encode(etag)
				if err != nil || bytes.Equal(raw, stored) {
					return raw, err
				}
			}
		}
	}
	return encode(arm.NewOpaqueETag())
}

// reshape copies from into a new T field by field, by their JSON names: a
// cluster's agent pool profile and an agent pool resource's properties are
// the same fields in two SDK types. On an error the result is unusable.
func reshape[T any](from any) (*T, error) {
	raw, err := json.Marshal(from)
	if err != nil {
		return nil, err
	}
	v := new(T)
	return v, json.Unmarshal(raw, v)
}

// putAgentPool adds a pool (az aks nodepool add) or changes a pool's count
// (az aks nodepool scale).
func (p *Provider) putAgentPool(c *arm.Call) ([]byte, error) {
	var ap armcontainerservice.AgentPool
	if err := c.Decode(&ap); err != nil {
		return nil, err
	}
	clusterID := c.Parent
	st, ok, err := loadState(c.R, clusterID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("cluster %s has no state", clusterID)
	}
	props := ap.Properties
	if props == nil {
		props = &armcontainerservice.ManagedClusterAgentPoolProfileProperties{}
	}
	// ARM checks linked access before AKS sees the request.
	if err := c.AuthorizeLinked(poolLinks(props, st.pool(c.Name))...); err != nil {
		return nil, err
	}
	if err := checkAgentPoolVersion(c, props); err != nil {
		return nil, err
	}
	if st.Operation != "" {
		return nil, operationInProgress(st)
	}
	if err := checkRouteTableAssociation(c, st); err != nil {
		return nil, err
	}
	if pool := st.pool(c.Name); pool != nil {
		if s := str(props.VnetSubnetID); s != "" && !strings.EqualFold(s, pool.SubnetID) {
			return nil, subnetChangeNotAllowed(pool, s, "properties.vnetSubnetID")
		}
		if err := p.scale(c, st, map[string]int{pool.Name: i32(props.Count, len(pool.Nodes))}, "properties"); err != nil {
			return nil, err
		}
	} else if st.Stopped {
		return nil, stoppedNotAllowed(st, "adding agent pool "+c.Name)
	} else if err := p.addPool(c, st, props); err != nil {
		return nil, err
	}
	if err := p.commitChange(c, st); err != nil {
		return nil, err
	}
	if _, err := p.renderCluster(c, st, nil); err != nil {
		return nil, err
	}
	return c.StoredDoc(c.ID), nil
}

// subnetChangeNotAllowed is AKS's answer to a request that moves pool to
// another subnet, at target.
func subnetChangeNotAllowed(pool *poolState, subnetID, target string) error {
	return azerr.BadRequest(kubenet.CodePropertyChangeNotAllowed, target,
		"Changing property 'vnetSubnetID' of agent pool %s from '%s' to '%s' is not allowed.", pool.Name, pool.SubnetID, subnetID)
}

// addPool adds a new agent pool to the cluster, in the cluster's subnet
// unless the request names another subnet of the same VNet with the same
// route table.
func (p *Provider) addPool(c *arm.Call, st *clusterState, props *armcontainerservice.ManagedClusterAgentPoolProfileProperties) error {
	osType := "Linux"
	if props.OSType != nil {
		osType = string(*props.OSType)
	}
	if err := checkPoolName(c.Name, osType, "name"); err != nil {
		return err
	}
	if err := checkPoolCount(arm.LastName(st.ClusterID), len(st.Pools)+1, "name"); err != nil {
		return err
	}
	sn, err := newPoolSubnet(c, st, str(props.VnetSubnetID))
	if err != nil {
		return err
	}
	var old armcontainerservice.ManagedCluster
	if _, err := c.Load(st.ClusterID, &old); err != nil {
		return err
	}
	pool := kubenet.Pool{Name: c.Name, Count: i32(props.Count, 1), MaxPods: i32(props.MaxPods, 0), OSType: osType, SubnetPrefix: sn.Prefix}
	if err := p.validateNewPool(st, networkProfileOf(old.Properties.NetworkProfile), &pool, sn.VNetPrefixes); err != nil {
		return err
	}
	if owner, ok := c.R.Get(subnetOwnerKey(sn.ID)); ok && !strings.EqualFold(string(owner), st.ClusterID) {
		return azerr.BadRequest(CodeSubnetInUseByAnotherCluster, "properties.vnetSubnetID",
			"Subnet %s is already used by kubenet cluster %s; kubenet clusters can't share a subnet.", sn.ID, string(owner))
	}
	newSubnet := !containsFold(st.SubnetIDs, sn.ID)
	if newSubnet {
		// A new subnet needs the cluster identity's permission, as the
		// cluster's first did.
		if err := checkSubnetPermissions(c, st.PrincipalID, sn.ID, "properties.vnetSubnetID"); err != nil {
			return err
		}
	}
	ps := poolState{Name: c.Name, SubnetID: sn.ID, VMSize: str(props.VMSize), MaxPods: pool.MaxPods, Mode: "User",
		VMSSID: st.NodeRGID + "/providers/Microsoft.Compute/virtualMachineScaleSets/" + kubenet.VMSSName(c.Name, st.ID8)}
	if props.Mode != nil {
		ps.Mode = string(*props.Mode)
	}
	if ps.VMSize == "" {
		ps.VMSize = "Standard_DS2_v2"
	}
	st.Pools = append(st.Pools, ps)
	if err := p.addNodes(c, st, &st.Pools[len(st.Pools)-1], pool.Count, "properties.count"); err != nil {
		return err
	}
	if newSubnet {
		st.SubnetIDs = append(st.SubnetIDs, sn.ID)
		c.Tx.Put(subnetOwnerKey(sn.ID), []byte(st.ClusterID))
		c.SetRefs(st.ClusterID, st.SubnetIDs...)
	}
	// Record the request's profile so the rendered pool keeps its fields.
	prof, err := reshape[armcontainerservice.ManagedClusterAgentPoolProfile](props)
	if err != nil {
		return fmt.Errorf("agent pool %s as a cluster profile: %w", c.ID, err)
	}
	prof.Name = to.Ptr(c.Name)
	old.Properties.AgentPoolProfiles = append(old.Properties.AgentPoolProfiles, prof)
	return c.Save(st.ClusterID, old)
}

// newPoolSubnet reads the subnet subnetID of a new pool ("" for the
// cluster's first subnet), which must have the cluster's route table.
func newPoolSubnet(c *arm.Call, st *clusterState, subnetID string) (network.SubnetInfo, error) {
	if subnetID == "" {
		subnetID = st.Pools[0].SubnetID
	}
	sn, err := network.LookupSubnet(c, subnetID, "properties.vnetSubnetID")
	if err != nil {
		return network.SubnetInfo{}, err
	}
	if !strings.EqualFold(sn.RouteTableID, st.RouteTableID) {
		return network.SubnetInfo{}, azerr.BadRequest("ExistingRouteTableNotAssociatedWithSubnet", "properties.vnetSubnetID",
			"All subnets of a kubenet cluster must use one route table: subnet %s has route table '%s' but the cluster uses '%s'.", sn.Name, sn.RouteTableID, st.RouteTableID)
	}
	return sn, nil
}

// validateNewPool fills pool's defaults and checks the article's rules for
// the cluster with pool added; errors name the pool body's fields.
func (p *Provider) validateNewPool(st *clusterState, prof kubenet.NetworkProfile, pool *kubenet.Pool, vnetPrefixes []netip.Prefix) error {
	kubenet.ApplyPoolDefaults(pool, prof.NetworkPlugin)
	spec := kubenet.ClusterSpec{Profile: prof, VNetPrefixes: vnetPrefixes, MaxRoutes: p.opts.MaxRoutesPerTable, Pools: []kubenet.Pool{*pool}}
	for _, existing := range st.Pools {
		spec.Pools = append(spec.Pools, kubenet.Pool{Name: existing.Name, Count: len(existing.Nodes), MaxPods: existing.MaxPods, Index: len(spec.Pools)})
	}
	err := kubenet.Validate(spec)
	if e, ok := azerr.As(err); ok && strings.HasPrefix(e.Target, "properties.agentPoolProfiles[0]") {
		e.Target = "properties" + strings.TrimPrefix(e.Target, "properties.agentPoolProfiles[0]")
	}
	return err
}

func containsFold(ss []string, s string) bool {
	for _, x := range ss {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// deleteAgentPool removes a pool and its nodes. The last System pool can't
// go, as in AKS.
func (p *Provider) deleteAgentPool(c *arm.Call) error {
	clusterID := arm.ParentOf(c.ID)
	st, ok, err := loadState(c.R, clusterID)
	if err != nil || !ok {
		return err
	}
	if st.Operation != "" {
		return operationInProgress(st)
	}
	pool := st.pool(c.Name)
	if pool == nil {
		return nil
	}
	if st.Stopped {
		return stoppedNotAllowed(st, "deleting agent pool "+pool.Name)
	}
	if st.onlySystemPool(pool) {
		return azerr.BadRequest("OperationNotAllowed", "name", "Agent pool %s is the cluster's only System pool and can't be deleted.", pool.Name)
	}
	if err := p.removeNodes(c, st, pool, len(pool.Nodes)); err != nil {
		return err
	}
	if err := c.Delete(pool.VMSSID, ""); err != nil {
		return err
	}
	kept := st.Pools[:0]
	for _, q := range st.Pools {
		if !strings.EqualFold(q.Name, c.Name) {
			kept = append(kept, q)
		}
	}
	st.Pools = kept
	var mc armcontainerservice.ManagedCluster
	if _, err := c.Load(clusterID, &mc); err != nil {
		return err
	}
	profiles := mc.Properties.AgentPoolProfiles[:0]
	for _, ap := range mc.Properties.AgentPoolProfiles {
		if ap != nil && !strings.EqualFold(str(ap.Name), c.Name) {
			profiles = append(profiles, ap)
		}
	}
	mc.Properties.AgentPoolProfiles = profiles
	if _, err := p.reconcile(c, st, time.Now(), true); err != nil {
		return err
	}
	if err := saveState(c.Tx, st); err != nil {
		return err
	}
	_, err = p.renderCluster(c, st, &mc)
	return err
}

// onlySystemPool reports whether pool is the cluster's one System pool.
func (st *clusterState) onlySystemPool(pool *poolState) bool {
	if !strings.EqualFold(pool.Mode, "System") {
		return false
	}
	systems := 0
	for _, q := range st.Pools {
		if strings.EqualFold(q.Mode, "System") {
			systems++
		}
	}
	return systems == 1
}
