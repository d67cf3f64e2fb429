package containerservice

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"regexp"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/aksnet/aksnet/internal/directory"
	"github.com/aksnet/aksnet/internal/kubenet"
	"github.com/aksnet/aksnet/internal/kubesup"
	"github.com/aksnet/aksnet/internal/provider/authorization"
	"github.com/aksnet/aksnet/internal/provider/managedidentity"
	"github.com/aksnet/aksnet/internal/provider/network"
	"github.com/aksnet/aksnet/internal/provider/resources"
)

// Resource types of this provider.
const (
	TypeManagedCluster = "Microsoft.ContainerService/managedClusters"
	TypeAgentPool      = "Microsoft.ContainerService/managedClusters/agentPools"
	// docType is how AKS spells the type in documents.
	docType = "Microsoft.ContainerService/ManagedClusters"
)

// Error codes aksnet names itself where AKS's own code is not public; each
// is documented where it is raised.
const (
	// CodeSubnetInUseByAnotherCluster: the article's "don't create more than
	// one AKS cluster in the same subnet", enforced for kubenet.
	CodeSubnetInUseByAnotherCluster = "SubnetInUseByAnotherCluster"
	// CodeRouteTableInUseByAnotherCluster: "using the same route table with
	// multiple AKS clusters isn't supported".
	CodeRouteTableInUseByAnotherCluster = "RouteTableInUseByAnotherCluster"
)

// Actions the cluster identity needs on its subnet, and on a
// bring-your-own route table when the identity is user-assigned.
var (
	subnetActions = []string{"Microsoft.Network/virtualNetworks/subnets/join/action", "Microsoft.Network/virtualNetworks/subnets/read"}
	rtActions     = []string{"Microsoft.Network/routeTables/read", "Microsoft.Network/routeTables/write", "Microsoft.Network/routeTables/routes/write"}
)

// Options tunes the provider.
type Options struct {
	TenantID string
	// MaxRoutesPerTable is Azure's route limit (400).
	MaxRoutesPerTable int
	// ProvisioningDelay holds every create, update and scale operation in
	// flight for at least this long, as AKS's take minutes: scripts that
	// poll, and changes refused while an operation runs (OperationNotAllowed),
	// can be tried against it. Zero by default: operations end as soon as
	// their work is done.
	ProvisioningDelay time.Duration
	// PropagationDelay emulates the article's "permission may take up to 60
	// minutes to propagate": a permission counts only this long after it is
	// first seen. Zero by default.
	PropagationDelay time.Duration
	// RouteReconcilePeriod is how often the route controller brings every
	// running cluster's route table back to one route per node, as AKS's
	// kube-controller-manager does every --route-reconciliation-period (10 s
	// by default): between two passes a deleted managed route stays
	// deleted, an outage users can observe. Zero is the fast mode of tests:
	// a change to a cluster's route table is reconciled at once. Operations
	// (create, scale) write their nodes' routes themselves either way.
	RouteReconcilePeriod time.Duration
	// Kube runs the clusters' Kubernetes control planes (package kubesup);
	// nil answers the credential actions with KubernetesControlPlaneUnavailable.
	Kube KubePlanes
}

// Provider is the container service provider.
type Provider struct {
	opts     Options
	tenantID string
	ctrl     *controller
}

// Register adds the Microsoft.ContainerService kinds to reg.
func Register(reg *arm.Registry, opts Options) *Provider {
	if opts.MaxRoutesPerTable <= 0 {
		opts.MaxRoutesPerTable = kubenet.DefaultMaxRoutes
	}
	p := &Provider{opts: opts, tenantID: opts.TenantID}
	p.ctrl = newController(p)
	reg.Register(&arm.Kind{
		Type:               TypeManagedCluster,
		Model:              armcontainerservice.ManagedCluster{},
		Tracked:            true,
		ListBySubscription: true,
		ValidName:          clusterNameRule.Check,
		Put:                p.putManagedCluster,
		Delete:             p.deleteManagedCluster,
		VersionedFields:    clusterVersionedFields,
		OperationActions:   map[string]func(*arm.Call) error{actionStop: p.stopCluster, actionStart: p.startCluster},
		Actions: map[string]func(*arm.Call) (int, any, error){"trace": p.trace,
			strings.ToLower(actionListUserCredential):       p.credentials(userCredential),
			strings.ToLower(actionListAdminCredential):      p.credentials(adminCredential),
			strings.ToLower(actionListMonitoringCredential): p.credentials(monitoringCredential)},
	})
	reg.Register(p.agentPoolKind())
	reg.Register(p.maintenanceConfigurationKind())
	registerVersionReads(reg)
	return p
}

// clusterVersionedFields are the members of a cluster's document that only
// some api-versions have (the managedClusters change log of the REST API):
//   - properties.supportPlan came with 2023-05-01; aksnet stores AKS's
//     default, KubernetesOfficial, and older api-versions (az 2.45's
//     2022-11-01) do not show it;
//   - networkProfile.dockerBridgeCidr went with 2023-04-01 (Azure/AKS#3534):
//     older api-versions show it, with the swagger's default 172.17.0.1/16
//     when the client sent none; the SDK model aksnet stores (2025-02-01)
//     has no such field, so a sent value is kept as the client's
//     (passthrough) and shown to the api-versions that have it.
//   - autoUpgradeProfile.nodeOSUpgradeChannel came with 2023-06-01; aksnet
//     stores AKS's default for a new cluster, NodeImage (as az aks create's
//     output shows it), and older api-versions do not show it;
//   - nodeProvisioningProfile {mode, defaultNodePools} came with 2025-05-01
//     (go-azure-sdk's containerservice/2025-05-01 is the first to have it);
//     for a cluster created without one, those api-versions show AKS's
//     default {mode: Manual, defaultNodePools: Auto} (what azurerm 5.x sends
//     and reads back; a cluster made by az or the aksnet CLI imported into
//     Terraform must show it too, or every plan drifts).
var clusterVersionedFields = []arm.VersionedField{
	{Path: "properties.supportPlan", Since: "2023-05-01"},
	{Path: "properties.autoUpgradeProfile.nodeOSUpgradeChannel", Since: "2023-06-01", DropEmptyParent: true},
	{Path: "properties.nodeProvisioningProfile", Since: "2025-05-01", Default: json.RawMessage(`{"defaultNodePools":"Auto","mode":"Manual"}`)},
	{Path: "properties.networkProfile.dockerBridgeCidr", Before: "2023-04-01", Default: json.RawMessage(`"172.17.0.1/16"`)},
}

var clusterNameRule = arm.NameRule{Type: "managed cluster", Min: 1, Max: 63,
	Pattern: regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9_-]*[A-Za-z0-9])?$`),
	Explain: "alphanumerics, underscores and hyphens, starting and ending with an alphanumeric"}

var linuxPoolName = regexp.MustCompile(`^[a-z][a-z0-9]{0,11}$`)
var windowsPoolName = regexp.MustCompile(`^[a-z][a-z0-9]{0,5}$`)

func checkPoolName(name, osType, target string) error {
	re, limit := linuxPoolName, 12
	if strings.EqualFold(osType, "Windows") {
		re, limit = windowsPoolName, 6
	}
	if !re.MatchString(name) {
		return azerr.BadRequest("InvalidParameter", target,
			"The agent pool name '%s' is invalid: it must start with a lowercase letter, contain only lowercase letters and digits, and be at most %d characters long.", name, limit)
	}
	return nil
}

// str is *p as a string, "" when p is nil.
func str[T ~string](p *T) string {
	if p == nil {
		return ""
	}
	return string(*p)
}

func i32(p *int32, def int) int {
	if p == nil {
		return def
	}
	return int(*p)
}

// poolRequest is one requested agent pool.
type poolRequest struct {
	profile *armcontainerservice.ManagedClusterAgentPoolProfile
	index   int
	target  string
	subnet  network.SubnetInfo
	pool    kubenet.Pool
}

func (p *Provider) putManagedCluster(c *arm.Call) ([]byte, error) {
	var mc armcontainerservice.ManagedCluster
	if err := c.Decode(&mc); err != nil {
		return nil, err
	}
	if err := resources.RequireLocation(mc.Location); err != nil {
		return nil, err
	}
	if mc.Properties == nil {
		mc.Properties = &armcontainerservice.ManagedClusterProperties{}
	}
	if err := checkClusterVersion(c, &mc); err != nil {
		return nil, err
	}
	if c.Existing != nil {
		return p.updateCluster(c, &mc)
	}
	return p.createCluster(c, &mc, resources.NormalizeLocation(*mc.Location))
}

// networkProfileOf reads the request's network profile.
func networkProfileOf(np *armcontainerservice.NetworkProfile) kubenet.NetworkProfile {
	if np == nil {
		return kubenet.NetworkProfile{}
	}
	return kubenet.NetworkProfile{
		NetworkPlugin:   str(np.NetworkPlugin),
		NetworkPolicy:   str(np.NetworkPolicy),
		PodCIDR:         str(np.PodCidr),
		ServiceCIDR:     str(np.ServiceCidr),
		DNSServiceIP:    str(np.DNSServiceIP),
		OutboundType:    str(np.OutboundType),
		LoadBalancerSKU: str(np.LoadBalancerSKU),
	}
}

// resolvePools reads the requested pools and their subnets. VNet prefixes
// come from the pools' subnets, which must share one VNet.
func resolvePools(c *arm.Call, profiles []*armcontainerservice.ManagedClusterAgentPoolProfile) ([]poolRequest, []netip.Prefix, error) {
	if len(profiles) == 0 {
		return nil, nil, azerr.BadRequest("InvalidParameter", "properties.agentPoolProfiles", "A managed cluster needs at least one agent pool in properties.agentPoolProfiles.")
	}
	if err := checkPoolCount(arm.LastName(c.ID), len(profiles), "properties.agentPoolProfiles"); err != nil {
		return nil, nil, err
	}
	var out []poolRequest
	var vnetID string
	var vnetPrefixes []netip.Prefix
	seen := map[string]bool{}
	withSubnet := 0
	for i, ap := range profiles {
		t := fmt.Sprintf("properties.agentPoolProfiles[%d]", i)
		if ap == nil {
			return nil, nil, azerr.BadRequest("InvalidParameter", t, "Agent pool %d is empty.", i)
		}
		req, err := resolvePool(c, ap, i, t)
		if err != nil {
			return nil, nil, err
		}
		if seen[req.pool.Name] {
			return nil, nil, azerr.BadRequest("InvalidParameter", t+".name", "Agent pool name '%s' appears more than once.", req.pool.Name)
		}
		seen[req.pool.Name] = true
		if req.subnet.ID != "" {
			withSubnet++
			if vnetID == "" {
				vnetID, vnetPrefixes = req.subnet.VNetID, req.subnet.VNetPrefixes
			} else if !strings.EqualFold(vnetID, req.subnet.VNetID) {
				return nil, nil, azerr.BadRequest("InvalidParameter", t+".vnetSubnetID",
					"All agent pools must use subnets of one virtual network: %s is not in %s.", req.subnet.ID, vnetID)
			}
		}
		out = append(out, req)
	}
	if withSubnet != 0 && withSubnet != len(out) {
		return nil, nil, azerr.BadRequest("InvalidParameter", "properties.agentPoolProfiles",
			"Either every agent pool names a vnetSubnetID or none does.")
	}
	return out, vnetPrefixes, nil
}

func resolvePool(c *arm.Call, ap *armcontainerservice.ManagedClusterAgentPoolProfile, i int, t string) (poolRequest, error) {
	name := str(ap.Name)
	osType := "Linux"
	if ap.OSType != nil {
		osType = string(*ap.OSType)
	}
	if err := checkPoolName(name, osType, t+".name"); err != nil {
		return poolRequest{}, err
	}
	count := i32(ap.Count, 1)
	if count < 0 || count > 1000 {
		return poolRequest{}, azerr.BadRequest("InvalidParameter", t+".count", "Agent pool %s has count %d; it must be between 0 and 1000.", name, count)
	}
	req := poolRequest{profile: ap, index: i, target: t,
		pool: kubenet.Pool{Name: name, Count: count, MaxPods: i32(ap.MaxPods, 0), OSType: osType, Index: i}}
	if id := str(ap.VnetSubnetID); id != "" {
		pid, err := arm.ParseID(id)
		if err != nil || pid.Subscription == "" || !strings.EqualFold(pid.FullType(), network.TypeSubnet) || pid.IsCollection() {
			return poolRequest{}, azerr.BadRequest("LinkedInvalidPropertyId", t+".vnetSubnetID",
				"Property id '%s' at path '%s.vnetSubnetID' is invalid. Expect fully qualified resource Id that start with '/subscriptions/{subscriptionId}' or '/providers/{resourceProviderNamespace}/'.", id, t)
		}
		sn, err := network.LookupSubnet(c, id, t+".vnetSubnetID")
		if err != nil {
			return poolRequest{}, err
		}
		req.subnet = sn
		req.pool.SubnetPrefix = sn.Prefix
	}
	return req, nil
}

// identityOf sets up the cluster identity: a new principal for a
// system-assigned identity, or the given user-assigned one.
func (p *Provider) identityOf(c *arm.Call, mc *armcontainerservice.ManagedCluster) (principalID string, userAssigned bool, err error) {
	id := mc.Identity
	if id == nil || id.Type == nil || strings.EqualFold(string(*id.Type), "SystemAssigned") {
		pr := directory.NewManagedPrincipal(p.tenantID, arm.LastName(c.ID), c.ID)
		if err := directory.PutPrincipal(c.Tx, pr); err != nil {
			return "", false, err
		}
		mc.Identity = &armcontainerservice.ManagedClusterIdentity{Type: to.Ptr(armcontainerservice.ResourceIdentityTypeSystemAssigned),
			PrincipalID: to.Ptr(pr.ObjectID), TenantID: to.Ptr(p.tenantID)}
		return pr.ObjectID, false, nil
	}
	if !strings.EqualFold(string(*id.Type), "UserAssigned") {
		return "", false, azerr.BadRequest("InvalidParameter", "identity.type",
			"Identity type '%s' is not supported; use SystemAssigned or UserAssigned.", string(*id.Type))
	}
	if len(id.UserAssignedIdentities) != 1 {
		return "", false, azerr.BadRequest("InvalidParameter", "identity.userAssignedIdentities",
			"A user-assigned cluster identity needs exactly one entry in identity.userAssignedIdentities; %d given.", len(id.UserAssignedIdentities))
	}
	for rid := range id.UserAssignedIdentities {
		principal, client, canon, ok := managedidentity.Lookup(c, rid)
		if !ok {
			return "", false, azerr.BadRequest("InvalidResourceReference", "identity.userAssignedIdentities",
				"User-assigned identity %s referenced by cluster %s was not found.", rid, arm.LastName(c.ID))
		}
		mc.Identity = &armcontainerservice.ManagedClusterIdentity{Type: to.Ptr(armcontainerservice.ResourceIdentityTypeUserAssigned),
			UserAssignedIdentities: map[string]*armcontainerservice.ManagedServiceIdentityUserAssignedIdentitiesValue{
				canon: {PrincipalID: to.Ptr(principal), ClientID: to.Ptr(client)}}}
		return principal, true, nil
	}
	return "", false, nil
}

// checkSubnetPermissions answers LinkedAuthorizationFailed when principal
// lacks one of the subnet actions on subnet sn; target names the subnet in
// the request.
func checkSubnetPermissions(c *arm.Call, principal, sn, target string) error {
	for _, a := range subnetActions {
		if !authorization.HasPermissions(c.R, principal, sn, a) {
			return linkedAuthorizationFailed(principal, a, sn, target)
		}
	}
	return nil
}

// linkedAuthorizationFailed is ARM's answer when the cluster identity lacks
// an action on a linked resource.
func linkedAuthorizationFailed(principal, action, scope, target string) error {
	return azerr.New(http.StatusForbidden, "LinkedAuthorizationFailed", target,
		"The cluster identity '%s' does not have permission to perform action '%s' on the linked scope '%s'. Grant it Network Contributor (or a role with %s and %s) on the subnet.",
		principal, action, scope, subnetActions[0], subnetActions[1])
}

// createCluster creates the cluster mc in location loc: it checks the
// request, sets up the cluster identity and the node resource group, places
// the nodes, starts the create operation and runs a first reconcile.
func (p *Provider) createCluster(c *arm.Call, mc *armcontainerservice.ManagedCluster, loc string) ([]byte, error) {
	if err := c.AuthorizeLinked(clusterLinks(mc)...); err != nil {
		return nil, err
	}
	props := mc.Properties
	if err := checkServicePrincipal(props.ServicePrincipalProfile); err != nil {
		return nil, err
	}
	nodeRGID, err := nodeResourceGroupID(c, props, loc)
	if err != nil {
		return nil, err
	}
	req, err := p.readClusterRequest(c, props)
	if err != nil {
		return nil, err
	}
	principal, userAssigned, err := p.identityOf(c, mc)
	if err != nil {
		return nil, err
	}
	st := &clusterState{ClusterID: c.ID, ID8: kubenet.ClusterID8(c.ID), Location: loc, PodCIDR: req.ranges.PodCIDR, ServiceCIDR: req.ranges.ServiceCIDR,
		DNSServiceIP: req.ranges.DNSServiceIP, RouteTableID: req.rtID, BYORouteTable: req.rtID != "", SubnetIDs: req.subnetIDs, PrincipalID: principal, UserAssigned: userAssigned}
	if userAssigned && !req.managedVNet {
		// A user-assigned identity must hold its permissions before creation.
		if err := p.checkPermissions(c, st, req.pools[0].target+".vnetSubnetID"); err != nil {
			return nil, err
		}
	}
	st.NodeRGID = nodeRGID
	if err := p.createNodeResourceGroup(c, st, arm.LastName(c.ID)); err != nil {
		return nil, err
	}
	if err := p.placeNodes(c, st, req); err != nil {
		return nil, err
	}
	st.PermissionsOK = userAssigned || req.managedVNet
	if err := beginOperation(c, st, "Creating"); err != nil {
		return nil, err
	}
	p.fillDefaults(c, mc, req.prof, loc, st)
	if err := p.commit(c, st); err != nil {
		return nil, err
	}
	return p.renderCluster(c, st, mc)
}

// checkServicePrincipal refuses a service principal: aksnet clusters use
// managed identities, which az spells as the client id "msi".
func checkServicePrincipal(sp *armcontainerservice.ManagedClusterServicePrincipalProfile) error {
	if sp != nil && sp.ClientID != nil && *sp.ClientID != "" && !strings.EqualFold(*sp.ClientID, "msi") {
		return azerr.BadRequest("InvalidParameter", "properties.servicePrincipalProfile.clientId",
			"aksnet clusters use managed identities; servicePrincipalProfile.clientId must be 'msi', not '%s'.", *sp.ClientID)
	}
	return nil
}

// clusterRequest is a create request's network side, read and checked.
type clusterRequest struct {
	prof  kubenet.NetworkProfile
	pools []poolRequest
	// spec is what kubenet checked; its pools carry their defaults.
	spec kubenet.ClusterSpec
	// managedVNet: no pool names a subnet, so AKS creates the VNet.
	managedVNet bool
	// rtID is the route table the pools' subnets share ("" for none).
	rtID      string
	subnetIDs []string
	// ranges are the cluster's ranges, parsed here once: the state keeps
	// them typed.
	ranges kubenet.Ranges
}

// readClusterRequest reads the network profile and the pools of a create
// request, fills kubenet's defaults and checks the article's rules, and
// refuses a subnet or route table that another cluster already uses.
func (p *Provider) readClusterRequest(c *arm.Call, props *armcontainerservice.ManagedClusterProperties) (*clusterRequest, error) {
	req := &clusterRequest{prof: networkProfileOf(props.NetworkProfile)}
	kubenet.ApplyDefaults(&req.prof)
	pools, vnetPrefixes, err := resolvePools(c, props.AgentPoolProfiles)
	if err != nil {
		return nil, err
	}
	req.pools = pools
	req.managedVNet = pools[0].subnet.ID == ""
	if req.managedVNet {
		vnetPrefixes = []netip.Prefix{netip.MustParsePrefix("10.224.0.0/12")}
		for i := range pools {
			pools[i].pool.SubnetPrefix = netip.MustParsePrefix("10.224.0.0/16")
		}
	}
	req.spec = kubenet.ClusterSpec{Profile: req.prof, VNetPrefixes: vnetPrefixes, MaxRoutes: p.opts.MaxRoutesPerTable}
	for _, pr := range pools {
		kubenet.ApplyPoolDefaults(&pr.pool, req.prof.NetworkPlugin)
		req.spec.Pools = append(req.spec.Pools, pr.pool)
	}
	if a := props.AddonProfiles["aciConnectorLinux"]; a != nil && a.Enabled != nil && *a.Enabled {
		req.spec.VirtualNodeAddon = true
	}
	// The cluster's route table: the one its subnets already have, which
	// must be the same for all of them.
	if req.rtID, req.subnetIDs, err = sharedRouteTable(pools); err != nil {
		return nil, err
	}
	if req.spec.CustomRoutes, err = customRouteCount(c, req.rtID, pools[0].target+".vnetSubnetID"); err != nil {
		return nil, err
	}
	if req.ranges, err = kubenet.ValidateRanges(req.spec); err != nil {
		return nil, err
	}
	return req, checkUnshared(c, req.subnetIDs, req.rtID, pools[0].target+".vnetSubnetID")
}

// customRouteCount counts the routes of route table rtID ("" for none) that
// the cluster does not manage; target names the subnet that brings it.
func customRouteCount(c *arm.Call, rtID, target string) (int, error) {
	if rtID == "" {
		return 0, nil
	}
	info, ok := network.LookupRouteTable(c, rtID)
	if !ok {
		return 0, azerr.BadRequest("InvalidResourceReference", target, "Route table %s of the cluster's subnet was not found.", rtID)
	}
	n := 0
	for _, r := range info.Routes {
		if !kubenet.IsManagedRouteName(r.Name) {
			n++
		}
	}
	return n, nil
}

// checkUnshared refuses subnets or a route table ("" for none) that another
// kubenet cluster already uses; target names the first pool's subnet.
func checkUnshared(c *arm.Call, subnetIDs []string, rtID, target string) error {
	for _, sn := range subnetIDs {
		if owner, ok := c.R.Get(subnetOwnerKey(sn)); ok {
			return azerr.BadRequest(CodeSubnetInUseByAnotherCluster, target,
				"Subnet %s is already used by kubenet cluster %s; kubenet clusters can't share a subnet.", sn, string(owner))
		}
	}
	if rtID != "" {
		if owner, ok := c.R.Get(routeTableOwnerKey(rtID)); ok {
			return azerr.BadRequest(CodeRouteTableInUseByAnotherCluster, target,
				"Route table %s is already used by cluster %s; a route table can't be shared between clusters.", rtID, string(owner))
		}
	}
	return nil
}

// placeNodes creates the managed VNet when the request names no subnet,
// adds each pool's nodes, and records that the cluster owns its subnets.
func (p *Provider) placeNodes(c *arm.Call, st *clusterState, req *clusterRequest) error {
	pools := req.pools
	if req.managedVNet {
		sid, err := createManagedVNet(c, st)
		if err != nil {
			return err
		}
		st.SubnetIDs = []string{sid}
		for i := range pools {
			pools[i].subnet.ID = sid
		}
		if err := network.SetSubnetRouteTable(c, sid, st.RouteTableID); err != nil {
			return err
		}
	}
	for i, pr := range pools {
		ps := poolState{Name: pr.pool.Name, SubnetID: pr.subnet.ID, VMSize: vmSizeOf(pr.profile), MaxPods: req.spec.Pools[i].MaxPods, Mode: poolMode(pr.profile, i)}
		ps.VMSSID = st.NodeRGID + "/providers/Microsoft.Compute/virtualMachineScaleSets/" + kubenet.VMSSName(ps.Name, st.ID8)
		st.Pools = append(st.Pools, ps)
		if err := p.addNodes(c, st, &st.Pools[i], pr.pool.Count, pr.target+".count"); err != nil {
			return err
		}
	}
	for _, sn := range st.SubnetIDs {
		c.Tx.Put(subnetOwnerKey(sn), []byte(c.ID))
	}
	c.SetRefs(c.ID, st.SubnetIDs...)
	return nil
}

// sharedRouteTable returns the route table the pools' subnets share ("" when
// none has one) and the distinct subnet ids. Subnets with different tables,
// or some with and some without one, break the article's rule that a
// cluster uses one route table for all its subnets.
func sharedRouteTable(pools []poolRequest) (string, []string, error) {
	var rt string
	var ids []string
	seen := map[string]bool{}
	for i, pr := range pools {
		if pr.subnet.ID == "" {
			continue
		}
		if !seen[strings.ToLower(pr.subnet.ID)] {
			seen[strings.ToLower(pr.subnet.ID)] = true
			ids = append(ids, pr.subnet.ID)
		}
		if i > 0 && !strings.EqualFold(rt, pr.subnet.RouteTableID) {
			return "", nil, azerr.BadRequest("ExistingRouteTableNotAssociatedWithSubnet", pr.target+".vnetSubnetID",
				"All subnets of a kubenet cluster must use one route table: subnet %s has route table '%s' but the cluster's first subnet has '%s'.",
				pr.subnet.Name, pr.subnet.RouteTableID, rt)
		}
		rt = pr.subnet.RouteTableID
	}
	return rt, ids, nil
}

// checkPermissions answers LinkedAuthorizationFailed when the cluster
// identity lacks the subnet actions, and CustomRouteTableMissingPermission
// when a user-assigned identity can't write a bring-your-own route table.
func (p *Provider) checkPermissions(c *arm.Call, st *clusterState, target string) error {
	for _, sn := range st.SubnetIDs {
		if err := checkSubnetPermissions(c, st.PrincipalID, sn, target); err != nil {
			return err
		}
	}
	if st.BYORouteTable && st.UserAssigned && !authorization.HasPermissions(c.R, st.PrincipalID, st.RouteTableID, rtActions...) {
		return azerr.BadRequest("CustomRouteTableMissingPermission", target,
			"The cluster identity %s needs write access (%s) to the bring-your-own route table %s.", st.PrincipalID, strings.Join(rtActions, ", "), st.RouteTableID)
	}
	return nil
}

func vmSizeOf(ap *armcontainerservice.ManagedClusterAgentPoolProfile) string {
	if s := str(ap.VMSize); s != "" {
		return s
	}
	return "Standard_DS2_v2"
}

func poolMode(ap *armcontainerservice.ManagedClusterAgentPoolProfile, i int) string {
	if ap.Mode != nil && *ap.Mode != "" {
		return string(*ap.Mode)
	}
	if i == 0 {
		return "System"
	}
	return "User"
}

// fillDefaults completes the stored document with AKS's defaults.
func (p *Provider) fillDefaults(c *arm.Call, mc *armcontainerservice.ManagedCluster, prof kubenet.NetworkProfile, loc string, st *clusterState) {
	props := mc.Properties
	name := arm.LastName(c.ID)
	if str(props.KubernetesVersion) == "" {
		props.KubernetesVersion = to.Ptr(kubesup.Version)
	}
	if str(props.DNSPrefix) == "" {
		props.DNSPrefix = to.Ptr(defaultDNSPrefix(name, c.Parsed.ResourceGroup, c.Parsed.Subscription))
	}
	props.Fqdn = to.Ptr(fmt.Sprintf("%s-%s.hcp.%s.azmk8s.io", *props.DNSPrefix, strings.ToLower(st.ID8), loc))
	props.AzurePortalFQDN = to.Ptr(fmt.Sprintf("%s-%s.portal.hcp.%s.azmk8s.io", *props.DNSPrefix, strings.ToLower(st.ID8), loc))
	props.NodeResourceGroup = to.Ptr(arm.LastName(st.NodeRGID))
	props.ServicePrincipalProfile = &armcontainerservice.ManagedClusterServicePrincipalProfile{ClientID: to.Ptr("msi")}
	if props.EnableRBAC == nil {
		props.EnableRBAC = to.Ptr(true)
	}
	props.MaxAgentPools = to.Ptr[int32](100)
	fillProfileDefaults(props)
	np := props.NetworkProfile
	if np == nil {
		np = &armcontainerservice.NetworkProfile{}
		props.NetworkProfile = np
	}
	np.NetworkPlugin = to.Ptr(armcontainerservice.NetworkPlugin(prof.NetworkPlugin))
	if prof.NetworkPolicy != "" {
		np.NetworkPolicy = to.Ptr(armcontainerservice.NetworkPolicy(prof.NetworkPolicy))
	}
	np.PodCidr, np.ServiceCidr, np.DNSServiceIP = to.Ptr(prof.PodCIDR), to.Ptr(prof.ServiceCIDR), to.Ptr(prof.DNSServiceIP)
	np.PodCidrs, np.ServiceCidrs = []*string{to.Ptr(prof.PodCIDR)}, []*string{to.Ptr(prof.ServiceCIDR)}
	np.OutboundType = to.Ptr(armcontainerservice.OutboundType(prof.OutboundType))
	np.LoadBalancerSKU = to.Ptr(armcontainerservice.LoadBalancerSKU(strings.ToLower(prof.LoadBalancerSKU)))
	np.IPFamilies = []*armcontainerservice.IPFamily{to.Ptr(armcontainerservice.IPFamilyIPv4)}
	var pipIDs []*armcontainerservice.ResourceReference
	c.ScanTopLevel(st.NodeRGID, func(id string, _ []byte) bool {
		if strings.EqualFold(arm.TypeOfID(id), network.TypePublicIP) {
			pipIDs = append(pipIDs, &armcontainerservice.ResourceReference{ID: to.Ptr(id)})
		}
		return true
	})
	np.LoadBalancerProfile = loadBalancerProfile(np.LoadBalancerProfile, pipIDs)
	kid := st.NodeRGID + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/" + name + "-agentpool"
	if principal, client, canon, ok := managedidentity.Lookup(c, kid); ok {
		props.IdentityProfile = map[string]*armcontainerservice.UserAssignedIdentity{
			"kubeletidentity": {ResourceID: to.Ptr(aksIDCase(canon)), ClientID: to.Ptr(client), ObjectID: to.Ptr(principal)}}
	}
	if mc.SKU == nil {
		mc.SKU = &armcontainerservice.ManagedClusterSKU{Name: to.Ptr(armcontainerservice.ManagedClusterSKUNameBase), Tier: to.Ptr(armcontainerservice.ManagedClusterSKUTierFree)}
	}
	mc.Location = to.Ptr(loc)
}

// fillProfileDefaults sets the profiles AKS fills on a create where the
// client sent none, as a kubenet cluster's GET shows them: storageProfile
// with the disk and file CSI drivers and the snapshot controller enabled
// (no blob driver), oidcIssuerProfile {enabled: false} and supportPlan
// KubernetesOfficial (which answers to api-versions before 2023-05-01 leave
// out, see clusterVersionedFields). What the client sent is kept.
func fillProfileDefaults(props *armcontainerservice.ManagedClusterProperties) {
	if props.SupportPlan == nil {
		props.SupportPlan = to.Ptr(armcontainerservice.KubernetesSupportPlanKubernetesOfficial)
	}
	sp := props.StorageProfile
	if sp == nil {
		sp = &armcontainerservice.ManagedClusterStorageProfile{}
		props.StorageProfile = sp
	}
	if sp.DiskCSIDriver == nil {
		sp.DiskCSIDriver = &armcontainerservice.ManagedClusterStorageProfileDiskCSIDriver{Enabled: to.Ptr(true)}
	}
	if sp.FileCSIDriver == nil {
		sp.FileCSIDriver = &armcontainerservice.ManagedClusterStorageProfileFileCSIDriver{Enabled: to.Ptr(true)}
	}
	if sp.SnapshotController == nil {
		sp.SnapshotController = &armcontainerservice.ManagedClusterStorageProfileSnapshotController{Enabled: to.Ptr(true)}
	}
	if props.OidcIssuerProfile == nil {
		props.OidcIssuerProfile = &armcontainerservice.ManagedClusterOIDCIssuerProfile{Enabled: to.Ptr(false)}
	}
	if props.AutoUpgradeProfile == nil {
		props.AutoUpgradeProfile = &armcontainerservice.ManagedClusterAutoUpgradeProfile{}
	}
	if props.AutoUpgradeProfile.NodeOSUpgradeChannel == nil {
		props.AutoUpgradeProfile.NodeOSUpgradeChannel = to.Ptr(armcontainerservice.NodeOSUpgradeChannelNodeImage)
	}
}

// loadBalancerProfile completes the load balancer profile a client sent
// (nil for none) with AKS's defaults, keeping every field it set:
// idleTimeoutInMinutes and allocatedOutboundPorts, which az (--load-balancer-
// idle-timeout, --load-balancer-outbound-ports) and Terraform send, must come
// back as sent or IaC tools plan a change forever (issue 17). AKS adds one
// managed outbound IP when the client names no outbound IPs or prefixes,
// and sets effectiveOutboundIPs to the IPs it made; it adds no
// idleTimeoutInMinutes or allocatedOutboundPorts of its own (a kubenet
// cluster's GET answers loadBalancerProfile {managedOutboundIPs {count 1},
// effectiveOutboundIPs} only).
func loadBalancerProfile(sent *armcontainerservice.ManagedClusterLoadBalancerProfile, pipIDs []*armcontainerservice.ResourceReference) *armcontainerservice.ManagedClusterLoadBalancerProfile {
	lb := &armcontainerservice.ManagedClusterLoadBalancerProfile{}
	if sent != nil {
		cp := *sent
		lb = &cp
	}
	if lb.ManagedOutboundIPs == nil && lb.OutboundIPs == nil && lb.OutboundIPPrefixes == nil {
		lb.ManagedOutboundIPs = &armcontainerservice.ManagedClusterLoadBalancerProfileManagedOutboundIPs{Count: to.Ptr[int32](1)}
	}
	if lb.BackendPoolType == nil {
		lb.BackendPoolType = to.Ptr(armcontainerservice.BackendPoolTypeNodeIPConfiguration)
	}
	lb.EffectiveOutboundIPs = pipIDs
	return lb
}

// defaultDNSPrefix is az's default: the first 10 characters of the cluster
// name, the first 16 of the resource group and the first 6 of the
// subscription, joined by hyphens.
func defaultDNSPrefix(name, rg, sub string) string {
	clip := func(s string, n int) string {
		s = regexp.MustCompile(`[^A-Za-z0-9-]`).ReplaceAllString(s, "")
		if len(s) > n {
			return s[:n]
		}
		return s
	}
	return strings.Trim(clip(name, 10), "-") + "-" + strings.Trim(clip(rg, 16), "-") + "-" + clip(sub, 6)
}

// renderCluster stores the cluster document with its provisioning state
// and agent pools from st, and returns it. base is the document to start
// from; nil loads the stored one.
func (p *Provider) renderCluster(c *arm.Call, st *clusterState, base *armcontainerservice.ManagedCluster) ([]byte, error) {
	mc := base
	if mc == nil {
		mc = &armcontainerservice.ManagedCluster{}
		if ok, err := c.Load(st.ClusterID, mc); err != nil || !ok {
			return nil, err
		}
	}
	state := st.provisioningState()
	mc.ID, mc.Name, mc.Type = to.Ptr(st.ClusterID), to.Ptr(arm.LastName(st.ClusterID)), to.Ptr(docType)
	props := mc.Properties
	props.ProvisioningState = to.Ptr(state)
	props.PowerState = st.powerState()
	// What aksnet-kube serves, whatever alias was asked for, and for a
	// cluster stored before a version bump once it next changes.
	props.CurrentKubernetesVersion = to.Ptr(kubesup.Version)
	profiles := make([]*armcontainerservice.ManagedClusterAgentPoolProfile, 0, len(st.Pools))
	for i := range st.Pools {
		ap := p.poolProfile(props, &st.Pools[i], state, st.powerState())
		profiles = append(profiles, ap)
		if err := p.savePoolDoc(c, st, ap); err != nil {
			return nil, err
		}
	}
	props.AgentPoolProfiles = profiles
	raw, err := withOpaqueETag(c.StoredDoc(st.ClusterID), func(etag string) ([]byte, error) {
		mc.ETag = to.Ptr(etag)
		return json.Marshal(mc)
	})
	if err != nil {
		return nil, err
	}
	if err := c.SaveRaw(st.ClusterID, raw); err != nil {
		return nil, err
	}
	return raw, nil
}

// poolProfile renders pool as an agentPoolProfiles entry, keeping what the
// stored document says of it.
func (p *Provider) poolProfile(props *armcontainerservice.ManagedClusterProperties, pool *poolState, state string, power *armcontainerservice.PowerState) *armcontainerservice.ManagedClusterAgentPoolProfile {
	var ap *armcontainerservice.ManagedClusterAgentPoolProfile
	for _, existing := range props.AgentPoolProfiles {
		if existing != nil && strings.EqualFold(str(existing.Name), pool.Name) {
			cp := *existing
			ap = &cp
		}
	}
	if ap == nil {
		ap = &armcontainerservice.ManagedClusterAgentPoolProfile{Name: to.Ptr(pool.Name)}
	}
	ap.Count = to.Ptr(int32(len(pool.Nodes)))
	ap.VMSize = to.Ptr(pool.VMSize)
	ap.MaxPods = to.Ptr(int32(pool.MaxPods))
	ap.Mode = to.Ptr(armcontainerservice.AgentPoolMode(pool.Mode))
	ap.ProvisioningState = to.Ptr(state)
	ap.PowerState = power
	ap.Type = to.Ptr(armcontainerservice.AgentPoolTypeVirtualMachineScaleSets)
	if ap.OSType == nil {
		ap.OSType = to.Ptr(armcontainerservice.OSTypeLinux)
	}
	if ap.OSSKU == nil {
		ap.OSSKU = to.Ptr(armcontainerservice.OSSKUUbuntu)
	}
	if i32(ap.OSDiskSizeGB, 0) == 0 {
		ap.OSDiskSizeGB = to.Ptr[int32](128)
	}
	ap.OSDiskType = to.Ptr(armcontainerservice.OSDiskTypeManaged)
	ap.KubeletDiskType = to.Ptr(armcontainerservice.KubeletDiskTypeOS)
	if str(ap.OrchestratorVersion) == "" {
		ap.OrchestratorVersion = props.KubernetesVersion
	}
	ap.CurrentOrchestratorVersion = to.Ptr(kubesup.Version)
	ap.NodeImageVersion = to.Ptr("AKSUbuntu-2204gen2containerd-202411.12.0")
	// A pool in a subnet the user brought names it; one in the VNet AKS
	// made does not, as in AKS.
	ap.VnetSubnetID = nil
	if pool.SubnetID != "" && !strings.Contains(strings.ToLower(pool.SubnetID), strings.ToLower(nodeRGOf(props))) {
		ap.VnetSubnetID = to.Ptr(pool.SubnetID)
	}
	if ap.EnableNodePublicIP == nil {
		ap.EnableNodePublicIP = to.Ptr(false)
	}
	// AKS's pool defaults, as its GET shows them: no autoscaler, and
	// nodes removed (not deallocated) on a scale down.
	if ap.EnableAutoScaling == nil {
		ap.EnableAutoScaling = to.Ptr(false)
	}
	if ap.ScaleDownMode == nil {
		ap.ScaleDownMode = to.Ptr(armcontainerservice.ScaleDownModeDelete)
	}
	if ap.UpgradeSettings == nil || ap.UpgradeSettings.MaxSurge == nil {
		ap.UpgradeSettings = &armcontainerservice.AgentPoolUpgradeSettings{MaxSurge: to.Ptr("10%")}
	}
	ap.ETag = nil
	return ap
}

// nodeRGOf returns the id prefix of the node resource group a cluster
// document names, for telling AKS-made resources from the user's.
func nodeRGOf(props *armcontainerservice.ManagedClusterProperties) string {
	return "/resourceGroups/" + str(props.NodeResourceGroup) + "/"
}

func (p *Provider) deleteManagedCluster(c *arm.Call) error {
	st, ok, err := loadState(c.R, c.ID)
	if err != nil || !ok {
		return err
	}
	if st.Operation != "" {
		if err := arm.FinishOperationStatus(c.Tx, st.Operation, arm.StatusCanceled); err != nil {
			return err
		}
	}
	// Managed routes leave a bring-your-own table; AKS's own table leaves
	// the subnet and goes with the node resource group.
	if st.BYORouteTable {
		if err := p.removeRoutes(c, st); err != nil {
			return err
		}
	} else {
		for _, sn := range st.SubnetIDs {
			if c.Exists(sn) && !arm.Within(sn, st.NodeRGID) {
				if err := network.SetSubnetRouteTable(c, sn, ""); err != nil {
					return err
				}
			}
		}
	}
	c.SetRefs(c.ID)
	for _, sn := range st.SubnetIDs {
		c.Tx.Delete(subnetOwnerKey(sn))
	}
	c.Tx.Delete(routeTableOwnerKey(st.RouteTableID))
	releasePublicIPs(c, st.NodeRGID)
	if err := c.Delete(st.NodeRGID, ""); err != nil {
		return err
	}
	if !st.UserAssigned {
		if err := directory.DeletePrincipal(c.Tx, st.PrincipalID); err != nil {
			return err
		}
	}
	c.Tx.Delete(stateKey(c.ID))
	return nil
}

// aksIDCase writes a resource id as AKS writes the ids it generates into a
// cluster (identityProfile.kubeletidentity.resourceId): the resourceGroups
// segment in lower case, "/subscriptions/…/resourcegroups/MC_…/providers/…",
// as in every public `az aks show` and `az aks create` output. The rest
// keeps its casing.
func aksIDCase(id string) string {
	parts := strings.Split(id, "/")
	if len(parts) > 3 && strings.EqualFold(parts[3], "resourceGroups") {
		parts[3] = "resourcegroups"
	}
	return strings.Join(parts, "/")
}
